/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CNN: built from an architecture string, run forward and backward
 * through the layer kernels, trained with Adam and early stopping. */
#include "nn/nn-private.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inference runs in chunks of this many inputs.  On one thread, 128: M =
 * chunk * length is large enough for full-speed GEMMs while a chunk's
 * activations stay within the caches' reach.  On more threads, 256:
 * OpenBLAS splits every product between its threads and synchronises them
 * (sched_yield, futex wake-ups) several times per call, a fixed cost per
 * call that larger chunks pay less often, while the Winograd products
 * (P, C_out, tiles) of a chunk must come back from the caches rather than
 * from memory for the output transform, which smaller chunks favour.
 * Measured on two Zen 5 cores, 6 alternating rounds (medians): 256 gave
 * 13,050 spectra/s, 512 12,090, 1,024 10,860; before the products were
 * laid out by channel, 1,024 had been best (11,560 in the same rounds).
 * Workspace: ~55 MB at 256 for the reference network. */
#define NN_INFER_CHUNK_ONE_THREAD 128
#define NN_INFER_CHUNK_THREADS    256

/* The chunk for the threads OpenBLAS uses now (m->infer_chunk when set). */
static int
inference_chunk (const NnModel *m)
{
  if (m->infer_chunk > 0)
    return m->infer_chunk;
  return nn_blas_threads () > 1 ? NN_INFER_CHUNK_THREADS : NN_INFER_CHUNK_ONE_THREAD;
}


static const char *const reserved_keys[] = { "architecture", "n_in", "n_classes", "format" };

static const struct
{
  const char *name, *architecture;
} presets[] = {
  /* The method's CNN (Škoda, Podsztavek & Tvrdík 2020). */
  { "reference", "conv64k3,conv64k3,pool2,conv128k3,conv128k3,pool2,conv256k3,conv256k3,pool2,"
                 "flatten,dense512,dropout0.5,dense512,dropout0.5" },
  /* The same shape of network, a thousand times cheaper: for tests. */
  { "small", "conv8k3,pool2,conv16k3,pool2,flatten,dense32,dropout0.5" },
};

int
nn_metadata_key_reserved (const char *key)
{
  for (size_t i = 0; i < sizeof reserved_keys / sizeof reserved_keys[0]; i++)
    if (strcmp (key, reserved_keys[i]) == 0)
      return 1;
  return 0;
}

static void
init_weights (NnModel *m, uint64_t seed)
{
  NnRng rng;

  nn_rng_seed (&rng, seed);
  memset (m->params, 0, sizeof (float) * m->n_params);
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *L = &m->layers[i];
      double fan_in, fan_out, limit;

      if (L->kind == NN_LAYER_CONV)
        {
          fan_in = (double) L->c_in * L->k;
          fan_out = (double) L->c_out * L->k;
        }
      else if (L->kind == NN_LAYER_DENSE)
        {
          fan_in = (double) L->c_in * L->l_in;
          fan_out = L->c_out;
        }
      else
        continue;
      /* Glorot uniform, zero biases: Keras' defaults, as in the authors'
       * code. */
      limit = sqrt (6.0 / (fan_in + fan_out));
      for (size_t j = 0; j < L->n_w; j++)
        m->params[L->w_off + j] = (float) ((2.0 * nn_rng_uniform (&rng) - 1.0) * limit);
    }
}

static int
parse_int (const char **p, int *out)
{
  long v = 0;
  int digits = 0;

  while (isdigit ((unsigned char) **p) && digits < 9)
    {
      v = v * 10 + (**p - '0');
      (*p)++;
      digits++;
    }
  if (digits == 0 || isdigit ((unsigned char) **p) || v <= 0)
    return 0;
  *out = (int) v;
  return 1;
}

static int
add_layer (NnModel *m, const NnLayer *L)
{
  NnLayer *layers = realloc (m->layers, sizeof (NnLayer) * (m->n_layers + 1));

  if (layers == NULL)
    return 0;
  m->layers = layers;
  m->layers[m->n_layers++] = *L;
  return 1;
}

/* Parses one token of the architecture into a layer after the shape
 * (*c, *l); returns 0 with an error for anything it does not know. */
