#!/usr/bin/env python3
"""Records ../data/qemu_vfp.txt: random encodings of every row of the VFP decode table
(crates/decode/src/vfp.rs), in A32 and in T32, run under qemu-arm-static (the oracle).

For every case a static program (arm-linux-gnueabihf-gcc, -nostdlib) sets r0-r12, sp, lr, the
APSR, D0-D31 and the FPSCR (random RMode, FZ, DN, AHP, cumulative flags and NZCV), fills the
256-byte buffer at 0x100000, runs the one instruction (A32 words get a random condition; T32
ones are put in an IT block with a random condition part of the time) and records the core
registers, the APSR, D0-D31, the FPSCR and the buffer. Operands mix NaNs (quiet, signalling,
both signs), infinities, zeros, denormals, values near integer and format bounds, values with
halves to round, and random bit patterns, in single and double precision. Loads and stores use
r0 = buffer + 128 as base with offsets that stay inside the buffer. Output lines:

    mode addr code | in[16] fpscr d0..d31 | mem-in | out[16] fpscr d0..d31 | mem-out # asm

(in/out: r0..r12 sp lr apsr, then the FPSCR, then 32 doubles; all hex; an output D register
equal to its input is `=`, and so is an unchanged buffer; the buffer is `-` (zero in, not
compared) for rows that are not loads or stores.) Run from this
directory:

    python3 gen_vfp.py > ../data/qemu_vfp.txt
"""
import os, random, re, struct, subprocess, tempfile

random.seed(20261202)
BUF = 0x100000
STACK = BUF + 0xc00
MEMLEN = 256
REC = 64 + MEMLEN + 4 + 256 + 12  # core regs, buffer, fpscr, d0-d31, padding
PER_ROW = 20
CORE = list(range(13)) + [14]


def rows():
    here = os.path.dirname(os.path.abspath(__file__))
    src = open(os.path.join(here, '../../../decode/src/vfp.rs')).read()
    for m in re.finditer(r'(\w+) = "([\w.]+)", "([^"]+)", \w+;', src):
        yield m.group(1), m.group(2), m.group(3).replace(' ', '')


def fill(pat):
    """A random word for pattern `pat` and a setter for its fields."""
    w = 0
    for i, c in enumerate(pat):
        bit = 31 - i
        if c == '1' or (c not in '0' and random.getrandbits(1)):
            w |= 1 << bit
    return w


def set_field(pat, w, letter, val):
    pos = [31 - i for i, c in enumerate(pat) if c == letter]
    for k, bit in enumerate(pos):
        v = val >> (len(pos) - 1 - k) & 1
        w = (w & ~(1 << bit)) | v << bit
    return w


def get_field(pat, w, letter):
    v = 0
    for i, c in enumerate(pat):
        if c == letter:
            v = v << 1 | (w >> (31 - i) & 1)
    return v


F32_SPECIAL = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
               0xff812345, 0x7fa00000, 0x00000001, 0x807fffff, 0x00400000, 0x00800000, 0x80800000,
               0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x7f7fffff,
               0xff7fffff, 0x4f000000, 0x4effffff, 0xcf000000, 0xcf000001, 0x4f800000, 0x477fff00,
               0x47800000, 0xc7000080, 0x33800000, 0x38800000, 0x387fc000]
F64_SPECIAL = [0, 1 << 63, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
               0xfff8000000000000, 0x7ff0000000000001, 0xfff4000000000000, 1, 0x800fffffffffffff,
               0x0010000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x3fe0000000000000,
               0x3ff8000000000000, 0x4004000000000000, 0xc004000000000000, 0x7fefffffffffffff,
               0x41e0000000000000, 0x41dfffffffc00000, 0xc1e0000000000000, 0xc1e0000000200000,
               0x41f0000000000000, 0x41efffffffe00000, 0x36a0000000000000, 0x3810000000000000,
               0x47efffffe0000000, 0x47effffff0000000, 0x380fffffffffffff, 0x3e70000000000000]


def f32():
    c = random.random()
    if c < 0.35:
        return random.choice(F32_SPECIAL)
    if c < 0.7:
        x = random.choice([random.uniform(-4, 4), random.uniform(-1e6, 1e6), random.uniform(-70000, 70000),
                           random.randint(-2 ** 33, 2 ** 33) + random.choice([0, 0.5, 0.25])])
        return struct.unpack('<I', struct.pack('<f', x))[0]
    if c < 0.8:
        return random.getrandbits(23) | random.getrandbits(1) << 31  # denormal
    return random.getrandbits(32)


