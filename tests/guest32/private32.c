/* ARM-private calls and unsupported calls through the 32-bit ABI: get_tls returns the thread
   pointer glibc set with set_tls, cacheflush (what __builtin___clear_cache calls) accepts a
   range and refuses a reversed one, an unassigned private number is ENOSYS, and so is a call
   armrun does not implement (mq_open, noted once on stderr by its ARM name). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s errno=%d\n", __FILE__, __LINE__, #c, errno); exit(1); } } while (0)

static char code[256];

int main(void) {
    long tls = syscall(__ARM_NR_get_tls);
    printf("get_tls is the thread pointer: %d\n", (void *)tls == __builtin_thread_pointer());
    CHECK(syscall(__ARM_NR_cacheflush, code, code + sizeof code, 0) == 0);
    __builtin___clear_cache(code, code + sizeof code);
    errno = 0;
    CHECK(syscall(__ARM_NR_cacheflush, code + 16, code, 0) == -1 && errno == EINVAL);
    printf("cacheflush: ok, reversed EINVAL\n");
    errno = 0;
    CHECK(syscall(0xf0100) == -1 && errno == ENOSYS);
    printf("private 0xf0100: ENOSYS\n");
    for (int i = 0; i < 2; i++) {
        errno = 0;
        CHECK(syscall(__NR_mq_open, "/armrun", 0, 0, NULL) == -1 && errno == ENOSYS);
    }
    printf("mq_open twice: ENOSYS\n");
    return 0;
}
