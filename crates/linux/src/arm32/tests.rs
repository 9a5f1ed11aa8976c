//! Unit tests of the 32-bit layer: syscalls issued through `syscall_a32` exactly as a 32-bit
//! guest would (number in r7, zero-extended 32-bit arguments), over a 4 GiB guest window.

use std::ffi::CString;
use std::path::PathBuf;

use cpu::CpuState;
use mem::GuestMem;

use crate::arm32::abi;
use crate::sysno::arm::Sysno;
use crate::tests::tmp;
use crate::{Flow, Linux, syscall_a32};

pub(crate) const PROT_RW: u64 = (libc::PROT_READ | libc::PROT_WRITE) as u64;
pub(crate) const MAP_ANON: u64 = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
pub(crate) const AT_FDCWD: u64 = libc::AT_FDCWD as u32 as u64;

/// A 32-bit process: `Linux` over a fresh 4 GiB window.
pub(crate) fn linux32() -> Linux {
    let mut l = Linux::new(
        GuestMem::new32().unwrap(),
        PathBuf::from("/opt/guest/hello32"),
        None,
    );
    l.set_log_unimp(false);
    l
}

/// Issues raw syscall number `nr` with `args` from a CPU in `cpu`; returns r0.
pub(crate) fn sys_nr(l: &mut Linux, cpu: &mut CpuState, nr: u64, args: &[u64]) -> u64 {
    cpu.x[7] = nr;
    cpu.x[..args.len()].copy_from_slice(args);
    assert_eq!(syscall_a32(l, cpu), Flow::Continue);
    let r0 = cpu.x[0];
    assert_eq!(r0 >> 32, 0, "r0 must be a 32-bit value: {r0:#x}");
    r0
}

/// Issues syscall `s` with `args`; returns r0.
pub(crate) fn sys(l: &mut Linux, s: Sysno, args: &[u64]) -> u64 {
    sys_nr(l, &mut CpuState::default(), s.number(), args)
}

/// `-e` as the 32-bit r0 value.
pub(crate) fn err(e: i32) -> u64 {
    (-e) as u32 as u64
}

/// Whether r0 is a success value (not in the -4095..-1 error range).
pub(crate) fn ok(r: u64) -> bool {
    r < 0xffff_f001
}

/// Maps `len` bytes of fresh guest memory with mmap2.
pub(crate) fn scratch(l: &mut Linux, len: u64) -> u64 {
    let a = sys(
        l,
        Sysno::mmap2,
        &[0, len, PROT_RW, MAP_ANON, u32::MAX as u64, 0],
    );
    assert!(ok(a) && a != 0, "mmap2 failed: {}", a as u32 as i32);
    a
}

/// Copies a C string into guest memory at `addr`.
pub(crate) fn put_str(l: &Linux, addr: u64, s: &str) {
    let c = CString::new(s).unwrap();
    l.mem().write(addr, c.as_bytes_with_nul()).unwrap();
}

/// An unmapped guest address (the window's low guard below `MMAP_MIN`).
pub(crate) const BAD: u64 = 0x1000;

pub(crate) fn close(l: &mut Linux, fd: u64) {
    assert_eq!(sys(l, Sysno::close, &[fd]), 0);
}

#[test]
fn results_are_32_bit_and_unknown_calls_are_noted_by_arm_name() {
    let mut l = linux32();
    // The note goes to stderr once ("unsupported syscall mq_open (274)").
    l.set_log_unimp(true);
    assert_eq!(sys(&mut l, Sysno::getpid, &[]), std::process::id() as u64);
    // A call armrun does not implement: ENOSYS as a 32-bit value, noted once by number.
    assert_eq!(sys(&mut l, Sysno::mq_open, &[0, 0, 0]), err(libc::ENOSYS));
    assert!(l.noted.contains(&Sysno::mq_open.number()));
    // A number no table has.
    assert_eq!(
        sys_nr(&mut l, &mut CpuState::default(), 1000, &[]),
        err(libc::ENOSYS)
    );
    // Upper register halves are ignored: r0..r5 are 32-bit.
    let mut cpu = CpuState::default();
    let r = sys_nr(
        &mut l,
        &mut cpu,
        Sysno::getppid.number(),
        &[0xdead_0000_0000_0000],
    );
    assert!(ok(r));
}

