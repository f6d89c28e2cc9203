/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helper of test-blas-core.sh: calls nn_blas_ensure_core() first thing, as
 * the programs do, then prints the core in use, the one OpenBLAS chose on
 * its own, who chose the one in use, its own arguments and the OpenBLAS
 * thread timeout it runs with. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/nn.h"

int
main (int argc, char **argv)
{
  const char *guard;

  nn_blas_ensure_core (argc, argv);
  guard = getenv ("EMISSARY_OPENBLAS_REEXEC");
  printf ("core=%s detected=%s by=%s", nn_blas_core_name (), nn_blas_core_detected (),
          nn_blas_core_set_by ());
  for (int i = 1; i < argc; i++)
    printf (" %s", argv[i]);
  printf (" guard=%s timeout=%s\n", guard ? guard : "unset",
          getenv ("OPENBLAS_THREAD_TIMEOUT") ? getenv ("OPENBLAS_THREAD_TIMEOUT") : "unset");
  return 0;
}
