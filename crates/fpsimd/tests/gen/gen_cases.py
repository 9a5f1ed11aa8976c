#!/usr/bin/env python3
"""Generates tests/data/qemu_cases.txt: expected results of FP/SIMD instructions, computed by
running them under qemu-aarch64-static (the oracle). Each output line is

    word  in[13]  out[13]   (hex, space separated)

with in/out = v0.lo v0.hi v1.lo v1.hi v2.lo v2.hi v3.lo v3.hi x0 x1 x2 fpcr|nzcv-word fpsr-or-nzcv
(see the Rust side, tests/qemu_cases.rs, for the exact layout). Run from this directory:
    python3 gen_cases.py > ../data/qemu_cases.txt
    python3 gen_cases.py --mem > ../data/qemu_mem_cases.txt
    python3 gen_cases.py --insns insns_ext.txt > ../data/qemu_ext_cases.txt
The last reads the later additions (FCVTXN, URECPE, FPCR.AHP, RDM, dot product, ...) from
their own list, with FPCR values that include AHP, so the first file stays reproducible.
Memory cases (kind m) also record a 256-byte block before and after, and its address; x0 points
at the block's middle.
"""
import random, struct, subprocess, sys, tempfile, os

random.seed(12345)

def f32(x): return struct.unpack('<I', struct.pack('<f', x))[0]
def f64(x): return struct.unpack('<Q', struct.pack('<d', x))[0]

S_POOL = [f32(v) for v in [0.0, -0.0, 1.0, -1.0, 1.5, 2.5, -2.5, 0.5, -0.5, 3.75, 1e10, -1e10, 3e9,
          -3e9, 1e-3, 1/3, 2**31, -2**31, 4.5e9, 255.5, 65536.25]] + \
    [0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0xffc12345, 0x00000001, 0x807fffff,
     0x7f7fffff, 0x00800000, 0x3f800001]
D_POOL = [f64(v) for v in [0.0, -0.0, 1.0, -1.0, 1.5, 2.5, -2.5, 0.5, -0.5, 3.75, 1e10, -1e10,
          3e9, -3e9, 1e-3, 1/3, 2**63, -2**63, 1e19, 2**31 - 0.5, 1e300, 1e-300, 4.5]] + \
    [0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff4000000000001,
     0xfff8000000001234, 0x0000000000000001, 0x800fffffffffffff, 0x7fefffffffffffff,
     0x0010000000000000, 0x3ff0000000000001]

# Half precision: normals, denormals, and the exponent-31 patterns (infinities and NaNs in
# IEEE half, ordinary numbers up to 131008 in ARM's alternative half precision).
H_POOL = [0x0000, 0x8000, 0x3c00, 0xbc00, 0x3e00, 0x7bff, 0xfbff, 0x0001, 0x83ff, 0x0400,
          0x7c00, 0xfc00, 0x7e00, 0xfe01, 0x7d00, 0x7c01, 0x7fff, 0xffff, 0x7c3f, 0x5555, 0x1234,
          0x3555, 0x4248, 0xc500, 0x0200, 0x8001, 0x7bfe, 0x5640, 0x2e66, 0x4900, 0xd640, 0x4200,
          0x3c01, 0x0401]

def lanes(kind):
    """128 bits as (lo, hi) for element kind 'h', 's', 'd' or 'i'."""
    if kind == 'h':
        e = [random.choice(H_POOL) if random.random() < 0.8 else random.getrandbits(16)
             for _ in range(8)]
        v = sum(x << (16 * i) for i, x in enumerate(e))
        return v & (2**64 - 1), v >> 64
    if kind == 's':
        e = [random.choice(S_POOL) for _ in range(4)]
        return e[0] | e[1] << 32, e[2] | e[3] << 32
    if kind == 'd':
        return random.choice(D_POOL), random.choice(D_POOL)
    def r64():
        c = random.random()
        if c < 0.15:
            return random.choice([0, 0xffffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff,
                                  0x8080808080808080, 0x7f7f7f7f7f7f7f7f, 0x0001000200030004])
        return random.getrandbits(64)
    return r64(), r64()

def gp(kind):
    if kind == 'i':
        return random.choice([0, 1, 0xffffffffffffffff, 0x80000000, 0x7fffffff, 0x8000000000000000,
                              random.getrandbits(64), random.getrandbits(32), random.getrandbits(12)])
    if kind == 's':
        return random.choice(S_POOL)
    if kind == 'h':
        return random.choice(H_POOL)
    return random.choice(D_POOL)

FPCRS = [0, 1 << 22, 2 << 22, 3 << 22, 1 << 24, 1 << 25]
# For the later lists: also FPCR.AHP (bit 26) and FZ16 (bit 19), alone and with the others.
AHP = 1 << 26
FZ16 = 1 << 19
# Interleaved so that even a line with a handful of cases meets FZ16 and AHP.
FPCRS_EXT = [0, FZ16, AHP, 1 << 22, FZ16 | 1 << 22, 2 << 22, AHP | 1 << 25, 3 << 22,
             FZ16 | 1 << 25, 1 << 24, AHP | 1 << 24, 1 << 25, AHP | 3 << 22, AHP | 2 << 22]
INSNS = sys.argv[sys.argv.index('--insns') + 1] if '--insns' in sys.argv else 'insns.txt'
if INSNS != 'insns.txt':
    FPCRS = FPCRS_EXT

