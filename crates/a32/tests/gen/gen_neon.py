#!/usr/bin/env python3
"""Records ../data/neon_qemu.txt: random encodings of every row of the NEON decode table
(crates/decode/src/neon.rs) that armrun implements, in A32 and in T32, run under
qemu-arm-static (the oracle). The words come from the table through the ignored test
`neon_words` of ../neon_cases.rs (so they are drawn from the same rows the decoder uses); the
harness, operands and line format are gen_vfp.py's (see there), with D registers that also
hold integer lane boundaries (0, -1, the signed and unsigned limits of 8-64-bit lanes).

Loads and stores use r0 = buffer + 128 as base, and post-index with no writeback (Rm = 15),
by the transfer size (Rm = 13) or by r1 (a small signed offset). Words qemu refuses (SIGILL)
are reported on stderr and left out: each one is a word armrun accepts and qemu does not.
Run from this directory:

    python3 gen_neon.py > ../data/neon_qemu.txt
"""
import os, random, subprocess, sys

import gen_vfp
from gen_vfp import BUF, STACK, MEMLEN, build_cases, dreg, rand_core, rand_fpscr

random.seed(20261203)
LANES = [0, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
         0xffffffff, 0x7fffffffffffffff, 0x8000000000000000]


def neon_dreg():
    c = random.random()
    if c < 0.5:
        return dreg()
    if c < 0.75:
        esize = random.choice([8, 16, 32, 64])
        v = 0
        for k in range(64 // esize):
            lane = random.choice(LANES + [random.getrandbits(esize)] * 4) & ((1 << esize) - 1)
            v |= lane << (k * esize)
        return v
    return random.getrandbits(64)


def words():
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(['cargo', 'test', '--release', '-p', 'a32', '--test', 'neon_cases', '--',
                          '--ignored', '--nocapture', '--exact', 'neon_words'],
                         cwd=here, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and all(len(x) == 8 for x in p[1:]):
            yield p[0], int(p[1], 16), int(p[2], 16)


def case(mode, name, a, t):
    inp = [rand_core() for _ in range(13)] + [STACK, rand_core(), random.getrandbits(4) << 28]
    inp[0] = BUF + 128
    w = a if mode == 'a' else t
    memory = (a >> 24) == 0xf4
    if memory:
        # Base r0; post-index none, by size or by r1.
        rm = random.choice([15, 13, 1])
        inp[1] = random.randint(-48, 48) & 0xffffffff
        w = (w & ~0x000f000f) | rm
    asm = [f'.inst {w:#010x}'] if mode == 'a' else [f'.inst.w {w:#010x}']
    fin = [rand_fpscr()] + [neon_dreg() for _ in range(32)]
    mem = bytes(random.getrandbits(8) for _ in range(MEMLEN)) if memory else bytes(MEMLEN)
    return asm, f'{name} {w:08x}', inp, fin, mem, memory


# Fixed sequences (asm, modes): several NEON instructions in one block, so staged D registers,
# scratch registers and the FPCR switch meet the JIT's register handling; VDUP (core) under a
# condition and in an IT block; chains of post-indexed loads and stores; conditional data
# processing in IT blocks.
SEQUENCES = [
    (['vadd.i8 d1, d3, d5', 'vmul.i16 d3, d1, d1', 'vswp d1, d2', 'vzip.8 d3, d5',
      'vqadd.s16 q4, q5, q6', 'vmovn.i16 d9, q4', 'vshll.u8 q6, d9, #3'], 'at'),
    (['vmla.f32 q0, q1, q2', 'vcvt.s32.f32 d7, d3', 'vrecpe.f32 d5, d7', 'vrecps.f32 d5, d5, d7',
      'vmul.f32 d9, d5, d1[1]', 'vadd.f32 d11, d9, d9'], 'at'),
    (['vadd.f64 d0, d1, d2', 'vadd.f32 q2, q3, q4', 'vmul.f64 d5, d0, d5', 'vcmp.f64 d5, d0',
      'vmrs APSR_nzcv, fpscr', 'vdupgt.16 d7, r3', 'vduple.8 q5, r4'], 'a'),
    (['cmp r3, r4', 'ite hi', 'vduphi.32 q1, r5', 'vmovls.32 d3[1], r6', 'vmov.u8 r7, d2[5]'], 't'),
    (['vld1.8 {d0-d3}, [r0]!', 'vld2.16 {d4-d5}, [r0], r1', 'vst3.8 {d1, d3, d5}, [r0]!',
      'vld4.32 {d16[1], d17[1], d18[1], d19[1]}, [r0]', 'vst1.64 {d16-d17}, [r0]',
      'vld1.32 {d20[]}, [r0]!', 'vld4.8 {d21[], d23[], d25[], d27[]}, [r0]'], 'at'),
    (['vtbl.8 d0, {d1-d3}, d4', 'vtbx.8 d5, {d30-d31}, d0', 'vext.8 q3, q4, q5, #9',
      'vtrn.16 q6, q7', 'vuzp.32 q8, q9', 'vrev64.16 d21, d23'], 'at'),
    # Conditional NEON data processing in IT blocks (results and FPSCR flags kept only when
    # the condition holds).
    (['cmp r3, r4', 'ite lt', 'vaddlt.i16 q1, q2, q3', 'vqaddge.s8 d5, d6, d7', 'itt eq',
      'vmuleq.f32 q4, q5, q6', 'vcvteq.s32.f32 d1, d2', 'ite gt', 'vzipgt.8 d3, d9',
      'vswple d10, d11', 'it ne', 'vrecpsne.f32 q7, q8, q9'], 't'),
    (['cmp r5, r6', 'itete hs', 'vqdmulhhs.s16 d13, d14, d3[2]', 'vmlslo.f32 q10, q11, q12',
      'vqmovnhs.s32 d25, q13', 'vtbxlo.8 d27, {d28-d29}, d30'], 't'),
]


def record(mode, cases):
    """Runs `cases` under qemu; splits a failing chunk to drop the words qemu refuses."""
    try:
        return list(zip(cases, build_cases(mode, [(c[0], c[2], c[3], c[4]) for c in cases])))
    except subprocess.CalledProcessError:
        if len(cases) == 1:
            print(f'qemu refuses [{mode}] {cases[0][1]}', file=sys.stderr)
            return []
        half = len(cases) // 2
        return record(mode, cases[:half]) + record(mode, cases[half:])


def main():
    by_mode = {'a': [], 't': []}
    for name, a, t in words():
        for mode in 'at':
            by_mode[mode].append(case(mode, name, a, t))
    for asm, modes in SEQUENCES:
        for mode in modes:
            for _ in range(12):
                inp = [rand_core() for _ in range(13)] + [STACK, rand_core(),
                                                           random.getrandbits(4) << 28]
                inp[0] = BUF + 64
                inp[1] = random.randint(-16, 16) & 0xffffffff
                fin = [rand_fpscr()] + [neon_dreg() for _ in range(32)]
                mem = bytes(random.getrandbits(8) for _ in range(MEMLEN))
                by_mode[mode].append((asm, 'seq ' + '; '.join(asm), inp, fin, mem, True))
    for mode in 'at':
        cases = by_mode[mode]
        for start in range(0, len(cases), 150):
            for (asm, text, inp, fin, mem, memory), (addr, code, out, fout, mem_out) in \
                    record(mode, cases[start:start + 150]):
                memin = mem.hex() if memory else '-'
                memout = ('=' if mem_out == mem else mem_out.hex()) if memory else '-'
                dout = ['=' if o == i else f'{o:x}' for o, i in zip(fout[1:], fin[1:])]
                print(f'{mode} {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp + fin) +
                      f' | {memin} | ' + ' '.join([f'{v:x}' for v in out + fout[:1]] + dout) +
                      f' | {memout} # {text}')


if __name__ == '__main__':
    main()
