//! /proc emulation: files whose host version would describe armrun rather than the guest.
//!
//! `/proc/self/{auxv,cmdline,maps,smaps}` (also under `/proc/<own pid>/` and
//! `/proc/thread-self/`) and `/proc/cpuinfo` are generated here and served through a memfd,
//! reopened read-only, so the guest gets a real fd that reads, seeks, stats and mmaps like a
//! file. `/proc/self/exe` is handled by path resolution (see `path`). Everything else under
//! /proc is the host's.

use std::ffi::CStr;
use std::fmt::Write as _;

use crate::guest::{host, last_errno};
use crate::{Errno, Linux, SysResult};

/// Longest argv/envp list we walk when reading the initial stack (far above ARG_MAX's reach).
const MAX_STRINGS: u64 = 1 << 20;
/// Longest auxv we copy (the kernel's is under 64 entries).
const MAX_AUXV: u64 = 256;
/// Guest page size, for smaps.
const PAGE: u64 = 4096;

/// Feature names for AT_HWCAP bits, in bit order (arch/arm64/kernel/cpuinfo.c).
const HWCAP_NAMES: [&str; 32] = [
    "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp",
    "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4",
    "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb",
    "paca", "pacg",
];

/// Feature names for AT_HWCAP2 bits, in bit order.
const HWCAP2_NAMES: [&str; 23] = [
    "dcpodp",
    "sve2",
    "sveaes",
    "svepmull",
    "svebitperm",
    "svesha3",
    "svesm4",
    "flagm2",
    "frint",
    "svei8mm",
    "svef32mm",
    "svef64mm",
    "svebf16",
    "i8mm",
    "bf16",
    "dgh",
    "rng",
    "bti",
    "mte",
    "ecv",
    "afp",
    "rpres",
    "mte3",
];

/// Feature names for the 32-bit ARM AT_HWCAP bits, in bit order (arch/arm/kernel/setup.c).
const HWCAP32_NAMES: [&str; 28] = [
    "swp",
    "half",
    "thumb",
    "26bit",
    "fastmult",
    "fpa",
    "vfp",
    "edsp",
    "java",
    "iwmmxt",
    "crunch",
    "thumbee",
    "neon",
    "vfpv3",
    "vfpv3d16",
    "tls",
    "vfpv4",
    "idiva",
    "idivt",
    "vfpd32",
    "lpae",
    "evtstrm",
    "fphp",
    "asimdhp",
    "asimddp",
    "asimdfhm",
    "asimdbf16",
    "i8mm",
];

/// Feature names for the 32-bit ARM AT_HWCAP2 bits, in bit order.
const HWCAP2_32_NAMES: [&str; 7] = ["aes", "pmull", "sha1", "sha2", "crc32", "sb", "ssbs"];

/// What the guest learned at exec time, kept for /proc.
#[derive(Default, Clone)]
pub(crate) struct ProcInfo {
    /// AT_HWCAP and AT_HWCAP2 as given to the guest.
    pub hwcap: (u64, u64),
    /// /proc/cpuinfo's "model name" for 32-bit guests (an ARMv7 name when empty).
    pub model_name: String,
    /// The auxv as (key, value) pairs, AT_NULL included.
    pub auxv: Vec<(u64, u64)>,
    /// Guest range of the argument strings (`arg_start`, `arg_end`).
    pub args: (u64, u64),
    /// The initial stack pointer (names the `[stack]` mapping).
    pub sp: u64,
    /// The program break at exec (start of the `[heap]` mapping).
    pub brk_start: u64,
    /// The release `uname` reports (qemu's `-r`); the host's when `None`.
    pub uname_release: Option<Vec<u8>>,
}

/// A generated /proc file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcFile {
    Auxv,
    Cmdline,
    Maps,
    Smaps,
    Cpuinfo,
}

impl Linux {
    /// Sets the "model name" /proc/cpuinfo shows a 32-bit guest (the `-cpu` model's).
    pub fn set_cpu_model_name(&mut self, name: &str) {
        self.proc.model_name = name.to_owned();
    }

    /// Sets the kernel release `uname` reports (qemu's `-r` / `QEMU_UNAME`) instead of the
    /// host's.
    pub fn set_uname_release(&mut self, release: &[u8]) {
        self.proc.uname_release = Some(release.to_vec());
    }

    /// Bytes in a guest word (pointer, `long`): 4 for 32-bit guests, else 8.
    fn word_size(&self) -> u64 {
        if self.mem.is32() { 4 } else { 8 }
    }

