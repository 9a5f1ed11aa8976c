//! Instruction words assembled with aarch64-linux-gnu-as (by a hand-run script; kept as constants).

pub const ADDS_EDGE: &[u32] = &[
    0xab010002, // 0x00: adds x2, x0, x1
    0xd53b4203, // 0x04: mrs x3, nzcv
    0x2b010004, // 0x08: adds w4, w0, w1
    0xd53b4205, // 0x0c: mrs x5, nzcv
    0xeb010006, // 0x10: subs x6, x0, x1
    0xd53b4207, // 0x14: mrs x7, nzcv
    0x6b010008, // 0x18: subs w8, w0, w1
    0xd53b4209, // 0x1c: mrs x9, nzcv
];

pub const ADC_SBC: &[u32] = &[
    0xba010002, // 0x00: adcs x2, x0, x1
    0xd53b4203, // 0x04: mrs x3, nzcv
    0x7a010004, // 0x08: sbcs w4, w0, w1
    0xd53b4205, // 0x0c: mrs x5, nzcv
    0xda010006, // 0x10: sbc x6, x0, x1
];

pub const ADD_IMM_SP: &[u32] = &[
    0x910043e0, // 0x00: add x0, sp, #0x10
    0xd14007ff, // 0x04: sub sp, sp, #0x1, lsl #12
    0x913ffc21, // 0x08: add x1, x1, #0xfff
    0x927cec3f, // 0x0c: and sp, x1, #0xfffffffffffffff0
    0x3100045f, // 0x10: cmn w2, #0x1
    0xd53b4203, // 0x14: mrs x3, nzcv
];

pub const ADD_EXT_SHIFT: &[u32] = &[
    0x8b22c820, // 0x00: add x0, x1, w2, sxtw #2
    0x8b220023, // 0x04: add x3, x1, w2, uxtb
    0xcb421024, // 0x08: sub x4, x1, x2, lsr #4
    0x0b820c25, // 0x0c: add w5, w1, w2, asr #3
    0xab224426, // 0x10: adds x6, x1, w2, uxtw #1
];

pub const LOGIC_IMM: &[u32] = &[
    0x92089c20, // 0x00: and x0, x1, #0xff00ff00ff00ff00
    0x3200f3e2, // 0x04: mov w2, #0x55555555
    0xd2400023, // 0x08: eor x3, x1, #0x1
    0x72010024, // 0x0c: ands w4, w1, #0x80000000
    0xd53b4205, // 0x10: mrs x5, nzcv
    0xd2e24686, // 0x14: mov x6, #0x1234000000000000
    0xf2b7dde6, // 0x18: movk x6, #0xbeef, lsl #16
    0x12800007, // 0x1c: mov w7, #0xffffffff
];

pub const LOGIC_REG: &[u32] = &[
    0x8a220020, // 0x00: bic x0, x1, x2
    0x2ae21023, // 0x04: orn w3, w1, w2, ror #4
    0xca222024, // 0x08: eon x4, x1, x2, lsl #8
    0xea210025, // 0x0c: bics x5, x1, x1
    0xd53b4206, // 0x10: mrs x6, nzcv
    0xaa2203e7, // 0x14: mvn x7, x2
];

pub const BITFIELD: &[u32] = &[
    0xd3442c20, // 0x00: ubfx x0, x1, #4, #8
    0x93442c22, // 0x04: sbfx x2, x1, #4, #8
    0xb3783c23, // 0x08: bfi x3, x1, #8, #16
    0x531d7024, // 0x0c: lsl w4, w1, #3
    0x937cfc25, // 0x10: asr x5, x1, #60
    0x93407c26, // 0x14: sxtw x6, w1
    0x331c7c27, // 0x18: bfxil w7, w1, #28, #4
    0x531f7c28, // 0x1c: lsr w8, w1, #31
    0x93481c29, // 0x20: sbfiz x9, x1, #56, #8
    0x53001c2a, // 0x24: uxtb w10, w1
];

pub const EXTR: &[u32] = &[
    0x93c22020, // 0x00: extr x0, x1, x2, #8
    0x13821023, // 0x04: extr w3, w1, w2, #4
    0x93c14024, // 0x08: ror x4, x1, #16
];

pub const CSEL: &[u32] = &[
    0xeb02003f, // 0x00: cmp x1, x2
    0x9a82b023, // 0x04: csel x3, x1, x2, lt
    0x9a82a424, // 0x08: csinc x4, x1, x2, ge
    0x5a820025, // 0x0c: csinv w5, w1, w2, eq
    0xda821426, // 0x10: csneg x6, x1, x2, ne
    0x9a9f97e7, // 0x14: cset x7, hi
    0x5a9f23e8, // 0x18: csetm w8, cc
];

