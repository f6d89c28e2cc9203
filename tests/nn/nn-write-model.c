/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helper of test-safetensors-reader.py: writes a trained "small" model to
 * argv[1] and prints, as one JSON line, an input and the probabilities
 * src/nn predicts for it, for an independent reader to reproduce. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/nn.h"

#define N_IN 24
#define N    64

int
main (int argc, char **argv)
{
  static float x[N * N_IN];
  int y[N];
  float probs[3];
  char *err = NULL;
  NnModel *m;
  NnTrainOptions o;
  unsigned state = 12345;

  if (argc != 2)
    {
      fprintf (stderr, "usage: nn-write-model PATH\n");
      return 2;
    }
  for (int i = 0; i < N * N_IN; i++)
    {
      state = state * 1103515245u + 12345u;
      x[i] = (float) ((state >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
  for (int i = 0; i < N; i++)
    y[i] = i % 3;
  m = nn_model_new_preset ("small", N_IN, 3, 5, &err);
  nn_train_options_init (&o);
  o.max_epochs = 3; /* so that the biases are not zero */
  if (m == NULL || nn_model_train (m, x, y, N, &o, &err) != NN_OK
      || nn_model_set_metadata (m, "classes", "[\"absorption\",\"emission\",\"double-peak\"]") != NN_OK
      || nn_model_save (m, argv[1], &err) != NN_OK || nn_model_predict (m, x, 1, probs, &err) != NN_OK)
    {
      fprintf (stderr, "nn-write-model: %s\n", err ? err : "cannot set metadata");
      free (err);
      nn_model_free (m);
      return 1;
    }
  printf ("{\"input\":[");
  for (int j = 0; j < N_IN; j++)
    printf ("%s%.9g", j ? "," : "", x[j]);
  printf ("],\"probs\":[%.9g,%.9g,%.9g]}\n", probs[0], probs[1], probs[2]);
  nn_model_free (m);
  return 0;
}
