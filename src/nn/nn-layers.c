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

/* Convolutions whose window (K * C_in values) is this short are computed
 * directly: a GEMM with K = 3 (the first layer) runs at a tenth of the
 * machine's speed. */
#define NN_DIRECT_KC 8
#define NN_USE_DIRECT(KC, C_out) ((KC) <= NN_DIRECT_KC && (C_out) <= 4096)

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

NN_CLONES static void
bias_act (float *y, size_t rows, int n, const float *b, int relu)
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

/* dy *= (y > 0), and db = column sums of dy, in one pass. */
NN_CLONES static void
relu_bias_grad (const float *y, float *dy, size_t rows, int n, int relu, float *db)
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

/* y[r][o] = b[o] + sum_j win_r[j] w[o][j] for short windows, vectorised
 * over the output channels. */
NN_CLONES static void
conv1d_direct_forward (const float *x, int B, int L, int C_in, const float *w, const float *b,
                       int C_out, int K, int relu, float *y)
{
  int L_out = L - K + 1, KC = K * C_in;
  float wt[NN_DIRECT_KC * C_out];

  for (int o = 0; o < C_out; o++)
    for (int j = 0; j < KC; j++)
      wt[j * C_out + o] = w[o * KC + j];
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *win = x + ((size_t) s * L + t) * C_in;
        float *row = y + ((size_t) s * L_out + t) * C_out;
        for (int o = 0; o < C_out; o++)
          row[o] = b[o];
        for (int j = 0; j < KC; j++)
          {
            float v = win[j];
            const float *wj = wt + j * C_out;
            for (int o = 0; o < C_out; o++)
              row[o] += v * wj[o];
          }
        if (relu)
          for (int o = 0; o < C_out; o++)
            row[o] = row[o] > 0.0f ? row[o] : 0.0f;
      }
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
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      memcpy (col + ((size_t) s * L_out + t) * KC, x + ((size_t) s * L + t) * C_in,
              sizeof (float) * KC);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) M, C_out, KC, 1.0f, col, KC, w, KC,
               0.0f, y, C_out);
  bias_act (y, M, C_out, b, relu);
}

/* dw[o][j] = sum_r dy[r][o] win_r[j]; dx[win_r + j] += sum_o dy[r][o] w[o][j]. */
NN_CLONES static void
conv1d_direct_backward (const float *x, int B, int L, int C_in, const float *w, int C_out, int K,
                        const float *dy, float *dw, float *dx)
{
  int L_out = L - K + 1, KC = K * C_in;
  float dwt[NN_DIRECT_KC * C_out];

  memset (dwt, 0, sizeof (float) * KC * C_out);
  if (dx != NULL)
    memset (dx, 0, sizeof (float) * (size_t) B * L * C_in);
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *win = x + ((size_t) s * L + t) * C_in;
        const float *drow = dy + ((size_t) s * L_out + t) * C_out;
        for (int j = 0; j < KC; j++)
          {
            float v = win[j];
            float *dj = dwt + j * C_out;
            for (int o = 0; o < C_out; o++)
              dj[o] += v * drow[o];
          }
        if (dx != NULL)
          {
            float *dwin = dx + ((size_t) s * L + t) * C_in;
            for (int j = 0; j < KC; j++)
              {
                float acc = 0.0f;
                for (int o = 0; o < C_out; o++)
                  acc += drow[o] * w[o * KC + j];
                dwin[j] += acc;
              }
          }
      }
  for (int o = 0; o < C_out; o++)
    for (int j = 0; j < KC; j++)
      dw[o * KC + j] = dwt[j * C_out + o];
}

NN_CLONES static void
col2im_add (const float *dcol, int B, int L, int L_out, int C_in, int KC, float *dx)
{
  memset (dx, 0, sizeof (float) * (size_t) B * L * C_in);
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *src = dcol + ((size_t) s * L_out + t) * KC;
        float *dst = dx + ((size_t) s * L + t) * C_in;
        for (int j = 0; j < KC; j++)
          dst[j] += src[j];
      }
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
  size_t M = (size_t) B * L_out;

  relu_bias_grad (y, dy, M, C_out, relu, db);
  if (NN_USE_DIRECT (KC, C_out))
    {
      conv1d_direct_backward (x, B, L, C_in, w, C_out, K, dy, dw, dx);
      return;
    }
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C_out, KC, (int) M, 1.0f, dy, C_out, col,
               KC, 0.0f, dw, KC);
  if (dx == NULL)
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) M, KC, C_out, 1.0f, dy, C_out, w,
               KC, 0.0f, dcol, KC);
  /* col2im: the window of output t covers input rows t..t+K-1. */
  col2im_add (dcol, B, L, L_out, C_in, KC, dx);
}

int
nn_conv1d_forward_raw (const float *x,
                       int          B,
                       int          L,
                       int          C_in,
                       const float *w,
                       int          C_out,
                       int          K,
                       float       *col,
                       float       *y)
{
  int L_out = L - K + 1;
  int KC = K * C_in;
  size_t M = (size_t) B * L_out;

  if (NN_USE_DIRECT (KC, C_out))
    return 0;
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      memcpy (col + ((size_t) s * L_out + t) * KC, x + ((size_t) s * L + t) * C_in,
              sizeof (float) * KC);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) M, C_out, KC, 1.0f, col, KC, w, KC,
               0.0f, y, C_out);
  return 1;
}

/* relu (max (y) + b) = max (relu (y + b)): bias and ReLU after the pool,
 * on half the values, in the same pass. */
NN_CLONES void
nn_maxpool_bias_relu (const float *x,
                      int          B,
                      int          L,
                      int          C,
                      int          P,
                      const float *b,
                      float       *y)
{
  int L_out = L / P;

  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + ((size_t) s * L + (size_t) t * P) * C;
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

NN_CLONES void
nn_maxpool_forward (const float *x,
                    int          B,
                    int          L,
                    int          C,
                    int          P,
                    float       *y)
{
  int L_out = L / P;

  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + ((size_t) s * L + (size_t) t * P) * C;
        float *out = y + ((size_t) s * L_out + t) * C;
        memcpy (out, in, sizeof (float) * C);
        for (int p = 1; p < P; p++)
          for (int c = 0; c < C; c++)
            out[c] = in[p * C + c] > out[c] ? in[p * C + c] : out[c];
      }
}

NN_CLONES void
nn_maxpool_backward (const float *x,
                     int          B,
                     int          L,
                     int          C,
                     int          P,
                     const float *dy,
                     float       *dx)
{
  int L_out = L / P;

  memset (dx, 0, sizeof (float) * (size_t) B * L * C);
  for (int s = 0; s < B; s++)
    for (int t = 0; t < L_out; t++)
      {
        const float *in = x + ((size_t) s * L + (size_t) t * P) * C;
        float *din = dx + ((size_t) s * L + (size_t) t * P) * C;
        const float *d = dy + ((size_t) s * L_out + t) * C;
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
  relu_bias_grad (y, dy, B, out, relu, db);
  cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dy, out, x, in, 0.0f, dw,
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

  for (size_t i = 0; i < n; i++)
    {
      mask[i] = nn_rng_uniform (rng) >= rate ? keep : 0.0f;
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
