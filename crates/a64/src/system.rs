//! System instructions: hints, barriers, CLREX, MRS/MSR of the user-visible system registers and
//! the cache maintenance operations user code may issue.

use crate::ctx::{Ctx, Flow, M};
use decode::a64_base::A64Base as I;
use ir::{Helper, Op, Term};

/// Builds the MRS/MSR `g` field (o0:op1:CRn:CRm:op2) for op0 = `op0`.
const fn sysreg(op0: u32, op1: u32, crn: u32, crm: u32, op2: u32) -> u32 {
    (op0 & 1) << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
}

const NZCV: u32 = sysreg(3, 3, 4, 2, 0);
const FPCR: u32 = sysreg(3, 3, 4, 4, 0);
const FPSR: u32 = sysreg(3, 3, 4, 4, 1);
const TPIDR_EL0: u32 = sysreg(3, 3, 13, 0, 2);
const TPIDRRO_EL0: u32 = sysreg(3, 3, 13, 0, 3);
const CTR_EL0: u32 = sysreg(3, 3, 0, 0, 1);
const DCZID_EL0: u32 = sysreg(3, 3, 0, 0, 7);
const MIDR_EL1: u32 = sysreg(3, 0, 0, 0, 0);
const CNTFRQ_EL0: u32 = sysreg(3, 3, 14, 0, 0);
const CNTVCT_EL0: u32 = sysreg(3, 3, 14, 0, 2);

/// Cache type: 64-byte lines, IDC/DIC clear (what a Cortex-A72 reports).
const CTR_VALUE: u64 = 0x8444_c004;
/// DC ZVA zeroes 2^4 words = 64 bytes.
const DCZID_VALUE: u64 = 4;
/// Cortex-A72 r0p3.
const MIDR_VALUE: u64 = 0x410f_d083;
/// The generic timer frequency we report: CNTVCT counts nanoseconds.
const CNTFRQ_VALUE: u64 = 1_000_000_000;

/// Reads the virtual counter: host monotonic time in nanoseconds (see [`CNTFRQ_VALUE`]).
unsafe extern "C" fn read_cntvct(_cpu: *mut u8, _a: u64, _b: u64, _c: u64) -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Helper for `MRS Xt, CNTVCT_EL0`.
pub static CNTVCT: Helper = Helper {
    name: "a64_cntvct",
    func: read_cntvct,
};

/// Lifts one system instruction.
pub fn lift(cx: &mut Ctx, m: &M) -> Flow {
    let t = m.f('t');
    match m.id() {
        // Hints (NOP, YIELD, BTI, PACIASP, AUTIASP, ...) have no effect without pointer
        // authentication or a scheduler to yield to.
        I::Nop | I::Hint | I::Isb => {}
        I::Cfinv | I::Axflag | I::Xaflag => return crate::flagm::lift(cx, m),
        I::Dmb | I::Dsb => {
            cx.b.emit(Op::Fence, &[], 0);
        }
        I::Clrex => {
            let clear = cx.k(u64::MAX);
            cx.b.set(cpu::slot::EXCL_ADDR, clear);
        }
        I::Mrs => {
            let v = match m.f('g') {
                NZCV => cx.nzcv(),
                FPCR => cx.b.get(cpu::slot::FPCR),
                FPSR => cx.b.get(cpu::slot::FPSR),
                TPIDR_EL0 => cx.b.get(cpu::slot::TPIDR),
                TPIDRRO_EL0 => cx.k(0),
                CTR_EL0 => cx.k(CTR_VALUE),
                DCZID_EL0 => cx.k(DCZID_VALUE),
                MIDR_EL1 => cx.k(MIDR_VALUE),
                CNTFRQ_EL0 => cx.k(CNTFRQ_VALUE),
                CNTVCT_EL0 => {
                    let z = cx.k(0);
                    cx.b.call(&CNTVCT, z, z, z)
                }
                _ => return Flow::Undef,
            };
            cx.set_x(t, v, true);
        }
        I::Msr => {
            let g = m.f('g');
            if !matches!(g, NZCV | FPCR | FPSR | TPIDR_EL0) {
                return Flow::Undef;
            }
            let v = cx.x(t);
            match g {
                NZCV => {
                    let mask = cx.k(0xf000_0000);
                    let v = cx.b.and(v, mask);
                    cx.set_nzcv(v);
                }
                FPSR => cx.b.set(cpu::slot::FPSR, v),
                TPIDR_EL0 => cx.b.set(cpu::slot::TPIDR, v),
                _ => {
                    cx.b.set(cpu::slot::FPCR, v);
                    // The rounding mode may be baked into translated FP code: start afresh.
                    return Flow::End(Term::Jump(cx.pc.wrapping_add(4)));
                }
            }
        }
        I::DcZva => {
            let a = cx.x(t);
            let mask = cx.k(!63);
            let base = cx.b.and(a, mask);
            let zero = cx.k(0);
            for i in 0..8u64 {
                let off = cx.k(8 * i);
                let addr = cx.b.add(base, off);
                cx.b.store(addr, zero, 8);
            }
        }
        // Cleaning data caches is invisible to a single coherent host.
        I::DcCvac | I::DcCvau | I::DcCvap | I::DcCivac => {}
        I::IcIvau => {
            let a = cx.x(t);
            cx.b.set(cpu::slot::EXIT_ARG, a);
            return Flow::End(Term::Exit {
                reason: cpu::exit::FLUSH,
                pc: cx.pc.wrapping_add(4),
                arg: ir::EXIT_ARG_KEPT,
            });
        }
        _ => return Flow::Undef,
    }
    Flow::Next
}