static int
parse_token (NnModel *m, const char *tok, int *c, int *l, int *n_conv, int *n_dense, char **err)
{
  NnLayer L = { 0 };
  const char *p = tok;
  int flat = m->n_layers > 0 && (m->layers[m->n_layers - 1].kind == NN_LAYER_FLATTEN
                                 || m->layers[m->n_layers - 1].kind == NN_LAYER_DENSE
                                 || (m->layers[m->n_layers - 1].kind == NN_LAYER_DROPOUT
                                     && *l == 1 && m->layers[m->n_layers - 1].l_in == 1));

  L.c_in = *c;
  L.l_in = *l;
  if (strncmp (p, "conv", 4) == 0)
    {
      p += 4;
      if (!parse_int (&p, &L.c_out) || *p++ != 'k' || !parse_int (&p, &L.k) || *p != '\0')
        goto bad;
      if (flat)
        {
          nn_set_error (err, "architecture: “%s” after a flat layer", tok);
          return 0;
        }
      L.kind = NN_LAYER_CONV;
      L.relu = 1;
      L.l_out = *l - L.k + 1;
      L.n_w = (size_t) L.c_out * L.k * L.c_in;
      snprintf (L.name, sizeof L.name, "conv%d", ++*n_conv);
    }
  else if (strncmp (p, "pool", 4) == 0)
    {
      p += 4;
      if (!parse_int (&p, &L.k) || *p != '\0')
        goto bad;
      L.kind = NN_LAYER_POOL;
      L.c_out = *c;
      L.l_out = *l / L.k;
    }
  else if (strcmp (p, "flatten") == 0)
    {
      L.kind = NN_LAYER_FLATTEN;
      L.c_out = *c * *l;
      L.l_out = 1;
    }
  else if (strncmp (p, "dense", 5) == 0)
    {
      p += 5;
      if (!parse_int (&p, &L.c_out) || *p != '\0')
        goto bad;
      L.kind = NN_LAYER_DENSE;
      L.relu = 1;
      L.l_out = 1;
      L.n_w = (size_t) L.c_out * L.c_in * L.l_in;
      snprintf (L.name, sizeof L.name, "dense%d", ++*n_dense);
    }
  else if (strncmp (p, "dropout", 7) == 0)
    {
      char *end;
      p += 7;
      L.rate = strtof (p, &end);
      if (end == p || *end != '\0' || !(L.rate >= 0.0f && L.rate < 1.0f))
        goto bad;
      L.kind = NN_LAYER_DROPOUT;
      L.c_out = *c;
      L.l_out = *l;
    }
  else
    goto bad;

  if (L.l_out < 1)
    {
      nn_set_error (err, "architecture: “%s” leaves no output for an input of length %d", tok, *l);
      return 0;
    }
  if ((double) L.c_out * L.l_out > 1e8 || (double) L.n_w > 1e9)
    {
      nn_set_error (err, "architecture: “%s” is too large", tok);
      return 0;
    }
  if (!add_layer (m, &L))
    {
      nn_set_error (err, "out of memory");
      return 0;
    }
  *c = L.c_out;
  *l = L.l_out;
  return 1;

bad:
  nn_set_error (err, "architecture: unknown layer “%s” (expected convNkK, poolP, flatten, "
                "denseN or dropoutR)", tok);
  return 0;
}

NnModel *
nn_model_new (const char *architecture,
              int         n_in,
              int         n_classes,
              uint64_t    seed,
              char      **err)
{
  NnModel *m;
  char *copy, *save = NULL;
  int c = 1, l = n_in, n_conv = 0, n_dense = 0;
  NnLayer last = { 0 };

  if (architecture == NULL || n_in < 1 || n_in > 1000000 || n_classes < 2 || n_classes > 100000)
    {
      nn_set_error (err, "invalid model shape: %d inputs, %d classes (need ≥ 1 input and ≥ 2 classes)",
                    n_in, n_classes);
      return NULL;
    }
  m = calloc (1, sizeof *m);
  copy = strdup (architecture);
  if (m == NULL || copy == NULL)
    {
      free (m);
      free (copy);
      nn_set_error (err, "out of memory");
      return NULL;
    }
  m->n_in = n_in;
  m->n_classes = n_classes;
  m->architecture = strdup (architecture);
  for (char *tok = strtok_r (copy, ",", &save); tok != NULL; tok = strtok_r (NULL, ",", &save))
    {
      while (isspace ((unsigned char) *tok))
        tok++;
      for (char *e = tok + strlen (tok); e > tok && isspace ((unsigned char) e[-1]);)
        *--e = '\0';
      if (!parse_token (m, tok, &c, &l, &n_conv, &n_dense, err))
        {
          free (copy);
          nn_model_free (m);
          return NULL;
        }
    }
  free (copy);

  /* The classifier: a dense layer to the classes, softmax in the loss. */
  last.kind = NN_LAYER_DENSE;
  last.c_in = c;
  last.l_in = l;
  last.c_out = n_classes;
  last.l_out = 1;
  last.n_w = (size_t) n_classes * c * l;
  snprintf (last.name, sizeof last.name, "dense%d", ++n_dense);
  if (m->architecture == NULL || !add_layer (m, &last))
    {
      nn_model_free (m);
      nn_set_error (err, "out of memory");
      return NULL;
    }

  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *L = &m->layers[i];
      if (L->kind == NN_LAYER_CONV)
        L->winograd = nn_winograd_applies (L->k, L->c_in, L->c_out, L->l_in);
      if (L->kind != NN_LAYER_CONV && L->kind != NN_LAYER_DENSE)
        continue;
      L->w_off = m->n_params;
      L->b_off = L->w_off + L->n_w;
      m->n_params = L->b_off + L->c_out;
    }
  m->params = calloc (m->n_params, sizeof (float));
  m->grads = calloc (m->n_params, sizeof (float));
  m->grads_zero = 1;
  if (m->params == NULL || m->grads == NULL)
    {
      nn_model_free (m);
      nn_set_error (err, "out of memory for %zu weights", m->n_params);
      return NULL;
    }
  init_weights (m, seed);
  nn_rng_seed (&m->rng, seed ^ 0x5eed5eed5eed5eedULL);
  m->infer_chunk = 0; /* by the thread count, see inference_chunk */
  return m;
}

