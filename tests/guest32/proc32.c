/* Process calls through the 32-bit ABI: uname, ids, rlimits (ugetrlimit/setrlimit/prlimit64),
   sysinfo, mmap2 of a file at a page offset, mremap, mprotect, fork + wait4 with the 32-bit
   rusage, and execve of another 32-bit static program (argv[1]) with argv and envp arrays of
   32-bit pointers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s errno=%d\n", __FILE__, __LINE__, #c, errno); exit(1); } } while (0)

int main(int argc, char **argv) {
    if (argc < 3) {
        printf("usage: proc32 CHILD SCRATCH\n");
        return 2;
    }
    struct utsname u;
    CHECK(uname(&u) == 0);
    printf("machine: %s\n", u.machine);
    printf("ids consistent: %d\n", getuid() == geteuid() && getgid() == getegid() && getpid() > 1);

    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 0);
    struct rlimit low = {.rlim_cur = 64, .rlim_max = rl.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
    struct rlimit back;
    CHECK(getrlimit(RLIMIT_NOFILE, &back) == 0);
    printf("RLIMIT_NOFILE soft now %lu\n", (unsigned long)back.rlim_cur);
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    struct rlimit stack = {.rlim_cur = RLIM_INFINITY, .rlim_max = RLIM_INFINITY};
    CHECK(setrlimit(RLIMIT_STACK, &stack) == 0 || errno == EPERM);
    struct rlimit64 r64;
    CHECK(prlimit64(0, RLIMIT_NOFILE, NULL, &r64) == 0 && r64.rlim_cur == rl.rlim_cur);
    printf("prlimit64 agrees: 1\n");

    struct sysinfo si;
    CHECK(sysinfo(&si) == 0);
    printf("sysinfo: ram>0 %d unit>0 %d\n", si.totalram > 0, si.mem_unit > 0);

    /* mmap2: a file mapped from page 2 */
    char path[512];
    snprintf(path, sizeof path, "%s", argv[2]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    char page[4096];
    for (int i = 0; i < 3; i++) {
        memset(page, 'a' + i, sizeof page);
        CHECK(write(fd, page, sizeof page) == sizeof page);
    }
    char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 2 * 4096);
    CHECK(m != MAP_FAILED);
    printf("mmap at page 2: %c%c\n", m[0], m[4095]);
    CHECK(munmap(m, 4096) == 0);
    close(fd);
    unlink(path);
    char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    strcpy(a, "kept");
    a = mremap(a, 8192, 1 << 20, MREMAP_MAYMOVE);
    CHECK(a != MAP_FAILED);
    CHECK(mprotect(a, 4096, PROT_READ) == 0);
    printf("mremap keeps: %s\n", a);

    /* fork + wait4 with rusage */
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        volatile unsigned x = 0;
        for (unsigned i = 0; i < 20000000; i++)
            x += i;
        _exit(7);
    }
    int status;
    struct rusage ru;
    memset(&ru, 0xff, sizeof ru);
    CHECK(wait4(pid, &status, 0, &ru) == pid);
    printf("child exit %d, rusage sane %d\n", WEXITSTATUS(status),
           ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 && ru.ru_maxrss > 0);

    /* execve another 32-bit program: argv and envp of 32-bit pointers */
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char *cargv[] = {"child32", "one", "two words", NULL};
        char *cenv[] = {"GREETING=from parent", NULL};
        execve(argv[1], cargv, cenv);
        printf("execve failed: %d\n", errno);
        _exit(127);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    printf("exec child exit %d\n", WEXITSTATUS(status));
    errno = 0;
    char *none[] = {"x", NULL};
    CHECK(execve("/nonexistent/prog", none, none) == -1 && errno == ENOENT);
    printf("execve missing: ENOENT\n");
    return 0;
}
