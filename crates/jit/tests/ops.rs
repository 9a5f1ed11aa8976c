//! One op at a time: the JIT against the interpreter on edge-case inputs, plus hand-computed
//! values for the cases x86 and ARM disagree on.

mod common;

use common::{jit_once, run_jit, slots};
use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Helper, Op, Term, Val};
use jit::Jit;

const EDGE: &[u64] = &[
    0,
    1,
    2,
    5,
    31,
    32,
    33,
    63,
    64,
    65,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_8000_0001,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0xffff_ffff_ffff_fffe,
    u64::MAX,
    0xdead_beef_1234_5678,
    0x0123_4567_89ab_cdef,
];

/// Evaluates single ops on one JIT (a fresh block per evaluation) and on the interpreter.
struct Ev {
    jit: Jit,
    pc: u64,
}

impl Ev {
    fn new() -> Ev {
        Ev {
            jit: Jit::new(),
            pc: 0x10_0000,
        }
    }

    /// A block computing `op` into x0; argument `n` is a constant, or with bit `n` of
    /// `in_regs` set, read from x(n + 1) (where [`Ev::check`] puts it), so that the JIT
    /// lowers it from a host register.
    fn block(&mut self, op: Op, args: &[u64], imm: u64, in_regs: u32) -> Block {
        let mut b = Builder::verbatim(self.pc);
        self.pc += 4;
        let vs: Vec<Val> = (0..args.len())
            .map(|n| {
                if in_regs >> n & 1 == 1 {
                    b.get(slot::x(n as u32 + 1))
                } else {
                    b.konst(args[n])
                }
            })
            .collect();
        let r = b.emit(op, &vs, imm);
        b.set(slot::x(0), r);
        b.end_insn(self.pc);
        b.finish(Term::Exit {
            reason: exit::JUMP,
            pc: 0,
            arg: 0,
        })
    }

    /// Runs `op` on both engines, asserts they agree and returns the JIT's result; with every
    /// choice of arguments from registers, the others constant (the lowerings differ:
    /// immediates, `lea`, operands compared or added in place).
    fn check(&mut self, op: Op, args: &[u64], imm: u64) -> u64 {
        let mut result = None;
        for in_regs in 0..1 << args.len() {
            let blk = self.block(op, args, imm, in_regs);
            ir::verify(&blk).unwrap();
            let mut init = CpuState::default();
            init.x[1..=args.len()].copy_from_slice(args);
            let mut j = init.clone();
            run_jit(&mut self.jit, &blk, &mut j);
            let mut i = init;
            interp::run_block(&blk, &mut i);
            assert_eq!(
                j.x[0], i.x[0],
                "{op:?} {args:#x?} imm {imm} in_regs {in_regs}"
            );
            assert!(
                result.is_none_or(|r| r == j.x[0]),
                "{op:?} {args:#x?} imm {imm}"
            );
            result = Some(j.x[0]);
        }
        result.unwrap_or_default()
    }
}

/// Guest memory whose byte `i` is `f(i)`, so each access reads a recognisable value.
fn numbered<const N: usize>(f: impl Fn(u8) -> u8) -> [u8; N] {
    std::array::from_fn(|i| f(i as u8))
}

/// Runs `blk` on the interpreter and then on `jit`, each from the registers `regs` sets and
/// from the contents of `buf`, which is the guest's memory (guest address 0 at its start);
/// asserts both leave the same registers and memory and returns the JIT's state.
fn run_both_on(
    jit: &mut Jit,
    blk: &Block,
    buf: &mut [u8],
    regs: impl Fn(&mut CpuState),
) -> CpuState {
    let init = buf.to_vec();
    let start = |base: u64| {
        let mut c = CpuState {
            mem_base: base,
            ..CpuState::default()
        };
        regs(&mut c);
        c
    };
    let mut i = start(buf.as_mut_ptr() as u64);
    interp::run_block(blk, &mut i);
    let after_interp = buf.to_vec();
    buf.copy_from_slice(&init);
    let mut j = start(buf.as_mut_ptr() as u64);
    run_jit(jit, blk, &mut j);
    assert_eq!(slots(&j), slots(&i));
    assert_eq!(buf, &after_interp[..]);
    j
}

#[test]
fn binary_ops_match_interpreter() {
    let mut ev = Ev::new();
    for &op in &[
        Op::Add,
        Op::Sub,
        Op::And,
        Op::Or,
        Op::Xor,
        Op::Mul,
        Op::UMulH,
        Op::SMulH,
        Op::Eq,
        Op::Ult,
    ] {
        for &a in EDGE {
            for &b in EDGE {
                ev.check(op, &[a, b], 0);
            }
        }
    }
    for &op in &[Op::UDiv, Op::SDiv, Op::Shl, Op::Lshr, Op::Ashr, Op::Ror] {
        for w in [32, 64] {
            for &a in EDGE {
                for &b in EDGE {
                    ev.check(op, &[a, b], w);
                }
            }
        }
    }
}

#[test]
fn unary_ops_match_interpreter() {
    let mut ev = Ev::new();
    for &a in EDGE {
        ev.check(Op::Not, &[a], 0);
        ev.check(Op::Neg, &[a], 0);
        for w in [32, 64] {
            for op in [Op::Clz, Op::Cls, Op::Rbit, Op::Bswap, Op::LogicFlags] {
                ev.check(op, &[a], w);
            }
        }
        for from in [8, 16, 32] {
            ev.check(Op::Zext, &[a], from);
            ev.check(Op::Sext, &[a], from);
        }
    }
}

#[test]
fn byte_lane_ops_match_interpreter() {
    let mut ev = Ev::new();
    let bytes = [0u64, 1, 0x7f, 0x80, 0xfe, 0xff];
    // Every pair of lane values in some lane, plus the edge words.
    let mut words: Vec<u64> = EDGE.to_vec();
    for (i, &x) in bytes.iter().enumerate() {
        words.push(x | bytes[(i + 1) % 6] << 8 | bytes[(i + 2) % 6] << 16 | x << 24);
    }
    for &a in &words {
        for &b in &words {
            for op in ir::ByteOp::ALL {
                ev.check(Op::Bytes4, &[a, b], op as u64);
            }
            ev.check(Op::Bytes4Mask, &[a, b], 0);
            ev.check(Op::Bytes4Mask, &[a, b], 1);
        }
        ev.check(Op::GeMask, &[a], 0);
        ev.check(Op::MaskGe, &[a], 0);
    }
    // (op, operands, immediate, result) worked out by hand.
    let cases: [(Op, &[u64], u64, u64); 8] = [
        (Op::Bytes4, &[0x01ff_80fe, 0x0101_8003], 0, 0x0200_0001),
        (Op::Bytes4, &[0x01ff_80fe, 0x0101_8003], 2, 0x02ff_ffff),
        (Op::Bytes4, &[0x0100_80fe, 0x0201_7fff], 3, 0x0000_0100),
        (Op::Bytes4Mask, &[0x01ff_80fe, 0x0101_8003], 0, 0x00ff_ffff),
        (Op::Bytes4Mask, &[0x0100_80fe, 0x0201_7fff], 1, 0x0000_ff00),
        (Op::GeMask, &[u64::MAX << 32 | 0x000a_ffff], 0, 0xff00_ff00),
        (Op::MaskGe, &[0xff00_ff00], 0, 0x000a_0000),
        (Op::MaskGe, &[u64::MAX << 32 | 0x807f_0180], 0, 0x0009_0000),
    ];
    for (op, args, imm, want) in cases {
        assert_eq!(ev.check(op, args, imm), want, "{op:?} {args:x?} {imm}");
    }
}