    /// Sets the AT_HWCAP/AT_HWCAP2 values the guest was given (they decide the
    /// `/proc/cpuinfo` "Features" line).
    pub fn set_hwcap(&mut self, hwcap: u64, hwcap2: u64) {
        self.proc.hwcap = (hwcap, hwcap2);
    }

    /// Records the guest's initial stack (argc, argv, envp, auxv at `sp`, as the loader built
    /// it) so `/proc/self/cmdline` and `/proc/self/auxv` describe the guest. Call once after
    /// loading; a malformed stack just leaves those files empty.
    pub fn set_initial_stack(&mut self, sp: u64) {
        self.proc.sp = sp;
        self.proc.brk_start = self.mem.brk_current();
        let _ = self.read_initial_stack(sp);
    }

    fn read_initial_stack(&mut self, sp: u64) -> Result<(), mem::Fault> {
        // The loader wrote words of the guest's size: 4 bytes for 32-bit guests.
        let w = self.word_size();
        let mem = &self.mem;
        let word = |a: u64| -> Result<u64, mem::Fault> {
            if w == 4 {
                mem.read_u32(a).map(u64::from)
            } else {
                mem.read_u64(a)
            }
        };
        let argc = word(sp)?.min(MAX_STRINGS);
        if argc > 0 {
            let first = word(sp + w)?;
            let last = word(sp + w * argc)?;
            let len = self.mem.read_cstr(last, crate::guest::PATH_MAX * 32)?;
            let nul = len.iter().position(|&b| b == 0).unwrap_or(len.len());
            self.proc.args = (first, last + nul as u64 + 1);
        }
        // Skip argv and its NULL, then envp up to its NULL.
        let mut p = sp + w * (argc + 2);
        for _ in 0..MAX_STRINGS {
            let v = word(p)?;
            p += w;
            if v == 0 {
                break;
            }
        }
        for _ in 0..MAX_AUXV {
            let key = word(p)?;
            let val = word(p + w)?;
            self.proc.auxv.push((key, val));
            p += 2 * w;
            if key == 0 {
                break;
            }
        }
        Ok(())
    }

    /// The generated file a guest path names, if any.
    pub(crate) fn proc_file(&self, p: &CStr) -> Option<ProcFile> {
        let p = p.to_bytes();
        if p == b"/proc/cpuinfo" {
            return Some(ProcFile::Cpuinfo);
        }
        let rest = self.own_proc_entry(p)?;
        match rest {
            b"auxv" => Some(ProcFile::Auxv),
            b"cmdline" => Some(ProcFile::Cmdline),
            b"maps" => Some(ProcFile::Maps),
            b"smaps" => Some(ProcFile::Smaps),
            _ => None,
        }
    }

