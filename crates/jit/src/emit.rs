//! x86-64 code emission for IR blocks and for the entry trampoline.
//!
//! Register conventions inside translated code:
//! - `r15` holds the `CpuState` pointer, `r14` holds `cpu.mem_base` (guest memory is `[r14 + a]`);
//! - every IR value `vN` lives in a stack slot at `[rsp + 8*N]`;
//! - `rax`, `rcx`, `rdx`, `rsi`, `rdi`, `r8`, `r9` are scratch; nothing is cached across
//!   instructions, so a helper call may change any CPU state field.
//!
//! `rsp` is 16-byte aligned while a block runs, so helpers can be called directly.

use cpu::{exit, slot};
use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynasmApi, DynasmLabelApi, VecAssembler, dynasm};
use ir::{Block, Op, Term, Val};

type Asm = VecAssembler<X64Relocation>;

/// Value slots reserved by the trampoline's frame (64 KiB). Larger blocks grow the stack
/// themselves on entry and shrink it again before leaving.
pub const FRAME_VALS: u32 = 8192;
const FRAME_BYTES: i32 = 8 * FRAME_VALS as i32;
/// Blocks with more values than this are not compiled (their code becomes an undefined-
/// instruction exit); lifters stay far below it.
pub const MAX_VALS: u32 = 1 << 17;
const PAGE: i32 = 4096;

/// Byte offset of a CPU state slot from `r15`.
const fn so(s: u32) -> i32 {
    (s * 8) as i32
}

/// Byte offset of an IR value from `rsp`.
fn vo(v: Val) -> i32 {
    (v.0 * 8) as i32
}

/// The entry trampoline and shared epilogue, assembled for a given base address.
pub struct Trampoline {
    /// Machine code; `extern "sysv64" fn(cpu: *mut CpuState, entry: usize)` starts at offset 0.
    pub code: Vec<u8>,
    /// Offset of the epilogue every block exit jumps to.
    pub epilogue: usize,
    /// Offset of the indirect-jump miss stub: exits to the dispatcher with `cpu.pc = rax`.
    pub miss: usize,
}

/// Entries in the indirect-jump table (a power of two).
pub const TABLE_LEN: usize = 4096;

/// Index of guest `pc` in the indirect-jump table; the JumpReg code computes the same.
pub fn table_index(pc: u64) -> usize {
    (pc >> 2) as usize & (TABLE_LEN - 1)
}

/// Addresses every block's code refers to.
#[derive(Clone, Copy, Debug)]
pub struct Shared {
    /// Host address of the epilogue.
    pub epilogue: usize,
    /// Host address of the indirect-jump miss stub.
    pub miss: usize,
    /// Host address of the indirect-jump table: `TABLE_LEN` pairs of (guest pc, host address);
    /// free entries hold (`u64::MAX`, `miss`), so a jump through any entry is safe.
    pub table: usize,
}

/// Assembles the trampoline for host address `base`.
pub fn trampoline(base: usize) -> Trampoline {
    let mut a = Asm::new(base);
    dynasm!(a
        ; .arch x64
        ; push rbx
        ; push rbp
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        // 6 pushes after the call leave rsp 8 mod 16; the extra 8 restores 16-byte alignment.
        ; sub rsp, FRAME_BYTES + 8
    );
    // Touch the frame top-down so a too-small host stack hits its guard page instead of
    // skipping over it.
    let mut off = FRAME_BYTES + 8 - PAGE;
    while off >= 0 {
        dynasm!(a ; .arch x64 ; or BYTE [rsp + off], 0);
        off -= PAGE;
    }
    dynasm!(a
        ; .arch x64
        ; mov r15, rdi
        ; mov r14, QWORD [r15 + so(slot::MEM_BASE)]
        ; jmp rsi
    );
    let epilogue = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; epilogue_label:
        ; add rsp, FRAME_BYTES + 8
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbp
        ; pop rbx
        ; ret
    );
    let miss = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; mov [r15 + so(slot::PC)], rax
        ; mov QWORD [r15 + so(slot::EXIT_REASON)], exit::JUMP as i32
        ; jmp <epilogue_label
    );
    let code = a.finalize().expect("trampoline relocations are static");
    Trampoline {
        code,
        epilogue,
        miss,
    }
}

/// A linkable jump inside compiled code.
#[derive(Clone, Copy, Debug)]
pub struct SiteOff {
    /// Guest pc the jump wants to reach.
    pub target: u64,
    /// Offset of the 4-byte aligned `rel32` field from the block start.
    pub rel32: usize,
    /// Offset of the exit stub the jump points at while unlinked.
    pub stub: usize,
}

