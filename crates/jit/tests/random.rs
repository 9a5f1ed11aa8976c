//! Differential testing: random well-formed IR blocks run on the JIT and on the reference
//! interpreter must leave identical CPU state and memory.

mod common;

use common::{jit_once, slots};
use cpu::{CpuState, exit, slot};
use ir::{Block, Builder, Helper, Op, Term, Val};
use proptest::prelude::*;

const BUF: usize = 256;

const INTERESTING: &[u64] = &[
    0,
    1,
    31,
    32,
    63,
    64,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// Slots random blocks may read and write (not pc, exit fields, mem_base or pending, whose
/// meaning differs between a lone interpreter step and linked JIT code).
fn pick_slot(r: u64) -> u32 {
    match r % 40 {
        n @ 0..32 => slot::x(n as u32),
        32 | 33 => slot::NZCV,
        34 => slot::TPIDR,
        35 => slot::EXCL_ADDR,
        36 => slot::EXCL_VAL,
        37 => slot::v_lo(3),
        38 => slot::v_hi(3),
        _ => slot::v_lo(31),
    }
}

/// Overwrites every caller-saved register the JIT may allocate (general, the scratch pair
/// rsi and rdi, and xmm), as any helper may: the values the JIT keeps there across a call
/// that it does not expect to clobber must survive.
#[inline(always)]
fn clobber() {
    // SAFETY: writes only the registers it declares clobbered.
    unsafe {
        std::arch::asm!(
            "mov r8, -1",
            "mov r9, -1",
            "mov r10, -1",
            "mov r11, -1",
            "mov rsi, -1",
            "mov rdi, -1",
            "pcmpeqd xmm0, xmm0",
            "pcmpeqd xmm1, xmm1",
            "pcmpeqd xmm2, xmm2",
            "pcmpeqd xmm3, xmm3",
            "pcmpeqd xmm4, xmm4",
            "pcmpeqd xmm5, xmm5",
            "pcmpeqd xmm6, xmm6",
            "pcmpeqd xmm7, xmm7",
            "pcmpeqd xmm8, xmm8",
            "pcmpeqd xmm9, xmm9",
            "pcmpeqd xmm10, xmm10",
            "pcmpeqd xmm11, xmm11",
            "pcmpeqd xmm12, xmm12",
            "pcmpeqd xmm13, xmm13",
            "pcmpeqd xmm14, xmm14",
            "pcmpeqd xmm15, xmm15",
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("rsi") _,
            out("rdi") _,
            out("xmm0") _,
            out("xmm1") _,
            out("xmm2") _,
            out("xmm3") _,
            out("xmm4") _,
            out("xmm5") _,
            out("xmm6") _,
            out("xmm7") _,
            out("xmm8") _,
            out("xmm9") _,
            out("xmm10") _,
            out("xmm11") _,
            out("xmm12") _,
            out("xmm13") _,
            out("xmm14") _,
            out("xmm15") _,
        );
    }
}

/// A helper: changes x7 and NZCV and [`clobber`]s the caller-saved registers.
unsafe extern "C" fn mix(cpu: *mut u8, a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: both engines pass the CpuState pointer they run on.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    cpu.x[7] = a.wrapping_add(b).wrapping_add(c);
    cpu.nzcv ^= 0x4000_0000;
    clobber();
    a ^ b.rotate_left(7)
}

static MIX: Helper = Helper {
    name: "mix",
    func: mix,
};

/// The helper of an inline FP operation's call (an FP add the JIT's fast path leaves to the
/// helper, since FPSR.IXC is clear in these blocks): the JIT keeps values in caller-saved
/// registers across such calls, saving them around the helper, which [`clobber`]s them. Of
/// the guest state it changes only FPSR, raising exceptions but inexact (which would let the
/// fast path run), as a scalar FP helper may (see `ir::Inst::is_fp_env_call`: the passes
/// keep other state across such calls).
unsafe extern "C" fn mix_clobbering(cpu: *mut u8, a: u64, b: u64, c: u64) -> u64 {
    // SAFETY: as for `mix`.
    let cpu = unsafe { &mut *(cpu as *mut CpuState) };
    cpu.fpsr |= (a ^ b ^ c) & 0x8f;
    clobber();
    a ^ b.rotate_left(7)
}

static MIX_CLOBBERING: Helper = Helper {
    name: "mix_clobbering",
    func: mix_clobbering,
};

/// The inline operation `mix_clobbering`'s calls carry.
const INLINE_ADD: ir::inline::FpInline = ir::inline::FpInline {
    op: ir::inline::FpOp::Add,
    double: true,
    vector: None,
};

/// One random instruction: an opcode selector and raw material for its operands.
type Spec = (u8, u32, u32, u32, u64);

/// Writes `v` to slot `s`: to NZCV only its flag bits, as the lifters do (the other bits of
/// its word are zero in ARM layout, and name the kind of a compare whose flags are left for
/// later otherwise: see `ir::deferred`).
fn set(b: &mut Builder, s: u32, v: Val) {
    let v = if s == slot::NZCV {
        let m = b.konst(0xf000_0000);
        b.and(v, m)
    } else {
        v
    };
    b.set(s, v);
}

/// Builds a verified block from random specs; memory ops address `buf` (host address, with
/// `mem_base = 0`).
fn build(specs: &[Spec], term: (u8, u32, u64, u64), buf: u64) -> Block {
    build_ending(specs, End::Random(term), buf)
}

/// How [`build_ending`] ends its block.
enum End {
    /// A random terminator (never back to the block's start).
    Random((u8, u32, u64, u64)),
    /// A loop: [`LOOP_COUNT`] counts down and the block branches back to its start while it
    /// is not zero, else on to `AFTER_LOOP`.
    Loop,
}

/// The slot a random loop counts its passes down in: one `pick_slot` never names.
const LOOP_COUNT: u32 = slot::v_lo(5);
/// Where a random loop goes on after its last pass.
const AFTER_LOOP: u64 = 0x9000;

/// [`build`] with the terminator `end` says.
fn build_ending(specs: &[Spec], end: End, buf: u64) -> Block {
    let start = 0x4000;
    let mut b = Builder::verbatim(start);
    let mut vals: Vec<Val> = vec![b.get(slot::x(0)), b.konst(0x8000_0000)];
    for &(kind, x, y, z, imm) in specs {
        let pick = |k: u32| vals[k as usize % vals.len()];
        let (a, c, d) = (pick(x), pick(y), pick(z));
        let w = if imm & 1 == 0 { 32 } else { 64 };
        let size = [1u32, 2, 4, 8][(imm >> 1) as usize % 4];
        let off = (imm >> 8) % (BUF as u64 - 16);
        // A side exit's target: ahead of the block (one conditional jump) or behind it (a
        // jump over a pending check and a linkable jump).
        let exit_to = if imm & 2 == 0 {
            start + 0x1000 + (imm >> 8) % 0x1000
        } else {
            0x1000 + (imm >> 8) % 0x2000
        };
        let r = match kind % 43 {
            0 => Some(b.konst(if imm & 2 == 0 {
                imm
            } else {
                INTERESTING[(imm >> 2) as usize % INTERESTING.len()]
            })),
            1 => Some(b.get(pick_slot(imm))),
            2 => {
                set(&mut b, pick_slot(imm), a);
                None
            }
            3 => Some(b.add(a, c)),
            4 => Some(b.sub(a, c)),
            5 => Some(b.and(a, c)),
            6 => Some(b.or(a, c)),
            7 => Some(b.xor(a, c)),
            8 => Some(b.bin(Op::Mul, a, c)),
            9 => Some(b.bin(Op::UMulH, a, c)),
            10 => Some(b.bin(Op::SMulH, a, c)),
            11 => Some(b.binw(Op::UDiv, a, c, w)),
            12 => Some(b.binw(Op::SDiv, a, c, w)),
            13 => Some(b.binw(Op::Shl, a, c, w)),
            14 => Some(b.binw(Op::Lshr, a, c, w)),
            15 => Some(b.binw(Op::Ashr, a, c, w)),
            16 => Some(b.binw(Op::Ror, a, c, w)),
            17 => Some(if imm & 2 == 0 {
                b.not(a)
            } else {
                b.un(Op::Neg, a, 0)
            }),
            18 => Some(b.un(
                [Op::Clz, Op::Cls, Op::Rbit, Op::Bswap][(imm >> 2) as usize % 4],
                a,
                w as u64,
            )),
            19 => Some(b.zext(a, [8, 16, 32][(imm >> 2) as usize % 3])),
            20 => Some(b.sext(a, [8, 16, 32][(imm >> 2) as usize % 3])),
            21 => Some(b.emit(Op::AddC, &[a, c, d], w as u64)),
            22 => Some(if imm & 2 == 0 {
                b.emit(Op::AddCFlags, &[a, c, d], w as u64)
            } else {
                b.emit(Op::AddCCarry, &[a, c, d], w as u64)
            }),
            23 => Some(b.un(Op::LogicFlags, a, w as u64)),
            24 => Some(b.cond(a, (imm >> 2) as u32 % 16)),
            25 => Some(if imm & 2 == 0 {
                b.bin(Op::Eq, a, c)
            } else {
                b.bin(Op::Ult, a, c)
            }),
            26 => Some(b.select(a, c, d)),
            27 => {
                let p = b.konst(buf + off);
                Some(b.load(p, size))
            }
            28 => {
                let p = b.konst(buf + off);
                if imm & 4 != 0 {
                    // A conditional store whose condition holds about half of the time.
                    let cond = b.bin(Op::Ult, c, d);
                    b.store_if(p, a, cond, size);
                } else {
                    b.store(p, a, size);
                }
                None
            }
            29 | 30 => {
                let vsize = [1u32, 2, 4, 8, 16][(imm >> 2) as usize % 5];
                let vreg = [3u32, 31, 0][(imm >> 5) as usize % 3];
                let p = b.konst(buf + off);
                if kind % 40 == 29 {
                    b.loadv(p, vreg, vsize);
                } else {
                    b.storev(p, vreg, vsize);
                }
                None
            }
            31 => {
                // Aligned, as ARM requires of exclusives; arm the monitor most of the time.
                let p = b.konst(buf + (off & !7));
                if imm & 4 != 0 {
                    b.set(slot::EXCL_ADDR, p);
                    let seen = if imm & 8 != 0 { b.load(p, 8) } else { a };
                    b.set(slot::EXCL_VAL, seen);
                }
                Some(b.emit(Op::StoreEx, &[p, c], size as u64))
            }
            32 => {
                b.emit(Op::Fence, &[], 0);
                None
            }
            34 => Some(b.emit(
                Op::CondAdd,
                &[a, c, d],
                ((imm >> 2) % 16) | ((if imm & 1 == 0 { 32 } else { 64 }) << 8),
            )),
            35 => Some(b.emit(
                Op::CondLogic,
                &[a],
                ((imm >> 2) % 16) | ((if imm & 1 == 0 { 32 } else { 64 }) << 8),
            )),
            37 => Some(b.emit(Op::Bytes4, &[a, c], (imm >> 2) % 4)),
            38 => Some(match (imm >> 3) % 3 {
                0 => b.emit(Op::Bytes4Mask, &[a, c], (imm >> 2) % 2),
                1 => b.un(Op::MaskGe, a, 0),
                _ => b.un(Op::GeMask, a, 0),
            }),
            39 if imm & 2 == 0 => {
                Some(b.un(Op::ZeroLanes, a, [8, 16, 32][(imm >> 2) as usize % 3]))
            }
            39 if imm & 4 == 0 => Some(b.emit(Op::Pairs8, &[a, c], (imm >> 3) % 5)),
            // A side exit on any value, tested; on a compare just before it, fused. Half of
            // them between two writes of one register, whose first the exit's way out stores
            // (`setreg.fault`).
            40 => {
                let s = pick_slot(imm >> 8);
                let twice = imm & 4 != 0;
                if twice {
                    set(&mut b, s, c);
                }
                b.exit_if(a, exit_to);
                if twice {
                    set(&mut b, s, d);
                }
                None
            }
            // Flags left for later, which a read of NZCV after (or the test) works out.
            42 => {
                b.emit(Op::FlagsDeferred, &[a, c], (imm >> 1) % 8);
                None
            }
            41 => {
                let cond = match (imm >> 4) % 3 {
                    0 => b.bin(Op::Ult, a, c),
                    1 => b.bin(Op::Eq, a, c),
                    _ => b.emit(Op::CondSub, &[a, c], ((imm >> 6) % 14) | (w as u64) << 8),
                };
                b.exit_if(cond, exit_to);
                None
            }
            39 => Some(b.emit(
                [Op::AddLanes, Op::SubLanes, Op::EqLanes][(imm >> 3) as usize % 3],
                &[a, c],
                [8, 16, 32][(imm >> 8) as usize % 3],
            )),
            36 => Some(b.emit(
                Op::CondSub,
                &[a, c],
                ((imm >> 2) % 16) | ((if imm & 1 == 0 { 32 } else { 64 }) << 8),
            )),
            33 if imm & 2 == 0 => Some(b.call_fp(&MIX_CLOBBERING, INLINE_ADD, a, c, d)),
            _ => Some(b.call(&MIX, a, c, d)),
        };
        if let Some(v) = r {
            vals.push(v);
        }
    }
    let term = match end {
        End::Random(term) => term,
        End::Loop => {
            let n = b.get(LOOP_COUNT);
            let one = b.konst(1);
            let left = b.sub(n, one);
            b.set(LOOP_COUNT, left);
            let zero = b.konst(0);
            let again = b.bin(Op::Ult, zero, left);
            b.end_insn(start + 4 * specs.len() as u64 + 4);
            return b.finish(Term::Branch {
                cond: again,
                taken: start,
                fallthrough: AFTER_LOOP,
            });
        }
    };
    let (tk, tv, t1, t2) = term;
    let v = vals[tv as usize % vals.len()];
    // Targets never equal `start`, so a lone block cannot loop on itself.
    let term = match tk % 4 {
        0 => Term::Jump(0x8000 + t1 % 0x1000),
        1 => Term::JumpReg(v),
        2 => Term::Branch {
            cond: v,
            taken: 0x8000 + t1 % 0x1000,
            fallthrough: t2 | 0x10000,
        },
        _ => Term::Exit {
            reason: [exit::SYSCALL, exit::UNDEFINED, exit::BREAKPOINT][t1 as usize % 3],
            pc: t1,
            arg: t2,
        },
    };
    b.end_insn(start + 4 * specs.len() as u64 + 4);
    b.finish(term)
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn jit_matches_interpreter(
        specs in prop::collection::vec(spec(), 1..64),
        term in (any::<u8>(), any::<u32>(), any::<u64>(), any::<u64>()),
        regs in prop::collection::vec(any::<u64>(), 32),
        nzcv in 0u64..16,
        deferred in 0u64..12,
        vregs in prop::collection::vec(any::<u64>(), 6),
        mem in prop::collection::vec(any::<u8>(), BUF),
    ) {
        let mut buf = mem.clone();
        let base = buf.as_mut_ptr() as u64;
        let blk = build(&specs, term, base);
        prop_assert!(ir::verify(&blk).is_ok());
        let mut init = CpuState::default();
        init.x.copy_from_slice(&regs);
        init.nzcv = nzcv << 28;
        // The flags of a compare left for later by the block before, two thirds of the time:
        // its reads of NZCV and its helper calls settle them.
        if let Some(kind) = ir::Deferred::from_imm(deferred) {
            ir::deferred::defer(&mut init, kind, regs[1], regs[2]);
        }
        init.v[3] = [vregs[0], vregs[1]];
        init.v[31] = [vregs[2], vregs[3]];
        init.v[0] = [vregs[4], vregs[5]];

        let mut i = init.clone();
        interp::run_block(&blk, &mut i);
        let mem_interp = buf.clone();
        // A computed jump back to the block's own start (`ror.32 0x8000_0000, 17` makes one)
        // is a guest infinite loop: linked JIT code would rightly spin in it forever.
        prop_assume!(i.pc != blk.start);

        buf.copy_from_slice(&mem);
        let mut j = init.clone();
        jit_once(&blk, &mut j);

        prop_assert_eq!(slots(&j), slots(&i), "block:\n{}", blk);
        let flags = |c: &CpuState| ir::deferred::nzcv(c);
        prop_assert_eq!(flags(&j), flags(&i), "block:\n{}", blk);
        prop_assert_eq!(&buf, &mem_interp, "block:\n{}", blk);

        // The passes keep the meaning: the optimized block, interpreted and compiled, ends
        // in the same state.
        let mut opt = blk.clone();
        ir::passes::optimize(&mut opt);
        prop_assert!(ir::verify(&opt).is_ok(), "{}", opt);
        // An indirect jump or call with an inline cache, whose guess is right (linked to the
        // target, here its exit stub) or wrong (the table lookup), goes to the same place.
        if matches!(opt.term, Term::JumpReg(_)) {
            opt.predict = Some(if term.0 & 4 != 0 { i.pc } else { term.3 });
            if term.0 & 8 != 0 {
                opt.hint = ir::Hint::Call(0x9000);
            }
        }
        for jit in [false, true] {
            buf.copy_from_slice(&mem);
            let mut o = init.clone();
            if jit {
                jit_once(&opt, &mut o);
            } else {
                interp::run_block(&opt, &mut o);
            }
            prop_assert_eq!(slots(&o), slots(&i), "block:\n{}\noptimized:\n{}", blk, opt);
            prop_assert_eq!(&buf, &mem_interp, "block:\n{}\noptimized:\n{}", blk, opt);
        }
    }
}

proptest! {
    // 5,000 cases (a second or two): the loop bugs this test found showed only in one run
    // of several at 500, or at 50,000 to 1,000,000 cases (`PROPTEST_CASES`).
    #![proptest_config(ProptestConfig { cases: 5000, ..ProptestConfig::default() })]

    /// Random blocks that loop to themselves a few passes: the JIT, which carries a loop's
    /// reads around it in general and xmm registers and stack slots (`emit::self_loop`),
    /// ends where the interpreter run pass by pass does, optimized (the reads hoisted to the
    /// top, so most are carried) or not.
    #[test]
    fn loops_match_the_interpreter(
        specs in prop::collection::vec(spec(), 1..48),
        passes in 1u64..5,
        regs in prop::collection::vec(any::<u64>(), 32),
        vregs in prop::collection::vec(any::<u64>(), 6),
        mem in prop::collection::vec(any::<u8>(), BUF),
    ) {
        let mut buf = mem.clone();
        let base = buf.as_mut_ptr() as u64;
        let blk = build_ending(&specs, End::Loop, base);
        let mut opt = blk.clone();
        ir::passes::optimize(&mut opt);
        prop_assert!(ir::verify(&opt).is_ok(), "{}", opt);
        let mut init = CpuState::default();
        init.x.copy_from_slice(&regs);
        init.v[3] = [vregs[0], vregs[1]];
        init.v[31] = [vregs[2], vregs[3]];
        init.v[0] = [vregs[4], vregs[5]];
        init.set_slot(LOOP_COUNT, passes);
        for block in [&blk, &opt] {
            buf.copy_from_slice(&mem);
            let mut i = init.clone();
            for _ in 0..passes {
                interp::run_block(block, &mut i);
                if i.pc != block.start {
                    break;
                }
            }
            prop_assert_ne!(i.pc, block.start);
            let mem_interp = buf.clone();
            buf.copy_from_slice(&mem);
            let mut j = init.clone();
            jit_once(block, &mut j);
            prop_assert_eq!(slots(&j), slots(&i), "block:\n{}", block);
            prop_assert_eq!(&buf, &mem_interp, "block:\n{}", block);
        }
    }
}

/// A block compiled twice for the FP state (two inline FP operations: see the JIT's
/// `fp::checks_hoisted`) works out flags left for later in either version: the general one,
/// which runs while FPSR.IXC is clear, as well as the one for the usual state.
#[test]
fn both_versions_of_a_block_work_out_deferred_flags() {
    let mut b = Builder::verbatim(0x4000);
    let x = b.get(slot::x(1));
    let sum = b.call_fp(&MIX_CLOBBERING, INLINE_ADD, x, x, x);
    let sum = b.call_fp(&MIX_CLOBBERING, INLINE_ADD, sum, x, x);
    let flags = b.get(slot::NZCV);
    let eq = b.cond(flags, 0);
    b.set(slot::x(2), eq);
    b.set(slot::x(3), sum);
    b.set(slot::x(4), flags);
    b.end_insn(0x4004);
    let blk = b.finish(Term::Jump(0x5000));
    for fpsr in [0, 0x10] {
        for kind in ir::Deferred::ALL {
            for (a, c) in [(5u64, 5u64), (5, 7), (1 << 63, 1)] {
                let mut init = CpuState::default();
                init.x[1] = 1.5f64.to_bits();
                init.fpsr = fpsr;
                ir::deferred::defer(&mut init, kind, a, c);
                let (mut i, mut j) = (init.clone(), init.clone());
                interp::run_block(&blk, &mut i);
                jit_once(&blk, &mut j);
                // (The FP sums differ by design with IXC set: the JIT's fast path adds, the
                // interpreter calls the stand-in helper.)
                let flags = |c: &CpuState| (c.x[2], c.x[4], ir::deferred::nzcv(c));
                let want = kind.flags(a, c);
                assert_eq!(flags(&i), (want >> 30 & 1, want, want));
                assert_eq!(
                    flags(&j),
                    flags(&i),
                    "FPSR {fpsr:#x} {kind:?} {a:#x} {c:#x}"
                );
            }
        }
    }
}