#[test]
fn every_reused_handler_exists_in_the_a64_table() {
    for &s in crate::sysno::arm::ALL {
        if let Some(a) = super::same_as_a64(s) {
            assert!(
                crate::dispatch::a64_entry(a).is_some(),
                "{} reuses {}, which has no AArch64 handler",
                s.name(),
                a.name()
            );
        }
    }
}

#[test]
fn arm_private_calls() {
    let mut l = linux32();
    let mut cpu = CpuState::default();
    assert_eq!(
        sys_nr(&mut l, &mut cpu, Sysno::set_tls.number(), &[0x1234_5678]),
        0
    );
    assert_eq!(cpu.tpidr, 0x1234_5678);
    assert_eq!(
        sys_nr(&mut l, &mut cpu, Sysno::get_tls.number(), &[]),
        0x1234_5678
    );
    // cacheflush: the range reaches the translation cache; bad ranges and flags are EINVAL.
    let flush = Sysno::cacheflush.number();
    l.mem_mut().take_code_change();
    assert_eq!(sys_nr(&mut l, &mut cpu, flush, &[0x2_0000, 0x2_0100, 0]), 0);
    let (a, b) = l.mem_mut().take_code_change().unwrap();
    assert!(a <= 0x2_0000 && b >= 0x2_0100, "{a:#x}..{b:#x}");
    assert_eq!(
        sys_nr(&mut l, &mut cpu, flush, &[0x2_0100, 0x2_0000, 0]),
        err(libc::EINVAL)
    );
    assert_eq!(
        sys_nr(&mut l, &mut cpu, flush, &[0x2_0000, 0x2_0100, 1]),
        err(libc::EINVAL)
    );
    // Unassigned private numbers up to 0x7ff answer ENOSYS.
    assert_eq!(
        sys_nr(&mut l, &mut cpu, super::ARM_NR_BASE + 0x100, &[]),
        err(libc::ENOSYS)
    );
}

#[test]
fn mmap2_counts_pages_and_uname_says_armv7l() {
    let mut l = linux32();
    let d = tmp("a32-mmap2");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("pages");
    let mut data = vec![0u8; 3 * 4096];
    data[2 * 4096..2 * 4096 + 5].copy_from_slice(b"page2");
    std::fs::write(&f, &data).unwrap();
    let buf = scratch(&mut l, 4096);
    put_str(&l, buf, f.to_str().unwrap());
    let fd = sys(&mut l, Sysno::open, &[buf, libc::O_RDONLY as u64, 0]);
    assert!(ok(fd));
    let prot = libc::PROT_READ as u64;
    let flags = libc::MAP_PRIVATE as u64;
    let m = sys(&mut l, Sysno::mmap2, &[0, 4096, prot, flags, fd, 2]);
    assert!(ok(m) && m < 1 << 32, "{m:#x}");
    assert_eq!(l.mem().slice(m, 5, 0).unwrap(), b"page2");
    assert_eq!(sys(&mut l, Sysno::munmap, &[m, 4096]), 0);
    close(&mut l, fd);
    // uname: machine is the 32-bit CPU's.
    assert_eq!(sys(&mut l, Sysno::uname, &[buf]), 0);
    let machine = l.mem().read_cstr(buf + 4 * 65, 65).unwrap();
    assert_eq!(machine, b"armv7l");
    assert_eq!(sys(&mut l, Sysno::uname, &[BAD]), err(libc::EFAULT));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn robust_list_and_tid_address_use_words() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    assert_eq!(
        sys(&mut l, Sysno::set_tid_address, &[buf]),
        // SAFETY: gettid has no arguments.
        unsafe { libc::gettid() } as u64
    );
    // struct robust_list_head is 12 bytes here; 24 (arm64's) is refused.
    assert_eq!(
        sys(&mut l, Sysno::set_robust_list, &[buf + 64, 24]),
        err(libc::EINVAL)
    );
    assert_eq!(sys(&mut l, Sysno::set_robust_list, &[buf + 64, 12]), 0);
    l.mem().write_u64(buf + 8, u64::MAX).unwrap();
    assert_eq!(sys(&mut l, Sysno::get_robust_list, &[0, buf, buf + 4]), 0);
    assert_eq!(l.mem().read_u32(buf).unwrap() as u64, buf + 64);
    assert_eq!(l.mem().read_u32(buf + 4).unwrap(), 12);
    // The word after the 4-byte size is untouched.
    assert_eq!(l.mem().read_u32(buf + 8).unwrap(), u32::MAX);
}

