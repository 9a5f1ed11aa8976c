//! The 32-bit ARM "kuser helpers" page: code the kernel maps at 0xffff0000 in every 32-bit
//! process (the vectors page), which libraries call for TLS, atomics and barriers on CPUs
//! without the instructions (glibc for ARMv6 and older, libgcc's `__sync_*` for armel, Android
//! code). Its layout is an ABI (Documentation/arch/arm/kernel_user_helpers.rst): each helper
//! sits at a fixed address near the page end, and the word at 0xffff0ffc counts them.
//!
//! The helpers are real A32 code, so armrun runs them like any guest code: the compare-and-swap
//! ones use LDREX/STREX, which keeps them atomic with respect to every other guest access.

use crate::LoadError;
use mem::GuestMem;

/// Guest address of the page.
pub const PAGE_ADDR: u64 = 0xffff_0000;

/// Offsets in the page and the A32 words placed there (assembled from the kernel's documented
/// behaviour: r0 = 0 and C set on success for the compare-and-swaps).
const HELPERS: &[(u64, &[u32])] = &[
    // __kuser_cmpxchg64(const i64 *old, const i64 *new, volatile i64 *ptr)
    (
        0xf60,
        &[
            0xe92d_00f0, // push   {r4, r5, r6, r7}
            0xe1c0_40d0, // ldrd   r4, r5, [r0]
            0xe1c1_60d0, // ldrd   r6, r7, [r1]
            0xe1b2_0f9f, // 1: ldrexd r0, r1, [r2]
            0xe030_3004, // eors   r3, r0, r4
            0x0031_3005, // eorseq r3, r1, r5
            0x01a2_3f96, // strexdeq r3, r6, r7, [r2]
            0x0333_0001, // teqeq  r3, #1
            0x0aff_fff9, // beq    1b
            0xe8bd_00f0, // pop    {r4, r5, r6, r7}
            0xe273_0000, // rsbs   r0, r3, #0
            0xe12f_ff1e, // bx     lr
        ],
    ),
    // __kuser_memory_barrier(void)
    (
        0xfa0,
        &[
            0xf57f_f05b, // dmb    ish
            0xe12f_ff1e, // bx     lr
        ],
    ),
    // __kuser_cmpxchg(i32 old, i32 new, volatile i32 *ptr)
    (
        0xfc0,
        &[
            0xe192_3f9f, // 1: ldrex r3, [r2]
            0xe053_3000, // subs   r3, r3, r0
            0x0182_3f91, // strexeq r3, r1, [r2]
            0x0333_0001, // teqeq  r3, #1
            0x0aff_fffa, // beq    1b
            0xe273_0000, // rsbs   r0, r3, #0
            0xe12f_ff1e, // bx     lr
        ],
    ),
    // __kuser_get_tls(void)
    (
        0xfe0,
        &[
            0xee1d_0f70, // mrc    p15, 0, r0, c13, c0, 3
            0xe12f_ff1e, // bx     lr
        ],
    ),
    // __kuser_helper_version: the number of 32-byte helper slots (0xf60..0x1000).
    (0xffc, &[5]),
];

/// The page's contents: the helpers at their offsets, zeros elsewhere.
pub fn page() -> Vec<u8> {
    let mut page = vec![0u8; mem::PAGE as usize];
    for (off, words) in HELPERS {
        for (i, w) in words.iter().enumerate() {
            let at = *off as usize + 4 * i;
            page[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
    page
}

/// Maps the helper page read-only and executable at [`PAGE_ADDR`] in a 32-bit address space.
pub fn map(mem: &mut GuestMem) -> Result<(), LoadError> {
    let err = |errno| LoadError::Map {
        what: "kuser helper page",
        addr: PAGE_ADDR,
        errno,
    };
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED;
    mem.map(PAGE_ADDR, mem::PAGE, rw, flags, -1, 0)
        .map_err(err)?;
    mem.write(PAGE_ADDR, &page())
        .map_err(|_| err(libc::EFAULT))?;
    mem.protect(PAGE_ADDR, mem::PAGE, libc::PROT_READ | libc::PROT_EXEC)
        .map_err(err)
}
