/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The neural-network engine: a 1-D CNN on OpenBLAS, SMOTE and the query
 * strategies of active learning.  Plain C: float buffers in, float buffers
 * out; errors are malloc'd strings (free them with free()) plus a return
 * code.  Nothing here knows about files of spectra or experiments. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum
{
  NN_OK        = 0,
  NN_ERROR     = -1,
  NN_CANCELLED = -2,
};

typedef struct NnModel NnModel;

/* @preset: "reference" (the method's CNN, see ARCHITECTURE.md) or "small"
 * (a few thousand weights, for tests).  Weights are Glorot-uniform from
 * @seed; the same seed gives the same weights. */
NnModel    *nn_model_new_preset   (const char        *preset,
                                   int                n_in,
                                   int                n_classes,
                                   uint64_t           seed,
                                   char             **err);
/* @architecture: comma-separated layers, e.g.
 * "conv64k3,conv64k3,pool2,flatten,dense512,dropout0.5"; the final dense
 * layer with @n_classes outputs and the softmax are implied. */
NnModel    *nn_model_new          (const char        *architecture,
                                   int                n_in,
                                   int                n_classes,
                                   uint64_t           seed,
                                   char             **err);
void        nn_model_free         (NnModel           *m);
int         nn_model_n_in         (const NnModel     *m);
int         nn_model_n_classes    (const NnModel     *m);
const char *nn_model_architecture (const NnModel     *m);
size_t      nn_model_n_params     (const NnModel     *m);
/* Floating-point operations of one forward pass of one input. */
double      nn_model_flops        (const NnModel     *m);

/* Metadata stored in the safetensors header's __metadata__ (string
 * key/values: class names, grid, preprocessing, ...).  The keys
 * "architecture", "n_in", "n_classes" and "format" are the model's own and
 * cannot be set.  Returns NN_OK or NN_ERROR. */
int         nn_model_set_metadata (NnModel           *m,
                                   const char        *key,
                                   const char        *value);
const char *nn_model_get_metadata (const NnModel     *m,
                                   const char        *key);
/* Number of metadata entries and the i-th key (for listing). */
int         nn_model_n_metadata   (const NnModel     *m);
const char *nn_model_metadata_key (const NnModel     *m,
                                   int                i);

/* Inference (dropout off).  @x: n * n_in, @probs: n * n_classes.  Not
 * thread-safe per model; callers use one thread per model. */
int         nn_model_predict      (NnModel           *m,
                                   const float       *x,
                                   size_t             n,
                                   float             *probs,
                                   char             **err);
/* Monte-Carlo dropout: @T stochastic passes -> mean probabilities
 * (n * n_classes) and BALD scores (n), the mutual information between the
 * prediction and the weights.  Either output may be NULL. */
int         nn_model_predict_mc   (NnModel           *m,
                                   const float       *x,
                                   size_t             n,
                                   int                T,
                                   uint64_t           seed,
                                   float             *mean_probs,
                                   float             *bald,
                                   char             **err);

typedef struct
{
  int      max_epochs;    /* default 100 */
  int      batch_size;    /* 64 */
  float    learning_rate; /* 1e-3 (Adam) */
  int      patience;      /* 10: early stopping on the training loss */
  float    min_delta;     /* 1e-3 */
  uint64_t seed;          /* shuffling and dropout */
  int      n_threads;     /* 0 = all cores */
  /* Called after each epoch; return nonzero to cancel (nn_model_train
   * then returns NN_CANCELLED with the best weights so far restored). */
  int    (*progress) (int epoch, float loss, float accuracy, void *user_data);
  void    *user_data;
} NnTrainOptions;

void        nn_train_options_init (NnTrainOptions    *o);
/* Trains with Adam on mini-batches reshuffled every epoch; early stopping
 * restores the weights of the epoch with the lowest training loss.
 * Deterministic for a given seed and thread count.  @y in [0, n_classes). */
int         nn_model_train        (NnModel           *m,
                                   const float       *x,
                                   const int         *y,
                                   size_t             n,
                                   const NnTrainOptions *o,
                                   char             **err);

/* Safetensors: 8-byte little-endian header length, a JSON header (tensor
 * dtype/shape/offsets and __metadata__), then the raw little-endian F32
 * tensors.  Written to a temporary file, then renamed into place. */
int         nn_model_save         (const NnModel     *m,
                                   const char        *path,
                                   char             **err);
NnModel    *nn_model_load         (const char        *path,
                                   char             **err);

/* Scales every row of @x (n * dim) to [-1, 1] by its own minimum and
 * maximum (the method's preprocessing); constant rows become 0. */
