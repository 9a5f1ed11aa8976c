//! Loads and stores of SIMD&FP registers (ARM ARM C3.2.x / C4.1.66 ff.).

use crate::{Ctx, Res, bit, bits, ensure, rd, rm, rn, vreg};
use decode::a64_simd::A64Simd;

/// LDR/STR (immediate unsigned offset, unscaled, pre/post-index, register offset) of B/H/S/D/Q.
pub fn single_reg(cx: &mut Ctx, id: A64Simd, w: u32) -> Res {
    let size = bits(w, 31, 30);
    let opc = bits(w, 23, 22);
    ensure!(opc & 2 == 0 || size == 0);
    let scale = (opc >> 1) << 2 | size;
    let load = opc & 1 != 0;
    let base = cx.x(rn(w), true);
    let simm9 = vreg::sext(bits(w, 20, 12) as u64, 9) as u64;
    let (addr, wb) = match id {
        A64Simd::LdStSimdUimm => (base.wrapping_add((bits(w, 21, 10) as u64) << scale), None),
        A64Simd::LdStSimdUnscaled => (base.wrapping_add(simm9), None),
        A64Simd::LdStSimdPost => (base, Some(base.wrapping_add(simm9))),
        A64Simd::LdStSimdPre => (base.wrapping_add(simm9), Some(base.wrapping_add(simm9))),
        _ => {
            let option = bits(w, 15, 13);
            ensure!(option & 2 != 0);
            let shift = if bit(w, 12) { scale } else { 0 };
            let off = extend(cx.x(rm(w), false), option) << shift;
            (base.wrapping_add(off), None)
        }
    };
    access(cx, load, rd(w), addr, 1 << scale);
    if let Some(nb) = wb {
        cx.set_x(rn(w), nb, true);
    }
    Some(())
}

/// Register-offset extension (UXTW, LSL/UXTX, SXTW, SXTX).
fn extend(x: u64, option: u32) -> u64 {
    match option {
        2 => x as u32 as u64,
        6 => x as u32 as i32 as i64 as u64,
        _ => x,
    }
}

/// Loads V`t` (zero-extending) from, or stores its low `bytes` to, `addr`.
fn access(cx: &mut Ctx, load: bool, t: u32, addr: u64, bytes: usize) {
    if load {
        let v = cx.load(addr, bytes);
        vreg::set(cx.cpu, t, v);
    } else {
        let v = vreg::get(cx.cpu, t);
        cx.store(addr, bytes, v);
    }
}

/// LDR (literal) of S/D/Q.
pub fn literal(cx: &mut Ctx, w: u32) -> Res {
    let bytes = match bits(w, 31, 30) {
        0 => 4,
        1 => 8,
        2 => 16,
        _ => return None,
    };
    let off = vreg::sext(bits(w, 23, 5) as u64, 19) << 2;
    let addr = cx.pc.wrapping_add(off as u64);
    access(cx, true, rd(w), addr, bytes);
    Some(())
}

/// LDP/STP/LDNP/STNP of S/D/Q (offset, pre- and post-index).
pub fn pair(cx: &mut Ctx, w: u32) -> Res {
    let opc = bits(w, 31, 30);
    ensure!(opc != 3);
    let scale = 2 + opc;
    let load = bit(w, 22);
    let mode = bits(w, 24, 23); // 0 no-allocate, 1 post, 2 offset, 3 pre
    let off = (vreg::sext(bits(w, 21, 15) as u64, 7) << scale) as u64;
    let base = cx.x(rn(w), true);
    let addr = if mode == 1 {
        base
    } else {
        base.wrapping_add(off)
    };
    let bytes = 1usize << scale;
    let (t, t2) = (rd(w), bits(w, 14, 10));
    if load {
        let a = cx.load(addr, bytes);
        let b = cx.load(addr.wrapping_add(bytes as u64), bytes);
        vreg::set(cx.cpu, t, a);
        vreg::set(cx.cpu, t2, b);
    } else {
        let (a, b) = (vreg::get(cx.cpu, t), vreg::get(cx.cpu, t2));
        cx.store(addr, bytes, a);
        cx.store(addr.wrapping_add(bytes as u64), bytes, b);
    }
    if mode == 1 || mode == 3 {
        cx.set_x(rn(w), base.wrapping_add(off), true);
    }
    Some(())
}

