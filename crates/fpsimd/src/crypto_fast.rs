//! Fast paths for the cryptographic extension on the host's own crypto instructions: AESE,
//! AESD, AESMC and AESIMC on AES-NI, PMULL/PMULL2 (1Q) on PCLMULQDQ, and SHA256H, SHA256H2,
//! SHA256SU0 and SHA256SU1 on the SHA extensions. The generic handlers in [`crate::crypto`] and
//! `int_vec` compute these from their definitions, byte by byte and round by round, which costs
//! tens of nanoseconds an instruction; OpenSSL's AES-GCM and SHA-256 run little else.
//!
//! Like [`crate::fast`], each entry point returns true if it executed the instruction and
//! false (having changed nothing) where the generic handler must run: an encoding it does not
//! claim, or a host without the feature. ARM and x86 both hold the AES state with byte `i` of
//! the register at row `i % 4`, column `i / 4`, so the AES results need no byte shuffles.

use core::arch::x86_64::*;

use crate::fast::{ld, st};
use crate::{Ctx, bit, bits, rd, rm, rn};
use cpu::CpuState;

/// Fast path of AESE/AESD/AESMC/AESIMC.
pub fn aes(cx: &mut Ctx, w: u32) -> bool {
    let op = bits(w, 16, 12);
    if bits(w, 23, 22) != 0 || !(0b00100..=0b00111).contains(&op) {
        return false;
    }
    if !hostcpu::has(hostcpu::Feature::Aes) {
        return false;
    }
    // SAFETY: the host has AES-NI (checked above); SSE2 is baseline on x86-64.
    unsafe { aes_ni(cx.cpu, w, op) };
    true
}

#[target_feature(enable = "aes,sse2")]
fn aes_ni(cpu: &mut CpuState, w: u32, op: u32) {
    let zero = _mm_setzero_si128();
    let n = ld(cpu, rn(w));
    let r = match op {
        // AESE: SubBytes(ShiftRows(Vd ^ Vn)); AESENCLAST adds its round key after, so zero.
        0b00100 => _mm_aesenclast_si128(_mm_xor_si128(ld(cpu, rd(w)), n), zero),
        // AESD: InvSubBytes(InvShiftRows(Vd ^ Vn)).
        0b00101 => _mm_aesdeclast_si128(_mm_xor_si128(ld(cpu, rd(w)), n), zero),
        // AESMC: MixColumns alone, which x86 lacks. AESENC is MixColumns after SubBytes and
        // ShiftRows; AESDECLAST first undoes those two (they commute), leaving MixColumns.
        0b00110 => _mm_aesenc_si128(_mm_aesdeclast_si128(n, zero), zero),
        // AESIMC: InvMixColumns, which x86's AESIMC is.
        _ => _mm_aesimc_si128(n),
    };
    st(cpu, rd(w), r, true);
}

/// Fast path of Advanced SIMD three different: PMULL/PMULL2 with 64-bit elements (1Q).
pub fn pmull(cx: &mut Ctx, w: u32) -> bool {
    // 0 Q 0 01110 11 1 Rm 1110 00 Rn Rd.
    if w & 0xbfe0_fc00 != 0x0ee0_e000 {
        return false;
    }
    if !hostcpu::has(hostcpu::Feature::Pclmulqdq) {
        return false;
    }
    // SAFETY: the host has PCLMULQDQ (checked above); SSE2 is baseline on x86-64.
    unsafe { pmull_clmul(cx.cpu, w, bit(w, 30)) };
    true
}

#[target_feature(enable = "pclmulqdq,sse2")]
fn pmull_clmul(cpu: &mut CpuState, w: u32, upper: bool) {
    let (a, b) = (ld(cpu, rn(w)), ld(cpu, rm(w)));
    // The immediate picks each operand's quadword: 0x00 both low (PMULL), 0x11 both high.
    let r = if upper {
        _mm_clmulepi64_si128(a, b, 0x11)
    } else {
        _mm_clmulepi64_si128(a, b, 0x00)
    };
    st(cpu, rd(w), r, true);
}