#[test]
fn pairwise_byte_ops_match_interpreter() {
    let mut ev = Ev::new();
    // Each byte value against each in both orders, at both ends of the 16 bytes.
    let bytes = [0u64, 1, 0x7f, 0x80, 0x81, 0xfe, 0xff];
    let mut halves: Vec<u64> = EDGE.to_vec();
    for &x in &bytes {
        for &y in &bytes {
            halves.push(x | y << 8 | y << 16 | x << 24 | 0x7f80 << 32 | x << 48 | y << 56);
        }
    }
    for (i, &a) in halves.iter().enumerate() {
        let b = halves[(i * 7 + 3) % halves.len()];
        for op in ir::PairOp::ALL {
            ev.check(Op::Pairs8, &[a, b], op as u64);
            ev.check(Op::Pairs8, &[b, a], op as u64);
        }
    }
    let (a, b) = (0x0180_ff7f_0201_00ff, 0x8081_7f80_fe01_0303);
    assert_eq!(ev.check(Op::Pairs8, &[a, b], 0), 0x01ff_ff06_817e_03ff);
    assert_eq!(ev.check(Op::Pairs8, &[a, b], 1), 0x8180_fe03_80ff_02ff);
    assert_eq!(ev.check(Op::Pairs8, &[a, b], 4), 0x8080_fe03_80ff_01ff);
}

#[test]
fn carry_ops_match_interpreter() {
    let mut ev = Ev::new();
    for w in [32, 64] {
        for &a in EDGE {
            for &b in EDGE {
                for c in [0, 1, 2, 3] {
                    ev.check(Op::AddC, &[a, b, c], w);
                    ev.check(Op::AddCFlags, &[a, b, c], w);
                }
                for c in [0, 1] {
                    for cc in 0..16 {
                        ev.check(Op::CondAdd, &[a, b, c], cc | w << 8);
                    }
                }
                for cc in 0..16 {
                    ev.check(Op::CondSub, &[a, b], cc | w << 8);
                }
                // The fused subtraction and compare are the add-with-carry forms they replace.
                let sub = ev.check(Op::SubW, &[a, b], w);
                assert_eq!(sub, ev.check(Op::AddC, &[a, !b, 1], w), "{a:#x} - {b:#x}");
                let flags = ev.check(Op::SubFlags, &[a, b], w);
                let addc = ev.check(Op::AddCFlags, &[a, !b, 1], w);
                assert_eq!(flags, addc, "cmp {a:#x}, {b:#x} at {w}");
            }
        }
    }
}

#[test]
fn division_edge_cases() {
    let mut ev = Ev::new();
    assert_eq!(ev.check(Op::UDiv, &[7, 0], 64), 0);
    assert_eq!(
        ev.check(Op::UDiv, &[7, 0x1_0000_0000], 32),
        0,
        "divisor is zero at 32 bits"
    );
    assert_eq!(ev.check(Op::UDiv, &[u64::MAX, 2], 32), 0x7fff_ffff);
    assert_eq!(ev.check(Op::SDiv, &[7, 0], 64), 0);
    assert_eq!(ev.check(Op::SDiv, &[1 << 63, u64::MAX], 64), 1 << 63);
    assert_eq!(
        ev.check(Op::SDiv, &[0x8000_0000, 0xffff_ffff], 32),
        0x8000_0000
    );
    assert_eq!(ev.check(Op::SDiv, &[(-7i64) as u64, 2], 64), (-3i64) as u64);
    assert_eq!(
        ev.check(Op::SDiv, &[0xdead_0000_0000_000a, (-2i64) as u64], 32),
        0xffff_fffb
    );
    assert_eq!(ev.check(Op::SDiv, &[5, u64::MAX], 64), (-5i64) as u64);
}

#[test]
fn shift_amounts_wrap_at_width() {
    let mut ev = Ev::new();
    assert_eq!(ev.check(Op::Shl, &[1, 64], 64), 1);
    assert_eq!(ev.check(Op::Shl, &[1, 65], 64), 2);
    assert_eq!(ev.check(Op::Shl, &[1, 32], 32), 1);
    assert_eq!(ev.check(Op::Shl, &[0x8000_0001, 1], 32), 2);
    assert_eq!(ev.check(Op::Lshr, &[0xffff_ffff_0000_0080, 33], 32), 0x40);
    assert_eq!(ev.check(Op::Ashr, &[0x8000_0000, 31], 32), 0xffff_ffff);
    assert_eq!(ev.check(Op::Ashr, &[1 << 63, 127], 64), u64::MAX);
    assert_eq!(ev.check(Op::Ror, &[1, 33], 32), 0x8000_0000);
    assert_eq!(ev.check(Op::Ror, &[1, 64], 64), 1);
}

#[test]
fn bit_ops_at_width() {
    let mut ev = Ev::new();
    assert_eq!(ev.check(Op::Clz, &[0], 64), 64);
    assert_eq!(ev.check(Op::Clz, &[0xffff_ffff_0000_0000], 32), 32);
    assert_eq!(ev.check(Op::Cls, &[0], 64), 63);
    assert_eq!(ev.check(Op::Cls, &[0xffff_ffff], 32), 31);
    assert_eq!(ev.check(Op::Cls, &[1], 32), 30);
    assert_eq!(ev.check(Op::Rbit, &[1], 32), 0x8000_0000);
    assert_eq!(ev.check(Op::Rbit, &[1], 64), 1 << 63);
    assert_eq!(
        ev.check(Op::Bswap, &[0x1122_3344_5566_7788], 32),
        0x8877_6655
    );
    assert_eq!(ev.check(Op::Sext, &[0x80], 8), 0xffff_ffff_ffff_ff80);
    assert_eq!(ev.check(Op::Zext, &[0xffff_ffff_ffff_ff80], 16), 0xff80);
}

