/* Exec target of proc32: prints its argv and environment, exits 3. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        printf("child argv[%d]=%s\n", i, argv[i]);
    printf("child GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
    return 3;
}