/// Whether the host has the SHA extensions and SSSE3 (for PALIGNR), which the SHA-256
/// fast paths use.
fn host_sha() -> bool {
    hostcpu::has(hostcpu::Feature::Sha) && hostcpu::has(hostcpu::Feature::Ssse3)
}

/// Fast path of SHA256H, SHA256H2 and SHA256SU1 (the three-register SHA rows).
pub fn sha3reg(cx: &mut Ctx, w: u32) -> bool {
    let op = bits(w, 14, 12);
    if bits(w, 23, 22) != 0 || !(4..=6).contains(&op) || !host_sha() {
        return false;
    }
    // SAFETY: the host has SHA and SSSE3 (checked above); SSE2 is baseline on x86-64.
    unsafe { sha256_three(cx.cpu, w, op) };
    true
}

/// Fast path of SHA256SU0 (a two-register SHA row).
pub fn sha2reg(cx: &mut Ctx, w: u32) -> bool {
    if bits(w, 23, 22) != 0 || bits(w, 16, 12) != 2 || !host_sha() {
        return false;
    }
    // SAFETY: the host has SHA (checked above); SSE2 is baseline on x86-64.
    unsafe {
        // SHA256SU0 is x86's SHA256MSG1: Vd[i] + sigma0 of the next word of Vd:Vn.
        let r = _mm_sha256msg1_epu32(ld(cx.cpu, rd(w)), ld(cx.cpu, rn(w)));
        st(cx.cpu, rd(w), r, true);
    }
    true
}

/// Swaps the two 32-bit words of each 64-bit half: ARM's word order within a half pair of
/// state words versus SHA256RNDS2's (see [`sha256_three`]).
const SWAP_PAIRS: i32 = 0b10_11_00_01;

#[target_feature(enable = "sha,ssse3,sse2")]
fn sha256_three(cpu: &mut CpuState, w: u32, op: u32) {
    let (d, n, m) = (ld(cpu, rd(w)), ld(cpu, rn(w)), ld(cpu, rm(w)));
    let r = if op == 6 {
        // SHA256SU1 is SHA256MSG2 of Vd + (Vm[0]:Vn[3:1]) with Vm's top words.
        let t0 = _mm_alignr_epi8(m, n, 4);
        _mm_sha256msg2_epu32(_mm_add_epi32(d, t0), m)
    } else {
        // ARM holds the state as {a, b, c, d} and {e, f, g, h}, word 0 first; SHA256RNDS2
        // wants {f, e, b, a} ("ABEF", word 0 first) and {h, g, d, c} ("CDGH") and runs two
        // rounds on the low two words of its third operand. SHA256H gives the new abcd and
        // takes it in Vd; SHA256H2 gives the new efgh and takes it in Vd.
        let (abcd, efgh) = if op == 4 { (d, n) } else { (n, d) };
        let abef = _mm_shuffle_epi32(_mm_unpacklo_epi64(efgh, abcd), SWAP_PAIRS);
        let cdgh = _mm_shuffle_epi32(_mm_unpackhi_epi64(efgh, abcd), SWAP_PAIRS);
        // After two rounds the old a, b, e, f are the new c, d, g, h.
        let abef2 = _mm_sha256rnds2_epu32(cdgh, abef, m);
        let abef4 = _mm_sha256rnds2_epu32(abef, abef2, _mm_shuffle_epi32(m, 0x0e));
        if op == 4 {
            _mm_shuffle_epi32(_mm_unpackhi_epi64(abef4, abef2), SWAP_PAIRS)
        } else {
            _mm_shuffle_epi32(_mm_unpacklo_epi64(abef4, abef2), SWAP_PAIRS)
        }
    };
    st(cpu, rd(w), r, true);
}