#[test]
fn rt_sigaction_uses_the_20_byte_arm_layout() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    // handler, flags, restorer (words), then the 8-byte mask at offset 12.
    let sa_restorer = 0x0400_0000u32;
    let act = buf;
    l.mem().write_u32(act, 0x1_0001).unwrap();
    l.mem().write_u32(act + 4, sa_restorer).unwrap();
    l.mem().write_u32(act + 8, 0x1_0101).unwrap();
    l.mem().write_u64(act + 12, 0x8000_0000_0000_0002).unwrap();
    let sig = libc::SIGUSR2 as u64;
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[sig, act, 0, 8]), 0);
    let old = buf + 64;
    l.mem().write(old, &[0xaa; 32]).unwrap();
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[sig, 0, old, 8]), 0);
    assert_eq!(l.mem().read_u32(old).unwrap(), 0x1_0001);
    assert_eq!(l.mem().read_u32(old + 4).unwrap(), sa_restorer);
    assert_eq!(l.mem().read_u32(old + 8).unwrap(), 0x1_0101);
    assert_eq!(l.mem().read_u64(old + 12).unwrap(), 0x8000_0000_0000_0002);
    // Exactly 20 bytes written.
    assert_eq!(l.mem().read_u32(old + 20).unwrap(), 0xaaaa_aaaa);
    // Back to SIG_DFL so the host disposition is the default again.
    l.mem().write(act, &[0; 20]).unwrap();
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[sig, act, 0, 8]), 0);
    // Wrong sigset size, bad pointer.
    assert_eq!(
        sys(&mut l, Sysno::rt_sigaction, &[sig, act, 0, 4]),
        err(libc::EINVAL)
    );
    assert_eq!(
        sys(&mut l, Sysno::rt_sigaction, &[sig, BAD, 0, 8]),
        err(libc::EFAULT)
    );
    // rt_sigprocmask: the 8-byte set is shared with arm64.
    assert_eq!(sys(&mut l, Sysno::rt_sigprocmask, &[0, 0, old, 8]), 0);
}

#[test]
fn sigaltstack_uses_the_12_byte_stack_t() {
    let mut l = linux32();
    let buf = scratch(&mut l, 16384);
    let mut cpu = CpuState::default();
    cpu.x[13] = buf + 16000;
    let ss = buf;
    l.mem().write_u32(ss, (buf + 4096) as u32).unwrap();
    l.mem().write_u32(ss + 4, 0).unwrap();
    l.mem().write_u32(ss + 8, 2048).unwrap();
    let nr = Sysno::sigaltstack.number();
    assert_eq!(sys_nr(&mut l, &mut cpu, nr, &[ss, 0]), 0);
    let old = buf + 64;
    l.mem().write(old, &[0xbb; 16]).unwrap();
    assert_eq!(sys_nr(&mut l, &mut cpu, nr, &[0, old]), 0);
    assert_eq!(l.mem().read_u32(old).unwrap() as u64, buf + 4096);
    assert_eq!(l.mem().read_u32(old + 4).unwrap(), 0);
    assert_eq!(l.mem().read_u32(old + 8).unwrap(), 2048);
    assert_eq!(l.mem().read_u32(old + 12).unwrap(), 0xbbbb_bbbb);
    // ARM's MINSIGSTKSZ is 2048.
    l.mem().write_u32(ss + 8, 2047).unwrap();
    assert_eq!(sys_nr(&mut l, &mut cpu, nr, &[ss, 0]), err(libc::ENOMEM));
    // On the stack (r13 inside it): reported, and changes refused.
    cpu.x[13] = buf + 5000;
    assert_eq!(sys_nr(&mut l, &mut cpu, nr, &[0, old]), 0);
    assert_eq!(l.mem().read_u32(old + 4).unwrap(), 1);
}

