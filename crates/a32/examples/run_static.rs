//! Runs a static 32-bit ARM Linux program on the a32 frontend with the test harness's tiny
//! loader and syscall shim (see `tests/common/static_run.rs`), to try the frontend on real
//! compiler and C library output before the runtime supports 32-bit guests.
//!
//! Usage: `run_static [--jit] PROGRAM [ARGS...]`; prints the guest's output and exits with its
//! status, or stops with a message at the first instruction armrun does not implement.

#[path = "../tests/common/static_run.rs"]
mod static_run;

use std::io::Write;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let jit = args.first().is_some_and(|a| a == "--jit");
    if jit {
        args.remove(0);
    }
    let bin = std::fs::read(&args[0]).expect("read program");
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    match static_run::run(&bin, &argv, jit) {
        Ok(o) => {
            std::io::stdout().write_all(&o.stdout).ok();
            eprintln!(
                "[exit {} after {} blocks; ENOSYS for syscalls {:?}]",
                o.status, o.blocks, o.enosys
            );
            std::process::exit(o.status);
        }
        Err(e) => {
            eprintln!("stopped: {e}");
            std::process::exit(99);
        }
    }
}
