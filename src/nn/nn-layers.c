/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Layer kernels: every product of matrices goes to cblas_sgemm with the
 * mini-batch folded into M; everything else is one pass over contiguous
 * memory. */
#include "nn/nn-private.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
splitmix64 (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
nn_rng_seed (NnRng   *r,
             uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&seed);
}

static inline uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

uint64_t
nn_rng_next (NnRng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl (s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
nn_rng_uniform (NnRng *r)
{
  return (float) (nn_rng_next (r) >> 40) * (1.0f / 16777216.0f);
}

uint64_t
nn_rng_below (NnRng   *r,
              uint64_t n)
{
  /* Lemire's multiply-and-reject. */
  unsigned __int128 p = (unsigned __int128) nn_rng_next (r) * n;
  uint64_t low = (uint64_t) p;

  if (low < n)
    {
      uint64_t threshold = -n % n;
      while (low < threshold)
        {
          p = (unsigned __int128) nn_rng_next (r) * n;
          low = (uint64_t) p;
        }
    }
  return (uint64_t) (p >> 64);
}

char *
nn_strdup_printf (const char *format,
                  ...)
{
  va_list args;
  char *s = NULL;

  va_start (args, format);
  if (vasprintf (&s, format, args) < 0)
    s = NULL;
  va_end (args);
  return s;
}

void
nn_set_error (char      **err,
              const char *format,
              ...)
{
  va_list args;
  char *s = NULL;

  if (err == NULL)
    return;
  va_start (args, format);
  if (vasprintf (&s, format, args) < 0)
    s = NULL;
  va_end (args);
  free (*err);
  *err = s;
}

/* Work below this many floats per thread is not worth a thread. */
#define NN_PASS_MIN_FLOATS (1 << 16)

size_t
nn_pass_min_items (size_t floats_per_item)
{
  return NN_PASS_MIN_FLOATS / (floats_per_item ? floats_per_item : 1) + 1;
}

NN_CLONES static void
bias_act_rows (float *y, size_t rows, int n, const float *b, int relu)
{
  for (size_t r = 0; r < rows; r++)
    {
      float *row = y + r * n;
      if (relu)
        for (int o = 0; o < n; o++)
          {
            float v = row[o] + b[o];
            row[o] = v > 0.0f ? v : 0.0f;
          }
      else
        for (int o = 0; o < n; o++)
          row[o] += b[o];
    }
}

typedef struct
{
  float       *y;
  const float *b;
  int          n, relu;
} BiasAct;

static void
bias_act_range (size_t begin, size_t end, void *ctx)
{
  BiasAct *a = ctx;

  bias_act_rows (a->y + begin * a->n, end - begin, a->n, a->b, a->relu);
}

static void
bias_act (float *y, size_t rows, int n, const float *b, int relu)
{
  BiasAct a = { y, b, n, relu };

  nn_parallel_for (rows, nn_pass_min_items (n), bias_act_range, &a);
}

/* dy *= (y > 0), and db = column sums of dy, in one pass. */
NN_CLONES static void
relu_bias_grad_rows (const float *y, float *dy, size_t rows, int n, int relu, float *db)
{
  memset (db, 0, sizeof (float) * n);
  for (size_t r = 0; r < rows; r++)
    {
      float *drow = dy + r * n;
      if (relu)
        {
          const float *yrow = y + r * n;
          for (int o = 0; o < n; o++)
            {
              float d = yrow[o] > 0.0f ? drow[o] : 0.0f;
              drow[o] = d;
              db[o] += d;
            }
        }
      else
        for (int o = 0; o < n; o++)
          db[o] += drow[o];
    }
}

typedef struct
{
  const float *y;
  float       *dy, *db_parts;
  size_t       rows, stride;
  int          n, relu, parts;
} ReluBiasGrad;

static void
relu_bias_grad_range (size_t begin, size_t end, void *ctx)
{
  ReluBiasGrad *a = ctx;

  for (size_t part = begin; part < end; part++)
    {
      size_t r0 = a->rows * part / a->parts, r1 = a->rows * (part + 1) / a->parts;
      relu_bias_grad_rows (a->y + r0 * a->n, a->dy + r0 * a->n, r1 - r0, a->n, a->relu,
                           a->db_parts + part * a->stride);
    }
}

/* Rows split over the threads, each summing its own part of db; the parts
 * are added in a fixed order, so a thread count gives one result. */
void
nn_relu_bias_grad (const float *y,
                   float       *dy,
                   size_t       rows,
                   int          n,
                   int          relu,
                   float       *db)
{
  int parts = nn_blas_threads ();
  size_t stride = nn_part_stride (n);
  float *db_parts;
  ReluBiasGrad a;

  if (parts > NN_MAX_PASS_THREADS)
    parts = NN_MAX_PASS_THREADS;
  if (parts <= 1 || rows * n < 2 * NN_PASS_MIN_FLOATS
      || (db_parts = aligned_alloc (64, sizeof (float) * parts * stride)) == NULL)
    {
      relu_bias_grad_rows (y, dy, rows, n, relu, db);
      return;
    }
  a = (ReluBiasGrad) { y, dy, db_parts, rows, stride, n, relu, parts };
  nn_parallel_for ((size_t) parts, 1, relu_bias_grad_range, &a);
  memcpy (db, db_parts, sizeof (float) * n);
  for (int part = 1; part < parts; part++)
    for (int o = 0; o < n; o++)
      db[o] += db_parts[part * stride + o];
  free (db_parts);
}

typedef struct
{
  const float *dy;
  float       *pad;
  int          L_out, L, C;
} PadRows;

static void
pad_rows_range (size_t begin, size_t end, void *ctx)
{
  PadRows *a = ctx;

  for (size_t s = begin; s < end; s++)
    {
      memcpy (a->pad + s * a->L * a->C, a->dy + s * a->L_out * a->C,
              sizeof (float) * a->L_out * a->C);
      memset (a->pad + (s * a->L + a->L_out) * a->C, 0,
              sizeof (float) * (a->L - a->L_out) * a->C);
    }
}

/* Compact rows (B x L_out) to rows of stride L, zeros in between. */
static void
pad_rows (const float *dy, int B, int L_out, int L, int C, float *pad)
{
  PadRows a = { dy, pad, L_out, L, C };

  nn_parallel_for (B, nn_pass_min_items ((size_t) L * C), pad_rows_range, &a);
}

/* y[r][o] = b[o] + sum_j win_r[j] w[o][j] for short windows, vectorised
 * over the output channels; samples s0 … s1 - 1. */
NN_CLONES static void
conv1d_direct_forward_samples (const float *x, size_t s0, size_t s1, int L, int C_in,
                               const float *w, const float *b, int C_out, int K, int relu,
                               float *y)
{
  int L_out = L - K + 1, KC = K * C_in;
  float wt[NN_DIRECT_KC * C_out];

  nn_conv1d_direct_weights (w, C_out, KC, wt);
  for (size_t s = s0; s < s1; s++)
    nn_conv1d_direct_sample (x + s * L * C_in, L, C_in, wt, b, C_out, K, relu,
                             y + s * L_out * C_out);
}

typedef struct
{
  const float *x, *w, *b;
  float       *y;
  int          L, C_in, C_out, K, relu;
} DirectForward;

static void
conv1d_direct_forward_range (size_t begin, size_t end, void *ctx)
{
  DirectForward *a = ctx;

  conv1d_direct_forward_samples (a->x, begin, end, a->L, a->C_in, a->w, a->b, a->C_out, a->K,
                                 a->relu, a->y);
}

/* The first layer (one input channel) costs almost no arithmetic; its
 * time is the writing of its output to memory (2.2 MB for 64 spectra,
 * kept for the backward pass), which two threads do in half the time
 * (0.25 against 0.5 ms a training step, Zen 5). */
static void
conv1d_direct_forward (const float *x, int B, int L, int C_in, const float *w, const float *b,
                       int C_out, int K, int relu, float *y)
{
  DirectForward a = { x, w, b, y, L, C_in, C_out, K, relu };

  nn_parallel_for (B, nn_pass_min_items ((size_t) (L - K + 1) * C_out), conv1d_direct_forward_range,
                   &a);
}

void
nn_conv1d_forward (const float *x,
                   int          B,
                   int          L,
                   int          C_in,
                   const float *w,
                   const float *b,
                   int          C_out,
                   int          K,
                   int          relu,
                   float       *col,
                   float       *y)
{
  int L_out = L - K + 1;
  int KC = K * C_in;
  size_t M = (size_t) B * L_out;

  if (NN_USE_DIRECT (KC, C_out))
    {
      conv1d_direct_forward (x, B, L, C_in, w, b, C_out, K, relu, y);
      return;
    }
  (void) M;
  nn_conv1d_forward_raw (x, B, L, C_in, w, C_out, K, col);
  nn_bias_act_compact (col, B, L, L_out, C_out, b, relu, y);
}

/* dwt[j][o] = sum_r dy[r][o] win_r[j] over samples s0 … s1 - 1 (dw
 * transposed, so that the inner loop runs over the output channels), db
 * the sums of dy, and dx[win_r + j] += sum_o dy[r][o] w[o][j] when dx is
 * not NULL; dy masked by the ReLU (@y > 0) on the way when @relu, a row at
 * a time in the cache (as nn_relu_bias_grad would in a pass of its own). */
NN_CLONES static void
conv1d_direct_backward_samples (const float *x, size_t s0, size_t s1, int L, int C_in,
                                const float *w, int C_out, int K, const float *y, int relu,
                                const float *dy, float *dwt, float *db, float *dx)
{
  int L_out = L - K + 1, KC = K * C_in;
  float d[C_out];

  memset (dwt, 0, sizeof (float) * KC * C_out);
  memset (db, 0, sizeof (float) * C_out);
  if (dx != NULL)
    memset (dx + s0 * L * C_in, 0, sizeof (float) * (s1 - s0) * L * C_in);
  for (size_t s = s0; s < s1; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *win = x + (s * L + t) * C_in;
        const float *drow = dy + (s * L_out + t) * C_out, *yrow = y + (s * L_out + t) * C_out;
        for (int o = 0; o < C_out; o++)
          {
            d[o] = !relu || yrow[o] > 0.0f ? drow[o] : 0.0f;
            db[o] += d[o];
          }
        for (int j = 0; j < KC; j++)
          {
            float v = win[j];
            float *dj = dwt + j * C_out;
            for (int o = 0; o < C_out; o++)
              dj[o] += v * d[o];
          }
        if (dx != NULL)
          {
            float *dwin = dx + (s * L + t) * C_in;
            for (int j = 0; j < KC; j++)
              {
                float acc = 0.0f;
                for (int o = 0; o < C_out; o++)
                  acc += d[o] * w[o * KC + j];
                dwin[j] += acc;
              }
          }
      }
}

typedef struct
{
  const float *x, *w, *y, *dy;
  float       *sums, *dx;
  size_t       stride;
  int          B, L, C_in, C_out, K, relu, parts;
} DirectBackward;

static void
conv1d_direct_backward_parts (size_t begin, size_t end, void *ctx)
{
  DirectBackward *a = ctx;
  size_t KC = (size_t) a->K * a->C_in;

  for (size_t part = begin; part < end; part++)
    {
      float *dwt = a->sums + part * a->stride;
      conv1d_direct_backward_samples (a->x, a->B * part / a->parts, a->B * (part + 1) / a->parts,
                                      a->L, a->C_in, a->w, a->C_out, a->K, a->y, a->relu, a->dy,
                                      dwt, dwt + KC * a->C_out, a->dx);
    }
}

/* Parts of whole samples on the threads, each with its own sums of dw and
 * db (dwt, then db, on cache lines of their own), added in a fixed order:
 * a thread count gives one result. */
static void
conv1d_direct_backward (const float *x, int B, int L, int C_in, const float *w, int C_out, int K,
                        const float *y, int relu, const float *dy, float *dw, float *db,
                        float *dx)
{
  int KC = K * C_in, parts = nn_blas_threads ();
  size_t min = nn_pass_min_items ((size_t) (L - K + 1) * C_out), n = (size_t) (KC + 1) * C_out;
  size_t stride = nn_part_stride (n);
  float *sums;
  DirectBackward a;

  if (parts > NN_MAX_PASS_THREADS)
    parts = NN_MAX_PASS_THREADS;
  if ((size_t) parts > (size_t) B / min)
    parts = (int) ((size_t) B / min);
  if (parts < 1)
    parts = 1;
  sums = aligned_alloc (64, sizeof (float) * parts * stride);
  if (sums == NULL)
    abort (); /* a few kB: as fatal as any other allocation failure here */
  a = (DirectBackward) { x, w, y, dy, sums, dx, stride, B, L, C_in, C_out, K, relu, parts };
  nn_parallel_for ((size_t) parts, 1, conv1d_direct_backward_parts, &a);
  for (int part = 1; part < parts; part++)
    for (size_t i = 0; i < n; i++)
      sums[i] += sums[part * stride + i];
  for (int o = 0; o < C_out; o++)
    for (int j = 0; j < KC; j++)
      dw[o * KC + j] = sums[j * C_out + o];
  memcpy (db, sums + (size_t) KC * C_out, sizeof (float) * C_out);
  free (sums);
}

void
nn_conv1d_backward (const float *x,
                    const float *col,
                    int          B,
                    int          L,
                    int          C_in,
                    const float *w,
                    int          C_out,
                    int          K,
                    int          relu,
                    const float *y,
                    float       *dy,
                    float       *dw,
                    float       *db,
                    float       *dcol,
                    float       *dx)
{
  int L_out = L - K + 1;
  int KC = K * C_in;
  size_t M = (size_t) B * L_out, R = (size_t) B * L - (K - 1);

  if (NN_USE_DIRECT (KC, C_out))
    {
      conv1d_direct_backward (x, B, L, C_in, w, C_out, K, y, relu, dy, dw, db, dx);
      return;
    }
  nn_relu_bias_grad (y, dy, M, C_out, relu, db);
  /* dy in the layout of the forward pass's raw output (row s*L + t),
   * zero on the junk rows, so that every shift of x is one GEMM again. */
  (void) col;
  pad_rows (dy, B, L_out, L, C_out, dcol);
  for (int k = 0; k < K; k++)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C_out, C_in, (int) R, 1.0f, dcol, C_out,
                 x + (size_t) k * C_in, C_in, 0.0f, dw + (size_t) k * C_in, KC);
  if (dx == NULL)
    return;
  /* dx[r + k] += dy[r] W_k, r over all rows: the junk rows add zeros. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) R, C_in, C_out, 1.0f, dcol, C_out,
               w, KC, 0.0f, dx, C_in);
  memset (dx + R * C_in, 0, sizeof (float) * (K - 1) * C_in);
  for (int k = 1; k < K; k++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) R, C_in, C_out, 1.0f, dcol,
                 C_out, w + (size_t) k * C_in, KC, 1.0f, dx + (size_t) k * C_in, C_in);
}

int
nn_conv1d_forward_raw (const float *x,
                       int          B,
                       int          L,
                       int          C_in,
                       const float *w,
                       int          C_out,
                       int          K,
                       float       *raw)
{
  int KC = K * C_in;
  size_t R = (size_t) B * L - (K - 1);

  if (NN_USE_DIRECT (KC, C_out))
    return 0;
  /* raw[r] = sum_k x[r + k] W_k: the whole batch as one sequence, each
   * shift of the input a plain matrix (row stride C_in), no copy.  Rows
   * whose window crosses into the next sample are computed and ignored
   * (K - 1 per sample). */
  for (int k = 0; k < K; k++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) R, C_out, C_in, 1.0f,
                 x + (size_t) k * C_in, C_in, w + (size_t) k * C_in, KC, k > 0 ? 1.0f : 0.0f, raw,
                 C_out);
  return 1;
}

