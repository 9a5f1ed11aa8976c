/* A switch-dispatched bytecode interpreter running a counting loop; also a benchmark. */
#include <stdio.h>
#include <stdlib.h>
enum { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, POP, XOR, HALT };
static long run(const int *code, long n) {
    long stack[64];
    int sp = 0, pc = 0;
    stack[sp++] = 0; /* accumulator */
    stack[sp++] = n; /* counter */
    for (;;) {
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { long t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; } break;
        case DEC: stack[sp - 1]--; break;
        case POP: sp--; break;
        case JNZ: { int t = code[pc++]; if (stack[sp - 1]) pc = t; } break;
        case HALT: return stack[0];
        }
    }
}
int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    /* acc, n: loop { swap; dup*3+7 xor acc; swap; dec; jnz } */
    static const int code[] = {SWAP, DUP, PUSH, 3, MUL, PUSH, 7, ADD, XOR, SWAP, DEC, JNZ, 0, POP, HALT};
    printf("result=%ld\n", run(code, 3000000L * scale));
    return 0;
}
