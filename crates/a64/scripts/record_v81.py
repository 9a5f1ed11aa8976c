#!/usr/bin/env python3
# Hand-run recorder for src/tests/qemu_v81.rs: assembles each test sequence, runs it under
# qemu-aarch64-static in a small static harness (buffer mmap'ed at 0x1000_0000), and prints the
# Rust constants (words and recorded states) on stdout. Needs binutils-aarch64-linux-gnu,
# gcc-aarch64-linux-gnu and qemu-user-static. The random draws are seeded, so a re-run
# reproduces the file:
#   python3 crates/a64/scripts/record_v81.py > crates/a64/src/tests/qemu_v81.rs
#   rustfmt --edition 2024 crates/a64/src/tests/qemu_v81.rs
import subprocess, os, random, tempfile
D = tempfile.mkdtemp(prefix='record_v81_')
MARCH = '-march=armv8.5-a+crc+lse+rcpc+flagm'

def assemble(lines):
    src = os.path.join(D, 'c.s'); obj = os.path.join(D, 'c.o'); binf = os.path.join(D, 'c.bin')
    open(src, 'w').write('\n'.join(lines) + '\n')
    subprocess.check_call(['aarch64-linux-gnu-as', MARCH, src, '-o', obj])
    subprocess.check_call(['aarch64-linux-gnu-objcopy', '-O', 'binary', '-j', '.text', obj, binf])
    b = open(binf, 'rb').read()
    return [int.from_bytes(b[i:i+4], 'little') for i in range(0, len(b), 4)]

HARNESS_S = r'''
.text
.globl run
run:
  stp x29, x30, [sp, #-16]!
  stp x27, x28, [sp, #-16]!
  stp x25, x26, [sp, #-16]!
  stp x23, x24, [sp, #-16]!
  stp x21, x22, [sp, #-16]!
  stp x19, x20, [sp, #-16]!
  str x0, [sp, #-16]!
  ldr x1, [x0, #256]
  msr nzcv, x1
  ldp x2, x3, [x0, #16]
  ldp x4, x5, [x0, #32]
  ldp x6, x7, [x0, #48]
  ldp x8, x9, [x0, #64]
  ldp x10, x11, [x0, #80]
  ldp x12, x13, [x0, #96]
  ldp x14, x15, [x0, #112]
  ldp x16, x17, [x0, #128]
  ldp x18, x19, [x0, #144]
  mov x20, #0
  mov x21, #0
  mov x22, #0
  mov x23, #0
  mov x24, #0
  mov x25, #0
  mov x26, #0
  mov x27, #0
  mov x28, #0
  mov x29, #0
  mov x30, #0
  ldp x0, x1, [x0]
%s
  str x0, [sp, #-16]!
  ldr x0, [sp, #16]
  str x1, [x0, #8]
  stp x2, x3, [x0, #16]
  stp x4, x5, [x0, #32]
  stp x6, x7, [x0, #48]
  stp x8, x9, [x0, #64]
  stp x10, x11, [x0, #80]
  stp x12, x13, [x0, #96]
  stp x14, x15, [x0, #112]
  stp x16, x17, [x0, #128]
  stp x18, x19, [x0, #144]
  stp x20, x21, [x0, #160]
  stp x22, x23, [x0, #176]
  stp x24, x25, [x0, #192]
  stp x26, x27, [x0, #208]
  stp x28, x29, [x0, #224]
  str x30, [x0, #240]
  mrs x1, nzcv
  str x1, [x0, #256]
  ldr x1, [sp], #16
  str x1, [x0]
  add sp, sp, #16
  ldp x19, x20, [sp], #16
  ldp x21, x22, [sp], #16
  ldp x23, x24, [sp], #16
  ldp x25, x26, [sp], #16
  ldp x27, x28, [sp], #16
  ldp x29, x30, [sp], #16
  ret
'''

