//! Fuzzes the ELF loader: `probe` on the raw bytes, then a full `load` from a temp file into a
//! fresh address space. Any panic is a bug: malformed files must only produce `LoadError`s.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mem::GuestMem;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One scratch file per fuzzing process (libFuzzer runs inputs one at a time per process).
fn scratch() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| std::env::temp_dir().join(format!("armrun-fuzz-elf-{}", std::process::id())))
}

/// An empty directory passed as the sysroot, so PT_INTERP paths are tried there first.
fn sysroot() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let p = std::env::temp_dir().join(format!("armrun-fuzz-root-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&p);
        p
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(arch) = loader::probe(data) else {
        return;
    };
    let path = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    let mem = match arch {
        loader::Arch::A64 => Some(GuestMem::new64()),
        loader::Arch::A32 => GuestMem::new32().ok(),
    };
    let Some(mut mem) = mem else { return };
    let argv = [b"fuzz".to_vec(), b"arg".to_vec()];
    let envp = [b"A=B".to_vec()];
    if let Ok(l) = loader::load(&mut mem, path, &argv, &envp, Some(sysroot())) {
        // The stack the loader reported must be readable through the bookkeeping.
        assert!(mem.read_u64(l.sp).is_ok() || l.is32);
    }
    // Dropping the address space unmaps every guest mapping (64-bit) or the whole window
    // (32-bit), so mappings made at input-chosen addresses never accumulate across runs.
    drop(mem);
});
