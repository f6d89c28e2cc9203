/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The passes between GEMMs (bias and ReLU, pooling, Winograd transforms,
 * Adam) are memory-bound and would leave the other cores idle: they are
 * split over as many threads as the BLAS uses, in disjoint ranges, so the
 * result does not depend on the split.
 *
 * A training step has some forty such passes of a few hundred
 * microseconds each.  Starting a thread for each cost ~45 µs on a virtual
 * machine, and so does waking a sleeping one (the halted virtual CPU has
 * to be woken), so the threads are started once, and both sides of a job
 * spin briefly before they sleep: a worker for the next pass, which
 * mostly follows within a few microseconds, the caller for the workers'
 * parts, while its own core would be idle anyway. */
#include "nn/nn-private.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

/* How long a worker waits for the next job before it sleeps: short, as
 * its spinning takes a core from the BLAS' threads during a product (Zen
 * 5, paired rounds: 10 us against 30 us, training +1.4 and +3.7 %,
 * inference +1.3 %; 3 us no better than 10, 80 us no better than 30). */
#define NN_WORKER_SPIN_NS 10000

typedef struct
{
  NnRangeFunc fn;
  void       *ctx;
  size_t      begin, end;
} NnRange;

/* One job at a time: a second thread that wants to split a pass while the
 * pool is busy (two models trained or scored at once) runs it alone. */
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;

/* Worker i runs part i + 1 of the job of generation `pool_generation`,
 * when there is one, the caller part 0.  Every worker acknowledges every
 * job (pool_pending), so none is still looking at a job when the next is
 * written.  The parts are written before the generation is raised
 * (release) and read after it is seen (acquire).  pool_lock and pool_wake
 * are for workers that sleep. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static NnRange pool_parts[NN_MAX_PASS_THREADS];
static int pool_n_parts, pool_n_workers, pool_sleepers;
static int pool_pending;
static unsigned long pool_generation;
static unsigned long pool_worker_start[NN_MAX_PASS_THREADS];
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static long
now_ns (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static unsigned long
wait_for_job (unsigned long seen)
{
  unsigned long g;
  long deadline = now_ns () + NN_WORKER_SPIN_NS;

  for (int spins = 0;; spins++)
    {
      if ((g = __atomic_load_n (&pool_generation, __ATOMIC_ACQUIRE)) != seen)
        return g;
      cpu_relax ();
      if ((spins & 255) == 255 && now_ns () > deadline)
        break;
    }
  pthread_mutex_lock (&pool_lock);
  pool_sleepers++;
  while ((g = __atomic_load_n (&pool_generation, __ATOMIC_ACQUIRE)) == seen)
    pthread_cond_wait (&pool_wake, &pool_lock);
  pool_sleepers--;
  pthread_mutex_unlock (&pool_lock);
  return g;
}

static void *
worker_main (void *data)
{
  int index = (int) (size_t) data;
  unsigned long seen = pool_worker_start[index];

  for (;;)
    {
      seen = wait_for_job (seen);
      if (index + 1 < pool_n_parts)
        {
          NnRange *part = &pool_parts[index + 1];
          part->fn (part->begin, part->end, part->ctx);
        }
      __atomic_fetch_sub (&pool_pending, 1, __ATOMIC_RELEASE);
    }
  return NULL;
}

/* A child of fork () has none of the parent's workers. */
static void
forget_workers (void)
{
  pthread_mutex_init (&pool_busy, NULL);
  pthread_mutex_init (&pool_lock, NULL);
  pthread_cond_init (&pool_wake, NULL);
  pool_n_workers = pool_n_parts = pool_pending = pool_sleepers = 0;
}

static void
register_fork_handler (void)
{
  pthread_atfork (NULL, NULL, forget_workers);
}

/* Starts workers until there are @n (with pool_busy held). */
static void
ensure_workers (int n)
{
  while (pool_n_workers < n)
    {
      pthread_t thread;
      pthread_attr_t attr;
      int ok;

      pool_worker_start[pool_n_workers] = pool_generation;
      pthread_attr_init (&attr);
      pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
      ok = pthread_create (&thread, &attr, worker_main, (void *) (size_t) pool_n_workers) == 0;
      pthread_attr_destroy (&attr);
      if (!ok)
        break;
      pool_n_workers++;
    }
}

void
nn_parallel_for (size_t      n,
                 size_t      min_part,
                 NnRangeFunc fn,
                 void       *ctx)
{
  int T = nn_blas_threads ();

  if (T > NN_MAX_PASS_THREADS)
    T = NN_MAX_PASS_THREADS;
  if (min_part < 1)
    min_part = 1;
  if ((size_t) T > n / min_part)
    T = (int) (n / min_part);
  if (T <= 1)
    {
      fn (0, n, ctx);
      return;
    }
  pthread_once (&pool_once, register_fork_handler);
  if (pthread_mutex_trylock (&pool_busy) != 0)
    {
      /* The same parts, one after the other. */
      for (int i = 0; i < T; i++)
        fn (n * i / T, n * (i + 1) / T, ctx);
      return;
    }
  ensure_workers (T - 1);
  if (T > pool_n_workers + 1)
    T = pool_n_workers + 1; /* no more threads: fewer, larger parts */
  for (int i = 0; i < T; i++)
    pool_parts[i] = (NnRange) { fn, ctx, n * i / T, n * (i + 1) / T };
  pool_n_parts = T;
  pool_pending = pool_n_workers;
  pthread_mutex_lock (&pool_lock);
  __atomic_add_fetch (&pool_generation, 1, __ATOMIC_RELEASE);
  if (pool_sleepers > 0)
    pthread_cond_broadcast (&pool_wake);
  pthread_mutex_unlock (&pool_lock);

  fn (pool_parts[0].begin, pool_parts[0].end, ctx);

  for (int spins = 0; __atomic_load_n (&pool_pending, __ATOMIC_ACQUIRE) > 0; spins++)
    if (spins < 4096)
      cpu_relax ();
    else
      sched_yield (); /* a worker waits for a core: let it have this one */
  pthread_mutex_unlock (&pool_busy);
}
