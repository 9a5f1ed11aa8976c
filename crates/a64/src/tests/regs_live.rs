//! The look-ahead that drops a block's final stores of registers its successors overwrite
//! first (`ir::regs_live`), on real A64 code.

use crate::lift_block;
use ir::Op;

const MOVZ_X1_5: u32 = 0xd280_00a1;
const MOVZ_X1_6: u32 = 0xd280_00c1;
const ADD_X3_X1_X1: u32 = 0x8b01_0023;
const B_PLUS8: u32 = 0x1400_0002;
const RET: u32 = 0xd65f_03c0;
const NOP: u32 = 0xd503_201f;

/// Whether the block at 0x1000 (`movz x1, #5; b .+8`, then `code` at 0x100c) stores X1.
fn stores_x1(code: &[u32]) -> bool {
    let mut words = vec![MOVZ_X1_5, B_PLUS8, NOP];
    words.extend_from_slice(code);
    let fetch = |a: u64| words.get(a.checked_sub(0x1000)? as usize / 4).copied();
    // (Two instructions: the block ends at its jump instead of following it.)
    let b = lift_block(0x1000, &fetch, 2);
    b.insts
        .iter()
        .any(|i| i.op == Op::SetReg && i.imm == cpu::slot::x(1) as u64)
}

#[test]
fn a_register_the_successor_overwrites_first_is_not_stored() {
    assert!(!stores_x1(&[MOVZ_X1_6]));
    assert!(!stores_x1(&[NOP, MOVZ_X1_6]));
}

#[test]
fn a_register_the_successor_may_read_is_stored() {
    assert!(stores_x1(&[ADD_X3_X1_X1, MOVZ_X1_6]));
    assert!(stores_x1(&[RET, MOVZ_X1_6]));
    assert!(stores_x1(&[]));
}
