// Real Debian programs, dynamically linked, run from the sysroot that `scripts/sysroot.sh ARCH`
// assembles (`armrun -L sysroot sysroot/usr/bin/PROG`), for any guest architecture: included by
// `real_arm64.rs` and `real_armhf.rs`, which define `ARCH` (the Debian architecture) and `LDSO`
// (its dynamic loader) and import `common`. Output is compared with the native amd64 build of
// the same Debian package where the result is architecture-neutral; each check names the
// package version it ran.

use std::path::{Path, PathBuf};
use std::process::Command;

fn sysroot() -> PathBuf {
    let p = repo().join(format!(".cache/sysroot-{ARCH}"));
    assert!(
        p.join(".armrun-packages").exists(),
        "{} missing: run scripts/sysroot.sh {ARCH} (scripts/test.sh does)",
        p.display()
    );
    p
}

/// The package version recorded by scripts/sysroot.sh, e.g. `coreutils_9.1-1_arm64`.
fn version(pkg: &str) -> String {
    let stamp = std::fs::read_to_string(sysroot().join(".armrun-packages")).unwrap();
    stamp
        .lines()
        .find(|l| l.starts_with(&format!("{pkg}_")))
        .unwrap_or_else(|| panic!("{pkg} not in the sysroot"))
        .to_owned()
}

/// Runs `prog` (a path inside the sysroot, e.g. `/usr/bin/sort`) under armrun with `-L`.
fn arm(prog: &str, args: &[&str], cwd: &Path) -> (Outcome, String) {
    let root = sysroot();
    let o = Command::new(armrun())
        .arg("-L")
        .arg(&root)
        .arg(root.join(prog.trim_start_matches('/')))
        .args(args)
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (outcome_of(o), err)
}

fn native(prog: &str, args: &[&str], cwd: &Path) -> Outcome {
    let o = Command::new(prog)
        .args(args)
        .current_dir(cwd)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("native {prog}: {e}"));
    outcome_of(o)
}

fn outcome_of(o: std::process::Output) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    Outcome {
        status: o
            .status
            .code()
            .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0)),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
    }
}

/// Same stdout and status as the native amd64 program.
fn same_as_native(pkg: &str, prog: &str, args: &[&str], cwd: &Path) -> Outcome {
    let (a, err) = arm(prog, args, cwd);
    let n = native(prog, args, cwd);
    assert_eq!(
        a,
        n,
        "{} {prog} {args:?}: armrun differs from native; stderr:\n{err}",
        version(pkg)
    );
    println!("ok: {} {prog} {args:?}", version(pkg));
    a
}

fn workdir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("real-{ARCH}"))
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Deterministic text: numbered lines with pseudo-random words.
fn text(lines: usize) -> String {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut s = String::new();
    for i in 0..lines {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(&format!(
            "{:06} w{:x} {} {}\n",
            (x % 100_000),
            x >> 40,
            i,
            ["alpha", "beta", "gamma"][i % 3]
        ));
    }
    s
}

#[test]
fn coreutils() {
    let d = workdir("coreutils");
    std::fs::write(d.join("in.txt"), text(5000)).unwrap();
    std::fs::write(d.join("seed"), vec![7u8; 4096]).unwrap();
    for i in 0..30 {
        std::fs::write(d.join(format!("f{i:02}")), vec![b'x'; i * 100]).unwrap();
    }
    // Thousands of entries: a 32-bit guest's readdir needs directory offsets that fit its
    // off_t (the host's are 64-bit hashes on most file systems).
    std::fs::create_dir_all(d.join("many")).unwrap();
    for i in 0..3000 {
        std::fs::write(d.join(format!("many/entry-{i:04}")), b"").unwrap();
    }
    let c = "coreutils";
    same_as_native(c, "/usr/bin/ls", &["-la", "--time-style=+%s", "."], &d);
    same_as_native(c, "/usr/bin/ls", &["-la", "--time-style=+%s", "many"], &d);
    same_as_native(c, "/usr/bin/sort", &["-n", "in.txt"], &d);
    same_as_native(c, "/usr/bin/sort", &["-k2", "-r", "in.txt"], &d);
    same_as_native(
        c,
        "/usr/bin/sort",
        &["-R", "--random-source=seed", "in.txt"],
        &d,
    );
    same_as_native(c, "/usr/bin/sha256sum", &["in.txt", "seed"], &d);
    same_as_native(c, "/usr/bin/wc", &["in.txt"], &d);
    same_as_native(
        c,
        "/usr/bin/date",
        &["-d", "2024-02-29 13:14:15", "+%s %A %j"],
        &d,
    );
    same_as_native(
        c,
        "/usr/bin/stat",
        &["-c", "%s %a %F %h", "in.txt", "."],
        &d,
    );
    same_as_native(c, "/usr/bin/seq", &["-w", "1", "7", "100"], &d);
    let (o, err) = arm(
        "/usr/bin/dd",
        &["if=in.txt", "of=copy.txt", "bs=4096", "status=none"],
        &d,
    );
    assert_eq!(o.status, 0, "{err}");
    assert_eq!(
        std::fs::read(d.join("copy.txt")).unwrap(),
        std::fs::read(d.join("in.txt")).unwrap()
    );
}

