/* net32.c with 64-bit time_t: select becomes pselect6_time64, SO_RCVTIMEO the 64-bit
   SO_RCVTIMEO_NEW, epoll_wait and poll keep their forms. */
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "net32.c"
