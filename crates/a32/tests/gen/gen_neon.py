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