#[test]
fn time32_and_time64_calls() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let mono = libc::CLOCK_MONOTONIC as u64;
    let real = libc::CLOCK_REALTIME as u64;
    assert_eq!(sys(&mut l, Sysno::clock_gettime, &[real, buf]), 0);
    let sec32 = l.mem().read_u32(buf).unwrap() as i64;
    let nsec32 = l.mem().read_u32(buf + 4).unwrap();
    assert_eq!(sys(&mut l, Sysno::clock_gettime64, &[real, buf + 16]), 0);
    let sec64 = l.mem().read_u64(buf + 16).unwrap() as i64;
    assert!((sec64 - sec32).abs() <= 1 && nsec32 < 1_000_000_000);
    assert_eq!(sys(&mut l, Sysno::gettimeofday, &[buf + 64, 0]), 0);
    let tv_sec = l.mem().read_u32(buf + 64).unwrap() as i64;
    assert!((tv_sec - sec64).abs() <= 1);
    assert!(l.mem().read_u32(buf + 68).unwrap() < 1_000_000);
    assert_eq!(sys(&mut l, Sysno::clock_getres, &[mono, buf + 96]), 0);
    assert_eq!(l.mem().read_u32(buf + 96).unwrap(), 0);
    assert_eq!(l.mem().read_u32(buf + 100).unwrap(), 1);
    assert_eq!(
        sys(&mut l, Sysno::clock_gettime, &[mono, BAD]),
        err(libc::EFAULT)
    );
    // nanosleep with a time32 request: 1 ms; an out-of-range nsec is EINVAL.
    l.mem().write_u32(buf + 128, 0).unwrap();
    l.mem().write_u32(buf + 132, 1_000_000).unwrap();
    assert_eq!(sys(&mut l, Sysno::nanosleep, &[buf + 128, 0]), 0);
    l.mem().write_u32(buf + 132, 1_000_000_000).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::nanosleep, &[buf + 128, 0]),
        err(libc::EINVAL)
    );
    // clock_nanosleep_time64 takes 16-byte timespecs whose tv_nsec is a 32-bit long plus
    // padding that C libraries leave uninitialised: only the low half counts.
    l.mem().write_u64(buf + 160, 0).unwrap();
    l.mem().write_u64(buf + 168, 0xdead_beef_0000_03e8).unwrap();
    assert_eq!(
        sys(
            &mut l,
            Sysno::clock_nanosleep_time64,
            &[mono, 0, buf + 160, 0]
        ),
        0
    );
    // itimers: two 8-byte timevals each.
    let it = buf + 256;
    l.mem().write(it, &[0; 16]).unwrap();
    l.mem().write_u32(it + 8, 100).unwrap();
    let which = libc::ITIMER_VIRTUAL as u64;
    assert_eq!(sys(&mut l, Sysno::setitimer, &[which, it, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::getitimer, &[which, it + 32]), 0);
    let left = l.mem().read_u32(it + 32 + 8).unwrap();
    assert!((99..=100).contains(&left), "{left}");
    l.mem().write(it, &[0; 16]).unwrap();
    assert_eq!(sys(&mut l, Sysno::setitimer, &[which, it, it + 32]), 0);
    // timerfd with a time32 itimerspec.
    let tfd = sys(&mut l, Sysno::timerfd_create, &[mono, 0]);
    assert!(ok(tfd));
    l.mem().write(it, &[0; 16]).unwrap();
    l.mem().write_u32(it + 8, 50).unwrap();
    assert_eq!(sys(&mut l, Sysno::timerfd_settime, &[tfd, 0, it, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::timerfd_gettime, &[tfd, it + 64]), 0);
    let secs = l.mem().read_u32(it + 64 + 8).unwrap();
    assert!((49..=50).contains(&secs), "{secs}");
    assert_eq!(sys(&mut l, Sysno::timerfd_gettime64, &[tfd, it + 64]), 0);
    let secs = l.mem().read_u64(it + 64 + 16).unwrap();
    assert!((49..=50).contains(&secs), "{secs}");
    close(&mut l, tfd);
}

#[test]
fn futex_time32_timeout() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    l.mem().write_u32(buf, 7).unwrap();
    let wait = libc::FUTEX_WAIT as u64 | libc::FUTEX_PRIVATE_FLAG as u64;
    assert_eq!(
        sys(&mut l, Sysno::futex, &[buf, wait, 8, 0]),
        err(libc::EAGAIN)
    );
    // 2 ms, as an 8-byte timespec.
    l.mem().write_u32(buf + 16, 0).unwrap();
    l.mem().write_u32(buf + 20, 2_000_000).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::futex, &[buf, wait, 7, buf + 16]),
        err(libc::ETIMEDOUT)
    );
    // futex_time64: 16-byte timespec.
    l.mem().write_u64(buf + 32, 0).unwrap();
    l.mem().write_u64(buf + 40, 2_000_000).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::futex_time64, &[buf, wait, 7, buf + 32]),
        err(libc::ETIMEDOUT)
    );
}

