//! ARMv8.1+ base instructions (CRC32, LSE atomics, LRCPC2, FlagM) against qemu-recorded runs,
//! plus host-level checks of the atomic helpers: real concurrency and misaligned fallbacks.

use super::qemu_v81::*;
use super::{MEM_GUEST, MemCase, run_with_base};
use crate::atomic::{self, RmwOp};
use cpu::{CpuState, exit};

/// The 64-byte guest buffer, aligned like the mmap'ed page qemu ran on.
#[repr(C, align(64))]
struct Buf([u8; 64]);

/// Runs `code` from each recorded state with the buffer mapped at [`MEM_GUEST`] and compares
/// x0..x30, NZCV and the buffer with qemu's.
fn check(name: &str, code: &[u32], cases: &[MemCase]) {
    for (k, c) in cases.iter().enumerate() {
        let mut buf = Buf(c.mem);
        let mut cpu = CpuState::default();
        cpu.x[..20].copy_from_slice(&c.init);
        cpu.nzcv = c.nzcv;
        cpu.mem_base = (buf.0.as_mut_ptr() as u64).wrapping_sub(MEM_GUEST);
        run_with_base(code, &mut cpu);
        assert_eq!(cpu.exit_reason, exit::JUMP, "{name} case {k}");
        for (r, (got, want)) in cpu.x.iter().zip(&c.want).enumerate() {
            assert_eq!(
                got, want,
                "{name} case {k}: x{r} = {got:#x}, want {want:#x}"
            );
        }
        assert_eq!(
            cpu.x[31], 0,
            "{name} case {k}: SP written (XZR destination)"
        );
        assert_eq!(
            cpu.nzcv, c.want_nzcv,
            "{name} case {k}: nzcv {:#x}, want {:#x}",
            cpu.nzcv, c.want_nzcv
        );
        assert_eq!(buf.0, c.want_mem, "{name} case {k}: memory");
    }
}

#[test]
fn lse_rmw_every_op_size_and_ordering() {
    check("ldadd", LSE_ADD, LSE_ADD_CASES);
    check("ldclr", LSE_CLR, LSE_CLR_CASES);
    check("ldeor", LSE_EOR, LSE_EOR_CASES);
    check("ldset", LSE_SET, LSE_SET_CASES);
    check("ldsmax", LSE_SMAX, LSE_SMAX_CASES);
    check("ldsmin", LSE_SMIN, LSE_SMIN_CASES);
    check("ldumax", LSE_UMAX, LSE_UMAX_CASES);
    check("ldumin", LSE_UMIN, LSE_UMIN_CASES);
    check("swp", LSE_SWP, LSE_SWP_CASES);
    // Hand-checked edges of case 0: memory holds the most negative value at each size and the
    // operand x2 is positive, so signed max takes the operand and unsigned max keeps memory;
    // the second operation's old value (x8 for the byte, x11 for the doubleword) shows it.
    let smax = &LSE_SMAX_CASES[0].want;
    let umax = &LSE_UMAX_CASES[0].want;
    assert_eq!((smax[8], umax[8]), (0x7f, 0x80));
    assert_eq!((smax[11], umax[11]), (0x7fff_ffff_7fff_7f7f, 1 << 63));
}

#[test]
fn lse_cas_and_casp() {
    check("cas", LSE_CAS, LSE_CAS_CASES);
    // Case 0 succeeds everywhere: CASB leaves the old byte, zero-extended, in w2.
    assert_eq!(LSE_CAS_CASES[0].want[2], LSE_CAS_CASES[0].mem[0] as u64);
    // Case 3: CASP compares both halves; a mismatch in the high half alone stores nothing.
    assert_eq!(
        LSE_CAS_CASES[3].want_mem[32..48],
        LSE_CAS_CASES[3].mem[32..48]
    );
}

#[test]
fn crc32_and_crc32c() {
    check("crc", CRC, CRC_CASES);
    // The classic check value: CRC-32 of "123456789" with the usual inversions is 0xCBF43926,
    // CRC-32C is 0xE3069283.
    let (mut a, mut c) = (!0u32, !0u32);
    for b in b"123456789" {
        a = crc_of(a, *b as u64, 1, false);
        c = crc_of(c, *b as u64, 1, true);
    }
    assert_eq!((!a, !c), (0xcbf4_3926, 0xe306_9283));
    // The host SSE4.2 path and the table fallback agree at every size.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..1000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for bytes in [1, 2, 4, 8] {
            let acc = (x >> 17) as u32;
            assert_eq!(
                crate::crc::crc32c(acc, x, bytes),
                crate::crc::crc32c_soft(acc, x, bytes)
            );
        }
    }
}