void        nn_scale_minmax       (float             *x,
                                   size_t             n,
                                   int                dim);

/* SMOTE: every minority class oversampled to the majority count, from @k
 * nearest neighbours within the class (found through GEMM distances).
 * Returns the balanced set, original rows first, in malloc'd buffers. */
int         nn_smote              (const float       *x,
                                   const int         *y,
                                   size_t             n,
                                   int                dim,
                                   int                n_classes,
                                   int                k,
                                   uint64_t           seed,
                                   float            **x_out,
                                   int              **y_out,
                                   size_t            *n_out,
                                   char             **err);

typedef enum
{
  NN_QUERY_ENTROPY,
  NN_QUERY_MARGIN,
  NN_QUERY_LEAST_CONFIDENCE,
  NN_QUERY_RANDOM,
  NN_QUERY_BALD,
} NnQueryStrategy;

/* "entropy", "margin", "least-confidence", "random", "bald".  Returns
 * NN_OK or NN_ERROR for an unknown name. */
int         nn_query_strategy_from_string (const char      *name,
                                           NnQueryStrategy *out);
const char *nn_query_strategy_to_string   (NnQueryStrategy  s);
/* Higher = more informative.  ENTROPY: -sum p ln p; MARGIN: 1 - (p1 - p2);
 * LEAST_CONFIDENCE: 1 - p1.  RANDOM and BALD are scored by the caller
 * (a random number, nn_model_predict_mc) and give NaN here. */
float       nn_query_score        (NnQueryStrategy    s,
                                   const float       *probs,
                                   int                n_classes);

/* Streaming top-k selection: O(N log k) time, O(k) memory.  NaN scores
 * are ignored. */
typedef struct NnTopK NnTopK;

NnTopK     *nn_topk_new           (size_t             k);
void        nn_topk_push          (NnTopK            *t,
                                   float              score,
                                   int64_t            index);
/* Writes up to k results, best first (ties: lower index first); returns
 * their number.  The selection stays usable. */
size_t      nn_topk_result        (NnTopK            *t,
                                   int64_t           *indices,
                                   float             *scores);
void        nn_topk_free          (NnTopK            *t);

/* How convolutions of kernel 3 are computed: by Winograd's minimal
 * filtering F(6,3), 4/9 of the multiplications (the default wherever the
 * window has 16 values or more), or as three shifted GEMMs.  Process-wide,
 * for tests and benchmarks: models created afterwards use it (each keeps
 * the choice made at its creation). */
typedef enum
{
  NN_CONV_AUTO,     /* Winograd where it applies, else shifted GEMMs */
  NN_CONV_GEMM,     /* shifted GEMMs only */
  NN_CONV_WINOGRAD, /* Winograd wherever the kernel is 3 */
} NnConvAlgorithm;

void            nn_conv_set_algorithm (NnConvAlgorithm a);
NnConvAlgorithm nn_conv_get_algorithm (void);

/* OpenBLAS core selection and thread wait.  Call first thing in main():
 * when OpenBLAS picked a core older than the CPU (a generic one such as
 * Prescott or Sandybridge on a CPU with AVX2, or an AVX2 one, Haswell or
 * Zen, on a CPU with AVX-512), or when OPENBLAS_THREAD_TIMEOUT is unset
 * (its threads would spin through our passes between products for 2^28
 * cycles), re-executes the program once with OPENBLAS_CORETYPE set to
 * SkylakeX or Haswell and OPENBLAS_THREAD_TIMEOUT=14.  Values the user set
 * are respected.  Returns only when no re-execution happened (or it
 * failed). */
void        nn_blas_ensure_core   (int                argc,
                                   char             **argv);
/* The OpenBLAS core in use, e.g. "SkylakeX". */
const char *nn_blas_core_name     (void);
/* The core OpenBLAS chose on its own, before nn_blas_ensure_core replaced
 * it (the core in use when it did not). */
const char *nn_blas_core_detected (void);
/* Who chose the core in use: "OPENBLAS_CORETYPE" (the environment),
 * "emissary" (nn_blas_ensure_core) or "openblas". */
const char *nn_blas_core_set_by   (void);
/* When OPENBLAS_CORETYPE names a core older than the CPU can run, the
 * core to set instead (for a notice; it is not overridden), else NULL. */
const char *nn_blas_core_advice   (void);
/* Number of threads OpenBLAS uses now / sets it (0 = all cores). */
int         nn_blas_threads       (void);
void        nn_blas_set_threads   (int                n);

#ifdef __cplusplus
}
#endif
