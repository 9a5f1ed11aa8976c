#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}
int main(void) {
    unsigned s = 12345;
    int n = 100000;
    int *v = malloc(n * sizeof *v);
    for (int i = 0; i < n; i++) { s = s * 1103515245 + 12345; v[i] = (int)(s >> 1) - (1 << 29); }
    qsort(v, n, sizeof *v, cmp_int);
    long long sum = 0;
    for (int i = 0; i < n; i++) { if (i && v[i - 1] > v[i]) { puts("not sorted"); return 1; } sum += v[i] * (long long)(i % 7); }
    printf("min=%d max=%d weighted=%lld\n", v[0], v[n - 1], sum);
    free(v);
    /* Many small allocations of varied sizes, freed in a scrambled order. */
    char **p = calloc(5000, sizeof *p);
    for (int i = 0; i < 5000; i++) {
        s = s * 1103515245 + 12345;
        size_t len = 1 + (s >> 16) % 200;
        p[i] = malloc(len + 1);
        for (size_t j = 0; j < len; j++) p[i][j] = 'a' + (s >> (j % 16)) % 26;
        p[i][len] = 0;
    }
    qsort(p, 5000, sizeof *p, cmp_str);
    unsigned h = 0;
    for (int i = 0; i < 5000; i++) for (char *c = p[i]; *c; c++) h = h * 31 + *c;
    printf("first=%.8s last=%.8s hash=%u\n", p[0], p[4999], h);
    for (int i = 0; i < 5000; i += 2) free(p[i]);
    for (int i = 1; i < 5000; i += 2) p[i] = realloc(p[i], 300);
    for (int i = 1; i < 5000; i += 2) free(p[i]);
    free(p);
    void *big = malloc(64 << 20);
    memset(big, 7, 64 << 20);
    printf("big ok=%d\n", ((unsigned char *)big)[(64 << 20) - 1] == 7);
    free(big);
    return 0;
}
