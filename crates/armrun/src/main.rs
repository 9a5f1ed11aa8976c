//! `armrun`: runs Linux ARM programs on x86-64, as a drop-in for qemu-user-static.

#![cfg_attr(not(test), no_main)]

mod alloc;
mod binfmt;
mod cli;
mod cpu_model;
mod debug_log;

/// mimalloc (see the `alloc` module).
#[global_allocator]
static ALLOC: alloc::MiMalloc = alloc::MiMalloc;

use cli::Parsed;
use cpu::CpuState;
use runtime::{Backend, Engine, Event, Frontend, LogFlags};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

/// The process entry, in place of Rust's runtime start (`#![no_main]`). That start would
/// change what every guest, and everything it executes, inherits: it ignores SIGPIPE (`yes |
/// head -1` would end `yes` with EPIPE instead of SIGPIPE) and opens /dev/null on closed
/// standard descriptors; and it reads /proc/self/maps (glibc's `pthread_getattr_np` for the
/// main thread) and maps an alternate signal stack for a stack-overflow report the guest's
/// SIGSEGV handling replaces anyway: ~5% of a guest's start-up that exits at once. Arguments
/// still reach `std::env::args` (glibc hands them to Rust's `.init_array` entry).
// (In a test build the harness's `main` starts the process, and this one is left unused.)
#[cfg_attr(not(test), unsafe(no_mangle))]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // A panic leaves as Rust's runtime would have let it: its message, then status 101.
    let code = std::panic::catch_unwind(armrun_main).unwrap_or(101);
    // (Rust's runtime flushed standard output at the end; glibc's `exit` knows nothing of it.)
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code
}

/// armrun's arguments: the command line, or, when armrun re-executed itself for a guest
/// execve, the arguments it passed in [`linux::REEXEC_VAR`] followed by the guest's own
/// arguments (the command line then being exactly the guest's argv). Also the guest
/// architecture the invocation name fixes (never for a re-execution: a guest may execve a
/// program of the other width, as on an arm64 kernel with 32-bit support).
///
/// In secure mode (AT_SECURE: the kernel raised armrun's privileges, as a binfmt_misc entry
/// with flag C does when it gives armrun a setuid program's credentials) the environment
/// still is the invoking user's, who must not choose what runs with those privileges: as
/// glibc's ld.so ignores and unsets LD_PRELOAD, LD_LIBRARY_PATH and the like for setuid
/// programs, armrun removes the variables it reads before reading them. QEMU_LD_PREFIX would
/// pick the ELF interpreter and the files the guest opens, QEMU_LOG_FILENAME or
/// ARMRUN_PERF_MAP a file written as root, QEMU_STRACE and QEMU_LOG what is logged of a
/// privileged program, the others its environment, argv[0], stack and what it is told. Removed, they also do not reach
/// programs the guest executes after dropping to one identity (AT_SECURE 0 there). The
/// command line stays honoured: binfmt_misc writes it (the interpreter, P's argv[0], O's
/// descriptor), or a privileged caller chose it.
fn arguments() -> Result<(Vec<OsString>, Option<loader::Arch>), String> {
    let mut all = std::env::args_os();
    let personality = all.next().as_deref().and_then(cli::personality);
    let mut args: Vec<OsString> = binfmt::binfmt_arguments(all.collect());
    let secure = loader::host_secure();
    if secure {
        // SAFETY: armrun is single-threaded here, so nothing reads the environment while it
        // changes.
        unsafe { cli::remove_env_options() };
    }
    if let Some(v) = std::env::var_os(linux::REEXEC_VAR) {
        // SAFETY: armrun is single-threaded here, so nothing reads the environment while it
        // changes; the guest must not see the variable.
        unsafe { std::env::remove_var(linux::REEXEC_VAR) };
        // The variable names any program and options to run: in secure mode it is armrun's
        // own only in a re-execution (see `executed_as_proc_self_exe`); a user setting it
        // for a setuid program would otherwise run what they like with its privileges.
        if secure && !executed_as_proc_self_exe() {
            return Ok((args, personality));
        }
        let mut own = linux::decode_reexec(v.as_bytes())
            .ok_or_else(|| format!("malformed {}", linux::REEXEC_VAR))?;
        own.append(&mut args);
        return Ok((own, None));
    }
    Ok((args, personality))
}

