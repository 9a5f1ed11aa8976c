//! Parsing and comparing the register dumps a test block writes.
//!
//! Dump layout: X0..X30 (248 bytes), SP, NZCV, FPSR (8 each), V0..V31 (512), followed for
//! memory classes by the 4 KiB scratch buffer (a separate write).

/// Bytes of the register part of a dump.
pub const REG_DUMP: usize = 784;

/// The state a block dumped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dump {
    /// X0..X30.
    pub x: [u64; 31],
    /// SP.
    pub sp: u64,
    /// NZCV.
    pub nzcv: u64,
    /// FPSR.
    pub fpsr: u64,
    /// V0..V31.
    pub v: [u128; 32],
    /// The scratch buffer, if dumped.
    pub buf: Vec<u8>,
}

impl Dump {
    /// Parses a dump from `bytes` (`REG_DUMP` bytes, then the buffer if any); `None` if short.
    pub fn parse(bytes: &[u8]) -> Option<Dump> {
        if bytes.len() < REG_DUMP {
            return None;
        }
        let q = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
        let mut x = [0u64; 31];
        for (i, r) in x.iter_mut().enumerate() {
            *r = q(8 * i);
        }
        let mut v = [0u128; 32];
        for (i, r) in v.iter_mut().enumerate() {
            let o = 272 + 16 * i;
            *r = u128::from_le_bytes(bytes[o..o + 16].try_into().unwrap_or([0; 16]));
        }
        Some(Dump {
            x,
            sp: q(248),
            nzcv: q(256),
            fpsr: q(264),
            v,
            buf: bytes[REG_DUMP..].to_vec(),
        })
    }

    /// Human-readable differences `self` (reference) vs `other`, one line each.
    pub fn diff(&self, other: &Dump) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..31 {
            if self.x[i] != other.x[i] {
                out.push(format!(
                    "X{i}: ref {:#018x} got {:#018x}",
                    self.x[i], other.x[i]
                ));
            }
        }
        for (n, a, b) in [
            ("SP", self.sp, other.sp),
            ("NZCV", self.nzcv, other.nzcv),
            ("FPSR", self.fpsr, other.fpsr),
        ] {
            if a != b {
                out.push(format!("{n}: ref {a:#x} got {b:#x}"));
            }
        }
        for i in 0..32 {
            if self.v[i] != other.v[i] {
                out.push(format!(
                    "V{i}: ref {:#034x} got {:#034x}",
                    self.v[i], other.v[i]
                ));
            }
        }
        if let Some(k) =
            (0..self.buf.len().max(other.buf.len())).find(|&k| self.buf.get(k) != other.buf.get(k))
        {
            out.push(format!(
                "scratch buffer differs first at offset {k:#x} (buffer+{:#x} from X28's start)",
                k as i64 - 2048
            ));
        }
        out
    }
}
