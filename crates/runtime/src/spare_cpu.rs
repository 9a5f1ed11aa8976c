//! Whether the machine has a CPU to spare right now: the compiler thread waits for work by
//! spinning only then (see `background`). With two guest processes on two cores (`make -j2`
//! of a cross build), each one's spinning compiler thread took time the other's guest thread
//! wanted: two cc1 -O2 for armhf at once took 8.4 s, and 6.7 s with this (two python3 runs
//! 11% less, two sqlite3 runs 14%; one alone as before, within the noise). A guest thread
//! hands a sleeping compiler thread work only when a CPU is free for it too (see
//! `background::Compiler::submit`).

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// /proc/loadavg, opened by [`prepare`], or -1.
static LOADAVG: AtomicI32 = AtomicI32::new(-1);

/// Whether this process may run on one CPU only, as [`prepare`] found.
static ONE_CPU: AtomicBool = AtomicBool::new(false);

/// The machine's CPUs online, as [`prepare`] found (glibc reads a file for them).
static CPUS: AtomicU32 = AtomicU32::new(1);

/// Looks at what the compiler thread goes by, before any guest code runs: no descriptor may be
/// opened later, on the compiler thread or when it starts. One opened then takes the lowest
/// free number for a moment, and a guest's `dup2` onto that number fails with EBUSY (dash in
/// debootstrap's second stage: `4: Device or resource busy`, when /proc/loadavg was opened
/// there). Opens /proc/loadavg for [`SpareCpu`] on a descriptor out of the guest's way (a
/// guest that closes it, by `close_range`, leaves the count unread and the thread spinning as
/// if on a machine of its own), and notes whether the process is held to one CPU.
pub fn prepare() {
    // SAFETY: a NUL-terminated path; the descriptor, if any, is this module's from now on.
    let fd = unsafe { libc::open(c"/proc/loadavg".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd >= 0 {
        LOADAVG.store(crate::log::out_of_the_way(fd), Ordering::Relaxed);
    }
    ONE_CPU.store(held_to_one_cpu(), Ordering::Relaxed);
    // SAFETY: sysconf only reads a system setting.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    CPUS.store(u32::try_from(cpus).unwrap_or(1), Ordering::Relaxed);
}

/// Whether this process may run on one CPU's worth of time at most, as [`prepare`] found.
pub(crate) fn one_cpu() -> bool {
    ONE_CPU.load(Ordering::Relaxed)
}

/// Whether the calling thread may run on one CPU's worth of time at most: its affinity mask
/// (`taskset -c 0`), or the CPU quota of the cgroup v2 at /sys/fs/cgroup (a container's own:
/// `docker run --cpus=1`).
fn held_to_one_cpu() -> bool {
    // SAFETY: cpu_set_t is plain data that sched_getaffinity fills for the calling thread.
    let cpus = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        match libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) {
            0 => libc::CPU_COUNT(&set),
            _ => 2,
        }
    };
    let quota = std::fs::read("/sys/fs/cgroup/cpu.max")
        .ok()
        .and_then(|t| cpu_max_cpus(&t));
    cpus < 2 || quota.is_some_and(|q| q < 2.0)
}

/// The CPUs a cgroup v2 `cpu.max` allows (`quota period`, or `max period`: no limit).
fn cpu_max_cpus(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    let (quota, period) = text.trim().split_once(' ')?;
    let (quota, period): (f64, f64) = (quota.parse().ok()?, period.parse().ok()?);
    (period > 0.0).then(|| quota / period)
}

/// How long an answer stands before the next look (a look is a system call, a `pread`).
const FRESH: Duration = Duration::from_millis(1);

/// The machine's runnable threads against its CPUs, looked at now and then.
pub(crate) struct SpareCpu {
    /// CPUs online (of the machine, not of this process's share: the runnable count is the
    /// machine's too).
    cpus: u32,
    /// This process may run on one CPU's worth of time at most (its affinity, or its
    /// cgroup's quota, as `docker run --cpus=1` sets): any spinning takes the guest's time.
    alone: bool,
    /// When it last looked, and the runnable count it saw (`None`: unreadable).
    seen: Option<(Instant, Option<u32>)>,
}

impl SpareCpu {
    /// For the machine's CPUs and this process's hold on them, as [`prepare`] found.
    pub fn new() -> SpareCpu {
        SpareCpu::with(CPUS.load(Ordering::Relaxed), one_cpu())
    }

    /// For `cpus` online, the runnable count `count` read at `when` (for tests: a reading in
    /// the future stands until then).
    #[cfg(test)]
    pub fn seen(cpus: u32, count: u32, when: Instant) -> SpareCpu {
        SpareCpu {
            seen: Some((when, Some(count))),
            ..SpareCpu::with(cpus, false)
        }
    }

    /// For `cpus` online, the process held to one of them or not.
    fn with(cpus: u32, alone: bool) -> SpareCpu {
        SpareCpu {
            cpus: cpus.max(1),
            alone,
            seen: None,
        }
    }