/// Whether the kernel started armrun as `/proc/self/exe`, the path the linux crate's execve
/// re-entry executes: AT_EXECFN is the path the caller gave execve. A binfmt_misc start has
/// the guest program's path there, and a privileged process executing `/proc/self/exe` runs
/// its own executable, which is armrun only when it is armrun re-executing itself for its
/// guest (whose environment lost any user-set [`linux::REEXEC_VAR`] at armrun's secure start).
fn executed_as_proc_self_exe() -> bool {
    // SAFETY: getauxval only reads the process's auxiliary vector.
    let p = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
    if p.is_null() {
        return false;
    }
    // SAFETY: AT_EXECFN points at the NUL-terminated path the kernel copied to the top of the
    // initial stack, which stays there, unchanged, for the life of the process.
    let execfn = unsafe { std::ffi::CStr::from_ptr(p) };
    execfn.to_bytes() == b"/proc/self/exe"
}

fn armrun_main() -> i32 {
    let (args, personality) = match arguments() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("armrun: {e}");
            return 1;
        }
    };
    if personality.is_none() && args.first().is_some_and(|a| a == "binfmt") {
        return match binfmt::main(&args[1..]) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("armrun: {e}");
                1
            }
        };
    }
    let opts = match cli::parse(&args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            print!("{}", cli::USAGE);
            return 0;
        }
        Ok(Parsed::CpuHelp) => {
            print!("{}", cpu_model::help());
            return 0;
        }
        Ok(Parsed::LogHelp) => {
            print!("{}", cli::log_help());
            return 0;
        }
        Ok(Parsed::Version) => {
            println!("armrun {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Err(e) => {
            eprintln!("armrun: {e}");
            return 1;
        }
    };
    match run(&opts, personality) {
        Ok(code) => {
            // The guest's exit status is ours, modulo 256 like the kernel's.
            i32::from(code as u8)
        }
        Err(e) => {
            eprintln!("armrun: {e}");
            1
        }
    }
}

/// What differs between 64-bit and 32-bit guests at start-up.
struct Guest {
    frontend: Frontend,
    mem: mem::GuestMem,
    /// (AT_HWCAP, AT_HWCAP2).
    hwcap: (u64, u64),
    syscall: fn(&mut linux::Linux, &mut CpuState) -> linux::Flow,
}

impl Guest {
    fn new(arch: loader::Arch, model: &cpu_model::Model) -> Result<Guest, String> {
        Ok(match arch {
            loader::Arch::A64 => Guest {
                frontend: Frontend::A64,
                mem: mem::GuestMem::new64(),
                hwcap: model.hwcap,
                syscall: linux::syscall_a64,
            },
            loader::Arch::A32 => Guest {
                frontend: Frontend::A32,
                mem: mem::GuestMem::new32()
                    .map_err(|e| format!("cannot reserve the 32-bit address space: {e}"))?,
                hwcap: model.hwcap,
                syscall: linux::syscall_a32,
            },
        })
    }

    /// Points `cpu` at the program's first instruction with stack pointer `sp`.
    fn start_cpu(frontend: Frontend, cpu: &mut CpuState, entry: u64, sp: u64) {
        match frontend {
            Frontend::A64 => {
                cpu.pc = entry;
                cpu.x[31] = sp;
            }
            Frontend::A32 => {
                // Bit 0 of a 32-bit entry point selects Thumb, as for any interworking branch.
                a32::key::set_pc(cpu, entry & !1, entry & 1 != 0, 0);
                cpu.x[13] = sp;
            }
        }
    }
}