/// A compiled block before it is copied into the cache.
pub struct Compiled {
    /// Machine code, assembled for the base address given to [`compile`].
    pub code: Vec<u8>,
    /// Linkable jumps.
    pub sites: Vec<SiteOff>,
}

/// Compiles `block` for host address `base`; exits use the absolute addresses in `shared`.
///
/// A block that fails `ir::verify` (or has more than [`MAX_VALS`] values) is a lifter bug; rather
/// than emit unsafe code for it, it compiles to an undefined-instruction exit at `block.start`.
pub fn compile(block: &Block, base: usize, shared: Shared) -> Compiled {
    let mut e = Emitter {
        a: Asm::new(base),
        epilogue: shared.epilogue,
        shared,
        extra: 0,
        sites: Vec::new(),
    };
    if ir::verify(block).is_err() || block.num_vals > MAX_VALS {
        e.exit_const(exit::UNDEFINED, block.start, 0);
    } else {
        e.block(block);
    }
    let code = e.a.finalize().expect("block relocations are resolvable");
    Compiled {
        code,
        sites: e.sites,
    }
}

struct Emitter {
    a: Asm,
    epilogue: usize,
    shared: Shared,
    /// Extra stack bytes this block reserves beyond the trampoline frame.
    extra: i32,
    sites: Vec<SiteOff>,
}

impl Emitter {
    fn block(&mut self, b: &Block) {
        if b.num_vals > FRAME_VALS {
            let bytes = ((b.num_vals - FRAME_VALS) * 8).next_multiple_of(16) as i32;
            self.extra = bytes;
            dynasm!(self.a
                ; .arch x64
                ; sub rsp, bytes
                // Probe the new pages top-down (see the trampoline).
                ; lea rcx, [rsp + bytes]
                ; probe:
                ; sub rcx, PAGE
                ; cmp rcx, rsp
                ; jb >done
                ; or BYTE [rcx], 0
                ; jmp <probe
                ; done:
            );
        }
        for inst in &b.insts {
            self.inst(inst);
        }
        self.term(&b.term);
    }

    /// Gives back this block's extra stack; flags are clobbered.
    fn release_stack(&mut self) {
        if self.extra != 0 {
            let bytes = self.extra;
            dynasm!(self.a ; .arch x64 ; add rsp, bytes);
        }
    }

