//! Access to vector registers and their elements.

use cpu::CpuState;

/// V`n` as one 128-bit value (element 0 in the low bits).
pub fn get(cpu: &CpuState, n: u32) -> u128 {
    let [lo, hi] = cpu.v[(n & 31) as usize];
    lo as u128 | (hi as u128) << 64
}

/// Writes all 128 bits of V`n`.
pub fn set(cpu: &mut CpuState, n: u32, v: u128) {
    cpu.v[(n & 31) as usize] = [v as u64, (v >> 64) as u64];
}

/// Writes a vector result: with `q` clear only the low 64 bits are kept and the top is zeroed.
pub fn set_q(cpu: &mut CpuState, n: u32, v: u128, q: bool) {
    set(cpu, n, if q { v } else { v as u64 as u128 });
}

/// Writes a scalar of `bits` bits to V`n`, zeroing the rest of the register.
pub fn set_scalar(cpu: &mut CpuState, n: u32, v: u64, bits: u32) {
    set(cpu, n, (v & mask(bits)) as u128);
}

/// Mask of the low `bits` bits (1..=64).
pub fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// Element `i` of width `esize` bits (8..=64) of `v`, zero-extended.
pub fn elem(v: u128, esize: u32, i: u32) -> u64 {
    ((v >> (esize * i)) as u64) & mask(esize)
}

/// Element `i` of width `esize` sign-extended to 64 bits.
pub fn selem(v: u128, esize: u32, i: u32) -> i64 {
    sext(elem(v, esize, i), esize)
}

/// Sign-extends the low `bits` bits of `x`.
pub fn sext(x: u64, bits: u32) -> i64 {
    let s = 64 - bits;
    ((x << s) as i64) >> s
}

/// `v` with element `i` (width `esize`) replaced by the low bits of `x`.
pub fn with_elem(v: u128, esize: u32, i: u32, x: u64) -> u128 {
    let m = (mask(esize) as u128) << (esize * i);
    (v & !m) | (((x & mask(esize)) as u128) << (esize * i))
}

/// Builds a vector from `n` elements of width `esize` produced by `f`.
pub fn build(esize: u32, n: u32, mut f: impl FnMut(u32) -> u64) -> u128 {
    (0..n).fold(0u128, |v, i| with_elem(v, esize, i, f(i)))
}