fn run(opts: &cli::Options, personality: Option<loader::Arch>) -> Result<i32, String> {
    let log_file = debug_log::open(opts)?;
    // Before any guest code runs (see there).
    runtime::prepare_compiler_thread();
    let path = &opts.program;
    let shown = path.display();
    // Read once: the loader maps the program from these bytes.
    let bytes = loader::read_program(path).map_err(|e| format!("{shown}: {}", e.detail()))?;
    let arch = loader::probe(&bytes).map_err(|e| format!("{shown}: {}", e.detail()))?;
    if personality.is_some_and(|p| p != arch) {
        // What qemu-arm says of an AArch64 program, and qemu-aarch64 of a 32-bit one.
        return Err(format!("{shown}: Invalid ELF image for this architecture"));
    }
    let model = cpu_model::find(arch, opts.cpu.as_deref())?;
    let guest = Guest::new(arch, model)?;

    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(opts.args.len() + 1);
    argv.push(opts.argv0.as_ref().map_or_else(
        || path.as_os_str().as_bytes().to_vec(),
        |a| a.as_bytes().to_vec(),
    ));
    argv.extend(opts.args.iter().map(|a| a.as_bytes().to_vec()));
    let envp = cli::guest_env(&opts.env_edits);

    let Guest {
        frontend,
        mut mem,
        hwcap,
        syscall,
    } = guest;
    let load_opts = loader::LoadOptions {
        hwcap,
        execfn: None,
        platform: Some(model.platform.as_bytes().to_vec()),
        stack_size: opts.stack_size.unwrap_or_else(cli::default_stack_size),
        // The guest runs with armrun's credentials, so its libc must apply the same rules.
        secure: loader::host_secure(),
    };
    let loaded = loader::load_program(
        &mut mem,
        &bytes,
        path,
        &argv,
        &envp,
        opts.sysroot.as_deref(),
        &load_opts,
    )
    // The error names the file it is about: the program or its interpreter.
    .map_err(|e| e.detail())?;
    // Mapped now: the guest's whole run need not keep a copy.
    drop(bytes);
    let has = |item: &str| opts.log_items.iter().any(|i| i == item);
    if has("page") {
        let layout = debug_log::page_layout(&mem, &loaded, argv.len(), envp.len());
        runtime::log::write(layout.as_bytes());
    }

    let mut cpu = Box::new(CpuState::default());
    Guest::start_cpu(frontend, &mut cpu, loaded.entry, loaded.sp);
    cpu.mem_base = mem.base();

    let exe = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
    set_task_name(opts);
    if let Some(fd) = opts.close_fd {
        // The program came through an inherited descriptor (guest fexecve); it is mapped now,
        // and the new guest must not see the descriptor.
        // SAFETY: closing a descriptor number we were told is ours.
        unsafe { libc::close(fd) };
    }
    let mut os = linux::Linux::new(mem, exe, opts.sysroot.clone());
    os.set_hwcap(hwcap.0, hwcap.1);
    os.set_cpu_model_name(model.model_name);
    os.set_initial_stack(loaded.sp);
    if let Some(release) = &opts.uname_release {
        os.set_uname_release(release.as_bytes());
    }
    let log_unimp = has("unimp");
    // Unknown syscalls always get their one-time note (the linux layer's default).
    os.set_strace(opts.strace);
    os.set_exec_options(exec_options(opts, log_file.as_deref()));
    os.init_signals(&mut cpu);

    let backend = if opts.interp {
        Backend::Interp
    } else {
        Backend::Jit
    };
    // The interpreter is the reference: it runs the guest's own code (and would not recover
    // from a fault inside a helper that reads guest memory).
    strmem::set_enabled(!opts.interp && !opts.no_routines);
    let config = ThreadConfig {
        frontend,
        backend,
        log: LogFlags {
            in_asm: has("in_asm"),
            op: has("op"),
            out_asm: has("out_asm"),
            exec: has("exec"),
            nochain: has("nochain"),
        },
        log_unimp,
        jit_thread: (!opts.no_jit_thread)
            .then(|| opts.jit_thread_after.unwrap_or(runtime::JIT_THREAD_AFTER)),
        syscall,
    };
    let _ = THREAD_CONFIG.set(config);
    linux::set_thread_entry(guest_thread);
    linux::set_fault_recovery(runtime::recover_fault);
    linux::set_own_threads(linux::OwnThreads {
        end: runtime::stop_compiler_thread,
        pause: runtime::pause_compiler_thread,
        resume: runtime::resume_compiler_thread,
    });
    match run_guest(&config, &mut os, &mut cpu) {
        Ended::Process(code) => end_process(code),
        Ended::Thread(code) => {
            // The main thread called `exit` while others run: as in the kernel, the process
            // lives on until its last thread ends (by exit_group, which ends it at once, or by
            // exit).
            linux::thread_exited(&mut os);
            while linux::live_threads() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Ok(code)
        }
    }
}