#[test]
fn ids_16_and_32_bit() {
    let mut l = linux32();
    // SAFETY: no arguments.
    let uid = unsafe { libc::getuid() };
    assert_eq!(sys(&mut l, Sysno::getuid32, &[]), uid as u64);
    assert_eq!(sys(&mut l, Sysno::getuid, &[]), abi::high2low(uid) as u64);
    let buf = scratch(&mut l, 4096);
    l.mem().write(buf, &[0xcc; 16]).unwrap();
    assert_eq!(sys(&mut l, Sysno::getresgid, &[buf, buf + 2, buf + 4]), 0);
    // SAFETY: no arguments.
    let gid = abi::high2low(unsafe { libc::getgid() });
    assert_eq!(l.mem().slice(buf, 2, 0).unwrap(), gid.to_le_bytes());
    assert_eq!(l.mem().slice(buf + 6, 2, 0).unwrap(), [0xcc, 0xcc]);
    // setuid(0xffff) means "unchanged" (-1), which the kernel refuses for setuid.
    assert_eq!(sys(&mut l, Sysno::setuid, &[0xffff]), err(libc::EINVAL));
    // setreuid(-1, -1) in 16 bits changes nothing and succeeds.
    assert_eq!(sys(&mut l, Sysno::setreuid, &[0xffff, 0xffff]), 0);
    let n = sys(&mut l, Sysno::getgroups, &[0, 0]);
    assert!(ok(n));
    assert_eq!(sys(&mut l, Sysno::getgroups32, &[0, 0]), n);
    assert_eq!(abi::low2high(0xffff), u32::MAX as u64);
    assert_eq!(abi::high2low(70000), abi::OVERFLOW_ID);
}

#[test]
fn rlimits_32_bit_words() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let stack = libc::RLIMIT_STACK as u64;
    l.mem().write_u32(buf, 0xffff_ffff).unwrap();
    l.mem().write_u32(buf + 4, 0xffff_ffff).unwrap();
    assert_eq!(sys(&mut l, Sysno::setrlimit, &[stack, buf]), 0);
    // Infinity in 32 bits is infinity in 64.
    assert_eq!(sys(&mut l, Sysno::prlimit64, &[0, stack, 0, buf + 16]), 0);
    assert_eq!(l.mem().read_u64(buf + 16).unwrap(), u64::MAX);
    l.mem().write_u64(buf + 32, 8 << 20).unwrap();
    l.mem().write_u64(buf + 40, 5 << 32).unwrap();
    assert_eq!(sys(&mut l, Sysno::prlimit64, &[0, stack, buf + 32, 0]), 0);
    assert_eq!(sys(&mut l, Sysno::ugetrlimit, &[stack, buf + 64]), 0);
    assert_eq!(l.mem().read_u32(buf + 64).unwrap(), 8 << 20);
    // A hard limit above 32 bits reads as infinity.
    assert_eq!(l.mem().read_u32(buf + 68).unwrap(), u32::MAX);
    assert_eq!(
        sys(&mut l, Sysno::ugetrlimit, &[99, buf]),
        err(libc::EINVAL)
    );
    assert_eq!(
        sys(&mut l, Sysno::ugetrlimit, &[stack, BAD]),
        err(libc::EFAULT)
    );
}

#[test]
fn sysinfo_rusage_times_layouts() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    l.mem().write(buf, &[0xee; 128]).unwrap();
    assert_eq!(sys(&mut l, Sysno::sysinfo, &[buf]), 0);
    // SAFETY: an all-zero sysinfo is valid; the call fills it.
    let mut s: libc::sysinfo = unsafe { std::mem::zeroed() };
    // SAFETY: a host sysinfo buffer.
    unsafe { libc::sysinfo(&mut s) };
    let unit = l.mem().read_u32(buf + 52).unwrap() as u64;
    let total = l.mem().read_u32(buf + 16).unwrap() as u64 * unit;
    let host_total = s.totalram * s.mem_unit as u64;
    assert!(host_total - total < 2 * unit.max(1), "{total} {host_total}");
    assert_eq!(l.mem().read_u32(buf + 64).unwrap(), 0xeeee_eeee);
    // getrusage: 72 bytes; ru_maxrss (offset 16) is set.
    l.mem().write(buf, &[0xee; 128]).unwrap();
    assert_eq!(sys(&mut l, Sysno::getrusage, &[0, buf]), 0);
    assert_ne!(l.mem().read_u32(buf + 16).unwrap(), 0);
    assert!(l.mem().read_u32(buf + 4).unwrap() < 1_000_000);
    assert_eq!(l.mem().read_u32(buf + 72).unwrap(), 0xeeee_eeee);
    // times: four 32-bit clock_t.
    l.mem().write(buf, &[0xee; 32]).unwrap();
    assert!(ok(sys(&mut l, Sysno::times, &[buf])));
    assert_eq!(l.mem().read_u32(buf + 16).unwrap(), 0xeeee_eeee);
    // wait4 without children.
    assert_eq!(
        sys(
            &mut l,
            Sysno::wait4,
            &[u32::MAX as u64, 0, libc::WNOHANG as u64, buf]
        ),
        err(libc::ECHILD)
    );
    // sched_getaffinity with a 4-byte mask (the host needs 8).
    let n = sys(&mut l, Sysno::sched_getaffinity, &[0, 4, buf]);
    assert_eq!(n, 4);
    assert_ne!(l.mem().read_u32(buf).unwrap(), 0);
    assert_eq!(
        sys(&mut l, Sysno::sched_getaffinity, &[0, 6, buf]),
        err(libc::EINVAL)
    );
}