def cases():
    for line in open(os.path.join(os.path.dirname(__file__), INSNS)):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        kind, n, asm = line.split(None, 2)
        if kind == 'e':
            # Explicit inputs: "e 1 INSN ; v1=LO[:HI] x0=.. fpcr=.. nzcv=.."
            asm, assigns = asm.split(' ; ')
            st = {}
            for a in assigns.split():
                k, v = a.split('=')
                st[k] = [int(p, 0) for p in v.split(':')]
            inp = []
            for r in range(4):
                lohi = st.get(f'v{r}', [0]) + [0]
                inp += lohi[:2]
            inp += [st.get(f'x{r}', [0])[0] for r in range(3)]
            inp += [st.get('fpcr', [0])[0], st.get('nzcv', [0])[0] << 28]
            yield kind, asm, inp
            continue
        for k in range(int(n)):
            v = []
            for _ in range(4):
                v += lanes(kind)
            x = [gp(kind if kind != 'i' or random.random() < 0.8 else 'i') for _ in range(3)]
            if kind == 'm':
                x = [0, random.choice([0, 1, 3, 8, 12]), 2]
            fpcr = FPCRS[k % len(FPCRS)] if kind != 'i' else 0
            nzcv = random.choice([0, 0x6, 0x8, 0x2, 0x3, 0xf]) << 28
            yield kind, asm, v + x + [fpcr, nzcv]

REC = 120  # bytes per output record: 13 state words, the instruction word, the block address


def main():
    mem = '--mem' in sys.argv
    cs = [c for c in cases() if (c[0] == 'm') == mem]
    blk = {i: [random.getrandbits(64) for _ in range(32)] for i, c in enumerate(cs) if c[0] == 'm'}
    src = ['.text', '.global _start', '_start:']
    data = ['.data', '.balign 16']
    for i, (kind, asm, inp) in enumerate(cs):
        src += [f'adr x9, in{i}', 'ldp q0, q1, [x9]', 'ldp q2, q3, [x9, #32]', 'ldp x0, x1, [x9, #64]',
                'ldr x2, [x9, #80]', 'ldr x10, [x9, #88]', 'msr fpcr, x10', 'ldr x10, [x9, #96]',
                'msr nzcv, x10', 'msr fpsr, xzr']
        if i in blk:
            src += [f'adr x0, blk{i}', 'add x0, x0, #128']
        src += [f'insn{i}: {asm}', 'adr x9, out0', f'ldr x11, ={REC * i}', 'add x9, x9, x11',
                'stp q0, q1, [x9]', 'stp q2, q3, [x9, #32]', 'stp x0, x1, [x9, #64]', 'str x2, [x9, #80]',
                'mrs x10, nzcv', 'str x10, [x9, #88]', 'mrs x10, fpsr', 'str x10, [x9, #96]',
                f'adr x10, insn{i}', 'ldr w10, [x10]', 'str x10, [x9, #104]']
        if i in blk:
            src += [f'adr x10, blk{i}', 'str x10, [x9, #112]']
        src += ['b 1f', '.ltorg', '1:']
        data += [f'in{i}:'] + [f'.quad {v:#x}' for v in inp] + ['.quad 0']
        if i in blk:
            data += ['.balign 16', f'blk{i}:'] + [f'.quad {v:#x}' for v in blk[i]]
    src += ['mov x0, #1', 'adr x1, out0', f'ldr x2, ={REC * len(cs)}', 'mov x8, #64', 'svc #0']
    for i in blk:
        src += ['mov x0, #1', f'adr x1, blk{i}', 'mov x2, #256', 'mov x8, #64', 'svc #0']
    src += ['mov x0, #0', 'mov x8, #93', 'svc #0', '.ltorg']
    bss = ['.section .bss', '.balign 16', 'out0:', f'.skip {REC * len(cs)}']
    body = '\n'.join(src + data + bss) + '\n'
    with tempfile.TemporaryDirectory() as d:
        d = os.environ.get('KEEP', d)
        open(f'{d}/t.s', 'w').write(body)
        subprocess.run(['aarch64-linux-gnu-as', '-march=armv8.6-a+fp16+fp16fml+crypto+dotprod+i8mm+sha3+sm4', f'{d}/t.s', '-o', f'{d}/t.o'], check=True)
        subprocess.run(['aarch64-linux-gnu-ld', '-static', f'{d}/t.o', '-o', f'{d}/t'], check=True)
        out = subprocess.run(['/usr/bin/qemu-aarch64-static', f'{d}/t'], check=True, capture_output=True).stdout
    after = out[REC * len(cs):]
    for k, (i, before) in enumerate(blk.items()):
        blk[i] = (before, struct.unpack('<32Q', after[256 * k:256 * (k + 1)]))
    for i, (kind, asm, inp) in enumerate(cs):
        rec = struct.unpack('<15Q', out[REC * i:REC * (i + 1)])
        word = rec[13] & 0xffffffff
        extra = ''
        if i in blk:
            before, aft = blk[i]
            extra = (' | ' + ' '.join(f'{v:x}' for v in before) + ' | ' + ' '.join(f'{v:x}' for v in aft)
                     + f' | {rec[14]:x}')
        print(f'{word:08x} ' + ' '.join(f'{v:x}' for v in inp) + ' | ' +
              ' '.join(f'{v:x}' for v in rec[:13]) + extra + f' # {asm}')


main()
