/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS core selection and thread wait.  Debian's OpenBLAS is built
 * with DYNAMIC_ARCH and picks its kernels from the CPUID model; on CPUs
 * newer than the library (e.g. Intel family 6 model 207) it falls back to
 * a generic core such as "Prescott" whose sgemm is 5-6x slower.
 *
 * Its worker threads also spin (sched_yield) for 2^28 cycles after each
 * product before they sleep.  Between the products of a training step our
 * own passes (bias, ReLU, pooling, Adam) run on those same cores and had
 * to share them with the spinners: with OPENBLAS_THREAD_TIMEOUT=4 (2^4
 * cycles, the least) training at batch 64 ran 1,285-1,340 samples/s
 * against 934-1,227 with the default, alternating runs on 2 cores, and
 * inference was no slower.
 *
 * OpenBLAS reads both variables once, in its constructor, so the only way
 * to change them in a running program is to set them and execute it again;
 * a value the user set is kept. */
#include "nn/nn.h"

#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Guards against a loop should the re-executed program still report a
 * generic core (a library without the requested kernels). */
#define NN_REEXEC_GUARD "EMISSARY_OPENBLAS_REEXEC"

/* log2 of the cycles OpenBLAS' threads spin before they sleep (see above). */
#define NN_THREAD_TIMEOUT "4"

static const char *const generic_cores[] = {
  "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
  "Sandybridge", "Katmai", "Coppermine", "Northwood", "Banias",
  "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Generic",
  "Unknown",
};

static int
core_is_generic (const char *core)
{
  if (core == NULL)
    return 1;
  for (size_t i = 0; i < sizeof generic_cores / sizeof generic_cores[0]; i++)
    if (strcasecmp (core, generic_cores[i]) == 0)
      return 1;
  return 0;
}

/* The best kernel family this CPU (and OS, which must save the wide
 * registers) can run, or NULL when OpenBLAS' own choice is as good. */
static const char *
best_core_for_cpu (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
#endif
  return NULL;
}

const char *
nn_blas_core_name (void)
{
  const char *core = openblas_get_corename ();

  return core != NULL ? core : "unknown";
}

void
nn_blas_ensure_core (int    argc,
                     char **argv)
{
  const char *user = getenv ("OPENBLAS_CORETYPE");
  const char *best = NULL;
  int set_timeout;

  (void) argc;
  if (getenv (NN_REEXEC_GUARD) != NULL)
    {
      /* We are the re-executed program; leave no trace for children. */
      unsetenv (NN_REEXEC_GUARD);
      return;
    }
  /* A user's core is kept, even a slow one.  EMISSARY_OPENBLAS_ASSUME_GENERIC
   * makes any core count as generic: the tests exercise the re-execution
   * on CPUs that OpenBLAS knows. */
  if ((user == NULL || user[0] == '\0')
      && (core_is_generic (openblas_get_corename ())
          || getenv ("EMISSARY_OPENBLAS_ASSUME_GENERIC") != NULL))
    best = best_core_for_cpu ();
  set_timeout = getenv ("OPENBLAS_THREAD_TIMEOUT") == NULL;
  if (best == NULL && !set_timeout)
    return;

  if (best != NULL)
    setenv ("OPENBLAS_CORETYPE", best, 1);
  if (set_timeout)
    setenv ("OPENBLAS_THREAD_TIMEOUT", NN_THREAD_TIMEOUT, 1);
  setenv (NN_REEXEC_GUARD, "1", 1);
  fflush (NULL);
  execv ("/proc/self/exe", argv);
  /* Could not re-execute (no /proc?): go on as we are.  Slow kernels are
   * worth a word, since every figure will be off by a factor of five. */
  if (best != NULL)
    fprintf (stderr, "emissary: OpenBLAS uses the generic core “%s” on a CPU that can run %s "
             "kernels, and re-executing with OPENBLAS_CORETYPE=%s failed (%s); "
             "set OPENBLAS_CORETYPE=%s yourself for full speed\n",
             nn_blas_core_name (), best, best, strerror (errno), best);
  if (best != NULL)
    unsetenv ("OPENBLAS_CORETYPE");
  if (set_timeout)
    unsetenv ("OPENBLAS_THREAD_TIMEOUT");
  unsetenv (NN_REEXEC_GUARD);
}

int
nn_blas_threads (void)
{
  return openblas_get_num_threads ();
}

void
nn_blas_set_threads (int n)
{
  if (n <= 0)
    n = openblas_get_num_procs ();
  if (n < 1)
    n = 1;
  openblas_set_num_threads (n);
}
