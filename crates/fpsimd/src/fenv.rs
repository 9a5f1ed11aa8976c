//! FPCR/FPSR bits and the host floating-point environment.
//!
//! Choice: arithmetic (add, sub, mul, div, sqrt, fused multiply-add) runs on the host's SSE unit
//! with the MXCSR set for the duration of one operation: rounding control from FPCR.RMode, all
//! exceptions masked, and FTZ when FPCR.FZ is set. The MXCSR exception bits are then mapped onto
//! the FPSR cumulative flags. Denormal *inputs* are flushed in software before the host operation
//! (so FPSR.IDC is exact); flushed *outputs* rely on MXCSR.FTZ (recorded QEMU cases at the
//! smallest-normal boundary agree), with ARM's rule that a flushed result raises Underflow but
//! not Inexact applied afterwards. Conversions and rounding to integral are done in software
//! (see `Fmt::round_pack`) and are exact.
//!
//! Cost: `ldmxcsr` is slow, so [`Env::host`] skips it when the MXCSR already holds the wanted
//! control bits and only flags the guest's FPSR already has; the MXCSR flags are then sticky on
//! the host thread (nothing on the host reads them) and stale ones are cleared only when a new
//! flag must be detected exactly.

use core::arch::asm;

/// FPSR.IOC: invalid operation.
pub const IOC: u64 = 1 << 0;
/// FPSR.DZC: division by zero.
pub const DZC: u64 = 1 << 1;
/// FPSR.OFC: overflow.
pub const OFC: u64 = 1 << 2;
/// FPSR.UFC: underflow.
pub const UFC: u64 = 1 << 3;
/// FPSR.IXC: inexact.
pub const IXC: u64 = 1 << 4;
/// FPSR.IDC: input denormal flushed to zero.
pub const IDC: u64 = 1 << 7;
/// FPSR.QC: saturation of an integer SIMD operation.
pub const QC: u64 = 1 << 27;

/// ARM rounding modes (FPCR.RMode encoding order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// Round to nearest, ties to even.
    Nearest,
    /// Round towards plus infinity.
    PlusInf,
    /// Round towards minus infinity.
    MinusInf,
    /// Round towards zero.
    Zero,
    /// Round to nearest, ties away from zero (only for conversions and FRINTA).
    TiesAway,
}

impl Round {
    /// The mode with FPCR.RMode encoding `r` (0..3).
    pub fn from_rmode(r: u64) -> Round {
        match r & 3 {
            0 => Round::Nearest,
            1 => Round::PlusInf,
            2 => Round::MinusInf,
            _ => Round::Zero,
        }
    }
}

/// The FP control word of one operation and the FPSR flags it raised.
#[derive(Clone, Copy, Debug)]
pub struct Env {
    /// FPCR as the guest set it.
    pub fpcr: u64,
    /// Cumulative flags raised so far (FPSR layout).
    pub flags: u64,
    /// Flags the guest's FPSR already holds: the caller merges [`Env::flags`] into it, so an
    /// operation raising one of these again needs no detection (see [`Env::host`]).
    known: u64,
}

impl Env {
    /// A fresh environment for FPCR value `fpcr`.
    pub fn new(fpcr: u64) -> Env {
        Env {
            fpcr,
            flags: 0,
            known: 0,
        }
    }
    /// A fresh environment for `fpcr` whose flags will be merged into an FPSR holding `fpsr`.
    pub fn with_fpsr(fpcr: u64, fpsr: u64) -> Env {
        Env {
            fpcr,
            flags: 0,
            known: fpsr & (IOC | DZC | OFC | UFC | IXC),
        }
    }
    /// FPCR.FZ: flush denormals to zero.
    pub fn fz(&self) -> bool {
        self.fpcr >> 24 & 1 != 0
    }
    /// FPCR.DN: default NaN mode.
    pub fn dn(&self) -> bool {
        self.fpcr >> 25 & 1 != 0
    }
    /// FPCR.FZ16: flush half-precision denormals to zero (inputs without IDC, outputs with
    /// UFC), for half-precision arithmetic; conversions ignore it.
    pub fn fz16(&self) -> bool {
        self.fpcr >> 19 & 1 != 0
    }
    /// Whether results of format `fmt` that are tiny are flushed to zero: FZ16 for half
    /// precision, FZ otherwise.
    pub fn flush_out(&self, half: bool) -> bool {
        if half { self.fz16() } else { self.fz() }
    }
    /// FPCR.AHP: half-precision conversions use ARM's alternative format (no infinities or
    /// NaNs; exponent 31 holds ordinary numbers).
    pub fn ahp(&self) -> bool {
        self.fpcr >> 26 & 1 != 0
    }
    /// FPCR.RMode.
    pub fn rmode(&self) -> Round {
        Round::from_rmode(self.fpcr >> 22)
    }

