//! The 32-bit syscall layer end to end: the programs `tests/guest32/{files32,time32,time64,
//! net32,proc32,wrap32}.c`, built armhf A32, armhf Thumb-2 and armel (soft-float), must print the
//! expected lines under armrun's JIT (and, for one flavour, its interpreter). Where
//! qemu-arm-static can run a program it must print the same; it cannot list a large directory
//! on file systems with 64-bit directory offsets (readdir fails with EOVERFLOW), nor exec a
//! 32-bit program without binfmt_misc, which is why those two programs are checked against
//! their expected text only.

mod common;
use common::*;
use std::path::PathBuf;

/// (compiler, flags) of each flavour.
const FLAVOURS: [(&str, &[&str]); 3] = [
    ("arm-linux-gnueabihf-gcc", &["-static", "-O2", "-marm"]),
    ("arm-linux-gnueabihf-gcc", &["-static", "-O2", "-mthumb"]),
    ("arm-linux-gnueabi-gcc", &["-static", "-O2"]),
];

/// A scratch directory of this test process (several flavours and tests run at once).
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("armrun-a32sys-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Builds `tests/guest32/NAME.c` of every flavour and checks that each prints `expected` and
/// exits 0 under the JIT; `args_for` gives the arguments per flavour index. With `interp`, the
/// first flavour also runs on the interpreter; with `qemu`, qemu-arm-static must agree.
fn expect(
    name: &str,
    args_for: impl Fn(usize) -> Vec<String>,
    expected: &str,
    interp: bool,
    qemu: bool,
) {
    let want = Outcome {
        status: 0,
        stdout: expected.to_string(),
    };
    for (i, (cc, flags)) in FLAVOURS.iter().enumerate() {
        let prog = guest_in("guest32", name, cc, flags);
        let args = args_for(i);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut backends: Vec<&[&str]> = vec![&[]];
        if interp && i == 0 {
            backends.push(&["--interp"]);
        }
        for backend in backends {
            let (o, err) = run_armrun(backend, &prog, &args, &[]);
            assert_eq!(
                o, want,
                "{name} {cc} {flags:?} {backend:?}; armrun stderr:\n{err}"
            );
        }
        if qemu {
            let q = run_qemu_as("qemu-arm-static", &prog, &args, &[]);
            assert_eq!(q, want, "{name} {cc} {flags:?}: qemu-arm-static disagrees");
        }
    }
}

#[test]
fn file_io_stat64_large_offsets_and_readdir_of_2500_entries() {
    let dirs: Vec<PathBuf> = (0..FLAVOURS.len())
        .map(|i| scratch(&format!("files{i}")))
        .collect();
    expect(
        "files32",
        |i| vec![dirs[i].to_string_lossy().into_owned()],
        "read: 32-bit\n\
         pread64 at 5G: far\n\
         lseek past 2G: EOVERFLOW\n\
         fstat64 size=5368709126 regular=1\n\
         fstat (32-bit size): EOVERFLOW\n\
         fstat size=20 nlink=1\n\
         own lock seen by F_GETLK64: unlocked\n\
         readlink: data\n\
         stat64/lstat64/fstatat64 ok\n\
         truncate64 size=3221225472\n\
         statfs64 ok\n\
         readdir: 2502 entries, name sum 3123750\n\
         seekdir back: same entry\n\
         after rewinddir: 2502 entries\n\
         done\n",
        true,
        false,
    );
}

/// What time32.c prints after its first line, the size of `time_t`.
const TIME_LINES: &str = "clocks agree: 1\n\
                          monotonic resolution: 0.000000001\n\
                          slept >= 40ms: 1\n\
                          bad nanosleep: EINVAL\n\
                          itimer left ~100s: 1\n\
                          timerfd ticks: 1\n\
                          posix timer left ~50s: 1\n\
                          futex wait: ETIMEDOUT\n\
                          done\n";

#[test]
fn time32_calls() {
    let expected = format!("time_t bytes: 4\n{TIME_LINES}");
    expect("time32", |_| vec![], &expected, true, true);
}

#[test]
fn time64_calls() {
    let expected = format!("time_t bytes: 8\n{TIME_LINES}");
    expect("time64", |_| vec![], &expected, false, true);
}

/// What net32.c prints, with the socket timeout's length filled in.
fn net_lines(timeout_len: usize) -> String {
    format!(
        "tcp: ping\n\
         tcp back: pong\n\
         SO_RCVTIMEO: 0.020000 len {timeout_len}\n\
         recv timed out\n\
         poll: readable\n\
         select: readable\n\
         epoll: events 1 data 1122334455667788\n\
         recvmsg: hdr, controllen 16, fd says: through the fd\n\
         done\n"
    )
}

#[test]
fn sockets_scm_rights_poll_select_epoll() {
    expect("net32", |_| vec![], &net_lines(8), true, true);
}

#[test]
fn sockets_with_64_bit_time() {
    // SO_RCVTIMEO is SO_RCVTIMEO_NEW with a 16-byte timeval here, which qemu 7.2 does not
    // convert (it reports length 4 and zero), so only the expected text decides.
    expect("net64", |_| vec![], &net_lines(16), false, false);
}

#[test]
fn fork_wait4_execve_rlimits_uname_mmap2() {
    let children: Vec<PathBuf> = FLAVOURS
        .iter()
        .map(|(cc, flags)| guest_in("guest32", "child32", cc, flags))
        .collect();
    let files: Vec<PathBuf> = (0..FLAVOURS.len())
        .map(|i| scratch(&format!("proc{i}")))
        .collect();
    expect(
        "proc32",
        |i| {
            vec![
                children[i].to_string_lossy().into_owned(),
                files[i].to_string_lossy().into_owned(),
            ]
        },
        "machine: armv7l\n\
         ids consistent: 1\n\
         RLIMIT_NOFILE soft now 64\n\
         prlimit64 agrees: 1\n\
         sysinfo: ram>0 1 unit>0 1\n\
         mmap at page 2: cc\n\
         mremap keeps: kept\n\
         child exit 7, rusage sane 1\n\
         child argv[0]=child32\n\
         child argv[1]=one\n\
         child argv[2]=two words\n\
         child GREETING=from parent\n\
         exec child exit 3\n\
         execve missing: ENOENT\n",
        true,
        false,
    );
}

/// Addresses wrap at 4 GiB, in code hot enough to be translated in full too, where the JIT
/// folds a constant offset into the host access (`jit::addr_fold`): with the top page mapped
/// (which qemu-arm-static refuses), a small pointer minus an offset loads and stores there, and
/// the code keeps running afterwards.
#[test]
fn addresses_wrap_at_4_gib_in_hot_code() {
    expect(
        "wrap32",
        |_| Vec::new(),
        "warm: sum=250000\n\
         wrapped load: 0x5eed\n\
         wrapped store: 7\n\
         after: sum=250000\n",
        true,
        false,
    );
}

#[test]
fn strace_names_32_bit_calls() {
    let (cc, flags) = FLAVOURS[0];
    let prog = guest_in("guest32", "time32", cc, flags);
    let (o, err) = run_armrun(&["-strace"], &prog, &[], &[]);
    assert_eq!(o.status, 0, "{err}");
    // ARM names from the arm table, results as 32-bit values.
    assert!(err.contains("armrun: clock_gettime64(0x"), "{err}");
    assert!(err.contains("armrun: timer_settime64("), "{err}");
    assert!(err.contains("armrun: exit_group(0x0"), "{err}");
    assert!(err.contains("= -22 (Invalid argument"), "{err}");
    assert!(!err.contains("= 0xffffffff"), "{err}");
}

#[test]
fn arm_private_calls_and_unsupported_notes() {
    for (cc, flags) in FLAVOURS {
        let prog = guest_in("guest32", "private32", cc, flags);
        let (o, err) = run_armrun(&[], &prog, &[], &[]);
        assert_eq!(
            o,
            Outcome {
                status: 0,
                stdout: "get_tls is the thread pointer: 1\n\
                         cacheflush: ok, reversed EINVAL\n\
                         private 0xf0100: ENOSYS\n\
                         mq_open twice: ENOSYS\n"
                    .to_string()
            },
            "{cc} {flags:?}; stderr:\n{err}"
        );
        // Noted once per call, by the name in the ARM table.
        let note = "armrun: unsupported syscall mq_open (274)\n";
        assert_eq!(err.matches(note).count(), 1, "{err}");
    }
}
