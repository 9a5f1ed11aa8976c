#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <inttypes.h>
int main(void) {
    printf("%d %i %u %x %X %o\n", -42, INT_MIN, UINT_MAX, 0xdeadbeef, 0xcafe, 0755);
    printf("%ld %lu %lld %" PRIx64 "\n", LONG_MIN, ULONG_MAX, LLONG_MAX, UINT64_C(0x0123456789abcdef));
    printf("[%8d] [%-8d] [%08d] [%+d] [% d]\n", 123, 123, 123, 123, 123);
    printf("%s|%10s|%-10s|%.3s\n", "str", "right", "left", "truncate");
    printf("%c%c%c %%\n", 'a', 'b', 'c');
    printf("%f %.2f %e %g %g\n", 3.14159265358979, 2.5, 12345.6789, 0.0001, 1e20);
    printf("%.17g %.17g %a\n", 0.1, 1.0 / 3.0, 1.5);
    printf("%f %f %f\n", 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0);
    double acc = 1.0;
    for (int i = 1; i <= 20; i++) acc *= i;
    printf("20!=%.0f sqrt-ish=%.6f\n", acc, acc / 1e18);
    float f = 1.0f / 3.0f;
    printf("float=%.9g int(f*1e6)=%d\n", f, (int)(f * 1e6f));
    long double ld = 1.0L / 7.0L;
    printf("ld=%.20Lg\n", ld);
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%5.1f|%x", -0.05, 255);
    printf("snprintf=%s n=%d\n", buf, n);
    return 0;
}
