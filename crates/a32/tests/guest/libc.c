/* A C-library workload for the a32 frontend's static_glibc test: glibc startup (TLS, IRELATIVE
 * relocations, kuser helpers on armel), stdio formatting, qsort, strings, malloc/realloc,
 * setjmp/longjmp, 64-bit division; output compared with qemu-arm-static. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <ctype.h>
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static jmp_buf jb;
static void deep(int n) { if (n == 0) longjmp(jb, 42); deep(n - 1); }
int main(int argc, char **argv) {
  int n = 1000, *a = malloc(n * sizeof *a);
  unsigned s = 1;
  for (int i = 0; i < n; i++) { s = s * 1664525u + 1013904223u; a[i] = (int)(s >> 3) - (1 << 27); }
  qsort(a, n, sizeof *a, cmp);
  long long sum = 0; for (int i = 0; i < n; i++) sum += (long long)a[i] * (i + 1);
  printf("min %d max %d sum %lld\n", a[0], a[n - 1], sum);
  char buf[256];
  snprintf(buf, sizeof buf, "[%8.3d|%-6x|%+5d|%o|%c|%10s|%llx]", 42, 0xbeef, 7, 8, 'z', "str", 0x123456789abcdefULL);
  puts(buf);
  char *e; long v = strtol("  -12345xyz", &e, 10); printf("%ld %s %lu\n", v, e, strtoul("0xfffffff0", 0, 16));
  char *p = strdup("Hello, World"); for (char *q = p; *q; q++) *q = toupper((unsigned char)*q);
  memmove(p + 2, p, 5); printf("%s %d %d\n", p, strcmp(p, "HEH"), (int)strlen(p));
  p = realloc(p, 1000); memset(p, 'a', 999); p[999] = 0; printf("%zu\n", strlen(p)); free(p);
  int r = setjmp(jb); if (!r) deep(50); printf("longjmp %d\n", r);
  unsigned long long big = 0xfedcba9876543210ULL; printf("%llu %llu %lld\n", big / 12345, big % 99991, (long long)big / -7);
  for (int i = 1; i < argc; i++) printf("arg %d %s\n", i, argv[i]);
  return 3;
}
