//! `-cpu MODEL` / `QEMU_CPU`: the CPU models a guest may be told it runs on. A model decides
//! AT_HWCAP/AT_HWCAP2 and AT_PLATFORM (and so what libraries pick at run time, e.g. glibc's
//! ifuncs and its hwcaps subdirectories); the translator itself runs every instruction it
//! implements whatever the model, as programs built for the model never use the others.

use loader::Arch;

/// One selectable CPU model.
pub struct Model {
    /// The name `-cpu` takes (qemu's spelling).
    pub name: &'static str,
    /// The guest architecture it belongs to.
    pub arch: Arch,
    /// AT_PLATFORM.
    pub platform: &'static str,
    /// (AT_HWCAP, AT_HWCAP2).
    pub hwcap: (u64, u64),
    /// /proc/cpuinfo's "model name" for 32-bit models (AArch64 kernels print none).
    pub model_name: &'static str,
}

const fn a64(name: &'static str, hwcap: (u64, u64)) -> Model {
    Model {
        name,
        arch: Arch::A64,
        platform: "aarch64",
        hwcap,
        model_name: "",
    }
}

const fn a32(name: &'static str, v6: bool, hwcap: (u64, u64)) -> Model {
    Model {
        name,
        arch: Arch::A32,
        platform: if v6 { "v6l" } else { "v7l" },
        hwcap,
        model_name: if v6 {
            "ARMv6-compatible processor rev 7 (v6l)"
        } else {
            "ARMv7 Processor rev 5 (v7l)"
        },
    }
}

/// Every model; the first of each architecture is the default.
pub const MODELS: &[Model] = &[
    a64("max", (a64::HWCAP, a64::HWCAP2)),
    a64("neoverse-n1", (a64::HWCAP_V82, 0)),
    a64("cortex-a76", (a64::HWCAP_V82, 0)),
    a64("cortex-a72", (a64::HWCAP_V80, 0)),
    a64("cortex-a57", (a64::HWCAP_V80, 0)),
    a64("cortex-a53", (a64::HWCAP_V80, 0)),
    // An ARMv8 core in AArch32 state, with the crypto instructions (AT_HWCAP2).
    a32(
        "max",
        false,
        (a32::HWCAP_INTEGER | a32::HWCAP_VFP, a32::HWCAP2_CRYPTO),
    ),
    a32(
        "cortex-a15",
        false,
        (a32::HWCAP_INTEGER | a32::HWCAP_VFP, 0),
    ),
    a32("cortex-a7", false, (a32::HWCAP_INTEGER | a32::HWCAP_VFP, 0)),
    a32("cortex-a9", false, (a32::HWCAP_ARMV7_VFPV3, 0)),
    a32("cortex-a8", false, (a32::HWCAP_ARMV7_VFPV3, 0)),
    a32("arm1176", true, (a32::HWCAP_ARMV6, 0)),
];

/// The model `name` (or the default, for `None`) of architecture `arch`.
pub fn find(arch: Arch, name: Option<&str>) -> Result<&'static Model, String> {
    let mut of_arch = MODELS.iter().filter(|m| m.arch == arch);
    match name {
        None => Ok(of_arch
            .next()
            .expect("every architecture has a default model")),
        Some(n) => of_arch.find(|m| m.name == n).ok_or_else(|| {
            let width = if arch == Arch::A64 {
                "AArch64"
            } else {
                "32-bit ARM"
            };
            format!("unable to find CPU model '{n}' for {width} programs (see -cpu help)")
        }),
    }
}

/// The `-cpu help` text.
pub fn help() -> String {
    let names = |arch: Arch| -> Vec<&str> {
        MODELS
            .iter()
            .filter(|m| m.arch == arch)
            .map(|m| m.name)
            .collect()
    };
    format!(
        "Available CPUs (the first is the default):\n  AArch64:    {}\n  32-bit ARM: {}\n",
        names(Arch::A64).join(" "),
        names(Arch::A32).join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_lookup() {
        assert_eq!(find(Arch::A64, None).unwrap().hwcap.0, a64::HWCAP);
        assert_eq!(find(Arch::A32, None).unwrap().platform, "v7l");
        let v6 = find(Arch::A32, Some("arm1176")).unwrap();
        assert_eq!(v6.platform, "v6l");
        // No divide, no VFPv3 on ARMv6.
        assert_eq!(v6.hwcap.0 & ((1 << 17) | (1 << 13)), 0);
        let e = find(Arch::A32, Some("cortex-a72")).err().unwrap();
        assert!(e.contains("cortex-a72") && e.contains("32-bit"), "{e}");
        assert!(help().contains("arm1176"));
    }
}
