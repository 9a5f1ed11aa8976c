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