#[test]
fn siginfo_from_the_guest_is_widened() {
    // sigqueue data from the guest: pid, uid, sigval at 12/16/20 go to 16/20/24.
    let put = |b: &mut [u8], o: usize, v: u32| b[o..o + 4].copy_from_slice(&v.to_le_bytes());
    let get = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let mut g = [0u8; abi::SIGINFO_SIZE];
    put(&mut g, 0, libc::SIGUSR1 as u32);
    put(&mut g, 8, (-1i32) as u32); // SI_QUEUE
    put(&mut g, 12, 55);
    put(&mut g, 16, 66);
    put(&mut g, 20, 0xabcd);
    let h = crate::sigframe::siginfo_from_arm(&g);
    assert_eq!(
        [get(&h, 16), get(&h, 20), get(&h, 24), get(&h, 28)],
        [55, 66, 0xabcd, 0]
    );
    assert_eq!(crate::sigframe::siginfo_to_arm(&h), g);
}

#[test]
fn every_call_the_a64_table_implements_is_implemented_for_32_bit() {
    let missing: Vec<&str> = crate::sysno::arm::ALL
        .iter()
        .filter(|&&s| {
            super::a64_by_name(s).is_some_and(|a| crate::dispatch::a64_entry(a).is_some())
                && super::entry(s).is_none()
        })
        .map(|s| s.name())
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
}

#[test]
fn queued_and_timer_signals_carry_32_bit_siginfo_and_sigevent() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let (usr1, usr2) = (libc::SIGUSR1 as u64, libc::SIGUSR2 as u64);
    // Block both in this thread (the guest mask is this host thread's).
    let set = buf;
    l.mem()
        .write_u64(set, (1 << (usr1 - 1)) | (1 << (usr2 - 1)))
        .unwrap();
    let old = buf + 8;
    assert_eq!(
        sys(
            &mut l,
            Sysno::rt_sigprocmask,
            &[libc::SIG_BLOCK as u64, set, old, 8]
        ),
        0
    );
    // SAFETY: no arguments.
    let (pid, tid) = (std::process::id() as u64, unsafe { libc::gettid() } as u64);
    // rt_tgsigqueueinfo with a 32-bit siginfo: SI_QUEUE, pid, uid, sigval at 12/16/20.
    let info = buf + 64;
    l.mem().write(info, &[0; 128]).unwrap();
    l.mem().write_u32(info, usr1 as u32).unwrap();
    l.mem().write_u32(info + 8, (-1i32) as u32).unwrap();
    l.mem().write_u32(info + 12, pid as u32).unwrap();
    l.mem().write_u32(info + 20, 0xabcd).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::rt_tgsigqueueinfo, &[pid, tid, usr1, info]),
        0
    );
    let only1 = buf + 16;
    l.mem().write_u64(only1, 1 << (usr1 - 1)).unwrap();
    let out = buf + 256;
    let ts = buf + 48;
    l.mem().write_u64(ts, 1).unwrap(); // 1 s, time32
    assert_eq!(
        sys(&mut l, Sysno::rt_sigtimedwait, &[only1, out, ts, 8]),
        usr1
    );
    assert_eq!(l.mem().read_u32(out + 8).unwrap(), (-1i32) as u32);
    assert_eq!(l.mem().read_u32(out + 12).unwrap() as u64, pid);
    assert_eq!(l.mem().read_u32(out + 20).unwrap(), 0xabcd);
    // A POSIX timer with a 32-bit sigevent: sigval 0x77, SIGUSR2, SIGEV_THREAD_ID to us.
    let sev = buf + 512;
    l.mem().write(sev, &[0; 64]).unwrap();
    l.mem().write_u32(sev, 0x77).unwrap();
    l.mem().write_u32(sev + 4, usr2 as u32).unwrap();
    l.mem().write_u32(sev + 8, 4).unwrap(); // SIGEV_THREAD_ID
    l.mem().write_u32(sev + 12, tid as u32).unwrap();
    let id = buf + 600;
    let mono = libc::CLOCK_MONOTONIC as u64;
    assert_eq!(sys(&mut l, Sysno::timer_create, &[mono, sev, id]), 0);
    let timer = l.mem().read_u32(id).unwrap() as u64;
    let its = buf + 640;
    l.mem().write(its, &[0; 16]).unwrap();
    l.mem().write_u32(its + 12, 1_000_000).unwrap(); // it_value 1 ms (time32)
    assert_eq!(sys(&mut l, Sysno::timer_settime, &[timer, 0, its, 0]), 0);
    let only2 = buf + 24;
    l.mem().write_u64(only2, 1 << (usr2 - 1)).unwrap();
    // rt_sigtimedwait_time64: a 16-byte timeout, the siginfo still 32-bit.
    l.mem().write_u64(buf + 32, 1).unwrap();
    l.mem().write_u64(buf + 40, 0).unwrap();
    assert_eq!(
        sys(
            &mut l,
            Sysno::rt_sigtimedwait_time64,
            &[only2, out, buf + 32, 8]
        ),
        usr2
    );
    assert_eq!(
        l.mem().read_u32(out + 8).unwrap(),
        (-2i32) as u32,
        "SI_TIMER"
    );
    assert_eq!(l.mem().read_u32(out + 20).unwrap(), 0x77, "sigval");
    assert_eq!(sys(&mut l, Sysno::timer_delete, &[timer]), 0);
    assert_eq!(
        sys(
            &mut l,
            Sysno::rt_sigprocmask,
            &[libc::SIG_SETMASK as u64, old, 0, 8]
        ),
        0
    );
}

