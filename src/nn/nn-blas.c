/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS core selection.  Debian's OpenBLAS is built with DYNAMIC_ARCH
 * and picks its kernels from the CPUID model; on CPUs newer than the
 * library (e.g. Intel family 6 model 207) it falls back to a generic core
 * such as "Prescott" whose sgemm is 5-6x slower.  OpenBLAS reads
 * OPENBLAS_CORETYPE once, in its constructor, so the only way to change the
 * core of a running program is to set the variable and execute it again. */
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
  const char *best;

  (void) argc;
  if (getenv (NN_REEXEC_GUARD) != NULL)
    {
      /* We are the re-executed program; leave no trace for children. */
      unsetenv (NN_REEXEC_GUARD);
      return;
    }
  if (user != NULL && user[0] != '\0')
    return; /* the user's choice, even a slow one */
  /* EMISSARY_OPENBLAS_ASSUME_GENERIC makes any core count as generic: the
   * tests exercise the re-execution on CPUs that OpenBLAS knows. */
  if (!core_is_generic (openblas_get_corename ())
      && getenv ("EMISSARY_OPENBLAS_ASSUME_GENERIC") == NULL)
    return;
  if ((best = best_core_for_cpu ()) == NULL)
    return;

  setenv ("OPENBLAS_CORETYPE", best, 1);
  setenv (NN_REEXEC_GUARD, "1", 1);
  fflush (NULL);
  execv ("/proc/self/exe", argv);
  /* Could not re-execute (no /proc?): go on with the slow kernels, and
   * say so once, since every figure will be off by a factor of five. */
  fprintf (stderr, "emissary: OpenBLAS uses the generic core “%s” on a CPU that can run %s "
           "kernels, and re-executing with OPENBLAS_CORETYPE=%s failed (%s); "
           "set OPENBLAS_CORETYPE=%s yourself for full speed\n",
           nn_blas_core_name (), best, best, strerror (errno), best);
  unsetenv ("OPENBLAS_CORETYPE");
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
