/* glibc's string and memory routines at the edges armrun's host helpers must get right:
 * strings that end on the last byte before an unmapped page, exact strcmp values with bytes
 * above 127, characters with bits above the low byte, memchr lengths past the address space's
 * end, overlapping copies (where the helper leaves the work to the routine's own code), faults
 * on unmapped pages, and a memcpy into a page of code that has run (armrun write-protects
 * such pages). The functions are called through volatile pointers so that gcc calls glibc. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t (*volatile f_strlen)(const char *) = strlen;
static int (*volatile f_strcmp)(const char *, const char *) = strcmp;
static char *(*volatile f_strchr)(const char *, int) = strchr;
static char *(*volatile f_strrchr)(const char *, int) = strrchr;
static void *(*volatile f_memchr)(const void *, int, size_t) = memchr;
static void *(*volatile f_memset)(void *, int, size_t) = memset;
static void *(*volatile f_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile f_memmove)(void *, const void *, size_t) = memmove;

static unsigned h = 2166136261u;
static void mix(long v) { h = (h ^ (unsigned)v) * 16777619u; }
static long at(const void *p, const void *base) { return p ? (const char *)p - (const char *)base : -1; }

static sigjmp_buf env;
static void on_segv(int sig) { siglongjmp(env, sig); }

/* Runs `what` and mixes in whether it raised SIGSEGV. */
static volatile int faulted;
#define FAULTS(what)                 \
    do {                             \
        if (sigsetjmp(env, 1)) {     \
            faulted = 1;             \
        } else {                     \
            faulted = 0;             \
            (void)(what);            \
        }                            \
        mix(faulted);                \
    } while (0)

int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    /* Two readable pages, then one that is not. */
    unsigned char *m = mmap(0, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect(m + 2 * pg, pg, PROT_NONE)) return 1;
    unsigned char *end = m + 2 * pg;
    signal(SIGSEGV, on_segv);

    /* Strings ending on the last readable byte, at every start near it. */
    memset(m, 'a', 2 * pg);
    end[-1] = 0;
    for (int k = 1; k < 80; k++) {
        char *s = (char *)end - k;
        mix(f_strlen(s));
        mix(at(f_strchr(s, 'a'), m));
        mix(at(f_strchr(s, 'b'), m));
        mix(at(f_strrchr(s, 'a'), m));
        mix(at(f_strchr(s, 0), m));
        mix(at(f_strrchr(s, 0x100), m)); /* (char)0x100 is the terminator */
        mix(at(f_strchr(s, 0x161), m));  /* (char)0x161 is 'a' */
        mix(f_strcmp(s, (char *)end - 1 - (k * 7) % 80));
        mix(at(f_memchr(s, 'a' + 0x300, k), m));
        mix(at(f_memchr(s, 'z', k), m));
        mix(at(f_memchr(s, 0, SIZE_MAX), m)); /* as rawmemchr: found before the end */
    }
    printf("page edge %08x\n", h);

    /* strcmp's exact value, bytes above 127 included, at many alignments. */
    static unsigned char x[300], y[300];
    for (int i = 0; i < 300; i++) x[i] = y[i] = 1 + (i * 37) % 250;
    x[299] = y[299] = 0;
    for (int ax = 0; ax < 16; ax++)
        for (int ay = 0; ay < 16; ay++)
            for (int d = 0; d < 280; d += 23) {
                int i = ax + d, j = ay + d;
                unsigned char keep = x[i];
                x[i] = (unsigned char)(x[i] + 128 + d);
                mix(f_strcmp((char *)x + ax, (char *)y + ay));
                mix(f_strcmp((char *)y + ay, (char *)x + ax));
                x[i] = keep;
                mix(f_strcmp((char *)x + ax, (char *)y + ax));
                (void)j;
            }
    printf("strcmp %08x\n", h);

    /* memset with values above a byte; memcpy and memmove apart and into overlap both ways
     * (the overlapping ones run glibc's own code under armrun). */
    static unsigned char buf[600];
    for (int n = 0; n < 300; n += 7)
        for (int off = 0; off < 12; off++) {
            for (int i = 0; i < 600; i++) buf[i] = (unsigned char)(i * 13);
            mix(at(f_memset(buf + off, 0x1c0 + n, n), buf));
            mix(at(f_memcpy(buf + 300 + off, buf + off / 2, n), buf));
            mix(at(f_memcpy(buf + off + 3, buf + off, n), buf));
            mix(at(f_memcpy(buf + off, buf + off + 5, n), buf));
            mix(at(f_memmove(buf + 450 - off, buf + off, n / 2), buf));
            mix(at(f_memmove(buf + off + 1, buf + off, n), buf));
            mix(at(f_memmove(buf + off, buf + off + 9, n), buf));
            for (int i = 0; i < 600; i++) mix(buf[i]);
        }
    printf("memset memcpy memmove %08x\n", h);

    /* Faults: reading or writing into the unmapped page. */
    FAULTS(f_strlen((char *)end + 5));
    end[-1] = 'a'; /* unterminated up to the unmapped page */
    FAULTS(f_strlen((char *)end - 40));
    end[-1] = 0;
    FAULTS(f_memchr(end - 10, 'q', 100));
    FAULTS(f_memset(end - 64, 1, 128));
    FAULTS(f_memcpy(m, end - 8, 64));
    FAULTS(f_strcmp((char *)end + 1, "abc"));
    printf("faults %08x\n", h);

    /* A copy into a page whose code has run: the function there must change. */
    unsigned *code = mmap(0, pg, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) return 1;
#if defined(__aarch64__)
    static const unsigned ret42[] = {0x52800540, 0xd65f03c0}; /* mov w0, #42; ret */
    static const unsigned ret7[] = {0x528000e0, 0xd65f03c0};  /* mov w0, #7; ret */
#else
    static const unsigned ret42[] = {0xe3a0002a, 0xe12fff1e}; /* mov r0, #42; bx lr (A32) */
    static const unsigned ret7[] = {0xe3a00007, 0xe12fff1e};  /* mov r0, #7; bx lr */
#endif
    int (*fn)(void) = (int (*)(void))(uintptr_t)code;
    f_memcpy(code, ret42, sizeof ret42);
    __builtin___clear_cache((char *)code, (char *)code + sizeof ret42);
    int first = fn();
    f_memcpy(code, ret7, sizeof ret7);
    __builtin___clear_cache((char *)code, (char *)code + sizeof ret7);
    printf("code %d %d\n", first, fn());
    printf("done %08x\n", h);
    return 0;
}
