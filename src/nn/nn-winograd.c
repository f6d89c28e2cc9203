/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kernel-3 convolutions by Winograd's minimal filtering F(4,3), forward
 * and backward (see nn-private.h for the layouts).
 *
 * With the interpolation points 0, ±1, ±2 and ∞, a tile of 4 outputs of a
 * valid correlation y[t] = sum_k d[t + k] g[k] is
 *   y = A^T [(G g) ⊙ (B^T d)]
 * for the 6 inputs d of the tile.  Summed over input channels, the
 * element-wise product becomes 6 matrix products, one per point, that go
 * to cblas_sgemm: half the multiplications of the direct convolution.
 * The backward pass is the exact adjoint of the same computation:
 *   dM = A dy,  dU = dM^T V,  dw = G^T dU,  dV = dM U,  dx = B dV
 * (the last one adding the two inputs that neighbouring tiles share).
 * Rounding: the points keep the transforms' coefficients at most 8 and
 * 1/24, about a digit of float precision in all (checked against the
 * shifted-GEMM convolution in the tests). */
#include "nn/nn-private.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#define P NN_WINOGRAD_POINTS /* 6 points per tile */
#define TILE 4               /* outputs per tile */

static NnConvAlgorithm conv_algorithm = NN_CONV_AUTO;

void
nn_conv_set_algorithm (NnConvAlgorithm a)
{
  conv_algorithm = a;
}

NnConvAlgorithm
nn_conv_get_algorithm (void)
{
  return conv_algorithm;
}

int
nn_winograd_applies (int K,
                     int C_in,
                     int C_out,
                     int L)
{
  if (K != 3 || L < 3 || conv_algorithm == NN_CONV_GEMM)
    return 0;
  if (conv_algorithm == NN_CONV_WINOGRAD)
    return 1;
  /* A window of fewer than 16 values (the first layer) is computed
   * directly, faster than any GEMM with such a short inner dimension. */
  return 3 * C_in >= 16 && C_out >= 8;
}

size_t
nn_winograd_tiles (int B,
                   int L_out)
{
  return (size_t) B * ((L_out + TILE - 1) / TILE);
}

/* u[xi][o][c] = sum_k G[xi][k] w[o][k][c]. */
NN_CLONES static void
weights_rows (const float *w, size_t o0, size_t o1, int C_out, int C_in, float *u)
{
  size_t plane = (size_t) C_out * C_in;

  for (size_t o = o0; o < o1; o++)
    {
      const float *g0 = w + o * 3 * C_in, *g1 = g0 + C_in, *g2 = g1 + C_in;
      float *u0 = u + o * C_in;
      for (int c = 0; c < C_in; c++)
        {
          float a = g0[c], b = g1[c], d = g2[c];
          float even = a * (1.0f / 24.0f) + d * (1.0f / 6.0f);
          u0[c] = a * 0.25f;
          u0[plane + c] = -(a + b + d) * (1.0f / 6.0f);
          u0[2 * plane + c] = -(a - b + d) * (1.0f / 6.0f);
          u0[3 * plane + c] = even + b * (1.0f / 12.0f);
          u0[4 * plane + c] = even - b * (1.0f / 12.0f);
          u0[5 * plane + c] = d;
        }
    }
}

typedef struct
{
  const float *w, *u;
  float       *out;
  int          C_out, C_in;
} WeightsArgs;

static void
weights_range (size_t begin, size_t end, void *ctx)
{
  WeightsArgs *a = ctx;

  weights_rows (a->w, begin, end, a->C_out, a->C_in, a->out);
}

void
nn_winograd_weights (const float *w,
                     int          C_out,
                     int          C_in,
                     float       *u)
{
  WeightsArgs a = { w, NULL, u, C_out, C_in };

  nn_parallel_for (C_out, nn_pass_min_items ((size_t) 3 * C_in), weights_range, &a);
}

