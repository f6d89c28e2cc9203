/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SMOTE (Chawla et al. 2002), as imbalanced-learn does it: each synthetic
 * row lies at a uniform random point between a random row of its class and
 * one of that row's k nearest neighbours in the class.  The neighbours
 * come from squared distances |a|^2 + |b|^2 - 2 a.b, the dot products
 * computed a block of rows at a time by one GEMM. */
#include "nn/nn-private.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NN_SMOTE_BLOCK 512

/* For every row of xc (m x dim), the indices of its kk nearest other rows,
 * nearest first, ties to the lower index. */
static int
nearest_neighbours (const float *xc, size_t m, int dim, int kk, int *nn)
{
  float *norm = malloc (sizeof (float) * m);
  float *dot = malloc (sizeof (float) * NN_SMOTE_BLOCK * m);
  float best_d[kk];

  if (norm == NULL || dot == NULL)
    {
      free (norm);
      free (dot);
      return 0;
    }
  for (size_t i = 0; i < m; i++)
    {
      double s = 0.0;
      for (int j = 0; j < dim; j++)
        s += (double) xc[i * dim + j] * xc[i * dim + j];
      norm[i] = (float) s;
    }
  for (size_t start = 0; start < m; start += NN_SMOTE_BLOCK)
    {
      size_t rows = m - start < NN_SMOTE_BLOCK ? m - start : NN_SMOTE_BLOCK;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) m, dim, 1.0f,
                   xc + start * dim, dim, xc, dim, 0.0f, dot, (int) m);
      for (size_t r = 0; r < rows; r++)
        {
          size_t i = start + r;
          const float *drow = dot + r * m;
          int *best = nn + i * kk;
          int found = 0;
          for (size_t j = 0; j < m; j++)
            {
              float d;
              int pos;
              if (j == i)
                continue;
              d = norm[i] + norm[j] - 2.0f * drow[j];
              if (found == kk && !(d < best_d[kk - 1]))
                continue;
              /* Insertion into the short sorted list. */
              pos = found < kk ? found++ : kk - 1;
              while (pos > 0 && d < best_d[pos - 1])
                {
                  best_d[pos] = best_d[pos - 1];
                  best[pos] = best[pos - 1];
                  pos--;
                }
              best_d[pos] = d;
              best[pos] = (int) j;
            }
        }
    }
  free (norm);
  free (dot);
  return 1;
}

int
nn_smote (const float *x,
          const int   *y,
          size_t       n,
          int          dim,
          int          n_classes,
          int          k,
          uint64_t     seed,
          float      **x_out,
          int        **y_out,
          size_t      *n_out,
          char       **err)
{
  size_t *count, n_max = 0, total, w;
  float *xo = NULL, *xc = NULL;
  int *yo = NULL, *nn = NULL;
  size_t *rows = NULL;
  NnRng rng;

  *x_out = NULL;
  *y_out = NULL;
  *n_out = 0;
  if (dim < 1 || n_classes < 1 || k < 1)
    {
      nn_set_error (err, "SMOTE: invalid shape (dim %d, %d classes, k %d)", dim, n_classes, k);
      return NN_ERROR;
    }
  if ((count = calloc (n_classes, sizeof (size_t))) == NULL)
    goto oom;
  for (size_t i = 0; i < n; i++)
    {
      if (y[i] < 0 || y[i] >= n_classes)
        {
          nn_set_error (err, "SMOTE: row %zu has label %d outside [0, %d)", i, y[i], n_classes);
          free (count);
          return NN_ERROR;
        }
      count[y[i]]++;
    }
  for (int c = 0; c < n_classes; c++)
    n_max = count[c] > n_max ? count[c] : n_max;
  total = n;
  for (int c = 0; c < n_classes; c++)
    if (count[c] > 0)
      total += n_max - count[c];

  xo = malloc (sizeof (float) * (total ? total : 1) * dim);
  yo = malloc (sizeof (int) * (total ? total : 1));
  if (xo == NULL || yo == NULL)
    goto oom;
  memcpy (xo, x, sizeof (float) * n * dim);
  memcpy (yo, y, sizeof (int) * n);
  w = n;
  nn_rng_seed (&rng, seed);

  for (int c = 0; c < n_classes; c++)
    {
      size_t m = count[c], need = n_max - m, r = 0;
      int kk = (size_t) k < m ? k : (int) m - 1;

      if (m == 0 || need == 0)
        continue;
      rows = malloc (sizeof (size_t) * m);
      xc = malloc (sizeof (float) * m * dim);
      nn = kk > 0 ? malloc (sizeof (int) * m * kk) : NULL;
      if (rows == NULL || xc == NULL || (kk > 0 && nn == NULL))
        goto oom;
      for (size_t i = 0; i < n; i++)
        if (y[i] == c)
          {
            memcpy (xc + r * dim, x + i * dim, sizeof (float) * dim);
            rows[r++] = i;
          }
      if (kk > 0 && !nearest_neighbours (xc, m, dim, kk, nn))
        goto oom;
      for (size_t s = 0; s < need; s++, w++)
        {
          size_t i = nn_rng_below (&rng, m);
          float *dst = xo + w * dim;
          const float *a = xc + i * dim;
          if (kk == 0)
            /* A class of one row has no neighbour: repeat the row. */
            memcpy (dst, a, sizeof (float) * dim);
          else
            {
              const float *b = xc + (size_t) nn[i * kk + nn_rng_below (&rng, kk)] * dim;
              float gap = nn_rng_uniform (&rng);
              for (int j = 0; j < dim; j++)
                dst[j] = a[j] + gap * (b[j] - a[j]);
            }
          yo[w] = c;
        }
      free (rows);
      free (xc);
      free (nn);
      rows = NULL;
      xc = NULL;
      nn = NULL;
    }
  free (count);
  *x_out = xo;
  *y_out = yo;
  *n_out = total;
  return NN_OK;

oom:
  free (count);
  free (xo);
  free (yo);
  free (rows);
  free (xc);
  free (nn);
  nn_set_error (err, "SMOTE: out of memory for %zu rows of %d values", n, dim);
  return NN_ERROR;
}
