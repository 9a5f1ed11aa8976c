/* Integer-heavy workload: sieve, CRC-32 and an LCG-driven hash table; also a benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint32_t n = 2000000u * scale;
    unsigned char *sieve = calloc(n + 1, 1);
    uint32_t primes = 0;
    for (uint32_t i = 2; i <= n; i++) {
        if (sieve[i]) continue;
        primes++;
        for (uint64_t j = (uint64_t)i * i; j <= n; j += i) sieve[j] = 1;
    }
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t crc = 0xffffffffu;
    for (uint32_t r = 0; r < 4u * scale; r++)
        for (uint32_t i = 0; i <= n; i++) crc = table[(crc ^ sieve[i] ^ i) & 0xff] ^ (crc >> 8);
    enum { SIZE = 1 << 16 };
    uint64_t *keys = calloc(SIZE, sizeof *keys);
    uint64_t x = 88172645463325252ull, hits = 0;
    for (uint32_t i = 0; i < 3000000u * scale; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t k = x % 40000 + 1;
        uint32_t h = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 48);
        while (keys[h] && keys[h] != k) h = (h + 1) & (SIZE - 1);
        if (keys[h] == k) hits++; else if (i % 3) keys[h] = k;
    }
    printf("primes=%u crc=%08x hits=%llu\n", primes, ~crc, (unsigned long long)hits);
    return 0;
}