NN_CLONES static void
bias_act_compact_samples (const float *raw, size_t s0, size_t s1, int S, int L_out, int C,
                          const float *b, int relu, float *y)
{
  for (size_t s = s0; s < s1; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = raw + (s * S + t) * C;
        float *out = y + (s * L_out + t) * C;
        if (relu)
          for (int c = 0; c < C; c++)
            {
              float v = in[c] + b[c];
              out[c] = v > 0.0f ? v : 0.0f;
            }
        else
          for (int c = 0; c < C; c++)
            out[c] = in[c] + b[c];
      }
}

typedef struct
{
  const float *raw, *b;
  float       *y;
  int          S, L_out, C, relu;
} BiasActCompact;

static void
bias_act_compact_range (size_t begin, size_t end, void *ctx)
{
  BiasActCompact *a = ctx;

  bias_act_compact_samples (a->raw, begin, end, a->S, a->L_out, a->C, a->b, a->relu, a->y);
}

void
nn_bias_act_compact (const float *raw,
                     int          B,
                     int          S,
                     int          L_out,
                     int          C,
                     const float *b,
                     int          relu,
                     float       *y)
{
  BiasActCompact a = { raw, b, y, S, L_out, C, relu };

  nn_parallel_for (B, nn_pass_min_items ((size_t) L_out * C), bias_act_compact_range, &a);
}

