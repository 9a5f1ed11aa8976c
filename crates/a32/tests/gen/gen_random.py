#!/usr/bin/env python3
"""Records ../data/qemu_random.txt: random encodings of every register-only row of the A32, T16
and T32 tables (data processing, multiplies, media; listed by the `random_words` example from
the decode tables, keeping to implemented words that do not branch or write SP), each run under
qemu-arm-static with random registers and flags, in the format of gen_cases.py. Run from this
directory:

    cargo run -q --release -p a32 --example random_words > /tmp/words.txt
    python3 gen_random.py /tmp/words.txt > ../data/qemu_random.txt
"""
import random, sys
import gen_cases as g

RUNS = 3


def main():
    random.seed(4242)
    by_mode = {'a': [], 't': []}
    for line in open(sys.argv[1]):
        mode, word, name = line.split()
        if mode == 'a':
            asm = f'.inst 0x{word}'
        elif len(word) == 4:
            asm = f'.inst.n 0x{word}'
        else:
            asm = f'.inst.w 0x{word}'
        for _ in range(RUNS):
            inp = [g.rand_val() for _ in range(13)] + [g.STACK, g.rand_val(), g.rand_apsr()]
            by_mode[mode].append((mode, f'{asm} @ {name}', inp, bytes(g.MEMLEN)))
    for mode in 'at':
        cases = by_mode[mode]
        for start in range(0, len(cases), 400):
            chunk = cases[start:start + 400]
            runs = g.build_cases(mode, [c[1:] for c in chunk])
            for (m, asm, inp, mem), (addr, code, out, mem_out) in zip(chunk, runs):
                print(f'{mode} {addr:x} {code.hex()} | ' + ' '.join(f'{v:x}' for v in inp) +
                      ' | - | ' + ' '.join(f'{v:x}' for v in out) + f' | - # {asm}')


if __name__ == '__main__':
    main()
