/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Query strategies: how informative a prediction is for the oracle, and a
 * streaming top-k over millions of scores. */
#include "nn/nn-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const strategy_names[] = {
  [NN_QUERY_ENTROPY] = "entropy",
  [NN_QUERY_MARGIN] = "margin",
  [NN_QUERY_LEAST_CONFIDENCE] = "least-confidence",
  [NN_QUERY_RANDOM] = "random",
  [NN_QUERY_BALD] = "bald",
};

int
nn_query_strategy_from_string (const char      *name,
                               NnQueryStrategy *out)
{
  for (size_t i = 0; name != NULL && i < sizeof strategy_names / sizeof strategy_names[0]; i++)
    if (strcmp (name, strategy_names[i]) == 0)
      {
        *out = (NnQueryStrategy) i;
        return NN_OK;
      }
  return NN_ERROR;
}

const char *
nn_query_strategy_to_string (NnQueryStrategy s)
{
  return (unsigned) s < sizeof strategy_names / sizeof strategy_names[0] ? strategy_names[s] : NULL;
}

float
nn_query_score (NnQueryStrategy s,
                const float    *probs,
                int             n_classes)
{
  float p1 = -INFINITY, p2 = -INFINITY;
  double h = 0.0;

  switch (s)
    {
    case NN_QUERY_ENTROPY:
      for (int c = 0; c < n_classes; c++)
        if (probs[c] > 0.0f)
          h -= probs[c] * log (probs[c]);
      return (float) h;
    case NN_QUERY_MARGIN:
    case NN_QUERY_LEAST_CONFIDENCE:
      for (int c = 0; c < n_classes; c++)
        if (probs[c] > p1)
          {
            p2 = p1;
            p1 = probs[c];
          }
        else if (probs[c] > p2)
          p2 = probs[c];
      if (s == NN_QUERY_LEAST_CONFIDENCE)
        return 1.0f - p1;
      return 1.0f - (p1 - (n_classes > 1 ? p2 : 0.0f));
    case NN_QUERY_RANDOM:
    case NN_QUERY_BALD:
    default:
      return NAN;
    }
}

typedef struct
{
  float   score;
  int64_t index;
} NnScored;

struct NnTopK
{
  size_t    k, n;
  NnScored *heap; /* min-heap: the root is the worst kept */
};

/* a ranks below b: lower score, or the same score and a later index. */
static inline int
worse (const NnScored *a, const NnScored *b)
{
  return a->score < b->score || (a->score == b->score && a->index > b->index);
}

NnTopK *
nn_topk_new (size_t k)
{
  NnTopK *t = calloc (1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->k = k;
  t->heap = malloc (sizeof (NnScored) * (k ? k : 1));
  if (t->heap == NULL)
    {
      free (t);
      return NULL;
    }
  return t;
}

static void
sift_down (NnScored *h, size_t n, size_t i)
{
  for (;;)
    {
      size_t l = 2 * i + 1, r = l + 1, m = i;
      NnScored tmp;
      if (l < n && worse (&h[l], &h[m]))
        m = l;
      if (r < n && worse (&h[r], &h[m]))
        m = r;
      if (m == i)
        return;
      tmp = h[i];
      h[i] = h[m];
      h[m] = tmp;
      i = m;
    }
}

void
nn_topk_push (NnTopK *t,
              float   score,
              int64_t index)
{
  NnScored e = { score, index };

  if (isnan (score) || t->k == 0)
    return;
  if (t->n < t->k)
    {
      size_t i = t->n++;
      while (i > 0 && worse (&e, &t->heap[(i - 1) / 2]))
        {
          t->heap[i] = t->heap[(i - 1) / 2];
          i = (i - 1) / 2;
        }
      t->heap[i] = e;
      return;
    }
  if (!worse (&t->heap[0], &e))
    return;
  t->heap[0] = e;
  sift_down (t->heap, t->n, 0);
}

static int
compare_best_first (const void *a, const void *b)
{
  const NnScored *x = a, *y = b;

  if (worse (y, x))
    return -1;
  if (worse (x, y))
    return 1;
  return 0;
}

size_t
nn_topk_result (NnTopK  *t,
                int64_t *indices,
                float   *scores)
{
  NnScored *sorted = malloc (sizeof (NnScored) * (t->n ? t->n : 1));

  if (sorted == NULL)
    return 0;
  memcpy (sorted, t->heap, sizeof (NnScored) * t->n);
  qsort (sorted, t->n, sizeof (NnScored), compare_best_first);
  for (size_t i = 0; i < t->n; i++)
    {
      if (indices != NULL)
        indices[i] = sorted[i].index;
      if (scores != NULL)
        scores[i] = sorted[i].score;
    }
  free (sorted);
  return t->n;
}

void
nn_topk_free (NnTopK *t)
{
  if (t == NULL)
    return;
  free (t->heap);
  free (t);
}
