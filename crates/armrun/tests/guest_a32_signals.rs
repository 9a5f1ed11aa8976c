//! Signal delivery and return for 32-bit guests, end to end: the programs `tests/guest32/sig_*.c`,
//! built for armhf in A32 and in Thumb-2 and for armel (soft-float ARMv5TE), must print the
//! kernel's lines under armrun's JIT and its interpreter. The expected lines are what qemu-arm-static prints too, except where qemu
//! departs from the arm kernel: SIGILL's `si_code` (`do_undefinstr` reports ILL_ILLOPC, qemu
//! ILL_ILLOPN) and the sigcontext's `trap_no`, `error_code` and `fault_address` (qemu writes 0).

mod common;
use common::*;

/// One way of building a program: compiler and flags.
type Flavour = (&'static str, &'static [&'static str]);

/// armhf in each instruction set a handler and the interrupted code can be in (glibc's own
/// code is Thumb-2 in both), and armel, whose code and glibc are all A32 without VFP.
const ARMHF_A32: Flavour = (
    "arm-linux-gnueabihf-gcc",
    &["-static", "-O2", "-marm", "-lm"],
);
const ARMHF_THUMB: Flavour = (
    "arm-linux-gnueabihf-gcc",
    &["-static", "-O2", "-mthumb", "-lm"],
);
const ARMEL: Flavour = ("arm-linux-gnueabi-gcc", &["-static", "-O2", "-lm"]);

/// Runs `tests/guest32/NAME.c` of every flavour (see [`expect_on`]).
fn expect(name: &str, expected: &str) {
    expect_on(&[ARMHF_A32, ARMHF_THUMB, ARMEL], name, expected);
}

/// Runs `tests/guest32/NAME.c` built each of the `flavours` ways on the JIT and on the
/// interpreter; each must exit with 0 and print `expected`.
fn expect_on(flavours: &[Flavour], name: &str, expected: &str) {
    for &(cc, flags) in flavours {
        let prog = guest_in("guest32", name, cc, flags);
        for backend in [&[][..], &["--interp"][..]] {
            let (o, err) = run_armrun(backend, &prog, &[], &[]);
            assert_eq!(
                o,
                Outcome {
                    status: 0,
                    stdout: expected.to_string()
                },
                "{name} {cc} {flags:?} {backend:?}; armrun stderr:\n{err}"
            );
        }
    }
}

#[test]
fn handlers_get_siginfo_return_and_may_edit_registers() {
    expect(
        "sig_handler",
        "plain: hits=3 sig=10 blocked inside=3\n\
         after: usr1 blocked=0 usr2 blocked=0\n\
         kill: signo=10 code=SI_USER pid ok=1 uc mask ok=1\n\
         sigqueue: rtmin+2 code=SI_QUEUE pid ok=1 value=0x5eed\n\
         tgkill: signo=10 code=SI_TKILL pid ok=1\n\
         raw plain: rt_sigaction=0 r0=12\n\
         raw siginfo: rt_sigaction=0 r0=12 info ok=1\n\
         edited r0: 1234\n",
    );
}

#[test]
fn undefined_instructions_breakpoints_and_fetch_faults_reach_handlers() {
    expect(
        "sig_sync",
        "longjmp 0: signo=4 code=ILL_ILLOPC si_addr ok=1 pc ok=1 T ok=1 ill blocked=0\n  \
         trap_no=6 error_code=0 fault_address=0\n\
         longjmp 1: signo=4 code=ILL_ILLOPC si_addr ok=1 pc ok=1 T ok=1 ill blocked=0\n  \
         trap_no=6 error_code=0 fault_address=0\n\
         skipped: result=42 signo=4 pc ok=1 T ok=1\n\
         bkpt skipped: result=42 signo=5 si_addr ok=1 pc ok=1 T ok=1\n\
         fetch fault: signo=11 code=SEGV_MAPERR si_addr=0x1000\n  \
         trap_no=14 error_code=0x80000007 fault_address=0x1000\n",
    );
}

#[test]
fn blocked_signals_wait_for_sigsuspend() {
    expect(
        "sig_mask",
        "blocked: hits=0 pending usr1=1 usr2=0\n\
         sigsuspend: r=-1 eintr=1 hits=1 pending=0 still blocked=1\n\
         unblocked: hits=1\n\
         nodefer: max depth=3\n\
         resethand: hits=2 dfl=1\n",
    );
}

#[test]
fn onstack_handlers_run_on_the_alternate_stack() {
    expect(
        "sig_altstack",
        "onstack: on alt=1 SS_ONSTACK=1 change refused=1\n\
         no SA_ONSTACK: on alt=0 SS_ONSTACK=0\n\
         after: same stack=1 size ok=1 flags=0\n\
         tiny refused=1\n",
    );
}

#[test]
fn timer_signals_interrupt_a_loop_without_disturbing_its_fp_state() {
    // The handler clobbers VFP registers and the rounding mode: hard-float builds only.
    expect_on(
        &[ARMHF_A32, ARMHF_THUMB],
        "sig_alarm",
        "alarms=5 spun=1 rounding kept=1 same result=1\n",
    );
}

#[test]
fn sa_restart_reexecutes_an_a32_or_thumb_svc() {
    expect(
        "sig_restart",
        "SA_RESTART: r=1 ok byte=x alarms at return=2\n\
         no SA_RESTART: r=-4 EINTR byte=- alarms at return=1\n",
    );
}

#[test]
fn it_state_is_saved_in_the_frame_and_restored_by_sigreturn() {
    expect_on(
        &[ARMHF_THUMB],
        "sig_it",
        "longjmp: pc ok=1 T=1 itstate=0xc\n\
         skipped: x=7 pc ok=1 itstate=0xc\n",
    );
}
