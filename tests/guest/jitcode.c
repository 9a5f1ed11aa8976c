// A JIT-style program: writes machine code into memory and runs it, 100 times over with new
// code each time. Modes: "flush" does the cache maintenance ARM requires
// (__builtin___clear_cache: IC IVAU on arm64, the cacheflush syscall on arm), "plain" only
// stores (the emulator must see the writes itself, as QEMU and x86 hardware do), "wx" flips
// the page between writable and executable with mprotect, "self" runs code that stores into
// its own page on every call, "threads" does that in 4 threads at once on one page (each
// storing into its own word), so stores to the page and runs of its code keep racing;
// "alias" writes the code through a second, writable mapping of the same memory (memfd) and
// runs it through the executable one after the cache maintenance (W^X JITs do this).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__aarch64__)
static uint32_t mov_r0(unsigned v) { return 0x52800000u | v << 5; } // mov w0, #v
static const uint32_t RET = 0xd65f03c0u;                            // ret
static const uint32_t STORE_R1 = 0xb9004001u;                       // str w1, [x0, #64]
static const uint32_t LOAD_R0 = 0xb9404000u;                        // ldr w0, [x0, #64]
#elif defined(__arm__)
static uint32_t mov_r0(unsigned v) { return 0xe3a00000u | v; } // mov r0, #v (v < 256)
static const uint32_t RET = 0xe12fff1eu;                      // bx lr
static const uint32_t STORE_R1 = 0xe5801040u;                 // str r1, [r0, #64]
static const uint32_t LOAD_R0 = 0xe5900040u;                  // ldr r0, [r0, #64]
#else
#error "ARM only"
#endif

typedef unsigned (*fn0)(void);
typedef unsigned (*fn2)(void *, unsigned);

enum { THREADS = 4, CALLS = 20000 };
static uint32_t *shared_code;

/// One thread of "threads": calls the storing code with its own word of the page.
static void *store_and_call(void *arg) {
    uintptr_t t = (uintptr_t)arg;
    unsigned long sum = 0;
    for (unsigned i = 0; i < CALLS; i++) {
        unsigned got = ((fn2)shared_code)(shared_code + t, i);
        if (got != i) {
            printf("threads: thread %lu call %u returned %u\n", (unsigned long)t, i, got);
            return (void *)1;
        }
        sum += got;
    }
    return sum == (unsigned long)CALLS * (CALLS - 1) / 2 ? NULL : (void *)1;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "flush";
    int wx = !strcmp(mode, "wx");
    int prot = wx ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC;
    uint32_t *code = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 1; }
    unsigned long total = 0;
    if (!strcmp(mode, "threads")) {
        code[0] = STORE_R1;
        code[1] = LOAD_R0;
        code[2] = RET;
        __builtin___clear_cache((char *)code, (char *)(code + 3));
        shared_code = code;
        pthread_t th[THREADS];
        for (uintptr_t t = 0; t < THREADS; t++)
            pthread_create(&th[t], NULL, store_and_call, (void *)t);
        int bad = 0;
        for (int t = 0; t < THREADS; t++) {
            void *r;
            pthread_join(th[t], &r);
            bad |= r != NULL;
        }
        printf("threads %s\n", bad ? "failed" : "ok");
        return bad;
    }
    if (!strcmp(mode, "self")) {
        code[0] = STORE_R1;
        code[1] = LOAD_R0;
        code[2] = RET;
        __builtin___clear_cache((char *)code, (char *)(code + 3));
        for (unsigned i = 0; i < 1000; i++) {
            unsigned got = ((fn2)code)(code, i);
            if (got != i) { printf("self: call %u returned %u\n", i, got); return 1; }
            total += got;
        }
        printf("self total=%lu\n", total);
        return 0;
    }
    if (!strcmp(mode, "alias")) {
        int fd = memfd_create("jitcode", 0);
        if (fd < 0 || ftruncate(fd, 4096)) { perror("memfd"); return 1; }
        uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        uint32_t *x = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
        if (w == MAP_FAILED || x == MAP_FAILED) { perror("mmap"); return 1; }
        for (unsigned i = 0; i < 100; i++) {
            // Two places 8 bytes apart, so the old code is still next to the new.
            unsigned k = (i % 2) * 2;
            w[k] = mov_r0(i);
            w[k + 1] = RET;
            __builtin___clear_cache((char *)(x + k), (char *)(x + k + 2));
            unsigned got = ((fn0)(x + k))();
            if (got != i) { printf("alias: round %u ran stale code (%u)\n", i, got); return 1; }
            total += got;
        }
        printf("alias total=%lu\n", total);
        return 0;
    }
    for (unsigned i = 0; i < 100; i++) {
        // Alternate between two places so both the first word and a later one change.
        uint32_t *at = code + (i % 2) * 16;
        if (wx) mprotect(code, 4096, PROT_READ | PROT_WRITE);
        at[0] = mov_r0(i);
        at[1] = RET;
        if (wx) mprotect(code, 4096, PROT_READ | PROT_EXEC);
        if (!strcmp(mode, "flush")) __builtin___clear_cache((char *)at, (char *)(at + 2));
        unsigned got = ((fn0)at)();
        if (got != i) { printf("%s: round %u ran stale code (%u)\n", mode, i, got); return 1; }
        total += got;
    }
    printf("%s total=%lu\n", mode, total);
    return 0;
}