/// Ends the process with the guest's exit status at once, as the guest's exit_group does.
/// Returning through `exit` would first unmap the guest's memory and the translation cache
/// region by region and have mimalloc give its free pages back (MADV_DONTNEED), work the
/// kernel's teardown of the whole address space does anyway: ~4% of the run of a guest that
/// exits at once. Nothing of armrun's is left buffered: logs and perf maps are written line
/// by line as they come.
fn end_process(code: i32) -> ! {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    // SAFETY: ends the process; no state of armrun's needs anything done before that.
    unsafe { libc::_exit(code) }
}

/// How every guest thread of this process runs (what `run` chose at start-up).
#[derive(Clone, Copy)]
struct ThreadConfig {
    frontend: Frontend,
    backend: Backend,
    log: LogFlags,
    log_unimp: bool,
    /// Whether blocks are compiled on a thread of their own, started after how many (see
    /// `Engine::set_background`).
    jit_thread: Option<u32>,
    syscall: fn(&mut linux::Linux, &mut CpuState) -> linux::Flow,
}

static THREAD_CONFIG: std::sync::OnceLock<ThreadConfig> = std::sync::OnceLock::new();

/// How a guest thread's dispatcher loop ended.
enum Ended {
    /// exit_group (or exit of the only thread): the process ends with this status.
    Process(i32),
    /// exit while other threads live: only this thread ends.
    Thread(i32),
}

/// A new guest thread (see `linux::thread`): the process's translation cache and
/// configuration; exit_group in any thread ends the process.
fn guest_thread(mut os: linux::Linux, mut cpu: Box<CpuState>) {
    let Some(config) = THREAD_CONFIG.get() else {
        return;
    };
    os.start_thread_signals(&mut cpu);
    match run_guest(config, &mut os, &mut cpu) {
        Ended::Process(code) => end_process(code),
        Ended::Thread(_) => linux::thread_exited(&mut os),
    }
}

/// What a thread hands to the threads it creates (`linux::Linux::thread_seed`): a spare engine
/// on the process's translation cache, from which each new thread takes its own.
type Seed = std::sync::Mutex<Engine>;

/// Makes `engine`'s cache the one threads created from `os` share.
fn seed_threads(os: &mut linux::Linux, engine: &Engine) {
    os.set_thread_seed(std::sync::Arc::new(Seed::new(engine.spare())));
}

/// The engine for a thread starting on `os`: on the translation cache of the thread that
/// created it, or a new one for the first thread.
fn thread_engine(config: &ThreadConfig, os: &mut linux::Linux) -> Engine {
    let seed = os.thread_seed().and_then(|s| s.downcast_ref::<Seed>());
    if let Some(seed) = seed {
        return seed.lock().unwrap_or_else(|e| e.into_inner()).share();
    }
    let mut engine = Engine::for_frontend(config.backend, config.frontend);
    engine.set_log(config.log);
    engine.set_background(config.jit_thread);
    seed_threads(os, &engine);
    engine
}

/// How many times in a row one guest store may fault on a page the guest may write before the
/// fault counts as the guest's own (see `run_guest`'s `rerun`).
const RACED_RERUNS: u32 = 1 << 16;

