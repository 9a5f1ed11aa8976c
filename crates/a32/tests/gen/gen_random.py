#!/usr/bin/env python3
"""Records ../data/qemu_random.txt: random encodings of every register-only row of the A32, T16
and T32 tables (data processing, multiplies, media; listed by the `random_words` example from
the decode tables, keeping to implemented words that do not branch or write SP), each run under
qemu-arm-static with random registers and flags, in the format of gen_cases.py. Run from this
directory:

    cargo run -q --release -p a32 --example random_words > /tmp/words.txt
    python3 gen_random.py /tmp/words.txt > ../data/qemu_random.txt

and for loads, stores and exclusives (Rn pointed into the middle of the recorded buffer, Rm small; the
mapping around it is zeroed for every case, so accesses beyond the buffer are deterministic):

    cargo run -q --release -p a32 --example random_words mem > /tmp/mwords.txt
    python3 gen_random.py --mem /tmp/mwords.txt > ../data/qemu_random_mem.txt

and for IT blocks (an IT with random condition and mask, encoded as a word so the assembler does
not check it, over 1 to 4 of the register-only Thumb words):

    python3 gen_random.py --it /tmp/words.txt > ../data/qemu_random_it.txt
"""
import random, sys
import gen_cases as g

RUNS = 3


def inst(word):
    return f'.inst.n 0x{word}' if len(word) == 4 else f'.inst.w 0x{word}'


def it_cases():
    """Snippets of one IT instruction and the instructions it covers."""
    random.seed(4244)
    words = [l.split() for l in open(sys.argv[-1])]
    # MOVS (register) T2 is UNPREDICTABLE inside an IT block.
    thumb = [(w, n) for m, w, n in words if m == 't' and n != 'movs']
    cases = []
    for _ in range(300):
        k = random.randint(1, 4)
        first = random.randint(0, 13)
        mask = 1 << (4 - k)
        for i in range(k - 1):
            then = random.getrandbits(1)
            bit = first & 1 if then else (first & 1) ^ 1
            mask |= bit << (3 - i)
        body = [random.choice(thumb) for _ in range(k)]
        asm = '; '.join([f'.inst.n 0x{0xbf00 | first << 4 | mask:04x}'] +
                        [inst(w) for w, _ in body])
        names = ' '.join(n for _, n in body)
        for _ in range(2):
            inp = [g.rand_val() for _ in range(13)] + [g.STACK, g.rand_val(), g.rand_apsr()]
            cases.append(('t', f'{asm} @ it {first:x}/{mask:x}: {names}', inp, bytes(g.MEMLEN)))
    return cases


def main():
    if sys.argv[1] == '--it':
        cases = it_cases()
        for start in range(0, len(cases), 300):
            chunk = cases[start:start + 300]
            runs = g.build_cases('t', [c[1:] for c in chunk])
            for (m, asm, inp, mem), (addr, code, out, mem_out) in zip(chunk, runs):
                print(f't {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp) +
                      ' | - | ' + ' '.join(f'{v:x}' for v in out) + f' | - # {asm}')
        return
    mem_mode = sys.argv[1] == '--mem'
    random.seed(4243 if mem_mode else 4242)
    runs = 2 if mem_mode else RUNS
    by_mode = {'a': [], 't': []}
    for line in open(sys.argv[-1]):
        mode, word, name, *regs = line.split()
        if mode == 'a':
            asm = f'.inst 0x{word}'
        elif len(word) == 4:
            asm = f'.inst.n 0x{word}'
        else:
            asm = f'.inst.w 0x{word}'
        for _ in range(runs):
            inp = [g.rand_val() for _ in range(13)] + [g.STACK, g.rand_val(), g.rand_apsr()]
            mem = bytes(g.MEMLEN)
            if mem_mode:
                inp[int(regs[0])] = g.BUF + 0x40
                if regs[1] != '-':
                    inp[int(regs[1])] = 4 * random.randint(0, 4)
                mem = bytes(random.getrandbits(8) for _ in range(g.MEMLEN))
            by_mode[mode].append((mode, f'{asm} @ {name}', inp, mem))
    for mode in 'at':
        cases = by_mode[mode]
        for start in range(0, len(cases), 400):
            chunk = cases[start:start + 400]
            runs = g.build_cases(mode, [c[1:] for c in chunk])
            for (m, asm, inp, mem), (addr, code, out, mem_out) in zip(chunk, runs):
                memin = mem.hex() if mem_mode else '-'
                # '=' records an unchanged buffer (most loads), which halves the file.
                memout = ('=' if mem_out == mem else mem_out.hex()) if mem_mode else '-'
                print(f'{mode} {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp) +
                      f' | {memin} | ' + ' '.join(f'{v:x}' for v in out) + f' | {memout} # {asm}')


if __name__ == '__main__':
    main()