#[test]
fn text_tools() {
    let d = workdir("text");
    std::fs::write(d.join("in.txt"), text(3000)).unwrap();
    same_as_native(
        "grep",
        "/usr/bin/grep",
        &["-E", "-c", "w[0-9a-f]{3}7 .* beta", "in.txt"],
        &d,
    );
    same_as_native("grep", "/usr/bin/grep", &["-E", "^0+[1-3]", "in.txt"], &d);
    same_as_native(
        "sed",
        "/usr/bin/sed",
        &["-E", "s/w([0-9a-f]+)/<\\1>/; 5~7d", "in.txt"],
        &d,
    );
    same_as_native(
        "gawk",
        "/usr/bin/gawk",
        &[
            "{ n[$4]++; s += $1 } END { for (k in n) print k, n[k]; printf \"%.3f\\n\", s / NR }",
            "in.txt",
        ],
        &d,
    );
    same_as_native(
        "perl-base",
        "/usr/bin/perl",
        &[
            "-ne",
            "$c{$4}++ if /^(\\d+) w([0-9a-f]+) (\\d+) (\\w+)/; END { print map { \"$_=$c{$_}\\n\" } sort keys %c }",
            "in.txt",
        ],
        &d,
    );
}

#[test]
fn python3() {
    let d = workdir("python");
    std::fs::write(d.join("a.txt"), "one").unwrap();
    let script = r#"
import json, re, hashlib, struct, zlib, sqlite3, datetime, os
data = {"n": [i * i for i in range(20)], "s": "caf\u00e9"}
j = json.dumps(data, sort_keys=True)
print(j, json.loads(j) == data)
print(re.findall(r"(\d)(\d)", "12 345 6789"))
print(hashlib.sha256(j.encode()).hexdigest(), hashlib.md5(b"abc").hexdigest())
print(struct.pack("<iqd", -5, 2**40, 1.5).hex(), struct.unpack(">H", b"\x01\x02"))
z = zlib.compress(j.encode() * 50, 9)
print(len(z), zlib.decompress(z) == j.encode() * 50, zlib.crc32(z))
db = sqlite3.connect(":memory:")
db.execute("create table t(a integer, b text)")
db.executemany("insert into t values (?, ?)", [(i, str(i) * 3) for i in range(100)])
print(db.execute("select count(*), sum(a), max(b) from t where a % 3 = 1").fetchone())
print(datetime.datetime(2024, 2, 29, 12, 0) + datetime.timedelta(days=400, hours=5))
print(sorted(os.listdir(".")), sum(x / 7 for x in range(1000)))
"#;
    same_as_native(
        "python3.11-minimal",
        "/usr/bin/python3",
        &["-c", script],
        &d,
    );
}

#[test]
fn sqlite3_cli() {
    let d = workdir("sqlite");
    let sql = "create table t(k integer primary key, v text);\n\
               with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000)\n\
               insert into t select x, hex(x * 7919) from c;\n\
               select count(*), sum(k), min(v), max(v) from t;\n\
               create index iv on t(v);\n\
               select k from t where v like '1F%' order by v limit 5;\n\
               select group_concat(k) from (select k from t where k % 997 = 0);\n";
    std::fs::write(d.join("q.sql"), sql).unwrap();
    let (a, err) = arm("/usr/bin/sqlite3", &["arm.db", ".read q.sql"], &d);
    let n = native("/usr/bin/sqlite3", &["native.db", ".read q.sql"], &d);
    assert_eq!(
        a,
        n,
        "{}: armrun differs from native; stderr:\n{err}",
        version("sqlite3")
    );
    // The database file armrun's sqlite3 wrote reads back the same in the native one.
    let dump = |db: &str| native("/usr/bin/sqlite3", &[db, ".dump"], &d);
    assert_eq!(dump("arm.db"), dump("native.db"));
    println!("ok: {} script and database file", version("sqlite3"));
}