def f64():
    c = random.random()
    if c < 0.35:
        return random.choice(F64_SPECIAL)
    if c < 0.7:
        x = random.choice([random.uniform(-4, 4), random.uniform(-1e6, 1e6), random.uniform(-1e20, 1e20),
                           random.randint(-2 ** 33, 2 ** 33) + random.choice([0, 0.5, 0.25])])
        return struct.unpack('<Q', struct.pack('<d', x))[0]
    if c < 0.8:
        return random.getrandbits(52) | random.getrandbits(1) << 63
    return random.getrandbits(64)


def dreg():
    if random.random() < 0.45:
        return f32() | f32() << 32
    return f64()


def rand_fpscr():
    v = random.getrandbits(4) << 28 | random.getrandbits(2) << 22
    if random.random() < 0.3:
        v |= 1 << 24  # FZ
    if random.random() < 0.3:
        v |= 1 << 25  # DN
    if random.random() < 0.2:
        v |= 1 << 26  # AHP
    if random.random() < 0.4:
        v |= random.getrandbits(8) & 0x9f
    if random.random() < 0.2:
        v |= 1 << 27  # QC
    return v


def rand_core():
    c = random.random()
    if c < 0.3:
        return random.choice([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x3f800000, 0x7fc00000,
                              0x3ff00000, 0xfff80000])
    return random.getrandbits(32)


def instance(mode, name, mn, pat):
    """A random valid encoding of row `name` for mode 'a' or 't': (words, asm text, base)."""
    w = fill(pat)
    f = lambda l: get_field(pat, w, l)
    s = lambda l, v: set_field(pat, w, l, v)
    v8 = pat.startswith('1111')
    if not v8:
        w = (w & 0x0fffffff) | (0xe << 28)
    if name in ('Vldr', 'Vstr'):
        w = s('n', 0)
        w = set_field(pat, w, 'i', random.randint(0, 31))
    elif name in ('VldmIa', 'VstmIa', 'VldmDb', 'VstmDb'):
        w = s('n', 0)
        dbl = f('s')
        if dbl:
            first = random.randint(0, 31)
            regs = random.randint(1, min(16, 32 - first))
            w = set_field(pat, w, 'D', first >> 4)
            w = set_field(pat, w, 'd', first & 15)
            w = set_field(pat, w, 'i', 2 * regs)
        else:
            first = random.randint(0, 31)
            regs = random.randint(1, 32 - first)
            w = set_field(pat, w, 'd', first >> 1)
            w = set_field(pat, w, 'D', first & 1)
            w = set_field(pat, w, 'i', regs)
    elif name == 'VmovS':
        w = s('t', random.choice(CORE))
    elif name in ('VmovS2', 'VmovD2'):
        t, t2 = random.sample(CORE, 2)
        w = set_field(pat, w, 't', t)
        w = set_field(pat, w, 'T', t2)
        if name == 'VmovS2' and (get_field(pat, w, 'm') << 1 | get_field(pat, w, 'M')) == 31:
            w = set_field(pat, w, 'M', 0)
    elif name in ('VmovToScalar', 'VmovFromScalar'):
        w = s('t', random.choice(CORE))
        a, b = get_field(pat, w, 'a'), get_field(pat, w, 'b')
        if a & 2 == 0 and b & 1 == 0:
            w = set_field(pat, w, 'b', 0)
            if name == 'VmovFromScalar':
                w = set_field(pat, w, 'u', 0)
    elif name == 'Vmrs':
        w = s('t', random.choice(CORE + [15]))
    elif name == 'Vmsr':
        w = s('t', random.choice(CORE))
    elif name == 'VcvtFixed':
        size = 32 if f('X') else 16
        imm = random.randint(0, size)
        w = set_field(pat, w, 'i', imm >> 1)
        w = set_field(pat, w, 'I', imm & 1)
    cond = 14
    if not v8 and random.random() < 0.4:
        cond = random.randint(0, 13)
    if mode == 'a':
        if not v8:
            w = (w & 0x0fffffff) | cond << 28
        return [f'.inst {w:#010x}'], f'{mn} {w:08x} c{cond}'
    asm = []
    if cond != 14:
        asm.append(f'.inst.n {0xbf08 | cond << 4:#06x}')
    asm.append(f'.inst.w {w:#010x}')
    return asm, f'{mn} {w:08x} c{cond}'


