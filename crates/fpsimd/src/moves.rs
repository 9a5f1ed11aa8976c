//! Moves and permutes: FMOV, DUP, INS, UMOV/SMOV, MOVI/MVNI/ORR/BIC immediate, EXT, TBL/TBX,
//! ZIP/UZP/TRN.

use crate::{Ctx, Res, bit, bits, ensure, rd, rm, rn, vreg};

/// FMOV between general and FP registers (W<->S, X<->D, W/X<->H, X<->`V.D[1]`) and FJCVTZS.
pub fn fmov_gen(cx: &mut Ctx, w: u32) -> Res {
    let sf = bit(w, 31);
    let ftype = bits(w, 23, 22);
    let rmode = bits(w, 20, 19);
    let to_fp = bit(w, 16);
    if (sf, ftype, rmode, to_fp) == (false, 1, 3, false) {
        // FJCVTZS Wd, Dn (FEAT_JSCVT): NZCV becomes 0Z00.
        let mut env = cx.env();
        let (r, z) = crate::fp_convert::to_int_js(&mut env, cx.cpu.v[rn(w) as usize][0]);
        cx.flags(env);
        cx.set_x(rd(w), r, false);
        cx.cpu.nzcv = (z as u64) << 30;
        return Some(());
    }
    // (element bits, upper half?)
    let (ebits, top) = match (sf, ftype, rmode) {
        (false, 0, 0) => (32, false),
        (true, 1, 0) => (64, false),
        (true, 2, 1) => (64, true),
        (_, 3, 0) => (16, false),
        _ => return None,
    };
    if to_fp {
        let x = cx.x(rn(w), false) & vreg::mask(ebits);
        if top {
            cx.cpu.v[rd(w) as usize][1] = x;
        } else {
            vreg::set_scalar(cx.cpu, rd(w), x, ebits);
        }
    } else {
        let v = cx.cpu.v[rn(w) as usize];
        let x = if top { v[1] } else { v[0] & vreg::mask(ebits) };
        cx.set_x(rd(w), x, false);
    }
    Some(())
}

/// VFPExpandImm: the 8-bit FP immediate as a `bits`-wide pattern (16, 32 or 64).
pub fn vfp_expand_imm(imm8: u32, bits: u32) -> u64 {
    let (e, f) = match bits {
        16 => (5, 10),
        32 => (8, 23),
        _ => (11, 52),
    };
    let imm8 = imm8 as u64;
    let sign = imm8 >> 7 & 1;
    let b6 = imm8 >> 6 & 1;
    let exp = ((b6 ^ 1) << (e - 1))
        | (if b6 == 1 { (1u64 << (e - 3)) - 1 } else { 0 }) << 2
        | (imm8 >> 4 & 3);
    let frac = (imm8 & 0xf) << (f - 4);
    sign << (bits - 1) | exp << f | frac
}

/// FMOV (scalar, immediate).
pub fn fmov_imm(cx: &mut Ctx, w: u32) -> Res {
    ensure!(bits(w, 9, 5) == 0);
    let b = match bits(w, 23, 22) {
        0 => 32,
        1 => 64,
        3 => 16,
        _ => return None,
    };
    let v = vfp_expand_imm(bits(w, 20, 13), b);
    vreg::set_scalar(cx.cpu, rd(w), v, b);
    Some(())
}

/// Element size (log2 bytes) and index from a copy instruction's imm5, if allocated.
fn imm5_size(imm5: u32) -> Option<(u32, u32)> {
    let size = (imm5 & 0xf).trailing_zeros();
    ensure!(size < 4);
    Some((size, imm5 >> (size + 1)))
}