/* dw[o][k][c] = sum_xi G[xi][k] du[xi][o][c]. */
NN_CLONES static void
weights_grad_rows (const float *du, size_t o0, size_t o1, int C_out, int C_in, float *dw)
{
  size_t plane = (size_t) C_out * C_in;

  for (size_t o = o0; o < o1; o++)
    {
      const float *d0 = du + o * C_in;
      float *g0 = dw + o * 3 * C_in, *g1 = g0 + C_in, *g2 = g1 + C_in;
      for (int c = 0; c < C_in; c++)
        {
          float m0 = d0[c], m1 = d0[plane + c], m2 = d0[2 * plane + c];
          float m3 = d0[3 * plane + c], m4 = d0[4 * plane + c], m5 = d0[5 * plane + c];
          float s12 = m1 + m2, s34 = m3 + m4;
          g0[c] = m0 * 0.25f - s12 * (1.0f / 6.0f) + s34 * (1.0f / 24.0f);
          g1[c] = (m2 - m1) * (1.0f / 6.0f) + (m3 - m4) * (1.0f / 12.0f);
          g2[c] = (s34 - s12) * (1.0f / 6.0f) + m5;
        }
    }
}

static void
weights_grad_range (size_t begin, size_t end, void *ctx)
{
  WeightsArgs *a = ctx;

  weights_grad_rows (a->u, begin, end, a->C_out, a->C_in, a->out);
}

/* V = B^T d for every tile of samples s0 … s1 - 1: v[tile][xi][c]. */
NN_CLONES static void
input_transform_samples (const float *x, size_t s0, size_t s1, int L, int C, const float *zero,
                         float *v)
{
  int T_s = (int) nn_winograd_tiles (1, L - 2);

  for (size_t s = s0; s < s1; s++)
    for (int j = 0; j < T_s; j++)
      {
        const float *d[P];
        float *out = v + ((s * T_s + j) * P) * C;
        for (int i = 0; i < P; i++)
          d[i] = TILE * j + i < L ? x + (s * L + TILE * j + i) * C : zero;
        for (int c = 0; c < C; c++)
          {
            float d0 = d[0][c], d1 = d[1][c], d2 = d[2][c], d3 = d[3][c], d4 = d[4][c],
                  d5 = d[5][c];
            float t1 = d4 - 4.0f * d2, t2 = d3 - 4.0f * d1;
            float t3 = d4 - d2, t4 = 2.0f * (d3 - d1);
            out[c] = 4.0f * d0 - 5.0f * d2 + d4;
            out[C + c] = t1 + t2;
            out[2 * C + c] = t1 - t2;
            out[3 * C + c] = t3 + t4;
            out[4 * C + c] = t3 - t4;
            out[5 * C + c] = 4.0f * d1 - 5.0f * d3 + d5;
          }
      }
}

/* y = act (A^T M + b) for samples s0 … s1 - 1, optionally max-pooled by
 * 2 (relu (max (y) + b) = max (relu (y + b))). */
NN_CLONES static void
output_transform_samples (const float *mbuf, size_t s0, size_t s1, int L_out, int C,
                          const float *b, int relu, int pool, float *y)
{
  int T_s = (int) nn_winograd_tiles (1, L_out), L_pool = L_out / 2;

  for (size_t s = s0; s < s1; s++)
    for (int j = 0; j < T_s; j++)
      {
        const float *m = mbuf + ((s * T_s + j) * P) * C;
        int t0 = TILE * j;
        if (pool == 2)
          {
            float *p0 = y + (s * L_pool + 2 * j) * C, *p1 = p0 + C;
            int have0 = 2 * j < L_pool, have1 = 2 * j + 1 < L_pool;
            if (!have0)
              continue;
            for (int c = 0; c < C; c++)
              {
                float m0 = m[c], m1 = m[C + c], m2 = m[2 * C + c];
                float m3 = m[3 * C + c], m4 = m[4 * C + c], m5 = m[5 * C + c];
                float a12 = m1 + m2, s12 = m1 - m2, a34 = m3 + m4, s34 = m3 - m4;
                float y0 = m0 + a12 + a34, y1 = s12 + 2.0f * s34;
                float v = (y0 > y1 ? y0 : y1) + b[c];
                p0[c] = v > 0.0f ? v : 0.0f;
                if (have1)
                  {
                    float y2 = a12 + 4.0f * a34, y3 = s12 + 8.0f * s34 + m5;
                    float w = (y2 > y3 ? y2 : y3) + b[c];
                    p1[c] = w > 0.0f ? w : 0.0f;
                  }
              }
            continue;
          }
        {
          float *r[TILE] = { NULL };
          int n = L_out - t0 < TILE ? L_out - t0 : TILE;
          for (int i = 0; i < n; i++)
            r[i] = y + (s * L_out + t0 + i) * C;
          for (int c = 0; c < C; c++)
            {
              float m0 = m[c], m1 = m[C + c], m2 = m[2 * C + c];
              float m3 = m[3 * C + c], m4 = m[4 * C + c], m5 = m[5 * C + c];
              float a12 = m1 + m2, s12 = m1 - m2, a34 = m3 + m4, s34 = m3 - m4;
              float o[TILE] = { m0 + a12 + a34 + b[c], s12 + 2.0f * s34 + b[c],
                                a12 + 4.0f * a34 + b[c], s12 + 8.0f * s34 + m5 + b[c] };
              if (relu)
                for (int i = 0; i < TILE; i++)
                  o[i] = o[i] > 0.0f ? o[i] : 0.0f;
              for (int i = 0; i < n; i++)
                r[i][c] = o[i];
            }
        }
      }
}

