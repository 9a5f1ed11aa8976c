/* Guest-visible error paths: bad pointers, unknown syscalls, undefined instructions, faults. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(mode, "efault")) {
        long r = syscall(SYS_write, 1, (void *)16, 5);
        printf("write(bad) = %ld errno=%s\n", r, errno == EFAULT ? "EFAULT" : strerror(errno));
        r = syscall(SYS_openat, -100, (void *)16, 0);
        printf("openat(bad) = %ld errno=%s\n", r, errno == EFAULT ? "EFAULT" : strerror(errno));
    } else if (!strcmp(mode, "enosys")) {
        long r = syscall(4000);
        printf("syscall(4000) = %ld errno=%s\n", r, errno == ENOSYS ? "ENOSYS" : strerror(errno));
    } else if (!strcmp(mode, "undef")) {
        puts("before");
        __asm__ volatile(".inst 0x00000000");
        puts("after");
    } else if (!strcmp(mode, "segv")) {
        puts("before");
        *(volatile int *)8 = 1;
        puts("after");
    } else if (!strcmp(mode, "jump")) {
        puts("before");
        ((void (*)(void))0x10)();
    }
    return 3;
}
