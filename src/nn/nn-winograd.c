/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kernel-3 convolutions by Winograd's minimal filtering F(6,3), forward
 * and backward (see nn-private.h for the layouts).
 *
 * With the interpolation points 0, ±1, ±2, ±1/2 and ∞, a tile of 6
 * outputs of a valid correlation y[t] = sum_k d[t + k] g[k] is
 *   y = A^T [(G g) ⊙ (B^T d)]
 * for the 8 inputs d of the tile.  Summed over input channels, the
 * element-wise product becomes 8 matrix products, one per point, that go
 * to cblas_sgemm: 8 multiplications per 6 outputs where the direct
 * convolution needs 18 (F(4,3), the previous choice, 6 per 4; the larger
 * tile also moves a tenth less data through the transforms).
 * The backward pass is the exact adjoint of the same computation:
 *   dM = A dy,  dU = dM^T V,  dw = G^T dU,  dV = dM U,  dx = B dV
 * (the last one adding the two inputs that neighbouring tiles share).
 * Rounding: the coefficients go up to 32 and down to 1/90, which costs
 * about a digit of float precision against the direct sum (measured
 * against the shifted-GEMM convolution in the tests; the usual bound for
 * fp32 networks, which is why no larger tile is used). */
#include "nn/nn-private.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P NN_WINOGRAD_POINTS /* 8 points per tile */
#define TILE (P - 2)         /* 6 outputs per tile */

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

/* The transforms of one tile, one loop over the channels each: restrict
 * pointers (the rows never overlap) let the compiler vectorise them.  The
 * matrices, rows by the points 0, 1, -1, 1/2, -1/2, 2, -2, ∞ (columns of
 * A^T by 0, 1, -1, 2, -2, 1/2, -1/2, ∞), written with their symmetric
 * pairs shared:
 *   B^T  1  0 -21/4    0  21/4     0 -1  0     G  1      0      0
 *        0  1    1 -17/4 -17/4     1  1  0       -2/9   -2/9   -2/9
 *        0 -1    1  17/4 -17/4    -1  1  0       -2/9    2/9   -2/9
 *        0 1/2  1/4 -5/2  -5/4     2  1  0        1/90   1/45   2/45
 *        0 -1/2 1/4  5/2  -5/4    -2  1  0        1/90  -1/45   2/45
 *        0  2    4  -5/2    -5   1/2  1  0       32/45  16/45   8/45
 *        0 -2    4   5/2    -5  -1/2  1  0       32/45 -16/45   8/45
 *        0 -1    0  21/4     0 -21/4  0  1        0      0      1
 *   A^T row i: 1 (i = 0 only), 1, (-1)^i, 2^i, (-2)^i, 2^-i, (-2)^-i, and
 *   1 at ∞ for i = 5. */

/* u_xi = (G g)_xi for the three taps g0, g1, g2 of every channel. */
static inline void
weights_tile (const float *restrict g0, const float *restrict g1, const float *restrict g2,
              float *restrict u0, float *restrict u1, float *restrict u2, float *restrict u3,
              float *restrict u4, float *restrict u5, float *restrict u6, float *restrict u7,
              int C)
{
  for (int c = 0; c < C; c++)
    {
      float a = g0[c], b = g1[c], d = g2[c];
      float e1 = a + d, e2 = a * (1.0f / 90.0f) + d * (2.0f / 45.0f);
      float e3 = a * (32.0f / 45.0f) + d * (8.0f / 45.0f);
      u0[c] = a;
      u1[c] = (e1 + b) * (-2.0f / 9.0f);
      u2[c] = (e1 - b) * (-2.0f / 9.0f);
      u3[c] = e2 + b * (1.0f / 45.0f);
      u4[c] = e2 - b * (1.0f / 45.0f);
      u5[c] = e3 + b * (16.0f / 45.0f);
      u6[c] = e3 - b * (16.0f / 45.0f);
      u7[c] = d;
    }
}

/* dg = G^T du. */
static inline void
weights_grad_tile (const float *restrict m0, const float *restrict m1, const float *restrict m2,
                   const float *restrict m3, const float *restrict m4, const float *restrict m5,
                   const float *restrict m6, const float *restrict m7, float *restrict g0,
                   float *restrict g1, float *restrict g2, int C)
{
  for (int c = 0; c < C; c++)
    {
      float a12 = m1[c] + m2[c], a34 = m3[c] + m4[c], a56 = m5[c] + m6[c];
      float s12 = m1[c] - m2[c], s34 = m3[c] - m4[c], s56 = m5[c] - m6[c];
      g0[c] = m0[c] - a12 * (2.0f / 9.0f) + a34 * (1.0f / 90.0f) + a56 * (32.0f / 45.0f);
      g1[c] = s12 * (-2.0f / 9.0f) + s34 * (1.0f / 45.0f) + s56 * (16.0f / 45.0f);
      g2[c] = a12 * (-2.0f / 9.0f) + a34 * (2.0f / 45.0f) + a56 * (8.0f / 45.0f) + m7[c];
    }
}

/* v = B^T d. */
static inline void
input_tile (const float *restrict d0, const float *restrict d1, const float *restrict d2,
            const float *restrict d3, const float *restrict d4, const float *restrict d5,
            const float *restrict d6, const float *restrict d7, float *restrict v0,
            float *restrict v1, float *restrict v2, float *restrict v3, float *restrict v4,
            float *restrict v5, float *restrict v6, float *restrict v7, int C)
{
  for (int c = 0; c < C; c++)
    {
      float e1 = d2[c] + d6[c] - 4.25f * d4[c], o1 = d1[c] + d5[c] - 4.25f * d3[c];
      float e2 = 0.25f * d2[c] - 1.25f * d4[c] + d6[c];
      float o2 = 0.5f * d1[c] - 2.5f * d3[c] + 2.0f * d5[c];
      float e3 = 4.0f * d2[c] - 5.0f * d4[c] + d6[c];
      float o3 = 2.0f * d1[c] - 2.5f * d3[c] + 0.5f * d5[c];
      v0[c] = d0[c] - d6[c] + 5.25f * (d4[c] - d2[c]);
      v1[c] = e1 + o1;
      v2[c] = e1 - o1;
      v3[c] = e2 + o2;
      v4[c] = e2 - o2;
      v5[c] = e3 + o3;
      v6[c] = e3 - o3;
      v7[c] = d7[c] - d1[c] + 5.25f * (d3[c] - d5[c]);
    }
}