/* dM = A dy: dm[tile][xi][o]; outputs past the end count as zeros. */
NN_CLONES static void
output_grad_samples (const float *dy, size_t s0, size_t s1, int L_out, int C, const float *zero,
                     float *dm)
{
  int T_s = (int) nn_winograd_tiles (1, L_out);

  for (size_t s = s0; s < s1; s++)
    for (int j = 0; j < T_s; j++)
      {
        const float *g[TILE];
        float *out = dm + ((s * T_s + j) * P) * C;
        for (int i = 0; i < TILE; i++)
          g[i] = TILE * j + i < L_out ? dy + (s * L_out + TILE * j + i) * C : zero;
        for (int c = 0; c < C; c++)
          {
            float g0 = g[0][c], g1 = g[1][c], g2 = g[2][c], g3 = g[3][c];
            float e = g0 + g2, o = g1 + g3, e4 = g0 + 4.0f * g2, o8 = 2.0f * g1 + 8.0f * g3;
            out[c] = g0;
            out[C + c] = e + o;
            out[2 * C + c] = e - o;
            out[3 * C + c] = e4 + o8;
            out[4 * C + c] = e4 - o8;
            out[5 * C + c] = g3;
          }
      }
}

/* dx = B dV: tile j gives inputs 4j … 4j + 5; the first two of them are
 * the last two of tile j - 1, so each sample is walked in order, tile j
 * adding to what j - 1 wrote and writing its own last two. */
NN_CLONES static void
input_grad_samples (const float *dv, size_t s0, size_t s1, int L, int C, float *dx)
{
  int T_s = (int) nn_winograd_tiles (1, L - 2);

  for (size_t s = s0; s < s1; s++)
    for (int j = 0; j < T_s; j++)
      {
        const float *m = dv + ((s * T_s + j) * P) * C;
        int t0 = TILE * j;
        float *r[P];
        for (int i = 0; i < P; i++)
          r[i] = t0 + i < L ? dx + (s * L + t0 + i) * C : NULL;
        for (int c = 0; c < C; c++)
          {
            float m0 = m[c], m1 = m[C + c], m2 = m[2 * C + c];
            float m3 = m[3 * C + c], m4 = m[4 * C + c], m5 = m[5 * C + c];
            float a12 = m1 + m2, s21 = m2 - m1, a34 = m3 + m4, s43 = m4 - m3;
            float x0 = 4.0f * m0;
            float x1 = 4.0f * s21 + 2.0f * s43 + 4.0f * m5;
            float x2 = -5.0f * m0 - 4.0f * a12 - a34;
            float x3 = -s21 - 2.0f * s43 - 5.0f * m5;
            float x4 = m0 + a12 + a34;
            if (j == 0)
              {
                r[0][c] = x0;
                r[1][c] = x1;
              }
            else
              {
                r[0][c] += x0;
                r[1][c] += x1;
              }
            /* t0 + 2 < L always: a tile starts at most at L - 3. */
            r[2][c] = x2;
            if (r[3] != NULL)
              r[3][c] = x3;
            if (r[4] != NULL)
              r[4][c] = x4;
            if (r[5] != NULL)
              r[5][c] = m5;
          }
      }
}