#[test]
fn compressors_round_trip() {
    let d = workdir("compress");
    // 20 MB of mixed-entropy text, generated deterministically.
    let mut big = String::new();
    while big.len() < 20 << 20 {
        big.push_str(&text(2000));
    }
    std::fs::write(d.join("big"), &big).unwrap();
    for (pkg, prog, args, ext) in [
        ("xz-utils", "/usr/bin/xz", vec!["-6", "-k", "-T1"], "xz"),
        ("gzip", "/usr/bin/gzip", vec!["-k"], "gz"),
        ("bzip2", "/usr/bin/bzip2", vec!["-k"], "bz2"),
        (
            "zstd",
            "/usr/bin/zstd",
            vec!["-q", "--single-thread", "--no-asyncio"],
            "zst",
        ),
    ] {
        let out = format!("big.{ext}");
        let mut a = args.clone();
        a.push("big");
        let (o, err) = arm(prog, &a, &d);
        assert_eq!(o.status, 0, "{} compress: {err}", version(pkg));
        let arm_bytes = std::fs::read(d.join(&out)).unwrap();
        std::fs::remove_file(d.join(&out)).unwrap();
        let n = native(prog, &a, &d);
        assert_eq!(n.status, 0);
        let native_bytes = std::fs::read(d.join(&out)).unwrap();
        assert!(
            arm_bytes == native_bytes,
            "{}: compressed bytes differ from native",
            version(pkg)
        );
        std::fs::rename(d.join(&out), d.join(format!("n.{ext}"))).unwrap();
        let input = format!("n.{ext}");
        let mut dargs = vec!["-d", "-c"];
        dargs.extend(args.iter().filter(|a| **a == "--no-asyncio"));
        dargs.push(&input);
        let (o, err) = arm(prog, &dargs, &d);
        assert_eq!(o.status, 0, "{} decompress: {err}", version(pkg));
        assert!(
            o.stdout.as_bytes() == big.as_bytes(),
            "{}: round trip differs",
            version(pkg)
        );
        println!(
            "ok: {} round trip, {} bytes compressed",
            version(pkg),
            arm_bytes.len()
        );
    }
}

/// OpenSSL's GMAC: the GHASH of AES-GCM, which OpenSSL runs on the ARMv8 PMULL path armrun
/// advertises (PMULL with EOR, EXT and REV64 between, which the JIT keeps in xmm registers:
/// see `ir::inline`), over inputs of a few lengths, each giving native's tag.
#[test]
fn openssl_gmac() {
    let d = workdir("gmac");
    for len in [16, 100, 4096, 1 << 20] {
        let name = format!("in{len}");
        std::fs::write(d.join(&name), random_bytes(len as u64, len)).unwrap();
        let args = [
            "mac",
            "-cipher",
            "AES-128-GCM",
            "-macopt",
            "hexkey:000102030405060708090a0b0c0d0e0f",
            "-macopt",
            "hexiv:0f0e0d0c0b0a090807060504",
            "-in",
            &name,
            "GMAC",
        ];
        let o = same_as_native("openssl", "/usr/bin/openssl", &args, &d);
        assert_eq!(o.status, 0);
        assert_eq!(o.stdout.trim().len(), 32, "{}", o.stdout);
    }
}

/// OpenSSL's SHA-256 on the ARMv8 SHA256H/H2/SU0/SU1 path armrun advertises (with ADD of
/// words and REV32 of bytes between, which the JIT keeps in xmm registers: see `ir::inline`),
/// over inputs of a few lengths (empty, one block's padding edge, a megabyte), each giving
/// native's digest.
#[test]
fn openssl_sha256() {
    let d = workdir("sha256");
    for len in [0, 55, 64, 1000, 1 << 20] {
        let name = format!("in{len}");
        std::fs::write(d.join(&name), random_bytes(len as u64 + 7, len)).unwrap();
        let o = same_as_native("openssl", "/usr/bin/openssl", &["dgst", "-sha256", "-r", &name], &d);
        assert_eq!(o.status, 0);
        assert!(o.stdout.starts_with(|c: char| c.is_ascii_hexdigit()), "{}", o.stdout);
    }
}