/* The forward output transform works on blocks of BLOCK tiles by BLOCK
 * channels in GCC's portable vectors of BLOCK floats (one AVX-512
 * register; two AVX2 or four SSE registers in the other clones). */
#define BLOCK 16
#define PREFETCH_TILES (4 * BLOCK)

/* Vectors passed by value between always-inlined helpers never cross an
 * ABI boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float NnVec __attribute__ ((vector_size (BLOCK * sizeof (float))));
typedef int NnVecMask __attribute__ ((vector_size (BLOCK * sizeof (int))));
typedef unsigned char NnVecByte __attribute__ ((vector_size (BLOCK)));

/* Inlined into each clone of its caller: an out-of-line copy would be
 * compiled for the baseline only. */
#define NN_INLINE static inline __attribute__ ((always_inline))

/* max (a, b) element-wise, b where a is NaN (as a > b ? a : b). */
NN_INLINE NnVec
vec_max (NnVec a, NnVec b)
{
  NnVecMask k = a > b;

  return (NnVec) (((NnVecMask) a & k) | ((NnVecMask) b & ~k));
}

/* n ≤ BLOCK floats to and from a vector: constant sizes (a vector load or
 * store, no library call) for whole blocks. */
NN_INLINE NnVec
load_part (const float *p, int n)
{
  NnVec v = { 0 };

  if (n == BLOCK)
    memcpy (&v, p, sizeof v);
  else
    memcpy (&v, p, sizeof (float) * n);
  return v;
}

NN_INLINE void
store_part (float *p, NnVec v, int n)
{
  if (n == BLOCK)
    memcpy (p, &v, sizeof v);
  else
    memcpy (p, &v, sizeof (float) * n);
}

/* The first n ≤ BLOCK floats of a row (zeros past n), cleared there. */
NN_INLINE NnVec
take_row (float *row, int n)
{
  NnVec v = load_part (row, n);

  store_part (row, (NnVec) { 0 }, n);
  return v;
}

/* Transposes a BLOCK x BLOCK block in place by swapping the off-diagonal
 * halves of ever smaller sub-blocks: 4 rounds of 16 two-register
 * shuffles. */
