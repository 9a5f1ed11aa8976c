/* argv, envp, auxv-derived values and the exit status pass through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
int main(int argc, char **argv, char **envp) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("ARMRUN_TEST_VAR");
    printf("ARMRUN_TEST_VAR=%s\n", v ? v : "(unset)");
    int n = 0;
    for (char **e = envp; *e; e++) n++;
    printf("envp has entries: %s\n", n > 0 ? "yes" : "no");
    printf("pagesz=%lu\n", getauxval(AT_PAGESZ));
    printf("random nonnull=%d\n", getauxval(AT_RANDOM) != 0);
    printf("hwcap fp=%lu asimd=%lu\n", getauxval(AT_HWCAP) & 1, getauxval(AT_HWCAP) >> 1 & 1);
    int code = argc > 1 ? atoi(argv[argc - 1]) : 0;
    return code;
}
