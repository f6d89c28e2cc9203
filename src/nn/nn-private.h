/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Internals of src/nn shared between its files and its tests: the random
 * generator, the layer kernels, and the model structure. */

#include <stddef.h>
#include <stdint.h>

#include "nn/nn.h"

/* The element-wise loops between GEMMs, compiled for AVX-512, AVX2 and the
 * baseline; the loader picks the best the CPU has. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define NN_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define NN_CLONES
#endif

/* xoshiro256** seeded through splitmix64: fast, and the same sequence on
 * every platform, so a seed means the same weights everywhere. */
typedef struct
{
  uint64_t s[4];
} NnRng;

void     nn_rng_seed    (NnRng *r, uint64_t seed);
uint64_t nn_rng_next    (NnRng *r);
/* Uniform in [0, 1) with 24 random bits. */
float    nn_rng_uniform (NnRng *r);
/* Uniform integer in [0, n), without modulo bias. */
uint64_t nn_rng_below   (NnRng *r, uint64_t n);

/* Layer kernels.  Activations are (batch * length) x channels, row-major:
 * channels of one position are contiguous, positions of one sample follow
 * each other, samples follow each other.  Taking the whole batch as one
 * sequence of B*L rows, a valid convolution with kernel K is the sum over
 * k of (x shifted by k rows) W_k: K GEMMs with M = B*L - K + 1,
 * N = C_out, K = C_in on views of x, no im2col copy; the K - 1 rows per
 * sample whose window crosses into the next sample are computed and
 * skipped.  Weights: conv (C_out, K, C_in), dense (out, in), as GEMM's
 * B^T. */

/* y = act (conv (x, w) + b), valid padding, stride 1.  @scratch holds
 * B*L*C_out floats (the raw result, see nn_conv1d_forward_raw). */
void  nn_conv1d_forward    (const float *x, int B, int L, int C_in,
                            const float *w, const float *b, int C_out, int K, int relu,
                            float *scratch, float *y);
/* Given x, y (post-activation) and dy: overwrites dw and db, and writes dx
 * when it is not NULL.  @scratch holds B*L*C_out floats; @col is unused
 * (NULL).  With @relu, dy may be masked in place (the GEMM path does, the
 * direct one takes the mask on the way). */
void  nn_conv1d_backward   (const float *x, const float *col, int B, int L, int C_in,
                            const float *w, int C_out, int K, int relu,
                            const float *y, float *dy, float *dw, float *db,
                            float *scratch, float *dx);
/* Inference without im2col: the raw convolution (no bias, no ReLU) of the
 * batch as one sequence, K accumulated GEMMs over shifted views of x, into
 * @raw with B*L - K + 1 rows of C_out: sample s, position t at row
 * s*L + t (rows t >= L - K + 1 are junk).  Returns 0 (and does nothing)
 * for short windows, which nn_conv1d_forward computes directly.  Then
 * nn_bias_act_compact or nn_maxpool_bias_relu (relu (max (y) + b) =
 * max (relu (y + b))) read it with the row stride S = L. */
int   nn_conv1d_forward_raw (const float *x, int B, int L, int C_in, const float *w, int C_out,
                             int K, float *raw);
void  nn_bias_act_compact  (const float *raw, int B, int S, int L_out, int C, const float *b,
                            int relu, float *y);
void  nn_maxpool_bias_relu (const float *x, int B, int S, int L, int C, int P, const float *b,
                            float *y);
/* Max-pool of size P, stride P (a trailing partial window is dropped). */
void  nn_maxpool_forward   (const float *x, int B, int L, int C, int P, float *y);
void  nn_maxpool_backward  (const float *x, int B, int L, int C, int P,
                            const float *dy, float *dx);
/* y = act (x w^T + b), x: B x in. */
void  nn_dense_forward     (const float *x, int B, int in, const float *w, const float *b,
                            int out, int relu, float *y);
/* Its backward pass: dy masked by the ReLU in place, db, dx (unless
 * NULL), and dy^T x added onto @dw, which must hold zeros (a product onto
 * zeros runs faster than one that clears its output first). */
void  nn_dense_backward    (const float *x, int B, int in, const float *w, int out, int relu,
                            const float *y, float *dy, float *dw, float *db, float *dx);
/* Inverted dropout: mask holds 0 or 1/(1-rate); y = x * mask (in place
 * allowed). */
void  nn_dropout_forward   (const float *x, size_t n, float rate, NnRng *rng,
                            float *mask, float *y);