/// Runs one guest thread from `cpu` until it exits.
fn run_guest(config: &ThreadConfig, os: &mut linux::Linux, cpu: &mut CpuState) -> Ended {
    let frontend = config.frontend;
    let mut engine = thread_engine(config, os);
    // An IC IVAU makes the code windows (see the fetch below) read afresh.
    engine.count_flushes_in(os.mem().code_epoch());
    // Which fork this process's state comes from (see `linux::forks`).
    let mut forks = linux::forks();
    let watch = config.backend == Backend::Jit;
    // The last write fault taken back (pc, address, still to run, times in a row): its page
    // was watched, or writable but no longer watched (another thread had just unwatched it).
    // The same access can fault again and again when threads race on a page that holds both
    // code they run and data they store (each run translates and watches it, each store
    // unwatches it): 4 threads doing that faulted up to ~130 times in a row on one store, also
    // on a page already unwatched again by the time the fault was looked at. A page the guest
    // may write is never write-protected on the host but for watching, so such a fault is
    // retried; the cap only stops an endless loop if that ever failed to hold.
    let mut rerun: Option<(u64, u64, bool, u32)> = None;
    loop {
        let event = {
            let m = os.mem();
            // Thumb code is fetched by halfwords, so a 16-bit instruction at the end of the
            // last executable page must not need the next page.
            // Translated pages the guest can write are watched for writes (self-modifying
            // code, see mem's code_watch); only translated code can take the write fault back.
            // Watching fetches go through a window read ahead (one lock per stretch of code).
            let window = std::cell::RefCell::new(mem::CodeWindow::default());
            let a32 = frontend == Frontend::A32;
            // (Two closures, not one that asks which: the lifters call this for every guest
            // instruction.)
            let fetch_watching = |a: u64| {
                let mut w = window.borrow_mut();
                w.fetch(m, a, 4)
                    .or_else(|| a32.then(|| w.fetch(m, a, 2)).flatten())
            };
            let fetch_alone = |a: u64| {
                m.fetch_code(a, 4, false)
                    .or_else(|| a32.then(|| m.fetch_code(a, 2, false)).flatten())
            };
            let fetch: &dyn Fn(u64) -> Option<u32> = match watch {
                true => &fetch_watching,
                false => &fetch_alone,
            };
            // A store into a page that was just unwatched runs alone, translated without
            // watching: translated with its neighbours, it could watch its own page again.
            let first = match rerun {
                Some((pc, addr, true, n)) => {
                    rerun = Some((pc, addr, false, n));
                    engine.run_one(cpu, &fetch_alone)
                }
                _ => None,
            };
            first.unwrap_or_else(|| engine.run(cpu, fetch))
        };
        match event {
            Event::Syscall(_) => match (config.syscall)(os, cpu) {
                linux::Flow::Continue if linux::forks() != forks => {
                    // A forked child: the parent's other threads, and their hold on the
                    // translation cache, stayed behind.
                    forks = linux::forks();
                    engine.after_fork();
                    seed_threads(os, &engine);
                }
                linux::Flow::Continue => {}
                linux::Flow::Exit(code) => return Ended::Process(code),
                linux::Flow::ThreadExit(code) => return Ended::Thread(code),
            },
            Event::Undefined { pc, word } => {
                if config.log_unimp {
                    let line = format!("armrun: undefined instruction {word:#010x} at {pc:#x}\n");
                    runtime::log::write(line.as_bytes());
                }
                // No ESR record: the kernel injects SIGILL for undefined instructions with a
                // zero fault code (force_signal_inject(..., 0)).
                let code = linux::si_code::ILL_ILLOPC;
                linux::force_sync_signal(os, cpu, libc::SIGILL, code, pc, None);
            }
            Event::Breakpoint { pc, .. } => {
                let code = linux::si_code::TRAP_BRKPT;
                linux::force_sync_signal(os, cpu, libc::SIGTRAP, code, pc, None);
            }
            Event::FetchFault { pc } => {
                // Mapped but not executable is an access error, anything else a missing map.
                let code = if os.mem().check(pc, 1, 0).is_ok() {
                    linux::si_code::SEGV_ACCERR
                } else {
                    linux::si_code::SEGV_MAPERR
                };
                linux::force_sync_signal(os, cpu, libc::SIGSEGV, code, pc, None);
            }
            Event::DataFault {
                pc,
                addr,
                sig,
                code,
                write,
            } => {
                let m = os.mem();
                let writable = || m.check(addr, 1, libc::PROT_WRITE).is_ok();
                let tries = rerun
                    .filter(|r| (r.0, r.1) == (pc, addr))
                    .map_or(0, |r| r.3);
                let retry = sig == libc::SIGSEGV
                    && write
                    && (m.code_write_fault(addr) || (tries < RACED_RERUNS && writable()));
                if retry {
                    rerun = Some((pc, addr, true, tries + 1));
                } else {
                    rerun = None;
                    data_fault(os, cpu, addr, sig, code, write);
                }
            }
            Event::Pending => linux::deliver_pending(os, cpu),
        }
        // Code unmapped, replaced or reprotected by any thread (dlclose then dlopen at the
        // same address, a JIT flipping W^X) must be translated afresh.
        engine.apply_code_changes(|seen| os.mem().code_changes_since(seen));
    }
}