# Fixed sequences (asm, modes): VPUSH/VPOP round trips through the stack, FSTMX/FLDMX (odd word
# counts), a literal VLDR reading its own word, and compare / VMRS APSR_nzcv / conditional use.
SEQUENCES = [
    (['vpush {d8-d15}', 'vpop {d0-d7}'], 'at'),
    (['vpush {s3-s9}', 'vpop {s20-s26}'], 'at'),
    (['.inst 0xed2d2b07', '.inst 0xecbd5b07'], 'a'),  # fstmdbx sp!, {d2-d4}; fldmiax sp!, {d5-d7}
    (['.inst.w 0xed2d2b07', '.inst.w 0xecbd5b07'], 't'),
    (['.inst 0xed5f2a02'], 'a'),  # vldr s5, [pc, #-8]: its own word
    (['vcmpe.f64 d0, d1', 'vmrs APSR_nzcv, fpscr', 'vmovgt.f64 d2, d3', 'vmovle.f64 d4, d5'], 'a'),
    (['vcmp.f32 s0, s1', 'vmrs APSR_nzcv, fpscr', 'ite ge', 'vaddge.f32 s2, s3, s4',
      'vsublt.f32 s5, s6, s7'], 't'),
    (['vcmpe.f64 d0, #0', 'vmrs APSR_nzcv, fpscr', 'movmi r1, #1', 'vmrs r2, fpscr'], 'a'),
    (['vmla.f64 d0, d1, d2', 'vmls.f32 s6, s7, s8', 'vnmla.f64 d5, d6, d7', 'vnmul.f32 s20, s21, s22',
      'vfma.f64 d8, d9, d10', 'vfnms.f32 s30, s31, s29', 'vcvt.s32.f64 s1, d0',
      'vcvtr.u32.f32 s2, s6'], 'at'),
    (['vmov r3, r4, d1', 'vmov s10, s11, r4, r3', 'vmov.32 d20[1], r5', 'vmov.s16 r6, d21[3]',
      'vmov.u8 r7, d22[5]', 'vmov.16 d23[2], r8'], 'at'),
]


def build_cases(mode, cases):
    src = ['.syntax unified', '.arch armv7ve', '.fpu neon-vfpv4', '.arm' if mode == 'a' else '.thumb',
           '.text', '.global _start', '.type _start, %function', '_start:',
           f'ldr r0, ={BUF - 0x1000}', 'mov r1, #0x3000', 'mov r2, #3', 'mov r3, #0x32', 'mvn r4, #0',
           'mov r5, #0', 'mov r7, #192', 'svc #0']
    data = ['.data', '.balign 8']
    for i, (asm, inp, fin, mem) in enumerate(cases):
        src += [f'ldr r0, ={BUF - 0x1000}', 'mov r1, #0', 'mov r2, #0xc00',
                '1: str r1, [r0], #4', 'subs r2, r2, #1', 'bne 1b']
        src += [f'ldr r0, =memin{i}', f'ldr r1, ={BUF}', f'mov r2, #{MEMLEN // 4}',
                '1: ldr r3, [r0], #4', 'str r3, [r1], #4', 'subs r2, r2, #1', 'bne 1b',
                f'ldr r0, =fin{i}', 'vldm r0!, {d0-d15}', 'vldm r0!, {d16-d31}', 'ldr r1, [r0]',
                'vmsr fpscr, r1',
                f'ldr r0, =in{i}', 'ldr r1, [r0, #60]', 'msr APSR_nzcvqg, r1',
                'ldr r1, [r0, #52]', 'mov sp, r1', 'ldr lr, [r0, #56]', 'ldm r0, {r0-r12}',
                f'.global snip{i}', f'snip{i}:'] + asm + [f'.global snipend{i}', f'snipend{i}:',
                'push {r0-r12, lr}', 'mrs r0, apsr', 'add r1, sp, #56', f'ldr r2, =out{i}',
                'pop {r3-r9}', 'stm r2!, {r3-r9}', 'pop {r3-r9}', 'stm r2!, {r3-r9}',
                'str r1, [r2], #4', 'str r0, [r2], #4',
                f'ldr r0, ={BUF}', f'mov r5, #{MEMLEN // 4}',
                '1: ldr r3, [r0], #4', 'str r3, [r2], #4', 'subs r5, r5, #1', 'bne 1b',
                'vmrs r1, fpscr', 'str r1, [r2], #4', 'add r2, r2, #4',
                'vstm r2!, {d0-d15}', 'vstm r2!, {d16-d31}',
                'b 2f', '.ltorg', '2:']
        data += ['.balign 8', f'fin{i}:'] + [f'.quad {v:#x}' for v in fin[1:]] + [f'.word {fin[0]:#x}']
        data += ['.balign 4', f'in{i}:'] + [f'.word {v:#x}' for v in inp]
        data += [f'memin{i}:'] + [f'.word {x:#x}' for x in struct.unpack(f'<{MEMLEN // 4}I', mem)]
    src += ['mov r0, #1', 'ldr r1, =out0', f'ldr r2, ={len(cases) * REC}', 'mov r7, #4', 'svc #0',
            'mov r0, #0', 'mov r7, #1', 'svc #0', '.ltorg']
    bss = ['.bss', '.balign 8'] + sum([[f'out{i}:', f'.skip {REC}'] for i in range(len(cases))], [])
    with tempfile.TemporaryDirectory() as d:
        d = os.environ.get('KEEP', d)
        open(f'{d}/t.s', 'w').write('\n'.join(src + data + bss) + '\n')
        subprocess.run(['arm-linux-gnueabihf-gcc', '-nostdlib', '-static', '-march=armv7ve',
                        '-mfpu=neon-vfpv4', '-m' + ('arm' if mode == 'a' else 'thumb'), f'{d}/t.s',
                        '-o', f'{d}/t'], check=True)
        out = subprocess.run(['/usr/bin/qemu-arm-static', f'{d}/t'], check=True,
                             capture_output=True).stdout
        syms = {}
        for l in subprocess.run(['arm-linux-gnueabihf-nm', f'{d}/t'], check=True,
                                capture_output=True, text=True).stdout.splitlines():
            p = l.split()
            if len(p) == 3:
                syms[p[2]] = int(p[0], 16)
        elf = open(f'{d}/t', 'rb').read()
    assert len(out) == REC * len(cases), (len(out), len(cases))
    res = []
    for i in range(len(cases)):
        a, e = syms[f'snip{i}'] & ~1, syms[f'snipend{i}'] & ~1
        code = read_vaddr(elf, a, e - a)
        rec = out[REC * i:REC * (i + 1)]
        words = struct.unpack('<16I', rec[:64])
        regs = list(words[:13]) + [words[14], words[13], words[15]]
        mem = rec[64:64 + MEMLEN]
        fpscr, = struct.unpack_from('<I', rec, 64 + MEMLEN)
        ds = list(struct.unpack_from('<32Q', rec, 64 + MEMLEN + 8))
        res.append((a, code, regs, [fpscr] + ds, mem))
    return res


