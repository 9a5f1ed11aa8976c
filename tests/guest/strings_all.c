#define _GNU_SOURCE
/* string.h functions over lengths 0..4096 at every alignment 0..15 (glibc's SIMD versions). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static unsigned char src[4096 + 64], dst[4096 + 128];
static unsigned h = 2166136261u;
static void mix(long v) { h = (h ^ (unsigned)v) * 16777619u; }
int main(void) {
    for (int i = 0; i < (int)sizeof src; i++) src[i] = 1 + (i * 131 + (i >> 5)) % 250;
    for (int len = 0; len <= 4096; len += (len < 80 ? 1 : len < 600 ? 17 : 251)) {
        for (int sa = 0; sa < 16; sa++) {
            int da = (sa * 7 + len) % 16;
            memset(dst, 0xee, sizeof dst);
            memcpy(dst + da, src + sa, len);
            mix(memcmp(dst + da, src + sa, len));
            if (len) {
                dst[da + len - 1] ^= 1;
                mix(memcmp(dst + da, src + sa, len) > 0);
                dst[da + len - 1] ^= 1;
            }
            unsigned char keep = src[sa + len];
            src[sa + len] = 0;
            mix(strlen((char *)src + sa));
            mix(strnlen((char *)src + sa, len / 2 + 1));
            unsigned char *p = memchr(src + sa, src[sa + len / 2], len);
            mix(p ? p - src : -1);
            p = memrchr(src + sa, src[sa + len / 3], len);
            mix(p ? p - src : -1);
            char *q = strchr((char *)src + sa, src[sa + (len * 3) / 4]);
            mix(q ? q - (char *)src : -1);
            q = strrchr((char *)src + sa, src[sa + len / 5]);
            mix(q ? q - (char *)src : -1);
            strcpy((char *)dst + da, (char *)src + sa);
            mix(strcmp((char *)dst + da, (char *)src + sa));
            if (len) {
                dst[da + len / 2] = 0xff;
                mix(strcmp((char *)dst + da, (char *)src + sa) > 0);
                mix(strncmp((char *)dst + da, (char *)src + sa, len / 2));
            }
            src[sa + len] = keep;
            memmove(dst + da + 5, dst + da, len);
            mix(dst[da + 5 + len / 2]);
            memmove(dst + da, dst + da + 3, len);
            mix(dst[da + len / 2]);
            memset(dst + da, sa, len);
            mix(dst[da + len]);
            mix(dst[da + (len ? len - 1 : 0)]);
        }
    }
    printf("hash=%08x\n", h);
    return 0;
}
