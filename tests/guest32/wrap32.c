/* 32-bit addresses wrap at 4 GiB: with the top page mapped, a load and a store at a small
 * pointer minus an offset reach it, from a function hot enough to be translated in full
 * first (where armrun folds the offset into the host access and must undo that). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

static volatile uintptr_t small = 0x10;

__attribute__((noinline)) static uint32_t load_at(volatile uint32_t *p) { return p[-8]; }
__attribute__((noinline)) static void store_at(volatile uint32_t *p, uint32_t v) { p[-7] = v; }

int main(void) {
    static uint32_t buf[64];
    uint32_t sum = 0;
    for (int i = 0; i < 1000; i++) {
        store_at(buf + 16, i);
        sum += load_at(buf + 16 + (i & 1));
    }
    printf("warm: sum=%u\n", sum);
    volatile uint32_t *top = mmap((void *)0xfffff000, 4096, PROT_READ | PROT_WRITE,
                                  MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (top == MAP_FAILED) {
        perror("mmap of the top page");
        return 1;
    }
    top[1020] = 0x5eed;
    volatile uint32_t *p = (volatile uint32_t *)small;
    printf("wrapped load: %#x\n", load_at(p));
    store_at(p, 7);
    printf("wrapped store: %u\n", top[1021]);
    for (int i = 0; i < 1000; i++)
        sum += load_at(buf + 16);
    printf("after: sum=%u\n", sum);
    return 0;
}