#define SWAP_LOW_8  0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define SWAP_HIGH_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define SWAP_LOW_4  0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define SWAP_HIGH_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define SWAP_LOW_2  0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define SWAP_HIGH_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define SWAP_LOW_1  0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define SWAP_HIGH_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define SWAP_HALVES(r, i, d)                                                    \
  do                                                                            \
    {                                                                           \
      NnVec a_ = r[i], b_ = r[i + d];                                           \
      r[i] = __builtin_shufflevector (a_, b_, SWAP_LOW_##d);                    \
      r[i + d] = __builtin_shufflevector (a_, b_, SWAP_HIGH_##d);               \
    }                                                                           \
  while (0)

NN_INLINE void
transpose_block (NnVec r[BLOCK])
{
  for (int i = 0; i < 8; i++)
    SWAP_HALVES (r, i, 8);
  for (int i = 0; i < BLOCK; i += 8)
    for (int j = i; j < i + 4; j++)
      SWAP_HALVES (r, j, 4);
  for (int i = 0; i < BLOCK; i += 4)
    for (int j = i; j < i + 2; j++)
      SWAP_HALVES (r, j, 2);
  for (int i = 0; i < BLOCK; i += 2)
    SWAP_HALVES (r, i, 1);
}

/* The outputs A^T m of a block of the forward products M, (P, C, T): a
 * row of tiles per point and channel (see nn_winograd_forward_chain).
 * Tiles t0 … t0 + nt - 1 and channels o0 … o0 + nc - 1 are read and
 * cleared.  On return out[i][t] holds output i of tile t0 + t for the
 * BLOCK channels, with the bias and the activation (@floor: 0 for a ReLU,
 * -inf without) or, with @pool, the max-pool of outputs 2i and 2i + 1
 * (i < 3) after the ReLU: relu (max (y) + b) = max (relu (y + b)). */
NN_INLINE void
output_block (float *mt, size_t T, size_t plane, size_t t0, int nt, int o0, int nc,
              const float *b, float floor, int pool, NnVec out[TILE][BLOCK])
{
  NnVec zero = { 0 };

  for (int o = 0; o < BLOCK; o++)
    {
      float *r = mt + (size_t) (o0 + o) * T + t0;
      NnVec m[P];

      if (o >= nc)
        {
          for (int i = 0; i < TILE; i++)
            out[i][o] = zero;
          continue;
        }
      for (int i = 0; i < P; i++)
        {
          /* 128 rows are read a block at a time: too many streams for
           * the hardware prefetchers. */
          __builtin_prefetch (r + i * plane + PREFETCH_TILES, 1);
          m[i] = take_row (r + i * plane, nt);
        }

      NnVec a12 = m[1] + m[2], s12 = m[1] - m[2];
      NnVec a34 = m[3] + m[4], s34 = m[3] - m[4];
      NnVec a56 = m[5] + m[6], s56 = m[5] - m[6];
      NnVec y0 = m[0] + a12 + a34 + a56, y1 = s12 + 2.0f * s34 + 0.5f * s56;
      NnVec y2 = a12 + 4.0f * a34 + 0.25f * a56, y3 = s12 + 8.0f * s34 + 0.125f * s56;
      NnVec y4 = a12 + 16.0f * a34 + 0.0625f * a56;
      NnVec y5 = s12 + 32.0f * s34 + 0.03125f * s56 + m[7];
      NnVec bias = zero + b[o0 + o], lo = zero + floor;

      if (pool)
        {
          out[0][o] = vec_max (vec_max (y0, y1) + bias, zero);
          out[1][o] = vec_max (vec_max (y2, y3) + bias, zero);
          out[2][o] = vec_max (vec_max (y4, y5) + bias, zero);
        }
      else
        {
          out[0][o] = vec_max (y0 + bias, lo);
          out[1][o] = vec_max (y1 + bias, lo);
          out[2][o] = vec_max (y2 + bias, lo);
          out[3][o] = vec_max (y3 + bias, lo);
          out[4][o] = vec_max (y4 + bias, lo);
          out[5][o] = vec_max (y5 + bias, lo);
        }
    }
  for (int i = 0; i < (pool ? TILE / 2 : TILE); i++)
    transpose_block (out[i]);
}

/* dm = A dy. */
static inline void
output_grad_tile (const float *restrict g0, const float *restrict g1, const float *restrict g2,
                  const float *restrict g3, const float *restrict g4, const float *restrict g5,
                  float *restrict dm0, float *restrict dm1, float *restrict dm2,
                  float *restrict dm3, float *restrict dm4, float *restrict dm5,
                  float *restrict dm6, float *restrict dm7, int C)
{
  for (int c = 0; c < C; c++)
    {
      float e1 = g0[c] + g2[c] + g4[c], o1 = g1[c] + g3[c] + g5[c];
      float e2 = g0[c] + 4.0f * g2[c] + 16.0f * g4[c];
      float o2 = 2.0f * g1[c] + 8.0f * g3[c] + 32.0f * g5[c];
      float e3 = g0[c] + 0.25f * g2[c] + 0.0625f * g4[c];
      float o3 = 0.5f * g1[c] + 0.125f * g3[c] + 0.03125f * g5[c];
      dm0[c] = g0[c];
      dm1[c] = e1 + o1;
      dm2[c] = e1 - o1;
      dm3[c] = e2 + o2;
      dm4[c] = e2 - o2;
      dm5[c] = e3 + o3;
      dm6[c] = e3 - o3;
      dm7[c] = g5[c];
    }
}

/* u[xi][o][c] = sum_k G[xi][k] w[o][k][c]. */
NN_CLONES static void
weights_rows (const float *w, size_t o0, size_t o1, int C_out, int C_in, float *u)
{
  size_t plane = (size_t) C_out * C_in;

  for (size_t o = o0; o < o1; o++)
    {
      const float *g = w + o * 3 * C_in;
      float *u0 = u + o * C_in;
      weights_tile (g, g + C_in, g + 2 * C_in, u0, u0 + plane, u0 + 2 * plane, u0 + 3 * plane,
                    u0 + 4 * plane, u0 + 5 * plane, u0 + 6 * plane, u0 + 7 * plane, C_in);
    }
}

typedef struct
{
  const float *w;
  float       *u, *out; /* u: dU, cleared as it is read */
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

  nn_parallel_for (C_out, nn_pass_min_items ((size_t) 3 * P * C_in), weights_range, &a);
}

/* dw[o][k][c] = sum_xi G[xi][k] du[xi][o][c], du cleared once read (the
 * products of the next step add onto its zeros). */
NN_CLONES static void
weights_grad_rows (float *du, size_t o0, size_t o1, int C_out, int C_in, float *dw)
{
  size_t plane = (size_t) C_out * C_in;

  for (size_t o = o0; o < o1; o++)
    {
      float *m = du + o * C_in;
      float *g = dw + o * 3 * C_in;
      weights_grad_tile (m, m + plane, m + 2 * plane, m + 3 * plane, m + 4 * plane, m + 5 * plane,
                         m + 6 * plane, m + 7 * plane, g, g + C_in, g + 2 * C_in, C_in);
      for (int xi = 0; xi < P; xi++)
        memset (m + xi * plane, 0, sizeof (float) * C_in);
    }
}

static void
weights_grad_range (size_t begin, size_t end, void *ctx)
{
  WeightsArgs *a = ctx;

  weights_grad_rows (a->u, begin, end, a->C_out, a->C_in, a->out);
}

/* The same from dU^T, (P, C_in, C_out) (see nn_winograd_backward), for
 * the blocks of BLOCK output channels b0 … b1 - 1: a block of BLOCK x
 * BLOCK of each point transposed in registers, then G^T of it. */
NN_CLONES static void
weights_grad_transposed (float *dut, size_t b0, size_t b1, int C_out, int C_in, float *dw)
{
  size_t plane = (size_t) C_out * C_in;
  NnVec m[P][BLOCK], zero = { 0 };

  for (size_t ob = b0; ob < b1; ob++)
    {
      int o0 = (int) ob * BLOCK, no = C_out - o0 < BLOCK ? C_out - o0 : BLOCK;
      for (int c0 = 0; c0 < C_in; c0 += BLOCK)
        {
          int nc = C_in - c0 < BLOCK ? C_in - c0 : BLOCK;
          for (int xi = 0; xi < P; xi++)
            {
              for (int c = 0; c < BLOCK; c++)
                m[xi][c] = c < nc ? take_row (dut + xi * plane + (size_t) (c0 + c) * C_out + o0,
                                              no)
                                  : zero;
              transpose_block (m[xi]);
            }
          for (int o = 0; o < no; o++)
            {
              NnVec a12 = m[1][o] + m[2][o], a34 = m[3][o] + m[4][o], a56 = m[5][o] + m[6][o];
              NnVec s12 = m[1][o] - m[2][o], s34 = m[3][o] - m[4][o], s56 = m[5][o] - m[6][o];
              float *g = dw + (size_t) (o0 + o) * 3 * C_in + c0;
              store_part (g, m[0][o] - a12 * (2.0f / 9.0f) + a34 * (1.0f / 90.0f)
                                 + a56 * (32.0f / 45.0f), nc);
              store_part (g + C_in, s12 * (-2.0f / 9.0f) + s34 * (1.0f / 45.0f)
                                        + s56 * (16.0f / 45.0f), nc);
              store_part (g + 2 * C_in, a12 * (-2.0f / 9.0f) + a34 * (2.0f / 45.0f)
                                            + a56 * (8.0f / 45.0f) + m[7][o], nc);
            }
        }
    }
}

static void
weights_grad_transposed_range (size_t begin, size_t end, void *ctx)
{
  WeightsArgs *a = ctx;

  weights_grad_transposed (a->u, begin, end, a->C_out, a->C_in, a->out);
}

/* V = B^T d for every tile of one sample of L inputs @xs: its tiles'
 * rows from @vs on, the points @plane floats apart. */
NN_INLINE void
input_transform_one (const float *xs, int L, int C, const float *zero, size_t plane, float *vs)
{
  int T_s = (int) nn_winograd_tiles (1, L - 2);

  for (int j = 0; j < T_s; j++)
    {
      const float *d[P];
      for (int i = 0; i < P; i++)
        d[i] = TILE * j + i < L ? xs + (size_t) (TILE * j + i) * C : zero;
      float *o = vs + (size_t) j * C;
      input_tile (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], o, o + plane, o + 2 * plane,
                  o + 3 * plane, o + 4 * plane, o + 5 * plane, o + 6 * plane, o + 7 * plane, C);
    }
}

/* The same for samples s0 … s1 - 1: v[xi][tile][c]. */
NN_CLONES static void
input_transform_samples (const float *x, size_t s0, size_t s1, int L, int C, const float *zero,
                         size_t plane, float *v)
{
  size_t T_s = nn_winograd_tiles (1, L - 2);

  for (size_t s = s0; s < s1; s++)
    input_transform_one (x + s * L * C, L, C, zero, plane, v + s * T_s * C);
}

/* Samples handled together by the output transform: their tiles are a
 * whole number of blocks, and their products (conv2 of the reference
 * network: 0.75 MB) and activations stay in L2 between the reads. */
#define OUTPUT_GROUP BLOCK

/* y = act (A^T M + b) for samples s0 … s1 - 1 (s1 - s0 ≤ OUTPUT_GROUP) of
 * the products @mt (P, C, T), optionally max-pooled by 2, M cleared;
 * @ys (unless NULL): their L_y rows each from sample s0's on; @yp, the
 * pool of pairs, and @second, 1 where a pair's second is the larger, for
 * training.  Channel blocks outermost, so that each row of M is read in
 * one run. */
NN_INLINE void
output_group (float *mt, size_t T, size_t s0, size_t s1, int L_out, int C, const float *b,
              float floor, int pool, float *ys, float *yp, unsigned char *second)
{
  size_t T_s = nn_winograd_tiles (1, L_out), plane = (size_t) C * T;
  size_t g0 = s0 * T_s, g1 = s1 * T_s;
  int step = pool ? TILE / 2 : TILE, L_y = pool ? L_out / 2 : L_out;
  NnVec out[TILE][BLOCK];

  for (int o0 = 0; o0 < C; o0 += BLOCK)
    {
      int nc = C - o0 < BLOCK ? C - o0 : BLOCK;
      for (size_t g = g0; g < g1; g += BLOCK)
        {
          int nt = g1 - g < BLOCK ? (int) (g1 - g) : BLOCK;
          output_block (mt, T, plane, g, nt, o0, nc, b, floor, pool, out);
          for (int t = 0; t < nt; t++)
            {
              size_t s = (g + t) / T_s;
              int j = (int) ((g + t) - s * T_s);
              float *row;
              if (ys != NULL)
                {
                  row = ys + ((s - s0) * L_y + (size_t) step * j) * C + o0;
                  for (int i = 0; i < step && step * j + i < L_y; i++)
                    store_part (row + (size_t) i * C, out[i][t], nc);
                }
              if (yp == NULL)
                continue;
              /* The pool of pairs as nn_maxpool_forward takes it (a pair
               * never straddles two tiles of 6), and which of the pair it
               * took: all the backward pass needs of the pair. */
              size_t q = (s - s0) * (L_out / 2) + (size_t) (TILE / 2) * j;
              for (int i = 0; i < TILE / 2 && (TILE / 2) * j + i < L_out / 2; i++)
                {
                  NnVecMask k = out[2 * i + 1][t] > out[2 * i][t];
                  NnVecByte bytes = __builtin_convertvector (k & 1, NnVecByte);
                  store_part (yp + (q + i) * C + o0, vec_max (out[2 * i + 1][t], out[2 * i][t]),
                              nc);
                  memcpy (second + (q + i) * C + o0, &bytes, (size_t) nc);
                }
            }
        }
    }
}

/* The same for samples s0 … s1 - 1 into y. */
NN_CLONES static void
output_transform_samples (float *mt, size_t T, size_t s0, size_t s1, int L_out, int C,
                          const float *b, int relu, int pool, float *y)
{
  size_t L_y = pool == 2 ? L_out / 2 : L_out;
  float floor = relu ? 0.0f : -INFINITY;

  for (size_t s = s0; s < s1; s += OUTPUT_GROUP)
    output_group (mt, T, s, s + OUTPUT_GROUP < s1 ? s + OUTPUT_GROUP : s1, L_out, C, b, floor,
                  pool == 2, y + s * L_y * C, NULL, NULL);
}

/* The output transform of samples s0 … s1 - 1 chained into the input
 * transform of the next convolution: a group's activations go through
 * @ys (OUTPUT_GROUP samples, a few hundred kB that stay in L2) instead of
 * a chunk's worth of activations out to memory and back. */
NN_CLONES static void
output_chain_samples (float *mt, size_t T, size_t s0, size_t s1, int L_out, int C,
                      const float *b, int relu, int pool, float *ys, const float *zero,
                      size_t plane_next, float *v_next)
{
  int L_y = pool == 2 ? L_out / 2 : L_out;
  size_t T_next = nn_winograd_tiles (1, L_y - 2);
  float floor = relu ? 0.0f : -INFINITY;

  for (size_t s = s0; s < s1; s += OUTPUT_GROUP)
    {
      size_t e = s + OUTPUT_GROUP < s1 ? s + OUTPUT_GROUP : s1;
      output_group (mt, T, s, e, L_out, C, b, floor, pool == 2, ys, NULL, NULL);
      for (size_t k = s; k < e; k++)
        input_transform_one (ys + (k - s) * L_y * C, L_y, C, zero, plane_next,
                             v_next + k * T_next * C);
    }
}

/* Training's output transform of samples s0 … s1 - 1: y (kept for the
 * backward pass) or, with @yp, its max-pool of pairs (kept as the next
 * layer's input) and which of each pair it took (@second, for the
 * backward pass: y itself is written only when @y is not NULL); with
 * @v_next, the next convolution's input transform of whichever of the two
 * it takes, from the rows a group just wrote (in L2), not a pass over
 * memory later. */
NN_CLONES static void
output_store_samples (float *mt, size_t T, size_t s0, size_t s1, int L_out, int C,
                      const float *b, int relu, float *y, float *yp, unsigned char *second,
                      const float *zero, size_t plane_next, float *v_next)
{
  int L_x = yp != NULL ? L_out / 2 : L_out;
  size_t T_next = v_next != NULL ? nn_winograd_tiles (1, L_x - 2) : 0;
  float floor = relu ? 0.0f : -INFINITY;

  for (size_t s = s0; s < s1; s += OUTPUT_GROUP)
    {
      size_t e = s + OUTPUT_GROUP < s1 ? s + OUTPUT_GROUP : s1;
      output_group (mt, T, s, e, L_out, C, b, floor, 0, y != NULL ? y + s * L_out * C : NULL,
                    yp != NULL ? yp + s * (L_out / 2) * C : NULL,
                    yp != NULL ? second + s * (L_out / 2) * C : NULL);
      if (v_next == NULL)
        continue;
      for (size_t k = s; k < e; k++)
        input_transform_one (yp != NULL ? yp + k * L_x * C : y + k * L_x * C, L_x, C, zero,
                             plane_next, v_next + k * T_next * C);
    }
}

/* Row @pos of sample @s of the gradient of the layer's output: @dy masked
 * by the ReLU (@y > 0) or, with @pool, the gradient of the max-pool of
 * pairs after it routed to the member @second names (the first of equals,
 * PyTorch's choice) when the pool's output @y (the chosen member after
 * the ReLU) is above 0, the positions past the last pair zero: what
 * nn_maxpool_backward and nn_relu_bias_grad write in two passes over
 * memory, a row at a time into the cache. */
NN_INLINE void
grad_row (const float *dy, const float *y, const unsigned char *second, size_t s, int pos,
          int L_out, int C, int relu, int pool, float *restrict out)
{
  if (pool && pos / 2 >= L_out / 2)
    {
      memset (out, 0, sizeof (float) * C);
      return;
    }
  if (pool)
    {
      size_t q = (size_t) s * (L_out / 2) + pos / 2;
      const float *restrict d = dy + q * C, *restrict yq = y + q * C;
      const unsigned char *restrict k = second + q * C;
      unsigned char odd = (unsigned char) (pos % 2);

      for (int c = 0; c < C; c++)
        out[c] = k[c] == odd && (!relu || yq[c] > 0.0f) ? d[c] : 0.0f;
      return;
    }

  const float *restrict ys = y + ((size_t) s * L_out + pos) * C;
  const float *restrict d = dy + ((size_t) s * L_out + pos) * C;
  for (int c = 0; c < C; c++)
    out[c] = !relu || ys[c] > 0.0f ? d[c] : 0.0f;
}

/* dM = A dy: dm[xi][tile][o] for samples s0 … s1 - 1, dy as grad_row
 * makes it (outputs past the end count as zeros) in @rows (TILE x C),
 * and db, the sum of dy over the samples' outputs: the sum of dM's point
 * 1 (the row of ones of A) over their tiles, once they are written. */
NN_CLONES static void
output_grad_samples (const float *dy, const float *y, const unsigned char *second, size_t s0,
                     size_t s1, int L_out, int C, int relu, int pool, size_t plane, float *rows,
                     float *db, float *dm)
{
  int T_s = (int) nn_winograd_tiles (1, L_out);

  for (size_t s = s0; s < s1; s++)
    for (int j = 0; j < T_s; j++)
      {
        for (int i = 0; i < TILE; i++)
          if (TILE * j + i < L_out)
            grad_row (dy, y, second, s, TILE * j + i, L_out, C, relu, pool,
                      rows + (size_t) i * C);
          else
            memset (rows + (size_t) i * C, 0, sizeof (float) * C);
        float *o = dm + (s * T_s + j) * C;
        output_grad_tile (rows, rows + C, rows + 2 * C, rows + 3 * C, rows + 4 * C, rows + 5 * C,
                          o, o + plane, o + 2 * plane, o + 3 * plane, o + 4 * plane,
                          o + 5 * plane, o + 6 * plane, o + 7 * plane, C);
      }
  memset (db, 0, sizeof (float) * C);
  for (size_t t = s0 * T_s; t < s1 * T_s; t++)
    {
      const float *restrict m1 = dm + plane + t * C;
      for (int c = 0; c < C; c++)
        db[c] += m1[c];
    }
}

/* dx = B dV for samples s0 … s1 - 1, from dV (P, C, T) as the GEMMs
 * leave it (a row of tiles per point and channel; cleared once read), by
 * blocks of BLOCK channels x BLOCK tiles transposed to vectors of
 * channels.  Tile j gives inputs 6j … 6j + 7; the first two of them are
 * the last two of tile j - 1, so each sample is walked in order, tile j
 * adding to what j - 1 wrote and writing its own last six (those past
 * the end dropped). */
NN_CLONES static void
input_grad_samples (float *dvt, size_t T, size_t s0, size_t s1, int L, int C, float *dx)
{
  size_t T_s = nn_winograd_tiles (1, L - 2), plane = (size_t) C * T;
  size_t g0 = s0 * T_s, g1 = s1 * T_s;
  NnVec d[P][BLOCK], zero = { 0 };

  for (int o0 = 0; o0 < C; o0 += BLOCK)
    {
      int nc = C - o0 < BLOCK ? C - o0 : BLOCK;
      for (size_t g = g0; g < g1; g += BLOCK)
        {
          int nt = g1 - g < BLOCK ? (int) (g1 - g) : BLOCK;
          for (int i = 0; i < P; i++)
            {
              for (int o = 0; o < BLOCK; o++)
                {
                  float *r = dvt + i * plane + (size_t) (o0 + o) * T + g;
                  if (o >= nc)
                    {
                      d[i][o] = zero;
                      continue;
                    }
                  __builtin_prefetch (r + PREFETCH_TILES, 1);
                  d[i][o] = take_row (r, nt);
                }
              transpose_block (d[i]);
            }
          for (int t = 0; t < nt; t++)
            {
              size_t s = (g + t) / T_s;
              int j = (int) ((g + t) - s * T_s), t0 = TILE * j;
              float *x = dx + (s * L + (size_t) t0) * C + o0;
              NnVec m0 = d[0][t], m1 = d[1][t], m2 = d[2][t], m3 = d[3][t];
              NnVec m4 = d[4][t], m5 = d[5][t], m6 = d[6][t], m7 = d[7][t];
              NnVec a12 = m1 + m2, a34 = m3 + m4, a56 = m5 + m6;
              NnVec s12 = m1 - m2, s34 = m3 - m4, s56 = m5 - m6;
              NnVec x0 = m0, x1 = s12 + 0.5f * s34 + 2.0f * s56 - m7;
              NnVec out[P - 2] = {
                -5.25f * m0 + a12 + 0.25f * a34 + 4.0f * a56,
                -4.25f * s12 - 2.5f * s34 - 2.5f * s56 + 5.25f * m7,
                5.25f * m0 - 4.25f * a12 - 1.25f * a34 - 5.0f * a56,
                s12 + 2.0f * s34 + 0.5f * s56 - 5.25f * m7,
                -m0 + a12 + a34 + a56,
                m7,
              };

              /* t0 + 2 < L always: a tile starts at most at L - 3. */
              if (j > 0)
                {
                  x0 += load_part (x, nc);
                  x1 += load_part (x + C, nc);
                }
              store_part (x, x0, nc);
              store_part (x + C, x1, nc);
              for (int i = 2; i < P && t0 + i < L; i++)
                store_part (x + (size_t) i * C, out[i - 2], nc);
            }
        }
    }
}

typedef struct
{
  const float *in, *b, *zero;
  /* products: M of the forward pass or dV of the backward one, zeroed
   * once read */
  float       *out, *products;
  size_t       plane; /* floats from one point's matrix to the next */
  int          L, C, relu, pool;
  /* chained into the next convolution's input transform (see
   * nn_winograd_forward_chain): its V and point stride */
  float       *v_next;
  size_t       plane_next;
} TransformArgs;

static void
input_transform_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  input_transform_samples (a->in, begin, end, a->L, a->C, a->zero, a->plane, a->out);
}

