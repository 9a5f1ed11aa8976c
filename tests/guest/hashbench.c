/* FNV-1a and a 64-bit multiply-xorshift hash over a buffer; also a benchmark. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    size_t n = 8u << 20;
    uint8_t *buf = malloc(n);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)((x = x * 6364136223846793005ull + 1442695040888963407ull) >> 56);
    uint32_t fnv = 2166136261u;
    uint64_t h = 0;
    for (int r = 0; r < 2 * scale; r++) {
        for (size_t i = 0; i < n; i++) fnv = (fnv ^ buf[i]) * 16777619u;
        for (size_t i = 0; i + 8 <= n; i += 8) {
            uint64_t k = (uint64_t)buf[i] | (uint64_t)buf[i + 1] << 8 | (uint64_t)buf[i + 2] << 16 | (uint64_t)buf[i + 3] << 24 |
                         (uint64_t)buf[i + 4] << 32 | (uint64_t)buf[i + 5] << 40 | (uint64_t)buf[i + 6] << 48 | (uint64_t)buf[i + 7] << 56;
            k *= 0xff51afd7ed558ccdull; k ^= k >> 33;
            h = (h ^ k) * 0xc4ceb9fe1a85ec53ull; h ^= h >> 29;
        }
    }
    printf("fnv=%08x h=%016llx\n", fnv, (unsigned long long)h);
    return 0;
}