/// LD1-LD4/ST1-ST4 (multiple structures), with optional post-index.
pub fn multi(cx: &mut Ctx, w: u32, post: bool) -> Res {
    let q = bit(w, 30);
    let load = bit(w, 22);
    let size = bits(w, 11, 10);
    let (rpt, selem) = match bits(w, 15, 12) {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        0b1010 => (2, 1),
        _ => return None,
    };
    ensure!(!(size == 3 && !q && selem > 1));
    let ebytes = 1u32 << size;
    let elements = if q { 16 } else { 8 } / ebytes;
    let esize = ebytes * 8;
    let t = rd(w);
    let base = cx.x(rn(w), true);
    let regs = rpt * selem;
    // At most four registers (rpt * selem <= 4); a fixed array keeps the heap out of this path.
    let mut vals = [0u128; 4];
    for (r, v) in vals.iter_mut().enumerate().take(regs as usize) {
        *v = vreg::get(cx.cpu, (t + r as u32) % 32);
    }
    let mut addr = base;
    for r in 0..rpt {
        for e in 0..elements {
            for s in 0..selem {
                let k = (r + s) as usize;
                if load {
                    let x = cx.load(addr, ebytes as usize) as u64;
                    vals[k] = vreg::with_elem(vals[k], esize, e, x);
                } else {
                    let x = vreg::elem(vals[k], esize, e);
                    cx.store(addr, ebytes as usize, x as u128);
                }
                addr = addr.wrapping_add(ebytes as u64);
            }
        }
    }
    if load {
        for (k, v) in vals.iter().enumerate().take(regs as usize) {
            vreg::set_q(cx.cpu, (t + k as u32) % 32, *v, q);
        }
    }
    if post {
        let m = rm(w);
        let inc = if m == 31 {
            addr.wrapping_sub(base)
        } else {
            cx.x(m, false)
        };
        cx.set_x(rn(w), base.wrapping_add(inc), true);
    }
    Some(())
}

/// LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R, with optional post-index.
pub fn single_lane(cx: &mut Ctx, w: u32, post: bool) -> Res {
    let q = bit(w, 30);
    let load = bit(w, 22);
    let opcode = bits(w, 15, 13);
    let s = bits(w, 12, 12);
    let size = bits(w, 11, 10);
    let selem = ((opcode & 1) << 1 | bits(w, 21, 21)) + 1;
    let (scale, index, replicate) = match opcode >> 1 {
        0 => (0, (q as u32) << 3 | s << 2 | size, false),
        1 => {
            ensure!(size & 1 == 0);
            (1, (q as u32) << 2 | s << 1 | size >> 1, false)
        }
        2 => {
            if size & 1 == 0 {
                ensure!(size == 0);
                (2, (q as u32) << 1 | s, false)
            } else {
                ensure!(size == 1 && s == 0);
                (3, q as u32, false)
            }
        }
        _ => {
            ensure!(load && s == 0);
            (size, 0, true)
        }
    };
    let ebytes = 1u32 << scale;
    let esize = ebytes * 8;
    let t = rd(w);
    let base = cx.x(rn(w), true);
    let mut addr = base;
    for k in 0..selem {
        let tt = (t + k) % 32;
        if replicate {
            let x = cx.load(addr, ebytes as usize) as u64;
            let v = vreg::build(esize, 128 / esize, |_| x);
            vreg::set_q(cx.cpu, tt, v, q);
        } else if load {
            let x = cx.load(addr, ebytes as usize) as u64;
            let v = vreg::with_elem(vreg::get(cx.cpu, tt), esize, index, x);
            vreg::set(cx.cpu, tt, v);
        } else {
            let x = vreg::elem(vreg::get(cx.cpu, tt), esize, index);
            cx.store(addr, ebytes as usize, x as u128);
        }
        addr = addr.wrapping_add(ebytes as u64);
    }
    if post {
        let m = rm(w);
        let inc = if m == 31 {
            addr.wrapping_sub(base)
        } else {
            cx.x(m, false)
        };
        cx.set_x(rn(w), base.wrapping_add(inc), true);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use cpu::CpuState;

    /// LDR (literal) reads pc-relative memory, forwards and backwards, for S, D and Q.
    #[test]
    fn ldr_literal() {
        let mut mem: Vec<u8> = (0..64u8).collect();
        let mut cpu = CpuState {
            mem_base: mem.as_mut_ptr() as u64,
            ..CpuState::default()
        };
        cpu.v[1] = [u64::MAX, u64::MAX];
        // ldr q1, pc+16 (opc=10, imm19=4, Rt=1) at pc 16: reads bytes 32..48.
        // SAFETY: every address formed lies inside `mem`.
        assert!(unsafe { crate::execute(&mut cpu, 0x9c00_0081, 16) });
        assert_eq!(cpu.v[1], [0x2726_2524_2322_2120, 0x2f2e_2d2c_2b2a_2928]);
        // ldr d2, pc-8 (opc=01, imm19=-2) at pc 24: reads bytes 16..24.
        let w = 0x5c00_0000 | (0x7fffe << 5) | 2;
        // SAFETY: as above.
        assert!(unsafe { crate::execute(&mut cpu, w, 24) });
        assert_eq!(cpu.v[2], [0x1716_1514_1312_1110, 0]);
        // ldr s3, pc (opc=00) at pc 4: bytes 4..8, upper bits cleared.
        cpu.v[3] = [u64::MAX, u64::MAX];
        // SAFETY: as above.
        assert!(unsafe { crate::execute(&mut cpu, 0x1c00_0003, 4) });
        assert_eq!(cpu.v[3], [0x0706_0504, 0]);
        // opc=11 is unallocated.
        assert!(!crate::supported(0xdc00_0003));
    }
}