NnModel *
nn_model_new_preset (const char *preset,
                     int         n_in,
                     int         n_classes,
                     uint64_t    seed,
                     char      **err)
{
  for (size_t i = 0; preset != NULL && i < sizeof presets / sizeof presets[0]; i++)
    if (strcmp (preset, presets[i].name) == 0)
      return nn_model_new (presets[i].architecture, n_in, n_classes, seed, err);
  nn_set_error (err, "unknown model preset “%s” (expected “reference” or “small”)",
                preset != NULL ? preset : "(null)");
  return NULL;
}

static void
free_workspace (NnModel *m)
{
  for (int i = 0; i < m->n_layers; i++)
    {
      free (m->layers[i].act);
      free (m->layers[i].mask);
      free (m->layers[i].wino_u);
      free (m->layers[i].wino_v);
      free (m->layers[i].pool_second);
      m->layers[i].pool_second = NULL;
      m->layers[i].act = m->layers[i].mask = NULL;
      m->layers[i].wino_u = m->layers[i].wino_v = NULL;
    }
  free (m->wino_v);
  free (m->wino_m);
  free (m->wino_dm);
  free (m->wino_dv);
  free (m->wino_du);
  m->wino_v = m->wino_m = m->wino_dm = m->wino_dv = m->wino_du = NULL;
  free (m->dcol);
  free (m->grad_a);
  free (m->grad_b);
  free (m->probs);
  free (m->raw);
  m->dcol = m->grad_a = m->grad_b = m->probs = m->raw = NULL;
  m->cap = m->cap_train = 0;
}

void
nn_model_free (NnModel *m)
{
  if (m == NULL)
    return;
  free_workspace (m);
  for (int i = 0; i < m->n_meta; i++)
    {
      free (m->meta_keys[i]);
      free (m->meta_values[i]);
    }
  free (m->meta_keys);
  free (m->meta_values);
  free (m->layers);
  free (m->params);
  free (m->grads);
  free (m->architecture);
  free (m);
}

int
nn_model_n_in (const NnModel *m)
{
  return m->n_in;
}

int
nn_model_n_classes (const NnModel *m)
{
  return m->n_classes;
}

const char *
nn_model_architecture (const NnModel *m)
{
  return m->architecture;
}

size_t
nn_model_n_params (const NnModel *m)
{
  return m->n_params;
}

double
nn_model_flops (const NnModel *m)
{
  double flops = 0.0;

  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *L = &m->layers[i];
      if (L->kind == NN_LAYER_CONV)
        flops += 2.0 * L->l_out * L->k * L->c_in * L->c_out;
      else if (L->kind == NN_LAYER_DENSE)
        flops += 2.0 * L->l_in * L->c_in * L->c_out;
    }
  return flops;
}

int
nn_model_set_metadata (NnModel    *m,
                       const char *key,
                       const char *value)
{
  char *v;

  if (key == NULL || value == NULL || key[0] == '\0' || nn_metadata_key_reserved (key))
    return NN_ERROR;
  for (int i = 0; i < m->n_meta; i++)
    if (strcmp (m->meta_keys[i], key) == 0)
      {
        if ((v = strdup (value)) == NULL)
          return NN_ERROR;
        free (m->meta_values[i]);
        m->meta_values[i] = v;
        return NN_OK;
      }
  {
    char **keys = realloc (m->meta_keys, sizeof (char *) * (m->n_meta + 1));
    char **values;
    if (keys == NULL)
      return NN_ERROR;
    m->meta_keys = keys;
    values = realloc (m->meta_values, sizeof (char *) * (m->n_meta + 1));
    if (values == NULL)
      return NN_ERROR;
    m->meta_values = values;
    keys[m->n_meta] = strdup (key);
    values[m->n_meta] = strdup (value);
    if (keys[m->n_meta] == NULL || values[m->n_meta] == NULL)
      {
        free (keys[m->n_meta]);
        free (values[m->n_meta]);
        return NN_ERROR;
      }
    m->n_meta++;
  }
  return NN_OK;
}

const char *
nn_model_get_metadata (const NnModel *m,
                       const char    *key)
{
  for (int i = 0; key != NULL && i < m->n_meta; i++)
    if (strcmp (m->meta_keys[i], key) == 0)
      return m->meta_values[i];
  return NULL;
}

int
nn_model_n_metadata (const NnModel *m)
{
  return m->n_meta;
}

const char *
nn_model_metadata_key (const NnModel *m,
                       int            i)
{
  return i >= 0 && i < m->n_meta ? m->meta_keys[i] : NULL;
}

static int
grow (float **buf, size_t n)
{
  float *p = realloc (*buf, sizeof (float) * (n > 0 ? n : 1));

  if (p == NULL)
    return 0;
  *buf = p;
  return 1;
}

