/* String-heavy workload: glibc's SIMD memchr/strlen/memcpy/strcmp over many buffers; a benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    size_t n = 1 << 16;
    char *a = malloc(n + 64), *b = malloc(n + 64);
    for (size_t i = 0; i < n; i++) a[i] = 'a' + (i * 7 + i / 251) % 26;
    a[n] = 0;
    unsigned long acc = 0;
    for (int r = 0; r < 600 * scale; r++) {
        size_t off = r % 61;
        memcpy(b + (r % 13), a + off, n - 64);
        b[(r % 13) + n - 64] = 0;
        acc += strlen(b + (r % 13));
        char *p = memchr(a + off, 'z' - r % 3, n - 64);
        acc += p ? (size_t)(p - a) : 0;
        acc += strcmp(a + off, b + (r % 13)) != 0;
        acc += (size_t)(strrchr(a + off, 'q') - a);
        memset(b, r & 0xff, n);
        acc += (unsigned char)b[n / 2];
    }
    printf("acc=%lu\n", acc);
    return 0;
}
