// Guest threads: 8 threads mixing atomics, a mutex-protected counter, condition variables and
// thread-local storage; every total must come out exact.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8
#define ROUNDS 20000

static long atomic_total;
static long locked_total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cv = PTHREAD_COND_INITIALIZER;
static int turn;
static __thread long mine;
static int order[THREADS];
static int order_n;

static void *work(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_fetch_add(&atomic_total, 1, __ATOMIC_SEQ_CST);
        mine += id;
        if (i % 8 == 0) {
            pthread_mutex_lock(&lock);
            locked_total += 8;
            pthread_mutex_unlock(&lock);
        }
    }
    // Take turns in id order through a condition variable.
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&turn_cv, &lock);
    order[order_n++] = (int)id;
    turn++;
    pthread_cond_broadcast(&turn_cv);
    pthread_mutex_unlock(&lock);
    return (void *)mine;
}

int main(void) {
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++) {
        if (pthread_create(&t[i], NULL, work, (void *)i) != 0) {
            puts("pthread_create failed");
            return 1;
        }
    }
    long tls_sum = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        tls_sum += (long)r;
    }
    int in_order = 1;
    for (int i = 0; i < THREADS; i++) in_order &= order[i] == i;
    printf("atomic=%ld locked=%ld tls=%ld order=%d main_tls=%ld\n", atomic_total, locked_total,
           tls_sum, in_order, mine);
    return 0;
}
