//! CRC32 and CRC32C (FEAT_CRC32, part of data processing with two sources).
//!
//! Both are the bit-reflected CRC update of the ARM manual without pre- or post-inversion:
//! CRC32 with the polynomial 0x04C11DB7 (reflected 0xEDB88320), CRC32C with 0x1EDC6F41
//! (reflected 0x82F63B78). CRC32C uses the host's SSE4.2 `crc32` instruction, which computes
//! exactly that update; everything else uses byte tables.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::Helper;

/// Lifts CRC32{B,H,W,X} and CRC32C{B,H,W,X}: Wd = update(Wn, Rm at the size).
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let (bytes, castagnoli) = match m.id() {
        I::Crc32b => (1, false),
        I::Crc32h => (2, false),
        I::Crc32w => (4, false),
        I::Crc32x => (8, false),
        I::Crc32cb => (1, true),
        I::Crc32ch => (2, true),
        I::Crc32cw => (4, true),
        I::Crc32cx => (8, true),
        _ => return Flow::Undef,
    };
    let acc = cx.xw(m.f('n'), false);
    let data = cx.x(m.f('m'));
    let how = cx.k(bytes | u64::from(castagnoli) << 8);
    let r = cx.b.call(&CRC32, acc, data, how);
    cx.set_x(m.f('d'), r, true);
    Flow::Next
}

/// CRC update: `a` = accumulator (low 32 bits used), `b` = data (low `c & 0xff` bytes: 1, 2, 4
/// or 8), `c` bit 8 = CRC32C instead of CRC32. Returns the new 32-bit CRC, zero-extended.
pub static CRC32: Helper = Helper {
    name: "a64_crc32",
    func: crc32_helper,
};

/// See [`CRC32`].
unsafe extern "C" fn crc32_helper(_cpu: *mut u8, acc: u64, data: u64, how: u64) -> u64 {
    let bytes = (how & 0xff).clamp(1, 8) as usize;
    let acc = acc as u32;
    let r = if how >> 8 & 1 == 1 {
        crc32c(acc, data, bytes)
    } else {
        crc_soft(&CRC32_TABLE, acc, data, bytes)
    };
    r as u64
}

/// Reflected polynomial of CRC32 (ISO-HDLC).
const POLY_CRC32: u32 = 0xedb8_8320;
/// Reflected polynomial of CRC32C (Castagnoli).
const POLY_CRC32C: u32 = 0x82f6_3b78;

/// Byte table of the reflected CRC with polynomial `poly`: entry i is the CRC update of byte i.
const fn table(poly: u32) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { c >> 1 ^ poly } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CRC32_TABLE: [u32; 256] = table(POLY_CRC32);
static CRC32C_TABLE: [u32; 256] = table(POLY_CRC32C);

/// The CRC update of the low `bytes` bytes of `data`, least significant byte first.
fn crc_soft(t: &[u32; 256], mut crc: u32, data: u64, bytes: usize) -> u32 {
    for i in 0..bytes {
        let b = (data >> (8 * i)) as u8;
        crc = t[((crc ^ b as u32) & 0xff) as usize] ^ crc >> 8;
    }
    crc
}

/// CRC32C update, on the host's SSE4.2 instruction when it has one.
pub(crate) fn crc32c(crc: u32, data: u64, bytes: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        // (glibc's CPUID result, as `hostcpu` keeps it: a load and a test.)
        if hostcpu::has(hostcpu::Feature::Sse42) {
            // SAFETY: the CPU supports SSE4.2 (checked just above).
            return unsafe { crc32c_sse42(crc, data, bytes) };
        }
    }
    crc_soft(&CRC32C_TABLE, crc, data, bytes)
}

/// The software CRC32C update (the fallback of [`crc32c`]), for tests against the host path.
#[cfg(test)]
pub(crate) fn crc32c_soft(crc: u32, data: u64, bytes: usize) -> u32 {
    crc_soft(&CRC32C_TABLE, crc, data, bytes)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
fn crc32c_sse42(crc: u32, data: u64, bytes: usize) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u8, _mm_crc32_u16, _mm_crc32_u32, _mm_crc32_u64};
    match bytes {
        1 => _mm_crc32_u8(crc, data as u8),
        2 => _mm_crc32_u16(crc, data as u16),
        4 => _mm_crc32_u32(crc, data as u32),
        8 => _mm_crc32_u64(crc as u64, data) as u32,
        _ => crc_soft(&CRC32C_TABLE, crc, data, bytes),
    }
}