/* A buffer of @n zeros, its old contents dropped. */
static int
grow_zeroed (float **buf, size_t n)
{
  float *p = calloc (n > 0 ? n : 1, sizeof (float));

  if (p == NULL)
    return 0;
  free (*buf);
  *buf = p;
  return 1;
}

/* Whether the convolution layer runs through Winograd F(6,3). */
static int
conv_winograd (const NnLayer *L)
{
  return L->kind == NN_LAYER_CONV && L->winograd;
}

/* Whether layer @i is a Winograd convolution with a max-pool of pairs
 * after it, which training's passes take together: the activation
 * between them is never written, the pool's choices stand for it. */
static int
pooled_winograd (const NnModel *m, int i)
{
  return conv_winograd (&m->layers[i]) && i + 1 < m->n_layers
         && m->layers[i + 1].kind == NN_LAYER_POOL && m->layers[i + 1].k == 2;
}

int
nn_model_reserve (NnModel *m,
                  int      B,
                  int      train,
                  char   **err)
{
  size_t max_act = (size_t) m->n_in, max_raw = 1;
  /* Winograd, per input: transformed input and products; per layer: U. */
  size_t max_wv = 1, max_wm = 1, max_wu = 1;

  if (B <= m->cap && (!train || B <= m->cap_train))
    return NN_OK;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *L = &m->layers[i];
      size_t out = (size_t) L->c_out * L->l_out, in = (size_t) L->c_in * L->l_in;
      max_act = out > max_act ? out : max_act;
      max_act = in > max_act ? in : max_act;
      if (L->kind == NN_LAYER_CONV)
        {
          size_t raw = (size_t) L->l_in * L->c_out;
          max_raw = raw > max_raw ? raw : max_raw;
          if (conv_winograd (L))
            {
              size_t tiles = nn_winograd_tiles (1, L->l_out) * NN_WINOGRAD_POINTS;
              size_t wv = tiles * L->c_in, wm = tiles * L->c_out;
              size_t wu = (size_t) NN_WINOGRAD_POINTS * L->c_out * L->c_in;
              max_wv = wv > max_wv ? wv : max_wv;
              max_wm = wm > max_wm ? wm : max_wm;
              max_wu = wu > max_wu ? wu : max_wu;
            }
        }
    }
  /* Shared by inference and training: the largest batch seen. */
  if (B > m->cap)
    {
      if (!grow (&m->grad_a, max_act * B) || !grow (&m->grad_b, max_act * B)
          || !grow (&m->probs, (size_t) m->n_classes * B)
          || !grow (&m->raw, max_raw * B) || !grow (&m->wino_v, max_wv * B)
          || !grow_zeroed (&m->wino_m, max_wm * B))
        goto oom;
      for (int i = 0; i < m->n_layers; i++)
        {
          NnLayer *L = &m->layers[i];
          if (conv_winograd (L) && L->wino_u == NULL
              && !grow (&L->wino_u, (size_t) NN_WINOGRAD_POINTS * L->c_out * L->c_in))
            goto oom;
        }
      m->cap = B;
    }
  /* Every activation of a training batch, for the backward pass. */
  if (train && B > m->cap_train)
    {
      for (int i = 0; i < m->n_layers; i++)
        {
          NnLayer *L = &m->layers[i];
          size_t out = (size_t) L->c_out * L->l_out * B;
          if (L->kind == NN_LAYER_FLATTEN)
            continue;
          if (pooled_winograd (m, i))
            {
              unsigned char *p = realloc (L->pool_second, out / 2 > 0 ? out / 2 : 1);
              if (p == NULL)
                goto oom;
              L->pool_second = p;
            }
          else if (!grow (&L->act, out))
            goto oom;
          if (L->kind == NN_LAYER_DROPOUT && !grow (&L->mask, out))
            goto oom;
          if (conv_winograd (L)
              && !grow (&L->wino_v, nn_winograd_tiles (B, L->l_out) * NN_WINOGRAD_POINTS
                                        * L->c_in))
            goto oom;
        }
      if (!grow (&m->dcol, max_raw * B) || !grow (&m->wino_dm, max_wm * B)
          || !grow_zeroed (&m->wino_dv, max_wv * B) || !grow_zeroed (&m->wino_du, max_wu))
        goto oom;
      m->cap_train = B;
    }
  return NN_OK;

oom:
  free_workspace (m);
  nn_set_error (err, "out of memory for a batch of %d inputs", B);
  return NN_ERROR;
}

