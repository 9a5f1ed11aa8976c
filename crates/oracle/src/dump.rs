//! Comparing the register dumps a test block writes.
//!
//! A dump is a sequence of little-endian registers described by a [`Layout`], followed for
//! memory classes by the 4 KiB scratch buffer (a separate write). [`A64`] and [`A32`] are the
//! layouts of the two program generators ([`crate::program`] and [`crate::a32`]).

/// Registers of a dump: (name, count, bytes each), in dump order. A count of 1 prints the name
/// alone, more print name and index (`X3`, `D17`); names starting with `_` are padding.
#[derive(Clone, Copy, Debug)]
pub struct Layout(pub &'static [(&'static str, usize, usize)]);

/// AArch64: X0..X30, SP, NZCV, FPSR (8 bytes each), V0..V31 (16 bytes each).
pub const A64: Layout = Layout(&[
    ("X", 31, 8),
    ("SP", 1, 8),
    ("NZCV", 1, 8),
    ("FPSR", 1, 8),
    ("V", 32, 16),
]);

/// AArch32: R0..R14 (R13 is never written and reads 0), APSR, FPSCR, padding, D0..D31.
pub const A32: Layout = Layout(&[
    ("R", 15, 4),
    ("APSR", 1, 4),
    ("FPSCR", 1, 4),
    ("_", 1, 4),
    ("D", 32, 8),
]);

/// Bytes of the register part of an A64 dump.
pub const REG_DUMP: usize = A64.size();

impl Layout {
    /// Bytes of the register part of a dump.
    pub const fn size(&self) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < self.0.len() {
            n += self.0[i].1 * self.0[i].2;
            i += 1;
        }
        n
    }

    /// Human-readable differences of dump `got` from the reference dump `want` (register part,
    /// then the scratch buffer if any), one line each; `base` names the register that points
    /// at the middle of the scratch buffer. Short dumps yield one line saying so.
    pub fn diff(&self, want: &[u8], got: &[u8], base: &str) -> Vec<String> {
        if want.len() < self.size() || got.len() < self.size() {
            return vec![format!(
                "short dump: {} bytes vs {} bytes",
                want.len(),
                got.len()
            )];
        }
        let mut out = Vec::new();
        let mut off = 0;
        for &(name, count, bytes) in self.0 {
            for i in 0..count {
                let (w, g) = (&want[off..off + bytes], &got[off..off + bytes]);
                off += bytes;
                if w == g || name.starts_with('_') {
                    continue;
                }
                let n = if count == 1 {
                    name.to_string()
                } else {
                    format!("{name}{i}")
                };
                out.push(format!("{n}: ref {} got {}", hex(w), hex(g)));
            }
        }
        let (w, g) = (&want[off..], &got[off..]);
        if let Some(k) = (0..w.len().max(g.len())).find(|&k| w.get(k) != g.get(k)) {
            let rel = k as i64 - 2048;
            let sign = if rel < 0 { '-' } else { '+' };
            out.push(format!(
                "scratch buffer differs first at offset {k:#x} ({base}{sign}{:#x})",
                rel.unsigned_abs()
            ));
        }
        out
    }
}

/// A little-endian register as one hexadecimal number of its full width.
fn hex(le: &[u8]) -> String {
    let digits: String = le.iter().rev().map(|b| format!("{b:02x}")).collect();
    format!("0x{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_differences() {
        assert_eq!(A64.size(), 784);
        assert_eq!(A32.size(), 328);
        let want = vec![0u8; A32.size() + 4];
        let mut got = want.clone();
        got[4] = 0x12; // R1
        got[68] = 1; // padding: ignored
        got[72 + 8 * 3 + 7] = 0x80; // D3 sign bit
        got[A32.size() + 2] = 1;
        assert_eq!(
            A32.diff(&want, &got, "R6"),
            vec![
                "R1: ref 0x00000000 got 0x00000012".to_string(),
                "D3: ref 0x0000000000000000 got 0x8000000000000000".to_string(),
                "scratch buffer differs first at offset 0x2 (R6-0x7fe)".to_string(),
            ]
        );
    }
}
