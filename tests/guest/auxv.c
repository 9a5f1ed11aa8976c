// Prints what the kernel (or emulator) told the program about its CPU: AT_PLATFORM, AT_HWCAP
// and AT_HWCAP2, and the /proc/cpuinfo line naming the features.
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int main(void) {
    const char *platform = (const char *)getauxval(AT_PLATFORM);
    printf("platform=%s hwcap=%#lx hwcap2=%#lx\n", platform ? platform : "(none)",
           getauxval(AT_HWCAP), getauxval(AT_HWCAP2));
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "Features", 8) == 0) {
            fputs(line, stdout);
            break;
        }
    }
    return 0;
}
