//! Advanced SIMD in 32-bit guests: the `tests/guest/neon_*.c` programs (arm_neon.h intrinsics,
//! auto-vectorised loops and glibc's NEON string functions, and the ARMv8 AArch32 crypto and
//! rounding additions), built with `-O3 -mfpu=neon-vfpv4` (and `-march=armv8-a
//! -mfpu=crypto-neon-fp-armv8` for `neon_crypto`) in A32 and Thumb-2, must print the same and
//! exit the same under armrun's JIT, its interpreter and qemu-arm-static.

mod common;
use common::*;

/// Compiler flags of the NEON builds: VFPv4 + NEON, or ARMv8 with the crypto extension.
const NEON: &[&str] = &["-static", "-O3", "-mfpu=neon-vfpv4"];
const CRYPTO: &[&str] = &[
    "-static",
    "-O3",
    "-march=armv8-a",
    "-mfpu=crypto-neon-fp-armv8",
];

/// Builds `name` with `flags` plus -marm and -mthumb and checks that the JIT, the interpreter
/// and qemu-arm-static agree on both builds.
fn agree(name: &str, flags: &[&str]) {
    for isa in ["-marm", "-mthumb"] {
        let mut all = flags.to_vec();
        all.push(isa);
        let prog = guest(name, "arm-linux-gnueabihf-gcc", &all);
        let qemu = run_qemu_as("qemu-arm-static", &prog, &[], &[]);
        assert_eq!(qemu.status, 0, "{name} {isa} fails under qemu");
        assert!(
            qemu.stdout.lines().count() > 20,
            "{name} {isa} printed too little"
        );
        for flag in [None, Some("--interp")] {
            let (o, err) = run_armrun(flag.as_slice(), &prog, &[], &[]);
            assert_eq!(o, qemu, "{name} {isa} {flag:?} differs from qemu:\n{err}");
        }
    }
}

#[test]
fn neon_intrinsics() {
    agree("neon_intrin", NEON);
}

#[test]
fn neon_auto_vectorised_and_glibc_strings() {
    agree("neon_autovec", NEON);
}

#[test]
fn neon_armv8_crypto_and_rounding() {
    agree("neon_crypto", CRYPTO);
}

/// armrun tells 32-bit guests they have NEON (glibc then runs its NEON memcpy and memchr,
/// which `neon_autovec` goes through).
#[test]
fn hwcap_has_neon() {
    let prog = guest(
        "auxv",
        "arm-linux-gnueabihf-gcc",
        &["-static", "-O2", "-marm"],
    );
    let (o, err) = run_armrun(&[], &prog, &[], &[]);
    assert_eq!(o.status, 0, "{err}");
    assert!(o.stdout.contains(" neon "), "{}", o.stdout);
}

/// Debian armhf's OpenSSL (from the sysroot `scripts/sysroot.sh armhf` assembles) picks its
/// NEON code (SHA-512, ChaCha20, bit-sliced AES) from AT_HWCAP, and its ARMv8 AES, SHA
/// code when `OPENSSL_armcap` says so: digests and ciphertexts must match the host's
/// OpenSSL with every choice (and with none, the plain ARM code).
#[test]
fn openssl_neon_and_armv8_crypto_paths() {
    let root = repo().join(".cache/sysroot-armhf");
    assert!(
        root.join("usr/bin/openssl").exists(),
        "{} has no openssl: run scripts/sysroot.sh armhf (scripts/test.sh does)",
        root.display()
    );
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("neon-openssl");
    std::fs::create_dir_all(&dir).unwrap();
    let data = random_bytes(0x9e37_79b9_7f4a_7c15, 300_001);
    let input = dir.join("in.bin");
    std::fs::write(&input, data).unwrap();
    let input = input.to_str().unwrap();
    let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let iv = "0f0e0d0c0b0a09080706050403020100";
    let mut runs: Vec<Vec<&str>> =
        vec![vec!["dgst", "-sha1", input], vec!["dgst", "-sha256", input]];
    runs.push(vec!["dgst", "-sha512", input]);
    for cipher in ["-aes-128-cbc", "-aes-256-ctr", "-aes-256-ecb", "-chacha20"] {
        runs.push(vec![
            "enc", cipher, "-K", key, "-iv", iv, "-a", "-in", input,
        ]);
    }
    let prog = root.join("usr/bin/openssl");
    let root_s = root.to_str().unwrap();
    for caps in [None, Some("0x3d"), Some("0")] {
        for args in &runs {
            let host = std::process::Command::new("openssl")
                .args(args)
                .output()
                .expect("host openssl");
            assert!(host.status.success(), "host openssl {args:?}");
            let env = caps.map(|c| format!("OPENSSL_armcap={c}"));
            let mut flags = vec!["-L", root_s];
            if let Some(e) = &env {
                flags.extend(["-E", e.as_str()]);
            }
            let (o, err) = run_armrun(&flags, &prog, args, &[]);
            assert_eq!(o.status, 0, "openssl {args:?} armcap {caps:?}: {err}");
            assert_eq!(
                o.stdout,
                String::from_utf8_lossy(&host.stdout),
                "openssl {args:?} with OPENSSL_armcap {caps:?} differs from the host's"
            );
        }
    }
}