def read_vaddr(elf, addr, size):
    phoff, = struct.unpack_from('<I', elf, 28)
    phentsize, phnum = struct.unpack_from('<HH', elf, 42)
    for k in range(phnum):
        ty, off, va, _, filesz, _, _, _ = struct.unpack_from('<8I', elf, phoff + k * phentsize)
        if ty == 1 and va <= addr and addr + size <= va + filesz:
            return elf[off + addr - va:off + addr - va + size]
    raise ValueError(hex(addr))


def main():
    by_mode = {'a': [], 't': []}
    for name, mn, pat in rows():
        for mode in 'at':
            for _ in range(PER_ROW):
                asm, text = instance(mode, name, mn, pat)
                inp = [rand_core() for _ in range(13)] + [STACK, rand_core(),
                                                           random.getrandbits(4) << 28]
                inp[0] = BUF + 128
                fin = [rand_fpscr()] + [dreg() for _ in range(32)]
                memory = name.startswith(('Vld', 'Vst'))
                mem = bytes(random.getrandbits(8) for _ in range(MEMLEN)) if memory else bytes(MEMLEN)
                by_mode[mode].append((asm, text, inp, fin, mem, memory))
    for asm, modes in SEQUENCES:
        for mode in modes:
            for _ in range(PER_ROW):
                inp = [rand_core() for _ in range(13)] + [STACK, rand_core(),
                                                           random.getrandbits(4) << 28]
                inp[0] = BUF + 128
                fin = [rand_fpscr()] + [dreg() for _ in range(32)]
                by_mode[mode].append((asm, 'seq ' + '; '.join(asm), inp, fin, bytes(MEMLEN), False))
    for mode in 'at':
        cases = by_mode[mode]
        for start in range(0, len(cases), 150):
            chunk = cases[start:start + 150]
            runs = build_cases(mode, [(c[0], c[2], c[3], c[4]) for c in chunk])
            for (asm, text, inp, fin, mem, memory), (addr, code, out, fout, mem_out) in zip(chunk, runs):
                memin = mem.hex() if memory else '-'
                memout = ('=' if mem_out == mem else mem_out.hex()) if memory else '-'
                # Output D registers equal to their input are written as '='.
                dout = ['=' if o == i else f'{o:x}' for o, i in zip(fout[1:], fin[1:])]
                print(f'{mode} {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp + fin) +
                      f' | {memin} | ' + ' '.join([f'{v:x}' for v in out + fout[:1]] + dout) +
                      f' | {memout} # {text}')


if __name__ == '__main__':
    main()