static void
output_transform_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;
  size_t T = a->plane / a->C; /* M is (P, C, T) */
  float *ys;

  if (a->v_next == NULL)
    {
      output_transform_samples (a->products, T, begin, end, a->L, a->C, a->b, a->relu, a->pool,
                                a->out);
      return;
    }
  ys = malloc (sizeof (float) * OUTPUT_GROUP * a->L * a->C);
  if (ys == NULL)
    abort (); /* a few hundred kB: as fatal as any other allocation failure here */
  output_chain_samples (a->products, T, begin, end, a->L, a->C, a->b, a->relu, a->pool, ys,
                        a->zero, a->plane_next, a->v_next);
  free (ys);
}

typedef struct
{
  float         *products, *y, *yp, *v_next;
  unsigned char *second;
  const float   *b, *zero;
  size_t         plane, plane_next;
  int            L_out, C, relu;
} StoreArgs;

static void
output_store_range (size_t begin, size_t end, void *ctx)
{
  StoreArgs *a = ctx;

  output_store_samples (a->products, a->plane / a->C, begin, end, a->L_out, a->C, a->b, a->relu,
                        a->y, a->yp, a->second, a->zero, a->plane_next, a->v_next);
}

typedef struct
{
  const float         *dy, *y;
  const unsigned char *second;
  float               *dm, *db_parts;
  size_t               plane, stride;
  int                  B, L_out, C, relu, pool, parts;
} OutputGradArgs;

