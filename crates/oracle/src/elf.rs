//! A minimal little-endian `ET_EXEC` writer for ELF64 (AArch64) and ELF32 (ARM EABI5) images:
//! the ELF header and one RWX `PT_LOAD` segment mapping the whole file (plus zeroed memory
//! after it). Field order and sizes follow the System V gABI (`Elf64_Ehdr`/`Elf32_Ehdr`,
//! `Elf64_Phdr`/`Elf32_Phdr`); ARM's e_flags come from the ARM ELF ABI (AAELF).

/// Virtual address the file is mapped at.
pub const BASE: u64 = 0x40_0000;
/// File offset (and offset from [`BASE`]) where the payload starts.
pub const PAYLOAD_OFF: u64 = 128;

/// The machine an image is for: ELF class, `e_machine` and `e_flags`.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    /// ELFCLASS64 (true) or ELFCLASS32.
    pub class64: bool,
    /// `e_machine`.
    pub machine: u16,
    /// `e_flags`.
    pub flags: u32,
}

/// AArch64 (EM_AARCH64, no flags).
pub const AARCH64: Machine = Machine {
    class64: true,
    machine: 183,
    flags: 0,
};

/// 32-bit ARM (EM_ARM) with EF_ARM_EABI_VER5 (0x0500_0000) | EF_ARM_ABI_FLOAT_HARD (0x400).
pub const ARM_EABI5_HF: Machine = Machine {
    class64: false,
    machine: 40,
    flags: 0x0500_0400,
};

/// An AArch64 executable image: see [`write_for`].
pub fn write(payload: &[u8], bss: u64, entry: u64) -> Vec<u8> {
    write_for(AARCH64, payload, bss, entry)
}

/// An executable image for `m`: `payload` placed at `BASE + PAYLOAD_OFF`, `bss` zero bytes
/// after the file, entry point `entry` (an absolute address).
pub fn write_for(m: Machine, payload: &[u8], bss: u64, entry: u64) -> Vec<u8> {
    let filesz = PAYLOAD_OFF + payload.len() as u64;
    // Addresses and offsets are 8 bytes in ELF64, 4 in ELF32.
    let word = |f: &mut Vec<u8>, v: u64| {
        if m.class64 {
            f.extend_from_slice(&v.to_le_bytes());
        } else {
            f.extend_from_slice(&(v as u32).to_le_bytes());
        }
    };
    let half = |f: &mut Vec<u8>, v: u16| f.extend_from_slice(&v.to_le_bytes());
    let (ehsize, phentsize, shentsize) = if m.class64 {
        (64, 56, 64)
    } else {
        (52, 32, 40)
    };
    let mut f = Vec::with_capacity(filesz as usize);
    // e_ident: magic, class, data (little-endian), version, OS ABI (System V).
    f.extend_from_slice(&[0x7f, b'E', b'L', b'F', 1 + m.class64 as u8, 1, 1, 0]);
    f.extend_from_slice(&[0; 8]);
    half(&mut f, 2); // e_type ET_EXEC
    half(&mut f, m.machine);
    f.extend_from_slice(&1u32.to_le_bytes()); // e_version
    word(&mut f, entry);
    word(&mut f, ehsize as u64); // e_phoff: right after the header
    word(&mut f, 0); // e_shoff
    f.extend_from_slice(&m.flags.to_le_bytes());
    for v in [ehsize, phentsize, 1, shentsize, 0, 0] {
        half(&mut f, v); // e_ehsize e_phentsize e_phnum e_shentsize e_shnum e_shstrndx
    }
    f.extend_from_slice(&1u32.to_le_bytes()); // p_type PT_LOAD
    let flags = 7u32.to_le_bytes(); // p_flags RWX: second in Elf64_Phdr, seventh in Elf32_Phdr
    if m.class64 {
        f.extend_from_slice(&flags);
    }
    for v in [0, BASE, BASE, filesz, filesz + bss] {
        word(&mut f, v); // p_offset p_vaddr p_paddr p_filesz p_memsz
    }
    if !m.class64 {
        f.extend_from_slice(&flags);
    }
    word(&mut f, 0x1000); // p_align
    f.resize(PAYLOAD_OFF as usize, 0);
    f.extend_from_slice(payload);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header sizes and the fields a loader reads first, for both classes.
    #[test]
    fn headers_are_laid_out_per_class() {
        let f = write_for(ARM_EABI5_HF, &[1, 2, 3, 4], 16, 0x40_0080);
        assert_eq!(f.len(), 132);
        assert_eq!(f[4], 1);
        assert_eq!(u16::from_le_bytes([f[18], f[19]]), 40);
        assert_eq!(&f[24..28], &0x40_0080u32.to_le_bytes());
        assert_eq!(&f[36..40], &0x0500_0400u32.to_le_bytes());
        // Elf32_Phdr at 52: p_memsz at +20, p_flags at +24.
        assert_eq!(&f[72..76], &148u32.to_le_bytes());
        assert_eq!(&f[76..80], &7u32.to_le_bytes());
        let f = write(&[0; 8], 0, 0x40_0080);
        assert_eq!(f[4], 2);
        assert_eq!(&f[64..72], &[1, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(&f[24..32], &0x40_0080u64.to_le_bytes());
    }
}