HARNESS_C = r'''
#include <stdio.h>
#include <stdint.h>
#include <string.h>
struct st { uint64_t x[32]; uint64_t nzcv; };
extern void run(struct st *s);
#include <sys/mman.h>
static uint8_t *mem;
static const uint64_t init[][21] = { %s };
static const uint8_t imem[][64] = { %s };
int main(void) {
  mem = mmap((void *)0x10000000, 4096, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem != (void *)0x10000000) return 1;
  for (unsigned k = 0; k < sizeof init / sizeof init[0]; k++) {
    struct st s; memset(&s, 0, sizeof s);
    memcpy(s.x, init[k], 20 * 8);
    s.nzcv = init[k][20];
    s.x[1] = (uint64_t)mem;
    memcpy(mem, imem[k], 64);
    run(&s);
    for (int i = 0; i < 31; i++) printf("%%llx ", (unsigned long long)s.x[i]);
    printf("%%llx ", (unsigned long long)s.nzcv);
    for (int i = 0; i < 64; i++) printf("%%02x", mem[i]);
    printf("\n");
  }
  return 0;
}
'''

def run_cases(words, cases):
    body = '\n'.join('  .inst 0x%08x' % w for w in words)
    open(os.path.join(D, 'h.s'), 'w').write(HARNESS_S % body)
    ini = ','.join('{' + ','.join('0x%xULL' % v for v in (list(r) + [n])) + '}' for r, n, m in cases)
    ime = ','.join('{' + ','.join('0x%02x' % b for b in m) + '}' for r, n, m in cases)
    open(os.path.join(D, 'h.c'), 'w').write(HARNESS_C % (ini, ime))
    exe = os.path.join(D, 'h')
    subprocess.check_call(['aarch64-linux-gnu-gcc', '-static', '-O1', MARCH,
                           os.path.join(D, 'h.c'), os.path.join(D, 'h.s'), '-o', exe])
    out = subprocess.run(['qemu-aarch64-static', exe], capture_output=True, text=True, check=True).stdout
    res = []
    for line in out.strip().split('\n'):
        p = line.split()
        regs = [int(v, 16) for v in p[:32]]
        res.append((regs[:31], regs[31], bytes.fromhex(p[32])))
    assert len(res) == len(cases)
    return res

def rust(name, lines, cases):
    words = assemble(lines)
    res = run_cases(words, cases)
    o = ['pub const %s: &[u32] = &[' % name]
    # Map each word back to its source line (directives emit nothing).
    src = [l.strip() for l in lines if l.strip()]
    assert len(src) == len(words), (name, len(src), len(words))
    for i, (w, l) in enumerate(zip(words, src)):
        o.append('    0x%08x, // 0x%02x: %s' % (w, 4 * i, l))
    o.append('];')
    o.append('')
    o.append('pub const %s_CASES: &[MemCase] = &[' % name)
    for (r, n, m), (wr, wn, wm) in zip(cases, res):
        o.append('    MemCase {')
        o.append('        init: [%s],' % ', '.join('%#x' % v for v in r))
        o.append('        nzcv: %#x,' % n)
        o.append('        mem: %s,' % ('[%s]' % ', '.join('%#x' % b for b in m)))
        o.append('        want: [%s],' % ', '.join('%#x' % v for v in wr))
        o.append('        want_nzcv: %#x,' % wn)
        o.append('        want_mem: %s,' % ('[%s]' % ', '.join('%#x' % b for b in wm)))
        o.append('    },')
    o.append('];')
    o.append('')
    return '\n'.join(o)

rng = random.Random(81)
def rbytes(n): return bytes(rng.randrange(256) for _ in range(n))
def regs(**kw):
    r = [0] * 20
    r[1] = 0x10000000
    for k, v in kw.items(): r[int(k[1:])] = v
    return r
def le(v, n): return v.to_bytes(n, 'little')

# Memory: byte at 0, half at 8, word at 16, doubleword at 24, 16-byte pair at 32, word pair at 48.
def mem_with(b, h, w, x, rest=None):
    m = bytearray(rbytes(64) if rest is None else rest)
    m[0:1] = le(b, 1); m[8:10] = le(h, 2); m[16:20] = le(w, 4); m[24:32] = le(x, 8)
    return bytes(m)

ADDRS = ['add x20, x1, #0', 'add x21, x1, #8', 'add x22, x1, #16', 'add x23, x1, #24']