    /// The part of `p` after `/proc/self/`, `/proc/thread-self/` or `/proc/<own pid>/`.
    pub(crate) fn own_proc_entry<'a>(&self, p: &'a [u8]) -> Option<&'a [u8]> {
        let rest = p.strip_prefix(b"/proc/")?;
        let own = std::process::id().to_string();
        [b"self/".as_slice(), b"thread-self/", own.as_bytes()]
            .iter()
            .find_map(|pre| {
                let r = rest.strip_prefix(*pre)?;
                // "<pid>" needs its own slash; the other two prefixes include it.
                if pre.ends_with(b"/") {
                    Some(r)
                } else {
                    r.strip_prefix(b"/")
                }
            })
    }

    /// The current contents of a generated file.
    pub(crate) fn proc_contents(&self, f: ProcFile) -> Vec<u8> {
        match f {
            ProcFile::Auxv => {
                let w = self.word_size() as usize;
                self.proc
                    .auxv
                    .iter()
                    .flat_map(|&(k, v)| {
                        let (k, v) = (k.to_le_bytes(), v.to_le_bytes());
                        k.into_iter().take(w).chain(v.into_iter().take(w))
                    })
                    .collect()
            }
            ProcFile::Cmdline => {
                // Read live, as the kernel does, so a guest rewriting its argv is seen.
                let (a, b) = self.proc.args;
                let mut buf = vec![0u8; b.saturating_sub(a) as usize];
                match self.mem.read(a, &mut buf) {
                    Ok(()) => buf,
                    Err(_) => Vec::new(),
                }
            }
            ProcFile::Maps => self.maps_text(false).into_bytes(),
            ProcFile::Smaps => self.maps_text(true).into_bytes(),
            ProcFile::Cpuinfo => {
                if self.mem.is32() {
                    cpuinfo32(self.proc.hwcap, &self.proc.model_name).into_bytes()
                } else {
                    cpuinfo(self.proc.hwcap).into_bytes()
                }
            }
        }
    }

    /// /proc/self/maps (or smaps with `detail`) for the guest's mappings only.
    fn maps_text(&self, detail: bool) -> String {
        let mut s = String::new();
        for (start, end, prot, backing) in self.mem.regions_backed() {
            let backing = backing.as_ref();
            let flag = |bit: i32, c: char| if prot & bit != 0 { c } else { '-' };
            let shared = backing.is_some_and(|b| b.shared);
            let perms: String = [
                flag(libc::PROT_READ, 'r'),
                flag(libc::PROT_WRITE, 'w'),
                flag(libc::PROT_EXEC, 'x'),
                if shared { 's' } else { 'p' },
            ]
            .iter()
            .collect();
            let (offset, major, minor, inode) =
                backing.map_or((0, 0, 0, 0), |b| (b.offset, b.major, b.minor, b.inode));
            let name: String = match backing {
                Some(b) if !b.path.is_empty() => String::from_utf8_lossy(&b.path).into_owned(),
                _ if (start..end).contains(&self.proc.sp) => "[stack]".into(),
                _ if self.is_heap(start) => "[heap]".into(),
                _ => String::new(),
            };
            // The kernel's line: addresses, perms, offset, device, inode and a space, then the
            // name padded to column 74 (an unnamed line keeps the trailing space).
            let mut line = format!(
                "{start:08x}-{end:08x} {perms} {offset:08x} {major:02x}:{minor:02x} {inode} "
            );
            if !name.is_empty() {
                while line.len() < 73 {
                    line.push(' ');
                }
                line.push_str(&name);
            }
            s.push_str(&line);
            s.push('\n');
            if detail {
                self.smaps_entry(&mut s, start, end, prot);
            }
        }
        s
    }

    /// Whether a mapping starting at `start` lies in the brk heap.
    fn is_heap(&self, start: u64) -> bool {
        let (Some(lo), Some(hi)) = (
            mem::page_up(self.proc.brk_start),
            mem::page_up(self.mem.brk_current()),
        ) else {
            return false;
        };
        self.proc.brk_start != 0 && (lo..hi).contains(&start)
    }

    /// The per-mapping detail lines of /proc/self/smaps.
    fn smaps_entry(&self, s: &mut String, start: u64, end: u64, prot: i32) {
        let size_kb = (end - start) / 1024;
        let rss_kb = self.resident_pages(start, end) * (PAGE / 1024);
        let kb = |s: &mut String, label: &str, v: u64| {
            let _ = writeln!(s, "{:<16}{v:>8} kB", format!("{label}:"));
        };
        kb(s, "Size", size_kb);
        kb(s, "KernelPageSize", PAGE / 1024);
        kb(s, "MMUPageSize", PAGE / 1024);
        kb(s, "Rss", rss_kb);
        kb(s, "Pss", rss_kb);
        kb(s, "Pss_Dirty", rss_kb);
        kb(s, "Shared_Clean", 0);
        kb(s, "Shared_Dirty", 0);
        kb(s, "Private_Clean", 0);
        kb(s, "Private_Dirty", rss_kb);
        kb(s, "Referenced", rss_kb);
        kb(s, "Anonymous", rss_kb);
        for label in [
            "KSM",
            "LazyFree",
            "AnonHugePages",
            "ShmemPmdMapped",
            "FilePmdMapped",
            "Shared_Hugetlb",
            "Private_Hugetlb",
            "Swap",
            "SwapPss",
            "Locked",
        ] {
            kb(s, label, 0);
        }
        s.push_str("THPeligible:    0\nVmFlags:");
        for (bit, name) in [
            (libc::PROT_READ, "rd"),
            (libc::PROT_WRITE, "wr"),
            (libc::PROT_EXEC, "ex"),
        ] {
            if prot & bit != 0 {
                s.push(' ');
                s.push_str(name);
            }
        }
        s.push_str(" mr mw me ac \n");
    }

    /// Resident pages in a guest range, from the host's page tables (0 where unknown). Asked
    /// in bounded chunks: a guest may reserve terabytes.
    fn resident_pages(&self, start: u64, end: u64) -> u64 {
        const CHUNK: u64 = 4096;
        let mut v = [0u8; CHUNK as usize];
        let mut total = 0;
        let mut a = start;
        while a < end {
            let pages = ((end - a) / PAGE).min(CHUNK);
            if pages == 0 {
                break;
            }
            // SAFETY: [a, a + pages pages) lies inside a whole-page guest mapping; `v` has one
            // byte per page asked for.
            let r = unsafe {
                libc::mincore(
                    self.mem.host(a) as *mut _,
                    (pages * PAGE) as usize,
                    v.as_mut_ptr(),
                )
            };
            if r == 0 {
                total += v[..pages as usize].iter().filter(|&&b| b & 1 != 0).count() as u64;
            }
            a += pages * PAGE;
        }
        total
    }

    /// Opens a generated file as a read-only fd (see the module comment). `guest_flags` are
    /// the guest's open flags (only the access mode and O_CLOEXEC matter).
    pub(crate) fn open_proc(&self, f: ProcFile, guest_flags: u64) -> SysResult {
        if guest_flags & libc::O_ACCMODE as u64 != libc::O_RDONLY as u64 {
            return Err(Errno(libc::EACCES));
        }
        let cloexec = guest_flags & libc::O_CLOEXEC as u64 != 0;
        let data = self.proc_contents(f);
        // SAFETY: a static NUL-terminated name; no other pointers.
        let fd =
            host(unsafe { libc::memfd_create(c"armrun-proc".as_ptr(), libc::MFD_CLOEXEC) } as i64)?
                as i32;
        let close = |fd: i32| {
            // SAFETY: closing an fd we created.
            unsafe { libc::close(fd) };
        };
        let mut done = 0;
        while done < data.len() {
            // SAFETY: the remaining bytes of our own buffer.
            let n =
                unsafe { libc::write(fd, data[done..].as_ptr() as *const _, data.len() - done) };
            if n <= 0 {
                let e = last_errno();
                close(fd);
                return Err(e);
            }
            done += n as usize;
        }
        // Reopening through /proc gives a read-only fd at offset 0, like the real file.
        let path = format!("/proc/self/fd/{fd}\0");
        let mode = libc::O_RDONLY | if cloexec { libc::O_CLOEXEC } else { 0 };
        // SAFETY: a NUL-terminated path we built.
        let ro = unsafe { libc::open(path.as_ptr() as *const _, mode) };
        if ro >= 0 {
            close(fd);
            return Ok(ro as u64);
        }
        // No host /proc: hand out the memfd itself, rewound.
        // SAFETY: plain fd operations on our own fd.
        unsafe {
            libc::lseek(fd, 0, libc::SEEK_SET);
            if !cloexec {
                libc::fcntl(fd, libc::F_SETFD, 0);
            }
        }
        Ok(fd as u64)
    }
}

