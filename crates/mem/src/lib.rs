//! Guest address space: where guest memory lives in the host, which ranges are mapped with which
//! protection, and checked copies between guest memory and armrun.
//!
//! INTERFACE CONTRACT (filled in by the mem/loader work; signatures are fixed, bodies pending):
//! - 64-bit guests: `base == 0`, guest address == host address; every guest mapping is recorded so
//!   a guest `MAP_FIXED` cannot land on armrun's own memory (refused with ENOMEM).
//! - 32-bit guests: a reserved 4 GiB window (plus guard) at `base`; host = base + guest address.

#![deny(missing_docs)]

/// A guest address that is not mapped with the needed permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The first guest address that could not be accessed.
    pub addr: u64,
}

/// Page protection bits, as in `PROT_*`.
pub type Prot = i32;