/// DUP (element, general), INS (element, general), SMOV, UMOV.
pub fn copy(cx: &mut Ctx, w: u32) -> Res {
    let q = bit(w, 30);
    let (size, index) = imm5_size(bits(w, 20, 16))?;
    let esize = 8 << size;
    let imm4 = bits(w, 14, 11);
    let (d, n) = (rd(w), rn(w));
    if bit(w, 29) {
        // INS (element)
        ensure!(q);
        let x = vreg::elem(vreg::get(cx.cpu, n), esize, imm4 >> size);
        let v = vreg::with_elem(vreg::get(cx.cpu, d), esize, index, x);
        vreg::set(cx.cpu, d, v);
        return Some(());
    }
    match imm4 {
        0b0000 | 0b0001 => {
            ensure!(size < 3 || q);
            let x = if imm4 == 0 {
                vreg::elem(vreg::get(cx.cpu, n), esize, index)
            } else {
                cx.x(n, false)
            };
            let v = vreg::build(esize, 128 / esize, |_| x);
            vreg::set_q(cx.cpu, d, v, q);
        }
        0b0011 => {
            ensure!(q);
            let x = cx.x(n, false);
            let v = vreg::with_elem(vreg::get(cx.cpu, d), esize, index, x);
            vreg::set(cx.cpu, d, v);
        }
        0b0101 => {
            ensure!(size < if q { 3 } else { 2 });
            let x = vreg::selem(vreg::get(cx.cpu, n), esize, index) as u64;
            cx.set_x(d, if q { x } else { x as u32 as u64 }, false);
        }
        0b0111 => {
            ensure!(if q { size == 3 } else { size < 3 });
            let x = vreg::elem(vreg::get(cx.cpu, n), esize, index);
            cx.set_x(d, x, false);
        }
        _ => return None,
    }
    Some(())
}

/// DUP (element, scalar), alias MOV: copies one element into a scalar register.
pub fn scalar_dup(cx: &mut Ctx, w: u32) -> Res {
    let (size, index) = imm5_size(bits(w, 20, 16))?;
    let esize = 8 << size;
    let x = vreg::elem(vreg::get(cx.cpu, rn(w)), esize, index);
    vreg::set_scalar(cx.cpu, rd(w), x, esize);
    Some(())
}

/// Replicates the low `esize` bits of `x` over 64 bits.
fn rep64(x: u64, esize: u32) -> u64 {
    // Multiplying by 0x0101..01 (for bytes; 0x0001_0001.. for halfwords, ...) replicates.
    let m = vreg::mask(esize);
    (x & m).wrapping_mul(u64::MAX / m)
}

/// MOVI, MVNI, ORR, BIC (vector, immediate) and FMOV (vector, immediate).
pub fn mod_imm(cx: &mut Ctx, w: u32) -> Res {
    let v = match mod_imm_value(w)? {
        ModImm::Set(k) => k as u128 | (k as u128) << 64,
        ModImm::Or(k) => vreg::get(cx.cpu, rd(w)) | (k as u128 | (k as u128) << 64),
        ModImm::Bic(k) => vreg::get(cx.cpu, rd(w)) & !(k as u128 | (k as u128) << 64),
    };
    vreg::set_q(cx.cpu, rd(w), v, bit(w, 30));
    Some(())
}

/// What an AdvSIMD modified-immediate word (MOVI, MVNI, ORR, BIC, FMOV vector of single or
/// double precision) does to each 64-bit half of Vd, with its immediate expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModImm {
    /// Vd = the pattern (MOVI, MVNI, FMOV).
    Set(u64),
    /// Vd |= the pattern (ORR).
    Or(u64),
    /// Vd &= !pattern (BIC).
    Bic(u64),
}

