//! ELF header and program header parsing (via goblin) with the validation the loader relies on:
//! after [`Image::parse`] succeeds, every PT_LOAD lies inside the file and the address space
//! arithmetic on it cannot overflow.

use crate::{Arch, LoadError};
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{self, EM_AARCH64, EM_ARM, ET_DYN, ET_EXEC};
use goblin::elf::program_header::{PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR, ProgramHeader};

/// Largest program header table Linux accepts (ELF_MIN_ALIGN-independent 64 KiB limit).
const MAX_PHDR_BYTES: u64 = 64 * 1024;

/// Largest span of address space one image may cover (guards against absurd p_memsz).
const MAX_SPAN: u64 = 1 << 36;

/// Largest p_align honoured (keeps the aligned reservation size sane).
const MAX_ALIGN: u64 = 1 << 30;

/// Longest PT_INTERP path accepted.
const MAX_INTERP: u64 = 4096;

/// One program header, class-independent.
#[derive(Debug, Clone, Copy)]
pub struct Phdr {
    /// PT_* type.
    pub p_type: u32,
    /// PF_* flags.
    pub flags: u32,
    /// File offset of the segment's bytes.
    pub offset: u64,
    /// Unbiased virtual address.
    pub vaddr: u64,
    /// Bytes present in the file.
    pub filesz: u64,
    /// Bytes in memory (the rest is zero-filled).
    pub memsz: u64,
    /// Required alignment.
    pub align: u64,
}

/// A validated ELF image.
#[derive(Debug)]
pub struct Image<'a> {
    /// The whole file.
    pub bytes: &'a [u8],
    /// Which guest runs it.
    pub arch: Arch,
    /// ET_EXEC or ET_DYN.
    pub e_type: u16,
    /// Unbiased entry point.
    pub entry: u64,
    /// File offset of the program header table.
    pub phoff: u64,
    /// Size of one program header.
    pub phentsize: u64,
    /// Number of program headers.
    pub phnum: u64,
    /// All program headers.
    pub phdrs: Vec<Phdr>,
    /// The PT_LOAD headers with non-zero memsz, in ascending address order.
    pub loads: Vec<Phdr>,
}