typedef struct
{
  const float *in, *b, *zero;
  float       *out;
  int          L, C, relu, pool;
} TransformArgs;

static void
input_transform_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  input_transform_samples (a->in, begin, end, a->L, a->C, a->zero, a->out);
}

static void
output_transform_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  output_transform_samples (a->in, begin, end, a->L, a->C, a->b, a->relu, a->pool, a->out);
}

static void
output_grad_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  output_grad_samples (a->in, begin, end, a->L, a->C, a->zero, a->out);
}

static void
input_grad_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  input_grad_samples (a->in, begin, end, a->L, a->C, a->out);
}

/* A row of zeros for the inputs past a sample's end; the largest layer
 * has a few thousand channels, so it lives on the heap. */
static float *
zeros (int C)
{
  return calloc ((size_t) C, sizeof (float));
}

void
nn_winograd_forward (const float *x,
                     int          B,
                     int          L,
                     int          C_in,
                     const float *u,
                     int          C_out,
                     const float *b,
                     int          relu,
                     int          pool,
                     float       *v,
                     float       *mbuf,
                     float       *y)
{
  int L_out = L - 2, T_s = (int) nn_winograd_tiles (1, L_out);
  int T = (int) nn_winograd_tiles (B, L_out);
  float *zero = zeros (C_in);
  TransformArgs in = { x, NULL, zero, v, L, C_in, 0, 0 };
  TransformArgs out = { mbuf, b, NULL, y, L_out, C_out, relu, relu ? pool : 0 };
  size_t plane = (size_t) C_out * C_in;

  if (zero == NULL)
    abort (); /* a few kB: as fatal as any other allocation failure here */
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_in), input_transform_range, &in);
  for (int xi = 0; xi < P; xi++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, T, C_out, C_in, 1.0f,
                 v + (size_t) xi * C_in, P * C_in, u + xi * plane, C_in, 0.0f,
                 mbuf + (size_t) xi * C_out, P * C_out);
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_out), output_transform_range, &out);
  free (zero);
}

void
nn_winograd_backward (const float *v,
                      int          B,
                      int          L,
                      int          C_in,
                      const float *u,
                      int          C_out,
                      const float *dy,
                      float       *dm,
                      float       *du,
                      float       *dv,
                      float       *dw,
                      float       *dx)
{
  int L_out = L - 2, T_s = (int) nn_winograd_tiles (1, L_out);
  int T = (int) nn_winograd_tiles (B, L_out);
  float *zero = zeros (C_out);
  TransformArgs grad_out = { dy, NULL, zero, dm, L_out, C_out, 0, 0 };
  TransformArgs grad_in = { dv, NULL, NULL, dx, L, C_in, 0, 0 };
  WeightsArgs grad_w = { NULL, du, dw, C_out, C_in };
  size_t plane = (size_t) C_out * C_in;

  if (zero == NULL)
    abort ();
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_out), output_grad_range, &grad_out);
  for (int xi = 0; xi < P; xi++)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C_out, C_in, T, 1.0f,
                 dm + (size_t) xi * C_out, P * C_out, v + (size_t) xi * C_in, P * C_in, 0.0f,
                 du + xi * plane, C_in);
  nn_parallel_for (C_out, nn_pass_min_items ((size_t) P * C_in), weights_grad_range, &grad_w);
  free (zero);
  if (dx == NULL)
    return;
  for (int xi = 0; xi < P; xi++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, T, C_in, C_out, 1.0f,
                 dm + (size_t) xi * C_out, P * C_out, u + xi * plane, C_in, 0.0f,
                 dv + (size_t) xi * C_in, P * C_in);
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_in), input_grad_range, &grad_in);
}