/// The operation of modified-immediate word `w`, or `None` for an unallocated combination.
/// Shared by the executor and the A64 lifter.
pub fn mod_imm_value(w: u32) -> Option<ModImm> {
    let q = bit(w, 30);
    let op = bit(w, 29);
    let cmode = bits(w, 15, 12);
    let imm8 = (bits(w, 18, 16) << 5 | bits(w, 9, 5)) as u64;
    if bit(w, 11) {
        // FMOV (vector, immediate) of half precision (FEAT_FP16): o2 = 1, cmode = 1111, op = 0.
        ensure!(cmode == 0b1111 && !op);
        return Some(ModImm::Set(rep64(vfp_expand_imm(imm8 as u32, 16), 16)));
    }
    let imm64 = match cmode >> 1 {
        0..=3 => rep64(imm8 << (8 * (cmode >> 1)), 32),
        4 | 5 => rep64(imm8 << (8 * (cmode >> 1 & 1)), 16),
        6 => {
            if cmode & 1 == 0 {
                rep64(imm8 << 8 | 0xff, 32)
            } else {
                rep64(imm8 << 16 | 0xffff, 32)
            }
        }
        _ => match (cmode & 1, op) {
            (0, false) => rep64(imm8, 8),
            (0, true) => (0..8).fold(0, |a, i| {
                a | if imm8 >> i & 1 != 0 {
                    0xff << (8 * i)
                } else {
                    0
                }
            }),
            (_, false) => rep64(vfp_expand_imm(imm8 as u32, 32), 32),
            (_, true) => {
                ensure!(q);
                vfp_expand_imm(imm8 as u32, 64)
            }
        },
    };
    let logical = cmode & 1 == 1 && cmode >> 2 != 3;
    Some(match (logical, op) {
        (true, false) => ModImm::Or(imm64),
        (true, true) => ModImm::Bic(imm64),
        (false, true) if cmode < 0b1110 => ModImm::Set(!imm64),
        _ => ModImm::Set(imm64),
    })
}

/// UZP1/2, TRN1/2, ZIP1/2.
pub fn permute(cx: &mut Ctx, w: u32) -> Res {
    let q = bit(w, 30);
    let size = bits(w, 23, 22);
    ensure!(size < 3 || q);
    let esize = 8 << size;
    let n_el = if q { 128 } else { 64 } / esize;
    let op = bits(w, 14, 12);
    let part = op >> 2;
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let pick = |i: u32| {
        if i < n_el {
            vreg::elem(a, esize, i)
        } else {
            vreg::elem(b, esize, i - n_el)
        }
    };
    let v = match op & 3 {
        1 => vreg::build(esize, n_el, |e| pick(2 * e + part)),
        2 => vreg::build(esize, n_el, |e| {
            let src = if e & 1 == 0 { a } else { b };
            vreg::elem(src, esize, (e & !1) + part)
        }),
        3 => vreg::build(esize, n_el, |e| {
            let src = if e & 1 == 0 { a } else { b };
            vreg::elem(src, esize, part * n_el / 2 + e / 2)
        }),
        _ => return None,
    };
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// EXT: extract a vector from a pair of vectors.
pub fn ext(cx: &mut Ctx, w: u32) -> Res {
    let q = bit(w, 30);
    let pos = bits(w, 14, 11);
    ensure!(q || pos < 8);
    let a = vreg::get(cx.cpu, rn(w));
    let b = vreg::get(cx.cpu, rm(w));
    let v = if q {
        if pos == 0 {
            a
        } else {
            a >> (8 * pos) | b << (128 - 8 * pos)
        }
    } else {
        let cat = (a as u64 as u128) | (b as u64 as u128) << 64;
        cat >> (8 * pos)
    };
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}

/// TBL/TBX with 1-4 table registers.
pub fn tbl(cx: &mut Ctx, w: u32) -> Res {
    let q = bit(w, 30);
    let regs = bits(w, 14, 13) + 1;
    let tbx = bit(w, 12);
    let mut table = [0u8; 64];
    for r in 0..regs {
        let v = vreg::get(cx.cpu, (rn(w) + r) % 32).to_le_bytes();
        table[16 * r as usize..16 * r as usize + 16].copy_from_slice(&v);
    }
    let idx = vreg::get(cx.cpu, rm(w)).to_le_bytes();
    let old = vreg::get(cx.cpu, rd(w)).to_le_bytes();
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        let k = idx[i] as usize;
        *o = if k < 16 * regs as usize {
            table[k]
        } else if tbx {
            old[i]
        } else {
            0
        };
    }
    let v = u128::from_le_bytes(out);
    vreg::set_q(cx.cpu, rd(w), v, q);
    Some(())
}