pub const CCMP: &[u32] = &[
    0xf100143f, // 0x00: cmp x1, #0x5
    0xfa430844, // 0x04: ccmp x2, #0x3, #0x4, eq
    0xd53b4203, // 0x08: mrs x3, nzcv
    0xfa411042, // 0x0c: ccmp x2, x1, #0x2, ne
    0xd53b4204, // 0x10: mrs x4, nzcv
    0x3a41004f, // 0x14: ccmn w2, w1, #0xf, eq
    0xd53b4205, // 0x18: mrs x5, nzcv
];

pub const MULDIV: &[u32] = &[
    0x9b027c23, // 0x00: mul x3, x1, x2
    0x9b020024, // 0x04: madd x4, x1, x2, x0
    0x1b028025, // 0x08: msub w5, w1, w2, w0
    0x9b227c26, // 0x0c: smull x6, w1, w2
    0x9ba27c27, // 0x10: umull x7, w1, w2
    0x9b427c28, // 0x14: smulh x8, x1, x2
    0x9bc27c29, // 0x18: umulh x9, x1, x2
    0x9ac00c2a, // 0x1c: sdiv x10, x1, x0
    0x1ac0082b, // 0x20: udiv w11, w1, w0
    0x9ace0dac, // 0x24: sdiv x12, x13, x14
    0x1ad10e0f, // 0x28: sdiv w15, w16, w17
    0x9ac20832, // 0x2c: udiv x18, x1, x2
    0x9ba28033, // 0x30: umsubl x19, w1, w2, x0
];

pub const BITOPS: &[u32] = &[
    0xdac01022, // 0x00: clz x2, x1
    0x5ac013e3, // 0x04: clz w3, wzr
    0xdac01424, // 0x08: cls x4, x1
    0x5ac01405, // 0x0c: cls w5, w0
    0xdac00026, // 0x10: rbit x6, x1
    0x5ac00027, // 0x14: rbit w7, w1
    0xdac00c28, // 0x18: rev x8, x1
    0x5ac00829, // 0x1c: rev w9, w1
    0xdac0042a, // 0x20: rev16 x10, x1
    0xdac0082b, // 0x24: rev32 x11, x1
    0x5ac0042c, // 0x28: rev16 w12, w1
    0x9ac0202d, // 0x2c: lsl x13, x1, x0
    0x1ac02c2e, // 0x30: ror w14, w1, w0
    0x9ac0282f, // 0x34: asr x15, x1, x0
    0x1ac02430, // 0x38: lsr w16, w1, w0
];

pub const LDST_MODES: &[u32] = &[
    0xf9400402, // 0x00: ldr x2, [x0, #8]
    0xb9400403, // 0x04: ldr w3, [x0, #4]
    0x39403c04, // 0x08: ldrb w4, [x0, #15]
    0x39803c05, // 0x0c: ldrsb x5, [x0, #15]
    0x79c01c06, // 0x10: ldrsh w6, [x0, #14]
    0xb89fc007, // 0x14: ldursw x7, [x0, #-4]
    0xf8410c08, // 0x18: ldr x8, [x0, #16]!
    0xf85f8409, // 0x1c: ldr x9, [x0], #-8
    0xf86b782a, // 0x20: ldr x10, [x1, x11, lsl #3]
    0x786dd82c, // 0x24: ldrh w12, [x1, w13, sxtw #1]
    0xf9002022, // 0x28: str x2, [x1, #64]
    0x39012024, // 0x2c: strb w4, [x1, #72]
    0x7804ac26, // 0x30: strh w6, [x1, #74]!
    0xb8004423, // 0x34: str w3, [x1], #4
    0xf81fe029, // 0x38: stur x9, [x1, #-2]
];

pub const LDST_PAIR: &[u32] = &[
    0xa9400c02, // 0x00: ldp x2, x3, [x0]
    0x29411404, // 0x04: ldp w4, w5, [x0, #8]
    0x69411c06, // 0x08: ldpsw x6, x7, [x0, #8]
    0xa9bf0c22, // 0x0c: stp x2, x3, [x1, #-16]!
    0x28811424, // 0x10: stp w4, w5, [x1], #8
    0xa8412408, // 0x14: ldnp x8, x9, [x0, #16]
    0xa8022428, // 0x18: stnp x8, x9, [x1, #32]
    0xa9c12c0a, // 0x1c: ldp x10, x11, [x0, #16]!
];