/* relu (max (y) + b) = max (relu (y + b)): bias and ReLU after the pool,
 * on half the values, in the same pass. */
NN_CLONES static void
pool_bias_relu_samples (const float *x, size_t s0, size_t s1, int S, int L, int C, int P,
                        const float *b, float *y)
{
  int L_out = L / P;

  for (size_t s = s0; s < s1; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + ((size_t) s * S + (size_t) t * P) * C;
        float *out = y + ((size_t) s * L_out + t) * C;
        for (int c = 0; c < C; c++)
          {
            float v = in[c];
            for (int p = 1; p < P; p++)
              v = in[p * C + c] > v ? in[p * C + c] : v;
            v += b[c];
            out[c] = v > 0.0f ? v : 0.0f;
          }
      }
}

typedef struct
{
  const float *x, *b;
  float       *y;
  int          S, L, C, P;
} PoolBiasRelu;

static void
pool_bias_relu_range (size_t begin, size_t end, void *ctx)
{
  PoolBiasRelu *a = ctx;

  pool_bias_relu_samples (a->x, begin, end, a->S, a->L, a->C, a->P, a->b, a->y);
}

void
nn_maxpool_bias_relu (const float *x,
                      int          B,
                      int          S,
                      int          L,
                      int          C,
                      int          P,
                      const float *b,
                      float       *y)
{
  PoolBiasRelu a = { x, b, y, S, L, C, P };

  nn_parallel_for (B, nn_pass_min_items ((size_t) L * C), pool_bias_relu_range, &a);
}