#[test]
fn bash_and_busybox() {
    let d = workdir("bash");
    let script = "a=(3 1 2); echo ${#a[@]} ${a[*]} $((a[0] * 14)); declare -A m=([x]=1 [y]=2); echo ${m[y]}; \
                  f() { local i s=0; for ((i = 0; i < 500; i++)); do s=$((s + i * i)); done; echo $s; }; f; \
                  read -r h <<EOF\nhere $((6 * 7))\nEOF\necho \"$h\"; printf '%s-%05.1f\\n' x 3.14159; [[ abc =~ ^a(b)c$ ]] && echo ${BASH_REMATCH[1]}";
    same_as_native("bash", "/bin/bash", &["-c", script], &d);
    // A pipeline of ARM programs: bash forks and execs seq, sort and sha256sum, which armrun
    // re-enters from the sysroot (no binfmt_misc involved).
    std::fs::write(d.join("seed"), vec![3u8; 4096]).unwrap();
    let pipeline = "seq 1 3000 | sort -R --random-source=seed | sha256sum; \
                    echo ${PIPESTATUS[@]}; x=$(seq 5 | tac | tr '\\n' ' '); echo \"$x\"";
    same_as_native("coreutils", "/bin/bash", &["-c", pipeline], &d);
    let (o, err) = arm(
        "/bin/busybox",
        &[
            "sh",
            "-c",
            "i=0; while [ $i -lt 100 ]; do i=$((i + 3)); done; echo $i",
        ],
        &d,
    );
    assert_eq!(
        (o.status, o.stdout.as_str()),
        (0, "102\n"),
        "{} {err}",
        version("busybox")
    );
}

#[test]
fn busybox_dynamic_applets() {
    let d = workdir("busybox-dyn");
    std::fs::write(d.join("in.txt"), text(2000)).unwrap();
    let bb = "/bin/busybox";
    let run = |args: &[&str]| {
        let (o, err) = arm(bb, args, &d);
        assert_eq!(
            o.status,
            0,
            "{} busybox {args:?}: {err}",
            version("busybox")
        );
        o.stdout
    };
    let native_out = |prog: &str, args: &[&str]| native(prog, args, &d).stdout;
    assert_eq!(
        run(&["sort", "-n", "in.txt"]),
        native_out("/usr/bin/sort", &["-n", "in.txt"])
    );
    assert_eq!(
        run(&["sha256sum", "in.txt"]),
        native_out("/usr/bin/sha256sum", &["in.txt"])
    );
    assert_eq!(
        run(&["wc", "-l", "in.txt"]).split_whitespace().next(),
        Some("2000")
    );
    assert!(run(&["ls", "-1"]).contains("in.txt"));
    run(&["tar", "-cf", "a.tar", "in.txt"]);
    assert_eq!(run(&["tar", "-tf", "a.tar"]), "in.txt\n");
    std::fs::create_dir_all(d.join("x")).unwrap();
    run(&["tar", "-xf", "a.tar", "-C", "x"]);
    assert_eq!(
        std::fs::read(d.join("x/in.txt")).unwrap(),
        std::fs::read(d.join("in.txt")).unwrap()
    );
    let script = "n=0; for w in a b c d e; do n=$((n + 1)); done; case $n in 5) echo five;; esac; \
                  x=abcdef; echo ${x#ab} ${#x}; set -- p q r; echo $# $2";
    assert_eq!(run(&["sh", "-c", script]), "five\ncdef 6\n3 q\n");
    println!(
        "ok: {} (dynamic) sort sha256sum wc ls tar sh",
        version("busybox")
    );
}

/// python3's threading and subprocess modules: 8 threads with a lock and a queue, and a
/// subprocess pipeline of ARM programs.
#[test]
fn python3_threads_and_subprocess() {
    let d = workdir("py-threads");
    let script = r#"
import threading, queue, subprocess
q = queue.Queue(); total = [0]; lock = threading.Lock()
def worker(n):
    s = sum(i * i for i in range(20000))
    with lock:
        total[0] += s
    q.put(n)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print(total[0], sorted(q.get() for _ in range(8)))
out = subprocess.run("seq 1 100 | sort -rn | head -3", shell=True, capture_output=True, text=True)
print(out.stdout.split(), out.returncode)
"#;
    let (o, err) = arm("/usr/bin/python3", &["-c", script], &d);
    assert_eq!(o.status, 0, "{err}");
    assert_eq!(
        o.stdout,
        "21331733360000 [0, 1, 2, 3, 4, 5, 6, 7]\n['100', '99', '98'] 0\n"
    );
    println!("ok: {} threading and subprocess", version("python3.11-minimal"));
}

#[test]
fn ld_so_invoked_directly() {
    let d = workdir("ldso");
    let root = sysroot();
    let ldso = LDSO;
    // `ld.so --list PROG` loads PROG itself: the loader path and the program path both resolve
    // through the sysroot.
    let (o, err) = arm(ldso, &["--list", "/usr/bin/ls"], &d);
    assert_eq!(o.status, 0, "{err}");
    assert!(o.stdout.contains("libc.so.6 =>"), "{}", o.stdout);
    // Running a program through ld.so directly.
    let (o, err) = arm(
        ldso,
        &[root.join("usr/bin/echo").to_str().unwrap(), "via", "ld.so"],
        &d,
    );
    assert_eq!((o.status, o.stdout.as_str()), (0, "via ld.so\n"), "{err}");
    println!("ok: {} ld.so --list and direct run", version("libc6"));
}
