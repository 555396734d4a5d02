/* A persistent pool of worker threads for short parallel loops (see hs_pool_run in CKernels.h).
 *
 * A generation step of a small model is ~200 matrix products of 50–500 µs each. Waking threads
 * through a queue for every one costs about as much as the second core saves; here the workers stay
 * awake, spinning on a sequence number for a while after each job (so the next product starts within
 * a microsecond), and sleep on a futex only after HS_POOL_SPIN_NS without work. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HS_PAUSE() _mm_pause()
#else
#define HS_PAUSE() ((void)0)
#endif

/* How long an idle worker spins before it sleeps. */
#define HS_POOL_SPIN_NS 2000000LL
/* Pauses the caller spins for other threads' chunks before it yields the core (~10–50 µs);
 * HOPSCOPE_POOL_WAIT_SPINS overrides (read when the pool starts). */
static int wait_spins = 4096;

/* One parallel loop, on the stack of the thread that runs it. */
typedef struct {
    hs_task_fn fn;
    void *ctx;
    int64_t chunks;
    _Atomic int64_t next;        /* next chunk to claim */
    _Atomic int64_t done;        /* chunks finished */
} hs_job;

static struct {
    pthread_mutex_t owner;       /* held by the thread running a job; others run theirs serially */
    pthread_once_t once;
    int threads;                 /* workers + the caller, fixed by the first parallel call */
    int workers;
    _Atomic uint32_t seq;        /* bumped to announce a job (the futex word) */
    _Atomic int sleepers;
    _Atomic(hs_job *) current;   /* the job being run, or NULL */
    _Atomic int busy;            /* workers that may be looking at `current` */
} pool = {.owner = PTHREAD_MUTEX_INITIALIZER, .once = PTHREAD_ONCE_INIT};

static __thread int in_worker;

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void run_chunks(hs_job *j) {
    int64_t c;
    while ((c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->chunks) {
        j->fn(j->ctx, c);
        atomic_fetch_add_explicit(&j->done, 1, memory_order_release);
    }
}

/* Waits for a new sequence number (spinning, then on the futex), then helps with the current job.
 * `busy` is raised before `current` is read, and the caller clears `current` before it waits for
 * `busy` to drop to 0, so a worker never touches a job whose caller has returned. */
static void *worker(void *arg) {
    (void)arg;
    in_worker = 1;
    uint32_t seen = atomic_load(&pool.seq);
    for (;;) {
        int64_t idle_since = now_ns();
        uint32_t s;
        for (int spins = 0;; spins++) {
            s = atomic_load_explicit(&pool.seq, memory_order_acquire);
            if (s != seen) break;
            HS_PAUSE();
            if ((spins & 255) == 255 && now_ns() - idle_since > HS_POOL_SPIN_NS) {
                atomic_fetch_add(&pool.sleepers, 1);
                if (atomic_load(&pool.seq) == seen) syscall(SYS_futex, &pool.seq, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
                atomic_fetch_sub(&pool.sleepers, 1);
                idle_since = now_ns();
            }
        }
        seen = s;
        atomic_fetch_add(&pool.busy, 1);
        hs_job *j = atomic_load(&pool.current);
        if (j) run_chunks(j);
        atomic_fetch_sub(&pool.busy, 1);
    }
    return NULL;
}

static void start(void) {
    const char *e = getenv("HOPSCOPE_POOL_WAIT_SPINS");
    if (e && atoi(e) > 0) wait_spins = atoi(e);
    for (int i = 0; i < pool.threads - 1; i++) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &a, worker, NULL) == 0) pool.workers++;
        pthread_attr_destroy(&a);
    }
}

int hs_pool_threads(void) { return pool.workers + 1; }

void hs_pool_run(int threads, int64_t chunks, hs_task_fn fn, void *ctx) {
    if (chunks <= 0) return;
    if (chunks == 1 || threads <= 1 || in_worker || pthread_mutex_trylock(&pool.owner) != 0) {
        /* One chunk, one thread, a nested call or another thread's job running: run here. */
        for (int64_t c = 0; c < chunks; c++) fn(ctx, c);
        return;
    }
    if (pool.threads == 0) pool.threads = threads;   /* the first parallel call sizes the pool */
    pthread_once(&pool.once, start);
    hs_job j = {.fn = fn, .ctx = ctx, .chunks = chunks};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_store(&pool.current, &j);
    atomic_fetch_add(&pool.seq, 1);
    if (atomic_load(&pool.sleepers) > 0) syscall(SYS_futex, &pool.seq, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
    run_chunks(&j);
    /* Wait for the chunks other threads claimed. A worker preempted by another process holds its
     * chunk until it runs again: after a few microseconds of spinning, give the core away. */
    for (int spins = 0; atomic_load_explicit(&j.done, memory_order_acquire) < chunks; spins++) {
        if (spins < wait_spins) HS_PAUSE(); else sched_yield();
    }
    atomic_store(&pool.current, NULL);
    for (int spins = 0; atomic_load(&pool.busy) != 0; spins++) {
        if (spins < wait_spins) HS_PAUSE(); else sched_yield();
    }
    pthread_mutex_unlock(&pool.owner);
}
