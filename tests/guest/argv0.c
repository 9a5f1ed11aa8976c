// Prints its whole argv, argv[0] included (what binfmt_misc's P flag preserves).
#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    return 0;
}