    fn inst(&mut self, i: &ir::Inst) {
        let [x, y, z] = i.args;
        let (va, vb, vc) = (vo(x), vo(y), vo(z));
        // Ops without a result never read `d`.
        let d = i.dst.map(vo).unwrap_or(0);
        let wide = i.imm != 32;
        let a = &mut self.a;
        match i.op {
            Op::Const => {
                let k = i.imm as i64;
                dynasm!(a ; .arch x64 ; mov rax, QWORD k ; mov [rsp + d], rax);
            }
            Op::GetReg => {
                if i.imm < slot::END as u64 {
                    let s = so(i.imm as u32);
                    dynasm!(a ; .arch x64 ; mov rax, [r15 + s] ; mov [rsp + d], rax);
                } else {
                    // Slots past the state struct do not exist; read as zero.
                    dynasm!(a ; .arch x64 ; mov QWORD [rsp + d], 0);
                }
            }
            Op::SetReg => {
                if i.imm < slot::END as u64 {
                    let s = so(i.imm as u32);
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov [r15 + s], rax);
                    if i.imm == slot::MEM_BASE as u64 {
                        // Keep the pinned copy in step with the state.
                        dynasm!(a ; .arch x64 ; mov r14, rax);
                    }
                }
            }
            Op::Add => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; add rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Sub => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; sub rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::And => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; and rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Or => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; or rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Xor => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; xor rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Mul => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; imul rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::UMulH => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; mul QWORD [rsp + vb] ; mov [rsp + d], rdx),
            Op::SMulH => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; imul QWORD [rsp + vb] ; mov [rsp + d], rdx),
            Op::UDiv => {
                // x86 traps on /0; ARM gives 0.
                if wide {
                    dynasm!(a ; .arch x64
                        ; mov rcx, [rsp + vb] ; xor eax, eax ; test rcx, rcx ; jz >done
                        ; mov rax, [rsp + va] ; xor edx, edx ; div rcx
                        ; done: ; mov [rsp + d], rax);
                } else {
                    dynasm!(a ; .arch x64
                        ; mov ecx, [rsp + vb] ; xor eax, eax ; test ecx, ecx ; jz >done
                        ; mov eax, [rsp + va] ; xor edx, edx ; div ecx
                        ; done: ; mov [rsp + d], rax);
                }
            }
            Op::SDiv => {
                // x86 traps on /0 and on MIN / -1; ARM gives 0 and MIN. Dividing by -1 is a
                // negation, which wraps MIN to MIN.
                if wide {
                    dynasm!(a ; .arch x64
                        ; mov rcx, [rsp + vb] ; xor eax, eax ; test rcx, rcx ; jz >done
                        ; mov rax, [rsp + va] ; cmp rcx, -1 ; jne >divide
                        ; neg rax ; jmp >done
                        ; divide: ; cqo ; idiv rcx
                        ; done: ; mov [rsp + d], rax);
                } else {
                    dynasm!(a ; .arch x64
                        ; mov ecx, [rsp + vb] ; xor eax, eax ; test ecx, ecx ; jz >done
                        ; mov eax, [rsp + va] ; cmp ecx, -1 ; jne >divide
                        ; neg eax ; jmp >done
                        ; divide: ; cdq ; idiv ecx
                        ; done: ; mov [rsp + d], rax);
                }
            }
            // x86 masks shift counts to 5 (32-bit) or 6 (64-bit) bits: exactly "modulo width".
            Op::Shl => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb] ; shl rax, cl);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; mov rcx, [rsp + vb] ; shl eax, cl);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Lshr => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb] ; shr rax, cl);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; mov rcx, [rsp + vb] ; shr eax, cl);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Ashr => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb] ; sar rax, cl);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; mov rcx, [rsp + vb] ; sar eax, cl);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Ror => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb] ; ror rax, cl);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; mov rcx, [rsp + vb] ; ror eax, cl);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Not => dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; not rax ; mov [rsp + d], rax),
            Op::Neg => dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; neg rax ; mov [rsp + d], rax),
            Op::Clz => {
                // clz = (width - 1) - bsr(x); bsr of 0 leaves ZF set and we substitute -1.
                let top = if wide { 63 } else { 31 };
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va]);
                }
                dynasm!(a ; .arch x64
                    ; mov rcx, -1 ; bsr rax, rax ; cmovz rax, rcx
                    ; mov edx, top ; sub rdx, rax ; mov [rsp + d], rdx);
            }
            Op::Cls => {
                // Leading sign bits below the sign bit = clz((x ^ (x << 1)) | 1) at the width;
                // the `| 1` keeps bsr's input non-zero and caps the count at width - 1.
                if wide {
                    dynasm!(a ; .arch x64
                        ; mov rax, [rsp + va] ; lea rcx, [rax + rax] ; xor rax, rcx ; or rax, 1
                        ; bsr rax, rax ; mov edx, 63 ; sub rdx, rax ; mov [rsp + d], rdx);
                } else {
                    dynasm!(a ; .arch x64
                        ; mov eax, [rsp + va] ; lea ecx, [rax + rax] ; xor eax, ecx ; or eax, 1
                        ; bsr eax, eax ; mov edx, 31 ; sub edx, eax ; mov [rsp + d], rdx);
                }
            }
            Op::Rbit => {
                // Swap adjacent bits, pairs and nibbles, then reverse the bytes.
                dynasm!(a ; .arch x64
                    ; mov rax, [rsp + va]
                    ; mov rdx, QWORD 0x5555_5555_5555_5555
                    ; mov rcx, rax ; shr rcx, 1 ; and rcx, rdx ; and rax, rdx ; shl rax, 1 ; or rax, rcx
                    ; mov rdx, QWORD 0x3333_3333_3333_3333
                    ; mov rcx, rax ; shr rcx, 2 ; and rcx, rdx ; and rax, rdx ; shl rax, 2 ; or rax, rcx
                    ; mov rdx, QWORD 0x0f0f_0f0f_0f0f_0f0f
                    ; mov rcx, rax ; shr rcx, 4 ; and rcx, rdx ; and rax, rdx ; shl rax, 4 ; or rax, rcx
                    ; bswap rax);
                if !wide {
                    // The low 32 bits reversed now sit in the high half.
                    dynasm!(a ; .arch x64 ; shr rax, 32);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Bswap => {
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; bswap rax);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; bswap eax);
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Zext => {
                match i.imm {
                    8 => dynasm!(a ; .arch x64 ; movzx eax, BYTE [rsp + va]),
                    16 => dynasm!(a ; .arch x64 ; movzx eax, WORD [rsp + va]),
                    _ => dynasm!(a ; .arch x64 ; mov eax, [rsp + va]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Sext => {
                match i.imm {
                    8 => dynasm!(a ; .arch x64 ; movsx rax, BYTE [rsp + va]),
                    16 => dynasm!(a ; .arch x64 ; movsx rax, WORD [rsp + va]),
                    _ => dynasm!(a ; .arch x64 ; movsxd rax, DWORD [rsp + va]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::AddC | Op::AddCFlags => {
                // bt moves c's bit 0 into CF; adc then adds it (mov leaves flags alone).
                dynasm!(a ; .arch x64 ; mov rcx, [rsp + vc] ; bt ecx, 0);
                if wide {
                    dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; adc rax, [rsp + vb]);
                } else {
                    dynasm!(a ; .arch x64 ; mov eax, [rsp + va] ; adc eax, [rsp + vb]);
                }
                if i.op == Op::AddC {
                    dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
                } else {
                    // ARM C is the carry out (x86 CF for adc), V the signed overflow (OF).
                    dynasm!(a ; .arch x64
                        ; sets r8b ; setz r9b ; setc cl ; seto dl
                        ; movzx r8d, r8b ; movzx r9d, r9b ; movzx ecx, cl ; movzx edx, dl
                        ; shl r8d, 31 ; shl r9d, 30 ; shl ecx, 29 ; shl edx, 28
                        ; or r8d, r9d ; or ecx, edx ; or r8d, ecx
                        ; mov [rsp + d], r8);
                }
            }
            Op::LogicFlags => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                if wide {
                    dynasm!(a ; .arch x64 ; test rax, rax);
                } else {
                    dynasm!(a ; .arch x64 ; test eax, eax);
                }
                dynasm!(a ; .arch x64
                    ; sets cl ; setz dl ; movzx ecx, cl ; movzx edx, dl
                    ; shl ecx, 31 ; shl edx, 30 ; or ecx, edx ; mov [rsp + d], rcx);
            }
            Op::Cond => self.cond(va, d, i.imm),
            Op::Eq => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; cmp rax, [rsp + vb] ; sete al ; movzx eax, al
                ; mov [rsp + d], rax),
            Op::Ult => dynasm!(a ; .arch x64
                ; mov rax, [rsp + va] ; cmp rax, [rsp + vb] ; setb al ; movzx eax, al
                ; mov [rsp + d], rax),
            Op::Select => dynasm!(a ; .arch x64
                ; mov rax, [rsp + vc] ; mov rcx, [rsp + va] ; test rcx, rcx
                ; cmovnz rax, [rsp + vb] ; mov [rsp + d], rax),
            Op::Load => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; movzx eax, BYTE [r14 + rax]),
                    2 => dynasm!(a ; .arch x64 ; movzx eax, WORD [r14 + rax]),
                    4 => dynasm!(a ; .arch x64 ; mov eax, DWORD [r14 + rax]),
                    _ => dynasm!(a ; .arch x64 ; mov rax, QWORD [r14 + rax]),
                }
                dynasm!(a ; .arch x64 ; mov [rsp + d], rax);
            }
            Op::Store => {
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [rsp + vb]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cl),
                    2 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cx),
                    4 => dynasm!(a ; .arch x64 ; mov [r14 + rax], ecx),
                    _ => dynasm!(a ; .arch x64 ; mov [r14 + rax], rcx),
                }
            }
            Op::LoadV => {
                let n = (i.imm & 0x3f) as u32 % 32;
                let (lo, hi) = (so(slot::v_lo(n)), so(slot::v_hi(n)));
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
                match i.imm >> 8 {
                    1 => dynasm!(a ; .arch x64 ; movzx ecx, BYTE [r14 + rax]),
                    2 => dynasm!(a ; .arch x64 ; movzx ecx, WORD [r14 + rax]),
                    4 => dynasm!(a ; .arch x64 ; mov ecx, DWORD [r14 + rax]),
                    _ => dynasm!(a ; .arch x64 ; mov rcx, QWORD [r14 + rax]),
                }
                if i.imm >> 8 == 16 {
                    dynasm!(a ; .arch x64 ; mov rdx, QWORD [r14 + rax + 8]);
                } else {
                    dynasm!(a ; .arch x64 ; xor edx, edx);
                }
                dynasm!(a ; .arch x64 ; mov [r15 + lo], rcx ; mov [r15 + hi], rdx);
            }
            Op::StoreV => {
                let n = (i.imm & 0x3f) as u32 % 32;
                let (lo, hi) = (so(slot::v_lo(n)), so(slot::v_hi(n)));
                dynasm!(a ; .arch x64 ; mov rax, [rsp + va] ; mov rcx, [r15 + lo]);
                match i.imm >> 8 {
                    1 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cl),
                    2 => dynasm!(a ; .arch x64 ; mov [r14 + rax], cx),
                    4 => dynasm!(a ; .arch x64 ; mov [r14 + rax], ecx),
                    8 => dynasm!(a ; .arch x64 ; mov [r14 + rax], rcx),
                    _ => dynasm!(a ; .arch x64
                        ; mov rdx, [r15 + hi] ; mov [r14 + rax], rcx ; mov [r14 + rax + 8], rdx),
                }
            }
            Op::StoreEx => {
                // Fail (1) unless the monitor holds this address; otherwise compare-and-swap
                // against the value the load-exclusive saw (cmpxchg compares only the low
                // `size` bytes of rax, which is the truncation we want).
                dynasm!(a ; .arch x64
                    ; mov rdx, [rsp + va] ; mov rcx, [rsp + vb]
                    ; mov r8, [r15 + so(slot::EXCL_ADDR)]
                    ; mov QWORD [r15 + so(slot::EXCL_ADDR)], -1
                    ; mov esi, 1
                    ; cmp r8, rdx ; jne >done
                    ; mov rax, [r15 + so(slot::EXCL_VAL)]);
                match i.imm {
                    1 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], cl),
                    2 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], cx),
                    4 => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], ecx),
                    _ => dynasm!(a ; .arch x64 ; lock cmpxchg [r14 + rdx], rcx),
                }
                dynasm!(a ; .arch x64
                    ; setnz al ; movzx esi, al
                    ; done: ; mov [rsp + d], rsi);
            }
            Op::Fence => dynasm!(a ; .arch x64 ; mfence),
            Op::Call => {
                // Verified blocks always carry the helper on `call`.
                if let Some(h) = i.helper {
                    let f = h.func as usize as i64;
                    dynasm!(a ; .arch x64
                        ; mov rdi, r15 ; mov rsi, [rsp + va] ; mov rdx, [rsp + vb] ; mov rcx, [rsp + vc]
                        ; mov rax, QWORD f ; call rax
                        // The helper may have changed the memory base.
                        ; mov r14, [r15 + so(slot::MEM_BASE)]
                        ; mov [rsp + d], rax);
                }
            }
        }
    }

    /// `d = cond_holds(cc, a)`, testing the ARM flag bits (N=31, Z=30, C=29, V=28) directly.
    fn cond(&mut self, va: i32, d: i32, cc: u64) {
        let a = &mut self.a;
        let invert = cc & 1 == 1;
        dynasm!(a ; .arch x64 ; mov rax, [rsp + va]);
        // Each arm leaves the base condition in CF (or ZF for hi/ls), then set* picks it.
        match cc >> 1 {
            0 => dynasm!(a ; .arch x64 ; bt eax, 30),
            1 => dynasm!(a ; .arch x64 ; bt eax, 29),
            2 => dynasm!(a ; .arch x64 ; bt eax, 31),
            3 => dynasm!(a ; .arch x64 ; bt eax, 28),
            4 => {
                // hi: C && !Z, i.e. bits (Z, C) == (0, 1).
                dynasm!(a ; .arch x64 ; shr eax, 29 ; and eax, 3 ; cmp eax, 1);
                if invert {
                    dynasm!(a ; .arch x64 ; setne al);
                } else {
                    dynasm!(a ; .arch x64 ; sete al);
                }
                dynasm!(a ; .arch x64 ; movzx eax, al ; mov [rsp + d], rax);
                return;
            }
            // CF = N ^ V; ge holds when it is clear.
            5 => dynasm!(a ; .arch x64 ; mov ecx, eax ; shr ecx, 3 ; xor eax, ecx ; bt eax, 28),
            // CF = (N ^ V) | Z; gt holds when it is clear.
            6 => dynasm!(a ; .arch x64
                ; mov ecx, eax ; shr ecx, 3 ; xor ecx, eax ; shr eax, 2 ; or eax, ecx ; bt eax, 28),
            _ => {
                dynasm!(a ; .arch x64 ; mov QWORD [rsp + d], 1);
                return;
            }
        }
        // For eq/cs/mi/vs the base condition is CF set; for ge/gt it is CF clear.
        let holds_on_carry = cc >> 1 < 5;
        if holds_on_carry != invert {
            dynasm!(a ; .arch x64 ; setc al);
        } else {
            dynasm!(a ; .arch x64 ; setnc al);
        }
        dynasm!(a ; .arch x64 ; movzx eax, al ; mov [rsp + d], rax);
    }

    fn term(&mut self, t: &Term) {
        match *t {
            Term::Jump(target) => {
                self.release_stack();
                self.link(target);
            }
            Term::JumpReg(v) => {
                let off = vo(v);
                dynasm!(self.a ; .arch x64 ; mov rax, [rsp + off]);
                self.release_stack();
                // Look the target up in the indirect-jump table; on a hit (and no pending
                // event) jump straight to its code, else let the dispatcher find it.
                let Shared { miss, table, .. } = self.shared;
                let mask = (TABLE_LEN - 1) as i32;
                dynasm!(self.a ; .arch x64
                    ; mov rcx, rax ; shr rcx, 2 ; and ecx, mask ; shl ecx, 4
                    ; mov rdx, QWORD table as i64
                    ; cmp rax, [rdx + rcx] ; jne extern miss
                    ; cmp QWORD [r15 + so(slot::PENDING)], 0 ; jne extern miss
                    ; jmp QWORD [rdx + rcx + 8]);
            }
            Term::Branch {
                cond,
                taken,
                fallthrough,
            } => {
                let off = vo(cond);
                dynasm!(self.a ; .arch x64 ; mov rax, [rsp + off]);
                self.release_stack();
                let fall = self.a.new_dynamic_label();
                dynasm!(self.a ; .arch x64 ; test rax, rax ; jz =>fall);
                self.link(taken);
                dynasm!(self.a ; .arch x64 ; =>fall);
                self.link(fallthrough);
            }
            Term::Exit { reason, pc, arg } => {
                self.release_stack();
                self.exit_const(reason, pc, arg);
            }
        }
    }

    /// Stores pc, reason and argument, then leaves through the epilogue.
    fn exit_const(&mut self, reason: u64, pc: u64, arg: u64) {
        let ep = self.epilogue;
        let (reason, pc, arg) = (reason as i64, pc as i64, arg as i64);
        dynasm!(self.a ; .arch x64
            ; mov rax, QWORD pc ; mov [r15 + so(slot::PC)], rax
            ; mov rax, QWORD reason ; mov [r15 + so(slot::EXIT_REASON)], rax
            ; mov rax, QWORD arg ; mov [r15 + so(slot::EXIT_ARG)], rax
            ; jmp extern ep);
    }

    /// A linkable jump to guest `target`: leave if an event is pending, else `jmp rel32`, which
    /// points at an exit stub until the target block is compiled.
    fn link(&mut self, target: u64) {
        let ep = self.epilogue;
        let t = target as i64;
        let stub = self.a.new_dynamic_label();
        let pend = self.a.new_dynamic_label();
        dynasm!(self.a ; .arch x64
            ; cmp QWORD [r15 + so(slot::PENDING)], 0
            ; jne =>pend);
        // Pad so the jump's rel32 field is 4-byte aligned and can be patched atomically.
        while !(self.a.offset().0 + 1).is_multiple_of(4) {
            dynasm!(self.a ; .arch x64 ; nop);
        }
        dynasm!(self.a ; .arch x64 ; jmp =>stub);
        let rel32 = self.a.offset().0 - 4;
        dynasm!(self.a ; .arch x64
            ; =>stub
            ; mov rax, QWORD t ; mov [r15 + so(slot::PC)], rax
            ; mov QWORD [r15 + so(slot::EXIT_REASON)], exit::JUMP as i32
            ; jmp extern ep
            ; =>pend
            ; mov rax, QWORD t ; mov [r15 + so(slot::PC)], rax
            ; mov QWORD [r15 + so(slot::EXIT_REASON)], exit::PENDING as i32
            ; jmp extern ep);
        let stub_off = self
            .a
            .labels()
            .resolve_dynamic(stub)
            .map(|o| o.0)
            .unwrap_or(rel32 + 4);
        self.sites.push(SiteOff {
            target,
            rel32,
            stub: stub_off,
        });
    }
}
