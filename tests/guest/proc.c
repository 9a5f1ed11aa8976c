/* Processes: fork, pipes, wait statuses, execve (of itself, natively, errors), system(),
 * sessions. Each mode prints one deterministic line per fact checked. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

static const char *status_str(int st) {
    static char buf[64];
    if (WIFEXITED(st))
        snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(buf, sizeof buf, "killed by %d%s", WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
    else if (WIFSTOPPED(st))
        snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
    else
        snprintf(buf, sizeof buf, "status %#x", st);
    return buf;
}

static int fork_pipe(void) {
    int fd[2];
    if (pipe(fd)) return 1;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        close(fd[0]);
        char msg[64];
        int n = snprintf(msg, sizeof msg, "child pid ok=%d ppid ok=%d", getpid() != 0, getppid() > 1);
        write(fd[1], msg, n);
        _exit(42);
    }
    close(fd[1]);
    char buf[128] = {0};
    ssize_t total = 0, n;
    while ((n = read(fd[0], buf + total, sizeof buf - 1 - total)) > 0) total += n;
    int st;
    pid_t w = waitpid(pid, &st, 0);
    printf("read \"%s\"\n", buf);
    printf("waitpid same pid=%d %s\n", w == pid, status_str(st));
    /* A second child reaped with waitid, checking the siginfo fields. */
    pid = fork();
    if (pid == 0) _exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, pid, &si, WEXITED);
    printf("waitid r=%d signo=%d code=%s status=%d pid ok=%d\n", r, si.si_signo,
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status, si.si_pid == pid);
    /* No children left: ECHILD. */
    r = waitpid(-1, &st, WNOHANG);
    printf("waitpid none r=%d errno=%s\n", r, errno == ECHILD ? "ECHILD" : strerror(errno));
    /* vfork: the child runs and exits; the parent resumes afterwards. */
    pid = vfork();
    if (pid == 0) _exit(9);
    waitpid(pid, &st, 0);
    printf("vfork child %s\n", status_str(st));
    return 0;
}

