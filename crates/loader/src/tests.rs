//! Unit tests with hand-made ELF images.

use super::*;
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR};
use std::sync::atomic::{AtomicU32, Ordering};

const R: i32 = libc::PROT_READ;
const W: i32 = libc::PROT_WRITE;
const X: i32 = libc::PROT_EXEC;

/// (p_type, p_flags, p_offset, p_vaddr, p_filesz, p_memsz, p_align)
type Ph = (u32, u32, u64, u64, u64, u64, u64);

/// A little-endian ELF64 image: header, program headers at 64, then zero padding up to `len`
/// with `patches` written at their offsets.
fn elf64(
    e_type: u16,
    machine: u16,
    entry: u64,
    phs: &[Ph],
    len: usize,
    patches: &[(usize, &[u8])],
) -> Vec<u8> {
    let mut b = vec![0u8; len.max(64 + 56 * phs.len())];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 2; // ELFCLASS64
    b[5] = 1; // little endian
    b[6] = 1; // EV_CURRENT
    b[16..18].copy_from_slice(&e_type.to_le_bytes());
    b[18..20].copy_from_slice(&machine.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..32].copy_from_slice(&entry.to_le_bytes());
    b[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    b[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    b[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    b[56..58].copy_from_slice(&(phs.len() as u16).to_le_bytes());
    for (i, p) in phs.iter().enumerate() {
        let o = 64 + 56 * i;
        b[o..o + 4].copy_from_slice(&p.0.to_le_bytes());
        b[o + 4..o + 8].copy_from_slice(&p.1.to_le_bytes());
        for (j, v) in [p.2, p.3, p.3, p.4, p.5, p.6].iter().enumerate() {
            b[o + 8 + 8 * j..o + 16 + 8 * j].copy_from_slice(&v.to_le_bytes());
        }
    }
    for (off, data) in patches {
        b[*off..*off + data.len()].copy_from_slice(data);
    }
    b
}

/// A little-endian ELF32 EM_ARM executable with one PT_LOAD.
fn elf32_arm() -> Vec<u8> {
    let mut b = vec![0u8; 0x100];
    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = 1;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&2u16.to_le_bytes());
    b[18..20].copy_from_slice(&40u16.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    b[24..28].copy_from_slice(&0x10000u32.to_le_bytes());
    b[28..32].copy_from_slice(&52u32.to_le_bytes()); // e_phoff
    b[36..40].copy_from_slice(&0x0500_0400u32.to_le_bytes()); // EABI5, hard float
    b[40..42].copy_from_slice(&52u16.to_le_bytes());
    b[42..44].copy_from_slice(&32u16.to_le_bytes());
    b[44..46].copy_from_slice(&1u16.to_le_bytes());
    let ph = [
        PT_LOAD,
        0,
        0x10000,
        0x10000,
        0x100,
        0x100,
        PF_R | PF_X,
        0x1000,
    ];
    for (i, v) in ph.iter().enumerate() {
        b[52 + 4 * i..56 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    b
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Writes `bytes` to a fresh temp file and returns its path.
fn temp_file(bytes: &[u8]) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!("loader-test-{}-{n}", std::process::id()));
    std::fs::write(&p, bytes).unwrap();
    p
}

fn load_bytes_err(bytes: &[u8]) -> String {
    let p = temp_file(bytes);
    let mut m = GuestMem::new64();
    let r = load(&mut m, &p, &[b"x".to_vec()], &[], None);
    let _ = std::fs::remove_file(&p);
    format!("{}", r.unwrap_err())
}

/// An AArch64 ET_EXEC image of 0x1100 bytes with program headers `phs`, entry at base + 0x100
/// where a NOP is, `data_len` bytes of 0xaa at file offset `data_at` and 16 of 0xbb after.
fn nop_exec(base: u64, phs: &[Ph], data_at: usize, data_len: usize) -> Vec<u8> {
    let data = vec![0xaa; data_len];
    let patches: [(usize, &[u8]); 3] = [
        (0x100, b"\x1f\x20\x03\xd5"),
        (data_at, &data),
        (data_at + data_len, &[0xbb; 16]),
    ];
    elf64(2, 183, base + 0x100, phs, 0x1100, &patches)
}

fn text(addr: u64) -> Ph {
    (PT_LOAD, PF_R | PF_X, 0, addr, 0x200, 0x200, 0x1000)
}

#[test]
fn rejects_non_elf_and_truncated() {
    assert!(matches!(probe(b""), Err(LoadError::NotElf)));
    assert!(matches!(probe(b"#!/bin/sh\n"), Err(LoadError::NotElf)));
    assert!(matches!(probe(b"\x7fEL"), Err(LoadError::Truncated)));
    let good = elf64(2, 183, 0x40_0000, &[text(0x40_0000)], 0x200, &[]);
    assert!(matches!(probe(&good[..40]), Err(LoadError::Truncated)));
    // Program headers past EOF.
    assert!(matches!(probe(&good[..100]), Err(LoadError::Truncated)));
    let p = temp_file(b"not elf");
    let e = load(&mut GuestMem::new64(), &p, &[], &[], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("armrun: {}: not an ELF file", p.display())
    );
    let _ = std::fs::remove_file(&p);
    let e = load(
        &mut GuestMem::new64(),
        Path::new("/dev/zero"),
        &[],
        &[],
        None,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "armrun: /dev/zero: not a regular file");
}

#[test]
fn rejects_foreign_machines() {
    let x86 = elf64(2, 62, 0x40_0000, &[text(0x40_0000)], 0x200, &[]);
    let e = probe(&x86).unwrap_err();
    assert!(matches!(e, LoadError::UnsupportedMachine(62)));
    assert_eq!(e.to_string(), "armrun: unsupported machine x86-64 (EM 62)");
    let mut be = x86.clone();
    be[5] = 2;
    assert!(matches!(probe(&be), Err(LoadError::NotLittleEndian)));
    let mut badclass = x86;
    badclass[4] = 7;
    assert!(matches!(probe(&badclass), Err(LoadError::BadClass(7))));
}

#[test]
fn arm32_probe_and_oabi_refusal() {
    let mut b = elf32_arm();
    assert_eq!(probe(&b).unwrap(), Arch::A32);
    // EF_ARM_EABIMASK of 0: the old ABI.
    b[36..40].copy_from_slice(&0u32.to_le_bytes());
    assert!(matches!(probe(&b), Err(LoadError::ArmOabi)));
    assert!(load_bytes_err(&b).contains("old-ABI (OABI)"));
}

#[test]
fn loads_arm32_with_kuser_page() {
    let p = temp_file(&elf32_arm());
    let mut m = GuestMem::new32().unwrap();
    let l = load(&mut m, &p, &[b"prog".to_vec()], &[b"A=1".to_vec()], None).unwrap();
    let _ = std::fs::remove_file(&p);
    assert!(l.is32);
    assert_eq!(l.entry, 0x10000);
    // argc, then 4-byte argv/envp pointers.
    assert_eq!(m.read_u32(l.sp).unwrap(), 1);
    let argv0 = m.read_u32(l.sp + 4).unwrap() as u64;
    assert_eq!(m.read_cstr(argv0, 16).unwrap(), b"prog");
    assert_eq!(m.read_u32(l.sp + 8).unwrap(), 0);
    // The helper page: version 5, get_tls's MRC, executable but not writable.
    assert_eq!(m.read_u32(kuser::PAGE_ADDR + 0xffc).unwrap(), 5);
    assert_eq!(m.read_u32(kuser::PAGE_ADDR + 0xfe0).unwrap(), 0xee1d_0f70);
    assert!(m.check(kuser::PAGE_ADDR, 4096, libc::PROT_EXEC).is_ok());
    assert!(m.check(kuser::PAGE_ADDR, 4, libc::PROT_WRITE).is_err());
}

#[test]
fn rejects_bad_program_headers() {
    let base = 0x40_0000;
    // p_filesz > p_memsz.
    let b = elf64(
        2,
        183,
        base,
        &[(PT_LOAD, PF_R, 0, base, 0x200, 0x100, 0x1000)],
        0x200,
        &[],
    );
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    // Segment bytes past EOF.
    let b = elf64(
        2,
        183,
        base,
        &[(PT_LOAD, PF_R, 0x100, base, 0x1000, 0x1000, 0x1000)],
        0x200,
        &[],
    );
    assert!(matches!(probe(&b), Err(LoadError::Truncated)));
    // No PT_LOAD at all.
    let b = elf64(
        2,
        183,
        base,
        &[(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16)],
        0x200,
        &[],
    );
    assert!(load_bytes_err(&b).contains("no loadable segments"));
    // Overlapping segments.
    let b = elf64(2, 183, base, &[text(base), text(base + 0x100)], 0x200, &[]);
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    // Absurd addresses and sizes.
    let b = elf64(
        2,
        183,
        0,
        &[(PT_LOAD, PF_R, 0, u64::MAX - 10, 0, 100, 0)],
        0x200,
        &[],
    );
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    let b = elf64(
        2,
        183,
        0,
        &[(PT_LOAD, PF_R, 0, 0x1000, 0, 1 << 45, 0)],
        0x200,
        &[],
    );
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    let b = elf64(
        2,
        183,
        0,
        &[(PT_LOAD, PF_R, 0, 0x1000, 0, 0x1000, 3)],
        0x200,
        &[],
    );
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    // Wrong e_phentsize, absurd e_phnum.
    let mut b = elf64(2, 183, base, &[text(base)], 0x200, &[]);
    b[54] = 55;
    assert!(matches!(probe(&b), Err(LoadError::Malformed(_))));
    b[54] = 56;
    b[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    assert!(probe(&b).is_err());
    // Not an executable (ET_REL).
    let b = elf64(1, 183, base, &[text(base)], 0x200, &[]);
    assert!(matches!(probe(&b), Err(LoadError::NotExecutable(1))));
    // PT_INTERP past EOF.
    let b = elf64(
        2,
        183,
        base,
        &[(PT_INTERP, PF_R, 0x1f0, 0, 0x100, 0x100, 1), text(base)],
        0x200,
        &[],
    );
    assert!(load_bytes_err(&b).contains("truncated"));
}

/// The initial stack read back: (argc, argv, envp, auxv).
type StackView = (u64, Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<(u64, u64)>);

/// Reads the stack back.
fn read_stack(m: &GuestMem, sp: u64) -> StackView {
    let argc = m.read_u64(sp).unwrap();
    let mut p = sp + 8;
    let mut argv = Vec::new();
    for _ in 0..argc {
        argv.push(m.read_cstr(m.read_u64(p).unwrap(), 4096).unwrap());
        p += 8;
    }
    assert_eq!(m.read_u64(p).unwrap(), 0);
    p += 8;
    let mut envp = Vec::new();
    loop {
        let s = m.read_u64(p).unwrap();
        p += 8;
        if s == 0 {
            break;
        }
        envp.push(m.read_cstr(s, 4096).unwrap());
    }
    let mut aux = Vec::new();
    loop {
        let (k, v) = (m.read_u64(p).unwrap(), m.read_u64(p + 8).unwrap());
        p += 16;
        aux.push((k, v));
        if k == 0 {
            break;
        }
    }
    (argc, argv, envp, aux)
}

fn aux_get(aux: &[(u64, u64)], k: u64) -> u64 {
    aux.iter().find(|a| a.0 == k).map(|a| a.1).unwrap()
}

#[test]
fn loads_tiny_exec() {
    let base = 0x2100_0000_0000u64;
    // text: file [0, 0x200) at base; data: file [0x1000, 0x1010) at base+0x1ff0 with bss to
    // base+0x3000, sharing no page with text; the last file page tail must be zeroed.
    let phs = [
        (PT_PHDR, PF_R, 64, base + 64, 56 * 4, 56 * 4, 8),
        text(base),
        (
            PT_LOAD,
            PF_R | PF_W,
            0x1000,
            base + 0x1ff0,
            0x10,
            0x1010,
            0x1000,
        ),
        (PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16),
    ];
    let b = nop_exec(base, &phs, 0x1000, 16);
    let p = temp_file(&b);
    let mut m = GuestMem::new64();
    let argv = [b"prog".to_vec(), b"arg one".to_vec()];
    let envp = [b"A=1".to_vec()];
    let l = load(&mut m, &p, &argv, &envp, None).unwrap();
    let _ = std::fs::remove_file(&p);
    assert_eq!(l.entry, base + 0x100);
    assert_eq!(l.base, 0);
    assert_eq!(l.phdr, base + 64);
    assert_eq!(l.brk, base + 0x3000);
    assert!(!l.is32);
    assert_eq!(l.interp, None);
    assert_eq!(m.read_u32(base + 0x100).unwrap(), 0xd503_201f);
    assert!(m.check(base, 0x1000, R | X).is_ok());
    assert!(m.check(base, 1, W).is_err());
    assert!(m.check(base + 0x1000, 0x2000, R | W).is_ok());
    assert_eq!(m.read_u64(base + 0x1ff0).unwrap(), 0xaaaa_aaaa_aaaa_aaaa);
    // The byte after p_filesz came from the file as 0xbb but is bss: must be zero.
    assert_eq!(m.read_u64(base + 0x2000).unwrap(), 0);
    // Stack: 16-byte aligned, argc/argv/envp/auxv in order, exec recorded.
    assert_eq!(l.sp % 16, 0);
    assert!(m.check(l.sp, 8, R | W | X).is_ok());
    let (argc, av, ev, aux) = read_stack(&m, l.sp);
    assert_eq!(argc, 2);
    assert_eq!(av, argv);
    assert_eq!(ev, envp);
    assert_eq!(aux_get(&aux, stack::at::PHDR), base + 64);
    assert_eq!(aux_get(&aux, stack::at::PHNUM), 4);
    assert_eq!(aux_get(&aux, stack::at::PHENT), 56);
    assert_eq!(aux_get(&aux, stack::at::ENTRY), base + 0x100);
    assert_eq!(aux_get(&aux, stack::at::BASE), 0);
    assert_eq!(aux_get(&aux, stack::at::PAGESZ), 4096);
    assert_eq!(aux_get(&aux, stack::at::HWCAP), DEFAULT_HWCAP);
    assert_eq!(aux_get(&aux, stack::at::MINSIGSTKSZ), 5120);
    assert_eq!(
        m.read_cstr(aux_get(&aux, stack::at::PLATFORM), 64).unwrap(),
        b"aarch64"
    );
    assert_eq!(
        m.read_cstr(aux_get(&aux, stack::at::EXECFN), 4096).unwrap(),
        p.as_os_str().as_encoded_bytes()
    );
    assert!(m.check(aux_get(&aux, stack::at::RANDOM), 16, R).is_ok());
    m.set_brk_start(l.brk);
    assert_eq!(m.brk(l.brk + 0x10), l.brk + 0x10);
    // Loading the same ET_EXEC again into the same space overlaps and fails cleanly.
    let p = temp_file(&b);
    assert!(load(&mut m, &p, &argv, &envp, None).is_err());
    let _ = std::fs::remove_file(&p);
}

/// Segments whose file offsets agree with their addresses within a page are mapped from the
/// file, privately: the loader reads nothing it need not (a change to the file shows in pages
/// the guest has not written, as with the kernel's loader), the guest's writes stay its own,
/// and the rest of the last file page before bss reads as zero.
#[test]
fn maps_segments_from_the_file() {
    let base = 0x2140_0000_0000u64;
    // data: file [0xff0, 0x1010) at base+0x1ff0 (page-congruent), bss to base+0x3010.
    let phs = [
        text(base),
        (
            PT_LOAD,
            PF_R | PF_W,
            0xff0,
            base + 0x1ff0,
            0x20,
            0x1020,
            0x1000,
        ),
    ];
    let b = nop_exec(base, &phs, 0xff0, 0x20);
    let p = temp_file(&b);
    let mut m = GuestMem::new64();
    load(&mut m, &p, &[b"prog".to_vec()], &[], None).unwrap();
    assert_eq!(m.read_u64(base + 0x1ff0).unwrap(), 0xaaaa_aaaa_aaaa_aaaa);
    assert_eq!(m.read_u64(base + 0x2008).unwrap(), 0xaaaa_aaaa_aaaa_aaaa);
    assert_eq!(
        m.read_u64(base + 0x2010).unwrap(),
        0,
        "bss in the last file page"
    );
    assert_eq!(m.read_u64(base + 0x3008).unwrap(), 0, "bss after it");
    assert!(m.check(base, 0x1000, R | X).is_ok());
    assert!(m.check(base + 0x1000, 0x3000, R | W).is_ok());
    // The text page is the file's: a write to the file (in place: truncating it would drop
    // even the private copies of its pages) shows there.
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.write_all_at(&[1, 2, 3, 4], 0x100).unwrap();
        f.write_all_at(&[5; 8], 0x1000).unwrap();
    }
    assert_eq!(m.read_u32(base + 0x100).unwrap(), 0x0403_0201);
    // The page whose bss tail was zeroed is a private copy already.
    assert_eq!(m.read_u64(base + 0x2000).unwrap(), 0xaaaa_aaaa_aaaa_aaaa);
    // A guest write stays in guest memory.
    m.write(base + 0x1ff0, &[0x11; 8]).unwrap();
    assert_eq!(std::fs::read(&p).unwrap()[0xff0], 0xaa);
    // A file that cannot be mapped (here: open for writing only) is copied instead.
    drop(m);
    let wronly = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    let img = elf::Image::parse(&b).unwrap();
    let mut m = GuestMem::new64();
    segments::place(&mut m, &img, 0, None, Some(&wronly)).unwrap();
    assert_eq!(m.read_u32(base + 0x100).unwrap(), 0xd503_201f);
    assert_eq!(m.read_u64(base + 0x2008).unwrap(), 0xaaaa_aaaa_aaaa_aaaa);
    assert_eq!(m.read_u64(base + 0x2010).unwrap(), 0);
    let _ = std::fs::remove_file(&p);
}

/// The stack mapping has the size asked for (whole pages, at least `STACK_MIN`); a size the
/// window cannot hold is a load error, not a panic.
#[test]
fn stack_size_option() {
    let base = 0x2300_0000_0000u64;
    let b = elf64(2, 183, base, &[text(base)], 0x200, &[]);
    let p = temp_file(&b);
    let stack_of = |size: u64| {
        let mut m = GuestMem::new64();
        let opts = LoadOptions {
            stack_size: size,
            ..LoadOptions::default()
        };
        let l = load_program(
            &mut m,
            &read_file(&p)?,
            &p,
            &[b"p".to_vec()],
            &[],
            None,
            &opts,
        )?;
        let (start, end, _) = m
            .regions()
            .into_iter()
            .find(|r| r.0 <= l.sp && l.sp < r.1)
            .expect("sp lies in a mapping");
        Ok::<_, LoadError>((start, end))
    };
    let (start, end) = stack_of(stack::STACK_SIZE).unwrap();
    assert_eq!(end - start, 8 << 20);
    let (start, end) = stack_of(100 << 20).unwrap();
    assert_eq!(end - start, 100 << 20);
    let (start, end) = stack_of(stack::STACK_MIN + 1).unwrap();
    assert_eq!(end - start, stack::STACK_MIN + 4096);
    let (start, end) = stack_of(1).unwrap();
    assert_eq!(end - start, stack::STACK_MIN);
    assert!(stack_of(u64::MAX).is_err());
    let _ = std::fs::remove_file(&p);
}

/// AT_SECURE is what the caller says (armrun passes the kernel's own value, which
/// `LoadOptions::default` reads), next to the credentials the loader takes from the host.
#[test]
fn secure_mode_option() {
    let base = 0x2380_0000_0000u64;
    let b = elf64(2, 183, base, &[text(base)], 0x200, &[]);
    let p = temp_file(&b);
    let aux_of = |secure: Option<bool>| {
        let mut m = GuestMem::new64();
        let mut opts = LoadOptions::default();
        if let Some(s) = secure {
            opts.secure = s;
        }
        let l = load_program(
            &mut m,
            &read_file(&p).unwrap(),
            &p,
            &[b"p".to_vec()],
            &[],
            None,
            &opts,
        )
        .unwrap();
        read_stack(&m, l.sp).3
    };
    for secure in [false, true] {
        assert_eq!(
            aux_get(&aux_of(Some(secure)), stack::at::SECURE),
            u64::from(secure)
        );
    }
    let host = aux_of(None);
    // SAFETY: getauxval only reads this process's auxiliary vector.
    let kernel = unsafe { libc::getauxval(libc::AT_SECURE) };
    assert_eq!(aux_get(&host, stack::at::SECURE), kernel);
    // SAFETY: geteuid has no arguments and cannot fail.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(aux_get(&host, stack::at::EUID), u64::from(euid));
    let _ = std::fs::remove_file(&p);
}

#[test]
fn loads_dyn_with_interp_from_sysroot() {
    // The interpreter: ET_DYN at 0 with a 64 KiB-aligned segment.
    let interp = elf64(
        3,
        183,
        0x40,
        &[(PT_LOAD, PF_R | PF_X, 0, 0, 0x200, 0x200, 0x10000)],
        0x200,
        &[],
    );
    let root = std::env::temp_dir().join(format!("loader-root-{}", std::process::id()));
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(root.join("lib/ld-test.so.1"), &interp).unwrap();
    // The program: ET_DYN with PT_INTERP and no PT_PHDR (phdrs found through the first PT_LOAD).
    let name = b"/lib/ld-test.so.1\0";
    let prog = elf64(
        3,
        183,
        0x180,
        &[
            (
                PT_INTERP,
                PF_R,
                0x1c0,
                0,
                name.len() as u64,
                name.len() as u64,
                1,
            ),
            (PT_LOAD, PF_R | PF_X, 0, 0, 0x200, 0x5000, 0x1000),
        ],
        0x200,
        &[(0x1c0, name)],
    );
    let p = temp_file(&prog);
    let mut m = GuestMem::new64();
    let l = load(&mut m, &p, &[b"p".to_vec()], &[], Some(&root)).unwrap();
    let _ = std::fs::remove_file(&p);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(l.interp.as_deref(), Some("/lib/ld-test.so.1"));
    assert_ne!(l.base, 0);
    assert_eq!(l.base % 0x10000, 0);
    assert_eq!(l.entry, l.base + 0x40);
    let bias = l.phdr - 64;
    assert_eq!(bias % 4096, 0);
    assert_ne!(bias, 0);
    assert_eq!(l.brk, bias + 0x5000);
    let (_, _, _, aux) = read_stack(&m, l.sp);
    assert_eq!(aux_get(&aux, stack::at::BASE), l.base);
    assert_eq!(aux_get(&aux, stack::at::ENTRY), bias + 0x180);
    assert_eq!(aux_get(&aux, stack::at::PHDR), bias + 64);
    // The stack is not executable without PT_GNU_STACK on AArch64.
    assert!(m.check(l.sp, 8, X).is_err());
    // The interpreter is missing without the sysroot.
    let p = temp_file(&prog);
    let e = load(&mut GuestMem::new64(), &p, &[], &[], None).unwrap_err();
    let _ = std::fs::remove_file(&p);
    assert!(
        e.to_string().starts_with("armrun: /lib/ld-test.so.1: "),
        "{e}"
    );
}

#[test]
fn never_panics_on_mutations() {
    // Flip bytes of a valid image one at a time; every outcome must be Ok or Err, not a panic.
    let base = 0x2200_0000_0000u64;
    let phs = [
        text(base),
        (
            PT_LOAD,
            PF_R | PF_W,
            0x200,
            base + 0x1200,
            0x10,
            0x2000,
            0x1000,
        ),
    ];
    let good = elf64(2, 183, base, &phs, 0x240, &[]);
    for i in 0..(64 + 56 * 2) {
        for v in [0u8, 0xff, 0x80, 0x01] {
            let mut b = good.clone();
            b[i] = v;
            if probe(&b).is_ok() {
                let mut m = GuestMem::new64();
                let _ = load_bytes(
                    &mut m,
                    &b,
                    Path::new("x"),
                    &[],
                    &[],
                    None,
                    &LoadOptions::default(),
                );
            }
        }
    }
}

/// A program file is mapped where it can be and read where it cannot (procfs has no mmap):
/// either way the bytes are the file's; an empty file gives none.
#[test]
fn program_bytes_are_the_files() {
    let dir = std::env::temp_dir().join(format!("armrun-read-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prog");
    let content: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    std::fs::write(&file, &content).unwrap();
    let bytes = read_program(&file).unwrap();
    assert!(matches!(bytes, ProgramBytes::Mapped(_)));
    assert_eq!(&*bytes, &content[..]);
    std::fs::write(&file, b"").unwrap();
    assert!(read_program(&file).unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
    // Its size says 0, but it has bytes to read.
    let status = read_program(Path::new("/proc/self/status")).unwrap();
    assert!(matches!(status, ProgramBytes::Read(_)));
    assert!(
        status.starts_with(b"Name:"),
        "{:?}",
        String::from_utf8_lossy(&status)
    );
    assert!(matches!(
        read_program(Path::new("/dev/zero")),
        Err(LoadError::NotRegular)
    ));
}
