/* libm across edge cases and rounding modes; conversions at the integer limits. */
#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
static void pd(const char *name, double v) {
    uint64_t b;
    memcpy(&b, &v, 8);
    printf("%s=%.17g [%016llx]\n", name, v, (unsigned long long)b);
}
static void pf(const char *name, float v) {
    uint32_t b;
    memcpy(&b, &v, 4);
    printf("%s=%.9g [%08x]\n", name, v, b);
}
int main(void) {
    volatile double inputs[] = {0.0, -0.0, 1.0, -1.5, 0.5, 2.5, 3.5, -2.5, 1e-310, -1e-310, DBL_MIN, DBL_MAX,
                                -DBL_MAX, INFINITY, -INFINITY, NAN, 1e300, 123456.789, M_PI, -M_E, 0x1p52 + 0.5, 4e9, -3e9, 1e19, -1e19};
    int n = sizeof inputs / sizeof *inputs;
    for (int i = 0; i < n; i++) {
        double x = inputs[i];
        printf("-- x=%.17g\n", x);
        pd("sqrt", sqrt(x)); pd("exp", exp(x)); pd("log", log(x)); pd("sin", sin(x)); pd("cos", cos(x));
        pd("tan", tan(x)); pd("atan2", atan2(x, 0.75)); pd("pow", pow(x, 1.5)); pd("cbrt", cbrt(x));
        pd("floor", floor(x)); pd("ceil", ceil(x)); pd("round", round(x)); pd("trunc", trunc(x));
        pd("rint", rint(x)); pd("nearbyint", nearbyint(x)); pd("fmod", fmod(x, 0.7)); pd("fma", fma(x, 3.0, -1.0));
        pd("hypot", hypot(x, 2.0)); pd("ldexp", ldexp(x, -1070)); pd("fmax", fmax(x, NAN)); pd("fmin", fmin(x, 0.25));
        pf("sqrtf", sqrtf((float)x)); pf("expf", expf((float)x)); pf("logf", logf((float)x)); pf("sinf", sinf((float)x));
        pf("f_of_d", (float)x);
        printf("to int32=%d int64=%lld uint32=%u uint64=%llu lrint=%ld llround=%lld\n", (int)x, (long long)x,
               (unsigned)x, (unsigned long long)x, lrint(x), llround(x));
        printf("class: nan=%d inf=%d normal=%d sign=%d\n", isnan(x), isinf(x), isnormal(x), signbit(x) != 0);
    }
    int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
    const char *names[] = {"nearest", "up", "down", "zero"};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double a = 1.0, b = 3.0, c = -2.0;
        pd(names[m], a / b);
        pd("neg", c / b);
        pd("rint2.5", rint(2.5));
        pd("mul", 1.0000000000000002 * 0.9999999999999999);
        pf("fdiv", (float)a / (float)b);
        printf("lrint(-2.5)=%ld (int)2.7=%d\n", lrint(-2.5), (int)(a * 2.7));
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile double z = 0.0;
    volatile double r = 1.0 / z;
    printf("divbyzero=%d inf=%d\n", fetestexcept(FE_DIVBYZERO) != 0, isinf(r));
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(-1.0 + z);
    printf("invalid=%d\n", fetestexcept(FE_INVALID) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = 1.0 / 3.0 + z;
    printf("inexact=%d\n", fetestexcept(FE_INEXACT) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = DBL_MAX * 2.0 + z;
    printf("overflow=%d\n", fetestexcept(FE_OVERFLOW) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = DBL_MIN / 3.0 + z;
    printf("underflow=%d\n", fetestexcept(FE_UNDERFLOW) != 0);
    return 0;
}
