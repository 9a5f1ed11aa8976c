/* string.h functions over many sizes and alignments; glibc picks SIMD versions on AArch64. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
static unsigned char a[4096 + 64], b[4096 + 64];
static unsigned h = 2166136261u;
static void mix(long v) { h = (h ^ (unsigned)v) * 16777619u; }
int main(void) {
    for (int i = 0; i < (int)sizeof a; i++) a[i] = 'a' + (i * 7) % 26;
    for (size_t len = 0; len < 300; len += (len < 40 ? 1 : 13)) {
        for (int al = 0; al < 16; al++) {
            for (int bl = 0; bl < 16; bl += 5) {
                memset(b, 0, sizeof b);
                memcpy(b + bl, a + al, len);
                mix(memcmp(b + bl, a + al, len));
                b[bl + len] = 0;
                mix(strlen((char *)b + bl));
                memmove(b + bl + 3, b + bl, len);
                mix(b[bl + len / 2 + 3]);
                unsigned char save = a[al + len];
                a[al + len] = 0;
                mix(strcmp((char *)b + bl + 3, (char *)a + al));
                mix(strncmp((char *)b + bl + 3, (char *)a + al, len / 2));
                char *c = strchr((char *)a + al, 'q');
                mix(c ? c - (char *)a : -1);
                c = strrchr((char *)a + al, 'e');
                mix(c ? c - (char *)a : -1);
                void *m = memchr(a + al, 'z', len);
                mix(m ? (unsigned char *)m - a : -1);
                mix(strspn((char *)a + al, "abcdefghijklm"));
                mix(strcspn((char *)a + al, "xyz"));
                a[al + len] = save;
                memset(b + bl, 'x' + al % 3, len);
                mix(b[bl + len - (len > 0)]);
                mix(b[bl + len]);
            }
        }
    }
    char s[64];
    strcpy(s, "hello");
    strcat(s, ", world");
    printf("%s %zu %d %s\n", s, strlen(s), strcmp(s, "hello"), strstr(s, "wor"));
    char *d = strdup(s);
    printf("dup=%s tok=", d);
    for (char *t = strtok(d, " ,"); t; t = strtok(NULL, " ,")) printf("[%s]", t);
    printf("\nhash=%08x\n", h);
    free(d);
    for (int len = 0; len < 4096; len = len * 2 + 1) {
        memset(a, 'k', len);
        a[len] = 0;
        mix(strlen((char *)a));
        mix(strnlen((char *)a, len / 2));
    }
    printf("hash2=%08x\n", h);
    return 0;
}