#[test]
fn add_flags_carry_and_overflow() {
    let mut ev = Ev::new();
    // 32-bit: signed overflow only, then carry out with zero result.
    assert_eq!(
        ev.check(Op::AddCFlags, &[0x7fff_ffff, 1, 0], 32),
        0x9000_0000
    );
    assert_eq!(
        ev.check(Op::AddCFlags, &[0xffff_ffff, 1, 0], 32),
        0x6000_0000
    );
    assert_eq!(
        ev.check(Op::AddCFlags, &[0xffff_ffff, 0, 1], 32),
        0x6000_0000
    );
    // Upper garbage is ignored at 32 bits.
    assert_eq!(
        ev.check(Op::AddCFlags, &[0xabcd_0000_0000_0001, 1, 0], 32),
        0
    );
    // 64-bit: MIN + MIN carries and overflows to zero.
    assert_eq!(
        ev.check(Op::AddCFlags, &[1 << 63, 1 << 63, 0], 64),
        0x7000_0000
    );
    assert_eq!(ev.check(Op::AddCFlags, &[u64::MAX, 0, 1], 64), 0x6000_0000);
    // Subtraction as a + !b + 1: 5 - 5 sets Z and C; 0 - 1 borrows (C clear), N set.
    assert_eq!(ev.check(Op::AddCFlags, &[5, !5, 1], 64), 0x6000_0000);
    assert_eq!(ev.check(Op::AddCFlags, &[0, !1, 1], 64), 0x8000_0000);
    assert_eq!(
        ev.check(Op::AddCFlags, &[0, 0xffff_fffe, 1], 32),
        0x8000_0000
    );
    // MIN - 1 overflows to MAX.
    assert_eq!(ev.check(Op::AddCFlags, &[1 << 63, !1, 1], 64), 0x3000_0000);
    assert_eq!(ev.check(Op::AddC, &[0xffff_ffff, 0, 1], 32), 0);
    assert_eq!(ev.check(Op::LogicFlags, &[0x1_0000_0000], 32), 0x4000_0000);
    assert_eq!(ev.check(Op::LogicFlags, &[0x8000_0000], 32), 0x8000_0000);
    assert_eq!(ev.check(Op::LogicFlags, &[0x8000_0000], 64), 0);
}

#[test]
fn every_condition_code() {
    let mut ev = Ev::new();
    for cc in 0..16u64 {
        for flags in 0..16u64 {
            for junk in [0, 0x0fff_ffff, 0xffff_ffff_0000_0000] {
                let nzcv = flags << 28 | junk;
                let got = ev.check(Op::Cond, &[nzcv], cc);
                assert_eq!(
                    got,
                    ir::cond_holds(cc as u32, nzcv) as u64,
                    "cc {cc} nzcv {nzcv:#x}"
                );
            }
        }
    }
}

#[test]
fn select() {
    let mut ev = Ev::new();
    assert_eq!(ev.check(Op::Select, &[1, 10, 20], 0), 10);
    assert_eq!(ev.check(Op::Select, &[0, 10, 20], 0), 20);
    assert_eq!(ev.check(Op::Select, &[1 << 63, 10, 20], 0), 10);
}

#[test]
fn getreg_setreg_and_exit() {
    let mut b = Builder::verbatim(0x40);
    let x = b.get(slot::x(3));
    let v = b.get(slot::v_hi(31));
    let s = b.add(x, v);
    b.set(slot::x(31), s);
    b.set(slot::NZCV, x);
    let blk = b.finish(Term::Exit {
        reason: exit::SYSCALL,
        pc: 0x44,
        arg: 0x1234_5678_9abc,
    });
    let mut c = CpuState::default();
    c.x[3] = 40;
    c.v[31][1] = 2;
    jit_once(&blk, &mut c);
    assert_eq!((c.x[31], c.nzcv), (42, 40));
    assert_eq!(
        (c.pc, c.exit_reason, c.exit_arg),
        (0x44, exit::SYSCALL, 0x1234_5678_9abc)
    );
}

#[test]
fn loads_and_stores_all_sizes() {
    // The 8-byte store goes to 57..65: the buffer holds it.
    let mut buf: [u8; 72] = numbered(|i| 0x80 | i);
    let mut b = Builder::verbatim(0);
    for (k, size) in [1u32, 2, 4, 8].into_iter().enumerate() {
        let a = b.konst(3 + k as u64);
        let l = b.load(a, size);
        b.set(slot::x(k as u32), l);
        let dst = b.konst(32 + 8 * k as u64 + 1);
        let v = b.konst(0x1122_3344_5566_7788);
        b.store(dst, v, size);
    }
    // Conditional stores: the first happens, the second touches nothing.
    let (yes, no) = (b.konst(1), b.konst(0));
    let (at, v) = (b.konst(8), b.konst(0x1122_3344));
    b.store_if(at, v, yes, 4);
    let (at, v) = (b.konst(16), b.get(slot::x(9)));
    b.store_if(at, v, no, 8);
    let blk = b.finish(Term::Jump(8));
    let init = buf;
    let j = run_both_on(&mut Jit::new(), &blk, &mut buf, |_| {});
    assert_eq!(j.x[0], 0x83);
    assert_eq!(j.x[1], 0x8584);
    assert_eq!(j.x[3], 0x8d8c_8b8a_8988_8786);
    assert_eq!(&buf[33..35], &[0x88, 0x80 | 34]);
    assert_eq!(&buf[8..12], &[0x44, 0x33, 0x22, 0x11]);
    assert_eq!(&buf[16..24], &init[16..24]);
}

#[test]
fn vector_loads_and_stores() {
    let mut buf: [u8; 64] = numbered(|i| i + 1);
    let base = buf.as_mut_ptr() as u64;
    for size in [1u32, 2, 4, 8, 16] {
        let mut b = Builder::verbatim(0);
        let a = b.konst(base + 5);
        b.loadv(a, 7, size);
        let d = b.konst(base + 40);
        b.storev(d, 7, size);
        let blk = b.finish(Term::Jump(0x999));
        let mut c = CpuState::default();
        c.v[7] = [u64::MAX, u64::MAX];
        jit_once(&blk, &mut c);
        let mut want = [0u8; 16];
        want[..size as usize].copy_from_slice(&buf[5..5 + size as usize]);
        let want = u128::from_le_bytes(want);
        assert_eq!(c.v[7], [want as u64, (want >> 64) as u64], "size {size}");
        assert_eq!(&buf[40..40 + size as usize], &buf[5..5 + size as usize]);
        assert_eq!(
            buf[40 + size as usize],
            41 + size as u8,
            "no bytes past size"
        );
    }
}

