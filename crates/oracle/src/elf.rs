//! A minimal ELF64 little-endian AArch64 `ET_EXEC` writer: the ELF header and one RWX
//! `PT_LOAD` segment mapping the whole file (plus zeroed memory after it).

/// Virtual address the file is mapped at.
pub const BASE: u64 = 0x40_0000;
/// File offset (and offset from [`BASE`]) where the payload starts.
pub const PAYLOAD_OFF: u64 = 128;

/// An executable image: `payload` placed at `BASE + PAYLOAD_OFF`, `bss` zero bytes after the
/// file, entry point `entry` (an absolute address).
pub fn write(payload: &[u8], bss: u64, entry: u64) -> Vec<u8> {
    let filesz = PAYLOAD_OFF + payload.len() as u64;
    let mut f = Vec::with_capacity(filesz as usize);
    f.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&2u16.to_le_bytes()); // e_type ET_EXEC
    f.extend_from_slice(&183u16.to_le_bytes()); // e_machine EM_AARCH64
    f.extend_from_slice(&1u32.to_le_bytes()); // e_version
    f.extend_from_slice(&entry.to_le_bytes());
    f.extend_from_slice(&64u64.to_le_bytes()); // e_phoff
    f.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    f.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    f.extend_from_slice(&64u16.to_le_bytes()); // e_ehsize
    f.extend_from_slice(&56u16.to_le_bytes()); // e_phentsize
    f.extend_from_slice(&1u16.to_le_bytes()); // e_phnum
    f.extend_from_slice(&64u16.to_le_bytes()); // e_shentsize
    f.extend_from_slice(&0u16.to_le_bytes()); // e_shnum
    f.extend_from_slice(&0u16.to_le_bytes()); // e_shstrndx
    f.extend_from_slice(&1u32.to_le_bytes()); // p_type PT_LOAD
    f.extend_from_slice(&7u32.to_le_bytes()); // p_flags RWX
    f.extend_from_slice(&0u64.to_le_bytes()); // p_offset
    f.extend_from_slice(&BASE.to_le_bytes()); // p_vaddr
    f.extend_from_slice(&BASE.to_le_bytes()); // p_paddr
    f.extend_from_slice(&filesz.to_le_bytes());
    f.extend_from_slice(&(filesz + bss).to_le_bytes()); // p_memsz
    f.extend_from_slice(&0x1000u64.to_le_bytes()); // p_align
    f.resize(PAYLOAD_OFF as usize, 0);
    f.extend_from_slice(payload);
    f
}
