/* time32.c with 64-bit time_t: the *_time64 syscalls. */
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "time32.c"