    /// As [`Env::host`] for an operation whose flags `flags_of(result)` can tell, or `None`
    /// when the result cannot tell them (a tiny result may or may not have underflowed).
    ///
    /// When FPCR is the default (round to nearest, no FZ) and the guest's FPSR already holds
    /// IXC, the one flag most arithmetic raises and the only one a result cannot reveal, the
    /// operation runs without touching the MXCSR at all: outside [`Env::host`] the host MXCSR
    /// always has its default control bits (round to nearest, no FTZ/DAZ, which Rust code
    /// assumes anyway), so the result is the one the configured window would give. If
    /// `flags_of` cannot decide, the operation runs again under [`Env::host`].
    pub fn host_derived<T: Copy>(
        &mut self,
        args: T,
        f: impl Fn(T) -> u64,
        flags_of: impl FnOnce(u64) -> Option<u64>,
    ) -> u64 {
        // RMode (bits 23:22) zero is round to nearest; bit 24 is FZ.
        if self.fpcr & (3 << 22 | 1 << 24) == 0 && (self.known | self.flags) & IXC != 0 {
            let r = f(args);
            if let Some(fl) = flags_of(r) {
                self.flags |= fl;
                return r;
            }
        }
        self.host(args, f)
    }

    /// Runs `f(args)` with the host MXCSR configured from FPCR and merges the host exception
    /// flags. `args` and the result pass through `black_box`, so the compiler (which does not
    /// model the MXCSR) cannot move the arithmetic out of the configured window.
    pub fn host<T, R>(&mut self, args: T, f: impl FnOnce(T) -> R) -> R {
        let rc: u32 = match self.rmode() {
            Round::Nearest | Round::TiesAway => 0,
            Round::MinusInf => 1,
            Round::PlusInf => 2,
            Round::Zero => 3,
        };
        // All exceptions masked (0x1f80), rounding control in bits 14:13, FTZ (15) and DAZ (6).
        let mut csr = 0x1f80 | rc << 13;
        if self.fz() {
            csr |= 1 << 15 | 1 << 6;
        }
        let old = get_mxcsr();
        // Fast path: `ldmxcsr` costs far more than the arithmetic, so when the MXCSR already
        // holds the wanted control bits and every exception flag it holds is one the guest's
        // FPSR has (or will have from this Env) anyway, run the operation in place and leave the
        // raised flags behind: stale flags cannot make the guest's cumulative FPSR wrong, and
        // host Rust code never reads them. FZ needs the exact flags of this one operation
        // (Underflow cancels Inexact), so it always takes the exact path.
        let lazy =
            !self.fz() && old & !0x3f == csr && mx_flags(old) & !(self.known | self.flags) == 0;
        if lazy {
            let args = core::hint::black_box(args);
            let r = core::hint::black_box(f(args));
            self.flags |= mx_flags(get_mxcsr());
            return r;
        }
        set_mxcsr(csr);
        let args = core::hint::black_box(args);
        let r = core::hint::black_box(f(args));
        let got = get_mxcsr();
        // Only restore when the host had other control bits; otherwise the flags this operation
        // raised stay behind, which lets the next operation take the fast path.
        if old & !0x3f != csr {
            set_mxcsr(old);
        }
        let mut fl = mx_flags(got);
        // ARM: a result flushed to zero by FZ raises Underflow but not Inexact.
        if self.fz() && fl & UFC != 0 {
            fl &= !IXC;
        }
        self.flags |= fl;
        r
    }
}

/// The FPSR cumulative flags of the MXCSR exception flags in `m` (DE, input denormal, has no
/// FPSR counterpart here: IDC comes from software flushing).
fn mx_flags(m: u32) -> u64 {
    // IE (bit 0) is IOC (bit 0); ZE, OE, UE, PE (bits 2-5) are DZC, OFC, UFC, IXC (bits 1-4).
    (m & 1 | m >> 1 & 0x1e) as u64
}

fn get_mxcsr() -> u32 {
    let mut v: u32 = 0;
    // SAFETY: stmxcsr writes 4 bytes to the given, valid, writable location.
    unsafe { asm!("stmxcsr [{}]", in(reg) &mut v as *mut u32, options(nostack)) };
    v
}

fn set_mxcsr(v: u32) {
    // SAFETY: ldmxcsr reads 4 bytes from a valid location; `v` only ever has defined MXCSR bits
    // (rounding, masks, FTZ/DAZ), so no reserved-bit #GP can occur.
    unsafe { asm!("ldmxcsr [{}]", in(reg) &v as *const u32, options(nostack, readonly)) };
}