def rmw_seq(op):
    st = lambda sz, ordl, r, a: ('swp%s%s w2, wzr, [%s]' % (ordl, sz, a) if op == 'swp'
                                 else 'st%s%s%s w2, [%s]' % (op, ordl, sz, a))
    return ADDRS + [
        'ld%sb w2, w3, [x20]' % op if op != 'swp' else 'swpb w2, w3, [x20]',
        ('ld%sah w2, w4, [x21]' % op) if op != 'swp' else 'swpah w2, w4, [x21]',
        ('ld%sl w2, w5, [x22]' % op) if op != 'swp' else 'swpl w2, w5, [x22]',
        ('ld%sal x2, x6, [x23]' % op) if op != 'swp' else 'swpal x2, x6, [x23]',
        ('ld%salb w7, w8, [x20]' % op) if op != 'swp' else 'swpalb w7, w8, [x20]',
        ('ld%slh w7, w9, [x21]' % op) if op != 'swp' else 'swplh w7, w9, [x21]',
        ('ld%sa w7, w10, [x22]' % op) if op != 'swp' else 'swpa w7, w10, [x22]',
        ('ld%s x7, x11, [x23]' % op) if op != 'swp' else 'swp x7, x11, [x23]',
        st('b', '', 2, 'x20'), st('h', 'l', 2, 'x21'), st('', '', 2, 'x22'),
        ('st%sl x2, [x23]' % op) if op != 'swp' else 'swpl x2, xzr, [x23]',
        'ldrb w12, [x20]', 'ldrh w13, [x21]', 'ldr w14, [x22]', 'ldr x15, [x23]',
    ]

def rmw_cases():
    return [
        (regs(x2=0x7fffffff7fff7f7f, x7=0x123456789abcdef0), 0,
         mem_with(0x80, 0x8000, 0x80000000, 0x8000000000000000)),
        (regs(x2=0x0123456789abcdef, x7=0xffffffffffffffff), 0x60000000,
         mem_with(0x7f, 0x7fff, 0x7fffffff, 0x7fffffffffffffff)),
        (regs(x2=1, x7=0x8000000080008080), 0, mem_with(0, 0, 0, 0)),
        (regs(x2=0xfedcba9876543210, x7=0x00000000ffff00ff), 0, mem_with(0xff, 0xffff, 0xffffffff, 0xffffffffffffffff)),
        (regs(x2=rng.getrandbits(64), x7=rng.getrandbits(64)), 0, rbytes(64)),
    ]

out = ['//! Instruction words (assembled with aarch64-linux-gnu-as',
       '//! %s) and initial and final states recorded under' % MARCH,
       '//! qemu-aarch64-static by a hand-run script, for the ARMv8.1+ instructions: CRC32, LSE atomics,',
       '//! LRCPC2 and FlagM. The 64-byte memory buffer is at guest',
       '//! address 0x1000_0000, held in x1.', '',
       'use super::MemCase;', '']
for op in ['add', 'clr', 'eor', 'set', 'smax', 'smin', 'umax', 'umin', 'swp']:
    out.append(rust('LSE_' + op.upper(), rmw_seq(op), rmw_cases()))

CAS = ADDRS + ['add x24, x1, #32', 'add x25, x1, #48',
    'casb w2, w3, [x20]', 'caslh w4, w5, [x21]', 'casa w6, w7, [x22]', 'casal x8, x9, [x23]',
    'casp x10, x11, x12, x13, [x24]', 'caspal w14, w15, w16, w17, [x25]',
    'ldr x18, [x25]', 'ldp x19, x26, [x24]']
