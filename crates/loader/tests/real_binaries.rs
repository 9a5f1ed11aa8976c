//! Loads real AArch64 binaries built by the cross compiler (static, static-pie, dynamic with
//! the sysroot's ld.so) and checks the initial stack and auxv read back through GuestMem.

use loader::stack::at;
use mem::GuestMem;
use std::path::{Path, PathBuf};
use std::process::Command;

const SRC: &str = "int main(int argc, char **argv) { return argc; }\n";

/// Compiles SRC with `aarch64-linux-gnu-gcc` and `flags`; `None` (with a notice) when the
/// compiler is absent.
fn compile(name: &str, flags: &[&str]) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("loader-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, SRC).unwrap();
    let out = dir.join(name);
    let r = Command::new("aarch64-linux-gnu-gcc")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .output();
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("notice: aarch64-linux-gnu-gcc not found, skipping the real-binary test");
            None
        }
        Err(e) => panic!("running aarch64-linux-gnu-gcc: {e}"),
        Ok(o) => {
            assert!(
                o.status.success(),
                "gcc failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(out)
        }
    }
}

fn word(m: &GuestMem, a: u64) -> u64 {
    m.read_u64(a).unwrap()
}

/// Loads `path` into a fresh address space and checks it.
fn check_binary(path: &Path, expect_dyn: bool) {
    let mut m = GuestMem::new64();
    check_in(&mut m, path, expect_dyn, None);
}

/// Loads `path` into `m` and checks the stack, the auxv and the mappings; returns the result.
fn check_in(
    m: &mut GuestMem,
    path: &Path,
    expect_dyn: bool,
    sysroot: Option<&Path>,
) -> loader::Loaded {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(loader::probe(&bytes).unwrap(), loader::Arch::A64);
    let e_entry = u64::from_le_bytes(bytes[24..32].try_into().unwrap());
    let phoff = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
    let phnum = u16::from_le_bytes(bytes[56..58].try_into().unwrap()) as usize;

    let argv = [b"hello".to_vec(), b"a".to_vec(), b"".to_vec()];
    let envp = [b"HOME=/root".to_vec(), b"LANG=C".to_vec()];
    let l = loader::load(m, path, &argv, &envp, sysroot).unwrap();
    let m = &*m;
    assert!(!l.is32);
    assert_eq!(l.sp % 16, 0);
    assert_eq!(l.brk % 4096, 0);

    // argc, argv, envp.
    assert_eq!(word(m, l.sp), 3);
    let mut p = l.sp + 8;
    for a in &argv {
        assert_eq!(&m.read_cstr(word(m, p), 4096).unwrap(), a);
        p += 8;
    }
    assert_eq!(word(m, p), 0);
    p += 8;
    for e in &envp {
        assert_eq!(&m.read_cstr(word(m, p), 4096).unwrap(), e);
        p += 8;
    }
    assert_eq!(word(m, p), 0);
    p += 8;
    // auxv.
    let mut aux = std::collections::HashMap::new();
    loop {
        let (k, v) = (word(m, p), word(m, p + 8));
        p += 16;
        if k == at::NULL {
            break;
        }
        assert!(aux.insert(k, v).is_none(), "duplicate auxv key {k}");
    }
    let bias = aux[&at::ENTRY] - e_entry;
    if expect_dyn {
        assert_ne!(bias, 0);
        assert_eq!(bias % 4096, 0);
    } else {
        assert_eq!(bias, 0);
    }
    assert_eq!(aux[&at::BASE], l.base);
    if l.interp.is_none() {
        assert_eq!(l.base, 0);
        assert_eq!(l.entry, aux[&at::ENTRY]);
    }
    assert_eq!(aux[&at::PHENT], 56);
    assert_eq!(aux[&at::PHNUM], phnum as u64);
    assert_eq!(aux[&at::PAGESZ], 4096);
    assert_eq!(aux[&at::CLKTCK], 100);
    assert_eq!(aux[&at::SECURE], 0);
    assert_eq!(aux[&at::HWCAP], loader::DEFAULT_HWCAP);
    assert_eq!(aux[&at::MINSIGSTKSZ], 5120);
    // SAFETY: getuid has no preconditions.
    assert_eq!(aux[&at::UID], u64::from(unsafe { libc::getuid() }));
    // AT_PHDR points at the program headers as they are in the file.
    assert_eq!(aux[&at::PHDR], l.phdr);
    let mut ph = vec![0u8; 56 * phnum];
    m.read(l.phdr, &mut ph).unwrap();
    assert_eq!(ph, &bytes[phoff..phoff + 56 * phnum]);
    assert_eq!(m.read_cstr(aux[&at::PLATFORM], 64).unwrap(), b"aarch64");
    assert_eq!(
        m.read_cstr(aux[&at::EXECFN], 4096).unwrap(),
        path.as_os_str().as_encoded_bytes()
    );
    let mut rnd = [0u8; 16];
    m.read(aux[&at::RANDOM], &mut rnd).unwrap();
    // The entry point is mapped executable and holds the file's instruction.
    assert!(m.check(l.entry, 4, libc::PROT_EXEC).is_ok());
    if l.interp.is_none() {
        // The break starts after every mapped segment of the program.
        assert!(
            m.regions()
                .into_iter()
                .filter(|r| r.0 < l.brk)
                .all(|r| r.1 <= l.brk)
        );
    }
    l
}

#[test]
fn static_exec() {
    if let Some(p) = compile("hello-static", &["-static", "-O1"]) {
        check_binary(&p, false);
    }
}

#[test]
fn static_pie() {
    if let Some(p) = compile("hello-static-pie", &["-static-pie", "-fPIE", "-O1"]) {
        check_binary(&p, true);
    }
}

#[test]
fn dynamic_with_sysroot_interpreter() {
    let root = Path::new("/usr/aarch64-linux-gnu");
    if !root.join("lib/ld-linux-aarch64.so.1").exists() {
        eprintln!("notice: no aarch64 sysroot at {}, skipping", root.display());
        return;
    }
    let Some(p) = compile("hello-dyn", &["-O1"]) else {
        return;
    };
    let mut m = GuestMem::new64();
    let l = check_in(&mut m, &p, true, Some(root));
    assert_eq!(l.interp.as_deref(), Some("/lib/ld-linux-aarch64.so.1"));
    assert_ne!(l.base, 0);
    let ld = std::fs::read(root.join("lib/ld-linux-aarch64.so.1")).unwrap();
    let ld_entry = u64::from_le_bytes(ld[24..32].try_into().unwrap());
    assert_eq!(l.entry, l.base + ld_entry);
    assert!(m.check(l.entry, 4, libc::PROT_EXEC).is_ok());
}