/* Parts of whole samples, each with its own sum of db: the parts are a
 * function of the thread count alone, and so is the result. */
static void
output_grad_parts (size_t begin, size_t end, void *ctx)
{
  OutputGradArgs *a = ctx;
  float *rows = malloc (sizeof (float) * TILE * a->C);

  if (rows == NULL)
    abort (); /* a few kB: as fatal as any other allocation failure here */
  for (size_t part = begin; part < end; part++)
    output_grad_samples (a->dy, a->y, a->second, a->B * part / a->parts,
                         a->B * (part + 1) / a->parts, a->L_out, a->C, a->relu, a->pool,
                         a->plane, rows, a->db_parts + part * a->stride, a->dm);
  free (rows);
}

static void
input_grad_range (size_t begin, size_t end, void *ctx)
{
  TransformArgs *a = ctx;

  /* dV is (P, C, T) */
  input_grad_samples (a->products, a->plane / a->C, begin, end, a->L, a->C, a->out);
}

/* A row of zeros for the inputs past a sample's end; the largest layer
 * has a few thousand channels, so it lives on the heap. */
static float *
zeros (int C)
{
  return calloc ((size_t) C, sizeof (float));
}

void
nn_winograd_input (const float *x,
                   int          B,
                   int          L,
                   int          C_in,
                   float       *v)
{
  int T_s = (int) nn_winograd_tiles (1, L - 2);
  float *zero = zeros (C_in);
  TransformArgs in = { x, NULL, zero, v, NULL, nn_winograd_tiles (B, L - 2) * C_in, L, C_in,
                       0, 0, NULL, 0 };

  if (zero == NULL)
    abort (); /* a few kB: as fatal as any other allocation failure here */
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_in), input_transform_range, &in);
  free (zero);
}

