//! The host's x86-64 instruction-set extensions that translated code and helpers choose
//! between, as glibc found them when the process started.
//!
//! `std::is_x86_feature_detected!` runs CPUID on its first use, seven times, and in a virtual
//! machine every CPUID traps to the hypervisor: ~5 us each here, 1.6% of the run of a static
//! hello. glibc's start-up has already run it (it picks its string functions by it) and keeps
//! the results, with the bits of what the kernel lets a program use ("active": AVX only where
//! it saves the YMM state), behind `__x86_get_cpuid_feature_leaf` (glibc 2.33 and later,
//! `<sys/platform/x86.h>`).

#![deny(missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};

/// glibc's copy of one CPUID leaf: EAX, EBX, ECX and EDX as CPUID gave them, and the bits of
/// the features a program may use (`struct cpuid_feature`).
#[repr(C)]
struct CpuidFeature {
    cpuid: [u32; 4],
    active: [u32; 4],
}

unsafe extern "C" {
    /// The leaf of glibc's index `leaf` (a zeroed one past the last it knows).
    fn __x86_get_cpuid_feature_leaf(leaf: u32) -> *const CpuidFeature;
}

/// glibc's leaf indices (`enum cpuid_index`).
const LEAF_1: u32 = 0;
const LEAF_7: u32 = 1;
const LEAF_80000001: u32 = 2;
/// Register indices in a leaf.
const EBX: usize = 1;
const ECX: usize = 2;

/// An instruction-set extension armrun may use where the host has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// SSSE3 (PSHUFB, PALIGNR).
    Ssse3,
    /// SSE4.1 (ROUNDSD, PTEST).
    Sse41,
    /// SSE4.2 (CRC32).
    Sse42,
    /// AVX, with the YMM state saved by the kernel.
    Avx,
    /// FMA3.
    Fma,
    /// AES-NI.
    Aes,
    /// PCLMULQDQ.
    Pclmulqdq,
    /// The SHA extensions.
    Sha,
    /// LZCNT.
    Lzcnt,
    /// CMPXCHG16B.
    Cmpxchg16b,
}

impl Feature {
    /// Every feature.
    pub const ALL: [Feature; 10] = [
        Feature::Ssse3,
        Feature::Sse41,
        Feature::Sse42,
        Feature::Avx,
        Feature::Fma,
        Feature::Aes,
        Feature::Pclmulqdq,
        Feature::Sha,
        Feature::Lzcnt,
        Feature::Cmpxchg16b,
    ];

    /// Where CPUID reports it: glibc's leaf index, the register and the bit.
    const fn place(self) -> (u32, usize, u32) {
        match self {
            Feature::Pclmulqdq => (LEAF_1, ECX, 1),
            Feature::Ssse3 => (LEAF_1, ECX, 9),
            Feature::Fma => (LEAF_1, ECX, 12),
            Feature::Cmpxchg16b => (LEAF_1, ECX, 13),
            Feature::Sse41 => (LEAF_1, ECX, 19),
            Feature::Sse42 => (LEAF_1, ECX, 20),
            Feature::Aes => (LEAF_1, ECX, 25),
            Feature::Avx => (LEAF_1, ECX, 28),
            Feature::Sha => (LEAF_7, EBX, 29),
            Feature::Lzcnt => (LEAF_80000001, ECX, 5),
        }
    }
}

/// Bit `f as u32` for each [`Feature`] the host has, and [`KNOWN`]; 0 until first asked.
static FEATURES: AtomicU32 = AtomicU32::new(0);
/// The bit of [`FEATURES`] that says it is filled in.
const KNOWN: u32 = 1 << 31;

/// Whether the host has `f` and the kernel lets programs use it: a load and a test (helpers
/// ask at every CRC32C or fused multiply-add they run), glibc asked on the first call.
#[inline]
pub fn has(f: Feature) -> bool {
    let mut bits = FEATURES.load(Ordering::Relaxed);
    if bits == 0 {
        bits = Feature::ALL
            .iter()
            .filter(|g| from_glibc(**g))
            .fold(KNOWN, |b, g| b | 1 << *g as u32);
        FEATURES.store(bits, Ordering::Relaxed);
    }
    bits >> f as u32 & 1 == 1
}

/// Whether glibc's copy of CPUID says the host has `f` and the kernel lets programs use it.
fn from_glibc(f: Feature) -> bool {
    let (leaf, reg, bit) = f.place();
    // SAFETY: glibc returns a pointer to its feature data for the process (a zeroed leaf for
    // an index it does not know), filled in before any code of ours ran and never changed.
    let leaf = unsafe { &*__x86_get_cpuid_feature_leaf(leaf) };
    leaf.active[reg] >> bit & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// glibc's answers are the standard library's (which runs CPUID itself), feature by
    /// feature, on whatever host this runs.
    #[test]
    fn every_feature_agrees_with_the_standard_library() {
        for f in Feature::ALL {
            let std = match f {
                Feature::Ssse3 => std::is_x86_feature_detected!("ssse3"),
                Feature::Sse41 => std::is_x86_feature_detected!("sse4.1"),
                Feature::Sse42 => std::is_x86_feature_detected!("sse4.2"),
                Feature::Avx => std::is_x86_feature_detected!("avx"),
                Feature::Fma => std::is_x86_feature_detected!("fma"),
                Feature::Aes => std::is_x86_feature_detected!("aes"),
                Feature::Pclmulqdq => std::is_x86_feature_detected!("pclmulqdq"),
                Feature::Sha => std::is_x86_feature_detected!("sha"),
                Feature::Lzcnt => std::is_x86_feature_detected!("lzcnt"),
                Feature::Cmpxchg16b => std::is_x86_feature_detected!("cmpxchg16b"),
            };
            assert_eq!(has(f), std, "{f:?}");
        }
    }
}