float *
nn_model_forward (NnModel     *m,
                  const float *x,
                  int          B,
                  int          mode)
{
  const float *cur = x;
  /* The next convolution's transformed input is in m->wino_v already. */
  int v_ready = 0;
  int store = (mode & NN_FORWARD_STORE) != 0;
  int dropout = (mode & NN_FORWARD_DROPOUT) != 0;

  m->last_dropout = dropout;

  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *L = &m->layers[i];
      const float *w = m->params + L->w_off, *b = m->params + L->b_off;
      /* Without STORE, layers write alternately into two buffers. */
      float *out = store ? L->act : (cur == m->grad_a ? m->grad_b : m->grad_a);
      size_t n = (size_t) B * L->c_out * L->l_out;

      switch (L->kind)
        {
        case NN_LAYER_CONV:
          if (conv_winograd (L) && store)
            {
              /* Training: the activation is kept, and the pool of pairs
               * after it and the next convolution's input transform are
               * taken from it on the way. */
              int pool = pooled_winograd (m, i);
              int next = i + 1 + (pool ? 1 : 0);
              int chain = next < m->n_layers && conv_winograd (&m->layers[next]);
              nn_winograd_weights (w, L->c_out, L->c_in, L->wino_u);
              if (!v_ready)
                nn_winograd_input (cur, B, L->l_in, L->c_in, L->wino_v);
              nn_winograd_forward_store (L->wino_v, B, L->l_in, L->c_in, L->wino_u, L->c_out, b,
                                         L->relu, m->wino_m, pool ? NULL : L->act,
                                         pool ? m->layers[i + 1].act : NULL,
                                         pool ? L->pool_second : NULL,
                                         chain ? m->layers[next].wino_v : NULL);
              v_ready = chain;
              if (pool)
                {
                  L->out = NULL; /* not written: the pool's output and choices stand for it */
                  L = &m->layers[++i];
                  out = L->act;
                }
              break;
            }
          if (conv_winograd (L))
            {
              int pool = !store && L->relu && i + 1 < m->n_layers
                         && m->layers[i + 1].kind == NN_LAYER_POOL && m->layers[i + 1].k == 2;
              int next = i + 1 + (pool ? 1 : 0);
              /* Inference: when the next layer is a Winograd convolution
               * too, this one's output transform goes straight into its
               * transformed input, sample by sample, and the activation
               * between them never leaves the cache (4 of the reference
               * network's 5 output transforms). */
              int chain = !store && next < m->n_layers && conv_winograd (&m->layers[next]);
              float *v = store ? L->wino_v : m->wino_v;
              nn_winograd_weights (w, L->c_out, L->c_in, L->wino_u);
              if (!v_ready)
                nn_winograd_input (cur, B, L->l_in, L->c_in, v);
              nn_winograd_forward_chain (v, B, L->l_in, L->c_in, L->wino_u, L->c_out, b, L->relu,
                                         pool ? 2 : 0, m->wino_m, chain ? NULL : out,
                                         chain ? m->wino_v : NULL);
              v_ready = chain;
              if (pool)
                {
                  /* The pool is fused into the output transform. */
                  L->out = NULL;
                  L = &m->layers[++i];
                }
              break;
            }
          /* A direct convolution (the first layer) followed by a Winograd
           * one goes straight into its transformed input, a sample at a
           * time, as the chained Winograd layers do; training keeps the
           * activation too. */
          if (NN_USE_DIRECT (L->k * L->c_in, L->c_out) && i + 1 < m->n_layers
              && conv_winograd (&m->layers[i + 1]))
            {
              nn_winograd_input_direct (cur, B, L->l_in, L->c_in, w, b, L->c_out, L->k, L->relu,
                                        store ? out : NULL,
                                        store ? m->layers[i + 1].wino_v : m->wino_v);
              v_ready = 1;
              break;
            }
          if (!store && nn_conv1d_forward_raw (cur, B, L->l_in, L->c_in, w, L->c_out, L->k, m->raw))
            {
              if (L->relu && i + 1 < m->n_layers && m->layers[i + 1].kind == NN_LAYER_POOL)
                {
                  NnLayer *P = &m->layers[++i];
                  nn_maxpool_bias_relu (m->raw, B, L->l_in, L->l_out, L->c_out, P->k, b, out);
                  L->out = NULL; /* never the activation: no backward pass follows */
                  L = P;
                }
              else
                nn_bias_act_compact (m->raw, B, L->l_in, L->l_out, L->c_out, b, L->relu, out);
              break;
            }
          nn_conv1d_forward (cur, B, L->l_in, L->c_in, w, b, L->c_out, L->k, L->relu, m->raw, out);
          break;
        case NN_LAYER_POOL:
          nn_maxpool_forward (cur, B, L->l_in, L->c_in, L->k, out);
          break;
        case NN_LAYER_FLATTEN:
          out = (float *) cur;
          break;
        case NN_LAYER_DENSE:
          nn_dense_forward (cur, B, L->c_in * L->l_in, w, b, L->c_out, L->relu, out);
          break;
        case NN_LAYER_DROPOUT:
          if (!dropout)
            out = (float *) cur;
          else if (store)
            nn_dropout_forward (cur, n, L->rate, &m->rng, L->mask, out);
          else
            {
              /* Monte-Carlo dropout: no backward pass, no mask kept. */
              float keep = 1.0f / (1.0f - L->rate);
              uint64_t threshold = nn_dropout_threshold (L->rate);
              for (size_t j = 0; j < n; j++)
                out[j] = cur[j] * nn_dropout_mask (&m->rng, threshold, keep);
            }
          break;
        }
      L->out = out;
      cur = out;
    }
  return (float *) cur;
}