void  nn_dropout_backward  (const float *mask, size_t n, const float *dy, float *dx);
/* Softmax of logits (B x C) into probs; returns the mean cross-entropy
 * against labels and, when dlogits is not NULL, its gradient. */
float nn_softmax_xent      (const float *logits, int B, int C, const int *labels,
                            float *probs, float *dlogits);
void  nn_softmax           (const float *logits, int B, int C, float *probs);

/* The passes between GEMMs are split over as many threads as the BLAS
 * uses, in disjoint ranges (so the result does not depend on the split):
 * fn over [0, n) in parts of at least @min_part items each. */
typedef void (*NnRangeFunc) (size_t begin, size_t end, void *ctx);

#define NN_MAX_PASS_THREADS 16

void   nn_parallel_for     (size_t n, size_t min_part, NnRangeFunc fn, void *ctx);
/* Floats from one thread's part of a per-thread array of @n floats (a
 * partial sum) to the next: whole cache lines, in a 64-byte aligned
 * allocation, so that two threads never write to one line (on a line
 * shared at the boundary of two parts, the sums run several times
 * slower). */
static inline size_t
nn_part_stride (size_t n)
{
  return (n + 15) & ~(size_t) 15;
}

/* Items of @floats_per_item floats worth one thread's part. */
size_t nn_pass_min_items   (size_t floats_per_item);
/* dy *= (y > 0) when @relu, and db = column sums of dy (rows x n). */
void   nn_relu_bias_grad   (const float *y, float *dy, size_t rows, int n, int relu, float *db);

/* Dropout's mask of one element: @keep = 1 / (1 - rate) when the next
 * uniform of @r, u = (r >> 40) / 2^24 as nn_rng_uniform's, is >= rate,
 * else 0.  That is r >> 40 >= ceil (rate 2^24) (both sides exact in
 * float): the mask is selected by bits, not by a branch; a random branch,
 * mispredicted every other time, cost 30 cycles an element. */
static inline uint64_t
nn_dropout_threshold (float rate)
{
  return (uint64_t) __builtin_ceilf (rate * 16777216.0f);
}

static inline float
nn_dropout_mask (NnRng *r, uint64_t threshold, float keep)
{
  uint64_t dropped = ((nn_rng_next (r) >> 40) - threshold) >> 63;
  uint32_t bits;
  float mask;

  __builtin_memcpy (&bits, &keep, sizeof bits);
  bits &= (uint32_t) (dropped - 1);
  __builtin_memcpy (&mask, &bits, sizeof mask);
  return mask;
}

/* Convolutions whose window (K * C_in values) is this short are computed
 * directly: a GEMM with K = 3 (the first layer) runs at a tenth of the
 * machine's speed. */
#define NN_DIRECT_KC 8
#define NN_USE_DIRECT(KC, C_out) ((KC) <= NN_DIRECT_KC && (C_out) <= 4096)

/* The weights (C_out, KC) of a direct convolution transposed to (KC,
 * C_out), so that its inner loop runs over the output channels. */
static inline void
nn_conv1d_direct_weights (const float *w, int C_out, int KC, float *wt)
{
  for (int o = 0; o < C_out; o++)
    for (int j = 0; j < KC; j++)
      wt[j * C_out + o] = w[o * KC + j];
}

/* The direct convolution of one sample (L x C_in) with the transposed
 * weights @wt: ys = act (conv + b), (L - K + 1) x C_out.  Inlined into
 * the callers' clones for their vector width. */
