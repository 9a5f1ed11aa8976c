//! Cryptographic extension: AES, SHA-1, SHA-256, SHA-512, the SHA-3 helpers EOR3, RAX1, XAR,
//! BCAX, SM3 and SM4 (PMULL 1Q lives in `int_vec`).

use crate::{Ctx, Res, bits, ensure, rd, rm, rn, vreg};

/// GF(2^8) multiplication with the AES polynomial.
const fn gmul(a: u8, b: u8) -> u8 {
    gf_mul(a, b, 0x1b)
}

/// GF(2^8) multiplication modulo x^8 + `poly` (its low eight coefficients).
const fn gf_mul(mut a: u8, mut b: u8, poly: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= poly;
        }
        b >>= 1;
    }
    p
}

/// The AES S-box, computed from its definition (inverse in GF(2^8), then the affine map).
const SBOX: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        // x^254 is the multiplicative inverse (0 maps to 0).
        let mut inv = 1u8;
        let mut k = 0;
        while k < 254 {
            inv = gmul(inv, x as u8);
            k += 1;
        }
        if x == 0 {
            inv = 0;
        }
        let b = inv;
        t[x] = b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        x += 1;
    }
    t
};

/// The inverse S-box.
const INV_SBOX: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        t[SBOX[x] as usize] = x as u8;
        x += 1;
    }
    t
};

/// AESE/AESD/AESMC/AESIMC.
pub fn aes(cx: &mut Ctx, w: u32) -> Res {
    ensure!(bits(w, 23, 22) == 0);
    let n = vreg::get(cx.cpu, rn(w)).to_le_bytes();
    let d = vreg::get(cx.cpu, rd(w)).to_le_bytes();
    // Byte i of the register is row i % 4, column i / 4 of the AES state.
    let mut out = [0u8; 16];
    match bits(w, 16, 12) {
        0b00100 | 0b00101 => {
            let enc = bits(w, 16, 12) == 0b00100;
            for r in 0..4 {
                for c in 0..4 {
                    let src = if enc {
                        r + 4 * ((c + r) % 4)
                    } else {
                        r + 4 * ((c + 4 - r) % 4)
                    };
                    let x = d[src] ^ n[src];
                    out[r + 4 * c] = if enc {
                        SBOX[x as usize]
                    } else {
                        INV_SBOX[x as usize]
                    };
                }
            }
        }
        0b00110 | 0b00111 => {
            let coef: [u8; 4] = if bits(w, 16, 12) == 0b00110 {
                [2, 3, 1, 1]
            } else {
                [14, 11, 13, 9]
            };
            for c in 0..4 {
                for r in 0..4 {
                    out[r + 4 * c] =
                        (0..4).fold(0, |acc, k| acc ^ gmul(n[(r + k) % 4 + 4 * c], coef[k]));
                }
            }
        }
        _ => return None,
    }
    vreg::set(cx.cpu, rd(w), u128::from_le_bytes(out));
    Some(())
}

/// 32-bit element `i` of `v`.
fn e32(v: u128, i: u32) -> u32 {
    vreg::elem(v, 32, i) as u32
}

fn choose(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (!x & z)
}

fn majority(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | (x & z) | (y & z)
}