void
nn_model_backward (NnModel     *m,
                   const float *x,
                   int          B,
                   const float *dlogits)
{
  float *g = m->grad_a, *other = m->grad_b, *swap;
  /* g is the gradient of a max-pool of pairs that the convolution below
   * takes back itself. */
  int pooled = 0;

  memcpy (g, dlogits, sizeof (float) * B * m->n_classes);
  /* A second pass without an Adam step between (the gradient tests). */
  if (!m->grads_zero)
    for (int i = 0; i < m->n_layers; i++)
      if (m->layers[i].kind == NN_LAYER_DENSE)
        memset (m->grads + m->layers[i].w_off, 0, sizeof (float) * m->layers[i].n_w);
  m->grads_zero = 0;
  for (int i = m->n_layers - 1; i >= 0; i--)
    {
      NnLayer *L = &m->layers[i];
      const float *in = i > 0 ? m->layers[i - 1].out : x;
      const float *w = m->params + L->w_off;
      float *dw = m->grads + L->w_off, *db = m->grads + L->b_off;
      float *dx = i > 0 ? other : NULL;

      switch (L->kind)
        {
        case NN_LAYER_CONV:
          if (conv_winograd (L))
            {
              nn_winograd_backward (L->wino_v, B, L->l_in, L->c_in, L->wino_u, L->c_out,
                                    pooled ? m->layers[i + 1].out : L->out, L->relu,
                                    pooled ? 2 : 0, pooled ? L->pool_second : NULL, g, db,
                                    m->wino_dm, m->wino_du, m->wino_dv, dw, dx);
              pooled = 0;
              break;
            }
          nn_conv1d_backward (in, NULL, B, L->l_in, L->c_in, w, L->c_out, L->k, L->relu, L->out, g,
                              dw, db, m->dcol, dx);
          break;
        case NN_LAYER_POOL:
          if (i > 0 && pooled_winograd (m, i - 1))
            {
              pooled = 1;
              continue;
            }
          nn_maxpool_backward (in, B, L->l_in, L->c_in, L->k, g, other);
          break;
        case NN_LAYER_FLATTEN:
          continue;
        case NN_LAYER_DENSE:
          nn_dense_backward (in, B, L->c_in * L->l_in, w, L->c_out, L->relu, L->out, g, dw, db, dx);
          break;
        case NN_LAYER_DROPOUT:
          if (m->last_dropout)
            nn_dropout_backward (L->mask, (size_t) B * L->c_out * L->l_out, g, g);
          continue;
        }
      swap = g;
      g = other;
      other = swap;
    }
}

int
nn_model_predict (NnModel     *m,
                  const float *x,
                  size_t       n,
                  float       *probs,
                  char       **err)
{
  int chunk = n < (size_t) inference_chunk (m) ? (int) n : inference_chunk (m);

  if (n == 0)
    return NN_OK;
  if (nn_model_reserve (m, chunk, 0, err) != NN_OK)
    return NN_ERROR;
  for (size_t start = 0; start < n; start += chunk)
    {
      int B = n - start < (size_t) chunk ? (int) (n - start) : chunk;
      float *logits = nn_model_forward (m, x + start * m->n_in, B, 0);
      nn_softmax (logits, B, m->n_classes, probs + start * m->n_classes);
    }
  return NN_OK;
}

static double
entropy (const float *p, int C)
{
  double h = 0.0;

  for (int c = 0; c < C; c++)
    if (p[c] > 0.0f)
      h -= p[c] * log (p[c]);
  return h;
}

int
nn_model_predict_mc (NnModel     *m,
                     const float *x,
                     size_t       n,
                     int          T,
                     uint64_t     seed,
                     float       *mean_probs,
                     float       *bald,
                     char       **err)
{
  int C = m->n_classes;
  int chunk = n < (size_t) inference_chunk (m) ? (int) n : inference_chunk (m);
  double *sum_p = NULL, *sum_h = NULL;
  float *mean = NULL;
  NnRng saved = m->rng;

  if (T < 1)
    {
      nn_set_error (err, "Monte-Carlo dropout needs at least one pass (got %d)", T);
      return NN_ERROR;
    }
  if (n == 0)
    return NN_OK;
  if (nn_model_reserve (m, chunk, 0, err) != NN_OK)
    return NN_ERROR;
  sum_p = malloc (sizeof (double) * chunk * C);
  sum_h = malloc (sizeof (double) * chunk);
  mean = malloc (sizeof (float) * C);
  if (sum_p == NULL || sum_h == NULL || mean == NULL)
    {
      free (mean);
      free (sum_p);
      free (sum_h);
      nn_set_error (err, "out of memory");
      return NN_ERROR;
    }
  nn_rng_seed (&m->rng, seed);
  for (size_t start = 0; start < n; start += chunk)
    {
      int B = n - start < (size_t) chunk ? (int) (n - start) : chunk;
      memset (sum_p, 0, sizeof (double) * B * C);
      memset (sum_h, 0, sizeof (double) * B);
      for (int t = 0; t < T; t++)
        {
          float *logits = nn_model_forward (m, x + start * m->n_in, B, NN_FORWARD_DROPOUT);
          nn_softmax (logits, B, C, m->probs);
          for (int s = 0; s < B; s++)
            {
              for (int c = 0; c < C; c++)
                sum_p[(size_t) s * C + c] += m->probs[(size_t) s * C + c];
              sum_h[s] += entropy (m->probs + (size_t) s * C, C);
            }
        }
      for (int s = 0; s < B; s++)
        {
          for (int c = 0; c < C; c++)
            mean[c] = (float) (sum_p[(size_t) s * C + c] / T);
          if (mean_probs != NULL)
            memcpy (mean_probs + (start + s) * C, mean, sizeof (float) * C);
          if (bald != NULL)
            {
              /* I(y; w) = H(E p) - E H(p) >= 0; clamp rounding below 0. */
              double mi = entropy (mean, C) - sum_h[s] / T;
              bald[start + s] = (float) (mi > 0.0 ? mi : 0.0);
            }
        }
    }
  free (sum_p);
  free (sum_h);
  free (mean);
  m->rng = saved;
  return NN_OK;
}

