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
 * each other, samples follow each other.  A valid convolution with kernel
 * K then reads, for output position t, the K*C_in contiguous floats that
 * start at input row t: im2col is a row copy, and the convolution is one
 * GEMM with M = batch * L_out, N = C_out, K = K * C_in.
 * Weights: conv (C_out, K, C_in), dense (out, in), as GEMM's B^T. */

/* y = act (col(x) w^T + b); @col receives im2col(x) (B*L_out x K*C_in),
 * kept for the backward pass. */
void  nn_conv1d_forward    (const float *x, int B, int L, int C_in,
                            const float *w, const float *b, int C_out, int K, int relu,
                            float *col, float *y);
/* Given x or its im2col (short windows use x, others col), y
 * (post-activation) and dy: overwrites dw and db, and writes dx when it is
 * not NULL (dcol is scratch of col's size).  With @relu, dy is masked in
 * place. */
void  nn_conv1d_backward   (const float *x, const float *col, int B, int L, int C_in,
                            const float *w, int C_out, int K, int relu,
                            const float *y, float *dy, float *dw, float *db,
                            float *dcol, float *dx);
/* Inference shortcut for a conv + ReLU followed by a max-pool: the raw
 * GEMM output (no bias, no ReLU), then pool + bias + ReLU in one pass.
 * nn_conv1d_forward_raw returns 0 (and does nothing) for short windows. */
int   nn_conv1d_forward_raw (const float *x, int B, int L, int C_in, const float *w, int C_out,
                             int K, float *col, float *y);
void  nn_maxpool_bias_relu (const float *x, int B, int L, int C, int P, const float *b, float *y);
/* Max-pool of size P, stride P (a trailing partial window is dropped). */
void  nn_maxpool_forward   (const float *x, int B, int L, int C, int P, float *y);
void  nn_maxpool_backward  (const float *x, int B, int L, int C, int P,
                            const float *dy, float *dx);
/* y = act (x w^T + b), x: B x in. */
void  nn_dense_forward     (const float *x, int B, int in, const float *w, const float *b,
                            int out, int relu, float *y);
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
  float      *act;          /* output activations, B * l_out * c_out (training) */
  float      *mask;         /* dropout mask (training) */
  float      *col;          /* im2col of the input (training) */
  float      *out;          /* where the last forward pass put the output */
} NnLayer;

struct NnModel
{
  char    *architecture;
  int      n_in, n_classes;
  int      n_layers;
  NnLayer *layers;

  size_t   n_params;
  float   *params, *grads;

  /* Workspace for a batch capacity; grown on demand, never per call. */
  int      cap, cap_train;
  float   *col, *dcol, *grad_a, *grad_b, *probs;

  NnRng    rng;
  int      last_dropout; /* the last forward pass applied dropout */

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

/* malloc'd printf, for error messages. */
char  *nn_strdup_printf    (const char *format, ...) __attribute__ ((format (printf, 1, 2)));
void   nn_set_error        (char **err, const char *format, ...) __attribute__ ((format (printf, 2, 3)));

/* The metadata keys the model writes itself. */
int    nn_metadata_key_reserved (const char *key);