/* The direct convolution and the input transform of samples s0 … s1 - 1:
 * a sample's activations go through @ys, a few tens of kB in L1/L2, or,
 * with @y, into y (kept) and from there while they are in the cache. */
NN_CLONES static void
direct_input_samples (const float *x, size_t s0, size_t s1, int L, int C_x, const float *wt,
                      const float *b, int C, int K, int relu, const float *zero, size_t plane,
                      float *ys, float *y, float *v)
{
  int L_y = L - K + 1;
  size_t T_s = nn_winograd_tiles (1, L_y - 2);

  for (size_t s = s0; s < s1; s++)
    {
      float *out = y != NULL ? y + s * L_y * C : ys;
      nn_conv1d_direct_sample (x + s * L * C_x, L, C_x, wt, b, C, K, relu, out);
      input_transform_one (out, L_y, C, zero, plane, v + s * T_s * C);
    }
}

typedef struct
{
  const float *x, *wt, *b, *zero;
  float       *y, *v;
  size_t       plane;
  int          L, C_x, C, K, relu;
} DirectInputArgs;

static void
direct_input_range (size_t begin, size_t end, void *ctx)
{
  DirectInputArgs *a = ctx;
  float *ys = a->y != NULL ? NULL : malloc (sizeof (float) * (a->L - a->K + 1) * a->C);

  if (a->y == NULL && ys == NULL)
    abort (); /* a few tens of kB: as fatal as any other allocation failure here */
  direct_input_samples (a->x, begin, end, a->L, a->C_x, a->wt, a->b, a->C, a->K, a->relu, a->zero,
                        a->plane, ys, a->y, a->v);
  free (ys);
}