NN_CLONES static void
maxpool_forward_samples (const float *x, size_t s0, size_t s1, int L, int C, int P, float *y)
{
  int L_out = L / P;

  for (size_t s = s0; s < s1; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + (s * L + (size_t) t * P) * C;
        float *out = y + (s * L_out + t) * C;
        memcpy (out, in, sizeof (float) * C);
        for (int p = 1; p < P; p++)
          for (int c = 0; c < C; c++)
            out[c] = in[p * C + c] > out[c] ? in[p * C + c] : out[c];
      }
}

NN_CLONES static void
maxpool_backward_samples (const float *x, size_t s0, size_t s1, int L, int C, int P,
                          const float *dy, float *dx)
{
  int L_out = L / P;

  if (P == 2)
    {
      /* The network's pools: every input position written once, by a
       * branch-free select that vectorises, so no memset pass first. */
      for (size_t s = s0; s < s1; s++)
        {
          for (int t = 0; t < L_out; t++)
            {
              const float *in = x + (s * L + (size_t) t * 2) * C;
              float *din = dx + (s * L + (size_t) t * 2) * C;
              const float *d = dy + (s * L_out + t) * C;
              for (int c = 0; c < C; c++)
                {
                  /* The first maximum takes the gradient, as in PyTorch. */
                  int second = in[C + c] > in[c];
                  din[c] = second ? 0.0f : d[c];
                  din[C + c] = second ? d[c] : 0.0f;
                }
            }
          memset (dx + (s * L + (size_t) L_out * 2) * C, 0,
                  sizeof (float) * (L - L_out * 2) * C);
        }
      return;
    }
  memset (dx + s0 * L * C, 0, sizeof (float) * (s1 - s0) * L * C);
  for (size_t s = s0; s < s1; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + (s * L + (size_t) t * P) * C;
        float *din = dx + (s * L + (size_t) t * P) * C;
        const float *d = dy + (s * L_out + t) * C;
        for (int c = 0; c < C; c++)
          {
            /* The first maximum takes the gradient, as in PyTorch. */
            int best = 0;
            for (int p = 1; p < P; p++)
              if (in[p * C + c] > in[best * C + c])
                best = p;
            din[best * C + c] = d[c];
          }
      }
}

