#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
    size_t len = 1 << 20;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    printf("zeroed=%d\n", p[0] == 0 && p[len - 1] == 0);
    for (size_t i = 0; i < len; i += 4096) p[i] = (unsigned char)(i >> 12);
    unsigned char *q = mremap(p, len, 4 * len, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) { perror("mremap"); return 1; }
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += 4096) sum += q[i];
    printf("kept=%u tail zero=%d\n", sum, q[4 * len - 1] == 0);
    memset(q + len, 0xab, 3 * len);
    printf("grown ok=%d\n", q[4 * len - 1] == 0xab);
    if (mprotect(q, 4096, PROT_READ) != 0) { perror("mprotect"); return 1; }
    madvise(q + len, len, MADV_DONTNEED);
    printf("dontneed zeroed=%d\n", q[len] == 0);
    if (munmap(q, 4 * len) != 0) { perror("munmap"); return 1; }
    void *fixed = mmap((void *)0x7e0000000000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("fixed=%d\n", fixed == (void *)0x7e0000000000);
    puts("done");
    return 0;
}