void
nn_winograd_input_direct (const float *x,
                          int          B,
                          int          L,
                          int          C_x,
                          const float *w,
                          const float *b,
                          int          C_in,
                          int          K,
                          int          relu,
                          float       *y,
                          float       *v)
{
  int L_y = L - K + 1, T_s = (int) nn_winograd_tiles (1, L_y - 2);
  float *zero = zeros (C_in), *wt = malloc (sizeof (float) * K * C_x * C_in);
  DirectInputArgs a = { x, wt, b, zero, y, v, nn_winograd_tiles (B, L_y - 2) * C_in, L, C_x,
                        C_in, K, relu };

  if (zero == NULL || wt == NULL)
    abort ();
  nn_conv1d_direct_weights (w, C_in, K * C_x, wt);
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_in), direct_input_range, &a);
  free (wt);
  free (zero);
}

/* M^T = U V^T per point, beta = 1 onto the zeros the previous output
 * transform left.  The products come out as rows of tiles per output
 * channel, (P, C_out, T), which OpenBLAS computes much faster than (P, T,
 * C_out) for the thin products of the first layers (Cooperlake kernels, 2
 * threads, 8 products of T = 2,944 tiles: 64 x 64 channels 260 against 135
 * GFLOP/s, 128 x 64 252 against 172, 256 x 256 357 against 334); the
 * output transform turns them back by blocks. */
static void
forward_products (const float *u, const float *v, int T, int C_in, int C_out, float *mbuf)
{
  size_t plane = (size_t) C_out * C_in, plane_in = (size_t) T * C_in;
  size_t plane_out = (size_t) T * C_out;

  for (int xi = 0; xi < P; xi++)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, C_out, T, C_in, 1.0f, u + xi * plane,
                 C_in, v + xi * plane_in, C_in, 1.0f, mbuf + xi * plane_out, T);
}

void
nn_winograd_forward_chain (const float *v,
                           int          B,
                           int          L,
                           int          C_in,
                           const float *u,
                           int          C_out,
                           const float *b,
                           int          relu,
                           int          pool,
                           float       *mbuf,
                           float       *y,
                           float       *v_next)
{
  int L_out = L - 2, T_s = (int) nn_winograd_tiles (1, L_out);
  int T = (int) nn_winograd_tiles (B, L_out);
  int L_y = relu && pool == 2 ? L_out / 2 : L_out;
  float *zero = v_next != NULL ? zeros (C_out) : NULL;
  size_t plane_out = (size_t) T * C_out;
  TransformArgs out = { NULL, b, zero, y, mbuf, plane_out, L_out, C_out, relu, relu ? pool : 0,
                        v_next, v_next != NULL ? nn_winograd_tiles (B, L_y - 2) * C_out : 0 };

  if (v_next != NULL && zero == NULL)
    abort ();
  forward_products (u, v, T, C_in, C_out, mbuf);
  /* With a chain, V is the next layer's: this one's is dead once its
   * products are taken. */
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_out), output_transform_range, &out);
  free (zero);
}