fn crc_of(acc: u32, data: u64, bytes: u64, castagnoli: bool) -> u32 {
    let mut cpu = CpuState::default();
    let how = bytes | u64::from(castagnoli) << 8;
    // SAFETY: the helper only reads its arguments; the CPU pointer is a live CpuState.
    let r =
        unsafe { (crate::CRC32.func)(&mut cpu as *mut CpuState as *mut u8, acc as u64, data, how) };
    r as u32
}

#[test]
fn lrcpc2_unscaled_acquire_release() {
    check("rcpc2", RCPC2, RCPC2_CASES);
}

#[test]
fn flagm_and_flagm2() {
    check("flagm", FLAGM, FLAGM_CASES);
}

/// Calls the RMW helper as translated code would, on host memory (`mem_base` 0).
fn rmw_call(cpu: &mut CpuState, addr: u64, v: u64, op: RmwOp, size_log: u64) -> u64 {
    let how = (op as u64) << 2 | size_log;
    // SAFETY: `addr` is the host address of live memory owned by the caller, and `cpu` is a
    // live CpuState with mem_base 0.
    unsafe { (crate::RMW.func)(cpu as *mut CpuState as *mut u8, addr, v, how) }
}

#[test]
fn ldadd_is_atomic_across_host_threads() {
    const THREADS: u64 = 4;
    const ITERS: u64 = 20_000;
    // One aligned doubleword and one word, both hammered with LDADD from every thread.
    #[repr(C, align(16))]
    struct Cells {
        x: std::sync::atomic::AtomicU64,
        w: std::sync::atomic::AtomicU32,
    }
    let cells = Cells {
        x: 0.into(),
        w: 0.into(),
    };
    let (xa, wa) = (cells.x.as_ptr() as u64, cells.w.as_ptr() as u64);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                let mut cpu = CpuState::default();
                for _ in 0..ITERS {
                    rmw_call(&mut cpu, xa, t + 1, RmwOp::Add, 3);
                    rmw_call(&mut cpu, wa, 1, RmwOp::Add, 2);
                }
            });
        }
    });
    let per_iter: u64 = (1..=THREADS).sum();
    assert_eq!(cells.x.into_inner(), per_iter * ITERS);
    assert_eq!(cells.w.into_inner() as u64, THREADS * ITERS);
}

#[test]
fn misaligned_atomics_fall_back_to_plain_read_modify_write() {
    let mut buf = Buf([0; 64]);
    let p = buf.0.as_mut_ptr();
    let mut cpu = CpuState::default();
    let a = p as u64 + 3;
    // SAFETY: bytes 3..11 of `buf` are live and owned here.
    unsafe {
        p.add(3)
            .cast::<u64>()
            .write_unaligned(0x8000_0000_0000_00ff)
    };
    let old = rmw_call(&mut cpu, a, 1, RmwOp::Add, 3);
    assert_eq!(old, 0x8000_0000_0000_00ff);
    assert_eq!(&buf.0[3..11], &0x8000_0000_0000_0100u64.to_le_bytes());
    let old = rmw_call(&mut cpu, a, 0x7fff, RmwOp::Smin, 1);
    assert_eq!(old, 0x0100);
    assert_eq!(&buf.0[3..5], &[0, 1], "0x100 < 0x7fff signed: memory kept");
    let p = buf.0.as_mut_ptr();
    // SAFETY: bytes 3..11 of `buf` are live and owned here.
    let old = unsafe { atomic::cas(p.add(3), 0x0100, 0xabcd, 1) };
    assert_eq!(old, 0x0100);
    assert_eq!(&buf.0[3..5], &[0xcd, 0xab]);
    // SAFETY: as above.
    let old = unsafe { atomic::cas(buf.0.as_mut_ptr().add(3), 0x1234, 0, 1) };
    assert_eq!(
        old, 0xabcd,
        "failed compare returns memory and stores nothing"
    );
    assert_eq!(&buf.0[3..5], &[0xcd, 0xab]);
}