#[test]
fn store_exclusive() {
    let mut word: u64 = 0x1111_2222_3333_4444;
    let addr = &mut word as *mut u64 as u64;
    for (size, monitor, seen, want_res, want_word) in [
        // Monitor holds the address and the value matches: success.
        (8, addr, 0x1111_2222_3333_4444, 0, 0xaaaa_bbbb_cccc_dddd_u64),
        // Only the low `size` bytes of the seen value count.
        (4, addr, 0xffff_ffff_3333_4444, 0, 0x1111_2222_cccc_dddd),
        (1, addr, 0x44, 0, 0x1111_2222_3333_44dd),
        (2, addr, 0x4444, 0, 0x1111_2222_3333_dddd),
        // The memory changed since the load-exclusive: failure.
        (8, addr, 0x5, 1, 0x1111_2222_3333_4444),
        // The monitor holds another address (or nothing): failure.
        (8, addr + 8, 0x1111_2222_3333_4444, 1, 0x1111_2222_3333_4444),
        (8, u64::MAX, 0x1111_2222_3333_4444, 1, 0x1111_2222_3333_4444),
    ] {
        for engine in 0..2 {
            word = 0x1111_2222_3333_4444;
            let mut b = Builder::verbatim(0);
            let a = b.konst(addr);
            let v = b.konst(0xaaaa_bbbb_cccc_dddd);
            let r = b.emit(Op::StoreEx, &[a, v], size);
            b.set(slot::x(0), r);
            let blk = b.finish(Term::Jump(0x999));
            let mut c = CpuState {
                excl_addr: monitor,
                excl_val: seen,
                ..CpuState::default()
            };
            if engine == 0 {
                jit_once(&blk, &mut c);
            } else {
                interp::run_block(&blk, &mut c);
            }
            assert_eq!(
                c.x[0], want_res,
                "engine {engine} size {size} seen {seen:#x}"
            );
            assert_eq!(
                word, want_word,
                "engine {engine} size {size} seen {seen:#x}"
            );
            assert_eq!(c.excl_addr, u64::MAX);
        }
    }
}

unsafe extern "C" fn helper_fn(cpu: *mut u8, a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: the JIT passes the CpuState pointer it runs on.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    cpu.x[9] = a ^ b ^ c;
    cpu.nzcv = 0x2000_0000;
    a.wrapping_mul(b).wrapping_add(c)
}

static HELPER: Helper = Helper {
    name: "test_helper",
    func: helper_fn,
};

#[test]
fn call_and_fence() {
    let mut b = Builder::verbatim(0);
    let x = b.get(slot::x(1));
    let k = b.konst(7);
    let m = b.konst(100);
    b.emit(Op::Fence, &[], 0);
    let r = b.call(&HELPER, x, k, m);
    // Reads after the call see what the helper wrote.
    let n = b.get(slot::NZCV);
    let y = b.get(slot::x(9));
    let s = b.add(r, y);
    b.set(slot::x(0), s);
    b.set(slot::x(2), n);
    let blk = b.finish(Term::JumpReg(r));
    let mut c = CpuState::default();
    c.x[1] = 6;
    jit_once(&blk, &mut c);
    assert_eq!(c.x[0], 142 + (6 ^ 7 ^ 100));
    assert_eq!(c.x[2], 0x2000_0000);
    assert_eq!((c.pc, c.exit_reason), (142, exit::JUMP));
}

#[test]
fn branch_terminator_both_ways() {
    for (cond, want) in [(0u64, 0x3000u64), (1, 0x2000), (1 << 40, 0x2000)] {
        let mut b = Builder::verbatim(0x1000);
        let c = b.konst(cond);
        let blk = b.finish(Term::Branch {
            cond: c,
            taken: 0x2000,
            fallthrough: 0x3000,
        });
        let mut s = CpuState::default();
        jit_once(&blk, &mut s);
        assert_eq!((s.pc, s.exit_reason), (want, exit::JUMP));
    }
}

/// Runs `blk` from x0 = `x`, x1 = `y` on the interpreter and on the JIT: (interpreter state,
/// JIT state).
fn run_both_from(blk: &Block, x: u64, y: u64) -> (CpuState, CpuState) {
    let mut i = CpuState::default();
    i.x[0] = x;
    i.x[1] = y;
    let mut j = i.clone();
    interp::run_block(blk, &mut i);
    jit_once(blk, &mut j);
    (i, j)
}