#[test]
fn waitid_without_children_and_16_bit_group_lists() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    let (p_all, wexited) = (0u64, libc::WEXITED as u64);
    assert_eq!(
        sys(
            &mut l,
            Sysno::waitid,
            &[p_all, 0, buf, wexited | libc::WNOHANG as u64, buf + 256]
        ),
        err(libc::ECHILD)
    );
    assert_eq!(
        sys(&mut l, Sysno::waitid, &[p_all, 0, BAD, wexited, 0]),
        err(libc::EFAULT)
    );
    // getgroups with 16-bit gids: as many entries as the 32-bit call, 2 bytes each.
    let n = sys(&mut l, Sysno::getgroups32, &[64, buf]);
    assert!(ok(n) && n <= 64);
    l.mem().write(buf + 512, &[0xcc; 256]).unwrap();
    assert_eq!(sys(&mut l, Sysno::getgroups, &[64, buf + 512]), n);
    for i in 0..n {
        let g32 = l.mem().read_u32(buf + 4 * i).unwrap();
        let g16 = l.mem().slice(buf + 512 + 2 * i, 2, 0).unwrap();
        assert_eq!(g16, abi::high2low(g32).to_le_bytes());
    }
    assert_eq!(l.mem().slice(buf + 512 + 2 * n, 1, 0).unwrap(), [0xcc]);
    // A huge count only needs room for the groups there are.
    assert_eq!(
        sys(&mut l, Sysno::getgroups, &[0x7fff_ffff, buf + 4096 - 2 * n]),
        n
    );
}