void
nn_winograd_forward_store (const float   *v,
                           int            B,
                           int            L,
                           int            C_in,
                           const float   *u,
                           int            C_out,
                           const float   *b,
                           int            relu,
                           float         *mbuf,
                           float         *y,
                           float         *y_pool,
                           unsigned char *second,
                           float         *v_next)
{
  int L_out = L - 2, T_s = (int) nn_winograd_tiles (1, L_out);
  int T = (int) nn_winograd_tiles (B, L_out), L_x = y_pool != NULL ? L_out / 2 : L_out;
  size_t plane_out = (size_t) T * C_out;
  float *zero = v_next != NULL ? zeros (C_out) : NULL;
  StoreArgs out = { mbuf, y, y_pool, v_next, second, b, zero, plane_out,
                    v_next != NULL ? nn_winograd_tiles (B, L_x - 2) * C_out : 0, L_out, C_out,
                    relu };

  if (v_next != NULL && zero == NULL)
    abort ();
  forward_products (u, v, T, C_in, C_out, mbuf);
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_out), output_store_range, &out);
  free (zero);
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
  nn_winograd_input (x, B, L, C_in, v);
  nn_winograd_forward_chain (v, B, L, C_in, u, C_out, b, relu, pool, mbuf, y, NULL);
}

void
nn_winograd_backward (const float         *v,
                      int                  B,
                      int                  L,
                      int                  C_in,
                      const float         *u,
                      int                  C_out,
                      const float         *y,
                      int                  relu,
                      int                  pool,
                      const unsigned char *second,
                      const float         *dy,
                      float               *db,
                      float               *dm,
                      float               *du,
                      float               *dv,
                      float               *dw,
                      float               *dx)
{
  int L_out = L - 2, T_s = (int) nn_winograd_tiles (1, L_out);
  int T = (int) nn_winograd_tiles (B, L_out);
  int parts = nn_blas_threads ();
  size_t plane_in = (size_t) T * C_in, plane_out = (size_t) T * C_out;
  TransformArgs grad_in = { NULL, NULL, NULL, dx, dv, plane_in, L, C_in, 0, 0, NULL, 0 };
  WeightsArgs grad_w = { NULL, du, dw, C_out, C_in };
  OutputGradArgs grad_out;
  size_t plane = (size_t) C_out * C_in;
  float *db_parts;

  if (parts > NN_MAX_PASS_THREADS)
    parts = NN_MAX_PASS_THREADS;
  if ((size_t) parts > (size_t) B / nn_pass_min_items ((size_t) T_s * P * C_out))
    parts = (int) (B / nn_pass_min_items ((size_t) T_s * P * C_out));
  if (parts < 1)
    parts = 1;
  db_parts = aligned_alloc (64, sizeof (float) * parts * nn_part_stride (C_out));
  if (db_parts == NULL)
    abort ();
  grad_out = (OutputGradArgs) { dy, y, second, dm, db_parts, plane_out, nn_part_stride (C_out),
                                B, L_out, C_out, relu, pool == 2, parts };
  nn_parallel_for ((size_t) parts, 1, output_grad_parts, &grad_out);
  memcpy (db, db_parts, sizeof (float) * C_out);
  for (int part = 1; part < parts; part++)
    for (int o = 0; o < C_out; o++)
      db[o] += db_parts[(size_t) part * nn_part_stride (C_out) + o];
  free (db_parts);
  /* dU = dM^T V, or, with more output channels than input ones, dU^T =
   * V^T dM, (P, C_in, C_out): OpenBLAS computes these long-K products
   * faster with the fewer channels in M (8 products on two threads,
   * Zen 5: 64 x 128 x 704 193 against 154 GFLOP/s for 128 x 64 x 704,
   * 128 x 256 x 320 240 against 221). */
  if (C_out > C_in)
    {
      for (int xi = 0; xi < P; xi++)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C_in, C_out, T, 1.0f,
                     v + xi * plane_in, C_in, dm + xi * plane_out, C_out, 1.0f, du + xi * plane,
                     C_out);
      nn_parallel_for ((size_t) (C_out + BLOCK - 1) / BLOCK,
                       nn_pass_min_items ((size_t) P * C_in * BLOCK), weights_grad_transposed_range,
                       &grad_w);
    }
  else
    {
      for (int xi = 0; xi < P; xi++)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, C_out, C_in, T, 1.0f,
                     dm + xi * plane_out, C_out, v + xi * plane_in, C_in, 1.0f, du + xi * plane,
                     C_in);
      nn_parallel_for (C_out, nn_pass_min_items ((size_t) P * C_in), weights_grad_range, &grad_w);
    }
  if (dx == NULL)
    return;
  /* dV^T = U^T dM^T, (P, C_in, T), for the reason of the forward pass'
   * layout (8 products of 1,472 tiles, two threads: 64 x 64 channels 188
   * against 62 GFLOP/s, 128 x 64 191 against 95, 256 x 256 257 against
   * 243). */
  for (int xi = 0; xi < P; xi++)
    cblas_sgemm (CblasRowMajor, CblasTrans, CblasTrans, C_in, T, C_out, 1.0f, u + xi * plane,
                 C_in, dm + xi * plane_out, C_out, 1.0f, dv + xi * plane_in, T);
  nn_parallel_for (B, nn_pass_min_items ((size_t) T_s * P * C_in), input_grad_range, &grad_in);
}