#[test]
fn fused_compare_branches_take_the_interpreters_way() {
    // `cond.sub` / `cond.add` / `cond.logic` / `cond` (of an NZCV word) as the block's last
    // instruction, read only by the branch (the JIT then jumps on the host flags), under
    // every condition and width, with the operands in registers (read from x0 and x1).
    let nzcv: Vec<u64> = (0..16).map(|f| f << 28).collect();
    for op in [Op::CondSub, Op::CondAdd, Op::CondLogic, Op::Cond] {
        for w in [32u64, 64] {
            if op == Op::Cond && w == 32 {
                continue;
            }
            let xs = if op == Op::Cond { &nzcv[..] } else { EDGE };
            for cc in 0..16 {
                for &x in xs {
                    for y in [0, 1, 0x8000_0000, u64::MAX, x] {
                        let mut b = Builder::verbatim(0x1000);
                        let (r0, r1) = (b.get(slot::x(0)), b.get(slot::x(1)));
                        let args: &[Val] = match op {
                            Op::CondSub => &[r0, r1],
                            Op::CondAdd => &[r0, r1, r1],
                            _ => &[r0],
                        };
                        let imm = if op == Op::Cond { cc } else { cc | w << 8 };
                        let c = b.emit(op, args, imm);
                        let blk = b.finish(Term::Branch {
                            cond: c,
                            taken: 0x2000,
                            fallthrough: 0x3000,
                        });
                        let (i, j) = run_both_from(&blk, x, y);
                        assert_eq!(j.pc, i.pc, "{op:?} cc {cc} w {w} {x:#x} {y:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn bit_tests_take_the_interpreters_way() {
    // An `and` read only by the branch, a side exit or a select (TBZ, TBNZ) sets the host
    // flags by `test` and is no value: with a mask that is an imm32, a 32-bit one past it, a
    // bit above 31, all bits, and a mask in a register (x1, bit 45).
    for &x in EDGE.iter().chain(&[1 << 45, 0x8000_0000, 0x1_0000_0000]) {
        for mask in [
            Some(1),
            Some(8),
            Some(0x8000_0000),
            Some(1 << 45),
            Some(u64::MAX),
            None,
        ] {
            for way in 0..3 {
                let mut b = Builder::verbatim(0x1000);
                let r0 = b.get(slot::x(0));
                let m = match mask {
                    Some(k) => b.konst(k),
                    None => b.get(slot::x(1)),
                };
                let c = b.and(r0, m);
                let term = match way {
                    0 => Term::Branch {
                        cond: c,
                        taken: 0x2000,
                        fallthrough: 0x3000,
                    },
                    1 => {
                        b.exit_if(c, 0x2000);
                        Term::Jump(0x3000)
                    }
                    _ => {
                        let (t, f) = (b.konst(0x2000), b.konst(0x3000));
                        let s = b.select(c, t, f);
                        b.set(slot::x(2), s);
                        Term::Jump(0x3000)
                    }
                };
                let blk = b.finish(term);
                let (i, j) = run_both_from(&blk, x, mask.map_or(1 << 45, |_| 0));
                assert_eq!(
                    (j.pc, j.x[2]),
                    (i.pc, i.x[2]),
                    "{x:#x} & {mask:?}, way {way}"
                );
            }
        }
    }
}

#[test]
fn fused_compare_selects_take_the_interpreters_way() {
    // A select reading a condition just before it (a mark and a constant between, as the
    // lifters write CSINC and A32 conditional moves) takes the host flags: every fused
    // condition, width and condition code, `eq` and `ult`, the selected values in registers,
    // as constants and from the stack; and a condition read twice, which stays a value.
    let nzcv: Vec<u64> = (0..16).map(|f| f << 28).collect();
    for op in [
        Op::CondSub,
        Op::CondAdd,
        Op::CondLogic,
        Op::Eq,
        Op::Ult,
        Op::Cond,
    ] {
        for w in [32u64, 64] {
            for cc in 0..16 {
                if matches!(op, Op::Eq | Op::Ult) && (w, cc) != (64, 0) || op == Op::Cond && w == 32
                {
                    continue;
                }
                let xs = if op == Op::Cond { &nzcv[..] } else { EDGE };
                for &x in xs {
                    for y in [0, 1, 0x8000_0000, u64::MAX, x] {
                        let mut b = Builder::verbatim(0x1000);
                        let (r0, r1) = (b.get(slot::x(0)), b.get(slot::x(1)));
                        let (args, imm): (&[Val], u64) = match op {
                            Op::CondSub => (&[r0, r1], cc | w << 8),
                            Op::CondAdd => (&[r0, r1, r1], cc | w << 8),
                            Op::CondLogic => (&[r0], cc | w << 8),
                            Op::Cond => (&[r0], cc),
                            _ => (&[r0, r1], 0),
                        };
                        let c = b.emit(op, args, imm);
                        b.end_insn(0x1004);
                        let k = b.konst(0x1234_5678_9abc);
                        let s = b.select(c, r1, k);
                        b.set(slot::x(2), s);
                        // Two selects of one condition, moves between: both `cmov`s.
                        let c2 = b.emit(op, args, imm);
                        let s2 = b.select(c2, k, r0);
                        b.set(slot::x(3), s2);
                        let s3 = b.select(c2, r0, r1);
                        b.set(slot::x(4), s3);
                        // Read by a store of it too, or with an add between the selects: a
                        // value, tested by each select.
                        let c3 = b.emit(op, args, imm);
                        let s4 = b.select(c3, k, r1);
                        b.set(slot::x(5), s4);
                        b.set(slot::x(6), c3);
                        let c4 = b.emit(op, args, imm);
                        let s5 = b.select(c4, r1, r0);
                        let sum = b.add(s5, r1);
                        let s6 = b.select(c4, sum, r0);
                        b.set(slot::x(7), s6);
                        let blk = b.finish(Term::Jump(0x2000));
                        let (i, j) = run_both_from(&blk, x, y);
                        assert_eq!(slots(&j), slots(&i), "{op:?} cc {cc} w {w} {x:#x} {y:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn block_larger_than_the_frame() {
    // 20000 values: more than the trampoline frame holds, so the block grows the stack. The
    // branch condition is a constant, or a compare made while every register is taken (so it
    // lives in a stack slot, which the branch reads before giving the stack back).
    for cond in ["constant", "slot"] {
        for x0 in [5, 50] {
            let mut b = Builder::verbatim(0);
            let first = b.get(slot::x(0));
            let one = b.konst(1);
            let held: Vec<Val> = (0..10).map(|_| b.add(first, one)).collect();
            let ten = b.konst(10);
            let lt = b.emit(Op::Ult, &[first, ten], 0);
            let mut acc = first;
            while b.len() < 20_000 {
                acc = b.add(acc, one);
            }
            // Use early values late so both ends of the frame are live together.
            let mut s = b.add(acc, first);
            for h in held {
                s = b.add(s, h);
            }
            b.set(slot::x(1), s);
            let c = if cond == "slot" { lt } else { b.konst(1) };
            let blk = b.finish(Term::Branch {
                cond: c,
                taken: 0x10,
                fallthrough: 0x20,
            });
            let mut i = CpuState::default();
            i.x[0] = x0;
            let mut j = i.clone();
            interp::run_block(&blk, &mut i);
            jit_once(&blk, &mut j);
            assert_eq!(slots(&j), slots(&i), "{cond} {x0}");
            let taken = cond == "constant" || x0 < 10;
            assert_eq!(j.pc, if taken { 0x10 } else { 0x20 }, "{cond} {x0}");
        }
    }
}

#[test]
fn malformed_block_exits_undefined() {
    let mut b = Builder::verbatim(0x500);
    let k = b.konst(1);
    b.binw(Op::Shl, k, k, 48);
    let blk = b.finish(Term::Jump(0x999));
    let mut c = CpuState::default();
    jit_once(&blk, &mut c);
    assert_eq!((c.pc, c.exit_reason), (0x500, exit::UNDEFINED));
}

/// Addresses `base + k` go into the memory operands as displacements (`addr_fold`): negative
/// and positive offsets, the constant first or second, vector accesses, a base that dies at
/// the access with other values computed in between (its register must survive until the
/// access), and a sum also read as a value (kept). JIT and interpreter agree on registers and
/// memory.
#[test]
fn base_plus_constant_addresses() {
    let mut buf: [u8; 96] = numbered(|i| 0x40 ^ i);
    let mut b = Builder::verbatim(0);
    let p = b.get(slot::x(5));
    let mut sums = Vec::new();
    for (n, (k, size)) in [(-20i64, 1u32), (-3, 2), (0, 4), (13, 8)]
        .into_iter()
        .enumerate()
    {
        let k = b.konst(k as u64);
        let a = if n % 2 == 0 { b.add(p, k) } else { b.add(k, p) };
        let l = b.load(a, size);
        b.set(slot::x(n as u32), l);
        sums.push(l);
    }
    // Sixteen bytes in and out through a vector register.
    let k = b.konst(-24i64 as u64);
    let a = b.add(p, k);
    b.loadv(a, 3, 16);
    let k = b.konst(40);
    let a = b.add(p, k);
    b.storev(a, 3, 16);
    // A base read last by a store, many values alive in between.
    let q = b.get(slot::x(6));
    let k = b.konst(8);
    let at = b.add(q, k);
    // A sum stored as well as used as an address: the base's last other reader.
    let k = b.konst(2);
    let a = b.add(q, k);
    b.store(a, p, 2);
    b.set(slot::x(9), a);
    let mut acc = b.get(slot::x(7));
    for s in &sums {
        let t = b.add(acc, *s);
        acc = b.emit(ir::Op::Xor, &[t, *s], 0);
    }
    b.store(at, acc, 8);
    let blk = b.finish(Term::Jump(8));
    let init = buf;
    let j = run_both_on(&mut Jit::new(), &blk, &mut buf, |c| {
        c.x[5] = 32;
        c.x[6] = 4;
        c.x[7] = 0x1234_5678;
    });
    assert_eq!(j.x[0], u64::from(init[12]));
    assert_eq!(j.x[9], 6);
    assert_eq!(&buf[72..88], &init[8..24]);
    assert_eq!(&buf[6..8], &[32, 0]);
}

/// Sums of sums (`stp`'s second word at `base + k + 8`) fold into one displacement from the
/// first base: a chain only addresses read, one whose inner sum is also read as a value (kept,
/// the outer still folded), and one whose outer sum is read as a value (both kept, the outer
/// computed from the inner). JIT and interpreter agree on registers and memory.
#[test]
fn sums_of_sums_fold_into_one_displacement() {
    let mut buf: [u8; 128] = numbered(|i| 0x11 ^ i);
    let mut b = Builder::verbatim(0);
    let q = b.get(slot::x(6));
    let v = b.get(slot::x(7));
    let chain = |b: &mut Builder, k1: u64| {
        let k = b.konst(k1);
        let inner = b.add(q, k);
        let eight = b.konst(8);
        let outer = b.add(inner, eight);
        (inner, outer)
    };
    // Only addresses.
    let (a, a8) = chain(&mut b, 16);
    b.store(a, v, 8);
    b.store(a8, q, 8);
    // The inner sum also a value.
    let (c, c8) = chain(&mut b, 40);
    let l = b.load(c8, 8);
    b.set(slot::x(0), l);
    b.set(slot::x(10), c);
    // The outer sum also a value.
    let (e, e8) = chain(&mut b, 64);
    b.store(e, v, 4);
    let l = b.load(e8, 2);
    b.set(slot::x(1), l);
    b.set(slot::x(11), e8);
    let blk = b.finish(Term::Jump(8));
    let init = buf;
    let j = run_both_on(&mut Jit::new(), &blk, &mut buf, |c| {
        c.x[6] = 8;
        c.x[7] = 0x0102_0304_0506_0708;
    });
    assert_eq!(j.x[10], 48);
    assert_eq!(j.x[11], 80);
    assert_eq!(j.x[0], u64::from_le_bytes(init[56..64].try_into().unwrap()));
    assert_eq!(&buf[24..32], &0x0102_0304_0506_0708u64.to_le_bytes());
    assert_eq!(&buf[32..40], &8u64.to_le_bytes());
}

/// A 32-bit guest's `base + k` (`addc.32`, a subtraction's carry in of 1 included) goes into
/// the memory operand once `set_fold32` allows it; a base that may have bits above 31 (here a
/// 64-bit sum) never does, since its 32-bit sum drops them. JIT and interpreter agree.
#[test]
fn base_plus_constant_addresses_of_a_32_bit_guest() {
    let mut buf: [u8; 64] = numbered(|i| 0x20 | i);
    let mut b = Builder::verbatim(0);
    let p = b.get(slot::x(5));
    let (zero, one) = (b.konst(0), b.konst(1));
    // p + 4 and p - 6 (p + !6 + 1).
    let k = b.konst(4);
    let a = b.emit(ir::Op::AddC, &[p, k, zero], 32);
    let l = b.load(a, 4);
    b.set(slot::x(0), l);
    let k = b.konst(!6u32 as u64);
    let a = b.emit(ir::Op::AddC, &[k, p, one], 32);
    let l = b.load(a, 2);
    b.set(slot::x(1), l);
    b.store(a, p, 1);
    // (p + 2^32) + 8 at 32 bits is p + 8.
    let big = b.konst(1 << 32);
    let wide = b.add(p, big);
    let k = b.konst(8);
    let a = b.emit(ir::Op::AddC, &[wide, k, zero], 32);
    let l = b.load(a, 8);
    b.set(slot::x(2), l);
    let mut blk = b.finish(Term::Jump(8));
    // A 32-bit guest's block: its registers hold 32-bit values.
    blk.narrow_regs = true;
    let mut jit = Jit::new();
    jit.set_fold32(true);
    let j = run_both_on(&mut jit, &blk, &mut buf, |c| c.x[5] = 20);
    assert_eq!(
        j.x[0],
        u64::from(u32::from_le_bytes([0x38, 0x39, 0x3a, 0x3b]))
    );
    assert_eq!(j.x[1], 0x2f2e);
    assert_eq!(buf[14], 20);
}

/// The shapes of multi-word add-with-carry code whose carries the JIT keeps in CF
/// (`ir::carry_chain`), at width `w` from x0..x3, results in x4..x7; `cc` is the condition of
/// the branch some end in. With `broken`, an `add` between the halves changes the host flags,
/// so no chain may form there.
fn carry_chain_blocks(pc: u64, w: u64, cc: u64) -> Vec<(Block, bool)> {
    let mut out = Vec::new();
    let exit = |b: Builder, cond: Option<Val>| match cond {
        Some(cond) => b.finish(Term::Branch {
            cond,
            taken: 0x2000,
            fallthrough: 0x3000,
        }),
        None => b.finish(Term::Jump(0x4000)),
    };
    for shape in 0..6 {
        let mut b = Builder::verbatim(pc + shape);
        let (a, x, c, d) = (
            b.get(slot::x(0)),
            b.get(slot::x(1)),
            b.get(slot::x(2)),
            b.get(slot::x(3)),
        );
        let (zero, one) = (b.konst(0), b.konst(1));
        let mut cond = None;
        match shape {
            // adds; adc (its flags read too).
            0 => {
                let lo = b.emit(Op::AddC, &[a, x, zero], w);
                let cy = b.emit(Op::AddCCarry, &[a, x, zero], w);
                b.set(slot::x(4), lo);
                b.end_insn(pc + 4);
                let hi = b.emit(Op::AddC, &[c, d, cy], w);
                let f = b.emit(Op::AddCFlags, &[c, d, cy], w);
                b.set(slot::x(5), hi);
                b.set(slot::x(6), f);
            }
            // subs; sbcs and a branch on its flags (the carry out materialised in between).
            1 => {
                let nx = b.not(x);
                let lo = b.emit(Op::AddC, &[a, nx, one], w);
                let cy = b.emit(Op::AddCCarry, &[a, nx, one], w);
                b.set(slot::x(4), lo);
                let nd = b.not(d);
                let hi = b.emit(Op::AddC, &[c, nd, cy], w);
                let hc = b.emit(Op::AddCCarry, &[c, nd, cy], w);
                b.set(slot::x(5), hi);
                b.set(slot::x(6), hc);
                cond = Some(b.emit(Op::CondAdd, &[c, nd, cy], cc | w << 8));
            }
            // cmp; sbcs with only the branch reading its flags.
            2 => {
                let nx = b.not(x);
                let cy = b.emit(Op::AddCCarry, &[a, nx, one], w);
                let nd = b.not(d);
                cond = Some(b.emit(Op::CondAdd, &[c, nd, cy], cc | w << 8));
            }
            // Three words: adds; adcs; adc.
            3 => {
                let lo = b.emit(Op::AddC, &[a, x, zero], w);
                let cy = b.emit(Op::AddCCarry, &[a, x, zero], w);
                b.set(slot::x(4), lo);
                let mid = b.emit(Op::AddC, &[c, d, cy], w);
                let cy2 = b.emit(Op::AddCCarry, &[c, d, cy], w);
                b.set(slot::x(5), mid);
                let hi = b.emit(Op::AddC, &[d, a, cy2], w);
                b.set(slot::x(6), hi);
            }
            // adds r4, r4, r4; adc r5, r5, r5 (a 64-bit shift left by one).
            5 => {
                let lo = b.emit(Op::AddC, &[a, a, zero], w);
                let cy = b.emit(Op::AddCCarry, &[a, a, zero], w);
                b.set(slot::x(4), lo);
                let hi = b.emit(Op::AddC, &[c, c, cy], w);
                b.set(slot::x(5), hi);
            }
            // An add between the halves: the carry goes through a register.
            _ => {
                let lo = b.emit(Op::AddC, &[a, x, zero], w);
                let cy = b.emit(Op::AddCCarry, &[a, x, zero], w);
                let s = b.add(a, c);
                b.set(slot::x(7), s);
                let hi = b.emit(Op::AddC, &[c, d, cy], w);
                b.set(slot::x(4), lo);
                b.set(slot::x(5), hi);
            }
        }
        let blk = exit(b, cond);
        out.push((blk, shape == 4));
    }
    out
}

#[test]
fn carries_kept_in_cf_match_interpreter() {
    let mut jit = Jit::new();
    let mut pc = 0x10_0000;
    let vals = [
        0,
        1,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_ffff,
        u64::MAX,
        0x1_8000_0001,
    ];
    for w in [32, 64] {
        for cc in [0, 2, 8, 11] {
            for (blk, broken) in carry_chain_blocks(pc, w, cc) {
                pc += 0x10;
                ir::verify(&blk).unwrap();
                let chains = ir::carry_chain::find(&blk);
                assert_eq!(chains.is_empty(), broken, "{blk}");
                for &a in &vals {
                    for &x in &vals {
                        for (c, d) in [(a, x), (x ^ a, a), (u64::MAX, 0), (0x8000_0000, x)] {
                            let mut i = CpuState::default();
                            i.x[..4].copy_from_slice(&[a, x, c, d]);
                            let mut j = i.clone();
                            interp::run_block(&blk, &mut i);
                            run_jit(&mut jit, &blk, &mut j);
                            assert_eq!(slots(&j), slots(&i), "{blk}\n{a:#x} {x:#x} {c:#x} {d:#x}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn carry_chain_of_a_sum_folded_into_an_address() {
    // `subs r0, r5, #4` (r5 + !4 + 1, which carries) then `adc`, with the difference read
    // only by a load after the high half: folded into the load's operand, it sets no flags
    // (an add before it leaves CF clear), so the carry must go by register.
    let mut buf: [u8; 64] = numbered(|i| 0x40 | i);
    let mut b = Builder::verbatim(0);
    let (p, h) = (b.get(slot::x(5)), b.get(slot::x(6)));
    let t = b.add(p, h);
    b.set(slot::x(2), t);
    let (zero, one, k) = (b.konst(0), b.konst(1), b.konst(!4u32 as u64));
    let a = b.emit(Op::AddC, &[p, k, one], 32);
    let cy = b.emit(Op::AddCCarry, &[p, k, one], 32);
    let hi = b.emit(Op::AddC, &[h, zero, cy], 32);
    b.set(slot::x(1), hi);
    let l = b.load(a, 4);
    b.set(slot::x(0), l);
    let mut blk = b.finish(Term::Jump(8));
    blk.narrow_regs = true;
    assert_eq!(ir::carry_chain::find(&blk).len(), 1);
    let mut jit = Jit::new();
    jit.set_fold32(true);
    let j = run_both_on(&mut jit, &blk, &mut buf, |c| {
        c.x[5] = 20;
        c.x[6] = 0xffff_ffff;
    });
    assert_eq!(j.x[1], 0);
    assert_eq!(j.x[0], 0x5352_5150);
}

#[test]
fn and_branches_take_the_interpreters_way() {
    // A branch on `select a, b, 0` whose `b` is the compare just before the select (A64's
    // CCMP and B.cond): the JIT tests `a` (a condition or any value), then branches on the
    // compare's flags. Every condition code and width, both ways of the compare, `a` zero,
    // one and nonzero only above bit 31, with the branch going forward and backward.
    for w in [32u64, 64] {
        for cc in 0..16 {
            for taken in [0x2000u64, 0x800] {
                for a in [0u64, 1, 1 << 40] {
                    for &x in &[0u64, 1, 0x8000_0000, u64::MAX] {
                        for y in [0, 1, 0x8000_0000, u64::MAX, x] {
                            let mut b = Builder::verbatim(0x1000);
                            let (r0, r1, r2) =
                                (b.get(slot::x(0)), b.get(slot::x(1)), b.get(slot::x(2)));
                            let first = b.emit(Op::CondLogic, &[r2], 1 | 64 << 8);
                            let first = if a == 1 << 40 { r2 } else { first };
                            let zero = b.konst(0);
                            let second = b.emit(Op::CondSub, &[r0, r1], cc | w << 8);
                            let s = b.select(first, second, zero);
                            let blk = b.finish(Term::Branch {
                                cond: s,
                                taken,
                                fallthrough: 0x3000,
                            });
                            let mut i = CpuState::default();
                            i.x[..3].copy_from_slice(&[x, y, a]);
                            let mut j = i.clone();
                            interp::run_block(&blk, &mut i);
                            jit_once(&blk, &mut j);
                            assert_eq!(j.pc, i.pc, "cc {cc} w {w} a {a:#x} {x:#x} {y:#x}");
                        }
                    }
                }
            }
        }
    }
}

/// A compare whose flags only its side exit reads: `flags = op(x0, x1)` (`setreg` NZCV), a
/// branch away to 0x2000 when x0 == x1, then x2 = x0 + x1 and a compare of x2 with 7 whose
/// flags overwrite the first ones (`op` `Or`: a logical operation's flags merged with the old C
/// and V); `also` reads the first flags word on the way on too. With
/// `temps`, the compare reads x0 + 1 and x1 ^ 3, which die there, and values computed before
/// the exit (x0 * x1, and that plus x1) may take their registers unless the way out keeps them.
/// With `second`, a second exit (to 0x2100 when x1 == 2) follows the first, leaving with the
/// same flags word.
fn exit_flags_block(op: Op, also: bool, temps: bool, second: bool) -> Block {
    let mut b = Builder::verbatim(0x1000);
    let (r0, r1) = (b.get(slot::x(0)), b.get(slot::x(1)));
    let (a, c) = if temps {
        let (one, three) = (b.konst(1), b.konst(3));
        (b.add(r0, one), b.xor(r1, three))
    } else {
        (r0, r1)
    };
    let f = match op {
        Op::SubFlags => b.emit(op, &[a, c], 32),
        Op::AddCFlags => {
            let one = b.konst(1);
            let n1 = b.emit(Op::Not, &[c], 0);
            b.emit(op, &[a, n1, one], 64)
        }
        Op::LogicFlags => {
            let x = b.xor(a, c);
            b.emit(op, &[x], 64)
        }
        // An A32 logical operation's flags: N and Z new, C and V kept from the old flags.
        _ => {
            let x = b.xor(a, c);
            let nz = b.emit(Op::LogicFlags, &[x], 32);
            let old = b.get(slot::NZCV);
            let cv = b.konst(0x3000_0000);
            let kept = b.and(old, cv);
            b.or(nz, kept)
        }
    };
    b.set(slot::NZCV, f);
    let (p, q) = if temps {
        let m = b.emit(Op::Mul, &[r0, r1], 0);
        let m = b.add(m, r1);
        b.set(slot::x(4), m);
        (m, r1)
    } else {
        (r0, r1)
    };
    let eq = b.emit(Op::CondSub, &[p, q], 64 << 8);
    b.end_insn(0x1004);
    b.exit_if(eq, 0x2000);
    if second {
        let two = b.konst(2);
        let is2 = b.emit(Op::CondSub, &[r1, two], 64 << 8);
        b.exit_if(is2, 0x2100);
    }
    let s = b.add(r0, r1);
    b.set(slot::x(2), s);
    if also {
        b.set(slot::x(3), f);
    }
    let seven = b.konst(7);
    let g = b.emit(Op::SubFlags, &[s, seven], 64);
    b.set(slot::NZCV, g);
    b.finish(Term::Jump(0x3000))
}

#[test]
fn flags_only_a_side_exit_reads_are_stored_on_its_way_out() {
    // Optimized, the first flags word is stored by the exit alone (`exit.if.flags`) and built
    // on its way out when nothing else reads it; on both ways the state is the interpreter's.
    // Two exits after one compare both take its flags word along, each building it.
    for op in [Op::SubFlags, Op::AddCFlags, Op::LogicFlags, Op::Or] {
        for (also, temps, second) in (0..8).map(|k| (k & 1 != 0, k & 2 != 0, k & 4 != 0)) {
            let mut blk = exit_flags_block(op, also, temps, second);
            ir::passes::optimize(&mut blk);
            ir::verify(&blk).unwrap();
            let text = blk.to_string();
            let exits = 1 + usize::from(second);
            assert_eq!(text.matches("exit.if.flags").count(), exits, "{text}");
            assert_eq!(text.matches("setreg s33").count(), 1, "{text}");
            // x0 * x1 + x1 == x1 when x0 is 0 (the exit taken with `temps`); x1 == 2
            // takes the second exit.
            for (x, y) in [
                (5u64, 5u64),
                (5, 2),
                (0, u64::MAX),
                (1 << 63, 1 << 63),
                (0, 4),
                (7, 2),
            ] {
                let mut i = CpuState::default();
                i.x[0] = x;
                i.x[1] = y;
                i.nzcv = 0x3000_0000;
                let mut j = i.clone();
                interp::run_block(&blk, &mut i);
                jit_once(&blk, &mut j);
                let what =
                    format!("{op:?} also {also} temps {temps} second {second} {x:#x} {y:#x}");
                assert_eq!(slots(&j), slots(&i), "{what}\n{text}");
            }
        }
    }
}

/// A compare (x0 - x1) and a branch on `eq x2, 0` to 0x1100, which overwrites the flags, and
/// 0x1200, which reads them (both on the block's page, where the look-ahead goes); the taken
/// way is 0x1100's if `taken_overwrites`.
fn branch_one_way_reads(taken_overwrites: bool) -> Block {
    let mut b = Builder::verbatim(0x1000);
    let (r0, r1, r2) = (b.get(slot::x(0)), b.get(slot::x(1)), b.get(slot::x(2)));
    let f = b.emit(Op::SubFlags, &[r0, r1], 64);
    b.set(slot::NZCV, f);
    let zero = b.konst(0);
    let c = b.emit(Op::Eq, &[r2, zero], 0);
    b.end_insn(0x1004);
    let (taken, fallthrough) = match taken_overwrites {
        true => (0x1100, 0x1200),
        false => (0x1200, 0x1100),
    };
    b.finish(Term::Branch {
        cond: c,
        taken,
        fallthrough,
    })
}

/// The effect on the flags of the one instruction at 0x1100 (overwrites) or 0x1200 (reads).
fn one_way_effect(key: u64) -> Option<ir::flags_live::Effect> {
    let mut b = Builder::verbatim(key);
    if key == 0x1100 {
        let k = b.konst(0);
        b.set(slot::NZCV, k);
    } else {
        let f = b.get(slot::NZCV);
        b.set(slot::x(5), f);
    }
    b.end_insn(key + 4);
    let b = b.finish(Term::Jump(key + 4));
    Some(ir::flags_live::Effect::of(&b, slot::NZCV as u64))
}

#[test]
fn a_branch_split_by_flags_liveness_runs_as_the_branch() {
    // Split into an exit that takes the flags to 0x1200 and a jump to 0x1100 (inverting
    // the condition when the taken way overwrites), the block leaves for the same address
    // with the same state, but for the flags on the way that overwrites them.
    for taken_overwrites in [false, true] {
        let orig = branch_one_way_reads(taken_overwrites);
        let mut blk = orig.clone();
        ir::flags_live::drop_dead_store(&mut blk, slot::NZCV, &one_way_effect);
        ir::verify(&blk).unwrap();
        assert_eq!(blk.term, Term::Jump(0x1100), "{blk}");
        let mut full = blk.clone();
        ir::passes::optimize(&mut full);
        for blk in [&blk, &full] {
            let text = blk.to_string();
            assert!(!text.contains("setreg s33"), "{text}");
            for (x, y, z) in [(5u64, 5u64, 0u64), (5, 7, 0), (1 << 63, 1, 9), (0, 0, 1)] {
                let mut i = CpuState::default();
                (i.x[0], i.x[1], i.x[2]) = (x, y, z);
                i.nzcv = 0x6000_0000;
                let mut j = i.clone();
                interp::run_block(&orig, &mut i);
                jit_once(blk, &mut j);
                let what = format!("taken overwrites {taken_overwrites} {x:#x} {y:#x} {z}\n{text}");
                assert_eq!(j.pc, i.pc, "{what}");
                if i.pc == 0x1100 {
                    // Left stale: the way on overwrites them.
                    j.nzcv = i.nzcv;
                }
                assert_eq!(slots(&j), slots(&i), "{what}");
            }
        }
    }
}
