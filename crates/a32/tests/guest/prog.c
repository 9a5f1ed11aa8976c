/* A freestanding guest program for the a32 frontend's end-to-end test: compiled with
 * arm-linux-gnueabihf-gcc -nostdlib (A32 and Thumb, several optimisation levels) and linked
 * with libgcc (software division, 64-bit helpers). It prints a checksum line per workload;
 * the test compares the output with qemu-arm-static's. */

typedef unsigned int u32;
typedef unsigned long long u64;

static long sys3(long n, long a, long b, long c)
{
    register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b;
    register long r2 __asm__("r2") = c;
    register long r7 __asm__("r7") = n;
    __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
    return r0;
}

void *memcpy(void *d, const void *s, unsigned n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memset(void *d, int c, unsigned n)
{
    unsigned char *dp = d;
    while (n--)
        *dp++ = (unsigned char)c;
    return d;
}

/* libgcc's division-by-zero handler raises SIGFPE; without a C library that is an exit. */
int raise(int sig)
{
    sys3(1, 128 + sig, 0, 0);
    return 0;
}

static unsigned slen(const char *s)
{
    unsigned n = 0;
    while (s[n])
        n++;
    return n;
}

static void puts_(const char *s) { sys3(4, 1, (long)s, slen(s)); }

static void put_hex(const char *label, u64 v)
{
    char buf[64];
    unsigned n = 0;
    while (label[n]) {
        buf[n] = label[n];
        n++;
    }
    buf[n++] = ' ';
    for (int i = 60; i >= 0; i -= 4)
        buf[n++] = "0123456789abcdef"[(v >> i) & 15];
    buf[n++] = '\n';
    sys3(4, 1, (long)buf, n);
}

static u32 seed = 12345;
static u32 rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
}

static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static u32 sieve(void)
{
    static unsigned char comp[4000];
    u32 count = 0;
    for (u32 i = 2; i < sizeof comp; i++) {
        if (comp[i])
            continue;
        count++;
        for (u32 j = i * i; j < sizeof comp; j += i)
            comp[j] = 1;
    }
    return count;
}

static void sort(int *a, int n)
{
    for (int i = 1; i < n; i++) {
        int v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static u32 crc32(const unsigned char *p, unsigned n)
{
    static u32 table[256];
    if (!table[1])
        for (u32 i = 0; i < 256; i++) {
            u32 c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    u32 c = 0xffffffffu;
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

static int classify(int x)
{
    switch (x) {
    case 0: return 11;
    case 1: return 22;
    case 2: return 35;
    case 3: return 47;
    case 4: return 51;
    case 5: return 68;
    case 6: return 70;
    case 7: return 89;
    case 9: return 93;
    case 12: return 104;
    case 15: return 1;
    default: return -x;
    }
}

struct big { u32 a[9]; };
static struct big mkbig(u32 s)
{
    struct big b;
    for (int i = 0; i < 9; i++)
        b.a[i] = s * (i + 3) ^ (s >> i);
    return b;
}

static u32 apply(u32 (*f)(u32, u32), u32 a, u32 b) { return f(a, b); }
static u32 f_add(u32 a, u32 b) { return a + b; }
static u32 f_rot(u32 a, u32 b) { return a >> (b & 31) | a << (-b & 31); }
static u32 f_mix(u32 a, u32 b) { return (a ^ b) * 0x9e3779b1u + (a > b ? a - b : b - a); }

static void itoa_rev(int v, char *out)
{
    char tmp[16];
    int n = 0, neg = v < 0;
    unsigned u = neg ? -(unsigned)v : (unsigned)v;
    do {
        tmp[n++] = '0' + u % 10;
        u /= 10;
    } while (u);
    int k = 0;
    if (neg)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = 0;
}

int main(void)
{
    puts_("a32 guest\n");
    put_hex("fib", fib(20));
    put_hex("sieve", sieve());

    int a[64];
    for (int i = 0; i < 64; i++)
        a[i] = (int)rnd() - (1 << 22);
    sort(a, 64);
    u32 h = 0;
    for (int i = 0; i < 64; i++)
        h = h * 31 + (u32)a[i];
    put_hex("sort", h);
    put_hex("min", (u32)a[0]);

    unsigned char bytes[300];
    for (int i = 0; i < 300; i++)
        bytes[i] = (unsigned char)rnd();
    put_hex("crc", crc32(bytes, sizeof bytes));

    int cs = 0;
    for (int i = -3; i < 20; i++)
        cs = cs * 7 + classify(i);
    put_hex("switch", (u32)cs);

    u64 acc = 0x123456789abcdefull;
    u32 q = 0;
    for (int i = 1; i < 40; i++) {
        u64 x = ((u64)rnd() << 32) | rnd();
        acc = acc * 0x5851f42d4c957f2dull + x;
        acc ^= acc / (u64)(i * 977 + 1);
        q += (u32)(acc % 1000003u);
        q += (u32)((int)rnd() / -(i * 3 + 1));
        q ^= (u32)((long long)acc >> 7);
    }
    put_hex("u64", acc);
    put_hex("div", q);

    u32 bits = 0;
    for (u32 i = 1; i < 200; i++) {
        u32 v = rnd() | i;
        bits += (u32)__builtin_clz(v) + (u32)__builtin_popcount(v) + __builtin_bswap32(v) +
                (u32)__builtin_ctz(v);
        bits = bits << 3 | bits >> 29;
    }
    put_hex("bits", bits);

    struct big b = mkbig(rnd());
    struct big c = b;
    u32 bs = 0;
    for (int i = 0; i < 9; i++)
        bs = bs * 17 + c.a[i];
    put_hex("struct", bs);

    u32 (*fs[3])(u32, u32) = {f_add, f_rot, f_mix};
    u32 fp = 1;
    for (int i = 0; i < 30; i++)
        fp = apply(fs[i % 3], fp, rnd());
    put_hex("fnptr", fp);

    char num[16];
    char line[200];
    unsigned n = 0;
    int vals[] = {0, 7, -42, 123456, -2147483647 - 1, 2147483647, 1000};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        itoa_rev(vals[i], num);
        for (char *p = num; *p; p++)
            line[n++] = *p;
        line[n++] = i + 1 < sizeof vals / sizeof vals[0] ? ',' : '\n';
    }
    sys3(4, 1, (long)line, n);

    short sh[32];
    signed char sc[32];
    int mix = 0;
    for (int i = 0; i < 32; i++) {
        sh[i] = (short)rnd();
        sc[i] = (signed char)rnd();
    }
    for (int i = 0; i < 32; i++)
        mix += sh[i] * sc[31 - i] + (sh[i] >> 3) - (unsigned short)sh[i] / 3;
    put_hex("narrow", (u32)mix);
    return 0;
}

void _start(void)
{
    sys3(1, main(), 0, 0);
    for (;;)
        ;
}
