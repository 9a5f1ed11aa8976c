/* printf/strtod round trips: every printed double parses back to the same bits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    unsigned bad = 0, h = 0;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        double d;
        uint64_t bits = x;
        if (i % 4 == 0) bits &= 0x800fffffffffffffull; /* subnormals */
        memcpy(&d, &bits, 8);
        if (d != d) continue;
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &d, 8) != 0) bad++;
        for (char *c = buf; *c; c++) h = h * 33 + (unsigned char)*c;
        float f = (float)d;
        snprintf(buf, sizeof buf, "%.9g", f);
        float fb = strtof(buf, NULL);
        if (memcmp(&fb, &f, 4) != 0) bad++;
        for (char *c = buf; *c; c++) h = h * 33 + (unsigned char)*c;
    }
    const char *tricky[] = {"0.1", "1e-400", "1e400", "-0", "0x1.fffffffffffffp1023", "4.9406564584124654e-324",
                            "2.2250738585072011e-308", "nan", "-inf", "  +12.5e3xyz", "1.7976931348623158e308",
                            "123456789012345678901234567890"};
    for (unsigned i = 0; i < sizeof tricky / sizeof *tricky; i++) {
        char *end;
        double d = strtod(tricky[i], &end);
        uint64_t b;
        memcpy(&b, &d, 8);
        printf("%s -> %.17g [%016llx] rest='%s'\n", tricky[i], d, (unsigned long long)b, end);
    }
    printf("bad=%u hash=%08x\n", bad, h);
    printf("%lld %llu %ld\n", strtoll("-9223372036854775809", NULL, 10), strtoull("18446744073709551616", NULL, 0),
           strtol("0x7fffffff", NULL, 16));
    return 0;
}
