// Maps two files holding different code at the same address in turn (what dlclose followed by
// dlopen does) and calls it: the emulator must not run a stale translation of the old mapping.
// File-backed code needs no cache maintenance from the program, as on hardware.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int code_file(unsigned value) {
    char name[] = "/tmp/armrun-codeswap-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) { perror("mkstemp"); exit(1); }
    unlink(name);
    uint32_t code[1024] = {0};
    code[0] = 0x52800000u | (value << 5); // mov w0, #value
    code[1] = 0xd65f03c0u;                // ret
    if (write(fd, code, sizeof code) != (ssize_t)sizeof code) { perror("write"); exit(1); }
    return fd;
}

int main(void) {
    int fds[2] = {code_file(11), code_file(22)};
    void *where = NULL;
    long total = 0;
    for (int i = 0; i < 100; i++) {
        int flags = MAP_PRIVATE | (where ? MAP_FIXED : 0);
        void *p = mmap(where, 4096, PROT_READ | PROT_EXEC, flags, fds[i & 1], 0);
        if (p == MAP_FAILED) { perror("mmap"); return 1; }
        if (where && p != where) { puts("moved"); return 1; }
        where = p;
        int (*fn)(void) = (int (*)(void))p;
        int got = fn();
        if (got != (i & 1 ? 22 : 11)) { printf("stale code at round %d: %d\n", i, got); return 1; }
        total += got;
        // Odd rounds replace the mapping in place (MAP_FIXED over it), even ones unmap first.
        if (i & 1) munmap(p, 4096);
    }
    printf("total=%ld\n", total);
    return 0;
}
