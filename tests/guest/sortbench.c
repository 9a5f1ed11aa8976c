/* qsort with comparison callbacks over integers and strings; also a benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    unsigned n = 400000u * scale, x = 12345;
    int *v = malloc(n * sizeof *v);
    for (unsigned i = 0; i < n; i++) v[i] = (int)(x = x * 1103515245u + 12345u) >> 3;
    qsort(v, n, sizeof *v, cmp_int);
    unsigned ns = 60000u * scale;
    char **s = malloc(ns * sizeof *s), *pool = malloc(ns * 16);
    for (unsigned i = 0; i < ns; i++) {
        s[i] = pool + i * 16;
        for (int k = 0; k < 15; k++) s[i][k] = 'a' + (x = x * 1103515245u + 12345u) % 7;
        s[i][15] = 0;
    }
    qsort(s, ns, sizeof *s, cmp_str);
    long long sum = 0;
    for (unsigned i = 0; i < n; i += 97) sum += v[i];
    printf("sorted=%d sum=%lld first=%s last=%s\n", v[0] <= v[n - 1], sum, s[0], s[ns - 1]);
    return 0;
}