    /// Whether the threads the kernel counts as runnable at `now` (the caller, which is
    /// running, among them) are no more than the CPUs online, so one spinning takes no time
    /// another would run in; never for a process held to one CPU. True when that count
    /// cannot be read (no /proc in a chroot): spinning is the better guess on a machine of
    /// its own.
    pub fn at(&mut self, now: Instant) -> bool {
        self.room_for(now, 0)
    }

    /// Whether `more` threads not running now could run at `now` beside the runnable ones
    /// without taking another's time (see [`SpareCpu::at`], which is this for none).
    pub fn room_for(&mut self, now: Instant, more: u32) -> bool {
        if self.alone {
            return false;
        }
        let count = match self.seen {
            Some((when, count)) if now.saturating_duration_since(when) < FRESH => count,
            _ => {
                let count = runnable();
                self.seen = Some((now, count));
                count
            }
        };
        count.is_none_or(|n| n.saturating_add(more) <= self.cpus)
    }
}

/// The machine's runnable threads: the numerator of /proc/loadavg's fourth field
/// (`running/total`), read from the start of the file [`prepare`] opened (no descriptor
/// is opened here).
fn runnable() -> Option<u32> {
    let fd = LOADAVG.load(Ordering::Relaxed);
    if fd < 0 {
        return None;
    }
    let mut buf = [0u8; 128];
    // SAFETY: reads at most the buffer's length into it; `pread` leaves the file offset alone.
    let n = unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    parse_runnable(&buf[..usize::try_from(n).ok()?])
}

/// The runnable count in the text of /proc/loadavg (`0.50 0.40 0.30 3/512 12345`).
fn parse_runnable(text: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(text).ok()?;
    let field = text.split_ascii_whitespace().nth(3)?;
    field.split_once('/')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runnable_count_is_loadavg_fourth_fields_numerator() {
        assert_eq!(parse_runnable(b"0.50 0.40 0.30 3/512 12345\n"), Some(3));
        assert_eq!(parse_runnable(b"2.25 2.10 1.82 1/107 13579"), Some(1));
        assert_eq!(parse_runnable(b"0.50 0.40"), None);
        assert_eq!(parse_runnable(b"0.50 0.40 0.30 x/5 1"), None);
    }

    #[test]
    fn a_cgroup_quota_is_cpus() {
        assert_eq!(cpu_max_cpus(b"150000 100000\n"), Some(1.5));
        assert_eq!(cpu_max_cpus(b"max 100000\n"), None);
        assert_eq!(cpu_max_cpus(b""), None);
    }

    /// A thread pinned to one CPU is held to one (the test's own thread, which ends with it).
    #[test]
    fn a_thread_pinned_to_one_cpu_is_held_to_one() {
        // SAFETY: cpu_set_t is plain data that CPU_ZERO/CPU_SET fill; pid 0 pins the calling
        // thread only.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_ZERO(&mut set);
            libc::CPU_SET(0, &mut set);
            let size = std::mem::size_of::<libc::cpu_set_t>();
            assert_eq!(libc::sched_setaffinity(0, size, &set), 0);
        }
        assert!(held_to_one_cpu());
    }

    /// A process held to one CPU never spins, whatever the machine's count says.
    #[test]
    fn a_process_held_to_one_cpu_has_none_to_spare() {
        let now = Instant::now();
        assert!(!SpareCpu::with(64, true).at(now));
        assert!(SpareCpu::with(u32::MAX, false).at(now));
        assert!(!SpareCpu::with(64, true).room_for(now, 1));
    }

    /// Room for more threads is CPUs the runnable ones leave; a reading stands for `FRESH`.
    #[test]
    fn room_is_the_cpus_the_runnable_threads_leave() {
        let now = Instant::now();
        let mut two_of_four = SpareCpu::seen(4, 2, now);
        assert!(two_of_four.at(now));
        assert!(two_of_four.room_for(now, 2));
        assert!(!two_of_four.room_for(now, 3));
        let mut full = SpareCpu::seen(2, 2, now);
        assert!(full.at(now + FRESH / 2));
        assert!(!full.room_for(now + FRESH / 2, 1));
        assert!(!SpareCpu::seen(2, 3, now).at(now));
    }

    /// This host's count reads, again and again from one descriptor, kept out of the guest's
    /// way, and counts the thread that reads it.
    #[test]
    fn this_machine_counts_at_least_the_reader() {
        prepare();
        assert!(LOADAVG.load(Ordering::Relaxed) >= 900);
        for _ in 0..3 {
            assert!(runnable().expect("/proc/loadavg reads") >= 1);
        }
        let mut spare = SpareCpu::new();
        let now = Instant::now();
        let first = spare.at(now);
        // Within FRESH the answer stands.
        assert_eq!(spare.at(now + FRESH / 2), first);
    }
}