void
nn_train_options_init (NnTrainOptions *o)
{
  memset (o, 0, sizeof *o);
  o->max_epochs = 100;
  o->batch_size = 64;
  o->learning_rate = 1e-3f;
  o->patience = 10;
  o->min_delta = 1e-3f;
  o->seed = 0;
  o->n_threads = 0;
}

/* Adam (Kingma & Ba), in PyTorch's formulation. */
NN_CLONES static void
adam_range (float *p, float *g, float *mom, float *vel, size_t n, float step, float inv_sqrt_c2)
{
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;

  for (size_t i = 0; i < n; i++)
    {
      float gi = g[i];
      g[i] = 0.0f;
      mom[i] = b1 * mom[i] + (1.0f - b1) * gi;
      vel[i] = b2 * vel[i] + (1.0f - b2) * gi * gi;
      p[i] -= step * mom[i] / (sqrtf (vel[i]) * inv_sqrt_c2 + eps);
    }
}

typedef struct
{
  float       *p, *g, *mom, *vel;
  size_t       n, chunk;
  float        step, inv_sqrt_c2;
} AdamArgs;

static void
adam_parts (size_t begin, size_t end, void *ctx)
{
  AdamArgs *a = ctx;

  for (size_t part = begin; part < end; part++)
    {
      size_t start = part * a->chunk;
      size_t len = start < a->n ? (a->n - start < a->chunk ? a->n - start : a->chunk) : 0;
      adam_range (a->p + start, a->g + start, a->mom + start, a->vel + start, len, a->step,
                  a->inv_sqrt_c2);
    }
}

/* Adam reads and writes four arrays of every weight once per step: 80 MB
 * for the reference network, memory-bound, so it runs on all the cores
 * the BLAS has (each element on its own, so the split changes nothing in
 * the result).  It clears the gradients as it reads them: one more
 * stream here, from lines already in the cache, saves the dense layers'
 * dW products from clearing theirs (dense1, 512 x 3,584 x 64 on the
 * Xeon: 240 against 172 GFLOP/s). */
static void
adam_step (NnModel *m, float *mom, float *vel, float lr, long t)
{
  float *p = m->params, *g = m->grads;
  size_t n = m->n_params;
  const float b1 = 0.9f, b2 = 0.999f;
  float c1 = 1.0f - powf (b1, (float) t), c2 = 1.0f - powf (b2, (float) t);
  int parts = nn_blas_threads ();
  AdamArgs a;

  if (parts < 1 || n < 65536)
    parts = 1;
  if (parts > NN_MAX_PASS_THREADS)
    parts = NN_MAX_PASS_THREADS;
  /* 64-element boundaries keep every part aligned for the vector code. */
  a = (AdamArgs) { p, g, mom, vel, n, ((n + parts - 1) / parts + 63) & ~(size_t) 63, lr / c1,
                   1.0f / sqrtf (c2) };
  nn_parallel_for ((size_t) parts, 1, adam_parts, &a);
  m->grads_zero = 1;
}

