// Prints the credentials and the secure-mode flag the program started with, for the setuid
// test of binfmt_misc's C flag; then, for each argument, whether that path exists as the
// program sees it (a sysroot, -L or QEMU_LD_PREFIX, would remap absolute paths). A first
// argument "exec" makes it execute itself through /proc/self/exe with the other arguments
// after printing, to show what a program it executes starts with; "exec-with VAR=VALUE" does
// the same with VAR=VALUE added to the environment it passes on.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("uid=%u euid=%u secure=%lu\n", (unsigned)getuid(), (unsigned)geteuid(),
           getauxval(AT_SECURE));
    if (argc > 2 && strcmp(argv[1], "exec-with") == 0) {
        putenv(argv[2]);
        argv += 1;
        argc -= 1;
        argv[1] = "exec";
    }
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        fflush(stdout);
        argv[1] = argv[0];
        execv("/proc/self/exe", argv + 1);
        perror("execv");
        return 1;
    }
    for (int i = 1; i < argc; i++)
        printf("%s: %s\n", argv[i], access(argv[i], F_OK) == 0 ? "exists" : "missing");
    return 0;
}