/// SHA1C/P/M, SHA1SU0, SHA256H/H2, SHA256SU1 (three registers).
pub fn sha3reg(cx: &mut Ctx, w: u32) -> Res {
    ensure!(bits(w, 23, 22) == 0);
    let d = vreg::get(cx.cpu, rd(w));
    let n = vreg::get(cx.cpu, rn(w));
    let m = vreg::get(cx.cpu, rm(w));
    let r = match bits(w, 14, 12) {
        op @ 0..=2 => {
            let (mut x, mut y) = (d, n as u32);
            for e in 0..4 {
                let (b, c, dd) = (e32(x, 1), e32(x, 2), e32(x, 3));
                let t = match op {
                    0 => choose(b, c, dd),
                    1 => b ^ c ^ dd,
                    _ => majority(b, c, dd),
                };
                y = y
                    .wrapping_add(e32(x, 0).rotate_left(5))
                    .wrapping_add(t)
                    .wrapping_add(e32(m, e));
                x = vreg::with_elem(x, 32, 1, b.rotate_left(30) as u64);
                let ny = (x >> 96) as u32;
                x = (x << 32) | y as u128;
                y = ny;
            }
            x
        }
        3 => ((n as u64 as u128) << 64 | d >> 64) ^ d ^ m,
        op @ (4 | 5) => {
            let (mut x, mut y) = if op == 4 { (d, n) } else { (n, d) };
            for e in 0..4 {
                let chs = choose(e32(y, 0), e32(y, 1), e32(y, 2));
                let maj = majority(e32(x, 0), e32(x, 1), e32(x, 2));
                let y0 = e32(y, 0);
                let s1 = y0.rotate_right(6) ^ y0.rotate_right(11) ^ y0.rotate_right(25);
                let t = e32(y, 3)
                    .wrapping_add(s1)
                    .wrapping_add(chs)
                    .wrapping_add(e32(m, e));
                let x0 = e32(x, 0);
                let s0 = x0.rotate_right(2) ^ x0.rotate_right(13) ^ x0.rotate_right(22);
                x = vreg::with_elem(x, 32, 3, t.wrapping_add(e32(x, 3)) as u64);
                y = vreg::with_elem(y, 32, 3, t.wrapping_add(s0).wrapping_add(maj) as u64);
                let (nx, ny) = ((x << 32) | (y >> 96), (y << 32) | (x >> 96));
                x = nx;
                y = ny;
            }
            if op == 4 { x } else { y }
        }
        6 => {
            let t0 = (m as u32 as u128) << 96 | n >> 32;
            let sig = |x: u32| x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10);
            let mut r = 0u128;
            for e in 0..4 {
                let src = if e < 2 { e32(m, e + 2) } else { e32(r, e - 2) };
                let v = sig(src).wrapping_add(e32(d, e)).wrapping_add(e32(t0, e));
                r = vreg::with_elem(r, 32, e, v as u64);
            }
            r
        }
        _ => return None,
    };
    vreg::set(cx.cpu, rd(w), r);
    Some(())
}

/// SHA1H, SHA1SU1, SHA256SU0 (two registers).
pub fn sha2reg(cx: &mut Ctx, w: u32) -> Res {
    ensure!(bits(w, 23, 22) == 0);
    let d = vreg::get(cx.cpu, rd(w));
    let n = vreg::get(cx.cpu, rn(w));
    let r = match bits(w, 16, 12) {
        0 => (n as u32).rotate_left(30) as u128,
        1 => {
            let t = d ^ (n >> 32);
            let mut r = vreg::build(32, 4, |i| e32(t, i).rotate_left(1) as u64);
            let top = e32(r, 3) ^ e32(t, 0).rotate_left(2);
            r = vreg::with_elem(r, 32, 3, top as u64);
            r
        }
        2 => {
            let t = (n as u32 as u128) << 96 | d >> 32;
            vreg::build(32, 4, |i| {
                let x = e32(t, i);
                (x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)).wrapping_add(e32(d, i)) as u64
            })
        }
        _ => return None,
    };
    vreg::set(cx.cpu, rd(w), r);
    Some(())
}

/// The two 64-bit halves of V`n`: (low, high).
fn halves(cx: &Ctx, n: u32) -> (u64, u64) {
    let [lo, hi] = cx.cpu.v[n as usize];
    (lo, hi)
}

/// SHA-512 Sigma1 (of e).
fn sigma1(x: u64) -> u64 {
    x.rotate_right(14) ^ x.rotate_right(18) ^ x.rotate_right(41)
}

/// SHA-512 Sigma0 (of a).
fn sigma0(x: u64) -> u64 {
    x.rotate_right(28) ^ x.rotate_right(34) ^ x.rotate_right(39)
}

/// SHA512H, SHA512H2, SHA512SU1 and RAX1 (FEAT_SHA512, FEAT_SHA3: three registers, O=0); the
/// O=1 members go to [`sm_three`].
pub fn sha512_three(cx: &mut Ctx, w: u32) -> Res {
    if bits(w, 14, 14) == 1 {
        return sm_three(cx, w);
    }
    let (x0, x1) = halves(cx, rn(w));
    let (y0, y1) = halves(cx, rm(w));
    let (w0, w1) = halves(cx, rd(w));
    let (lo, hi) = match bits(w, 11, 10) {
        0 => {
            // SHA512H: two rounds of the Ch/Sigma1 half of the compression function.
            let t1 = ((y1 & x0) ^ (!y1 & x1))
                .wrapping_add(sigma1(y1))
                .wrapping_add(w1);
            let tmp = t1.wrapping_add(y0);
            let t0 = ((tmp & y1) ^ (!tmp & x0))
                .wrapping_add(sigma1(tmp))
                .wrapping_add(w0);
            (t0, t1)
        }
        1 => {
            // SHA512H2: the Maj/Sigma0 half.
            let t1 = ((x0 & y1) ^ (x0 & y0) ^ (y1 & y0))
                .wrapping_add(sigma0(y0))
                .wrapping_add(w1);
            let t0 = ((t1 & y0) ^ (t1 & y1) ^ (y1 & y0))
                .wrapping_add(sigma0(t1))
                .wrapping_add(w0);
            (t0, t1)
        }
        2 => {
            // SHA512SU1: message schedule, sigma1 of Vn plus Vm plus Vd.
            let s1 = |x: u64| x.rotate_right(19) ^ x.rotate_right(61) ^ x >> 6;
            (
                w0.wrapping_add(s1(x0)).wrapping_add(y0),
                w1.wrapping_add(s1(x1)).wrapping_add(y1),
            )
        }
        _ => (x0 ^ y0.rotate_left(1), x1 ^ y1.rotate_left(1)), // RAX1
    };
    cx.cpu.v[rd(w) as usize] = [lo, hi];
    Some(())
}

