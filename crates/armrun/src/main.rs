//! `armrun`: runs Linux ARM programs on x86-64, as a drop-in for qemu-user-static.

mod cli;

use cli::Parsed;
use cpu::CpuState;
use runtime::{Backend, Engine, Event, LogFlags};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let opts = match cli::parse(&args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("armrun {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("armrun: {e}");
            return ExitCode::from(1);
        }
    };
    match run(&opts) {
        Ok(code) => {
            // The guest's exit status is ours, modulo 256 like the kernel's.
            ExitCode::from(code as u8)
        }
        Err(e) => {
            eprintln!("armrun: {e}");
            ExitCode::from(1)
        }
    }
}

/// Ends armrun the way a real kernel ends a guest that does not handle `sig`: by that signal.
fn die_by_signal(sig: i32) -> ! {
    // SAFETY: resetting a disposition and raising a signal are async-signal-safe libc calls with
    // valid arguments; if the signal somehow returns we still exit below.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        // No core file: the guest's crash is not armrun's.
        let lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &lim);
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

fn run(opts: &cli::Options) -> Result<i32, String> {
    let path = &opts.program;
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    let arch = loader::probe(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    if arch != loader::Arch::A64 {
        return Err(format!(
            "{shown}: 32-bit ARM programs are not supported yet"
        ));
    }
    drop(bytes);

    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(opts.args.len() + 1);
    argv.push(opts.argv0.as_ref().map_or_else(
        || path.as_os_str().as_bytes().to_vec(),
        |a| a.as_bytes().to_vec(),
    ));
    argv.extend(opts.args.iter().map(|a| a.as_bytes().to_vec()));
    let envp = cli::guest_env(&opts.env_edits);

    let mut mem = mem::GuestMem::new64();
    let load_opts = loader::LoadOptions {
        hwcap: (a64::HWCAP, a64::HWCAP2),
        execfn: None,
    };
    let loaded = loader::load_with(
        &mut mem,
        path,
        &argv,
        &envp,
        opts.sysroot.as_deref(),
        &load_opts,
    )
    .map_err(|e| format!("{shown}: {e}"))?;

    let mut cpu = Box::new(CpuState::default());
    cpu.pc = loaded.entry;
    cpu.x[31] = loaded.sp;
    cpu.mem_base = mem.base();

    let exe = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
    let mut os = linux::Linux::new(mem, exe, opts.sysroot.clone());
    os.set_hwcap(a64::HWCAP, a64::HWCAP2);
    os.set_initial_stack(loaded.sp);
    let has = |item: &str| opts.log_items.iter().any(|i| i == item);
    let log_unimp = has("unimp");
    // Unknown syscalls always get their one-time note (the linux layer's default).
    os.set_strace(opts.strace);

    let backend = if opts.interp {
        Backend::Interp
    } else {
        Backend::Jit
    };
    let mut engine = Engine::new(backend);
    engine.set_log(LogFlags {
        in_asm: has("in_asm"),
        op: has("op"),
    });

    loop {
        let event = {
            let m = os.mem();
            let fetch = |a: u64| {
                m.check(a, 4, libc::PROT_EXEC)
                    .ok()
                    .and_then(|_| m.read_u32(a).ok())
            };
            engine.run(&mut cpu, &fetch)
        };
        match event {
            Event::Syscall(_) => match linux::syscall_a64(&mut os, &mut cpu) {
                linux::Flow::Continue => {}
                linux::Flow::Exit(code) => return Ok(code),
            },
            Event::Undefined { pc, word } => {
                if log_unimp {
                    eprintln!("armrun: undefined instruction {word:#010x} at {pc:#x}");
                }
                die_by_signal(libc::SIGILL)
            }
            Event::Breakpoint { .. } => die_by_signal(libc::SIGTRAP),
            Event::FetchFault { .. } => die_by_signal(libc::SIGSEGV),
            Event::Pending => cpu.pending = 0,
        }
    }
}