/// Checks the identification bytes and machine; returns the architecture and goblin header.
pub fn parse_header(bytes: &[u8]) -> Result<(Arch, header::Header), LoadError> {
    let magic = b"\x7fELF";
    let n = bytes.len().min(4);
    if n == 0 || bytes[..n] != magic[..n] {
        return Err(LoadError::NotElf);
    }
    if bytes.len() < header::SIZEOF_IDENT {
        return Err(LoadError::Truncated);
    }
    if bytes[header::EI_DATA] != header::ELFDATA2LSB {
        return Err(LoadError::NotLittleEndian);
    }
    let class = bytes[header::EI_CLASS];
    let need = match class {
        header::ELFCLASS32 => header::header32::SIZEOF_EHDR,
        header::ELFCLASS64 => header::header64::SIZEOF_EHDR,
        c => return Err(LoadError::BadClass(c)),
    };
    if bytes.len() < need {
        return Err(LoadError::Truncated);
    }
    let h =
        goblin::elf::Elf::parse_header(bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
    let arch = match (h.e_machine, class) {
        (EM_AARCH64, header::ELFCLASS64) => Arch::A64,
        (EM_ARM, header::ELFCLASS32) => Arch::A32,
        (EM_AARCH64 | EM_ARM, c) => return Err(LoadError::BadClass(c)),
        (m, _) => return Err(LoadError::UnsupportedMachine(m)),
    };
    // EF_ARM_EABIMASK: 0 means the old ABI, whose syscalls and structures Linux no longer
    // offers (and neither does armrun).
    if arch == Arch::A32 && h.e_flags >> 24 == 0 {
        return Err(LoadError::ArmOabi);
    }
    Ok((arch, h))
}

impl<'a> Image<'a> {
    /// Parses and validates `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<Image<'a>, LoadError> {
        let (arch, h) = parse_header(bytes)?;
        if h.e_type != ET_EXEC && h.e_type != ET_DYN {
            return Err(LoadError::NotExecutable(h.e_type));
        }
        let (container, entsize) = match arch {
            Arch::A64 => (Container::Big, 56u64),
            Arch::A32 => (Container::Little, 32u64),
        };
        if u64::from(h.e_phentsize) != entsize {
            return Err(LoadError::Malformed(format!(
                "e_phentsize {}",
                h.e_phentsize
            )));
        }
        let phnum = u64::from(h.e_phnum);
        let table = phnum * entsize;
        if phnum == 0 || table > MAX_PHDR_BYTES {
            return Err(LoadError::Malformed(format!("{phnum} program headers")));
        }
        let end = h.e_phoff.checked_add(table).ok_or(LoadError::Truncated)?;
        if end > bytes.len() as u64 {
            return Err(LoadError::Truncated);
        }
        let ctx = Ctx::new(container, Endian::Little);
        let raw = ProgramHeader::parse(bytes, h.e_phoff as usize, phnum as usize, ctx)
            .map_err(|_| LoadError::Truncated)?;
        let phdrs: Vec<Phdr> = raw
            .iter()
            .map(|p| Phdr {
                p_type: p.p_type,
                flags: p.p_flags,
                offset: p.p_offset,
                vaddr: p.p_vaddr,
                filesz: p.p_filesz,
                memsz: p.p_memsz,
                align: p.p_align,
            })
            .collect();
        let limit: u64 = match arch {
            Arch::A64 => mem::LIMIT64,
            Arch::A32 => 1 << 32,
        };
        let mut loads = Vec::new();
        for p in phdrs.iter().filter(|p| p.p_type == PT_LOAD) {
            if p.filesz > p.memsz {
                return Err(LoadError::Malformed(
                    "PT_LOAD with p_filesz > p_memsz".into(),
                ));
            }
            let fend = p.offset.checked_add(p.filesz).ok_or(LoadError::Truncated)?;
            if fend > bytes.len() as u64 {
                return Err(LoadError::Truncated);
            }
            if p.align > 1 && (!p.align.is_power_of_two() || p.align > MAX_ALIGN) {
                return Err(LoadError::Malformed(format!("p_align {:#x}", p.align)));
            }
            let vend = p.vaddr.checked_add(p.memsz);
            if vend.is_none_or(|e| e > limit) {
                return Err(LoadError::Malformed(format!(
                    "segment at {:#x} size {:#x} is outside the address space",
                    p.vaddr, p.memsz
                )));
            }
            if p.memsz == 0 {
                continue;
            }
            if let Some(prev) = loads.last().map(|l: &Phdr| l.vaddr + l.memsz)
                && p.vaddr < prev
            {
                return Err(LoadError::Malformed(
                    "PT_LOAD segments overlap or are not in ascending order".into(),
                ));
            }
            loads.push(*p);
        }
        let (Some(first), Some(last)) = (loads.first(), loads.last()) else {
            return Err(LoadError::Malformed("no loadable segments".into()));
        };
        let span = (last.vaddr + last.memsz) - mem::page_down(first.vaddr);
        if span > MAX_SPAN {
            return Err(LoadError::Malformed(format!(
                "segments span {span:#x} bytes"
            )));
        }
        Ok(Image {
            bytes,
            arch,
            e_type: h.e_type,
            entry: h.e_entry,
            phoff: h.e_phoff,
            phentsize: entsize,
            phnum,
            phdrs,
            loads,
        })
    }

    /// The PT_INTERP path, if any.
    pub fn interp(&self) -> Result<Option<Vec<u8>>, LoadError> {
        let Some(p) = self.phdrs.iter().find(|p| p.p_type == PT_INTERP) else {
            return Ok(None);
        };
        if p.filesz == 0 || p.filesz > MAX_INTERP {
            return Err(LoadError::Malformed("bad PT_INTERP size".into()));
        }
        let end = p.offset.checked_add(p.filesz).ok_or(LoadError::Truncated)?;
        let s = self
            .bytes
            .get(p.offset as usize..end as usize)
            .ok_or(LoadError::Truncated)?;
        let s = s.split(|&b| b == 0).next().unwrap_or_default();
        if s.is_empty() {
            return Err(LoadError::Malformed("empty PT_INTERP".into()));
        }
        Ok(Some(s.to_vec()))
    }

    /// True when PT_GNU_STACK asks for an executable stack. Without PT_GNU_STACK, AArch64
    /// stacks are non-executable and 32-bit ARM stacks executable, as on Linux.
    pub fn exec_stack(&self) -> bool {
        match self.phdrs.iter().find(|p| p.p_type == PT_GNU_STACK) {
            Some(p) => p.flags & goblin::elf::program_header::PF_X != 0,
            None => self.arch == Arch::A32,
        }
    }

    /// Unbiased address of the program headers in memory: PT_PHDR if present, else the PT_LOAD
    /// whose file range holds the table, else the first segment's base plus `e_phoff` (what
    /// Linux uses).
    pub fn phdr_vaddr(&self) -> u64 {
        if let Some(p) = self.phdrs.iter().find(|p| p.p_type == PT_PHDR) {
            return p.vaddr;
        }
        let table_end = self.phoff + self.phnum * self.phentsize;
        for l in &self.loads {
            if l.offset <= self.phoff && table_end <= l.offset + l.filesz {
                return l.vaddr + (self.phoff - l.offset);
            }
        }
        let first = self
            .loads
            .first()
            .map_or(0, |l| l.vaddr.wrapping_sub(l.offset));
        first.wrapping_add(self.phoff)
    }

    /// Page-aligned `[lo, hi)` covering every PT_LOAD (unbiased).
    pub fn span(&self) -> (u64, u64) {
        // parse() guarantees at least one load and no overflow below the address limit.
        let lo = self.loads.first().map_or(0, |l| mem::page_down(l.vaddr));
        let hi = self.loads.last().map_or(0, |l| l.vaddr + l.memsz);
        (lo, mem::page_up(hi).unwrap_or(hi))
    }

    /// Largest p_align of the PT_LOADs (at least a page).
    pub fn max_align(&self) -> u64 {
        self.loads
            .iter()
            .map(|l| l.align)
            .max()
            .unwrap_or(0)
            .max(mem::PAGE)
    }
}