pub const LDR_LIT: &[u32] = &[
    0x580000a0, // 0x00: ldr x0, 14 <lit>
    0x18000081, // 0x04: ldr w1, 14 <lit>
    0x980000a2, // 0x08: ldrsw x2, 1c <lit2>
    0xd8000040, // 0x0c: prfm pldl1keep, 14 <lit>
    0x14000004, // 0x10: b 20 <out>
    0x55667788, // 0x14: .word 0x55667788
    0x11223344, // 0x18: .word 0x11223344
    0x80000001, // 0x1c: .word 0x80000001
    0xd503201f, // 0x20: nop
];

pub const EXCL: &[u32] = &[
    0xc85f7c02, // 0x00: ldxr x2, [x0]
    0x91000442, // 0x04: add x2, x2, #0x1
    0xc8037c02, // 0x08: stxr w3, x2, [x0]
    0xc8047c02, // 0x0c: stxr w4, x2, [x0]
    0x885ffc25, // 0x10: ldaxr w5, [x1]
    0xd5033f5f, // 0x14: clrex
    0x8806fc25, // 0x18: stlxr w6, w5, [x1]
    0x085f7c27, // 0x1c: ldxrb w7, [x1]
    0x08087c3f, // 0x20: stxrb w8, wzr, [x1]
    0xc87f2809, // 0x24: ldxp x9, x10, [x0]
    0xc82b240a, // 0x28: stxp w11, x10, x9, [x0]
    0x887f342c, // 0x2c: ldxp w12, w13, [x1]
    0x882eb02d, // 0x30: stlxp w14, w13, w12, [x1]
    0xc89ffc22, // 0x34: stlr x2, [x1]
    0xc8dffc2f, // 0x38: ldar x15, [x1]
    0x08dffc10, // 0x3c: ldarb w16, [x0]
];

pub const BRANCHES: &[u32] = &[
    0xb4000040, // 0x00: cbz x0, 8 <l1>
    0xd2800021, // 0x04: mov x1, #0x1
    0x35000042, // 0x08: cbnz w2, 10 <l2>
    0xd2800023, // 0x0c: mov x3, #0x1
    0xb6400044, // 0x10: tbz x4, #40, 18 <l3>
    0xd2800025, // 0x14: mov x5, #0x1
    0x37180044, // 0x18: tbnz w4, #3, 20 <l4>
    0xd2800026, // 0x1c: mov x6, #0x1
    0x94000004, // 0x20: bl 30 <f>
    0x54000040, // 0x24: b.eq 2c <skip>
    0xd28000e7, // 0x28: mov x7, #0x7
    0x14000003, // 0x2c: b 38 <end>
    0xd2800108, // 0x30: mov x8, #0x8
    0xd65f03c0, // 0x34: ret
    0xd4000841, // 0x38: svc #0x42
];

pub const INDIRECT: &[u32] = &[
    0x10000081, // 0x00: adr x1, 10 <target>
    0x90000002, // 0x04: adrp x2, 0 <target-0x10>
    0xd63f0020, // 0x08: blr x1
    0xd42000e0, // 0x0c: brk #0x7
    0xaa1e03e3, // 0x10: mov x3, x30
    0xd61f0000, // 0x14: br x0
];

pub const SYSREGS: &[u32] = &[
    0xd53b0020, // 0x00: mrs x0, ctr_el0
    0xd53b00e1, // 0x04: mrs x1, dczid_el0
    0xd5380002, // 0x08: mrs x2, midr_el1
    0xd51bd043, // 0x0c: msr tpidr_el0, x3
    0xd53bd044, // 0x10: mrs x4, tpidr_el0
    0xd51b4205, // 0x14: msr nzcv, x5
    0xd53b4206, // 0x18: mrs x6, nzcv
    0xd51b4427, // 0x1c: msr fpsr, x7
    0xd53b4428, // 0x20: mrs x8, fpsr
    0xd503201f, // 0x24: nop
    0xd503203f, // 0x28: yield
    0xd503233f, // 0x2c: paciasp
    0xd50323bf, // 0x30: autiasp
    0xd503245f, // 0x34: bti c
    0xd5033bbf, // 0x38: dmb ish
    0xd5033f9f, // 0x3c: dsb sy
    0xd5033fdf, // 0x40: isb
    0xd50b7429, // 0x44: dc zva, x9
    0xd50b7b29, // 0x48: dc cvau, x9
    0xd50b7e29, // 0x4c: dc civac, x9
    0xd50b7529, // 0x50: ic ivau, x9
];