typedef struct
{
  const float *x, *dy;
  float       *y, *dx;
  int          L, C, P;
} MaxPool;

static void
maxpool_forward_range (size_t begin, size_t end, void *ctx)
{
  MaxPool *a = ctx;

  maxpool_forward_samples (a->x, begin, end, a->L, a->C, a->P, a->y);
}

static void
maxpool_backward_range (size_t begin, size_t end, void *ctx)
{
  MaxPool *a = ctx;

  maxpool_backward_samples (a->x, begin, end, a->L, a->C, a->P, a->dy, a->dx);
}

void
nn_maxpool_forward (const float *x,
                    int          B,
                    int          L,
                    int          C,
                    int          P,
                    float       *y)
{
  MaxPool a = { x, NULL, y, NULL, L, C, P };

  nn_parallel_for (B, nn_pass_min_items ((size_t) L * C), maxpool_forward_range, &a);
}

void
nn_maxpool_backward (const float *x,
                     int          B,
                     int          L,
                     int          C,
                     int          P,
                     const float *dy,
                     float       *dx)
{
  MaxPool a = { x, dy, NULL, dx, L, C, P };

  nn_parallel_for (B, nn_pass_min_items ((size_t) L * C), maxpool_backward_range, &a);
}

void
nn_dense_forward (const float *x,
                  int          B,
                  int          in,
                  const float *w,
                  const float *b,
                  int          out,
                  int          relu,
                  float       *y)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0f, x, in, w, in, 0.0f, y,
               out);
  bias_act (y, B, out, b, relu);
}