#[test]
fn pre_rt_signal_calls_use_32_signal_masks() {
    let mut l = linux32();
    let buf = scratch(&mut l, 4096);
    // struct old_sigaction: handler, mask, flags, restorer.
    let act = buf;
    l.mem().write_u32(act, libc::SIG_IGN as u32).unwrap();
    l.mem().write_u32(act + 4, 1 << 2).unwrap();
    l.mem().write_u32(act + 8, 0x1000_0000).unwrap();
    l.mem().write_u32(act + 12, 0x2_0000).unwrap();
    let sig = libc::SIGURG as u64;
    assert_eq!(sys(&mut l, Sysno::sigaction, &[sig, act, 0]), 0);
    // The rt view: the same action with a 64-bit mask.
    let rt = buf + 64;
    assert_eq!(sys(&mut l, Sysno::rt_sigaction, &[sig, 0, rt, 8]), 0);
    assert_eq!(l.mem().read_u32(rt).unwrap(), libc::SIG_IGN as u32);
    assert_eq!(l.mem().read_u32(rt + 4).unwrap(), 0x1000_0000);
    assert_eq!(l.mem().read_u64(rt + 12).unwrap(), 1 << 2);
    let old = buf + 128;
    l.mem().write(act, &[0; 16]).unwrap();
    assert_eq!(sys(&mut l, Sysno::sigaction, &[sig, act, old]), 0);
    assert_eq!(l.mem().read_u32(old).unwrap(), libc::SIG_IGN as u32);
    assert_eq!(l.mem().read_u32(old + 4).unwrap(), 1 << 2);
    assert_eq!(l.mem().read_u32(old + 12).unwrap(), 0x2_0000);
    assert_eq!(
        sys(&mut l, Sysno::sigaction, &[libc::SIGKILL as u64, act, 0]),
        err(libc::EINVAL)
    );
    assert_eq!(
        sys(&mut l, Sysno::sigaction, &[sig, BAD, 0]),
        err(libc::EFAULT)
    );
    // sigprocmask: SIG_SETMASK replaces signals 1..32 only; a real-time signal stays blocked.
    let rt_bit = 1u64 << (40 - 1);
    let set = buf + 256;
    l.mem()
        .write_u64(set, rt_bit | 1 << (libc::SIGUSR1 - 1))
        .unwrap();
    let saved = buf + 264;
    assert_eq!(
        sys(
            &mut l,
            Sysno::rt_sigprocmask,
            &[libc::SIG_BLOCK as u64, set, saved, 8]
        ),
        0
    );
    l.mem().write_u32(set, 1 << (libc::SIGUSR2 - 1)).unwrap();
    let old32 = buf + 272;
    let setmask = libc::SIG_SETMASK as u64;
    assert_eq!(sys(&mut l, Sysno::sigprocmask, &[setmask, set, old32]), 0);
    assert_ne!(
        l.mem().read_u32(old32).unwrap() & 1 << (libc::SIGUSR1 - 1),
        0
    );
    let now = buf + 280;
    assert_eq!(sys(&mut l, Sysno::rt_sigprocmask, &[0, 0, now, 8]), 0);
    let m = l.mem().read_u64(now).unwrap();
    assert_eq!(m & 0xffff_ffff, 1 << (libc::SIGUSR2 - 1));
    assert_ne!(m & rt_bit, 0);
    assert_eq!(
        sys(&mut l, Sysno::sigprocmask, &[99, set, 0]),
        err(libc::EINVAL)
    );
    // sigpending: a blocked SIGUSR2 sent to this thread shows in the 32-bit set.
    // SAFETY: signalling our own thread with a signal it blocks.
    unsafe {
        libc::syscall(
            libc::SYS_tgkill,
            libc::getpid(),
            libc::gettid(),
            libc::SIGUSR2,
        )
    };
    assert_eq!(sys(&mut l, Sysno::sigpending, &[old32]), 0);
    assert_ne!(
        l.mem().read_u32(old32).unwrap() & 1 << (libc::SIGUSR2 - 1),
        0
    );
    // Take it out again, then restore the mask and SIGURG's default.
    let only = buf + 300;
    l.mem().write_u64(only, 1 << (libc::SIGUSR2 - 1)).unwrap();
    assert_eq!(
        sys(&mut l, Sysno::rt_sigtimedwait, &[only, 0, 0, 8]),
        libc::SIGUSR2 as u64
    );
    assert_eq!(
        sys(&mut l, Sysno::rt_sigprocmask, &[setmask, saved, 0, 8]),
        0
    );
    l.mem().write(act, &[0; 16]).unwrap();
    assert_eq!(sys(&mut l, Sysno::sigaction, &[sig, act, 0]), 0);
}

#[test]
fn restartable_calls_follow_the_a64_list_and_the_32_bit_forms() {
    for s in [
        Sysno::read,
        Sysno::wait4,
        Sysno::fcntl64,
        Sysno::recv,
        Sysno::futex_time64,
    ] {
        assert!(super::restartable(s), "{}", s.name());
    }
    for s in [
        Sysno::nanosleep,
        Sysno::poll,
        Sysno::_newselect,
        Sysno::rt_sigsuspend,
    ] {
        assert!(!super::restartable(s), "{}", s.name());
    }
}