/// Delivers the fault of a guest load or store (`cpu.pc` names it). A SIGSEGV is an access
/// error where the guest has the page mapped and a missing map otherwise, by armrun's record of
/// the guest's mappings (a 32-bit guest's unmapped pages are reserved on the host, so the
/// host's own code would say "access error"). A non-canonical address faults on x86-64 without
/// an address (`SI_KERNEL`); the guest sees a missing map at address 0 then.
fn data_fault(
    os: &mut linux::Linux,
    cpu: &mut CpuState,
    addr: u64,
    sig: i32,
    code: i32,
    write: bool,
) {
    const SI_KERNEL: i32 = 0x80;
    let (addr, code) = if sig == libc::SIGSEGV {
        let addr = if code == SI_KERNEL { 0 } else { addr };
        let mapped = code != SI_KERNEL && os.mem().check(addr, 1, 0).is_ok();
        let code = if mapped {
            linux::si_code::SEGV_ACCERR
        } else {
            linux::si_code::SEGV_MAPERR
        };
        (addr, code)
    } else {
        (addr, code)
    };
    linux::force_data_fault(os, cpu, sig, code, addr, write);
}

/// Names the task (`/proc/PID/comm`, what ps, pgrep and killall match) after the guest
/// program rather than armrun, truncated to the kernel's 15 characters.
fn set_task_name(opts: &cli::Options) {
    let name = opts
        .comm
        .clone()
        .or_else(|| opts.program.file_name().map(|n| n.to_owned()))
        .unwrap_or_default();
    let mut buf = [0u8; 16];
    let bytes = name.as_bytes();
    let n = bytes.len().min(15);
    buf[..n].copy_from_slice(&bytes[..n]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes from `buf`.
    unsafe { libc::prctl(libc::PR_SET_NAME, buf.as_ptr()) };
}

/// The options a guest execve of another ARM program passes to the new armrun: the same
/// sysroot (absolute, since the guest may change directory), log items and file (`log_file`,
/// continued), strace, stack size, uname release and backend. `-E`/`-U` are not repeated:
/// the guest's own environment is passed as it is.
fn exec_options(opts: &cli::Options, log_file: Option<&std::path::Path>) -> Vec<OsString> {
    let mut v: Vec<OsString> = Vec::new();
    if let Some(file) = log_file {
        v.push("-D".into());
        v.push(
            std::path::absolute(file)
                .unwrap_or_else(|_| file.to_path_buf())
                .into(),
        );
        v.push("--log-append".into());
    }
    if let Some(size) = opts.stack_size {
        v.push("-s".into());
        v.push(size.to_string().into());
    }
    if let Some(release) = &opts.uname_release {
        v.push("-r".into());
        v.push(release.clone());
    }
    if let Some(root) = &opts.sysroot {
        v.push("-L".into());
        v.push(
            std::path::absolute(root)
                .unwrap_or_else(|_| root.clone())
                .into_os_string(),
        );
    }
    if !opts.log_items.is_empty() {
        v.push("-d".into());
        v.push(opts.log_items.join(",").into());
    }
    if opts.strace {
        v.push("-strace".into());
    }
    if let Some(cpu) = &opts.cpu {
        v.push("-cpu".into());
        v.push(cpu.into());
    }
    if opts.interp {
        v.push("--interp".into());
    }
    if opts.no_routines {
        v.push("--no-routines".into());
    }
    if opts.no_jit_thread {
        v.push("--no-jit-thread".into());
    }
    v
}
