/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS core selection and thread wait.  Debian's OpenBLAS is built
 * with DYNAMIC_ARCH and picks its kernels from the CPUID model; on CPUs
 * newer than the library (e.g. Intel family 6 model 207) it falls back to
 * a generic core such as "Prescott" whose sgemm is 5-6x slower.  A core
 * one step behind costs as much: on an AMD Zen 5 (AVX-512), whose
 * environment set OPENBLAS_CORETYPE=Haswell, 2,048^3 sgemm ran at 156
 * GFLOP/s on two cores, 300 with the SkylakeX kernels OpenBLAS picks
 * there on its own.
 *
 * Its worker threads also spin (sched_yield) for 2^28 cycles after each
 * product before they sleep.  Between the products of a training step our
 * own passes (bias, ReLU, pooling, Adam) run on those same cores and had
 * to share them with the spinners: with OPENBLAS_THREAD_TIMEOUT=4 (2^4
 * cycles, the least) training at batch 64 ran 1,285-1,340 samples/s
 * against 934-1,227 with the default, alternating runs on 2 cores, and
 * inference was no slower.  Since the passes were fused and the products
 * grew, a spin of 2^14 cycles (~8 us at the TSC's 2.1 GHz) is better than
 * none: a product that follows within it finds the thread awake (Zen 5,
 * paired rounds against 2^4: training +1.8 and +2.2 %, inference +2.7
 * and +2.7 %; 2^16-2^18 no better).
 *
 * OpenBLAS reads both variables once, in its constructor, so the only way
 * to change them in a running program is to set them and execute it again;
 * a value the user set is kept. */
#include "nn/nn-private.h"

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
#define NN_THREAD_TIMEOUT "14"

/* The cores OpenBLAS 0.3.21 knows, by the widest instructions their
 * sgemm uses: older than AVX2 (generic here) and AVX2.  Any other name
 * (the AVX-512 SkylakeX, Cooperlake and SapphireRapids, or a newer
 * library's) is taken to be right. */
static const char *const generic_cores[] = {
  "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
  "Sandybridge", "Katmai", "Coppermine", "Northwood", "Banias",
  "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Generic",
  "Unknown",
};
static const char *const avx2_cores[] = { "Haswell", "Zen" };

static int
core_in (const char *core, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcasecmp (core, list[i]) == 0)
      return 1;
  return 0;
}

#define CORE_IN(core, list) core_in (core, list, sizeof list / sizeof list[0])

const char *
nn_blas_better_core (const char *core,
                     NnCpuLevel  cpu)
{
  NnCpuLevel level;

  if (core == NULL || CORE_IN (core, generic_cores))
    level = NN_CPU_BASELINE;
  else if (CORE_IN (core, avx2_cores))
    level = NN_CPU_AVX2;
  else
    return NULL; /* AVX-512 already, or a core this list does not know */
  if (cpu == NN_CPU_AVX512 && level < NN_CPU_AVX512)
    return "SkylakeX";
  if (cpu == NN_CPU_AVX2 && level < NN_CPU_AVX2)
    return "Haswell";
  return NULL;
}

/* The widest kernels this CPU (and OS, which must save the wide
 * registers: __builtin_cpu_supports checks XCR0 too) can run. */
NnCpuLevel
nn_blas_cpu_level (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vl") && __builtin_cpu_supports ("avx512dq"))
    return NN_CPU_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return NN_CPU_AVX2;
#endif
  return NN_CPU_BASELINE;
}

/* The core OpenBLAS chose itself, when we re-executed over it, and who
 * chose the core in use. */
static char *detected_core;
static const char *core_set_by = "openblas";

const char *
nn_blas_core_name (void)
{
  const char *core = openblas_get_corename ();

  return core != NULL ? core : "unknown";
}

const char *
nn_blas_core_detected (void)
{
  return detected_core != NULL ? detected_core : nn_blas_core_name ();
}

const char *
nn_blas_core_set_by (void)
{
  return core_set_by;
}

const char *
nn_blas_core_advice (void)
{
  if (strcmp (core_set_by, "OPENBLAS_CORETYPE") != 0)
    return NULL;
  return nn_blas_better_core (nn_blas_core_name (), nn_blas_cpu_level ());
}

void
nn_blas_ensure_core (int    argc,
                     char **argv)
{
  const char *user = getenv ("OPENBLAS_CORETYPE");
  const char *guard = getenv (NN_REEXEC_GUARD);
  const char *core = openblas_get_corename ();
  const char *best = NULL;
  int set_timeout;

  (void) argc;
  if (user != NULL && user[0] != '\0')
    core_set_by = "OPENBLAS_CORETYPE";
  if (guard != NULL)
    {
      /* We are the re-executed program; the guard holds the core OpenBLAS
       * chose in the first one, after "+" when we replaced it.  Leave no
       * trace for children. */
      if (guard[0] == '+')
        {
          core_set_by = "emissary";
          guard++;
        }
      detected_core = strdup (guard);
      unsetenv (NN_REEXEC_GUARD);
      return;
    }
  /* A user's core is kept, even a slow one.  EMISSARY_OPENBLAS_ASSUME_CORE
   * stands for OpenBLAS' own choice: the tests exercise the re-execution
   * on CPUs that OpenBLAS knows. */
  if (getenv ("EMISSARY_OPENBLAS_ASSUME_CORE") != NULL)
    core = getenv ("EMISSARY_OPENBLAS_ASSUME_CORE");
  if (user == NULL || user[0] == '\0')
    best = nn_blas_better_core (core, nn_blas_cpu_level ());
  set_timeout = getenv ("OPENBLAS_THREAD_TIMEOUT") == NULL;
  if (best == NULL && !set_timeout)
    return;

  if (best != NULL)
    setenv ("OPENBLAS_CORETYPE", best, 1);
  if (set_timeout)
    setenv ("OPENBLAS_THREAD_TIMEOUT", NN_THREAD_TIMEOUT, 1);
  {
    char mark[128];
    snprintf (mark, sizeof mark, "%s%s", best != NULL ? "+" : "",
              core != NULL && core[0] != '\0' ? core : "unknown");
    setenv (NN_REEXEC_GUARD, mark, 1);
  }
  fflush (NULL);
  execv ("/proc/self/exe", argv);
  /* Could not re-execute (no /proc?): go on as we are.  Slow kernels are
   * worth a word, since every figure will be off by a factor of 2-6. */
  if (best != NULL)
    fprintf (stderr, "emissary: OpenBLAS uses the core “%s” on a CPU that can run the faster %s "
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