/// The "Features" line's names for the set bits of `hwcap` (one table per word), each with a
/// leading space.
fn feature_names(hwcap: (u64, u64), names: (&[&str], &[&str])) -> String {
    let mut features = String::new();
    for (word, table) in [(hwcap.0, names.0), (hwcap.1, names.1)] {
        for (i, name) in table.iter().enumerate() {
            if word & (1 << i) != 0 {
                features.push(' ');
                features.push_str(name);
            }
        }
    }
    features
}

/// /proc/cpuinfo in the 32-bit ARM kernel's format (named `model`, else an ARMv7 part), one
/// entry per host CPU.
fn cpuinfo32(hwcap: (u64, u64), model: &str) -> String {
    let features = feature_names(hwcap, (&HWCAP32_NAMES, &HWCAP2_32_NAMES));
    let model = if model.is_empty() {
        "ARMv7 Processor rev 5 (v7l)"
    } else {
        model
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut s = String::new();
    for i in 0..cpus {
        let _ = write!(
            s,
            "processor\t: {i}\nmodel name\t: {model}\nBogoMIPS\t: 50.00\n\
             Features\t:{features}\nCPU implementer\t: 0x41\nCPU architecture: 7\n\
             CPU variant\t: 0x0\nCPU part\t: 0xc07\nCPU revision\t: 5\n\n"
        );
    }
    s.push_str("Hardware\t: armrun\nRevision\t: 0000\nSerial\t\t: 0000000000000000\n");
    s
}

/// /proc/cpuinfo in the arm64 kernel's format, one entry per host CPU.
fn cpuinfo(hwcap: (u64, u64)) -> String {
    let features = feature_names(hwcap, (&HWCAP_NAMES, &HWCAP2_NAMES));
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut s = String::new();
    for i in 0..cpus {
        // An Arm Ltd (0x41) Neoverse-N1-like part: only the Features line matters to
        // programs, which must not guess features from the part number.
        let _ = write!(
            s,
            "processor\t: {i}\nBogoMIPS\t: 50.00\nFeatures\t:{features}\n\
             CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n\
             CPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
        );
    }
    s
}
