#!/usr/bin/env python3
"""Records tests/data/qemu_alloc.txt: QEMU's verdict (1 = executes, 0 = SIGILL) on random
encodings of every data-processing row. Run from this directory after building the example and
alloc_check.c (see its header):

    cargo run --release -p fpsimd --example random_words 150 > /tmp/words.txt
    python3 alloc_record.py /tmp/words.txt ./alloc_check > ../data/qemu_alloc.txt

QEMU 7.2 aborts (an assertion in disas_simd_two_reg_misc_fp16) on a few unallocated FP16
encodings; such a word is left out, listed on stderr, and the run resumes after it.
"""
import subprocess, sys

words = [l.split() for l in open(sys.argv[1])]
checker = sys.argv[2]
out, skipped, i = [], [], 0
while i < len(words):
    inp = ''.join(f'{w} {f}\n' for w, f in words[i:])
    r = subprocess.run(['qemu-aarch64-static', '-cpu', 'max', checker], input=inp.encode(),
                       capture_output=True, timeout=600)
    lines = [l for l in r.stdout.decode().splitlines() if len(l.split()) == 4]
    out += lines
    i += len(lines)
    if i < len(words):
        skipped.append(words[i][0])
        i += 1
for l in out:
    w, _ours, q, _sig = l.split()
    print(w, q)
print('left out (QEMU aborts):', skipped, file=sys.stderr)