#[test]
fn casp128_misaligned_and_xzr_pair() {
    let mut buf = Buf([0; 64]);
    for (i, b) in buf.0.iter_mut().enumerate() {
        *b = i as u8;
    }
    let p = buf.0.as_mut_ptr() as u64;
    let mut cpu = CpuState::default();
    let lo = u64::from_le_bytes(buf.0[8..16].try_into().unwrap());
    let hi = u64::from_le_bytes(buf.0[16..24].try_into().unwrap());
    // Xs:Xs+1 = x30:XZR compares against (lo, 0) and fails; x30 gets the old low half and the
    // XZR half is dropped (SP untouched).
    cpu.x[30] = lo;
    cpu.x[31] = 0x5555;
    cpu.x[2] = 1;
    cpu.x[3] = 2;
    // SAFETY: bytes 8..24 of `buf` are live; `cpu` is a live CpuState with mem_base 0.
    unsafe { (crate::CASP128.func)(&mut cpu as *mut CpuState as *mut u8, p + 8, 30, 2) };
    assert_eq!((cpu.x[30], cpu.x[31]), (lo, 0x5555));
    assert_eq!(&buf.0[8..16], &lo.to_le_bytes(), "mismatch stores nothing");
    // Misaligned (8 mod 16) and matching: the pair is replaced.
    cpu.x[4] = lo;
    cpu.x[5] = hi;
    // SAFETY: as above.
    unsafe { (crate::CASP128.func)(&mut cpu as *mut CpuState as *mut u8, p + 8, 4, 2) };
    assert_eq!((cpu.x[4], cpu.x[5]), (lo, hi));
    assert_eq!(&buf.0[8..16], &1u64.to_le_bytes());
    assert_eq!(&buf.0[16..24], &2u64.to_le_bytes());
}

#[test]
fn rmw_apply_matches_sizes() {
    assert_eq!(RmwOp::Smax.apply(0x80, 0x7f, 8), 0x7f);
    assert_eq!(RmwOp::Umax.apply(0x80, 0x7f, 8), 0x80);
    assert_eq!(RmwOp::Smin.apply(0x8000, 0x1_7fff, 16), 0x8000);
    assert_eq!(RmwOp::Add.apply(0xffff_ffff, 1, 32), 0);
    assert_eq!(RmwOp::Clr.apply(0xff, 0x0f, 64), 0xf0);
}

#[test]
fn hwcap_lists_the_new_features_and_their_words_lift() {
    // The ARMv8.1+ features this file covers are advertised (others add more bits): crc32 (7),
    // atomics (8), lrcpc (15), ilrcpc (26), flagm (27); HWCAP2 flagm2 (7).
    let want = 1 << 7 | 1 << 8 | 1 << 15 | 1 << 26 | 1 << 27;
    assert_eq!(crate::HWCAP & want, want, "{:#x}", crate::HWCAP);
    assert_eq!(crate::HWCAP2 & 1 << 7, 1 << 7);
    for w in [
        0x9ac2_5c20u32, // crc32cx w0, w1, x2 (crc32)
        0xf8e0_8041,    // swpal x0, x1, [x2] (atomics)
        0x4820_7c82,    // casp x0, x1, x2, x3, [x4] (atomics)
        0xb8bf_c020,    // ldapr w0, [x1] (lrcpc)
        0x4e82_9420,    // sdot v0.4s, v1.16b, v2.16b (asimddp)
        0x6e82_8420,    // sqrdmlah v0.4s, v1.4s, v2.4s (asimdrdm)
        0x1e28_4020,    // frint32z s0, s1 (frint)
        0x9980_0020,    // ldapursw x0, [x1] (ilrcpc)
        0xba01_8425,    // rmif x1, #3, #5 (flagm)
        0xd500_405f,    // axflag (flagm2)
    ] {
        let blk = crate::lift_block(0x1000, &|pc| (pc == 0x1000).then_some(w), 1);
        assert!(
            !matches!(
                blk.term,
                ir::Term::Exit {
                    reason: exit::UNDEFINED,
                    ..
                }
            ),
            "{w:#010x} is undefined"
        );
    }
}
