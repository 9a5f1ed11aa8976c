//! A Go program and a Java virtual machine from Debian's arm64 packages, run from the sysroot
//! that `scripts/sysroot-extra.sh` assembles (`armrun -L sysroot sysroot/PROG`, binfmt_misc not
//! involved): fzf (the Go runtime: its own scheduler threads, futexes, signals for goroutine
//! preemption) filtering real input, and OpenJDK 17's `java` (HotSpot: the template interpreter
//! and the C1/C2 compilers write code at run time, many threads, a CDS archive mapped at a fixed
//! address) printing its version and running a class compiled by the host's `javac`. Each run
//! has a time limit after which the child is killed, so a hang fails the test instead of CI.

mod common;
use common::*;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The JRE's home inside the sysroot (its `bin/java` is what the package's alternatives link
/// would point /usr/bin/java at).
const JAVA_HOME: &str = "usr/lib/jvm/java-17-openjdk-arm64";

fn sysroot() -> PathBuf {
    let p = repo().join(".cache/sysroot-extra-arm64");
    assert!(
        p.join(".armrun-packages").exists(),
        "{} missing: run scripts/sysroot-extra.sh (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The package's upstream version from the stamp scripts/sysroot-extra.sh writes: for
/// `openjdk-17-jre-headless_17.0.21.1+2-1~deb12u1_arm64`, `17.0.21.1`.
fn upstream_version(pkg: &str) -> String {
    let stamp = std::fs::read_to_string(sysroot().join(".armrun-packages")).unwrap();
    let line = stamp
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{pkg}_")))
        .unwrap_or_else(|| panic!("{pkg} not in the extra sysroot"));
    // Debian version: [epoch%3A]upstream[-revision]; OpenJDK's upstream part has a +build.
    let v = line.split_once("%3A").map_or(line, |(_, v)| v);
    v.split(['-', '+']).next().unwrap().to_owned()
}

/// What a run gave back.
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Sends SIGKILL to every process of process group `pgid`.
fn kill_group(pgid: u32) {
    // SAFETY: kill has no memory arguments; a negative pid names the group the test created
    // for this run (process_group(0)), so nothing else is hit.
    unsafe { libc::kill(-(pgid as i32), libc::SIGKILL) };
}

/// True while any process of group `pgid` exists (zombies included, until reaped).
fn group_alive(pgid: u32) -> bool {
    // SAFETY: signal 0 only checks that the group exists; no memory arguments.
    unsafe { libc::kill(-(pgid as i32), 0) == 0 }
}

/// Runs `args` (the program first, a path inside the sysroot) under `armrun -L sysroot`, feeding
/// `input` on stdin; kills it and fails the test if it takes longer than `secs` seconds. Output
/// is drained by threads while the child runs, so a chatty program cannot block on a full pipe.
/// The run has its own process group: a timeout kills its children too (a forked child stuck
/// in a lock would otherwise keep the pipes open and the test waiting), and children still
/// there after the program exits fail the test.
fn arm(args: &[&str], input: &str, cwd: &Path, secs: u64) -> Run {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let root = sysroot();
    let mut child = Command::new(armrun())
        .arg("-L")
        .arg(&root)
        .arg(root.join(args[0]))
        .args(&args[1..])
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let pgid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let feeder = std::thread::spawn(move || {
        // A program that exits without reading all of it closes the pipe: not an error here.
        let _ = stdin.write_all(input.as_bytes());
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            r.read_to_end(&mut s).unwrap();
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            kill_group(pgid);
            let _ = child.wait();
            let (o, e) = (out.join().unwrap(), err.join().unwrap());
            panic!("armrun {args:?} did not finish in {secs} s\nstdout:\n{o}\nstderr:\n{e}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Children the program started have exited (and been reaped by init) by now, or soon.
    let linger = Instant::now() + Duration::from_secs(10);
    while group_alive(pgid) && Instant::now() < linger {
        std::thread::sleep(Duration::from_millis(20));
    }
    if group_alive(pgid) {
        kill_group(pgid);
        let (o, e) = (out.join().unwrap(), err.join().unwrap());
        panic!("armrun {args:?} left processes running\nstdout:\n{o}\nstderr:\n{e}");
    }
    feeder.join().unwrap();
    Run {
        status: status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn workdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("real-go-java")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn go_fzf_filters() {
    let d = workdir("fzf");
    let fzf = "usr/bin/fzf";
    let r = arm(&[fzf, "--version"], "", &d, 120);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{} (debian)\n", upstream_version("fzf")));

    // Fuzzy match, ranked by fzf's score and then by length.
    let r = arm(&[fzf, "-f", "ab"], "xAby\nab\nzzz\nabc\nA-B\n", &d, 120);
    assert_eq!(
        (r.status, r.stdout.as_str()),
        (0, "ab\nabc\nA-B\nxAby\n"),
        "{}",
        r.stderr
    );
    // Nothing matches: exit status 1 and no output.
    let r = arm(&[fzf, "-f", "ab"], "zzz\nq\n", &d, 120);
    assert_eq!((r.status, r.stdout.as_str()), (1, ""), "{}", r.stderr);

    // Many lines: the matcher splits them over goroutines on several threads. An exact
    // (substring, case-insensitive for a lowercase pattern) match in input order is easy to
    // compute here.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let lines: Vec<String> = (0..40_000)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("{i} {:x} {:X}", x >> 20, x & 0xfffff)
        })
        .collect();
    let input = lines.join("\n") + "\n";
    let expected: String = lines
        .iter()
        .filter(|l| l.to_lowercase().contains("be7"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        expected.lines().count() > 100,
        "the pattern should match a lot"
    );
    let r = arm(&[fzf, "-e", "--no-sort", "-f", "be7"], &input, &d, 300);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stdout == expected,
        "fzf -e --no-sort -f be7 differs; stderr:\n{}",
        r.stderr
    );
}

#[test]
fn java_version() {
    let d = workdir("java-version");
    let java = format!("{JAVA_HOME}/bin/java");
    let r = arm(&[&java, "-version"], "", &d, 300);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let lines: Vec<&str> = r.stderr.lines().collect();
    let v = upstream_version("openjdk-17-jre-headless");
    assert!(
        lines[0].starts_with(&format!("openjdk version \"{v}\"")),
        "{}",
        r.stderr
    );
    assert!(
        lines[1].starts_with("OpenJDK Runtime Environment"),
        "{}",
        r.stderr
    );
    assert!(
        lines[2].starts_with("OpenJDK 64-Bit Server VM"),
        "{}",
        r.stderr
    );
    assert_eq!(lines.len(), 3, "{}", r.stderr);
}

/// A class doing architecture-neutral work: string formatting, collections, streams on the
/// common fork-join pool, a caught exception in interpreted code, long and double arithmetic
/// in a loop hot enough to be compiled (on-stack replacement), a file written and read back,
/// and a child process (started through the JRE's jspawnhelper, an arm64 program itself:
/// armrun runs it by re-executing itself) whose output leaves out its version line.
const HELLO: &str = r#"
import java.nio.file.*;
import java.util.*;
import java.util.stream.*;

public class Hello {
    public static void main(String[] args) throws Exception {
        System.out.println("Hello from " + System.getProperty("os.arch") + " " + args.length);
        long s = 0;
        double f = 0;
        for (int i = 0; i < 2_000_000; i++) {
            s += (long) i * i % 7;
            f += Math.sqrt(i) / (i + 1);
        }
        System.out.println("sum " + s + String.format(" %.6f", f));
        Map<String, Integer> m = new TreeMap<>();
        for (String w : "the quick brown fox jumps over the lazy dog the end".split(" ")) {
            m.merge(w, 1, Integer::sum);
        }
        System.out.println(m);
        System.out.println(IntStream.range(0, 1000).parallel().map(x -> x * 3).sum());
        System.out.println(Stream.of(args).map(String::toUpperCase).collect(Collectors.joining(",")));
        try {
            Object o = null;
            o.hashCode();
        } catch (NullPointerException e) {
            System.out.println("caught " + e.getClass().getSimpleName());
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) b.append(Integer.toHexString(i * 0x9e3779b9));
        System.out.println(b.toString().hashCode());
        Path tmp = Files.createTempFile("armrun", ".txt");
        Files.writeString(tmp, m.toString() + "\n" + s + "\n");
        System.out.println(Files.readAllLines(tmp) + " " + Files.size(tmp));
        Files.delete(tmp);
        String helper = System.getProperty("java.home") + "/lib/jspawnhelper";
        Process p = new ProcessBuilder(helper, "x").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        System.out.println("child exit " + p.waitFor());
        out.lines().filter(l -> !l.contains("version")).forEach(System.out::println);
    }
}
"#;

/// Compiles `src` (class `name`) with the host's `javac` into `dir`: class files are the same
/// on every architecture.
fn javac(dir: &Path, name: &str, src: &str) {
    std::fs::write(dir.join(format!("{name}.java")), src).unwrap();
    let st = Command::new("javac")
        .args(["-d", ".", &format!("{name}.java")])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!("javac not runnable ({e}); scripts/deps.sh installs openjdk-17-jdk-headless")
        });
    assert!(st.success(), "javac {name}.java failed");
}

/// Runs class `name` (compiled from `src` by the host's `javac`) with `args` under armrun's
/// arm64 `java`, and checks it exits 0 with nothing on stderr and the output of the host's
/// JDK 17, in which `amd64` (`os.arch`) reads `aarch64`.
fn java_same_as_host(name: &str, src: &str, args: &[&str]) {
    let d = workdir(&format!("java-{name}"));
    javac(&d, name, src);
    let java = format!("{JAVA_HOME}/bin/java");
    let mut argv = vec![java.as_str(), "-cp", ".", name];
    argv.extend(args);
    let r = arm(&argv, "", &d, 600);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let native = Command::new("java")
        .args(&argv[1..])
        .current_dir(&d)
        .output()
        .unwrap();
    assert!(native.status.success());
    let native = String::from_utf8(native.stdout)
        .unwrap()
        .replace("amd64", "aarch64");
    assert_eq!(r.stdout, native, "stderr:\n{}", r.stderr);
    assert_eq!(r.stderr, "");
}

#[test]
fn java_runs_a_class() {
    java_same_as_host("Hello", HELLO, &["one", "two"]);
}

/// Exceptions HotSpot raises from hardware faults in compiled code: an implicit null check (a
/// load through null faults and the SIGSEGV handler turns it into a NullPointerException at
/// that pc) and a StackOverflowError from the guard pages below the thread's stack (stack
/// banging). Bounds and division checks are explicit on arm64 but take the same exception
/// paths. The loops run long enough for C1 and C2 to compile `len` and `main` (OSR).
const FAULTS: &str = r#"
public class Faults {
    static int len(String s) { return s.length(); }
    static int deep = 0;
    static void recurse() { deep++; recurse(); }

    public static void main(String[] args) {
        String[] xs = {"ab", "cde", null, "f"};
        long n = 0, npe = 0;
        for (int i = 0; i < 400_000; i++) {
            try { n += len(xs[i & 3]); } catch (NullPointerException e) { npe++; }
        }
        System.out.println("npe " + n + " " + npe);
        int[] arr = new int[10];
        long aioobe = 0, ae = 0;
        for (int i = 0; i < 200_000; i++) {
            try { arr[i % 12] += i; } catch (ArrayIndexOutOfBoundsException e) { aioobe++; }
            try { n += 1000 / (i % 5); } catch (ArithmeticException e) { ae++; }
        }
        System.out.println("bounds " + aioobe + " div " + ae + " " + java.util.Arrays.stream(arr).sum() + " " + n);
        try {
            recurse();
        } catch (StackOverflowError e) {
            System.out.println("stack overflow caught, deeper than 1000: " + (deep > 1000));
        }
    }
}
"#;

#[test]
fn java_compiled_code_faults() {
    java_same_as_host("Faults", FAULTS, &[]);
}

/// Java threads (each a guest thread on its own host thread): a pool running compiled loops
/// with a monitor and an atomic while the main thread forces full collections (every thread
/// stops at safepoints: polls in compiled code, handshakes), a wait/notify ping-pong (futexes),
/// a call site devirtualised for one class and deoptimised when a second class arrives, and a
/// parallel stream merging into a ConcurrentHashMap (CAS loops on several threads).
const THREADS: &str = r#"
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.stream.*;

public class Threads {
    interface Shape { double area(); }
    record Sq(double s) implements Shape { public double area() { return s * s; } }
    record Circ(double r) implements Shape { public double area() { return 3 * r * r; } }

    public static void main(String[] args) throws Exception {
        AtomicLong total = new AtomicLong();
        Object lock = new Object();
        long[] shared = new long[1];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            fs.add(pool.submit(() -> {
                long s = 0;
                for (int i = 0; i < 3_000_000; i++) {
                    s += (i ^ id) % 13;
                    if ((i & 0xffff) == 0) synchronized (lock) { shared[0]++; }
                }
                total.addAndGet(s);
                return s;
            }));
        }
        for (int k = 0; k < 10; k++) {
            byte[][] g = new byte[2000][];
            for (int i = 0; i < g.length; i++) g[i] = new byte[512];
            System.gc();
        }
        long sum = 0;
        for (Future<Long> f : fs) sum += f.get();
        pool.shutdown();
        System.out.println("pool " + sum + " " + total.get() + " " + shared[0]);

        int[] turn = {0};
        Thread other = new Thread(() -> {
            for (int i = 0; i < 200; i++) {
                synchronized (turn) {
                    while (turn[0] % 2 == 0) try { turn.wait(); } catch (InterruptedException e) { return; }
                    turn[0]++;
                    turn.notify();
                }
            }
        });
        other.start();
        for (int i = 0; i < 200; i++) {
            synchronized (turn) {
                while (turn[0] % 2 == 1) turn.wait();
                turn[0]++;
                turn.notify();
            }
        }
        other.join();
        System.out.println("ping-pong " + turn[0]);

        Shape[] shapes = new Shape[100];
        for (int i = 0; i < 100; i++) shapes[i] = new Sq(i);
        double a = 0;
        for (int r = 0; r < 2000; r++) for (Shape s : shapes) a += s.area();
        for (int i = 0; i < 100; i += 2) shapes[i] = new Circ(i);
        for (int r = 0; r < 2000; r++) for (Shape s : shapes) a += s.area();
        System.out.println("shapes " + a);

        ConcurrentHashMap<Integer, Integer> m = new ConcurrentHashMap<>();
        IntStream.range(0, 100_000).parallel().forEach(i -> m.merge(i % 1000, i, Integer::sum));
        System.out.println("map " + m.size() + " " + m.values().stream().mapToLong(x -> x).sum());
    }
}
"#;

#[test]
fn java_threads_and_gc() {
    java_same_as_host("Threads", THREADS, &[]);
}
