#!/usr/bin/env python3
"""Records ../data/qemu_cases.txt: the effect of small A32 and Thumb instruction sequences,
computed by running them under qemu-arm-static (the oracle).

Each snippet of snippets.txt runs a number of times with random inputs. For every run a static
program (built with arm-linux-gnueabihf-gcc, -marm or -mthumb, -nostdlib) sets r0-r12, sp, lr
and the APSR (NZCV, Q, GE), zeroes a 12 KiB mapping around guest address 0x100000 (mapped with
mmap2 at a fixed address), fills the 128-byte buffer at 0x100000, runs the snippet, and records
the registers, the APSR and the buffer. Output lines:

    mode addr code | in[16] | mem-in | out[16] | mem-out # asm

mode is a (A32) or t (Thumb); the buffers are recorded (else `-`) for snippets marked
`am`/`tm` in snippets.txt; addr is the snippet's guest address and code its bytes (hex), so
the Rust test can place it where qemu ran it (PC-relative results then agree); in/out are
r0..r12 sp lr apsr; mem-out is `=` when the buffer is unchanged. Run from this directory:

    python3 gen_cases.py > ../data/qemu_cases.txt
"""
import os, random, struct, subprocess, sys, tempfile

random.seed(2026)
BUF = 0x100000
STACK = BUF + 0xc00
MASK = 0xffffffff
MEMLEN = 128
REC = 64 + MEMLEN  # bytes per output record: 16 words, then the buffer


def rand_val():
    c = random.random()
    if c < 0.3:
        return random.choice([0, 1, 2, 31, 32, 33, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe,
                              0x80, 0xff, 0x100, 0x8000, 0xffff, 0x10000, 0x7fff, 0x12345678])
    if c < 0.5:
        return random.getrandbits(6)
    return random.getrandbits(32)


def rand_apsr():
    nzcv = random.getrandbits(4) << 28
    q = random.getrandbits(1) << 27
    ge = random.getrandbits(4) << 16
    return nzcv | q | ge


def parse():
    here = os.path.dirname(os.path.abspath(__file__))
    for line in open(os.path.join(here, 'snippets.txt')):
        line = line.strip()
        if not line or line.startswith('//'):
            continue
        mode, n, rest = line.split(None, 2)
        asm, _, assigns = rest.partition(' @@ ')
        fixed = {}
        for a in assigns.split():
            k, v = a.split('=')
            fixed[k] = int(v, 0)
        yield mode, int(n), asm.strip(), fixed


REGS = [f'r{i}' for i in range(13)] + ['sp', 'lr', 'apsr']


