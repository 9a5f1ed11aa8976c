//! qemu's `-D logfile` and `-d page`: where the debug log goes, and the guest memory layout
//! written to it once the program is loaded.

use crate::cli::Options;
use std::fmt::Write;

/// Opens the `-D` log file when there is anything to log (as qemu, which creates no file for
/// `-D` alone) and sends the runtime's and the syscall layer's log lines there. Returns the
/// expanded file name, which a re-executed armrun continues (see `exec_options`).
pub fn open(opts: &Options) -> Result<Option<std::path::PathBuf>, String> {
    let Some(pattern) = &opts.log_file else {
        return Ok(None);
    };
    if opts.log_items.is_empty() && !opts.strace {
        return Ok(None);
    }
    let name = runtime::log::file_name(pattern, std::process::id())?;
    runtime::log::open(&name, opts.log_append)?;
    linux::set_log_writer(runtime::log::write);
    Ok(Some(name))
}

/// qemu's `-d page` report after loading: the guest's mappings as start-end, size and
/// protection (addresses as wide as a guest pointer), then where the stack, break and entry
/// point are. armrun keeps no code/data segment bounds, so qemu's `start_code`-style lines
/// are left out rather than guessed.
pub fn page_layout(
    mem: &mem::GuestMem,
    loaded: &loader::Loaded,
    argc: usize,
    envc: usize,
) -> String {
    let (w, word) = if loaded.is32 { (8, 4) } else { (16, 8) };
    let mut out = String::new();
    match mem.base() {
        0 => out.push_str("guest_base  (nil)\n"),
        b => {
            let _ = writeln!(out, "guest_base  {b:#x}");
        }
    }
    out.push_str("page layout changed following binary load\n");
    let _ = writeln!(out, "{:<w$} {:<w$} {:<w$} prot", "start", "end", "size");
    for (start, end, prot) in mem.regions() {
        let flag = |bit: i32, c: char| if prot & bit != 0 { c } else { '-' };
        let _ = writeln!(
            out,
            "{start:0w$x}-{end:0w$x} {:0w$x} {}{}{}",
            end - start,
            flag(libc::PROT_READ, 'r'),
            flag(libc::PROT_WRITE, 'w'),
            flag(libc::PROT_EXEC, 'x'),
        );
    }
    // The initial stack: argc, argv[] and NULL, envp[] and NULL, then the auxv.
    let argv = loaded.sp + word;
    let envp = argv + (argc as u64 + 1) * word;
    let auxv = envp + (envc as u64 + 1) * word;
    for (name, value) in [
        ("start_stack", loaded.sp),
        ("brk", loaded.brk),
        ("entry", loaded.entry),
        ("argv_start", argv),
        ("env_start", envp),
        ("auxv_start", auxv),
    ] {
        let _ = writeln!(out, "{name:<11} 0x{value:0w$x}");
    }
    out
}