static int killed(void) {
    int fd[2];
    pipe(fd);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        write(fd[1], "r", 1);
        for (;;) pause();
    }
    close(fd[1]);
    char c;
    read(fd[0], &c, 1); /* the child is running its loop */
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    printf("SIGTERM child: %s\n", status_str(st));
    pid = fork();
    if (pid == 0) {
        abort();
    }
    waitpid(pid, &st, 0);
    printf("abort child: killed=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
    pid = fork();
    if (pid == 0) {
        /* A guest that ignores SIGTERM survives it. */
        signal(SIGTERM, SIG_IGN);
        kill(getpid(), SIGTERM);
        _exit(17);
    }
    waitpid(pid, &st, 0);
    printf("SIG_IGN child: %s\n", status_str(st));
    /* Process groups and sessions. */
    pid = fork();
    if (pid == 0) {
        pid_t sid = setsid();
        int ok = sid == getpid() && getsid(0) == sid && getpgid(0) == sid;
        _exit(ok ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    printf("setsid child: %s\n", status_str(st));
    pid = fork();
    if (pid == 0) {
        _exit(setpgid(0, 0) == 0 && getpgrp() == getpid() ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    printf("setpgid child: %s\n", status_str(st));
    /* Stop and continue. The child waits for a byte after it continues, so the continue
     * report cannot be overtaken by its exit. */
    int go[2];
    pipe(go);
    pid = fork();
    if (pid == 0) {
        close(go[1]);
        raise(SIGSTOP);
        read(go[0], &c, 1);
        _exit(3);
    }
    close(go[0]);
    waitpid(pid, &st, WUNTRACED);
    printf("stopped child: %s\n", status_str(st));
    kill(pid, SIGCONT);
    waitpid(pid, &st, WCONTINUED);
    printf("continued=%d\n", WIFCONTINUED(st));
    close(go[1]);
    waitpid(pid, &st, 0);
    printf("continued child: %s\n", status_str(st));
    /* A child subreaper inherits its orphaned grandchildren. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid = fork();
    if (pid == 0) {
        if (fork() == 0) {
            usleep(50000);
            _exit(11);
        }
        _exit(0);
    }
    waitpid(pid, &st, 0);
    pid_t orphan = waitpid(-1, &st, 0);
    printf("orphan reaped=%d: %s\n", orphan > 0 && orphan != pid, status_str(st));
    return 0;
}

/* Exec'd by `exec` as "/proc/self/exe" with argv[0] changed: reports, then waits for the parent
 * to look at /proc/<pid>/exe. */
static int exec_child(char **argv) {
    int out = atoi(argv[2]), in = atoi(argv[3]);
    char msg[256];
    int n = snprintf(msg, sizeof msg, "argv0=%s\n", argv[0]);
    write(out, msg, n);
    char c;
    read(in, &c, 1);
    return 7;
}

static int do_exec(void) {
    int up[2], down[2];
    pipe(up);
    pipe(down);
    pid_t pid = fork();
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", up[1]);
        snprintf(b, sizeof b, "%d", down[0]);
        char *args[] = {"renamed-by-guest", "exec_child", a, b, NULL};
        execv("/proc/self/exe", args);
        printf("execv failed: %s\n", strerror(errno));
        _exit(100);
    }
    close(up[1]);
    close(down[0]);
    char buf[256] = {0};
    ssize_t n = read(up[0], buf, sizeof buf - 1);
    if (n > 0) fputs(buf, stdout);
    /* Which host program runs the child: seen by the host kernel, not the child. */
    char link[64], target[4096] = {0};
    snprintf(link, sizeof link, "/proc/%d/exe", pid);
    ssize_t t = readlink(link, target, sizeof target - 1);
    const char *base = t > 0 ? strrchr(target, '/') : NULL;
    printf("child host exe=%s\n", base ? base + 1 : "?");
    close(down[1]);
    int st;
    waitpid(pid, &st, 0);
    printf("exec child %s\n", status_str(st));
    return 0;
}

static int exec_errors(const char *dir) {
    char *args[] = {"x", NULL};
    int r = execv("/nonexistent/program", args);
    printf("missing: r=%d %s\n", r, errno == ENOENT ? "ENOENT" : strerror(errno));
    char path[4096];
    snprintf(path, sizeof path, "%s/noexec", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    write(fd, "#!/bin/sh\necho hi\n", 18);
    close(fd);
    r = execv(path, args);
    printf("not executable: r=%d %s\n", r, errno == EACCES ? "EACCES" : strerror(errno));
    snprintf(path, sizeof path, "%s/garbage", dir);
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    write(fd, "\1\2\3\4 not a program", 19);
    close(fd);
    r = execv(path, args);
    printf("garbage: r=%d %s\n", r, errno == ENOEXEC ? "ENOEXEC" : strerror(errno));
    r = execv("/", args);
    printf("directory: r=%d %s\n", r, errno == EACCES ? "EACCES" : strerror(errno));
    /* One argument longer than MAX_ARG_STRLEN. */
    size_t big = 32 * 4096 + 10;
    char *huge = malloc(big + 1);
    memset(huge, 'a', big);
    huge[big] = 0;
    char *bigargs[] = {"x", huge, NULL};
    r = execv("/proc/self/exe", bigargs);
    printf("huge argument: r=%d %s\n", r, errno == E2BIG ? "E2BIG" : strerror(errno));
    /* A script whose interpreter is this program, with one optional argument. */
    snprintf(path, sizeof path, "%s/script", dir);
    fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    char line[4200];
    char self[4096] = {0};
    readlink("/proc/self/exe", self, sizeof self - 1);
    int len = snprintf(line, sizeof line, "#!%s  show_args  \n", self);
    write(fd, line, len);
    close(fd);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *sargs[] = {"ignored-argv0", "one", "two words", NULL};
        execv(path, sargs);
        _exit(100);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("script child %s\n", status_str(st));
    /* fexecve of a close-on-exec descriptor (execveat with AT_EMPTY_PATH). */
    fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    pid = fork();
    if (pid == 0) {
        char *fargs[] = {"fexec", "show_args", "X", "via fd", NULL};
        extern char **environ;
        fexecve(fd, fargs, environ);
        printf("fexecve failed: %s\n", strerror(errno));
        _exit(100);
    }
    waitpid(pid, &st, 0);
    printf("fexecve child %s\n", status_str(st));
    close(fd);
    return 0;
}

/* Scripts whose interpreters are scripts: five levels work, a sixth is ELOOP (as the kernel
 * counts). */
static int nested(const char *dir) {
    char self[4096] = {0}, path[4096], line[4200];
    readlink("/proc/self/exe", self, sizeof self - 1);
    for (int i = 0; i <= 5; i++) {
        snprintf(path, sizeof path, "%s/c%d", dir, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
        int len = i == 0 ? snprintf(line, sizeof line, "#!%s show_args\n", self)
                         : snprintf(line, sizeof line, "#!%s/c%d\n", dir, i - 1);
        write(fd, line, len);
        close(fd);
    }
    pid_t pid = fork();
    if (pid == 0) {
        snprintf(path, sizeof path, "%s/c4", dir);
        char *args[] = {"c4", "last", NULL};
        execv(path, args);
        printf("execv c4: %s\n", strerror(errno));
        _exit(100);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("five levels: %s\n", status_str(st));
    snprintf(path, sizeof path, "%s/c5", dir);
    char *args[] = {"c5", NULL};
    int r = execv(path, args);
    printf("six levels: r=%d %s\n", r, errno == ELOOP ? "ELOOP" : strerror(errno));
    return 0;
}

/* A new user namespace, which the kernel refuses to a process of several threads: the line
 * Threads: of /proc/self/status goes to standard error first. */
static int userns(void) {
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Threads:", 8)) fputs(line, stderr);
    if (f) fclose(f);
    int r = unshare(CLONE_NEWUSER);
    printf("unshare user r=%d %s\n", r, r ? strerror(errno) : "ok");
    return 0;
}

/* Namespaces: a new UTS namespace gets its own host name (or EPERM without privileges, as
 * natively); kcmp compares our descriptor table with itself. */
static int ns(void) {
    int r = unshare(CLONE_NEWUTS);
    printf("unshare r=%d %s\n", r, r ? strerror(errno) : "ok");
    if (r == 0) {
        char h[65] = {0};
        sethostname("guestbox", 8);
        gethostname(h, sizeof h - 1);
        printf("hostname=%s\n", h);
        static char longname[1000];
        memset(longname, 'x', sizeof longname);
        r = sethostname(longname, sizeof longname);
        printf("long name r=%d %s\n", r, r ? strerror(errno) : "ok");
    }
    pid_t p = getpid();
    printf("kcmp files=%ld\n", syscall(SYS_kcmp, p, p, 2 /* KCMP_FILES */, 0, 0));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "fork_pipe")) return fork_pipe();
    if (!strcmp(mode, "killed")) return killed();
    if (!strcmp(mode, "exec")) return do_exec();
    if (!strcmp(mode, "exec_child")) return exec_child(argv);
    if (!strcmp(mode, "exec_errors") && argc > 2) return exec_errors(argv[2]);
    if (!strcmp(mode, "nested") && argc > 2) return nested(argv[2]);
    if (!strcmp(mode, "ns")) return ns();
    if (!strcmp(mode, "userns")) return userns();
    if (!strcmp(mode, "show_args")) {
        /* Run as a script interpreter: argv = [interp, "show_args", script, args...]; paths
         * are shown by their last component. */
        for (int i = 2; i < argc; i++) {
            const char *a = argv[i];
            const char *s = strrchr(a, '/');
            printf("arg%d=%s\n", i, s ? s + 1 : a);
        }
        /* No descriptor of the program itself (as an emulator could pass it) leaks into the
         * new image. */
        char self[4096] = {0}, link[64], target[4096];
        readlink("/proc/self/exe", self, sizeof self - 1);
        int leaked = 0;
        for (int fd = 0; fd < 1024; fd++) {
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            memset(target, 0, sizeof target);
            if (readlink(link, target, sizeof target - 1) > 0 && !strcmp(target, self)) leaked++;
        }
        printf("program fds=%d\n", leaked);
        return 4;
    }
    if (!strcmp(mode, "native")) {
        pid_t pid = fork();
        if (pid == 0) {
            execl(argv[2], argv[2], "native", "echo", NULL);
            _exit(100);
        }
        int st;
        waitpid(pid, &st, 0);
        printf("native child %s\n", status_str(st));
        return 0;
    }
    if (!strcmp(mode, "system")) {
        int st = system(argv[2]);
        printf("system: %s\n", status_str(st));
        return 0;
    }
    fprintf(stderr, "unknown mode\n");
    return 2;
}