/// SHA512SU0 (FEAT_SHA512: two registers); SM4E goes to [`sm4e`].
pub fn sha512_two(cx: &mut Ctx, w: u32) -> Res {
    match bits(w, 11, 10) {
        0 => {}
        1 => return sm4e(cx, w),
        _ => return None,
    }
    let (x0, _) = halves(cx, rn(w));
    let (w0, w1) = halves(cx, rd(w));
    let s0 = |x: u64| x.rotate_right(1) ^ x.rotate_right(8) ^ x >> 7;
    cx.cpu.v[rd(w) as usize] = [w0.wrapping_add(s0(w1)), w1.wrapping_add(s0(x0))];
    Some(())
}

/// EOR3 and BCAX (FEAT_SHA3: four registers); SM3SS1 goes to [`sm3ss1`].
pub fn four_reg(cx: &mut Ctx, w: u32) -> Res {
    let (n, m, a) = (
        vreg::get(cx.cpu, rn(w)),
        vreg::get(cx.cpu, rm(w)),
        vreg::get(cx.cpu, bits(w, 14, 10)),
    );
    let v = match bits(w, 22, 21) {
        0 => n ^ m ^ a,
        1 => n ^ (m & !a),
        2 => return sm3ss1(cx, w),
        _ => return None,
    };
    vreg::set(cx.cpu, rd(w), v);
    Some(())
}

/// XAR (FEAT_SHA3): each 64-bit lane of Vn EOR Vm rotated right by imm6.
pub fn xar(cx: &mut Ctx, w: u32) -> Res {
    let (x0, x1) = halves(cx, rn(w));
    let (y0, y1) = halves(cx, rm(w));
    let r = bits(w, 15, 10);
    cx.cpu.v[rd(w) as usize] = [(x0 ^ y0).rotate_right(r), (x1 ^ y1).rotate_right(r)];
    Some(())
}

/// GF(2^8) multiplication modulo x^8+x^7+x^6+x^5+x^4+x^2+1, SM4's field.
const fn gmul_sm4(a: u8, b: u8) -> u8 {
    gf_mul(a, b, 0xf5)
}

/// SM4's affine map: the circulant matrix with first row 0xd3 (most significant bit first),
/// then adding 0xd3.
const fn sm4_affine(x: u8) -> u8 {
    let mut out = 0u8;
    let mut i = 0;
    while i < 8 {
        let bit = ((0xd3u8.rotate_right(i) & x).count_ones() & 1) as u8;
        out |= bit << (7 - i);
        i += 1;
    }
    out ^ 0xd3
}

/// The SM4 S-box, computed from its definition: affine map, inverse in SM4's field, affine
/// map (the first entries are d6 90 e9 fe, as the standard lists).
const SM4_SBOX: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        let y = sm4_affine(x as u8);
        let mut inv = if y == 0 { 0 } else { 1u8 };
        let mut k = 0;
        while y != 0 && k < 254 {
            inv = gmul_sm4(inv, y);
            k += 1;
        }
        t[x] = sm4_affine(inv);
        x += 1;
    }
    t
};

/// The four 32-bit lanes of V`n`.
fn lanes32(cx: &Ctx, n: u32) -> [u32; 4] {
    let v = vreg::get(cx.cpu, n);
    [
        v as u32,
        (v >> 32) as u32,
        (v >> 64) as u32,
        (v >> 96) as u32,
    ]
}

/// Writes four 32-bit lanes to V`d`.
fn set_lanes32(cx: &mut Ctx, d: u32, l: [u32; 4]) {
    let v = l
        .iter()
        .enumerate()
        .fold(0u128, |v, (i, x)| v | (*x as u128) << (32 * i));
    vreg::set(cx.cpu, d, v);
}