static inline __attribute__ ((always_inline)) void
nn_conv1d_direct_sample (const float *xs, int L, int C_in, const float *wt, const float *b,
                         int C_out, int K, int relu, float *ys)
{
  int L_out = L - K + 1, KC = K * C_in;

  for (int t = 0; t < L_out; t++)
    {
      const float *win = xs + (size_t) t * C_in;
      float *row = ys + (size_t) t * C_out;
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

/* Kernel-3 convolutions by Winograd's minimal filtering F(6,3) (Lavin &
 * Gray 2016): each tile of 6 outputs from 8 inputs costs 8 products per
 * (input, output) channel pair instead of 18, and the products of all
 * tiles are 8 GEMMs (tiles x C_out x C_in).  Layouts, a dense matrix per
 * point (OpenBLAS packs a dense matrix faster than rows 8 C apart: the
 * eight GEMMs of a 64-channel layer, whose 2 kB row stride kept landing
 * in the same cache sets, took 3.1 ms against 3.7-5.7 ms): V (8, tiles,
 * C_in) and U (8, C_out, C_in); the products M (8, C_out, tiles) and the
 * gradient dV (8, C_in, tiles), a row of tiles per channel, which
 * OpenBLAS computes up to 3x faster on two threads than rows of channels
 * (see nn-winograd.c); dM (8, tiles, C_out).  The transforms are passes
 * over contiguous channels, or over 16 x 16 blocks transposed in
 * registers where the layout is by channel.
 * A sample of L inputs has nn_winograd_tiles (1, L - 2) tiles; inputs
 * past its end count as zeros, outputs past L - 2 are dropped. */
#define NN_WINOGRAD_POINTS 8

/* Whether a convolution of this shape runs through Winograd. */
int    nn_winograd_applies    (int K, int C_in, int C_out, int L);
size_t nn_winograd_tiles      (int B, int L_out);
/* U = G w for weights w (C_out, 3, C_in). */
void   nn_winograd_weights    (const float *w, int C_out, int C_in, float *u);
/* y = act (conv (x, w) + b) from U: fills @v (kept for the backward pass)
 * and uses @mbuf (8 x C_out x tiles), which must be all zeros on entry
 * and is all zeros again on return: the GEMMs add onto it and the output
 * transform clears what it read, which costs less than OpenBLAS' own
 * zeroing pass.  With @pool = 2 (and @relu), y is the max-pool of size 2
 * of the activation (B x (L - 2) / 2 rows), else B x (L - 2) rows. */
void   nn_winograd_forward    (const float *x, int B, int L, int C_in, const float *u,
                               int C_out, const float *b, int relu, int pool, float *v,
                               float *mbuf, float *y);
/* The same in two steps, so that inference can chain convolutions:
 * nn_winograd_input fills V from x; nn_winograd_forward_chain takes the
 * products and, when @v_next is NULL, writes y; else it writes no y but
 * the input transform of y for the next Winograd convolution (C_in =
 * C_out, L = the length of y) into @v_next, which may be @v (dead once
 * its products are taken).  Results are bit-identical either way. */
void   nn_winograd_input      (const float *x, int B, int L, int C_in, float *v);
/* The same for the output of a direct convolution (NN_USE_DIRECT) of x
 * (B x L x C_x) with weights w (C_in, K, C_x) and bias b, computed a
 * sample at a time into the cache, and written out only to @y when it is
 * not NULL (training keeps it): the input of the Winograd convolution is
 * L - K + 1 long with C_in channels. */
void   nn_winograd_input_direct (const float *x, int B, int L, int C_x, const float *w,
                                 const float *b, int C_in, int K, int relu, float *y,
                                 float *v);
void   nn_winograd_forward_chain (const float *v, int B, int L, int C_in, const float *u,
                                  int C_out, const float *b, int relu, int pool, float *mbuf,
                                  float *y, float *v_next);
/* Training's forward pass from V: y (B x (L - 2) x C_out, kept for the
 * backward pass) or, when @y_pool is not NULL, its max-pool of pairs
 * (B x (L - 2) / 2 x C_out, as nn_maxpool_forward writes it) and in
 * @second (as many bytes) 1 where a pair's second member is the larger,
 * 0 where the first is (or they are equal): all the backward pass needs
 * of y, which is then written only when @y is not NULL.  When @v_next is
 * not NULL, also the input transform of the pooled output (or of y) for
 * the next Winograd convolution, as nn_winograd_input would write it from
 * there. */
void   nn_winograd_forward_store (const float *v, int B, int L, int C_in, const float *u,
                                  int C_out, const float *b, int relu, float *mbuf, float *y,
                                  float *y_pool, unsigned char *second, float *v_next);
/* From V and U of the forward pass, its output y (B x (L - 2) x C_out,
 * after the ReLU when @relu) and dy: db, dw, and dx (B x L x C_in) when
 * it is not NULL.  dy is the gradient of y, or with @pool = 2 that of the
 * max-pool of pairs after the layer (B x (L - 2) / 2 x C_out), the pool's
 * and the ReLU's backward passes done here on the way: @y is then the
 * pool's output and @second its choices, as nn_winograd_forward_store
 * writes them (NULL without the pool).
 * @dm: 8 x tiles x C_out, @du: 8 x C_out x C_in (dU, or dU^T, 8 x C_in x
 * C_out, when C_out > C_in), @dv: 8 x C_in x tiles, the last two all
 * zeros on entry and on return, as @mbuf of the forward pass (OpenBLAS
 * adds onto zeros left in the cache faster than it clears a matrix). */
void   nn_winograd_backward   (const float *v, int B, int L, int C_in, const float *u,
                               int C_out, const float *y, int relu, int pool,
                               const unsigned char *second, const float *dy, float *db,
                               float *dm, float *du, float *dv, float *dw, float *dx);

typedef enum
{
  NN_LAYER_CONV,
  NN_LAYER_POOL,
  NN_LAYER_FLATTEN,
  NN_LAYER_DENSE,
  NN_LAYER_DROPOUT,
} NnLayerKind;

typedef struct
{
  NnLayerKind kind;
  int         relu;
  int         c_in, l_in;   /* input channels and length (dense: in, 1) */
  int         c_out, l_out; /* output */
  int         k;            /* conv kernel or pool size */
  float       rate;         /* dropout */
  char        name[16];     /* tensor name prefix: conv1, dense2, ... */
  size_t      w_off, b_off, n_w; /* offsets into the parameter arena */
  float      *act;          /* output activations, B * l_out * c_out (training; not
                             * for a Winograd convolution with a pool of pairs after
                             * it: the pool's output and pool_second stand for it) */
  unsigned char *pool_second; /* that pool's choices (see nn_winograd_forward_store) */
  float      *mask;         /* dropout mask (training) */
  float      *out;          /* where the last forward pass put the output */
  int         winograd;     /* conv through Winograd (fixed at creation) */
  float      *wino_u;       /* Winograd-transformed weights (conv) */
  float      *wino_v;       /* Winograd-transformed input (conv, training) */
} NnLayer;

struct NnModel
{
  char    *architecture;
  int      n_in, n_classes;
  int      n_layers;
  NnLayer *layers;

  size_t   n_params;
  float   *params, *grads;
  /* The dense layers' dW in grads are all zeros, as nn_dense_backward
   * needs them: so after the allocation and after every Adam step, which
   * clears the gradients as it reads them. */
  int      grads_zero;

  /* Workspace for a batch capacity; grown on demand, never per call. */
  int      cap, cap_train;
  /* raw: a convolution's result before bias and ReLU; dcol: the padded
   * gradient of the backward pass; grad_a/grad_b: ping-pong. */
  float   *dcol, *grad_a, *grad_b, *probs, *raw;
  /* Winograd: transformed input (inference), products (all zeros between
   * forward passes), their gradient, the gradient of the transformed input
   * and of the weights. */
  float   *wino_v, *wino_m, *wino_dm, *wino_dv, *wino_du;

  NnRng    rng;
  int      last_dropout; /* the last forward pass applied dropout */
  int      infer_chunk;  /* inputs per inference pass; 0: by the thread count */

  int      n_meta;
  char   **meta_keys, **meta_values;
};

enum
{
  NN_FORWARD_STORE   = 1 << 0, /* keep every activation for a backward pass */
  NN_FORWARD_DROPOUT = 1 << 1, /* dropout on (training, Monte-Carlo) */
};

/* Allocates the workspace for batches of up to B inputs (with @train, the
 * per-layer buffers of the backward pass too). */
int    nn_model_reserve    (NnModel *m, int B, int train, char **err);
/* Runs the network on B inputs; returns the logits (inside the
 * workspace).  @mode: NN_FORWARD_* flags. */
float *nn_model_forward    (NnModel *m, const float *x, int B, int mode);
/* Backward pass from dlogits (B x n_classes), filling m->grads. */
void   nn_model_backward   (NnModel *m, const float *x, int B, const float *dlogits);

/* The widest vector instructions a CPU (and its OS) can run. */
typedef enum
{
  NN_CPU_BASELINE,
  NN_CPU_AVX2,   /* with FMA */
  NN_CPU_AVX512, /* F, BW, VL and DQ */
} NnCpuLevel;

NnCpuLevel  nn_blas_cpu_level   (void);
/* The OpenBLAS core to use instead of @core (OpenBLAS' own choice, NULL
 * when it has none) on a CPU of level @cpu, or NULL to keep it: SkylakeX
 * over a generic or AVX2 core on AVX-512, Haswell over a generic core on
 * AVX2.  A core name it does not know is kept. */
const char *nn_blas_better_core (const char *core, NnCpuLevel cpu);

/* malloc'd printf, for error messages. */
char  *nn_strdup_printf    (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
void   nn_set_error        (char **err, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

/* The metadata keys the model writes itself. */
int    nn_metadata_key_reserved (const char *key);