def build_cases(mode, cases):
    """Assembles and runs one program for a list of (asm, inputs, mem) cases; returns outputs."""
    src = ['.syntax unified', '.arch armv7ve', '.arm' if mode == 'a' else '.thumb', '.text',
           '.global _start', '.type _start, %function', '_start:',
           f'ldr r0, ={BUF - 0x1000}', 'mov r1, #0x3000', 'mov r2, #3', 'mov r3, #0x32', 'mvn r4, #0',
           'mov r5, #0', 'mov r7, #192', 'svc #0']
    data = ['.data', '.balign 4']
    for i, (asm, inp, mem) in enumerate(cases):
        # Zero the whole mapping first: stores of earlier cases must not leak into this one.
        src += [f'ldr r0, ={BUF - 0x1000}', 'mov r1, #0', 'mov r2, #0xc00',
                '1: str r1, [r0], #4', 'subs r2, r2, #1', 'bne 1b']
        src += [f'ldr r0, =memin{i}', f'ldr r1, ={BUF}', f'mov r2, #{MEMLEN // 4}',
                f'1: ldr r3, [r0], #4', 'str r3, [r1], #4', 'subs r2, r2, #1', 'bne 1b',
                f'ldr r0, =in{i}', 'ldr r1, [r0, #60]', 'msr APSR_nzcvqg, r1',
                'ldr r1, [r0, #52]', 'mov sp, r1', 'ldr lr, [r0, #56]', 'ldm r0, {r0-r12}',
                f'.global snip{i}', f'snip{i}:', asm, f'.global snipend{i}', f'snipend{i}:',
                'push {r0-r12, lr}', 'mrs r0, apsr', 'add r1, sp, #56', f'ldr r2, =out{i}',
                'pop {r3-r9}', 'stm r2!, {r3-r9}', 'pop {r3-r9}', 'stm r2!, {r3-r9}',
                'str r1, [r2], #4', 'str r0, [r2], #4',
                f'ldr r0, ={BUF}', f'ldr r4, =out{i}', 'add r4, r4, #64', f'mov r2, #{MEMLEN // 4}',
                '1: ldr r3, [r0], #4', 'str r3, [r4], #4', 'subs r2, r2, #1', 'bne 1b',
                'b 2f', '.ltorg', '2:']
        data += [f'in{i}:'] + [f'.word {v:#x}' for v in inp]
        data += [f'memin{i}:'] + [f'.word {w:#x}' for w in struct.unpack(f'<{MEMLEN // 4}I', mem)]
    src += ['mov r0, #1', 'ldr r1, =out0', f'ldr r2, ={len(cases) * REC}', 'mov r7, #4', 'svc #0',
            'mov r0, #0', 'mov r7, #1', 'svc #0', '.ltorg']
    bss = ['.bss', '.balign 4'] + sum([[f'out{i}:', f'.skip {REC}'] for i in range(len(cases))], [])
    with tempfile.TemporaryDirectory() as d:
        d = os.environ.get('KEEP', d)
        open(f'{d}/t.s', 'w').write('\n'.join(src + data + bss) + '\n')
        subprocess.run(['arm-linux-gnueabihf-gcc', '-nostdlib', '-static', '-march=armv7ve',
                        '-m' + ('arm' if mode == 'a' else 'thumb'), f'{d}/t.s', '-o', f'{d}/t'],
                       check=True)
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
        words = struct.unpack('<16I', out[REC * i:REC * i + 64])
        # Recorded as r0..r12 lr sp apsr; stored as r0..r12 sp lr apsr.
        regs = list(words[:13]) + [words[14], words[13], words[15]]
        res.append((a, code, regs, out[REC * i + 64:REC * (i + 1)]))
    return res


def read_vaddr(elf, addr, size):
    """Bytes at virtual address `addr` of a 32-bit little-endian ELF (from its PT_LOADs)."""
    phoff, = struct.unpack_from('<I', elf, 28)
    phentsize, phnum = struct.unpack_from('<HH', elf, 42)
    for k in range(phnum):
        ty, off, va, _, filesz, _, _, _ = struct.unpack_from('<8I', elf, phoff + k * phentsize)
        if ty == 1 and va <= addr and addr + size <= va + filesz:
            return elf[off + addr - va:off + addr - va + size]
    raise ValueError(hex(addr))


def main():
    by_mode = {'a': [], 't': []}
    for mode, n, asm, fixed in parse():
        for _ in range(n):
            inp = [rand_val() for _ in range(13)] + [STACK, rand_val(), rand_apsr()]
            for k, v in fixed.items():
                inp[REGS.index(k)] = v & MASK
            mem = bytes(random.getrandbits(8) for _ in range(MEMLEN)) if 'm' in mode else bytes(MEMLEN)
            by_mode[mode[0]].append((mode, asm, inp, mem))
    for mode in 'at':
        cases = by_mode[mode]
        for start in range(0, len(cases), 200):
            chunk = cases[start:start + 200]
            runs = build_cases(mode, [c[1:] for c in chunk])
            for (m, asm, inp, mem), (addr, code, out, mem_out) in zip(chunk, runs):
                memin = mem.hex() if 'm' in m else '-'
                memout = ('=' if mem_out == mem else mem_out.hex()) if 'm' in m else '-'
                print(f'{mode} {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp) +
                      f' | {memin} | ' + ' '.join(f'{v:x}' for v in out) + f' | {memout} # {asm}')


if __name__ == '__main__':
    main()
