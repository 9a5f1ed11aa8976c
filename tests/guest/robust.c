// Futex-based synchronisation beyond plain mutexes: a robust mutex whose owner thread dies
// (the next locker gets EOWNERDEAD), priority-inheritance mutexes under contention
// (FUTEX_LOCK_PI/UNLOCK_PI), futex_waitv on two words, and fork from a process whose other
// threads keep making syscalls (the children must not inherit a lock some thread held), and
// membarrier registered by one thread and used by another.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t robust;
static void *die_holding(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; // exits still owning it
}

static pthread_mutex_t pi;
static long pi_total;
static void *pi_worker(void *arg) {
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&pi);
        pi_total++;
        pthread_mutex_unlock(&pi);
    }
    return NULL;
}

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
struct waitv { uint64_t val, uaddr; uint32_t flags, reserved; };
static uint32_t words[2];
static volatile long waitv_result = -100;
static void *waitv_worker(void *arg) {
    (void)arg;
    struct waitv w[2] = {
        {0, (uint64_t)(uintptr_t)&words[0], 2 /* FUTEX2_SIZE_U32 */ | 128 /* PRIVATE */, 0},
        {0, (uint64_t)(uintptr_t)&words[1], 2 | 128, 0},
    };
    for (;;) {
        long r = syscall(SYS_futex_waitv, w, 2, 0, NULL, 0);
        if (r >= 0 || errno != EAGAIN) { waitv_result = r >= 0 ? r : -errno; return NULL; }
        if (__atomic_load_n(&words[1], __ATOMIC_SEQ_CST)) { waitv_result = 1; return NULL; }
    }
}

static volatile int mb_go;
static volatile long mb_result = -100;
static void *mb_worker(void *arg) {
    (void)arg;
    while (!mb_go) sched_yield();
    mb_result = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    return NULL;
}

static volatile int stop_busy;
static void *busy(void *arg) {
    (void)arg;
    while (!stop_busy) {
        void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) munmap(p, 8192);
    }
    return NULL;
}

int main(void) {
    // Robust mutex whose owner died.
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&robust);
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(&robust) : -1;
    pthread_mutex_unlock(&robust);
    int again = pthread_mutex_lock(&robust);
    pthread_mutex_unlock(&robust);
    printf("robust: %s consistent=%d relock=%d\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r), c, again);

    // Priority-inheritance mutex under contention.
    pthread_mutexattr_t pa;
    pthread_mutexattr_init(&pa);
    pthread_mutexattr_setprotocol(&pa, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi, &pa);
    pthread_t w[4];
    for (int i = 0; i < 4; i++) pthread_create(&w[i], NULL, pi_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(w[i], NULL);
    printf("pi: total=%ld\n", pi_total);

    // futex_waitv: woken through the second word.
    pthread_create(&t, NULL, waitv_worker, NULL);
    struct timespec ms = {0, 20 * 1000 * 1000};
    nanosleep(&ms, NULL);
    __atomic_store_n(&words[1], 1, __ATOMIC_SEQ_CST);
    while (waitv_result == -100) {
        syscall(SYS_futex, &words[1], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        nanosleep(&ms, NULL);
    }
    pthread_join(t, NULL);
    printf("futex_waitv: woken by word %ld\n", waitv_result);

    // membarrier: registered by the main thread after another thread started, used there.
    pthread_create(&t, NULL, mb_worker, NULL);
    long reg = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
    mb_go = 1;
    pthread_join(t, NULL);
    printf("membarrier: register=%ld private expedited from the other thread=%ld\n", reg, mb_result);

    // fork while other threads map and unmap memory.
    pthread_t b[3];
    for (int i = 0; i < 3; i++) pthread_create(&b[i], NULL, busy, NULL);
    int ok = 0;
    for (int i = 0; i < 40; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            _exit(p == MAP_FAILED ? 1 : 7);
        }
        int st;
        if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7) ok++;
    }
    stop_busy = 1;
    for (int i = 0; i < 3; i++) pthread_join(b[i], NULL);
    printf("fork with busy threads: %d/40 children ran\n", ok);
    return 0;
}