void
nn_dense_backward (const float *x,
                   int          B,
                   int          in,
                   const float *w,
                   int          out,
                   int          relu,
                   const float *y,
                   float       *dy,
                   float       *dw,
                   float       *db,
                   float       *dx)
{
  nn_relu_bias_grad (y, dy, B, out, relu, db);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dy, out, x, in, 1.0f, dw,
               in);
  if (dx != NULL)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, dy, out, w, in, 0.0f,
                 dx, in);
}

void
nn_dropout_forward (const float *x,
                    size_t       n,
                    float        rate,
                    NnRng       *rng,
                    float       *mask,
                    float       *y)
{
  float keep = 1.0f / (1.0f - rate);
  uint64_t threshold = nn_dropout_threshold (rate);

  for (size_t i = 0; i < n; i++)
    {
      mask[i] = nn_dropout_mask (rng, threshold, keep);
      y[i] = x[i] * mask[i];
    }
}

void
nn_dropout_backward (const float *mask,
                     size_t       n,
                     const float *dy,
                     float       *dx)
{
  for (size_t i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

void
nn_softmax (const float *logits,
            int          B,
            int          C,
            float       *probs)
{
  for (int s = 0; s < B; s++)
    {
      const float *z = logits + (size_t) s * C;
      float *p = probs + (size_t) s * C;
      float max = z[0], sum = 0.0f;
      for (int c = 1; c < C; c++)
        max = z[c] > max ? z[c] : max;
      for (int c = 0; c < C; c++)
        sum += (p[c] = expf (z[c] - max));
      for (int c = 0; c < C; c++)
        p[c] /= sum;
    }
}

float
nn_softmax_xent (const float *logits,
                 int          B,
                 int          C,
                 const int   *labels,
                 float       *probs,
                 float       *dlogits)
{
  double loss = 0.0;

  for (int s = 0; s < B; s++)
    {
      const float *z = logits + (size_t) s * C;
      float *p = probs + (size_t) s * C;
      float max = z[0];
      double sum = 0.0;
      for (int c = 1; c < C; c++)
        max = z[c] > max ? z[c] : max;
      for (int c = 0; c < C; c++)
        sum += (p[c] = expf (z[c] - max));
      for (int c = 0; c < C; c++)
        p[c] = (float) (p[c] / sum);
      /* log-sum-exp form: finite even when p underflows to 0. */
      loss += log (sum) + max - z[labels[s]];
      if (dlogits != NULL)
        for (int c = 0; c < C; c++)
          dlogits[(size_t) s * C + c] = (p[c] - (c == labels[s] ? 1.0f : 0.0f)) / (float) B;
    }
  return (float) (loss / B);
}
