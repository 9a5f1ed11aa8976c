//! A guest access to a page the host cannot touch leaves the block as a data fault (with the
//! host SIGSEGV handler calling `interp::recover`, as armrun's does) instead of killing the
//! process: the state is the one before the faulting instruction.

use cpu::{CpuState, exit};
use ir::{Builder, Term};

/// `si_code` of a fault on a mapped page without the access right.
const SEGV_ACCERR: i32 = 2;

#[test]
fn faulting_accesses_become_data_faults() {
    let page = interp::testing::catch_guest_faults(interp::recover);
    let mut cell = 0u64;
    // Written through its address by the blocks.
    let good = &mut cell as *mut u64 as u64;
    // Each block: x1 = 7 at 0x1000; a good store at 0x1004; the access at 0x1008 (to
    // `page + 12`); x2 = 9 at 0x100c.
    type Access = fn(&mut Builder, ir::Val);
    let cases: [(&str, Access, bool); 5] = [
        (
            "load",
            |b, a| {
                b.load(a, 4);
            },
            false,
        ),
        ("store", |b, a| b.store(a, a, 8), true),
        (
            "store_if",
            |b, a| {
                let one = b.konst(1);
                b.store_if(a, a, one, 2)
            },
            true,
        ),
        ("loadv", |b, a| b.loadv(a, 3, 16), false),
        ("storev", |b, a| b.storev(a, 3, 8), true),
    ];
    for (name, access, write) in cases {
        let mut b = Builder::verbatim(0x1000);
        b.mark(0x1000);
        let seven = b.konst(7);
        b.set(1, seven);
        b.mark(0x1004);
        let g = b.konst(good);
        b.store(g, seven, 8);
        b.mark(0x1008);
        let a = b.konst(page + 12);
        access(&mut b, a);
        b.mark(0x100c);
        let nine = b.konst(9);
        b.set(2, nine);
        let blk = b.finish(Term::Jump(0x1010));
        ir::verify(&blk).unwrap();
        assert!(interp::guarded(&blk));
        // SAFETY: as below.
        unsafe { (good as *mut u64).write_volatile(0) };
        let mut cpu = CpuState::default();
        interp::run_block(&blk, &mut cpu);
        assert_eq!(cpu.exit_reason, exit::DATA_FAULT, "{name}");
        assert_eq!(cpu.pc, 0x1008, "{name}");
        assert_eq!(cpu.exit_arg, page + 12, "{name}");
        assert_eq!((cpu.x[1], cpu.x[2]), (7, 0), "{name}");
        // SAFETY: `cell` is a live local the block wrote through its address.
        assert_eq!(unsafe { (good as *const u64).read_volatile() }, 7, "{name}");
        let f = interp::take_fault();
        assert_eq!((f.sig, f.code), (libc::SIGSEGV, SEGV_ACCERR), "{name}");
        assert_eq!(f.write, write, "{name}");
        assert_eq!(interp::take_fault(), interp::Fault::default(), "taken once");
    }
}

#[test]
fn helpers_and_exclusives_are_not_guarded() {
    let mut b = Builder::verbatim(0);
    let a = b.konst(0x2000);
    let v = b.konst(1);
    b.emit(ir::Op::StoreEx, &[a, v], 8);
    assert!(!interp::guarded(&b.finish(Term::Jump(4))));
}

/// Vector loads and stores of every size copy exactly their bytes (and no more).
#[test]
fn vector_accesses_copy_their_bytes() {
    for size in [1u32, 2, 4, 8, 16] {
        let mut buf = [0xeeu8; 48];
        let base = buf.as_mut_ptr() as u64;
        let mut b = Builder::verbatim(0);
        let a = b.konst(base + 3);
        b.storev(a, 1, size);
        let a2 = b.konst(base + 3 + 16);
        b.loadv(a2, 2, size);
        let blk = b.finish(Term::Jump(4));
        let mut cpu = CpuState::default();
        cpu.v[1] = [0x0807_0605_0403_0201, 0x100f_0e0d_0c0b_0a09];
        cpu.v[2] = [u64::MAX; 2];
        buf[19..35]
            .iter_mut()
            .enumerate()
            .for_each(|(k, x)| *x = 0x40 + k as u8);
        interp::run_block(&blk, &mut cpu);
        assert_eq!(cpu.exit_reason, exit::JUMP, "size {size}");
        let n = size as usize;
        let stored: Vec<u8> = (1..=n as u8).collect();
        assert_eq!(&buf[3..3 + n], &stored[..], "size {size}");
        assert!(
            buf[3 + n..19].iter().all(|&x| x == 0xee),
            "size {size}: past the store"
        );
        let loaded = cpu.v[2][0] as u128 | (cpu.v[2][1] as u128) << 64;
        let want = (0..n).fold(0u128, |w, k| w | ((0x40 + k as u128) << (8 * k)));
        assert_eq!(
            loaded, want,
            "size {size}: the rest of the register is zeroed"
        );
    }
}