/// Four SM4 rounds (SM4E, `key` false: linear transform L) or key-expansion rounds (SM4EKEY,
/// L'), each consuming one 32-bit lane of `k`.
fn sm4_rounds(mut r: [u32; 4], k: [u32; 4], key: bool) -> [u32; 4] {
    for kk in k {
        let x = r[3] ^ r[2] ^ r[1] ^ kk;
        let s = u32::from_le_bytes(x.to_le_bytes().map(|b| SM4_SBOX[b as usize]));
        let l = if key {
            s ^ s.rotate_left(13) ^ s.rotate_left(23)
        } else {
            s ^ s.rotate_left(2) ^ s.rotate_left(10) ^ s.rotate_left(18) ^ s.rotate_left(24)
        };
        r = [r[1], r[2], r[3], l ^ r[0]];
    }
    r
}

/// SM3PARTW1, SM3PARTW2 (FEAT_SM3) and SM4EKEY (FEAT_SM4): the O=1 three-register forms.
pub fn sm_three(cx: &mut Ctx, w: u32) -> Res {
    let (n, m, d) = (lanes32(cx, rn(w)), lanes32(cx, rm(w)), lanes32(cx, rd(w)));
    let p1 = |x: u32| x ^ x.rotate_left(15) ^ x.rotate_left(23);
    let r = match bits(w, 11, 10) {
        0 => {
            // SM3PARTW1.
            let mut r = [0u32; 4];
            for i in 0..3 {
                r[i] = p1(d[i] ^ n[i] ^ m[i + 1].rotate_left(15));
            }
            r[3] = p1(d[3] ^ n[3] ^ r[0].rotate_left(15));
            r
        }
        1 => {
            // SM3PARTW2.
            let t: [u32; 4] = core::array::from_fn(|i| n[i] ^ m[i].rotate_left(7));
            let mut r: [u32; 4] = core::array::from_fn(|i| d[i] ^ t[i]);
            let t2 = t[0].rotate_left(15);
            r[3] ^= t2 ^ t2.rotate_left(15) ^ t2.rotate_left(23);
            r
        }
        2 => sm4_rounds(n, m, true),
        _ => return None,
    };
    set_lanes32(cx, rd(w), r);
    Some(())
}

/// SM4E (FEAT_SM4): four encryption rounds of Vd with the round keys in Vn.
pub fn sm4e(cx: &mut Ctx, w: u32) -> Res {
    let r = sm4_rounds(lanes32(cx, rd(w)), lanes32(cx, rn(w)), false);
    set_lanes32(cx, rd(w), r);
    Some(())
}

/// SM3SS1 (FEAT_SM3): ROL(ROL(Vn.S[3], 12) + Vm.S[3] + Va.S[3], 7) in lane 3, zeros below.
pub fn sm3ss1(cx: &mut Ctx, w: u32) -> Res {
    let (n, m, a) = (
        lanes32(cx, rn(w)),
        lanes32(cx, rm(w)),
        lanes32(cx, bits(w, 14, 10)),
    );
    let s = n[3]
        .rotate_left(12)
        .wrapping_add(m[3])
        .wrapping_add(a[3])
        .rotate_left(7);
    set_lanes32(cx, rd(w), [0, 0, 0, s]);
    Some(())
}

/// SM3TT1A, SM3TT1B, SM3TT2A, SM3TT2B (FEAT_SM3): one compression-function step using lane
/// imm2 of Vm.
pub fn sm3tt(cx: &mut Ctx, w: u32) -> Res {
    let (n, m, d) = (lanes32(cx, rn(w)), lanes32(cx, rm(w)), lanes32(cx, rd(w)));
    let wj = m[bits(w, 13, 12) as usize];
    let op = bits(w, 11, 10);
    let f = if op & 1 == 0 {
        d[1] ^ d[3] ^ d[2]
    } else if op == 1 {
        (d[3] & d[1]) | (d[3] & d[2]) | (d[1] & d[2])
    } else {
        (d[3] & d[2]) | (!d[3] & d[1])
    };
    let (top, rot) = if op < 2 {
        let ss2 = n[3] ^ d[3].rotate_left(12);
        (f.wrapping_add(d[0]).wrapping_add(ss2).wrapping_add(wj), 9)
    } else {
        let tt2 = f.wrapping_add(d[0]).wrapping_add(n[3]).wrapping_add(wj);
        (tt2 ^ tt2.rotate_left(9) ^ tt2.rotate_left(17), 19)
    };
    set_lanes32(cx, rd(w), [d[1], d[2].rotate_left(rot), d[3], top]);
    Some(())
}
