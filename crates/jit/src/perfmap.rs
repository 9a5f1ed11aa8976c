//! Linux `perf` symbol maps for translated code (`ARMRUN_PERF_MAP=1`).
//!
//! perf attributes samples in anonymous executable memory through `/tmp/perf-<pid>.map`, one
//! `START SIZE NAME` line (hex) per code range. With the variable set, every compiled block is
//! listed as `guest_<pc>` (`guest_<pc>_quick` for a [`crate::Tier::Quick`] translation), so
//! `perf report` names the guest blocks that take the time and tells how much of it runs in
//! code not yet translated in full.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;
use std::sync::OnceLock;

/// The open map file, if `ARMRUN_PERF_MAP` is set to something other than `0` (or empty).
fn file() -> Option<&'static Mutex<File>> {
    static MAP: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let on = std::env::var_os("ARMRUN_PERF_MAP").is_some_and(|v| !v.is_empty() && v != "0");
        on.then(|| File::create(format!("/tmp/perf-{}.map", std::process::id())).ok())
            .flatten()
            .map(Mutex::new)
    })
    .as_ref()
}

/// Records that host code `[start, start + len)` translates the guest block at `guest`, as a
/// quick translation if `quick`.
pub fn record(start: usize, len: usize, guest: u64, quick: bool) {
    if let Some(f) = file()
        && let Ok(mut f) = f.lock()
    {
        // A failed write only loses a symbol name in a profile.
        let tier = if quick { "_quick" } else { "" };
        let _ = writeln!(f, "{start:x} {len:x} guest_{guest:x}{tier}");
    }
}