int
nn_model_train (NnModel              *m,
                const float          *x,
                const int            *y,
                size_t                n,
                const NnTrainOptions *o,
                char                **err)
{
  NnTrainOptions defaults;
  int C = m->n_classes, D = m->n_in, B;
  float *mom = NULL, *vel = NULL, *best = NULL, *xb = NULL, *dlogits = NULL;
  int *yb = NULL;
  size_t *perm = NULL;
  NnRng shuffle;
  float best_loss = INFINITY;
  int wait = 0, status = NN_OK;
  long step = 0;

  if (o == NULL)
    {
      nn_train_options_init (&defaults);
      o = &defaults;
    }
  if (n == 0)
    {
      nn_set_error (err, "nothing to train on: the training set is empty");
      return NN_ERROR;
    }
  if (o->max_epochs < 1 || o->batch_size < 1 || !(o->learning_rate > 0.0f) || o->patience < 1
      || !(o->min_delta >= 0.0f))
    {
      nn_set_error (err, "invalid training options (epochs %d, batch %d, learning rate %g, "
                    "patience %d, min_delta %g)", o->max_epochs, o->batch_size,
                    (double) o->learning_rate, o->patience, (double) o->min_delta);
      return NN_ERROR;
    }
  for (size_t i = 0; i < n; i++)
    {
      if (y[i] < 0 || y[i] >= C)
        {
          nn_set_error (err, "training row %zu: label %d outside [0, %d)", i, y[i], C);
          return NN_ERROR;
        }
      for (int j = 0; j < D; j++)
        if (!isfinite (x[i * D + j]))
          {
            nn_set_error (err, "training row %zu: input %d is not a finite number", i, j);
            return NN_ERROR;
          }
    }

  B = (size_t) o->batch_size < n ? o->batch_size : (int) n;
  if (nn_model_reserve (m, B, 1, err) != NN_OK)
    return NN_ERROR;
  nn_blas_set_threads (o->n_threads);
  mom = calloc (m->n_params, sizeof (float));
  vel = calloc (m->n_params, sizeof (float));
  best = malloc (sizeof (float) * m->n_params);
  xb = malloc (sizeof (float) * B * D);
  yb = malloc (sizeof (int) * B);
  dlogits = malloc (sizeof (float) * B * C);
  perm = malloc (sizeof (size_t) * n);
  if (!mom || !vel || !best || !xb || !yb || !dlogits || !perm)
    {
      nn_set_error (err, "out of memory for training");
      status = NN_ERROR;
      goto out;
    }
  memcpy (best, m->params, sizeof (float) * m->n_params);
  nn_rng_seed (&shuffle, o->seed);
  nn_rng_seed (&m->rng, o->seed ^ 0xd20b0c7d20b0c7dULL);
  for (size_t i = 0; i < n; i++)
    perm[i] = i;

  for (int epoch = 1; epoch <= o->max_epochs; epoch++)
    {
      double loss_sum = 0.0;
      size_t correct = 0;
      float loss;

      for (size_t i = n - 1; i > 0; i--)
        {
          size_t j = nn_rng_below (&shuffle, i + 1), t = perm[i];
          perm[i] = perm[j];
          perm[j] = t;
        }
      for (size_t start = 0; start < n; start += B)
        {
          int bs = n - start < (size_t) B ? (int) (n - start) : B;
          float *logits;

          for (int s = 0; s < bs; s++)
            {
              memcpy (xb + (size_t) s * D, x + perm[start + s] * D, sizeof (float) * D);
              yb[s] = y[perm[start + s]];
            }
          logits = nn_model_forward (m, xb, bs, NN_FORWARD_STORE | NN_FORWARD_DROPOUT);
          loss_sum += (double) nn_softmax_xent (logits, bs, C, yb, m->probs, dlogits) * bs;
          for (int s = 0; s < bs; s++)
            {
              const float *p = m->probs + (size_t) s * C;
              int arg = 0;
              for (int c = 1; c < C; c++)
                arg = p[c] > p[arg] ? c : arg;
              correct += arg == yb[s];
            }
          nn_model_backward (m, xb, bs, dlogits);
          adam_step (m, mom, vel, o->learning_rate, ++step);
        }
      loss = (float) (loss_sum / n);
      if (!isfinite (loss))
        {
          nn_set_error (err, "training diverged at epoch %d (loss is not finite)", epoch);
          status = NN_ERROR;
          break;
        }
      /* Early stopping on the training loss, as Keras' EarlyStopping with
       * restore_best_weights: an improvement must beat min_delta. */
      if (loss < best_loss - o->min_delta)
        {
          best_loss = loss;
          wait = 0;
          memcpy (best, m->params, sizeof (float) * m->n_params);
        }
      else
        wait++;
      if (o->progress != NULL && o->progress (epoch, loss, (float) correct / n, o->user_data))
        {
          status = NN_CANCELLED;
          nn_set_error (err, "training cancelled at epoch %d", epoch);
          break;
        }
      if (wait >= o->patience)
        break;
    }
  if (isfinite (best_loss))
    memcpy (m->params, best, sizeof (float) * m->n_params);

out:
  free (mom);
  free (vel);
  free (best);
  free (xb);
  free (yb);
  free (dlogits);
  free (perm);
  return status;
}

void
nn_scale_minmax (float *x,
                 size_t n,
                 int    dim)
{
  for (size_t i = 0; i < n; i++)
    {
      float *row = x + i * dim, lo = INFINITY, hi = -INFINITY;
      for (int j = 0; j < dim; j++)
        {
          lo = row[j] < lo ? row[j] : lo;
          hi = row[j] > hi ? row[j] : hi;
        }
      if (!(hi > lo) || !isfinite (hi - lo))
        {
          for (int j = 0; j < dim; j++)
            row[j] = 0.0f;
          continue;
        }
      for (int j = 0; j < dim; j++)
        row[j] = 2.0f * (row[j] - lo) / (hi - lo) - 1.0f;
    }
}