def cas_cases():
    cs = []
    for hit in [True, False, 'mixed']:
        m = rbytes(64)
        g = lambda o, n: int.from_bytes(m[o:o+n], 'little')
        def pick(o, n, i):
            ok = hit is True or (hit == 'mixed' and i % 2 == 0)
            v = g(o, n)
            return v if ok else v ^ (1 << rng.randrange(8 * n))
        r = regs(x2=pick(0, 1, 0) | 0xabcdef00, x3=rng.getrandbits(64), x4=pick(8, 2, 1), x5=rng.getrandbits(64),
                 x6=pick(16, 4, 2) | 0xffffffff00000000, x7=rng.getrandbits(64), x8=pick(24, 8, 3), x9=rng.getrandbits(64),
                 x10=pick(32, 8, 4), x11=pick(40, 8, 5 if hit != 'mixed' else 4), x12=rng.getrandbits(64), x13=rng.getrandbits(64),
                 x14=pick(48, 4, 6), x15=pick(52, 4, 6), x16=rng.getrandbits(64), x17=rng.getrandbits(64))
        cs.append((r, 0, m))
    # CASP fails on the high half alone.
    m = rbytes(64)
    g = lambda o, n: int.from_bytes(m[o:o+n], 'little')
    cs.append((regs(x10=g(32, 8), x11=g(40, 8) ^ 1, x12=1, x13=2, x14=g(48, 4), x15=g(52, 4) ^ 0x80000000,
                    x16=3, x17=4, x2=g(0, 1), x3=0x1ff, x4=g(8, 2), x5=0x12345, x6=g(16, 4), x7=0x1_0000_0001,
                    x8=g(24, 8), x9=0), 0, m))
    return cs
out.append(rust('LSE_CAS', CAS, cas_cases()))

CRC = ['crc32b w3, w2, w4', 'crc32h w5, w2, w4', 'crc32w w6, w2, w4', 'crc32x w7, w2, x4',
       'crc32cb w8, w2, w4', 'crc32ch w9, w2, w4', 'crc32cw w10, w2, w4', 'crc32cx w11, w2, x4',
       'crc32x w12, wzr, xzr', 'crc32cx w13, w2, x2', 'crc32cb w14, w14, w4']
crc_cases = [(regs(x2=0xffffffff, x4=0x0123456789abcdef), 0, bytes(64)),
             (regs(x2=0x12345678deadbeef, x4=0xfedcba9876543210, x14=0xffffffff00000001), 0, bytes(64)),
             (regs(x2=0, x4=0), 0, bytes(64))] + \
            [(regs(x2=rng.getrandbits(64), x4=rng.getrandbits(64), x14=rng.getrandbits(64)), 0, bytes(64)) for _ in range(3)]
out.append(rust('CRC', CRC, crc_cases))

RCPC = ['add x20, x1, #32', 'ldapurb w3, [x1, #1]', 'ldapursb w4, [x1, #3]', 'ldapursb x5, [x1, #3]',
        'ldapurh w6, [x20, #-30]', 'ldapursh x7, [x20, #-2]', 'ldapursh w8, [x20, #-2]', 'ldapursw x9, [x20, #-4]',
        'ldapur w10, [x20, #-8]', 'ldapur x11, [x1, #8]', 'ldapr x12, [x20]', 'ldaprb w13, [x20]',
        'stlurb w2, [x20, #1]', 'stlurh w2, [x20, #2]', 'stlur w2, [x20, #4]', 'stlur x2, [x20, #8]',
        'stlur w2, [x20, #-32]', 'ldapur x14, [x20, #0]', 'ldapur x15, [x20, #8]']
out.append(rust('RCPC2', RCPC, [(regs(x2=0x0123456789abcdef), 0, rbytes(64)) for _ in range(3)]))

FLAGM = ['cfinv', 'mrs x3, nzcv', 'rmif x2, #3, #5', 'mrs x4, nzcv', 'rmif x2, #63, #15', 'mrs x12, nzcv',
         'setf8 w2', 'mrs x5, nzcv', 'setf16 w2', 'mrs x6, nzcv',
         'msr nzcv, x7', 'axflag', 'mrs x8, nzcv', 'msr nzcv, x7', 'xaflag', 'mrs x9, nzcv',
         'msr nzcv, x10', 'axflag', 'mrs x11, nzcv', 'msr nzcv, x10', 'xaflag', 'mrs x13, nzcv',
         'setf8 w14', 'mrs x15, nzcv', 'setf16 w16', 'mrs x17, nzcv']
fc = []
for k in range(8):
    v = [0x80, 0x100, 0x17f, 0x0, 0xff, 0x80ff, 0x18000, 0x10000][k]
    fc.append((regs(x2=rng.getrandbits(64), x7=k << 28, x10=(k + 8) << 28, x14=v, x16=v << 8 if k < 4 else v),
               (k * 0x3 & 0xf) << 28, bytes(64)))
out.append(rust('FLAGM', FLAGM, fc))
print('\n'.join(out))
