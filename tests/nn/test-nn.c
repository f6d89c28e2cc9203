/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of src/nn: gradients against finite differences, the forward pass
 * against PyTorch, training, determinism, safetensors, SMOTE, queries. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "nn/nn-private.h"
#include "nn/nn.h"

static void
fill_uniform (float *x, size_t n, NnRng *rng, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * nn_rng_uniform (rng);
}

static double
dot (const float *a, const float *b, size_t n)
{
  double s = 0.0;

  for (size_t i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* Compares an analytic gradient with central differences of f at every
 * (or every stride-th) coordinate of p. */
typedef double (*Objective) (gpointer data);

static void
check_gradient (const char *what, float *p, size_t n, const float *analytic, Objective f,
                gpointer data)
{
  const float eps = 1e-3f;
  size_t stride = n > 300 ? n / 150 : 1, bad = 0, checked = 0;

  for (size_t i = 0; i < n; i += stride)
    {
      float saved = p[i];
      double up, down, numeric;
      p[i] = saved + eps;
      up = f (data);
      p[i] = saved - eps;
      down = f (data);
      p[i] = saved;
      numeric = (up - down) / (2.0 * eps);
      checked++;
      if (fabs (numeric - analytic[i]) > 2e-2 * fmax (1.0, fabs (numeric)))
        {
          if (bad < 5)
            g_test_message ("%s[%zu]: analytic %g, numeric %g", what, i, analytic[i], numeric);
          bad++;
        }
    }
  /* A ReLU or a max-pool may switch inside ±eps at a rare coordinate. */
  if (bad > checked / 50)
    g_error ("%s: %zu of %zu gradient coordinates disagree", what, bad, checked);
}

/* ---- Convolution ---- */

typedef struct
{
  int    B, L, C_in, C_out, K, relu;
  float *x, *w, *b, *col, *y, *r;
} ConvCase;

static double
conv_objective (gpointer data)
{
  ConvCase *c = data;
  int L_out = c->L - c->K + 1;

  nn_conv1d_forward (c->x, c->B, c->L, c->C_in, c->w, c->b, c->C_out, c->K, c->relu, c->col, c->y);
  return dot (c->y, c->r, (size_t) c->B * L_out * c->C_out);
}

static void
test_gradient_conv (void)
{
  /* C_in 1 and 2: the direct path of short windows; 4: the GEMM path. */
  for (int variant = 0; variant < 6; variant++)
    {
      int relu = variant % 2, C_in = variant < 2 ? 4 : variant < 4 ? 1 : 2;
      ConvCase c = { .B = 3, .L = 11, .C_in = C_in, .C_out = 5, .K = 3, .relu = relu };
      int L_out = c.L - c.K + 1;
      size_t nx = (size_t) c.B * c.L * c.C_in, ny = (size_t) c.B * L_out * c.C_out;
      size_t nw = (size_t) c.C_out * c.K * c.C_in, ncol = (size_t) c.B * c.L * c.C_out;
      g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, c.C_out);
      g_autofree float *col = g_new (float, ncol), *y = g_new (float, ny), *r = g_new (float, ny);
      g_autofree float *dy = g_new (float, ny), *dw = g_new (float, nw), *db = g_new (float, c.C_out);
      g_autofree float *dcol = g_new (float, ncol), *dx = g_new (float, nx);
      NnRng rng;

      nn_rng_seed (&rng, 1 + variant);
      fill_uniform (x, nx, &rng, -1, 1);
      fill_uniform (w, nw, &rng, -0.5, 0.5);
      fill_uniform (b, c.C_out, &rng, -0.2, 0.2);
      fill_uniform (r, ny, &rng, -1, 1);
      c.x = x, c.w = w, c.b = b, c.col = col, c.y = y, c.r = r;
      conv_objective (&c);
      memcpy (dy, r, sizeof (float) * ny);
      nn_conv1d_backward (x, col, c.B, c.L, c.C_in, w, c.C_out, c.K, relu, y, dy, dw, db, dcol, dx);
      check_gradient ("conv dw", w, nw, dw, conv_objective, &c);
      check_gradient ("conv db", b, c.C_out, db, conv_objective, &c);
      check_gradient ("conv dx", x, nx, dx, conv_objective, &c);
    }
}

/* ---- Max-pool ---- */

typedef struct
{
  int    B, L, C, P;
  float *x, *y, *r;
} PoolCase;

static double
pool_objective (gpointer data)
{
  PoolCase *c = data;

  nn_maxpool_forward (c->x, c->B, c->L, c->C, c->P, c->y);
  return dot (c->y, c->r, (size_t) c->B * (c->L / c->P) * c->C);
}

static void
test_gradient_pool (void)
{
  for (int P = 2; P <= 3; P++)
    {
      /* L = 13: a partial window at the end gets no gradient. */
      PoolCase c = { .B = 2, .L = 13, .C = 3, .P = P };
      size_t nx = (size_t) c.B * c.L * c.C, ny = (size_t) c.B * (c.L / P) * c.C;
      g_autofree float *x = g_new (float, nx), *y = g_new (float, ny), *r = g_new (float, ny);
      g_autofree float *dx = g_new (float, nx);
      NnRng rng;

      nn_rng_seed (&rng, 10 + P);
      fill_uniform (x, nx, &rng, -1, 1);
      fill_uniform (r, ny, &rng, -1, 1);
      c.x = x, c.y = y, c.r = r;
      pool_objective (&c);
      nn_maxpool_backward (x, c.B, c.L, c.C, P, r, dx);
      check_gradient ("maxpool dx", x, nx, dx, pool_objective, &c);
      for (int s = 0; s < c.B; s++)
        for (int t = (c.L / P) * P; t < c.L; t++)
          for (int ch = 0; ch < c.C; ch++)
            g_assert_cmpfloat (dx[((size_t) s * c.L + t) * c.C + ch], ==, 0.0f);
    }
}

/* ---- Dense ---- */

typedef struct
{
  int    B, in, out, relu;
  float *x, *w, *b, *y, *r;
} DenseCase;

static double
dense_objective (gpointer data)
{
  DenseCase *c = data;

  nn_dense_forward (c->x, c->B, c->in, c->w, c->b, c->out, c->relu, c->y);
  return dot (c->y, c->r, (size_t) c->B * c->out);
}

static void
test_gradient_dense (void)
{
  for (int relu = 0; relu < 2; relu++)
    {
      DenseCase c = { .B = 4, .in = 7, .out = 5, .relu = relu };
      size_t nx = c.B * c.in, ny = c.B * c.out, nw = c.in * c.out;
      g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, c.out);
      g_autofree float *y = g_new (float, ny), *r = g_new (float, ny), *dy = g_new (float, ny);
      g_autofree float *dw = g_new0 (float, nw), *db = g_new (float, c.out), *dx = g_new (float, nx);
      NnRng rng;

      nn_rng_seed (&rng, 20 + relu);
      fill_uniform (x, nx, &rng, -1, 1);
      fill_uniform (w, nw, &rng, -0.5, 0.5);
      fill_uniform (b, c.out, &rng, -0.2, 0.2);
      fill_uniform (r, ny, &rng, -1, 1);
      c.x = x, c.w = w, c.b = b, c.y = y, c.r = r;
      dense_objective (&c);
      memcpy (dy, r, sizeof (float) * ny);
      nn_dense_backward (x, c.B, c.in, w, c.out, relu, y, dy, dw, db, dx);
      check_gradient ("dense dw", w, nw, dw, dense_objective, &c);
      check_gradient ("dense db", b, c.out, db, dense_objective, &c);
      check_gradient ("dense dx", x, nx, dx, dense_objective, &c);
    }
}

/* ---- Dropout (a fixed mask: linear) ---- */

typedef struct
{
  size_t n;
  float *x, *mask, *y, *r;
} DropCase;

static double
dropout_objective (gpointer data)
{
  DropCase *c = data;

  for (size_t i = 0; i < c->n; i++)
    c->y[i] = c->x[i] * c->mask[i];
  return dot (c->y, c->r, c->n);
}

static void
test_gradient_dropout (void)
{
  enum { N = 2000 };
  g_autofree float *x = g_new (float, N), *mask = g_new (float, N), *y = g_new (float, N);
  g_autofree float *r = g_new (float, N), *dx = g_new (float, N);
  DropCase c = { N, x, mask, y, r };
  size_t kept = 0;
  NnRng rng;

  nn_rng_seed (&rng, 30);
  fill_uniform (x, N, &rng, -1, 1);
  fill_uniform (r, N, &rng, -1, 1);
  /* The mask is selected by bits from the generator's integers: it keeps
   * the elements whose uniform is >= the rate, as a comparison of floats
   * does. */
  for (int k = 0; k < 4; k++)
    {
      static const float rates[] = { 0.5f, 0.1f, 0.3f, 0.25f + 1.0f / 16777216.0f };
      NnRng same = rng;
      float keep = 1.0f / (1.0f - rates[k]);
      nn_dropout_forward (x, N, rates[k], &rng, mask, y);
      for (size_t i = 0; i < N; i++)
        g_assert_cmpfloat (mask[i], ==, nn_rng_uniform (&same) >= rates[k] ? keep : 0.0f);
    }
  nn_dropout_forward (x, N, 0.5f, &rng, mask, y);
  for (size_t i = 0; i < N; i++)
    {
      g_assert_true (mask[i] == 0.0f || mask[i] == 2.0f);
      g_assert_cmpfloat (y[i], ==, x[i] * mask[i]);
      kept += mask[i] != 0.0f;
    }
  /* Binomial(2000, 0.5): 5 standard deviations is ±112. */
  g_assert_cmpuint (kept, >, 1000 - 112);
  g_assert_cmpuint (kept, <, 1000 + 112);
  nn_dropout_backward (mask, N, r, dx);
  check_gradient ("dropout dx", x, N, dx, dropout_objective, &c);
}

/* ---- Softmax + cross-entropy ---- */

typedef struct
{
  int    B, C;
  float *z, *p;
  int   *labels;
} LossCase;

static double
loss_objective (gpointer data)
{
  LossCase *c = data;

  return nn_softmax_xent (c->z, c->B, c->C, c->labels, c->p, NULL);
}

static void
test_gradient_loss (void)
{
  enum { B = 5, C = 4 };
  float z[B * C], p[B * C], dz[B * C];
  int labels[B] = { 0, 3, 1, 1, 2 };
  LossCase c = { B, C, z, p, labels };
  NnRng rng;
  float loss;

  nn_rng_seed (&rng, 40);
  fill_uniform (z, B * C, &rng, -3, 3);
  loss = nn_softmax_xent (z, B, C, labels, p, dz);
  g_assert_true (loss > 0.0f);
  for (int s = 0; s < B; s++)
    {
      float sum = 0.0f;
      for (int k = 0; k < C; k++)
        sum += p[s * C + k];
      g_assert_cmpfloat_with_epsilon (sum, 1.0f, 1e-6f);
    }
  check_gradient ("softmax-xent dz", z, B * C, dz, loss_objective, &c);

  /* Huge logits: finite loss, no NaN. */
  z[0] = 1e4f;
  z[1] = -1e4f;
  loss = nn_softmax_xent (z, 1, C, (int[]) { 1 }, p, dz);
  g_assert_true (isfinite (loss));
  g_assert_cmpfloat_with_epsilon (loss, 2e4f, 1.0f);
}

/* ---- The whole model: the wiring of the backward pass ---- */

typedef struct
{
  NnModel *m;
  float   *x;
  int     *y;
  int      B;
} ModelCase;

static double
model_objective (gpointer data)
{
  ModelCase *c = data;
  float *logits = nn_model_forward (c->m, c->x, c->B, NN_FORWARD_STORE);

  return nn_softmax_xent (logits, c->B, c->m->n_classes, c->y, c->m->probs, NULL);
}

static void
test_gradient_model (gconstpointer algorithm)
{
  /* The second: a convolution of odd output length into a max-pool (its
   * last output unpooled) whose output a convolution takes, the pool
   * routed and chained by the Winograd passes of training. */
  static const struct { const char *architecture; int n_in; } cases[] = {
    { "conv3k3,conv4k3,pool2,flatten,dense6,dropout0.5", 30 },
    { "conv3k3,conv4k3,pool2,conv5k3,flatten,dense6", 31 },
  };
  enum { B = 4, C = 3 };

  for (size_t k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      int N_IN = cases[k].n_in;
      g_autofree char *err = NULL;
      NnModel *m;

      /* Forced Winograd: every convolution through it, the first too. */
      nn_conv_set_algorithm (GPOINTER_TO_INT (algorithm));
      m = nn_model_new (cases[k].architecture, N_IN, C, 7, &err);
      nn_conv_set_algorithm (NN_CONV_AUTO);
      g_autofree float *x = g_new (float, B * N_IN);
      float dlogits[B * C];
      int y[B] = { 0, 1, 2, 1 };
      ModelCase c = { m, x, y, B };
      g_autofree float *grads = NULL;
      NnRng rng;

      g_assert_no_errno (m == NULL ? -1 : 0);
      g_assert_cmpint (nn_model_reserve (m, B, 1, &err), ==, NN_OK);
      nn_rng_seed (&rng, 50);
      fill_uniform (x, B * N_IN, &rng, -1, 1);
      for (size_t i = 0; i < m->n_params; i++)
        m->params[i] += 0.05f * (nn_rng_uniform (&rng) - 0.5f); /* nonzero biases */
      /* Dropout off: the objective must be a function of the weights alone. */
      nn_softmax_xent (nn_model_forward (m, x, B, NN_FORWARD_STORE), B, C, y, m->probs, dlogits);
      nn_model_backward (m, x, B, dlogits);
      grads = g_memdup2 (m->grads, sizeof (float) * m->n_params);
      check_gradient (cases[k].architecture, m->params, m->n_params, grads, model_objective, &c);
      nn_model_free (m);
    }
}

/* ---- PyTorch reference ---- */

static void
test_forward_pytorch (gconstpointer algorithm)
{
  g_autofree char *model_path = g_test_build_filename (G_TEST_DIST, "data", "nn-reference.safetensors", NULL);
  g_autofree char *csv_path = g_test_build_filename (G_TEST_DIST, "data", "nn-reference.csv", NULL);
  g_autofree char *text = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  NnModel *m;
  int rows = 0;

  /* Forced Winograd: conv1 and conv2 (kernel 3) through it. */
  nn_conv_set_algorithm (GPOINTER_TO_INT (algorithm));
  m = nn_model_load (model_path, &err);
  nn_conv_set_algorithm (NN_CONV_AUTO);

  if (m == NULL)
    g_error ("%s", err);
  g_assert_cmpint (nn_model_n_in (m), ==, 40);
  g_assert_cmpint (nn_model_n_classes (m), ==, 3);
  g_assert_nonnull (nn_model_get_metadata (m, "source"));
  g_assert_true (g_file_get_contents (csv_path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  for (int l = 0; lines[l] != NULL; l++)
    {
      g_auto(GStrv) f = NULL;
      float x[40], p[3];
      if (lines[l][0] == '#' || lines[l][0] == '\0')
        continue;
      f = g_strsplit (lines[l], ",", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 43);
      for (int i = 0; i < 40; i++)
        x[i] = (float) g_ascii_strtod (f[i], NULL);
      g_assert_cmpint (nn_model_predict (m, x, 1, p, &err), ==, NN_OK);
      for (int k = 0; k < 3; k++)
        {
          double want = g_ascii_strtod (f[40 + k], NULL);
          if (fabs (p[k] - want) > 1e-4 * fabs (want) + 1e-7)
            g_error ("row %d class %d: %.9g, PyTorch %.9g", rows, k, p[k], want);
        }
      rows++;
    }
  g_assert_cmpint (rows, ==, 6);
  nn_model_free (m);
}

/* ---- Training ---- */

/* Three classes of "spectra" told apart by where a bump sits, with noise
 * and random scale: separable, but only by shape. */
static void
make_separable (size_t n, int dim, uint64_t seed, float *x, int *y)
{
  NnRng rng;

  nn_rng_seed (&rng, seed);
  for (size_t i = 0; i < n; i++)
    {
      int cls = (int) nn_rng_below (&rng, 3);
      float centre = dim * (0.25f + 0.25f * cls), scale = 0.5f + nn_rng_uniform (&rng);
      y[i] = cls;
      for (int j = 0; j < dim; j++)
        {
          float d = (j - centre) / 2.5f;
          x[i * dim + j] = scale * expf (-d * d) + 0.15f * (nn_rng_uniform (&rng) - 0.5f);
        }
    }
  nn_scale_minmax (x, n, dim);
}

static NnModel *
train_small (uint64_t seed, const float *x, const int *y, size_t n, int dim, int epochs, float *loss)
{
  g_autofree char *err = NULL;
  NnModel *m = nn_model_new_preset ("small", dim, 3, seed, &err);
  NnTrainOptions o;

  g_assert_nonnull (m);
  nn_train_options_init (&o);
  o.max_epochs = epochs;
  o.seed = seed;
  o.batch_size = 32;
  if (nn_model_train (m, x, y, n, &o, &err) != NN_OK)
    g_error ("%s", err);
  /* Adam clears the gradients as it reads them: the dense layers' next
   * backward pass adds onto those zeros. */
  g_assert_true (m->grads_zero);
  for (size_t i = 0; i < m->n_params; i++)
    g_assert_cmpfloat (m->grads[i], ==, 0.0f);
  (void) loss;
  return m;
}

static int
count_epochs (int epoch, float loss, float accuracy, void *user_data)
{
  int *epochs = user_data;

  g_assert_true (isfinite (loss) && accuracy >= 0.0f && accuracy <= 1.0f);
  *epochs = epoch;
  return epoch >= 3; /* cancel after three */
}

static void
test_train_separable (void)
{
  enum { N = 600, NT = 300, DIM = 40 };
  g_autofree float *x = g_new (float, N * DIM), *xt = g_new (float, NT * DIM);
  g_autofree float *probs = g_new (float, NT * 3);
  int y[N], yt[NT], correct = 0, epochs = 0;
  g_autofree char *err = NULL;
  NnModel *m;
  NnTrainOptions o;

  make_separable (N, DIM, 1, x, y);
  make_separable (NT, DIM, 2, xt, yt);
  m = train_small (3, x, y, N, DIM, 25, NULL);
  g_assert_cmpint (nn_model_predict (m, xt, NT, probs, &err), ==, NN_OK);
  for (int i = 0; i < NT; i++)
    {
      int arg = 0;
      for (int k = 1; k < 3; k++)
        arg = probs[i * 3 + k] > probs[i * 3 + arg] ? k : arg;
      correct += arg == yt[i];
    }
  g_test_message ("held-out accuracy %.3f", (double) correct / NT);
  g_assert_cmpfloat ((double) correct / NT, >, 0.95);

  /* Cancelling through the progress callback. */
  nn_train_options_init (&o);
  o.progress = count_epochs;
  o.user_data = &epochs;
  g_assert_cmpint (nn_model_train (m, x, y, N, &o, &err), ==, NN_CANCELLED);
  g_assert_cmpint (epochs, ==, 3);
  g_clear_pointer (&err, free);

  /* Bad labels and inputs are refused with a message naming the row. */
  y[17] = 3;
  g_assert_cmpint (nn_model_train (m, x, y, N, &o, &err), ==, NN_ERROR);
  g_assert_nonnull (strstr (err, "row 17"));
  nn_model_free (m);
}

static void
test_train_deterministic (void)
{
  enum { N = 200, DIM = 40 };
  g_autofree float *x = g_new (float, N * DIM);
  int y[N];
  NnModel *a, *b, *c;

  make_separable (N, DIM, 4, x, y);
  a = train_small (9, x, y, N, DIM, 3, NULL);
  b = train_small (9, x, y, N, DIM, 3, NULL);
  c = train_small (10, x, y, N, DIM, 3, NULL);
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->params, sizeof (float) * a->n_params, b->params, sizeof (float) * b->n_params);
  g_assert_true (memcmp (a->params, c->params, sizeof (float) * a->n_params) != 0);
  nn_model_free (a);
  nn_model_free (b);
  nn_model_free (c);
}

/* Large batches split the passes between GEMMs over threads: the result
 * must not depend on it, and training stays deterministic. */
static void
test_threads (void)
{
  enum { N = 200, DIM = 140 };
  g_autofree char *err = NULL;
  g_autofree float *x = g_new (float, N * DIM), *p1 = g_new (float, N * 3), *p2 = g_new (float, N * 3);
  int y[N];
  NnModel *m = nn_model_new_preset ("reference", DIM, 3, 4, &err);
  NnModel *a, *b;
  NnTrainOptions o;
  int saved = nn_blas_threads ();

  make_separable (N, DIM, 8, x, y);
  nn_blas_set_threads (1);
  g_assert_cmpint (nn_model_predict (m, x, N, p1, &err), ==, NN_OK);
  nn_blas_set_threads (2);
  g_assert_cmpint (nn_model_predict (m, x, N, p2, &err), ==, NN_OK);
  for (int i = 0; i < N * 3; i++)
    g_assert_cmpfloat_with_epsilon (p1[i], p2[i], 1e-5f);
  nn_model_free (m);

  /* One backward pass with every pass split over two threads (the bias
   * gradients are sums of per-thread parts): the same gradients. */
  {
    float dl[N * 3];
    g_autofree float *g1 = NULL;

    m = nn_model_new_preset ("reference", DIM, 3, 4, &err);
    g_assert_cmpint (nn_model_reserve (m, N, 1, &err), ==, NN_OK);
    for (int i = 0; i < N * 3; i++)
      dl[i] = (float) ((i * 7) % 11 - 5) / (11.0f * N);
    nn_blas_set_threads (1);
    nn_model_forward (m, x, N, NN_FORWARD_STORE);
    nn_model_backward (m, x, N, dl);
    g1 = g_memdup2 (m->grads, sizeof (float) * m->n_params);
    nn_blas_set_threads (2);
    nn_model_forward (m, x, N, NN_FORWARD_STORE);
    nn_model_backward (m, x, N, dl);
    for (size_t i = 0; i < m->n_params; i++)
      g_assert_cmpfloat_with_epsilon (g1[i], m->grads[i], 1e-5f + 1e-4f * fabsf (g1[i]));
    nn_model_free (m);
  }

  nn_train_options_init (&o);
  o.max_epochs = 1;
  o.batch_size = 100;
  o.n_threads = 2;
  o.seed = 5;
  a = nn_model_new_preset ("reference", DIM, 3, 4, &err);
  b = nn_model_new_preset ("reference", DIM, 3, 4, &err);
  g_assert_cmpint (nn_model_train (a, x, y, N, &o, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_train (b, x, y, N, &o, &err), ==, NN_OK);
  g_assert_cmpmem (a->params, sizeof (float) * a->n_params, b->params, sizeof (float) * b->n_params);
  nn_model_free (a);
  nn_model_free (b);
  nn_blas_set_threads (saved);
}

/* ---- Winograd F(6,3) against the shifted-GEMM convolution ---- */

static float
max_abs (const float *x, size_t n)
{
  float m = 0.0f;

  for (size_t i = 0; i < n; i++)
    m = fabsf (x[i]) > m ? fabsf (x[i]) : m;
  return m;
}

/* Every element of @got within @rel of the largest magnitude of @want. */
static void
assert_close (const char *what, const float *got, const float *want, size_t n, float rel)
{
  float tol = rel * (max_abs (want, n) + 1e-3f);

  for (size_t i = 0; i < n; i++)
    if (!(fabsf (got[i] - want[i]) <= tol))
      g_error ("%s[%zu]: %.9g, expected %.9g (tolerance %g)", what, i, got[i], want[i], tol);
}

static void
test_winograd_conv (void)
{
  /* L - 2 = 9 … 12, 1 … 3 and 28 outputs: every remainder of the
   * 6-output tiles, samples shorter than one tile, and channel counts off
   * the vector width. */
  static const struct { int B, L, C_in, C_out; } shapes[] = {
    { 3, 11, 4, 5 }, { 2, 12, 16, 8 }, { 5, 13, 20, 9 }, { 4, 14, 7, 33 },
    { 1, 3, 8, 8 },  { 2, 4, 3, 17 },  { 3, 5, 64, 64 }, { 6, 30, 128, 256 },
  };

  for (size_t n = 0; n < G_N_ELEMENTS (shapes); n++)
    for (int relu = 0; relu < 2; relu++)
      {
        int B = shapes[n].B, L = shapes[n].L, C_in = shapes[n].C_in, C_out = shapes[n].C_out;
        int K = 3, L_out = L - 2, L_pool = L_out / 2;
        size_t nx = (size_t) B * L * C_in, ny = (size_t) B * L_out * C_out;
        size_t nw = (size_t) C_out * K * C_in, T = nn_winograd_tiles (B, L_out);
        g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, C_out);
        g_autofree float *col = g_new (float, (size_t) B * L * C_out), *y = g_new (float, ny);
        g_autofree float *yw = g_new (float, ny), *pool = g_new (float, ny), *poolw = g_new (float, ny);
        size_t P = NN_WINOGRAD_POINTS;
        g_autofree float *u = g_new (float, P * nw / 3), *v = g_new (float, P * T * C_in);
        g_autofree float *mbuf = g_new0 (float, P * T * C_out), *du = g_new0 (float, P * nw / 3);
        g_autofree float *dm = g_new (float, P * T * C_out);
        g_autofree float *dv = g_new0 (float, P * T * C_in);
        g_autofree float *dy = g_new (float, ny), *dyw = g_new (float, ny);
        g_autofree float *dy_in = g_new (float, ny);
        g_autofree float *dw = g_new (float, nw), *dww = g_new (float, nw);
        g_autofree float *db = g_new (float, C_out), *dbw = g_new (float, C_out);
        g_autofree float *dx = g_new (float, nx), *dxw = g_new (float, nx);
        g_autofree char *what = NULL;
        NnRng rng;

        nn_rng_seed (&rng, 100 + n);
        fill_uniform (x, nx, &rng, -1, 1);
        fill_uniform (w, nw, &rng, -0.5, 0.5);
        fill_uniform (b, C_out, &rng, -0.2, 0.2);
        fill_uniform (dy, ny, &rng, -1, 1);
        memcpy (dyw, dy, sizeof (float) * ny);
        memcpy (dy_in, dy, sizeof (float) * ny);

        nn_conv1d_forward (x, B, L, C_in, w, b, C_out, K, relu, col, y);
        nn_winograd_weights (w, C_out, C_in, u);
        nn_winograd_forward (x, B, L, C_in, u, C_out, b, relu, 0, v, mbuf, yw);
        what = g_strdup_printf ("forward B%d L%d %d→%d relu %d", B, L, C_in, C_out, relu);
        assert_close (what, yw, y, ny, 1e-5f);
        /* The products' buffer is left as it must arrive: all zeros. */
        for (size_t i = 0; i < P * T * C_out; i++)
          g_assert_cmpfloat (mbuf[i], ==, 0.0f);
        if (relu && L_pool > 0)
          {
            /* The fused pool of inference. */
            nn_maxpool_forward (y, B, L_out, C_out, 2, pool);
            nn_winograd_forward (x, B, L, C_in, u, C_out, b, relu, 2, v, mbuf, poolw);
            assert_close ("pooled forward", poolw, pool, (size_t) B * L_pool * C_out, 1e-5f);
            for (size_t i = 0; i < P * T * C_out; i++)
              g_assert_cmpfloat (mbuf[i], ==, 0.0f);
            /* The pool overwrote nothing of the transformed input. */
            nn_winograd_forward (x, B, L, C_in, u, C_out, b, relu, 0, v, mbuf, yw);
          }

        nn_conv1d_backward (x, NULL, B, L, C_in, w, C_out, K, relu, y, dy, dw, db, col, dx);
        /* The masks from the same y on both sides: ReLU and pool decisions
         * that rounding could flip are not what is tested. */
        nn_winograd_backward (v, B, L, C_in, u, C_out, y, relu, 0, NULL, dyw, dbw, dm, du, dv,
                              dww, dxw);
        assert_close ("db", dbw, db, C_out, 1e-6f);
        assert_close ("dw", dww, dw, nw, 1e-5f);
        assert_close ("dx", dxw, dx, nx, 1e-5f);
        for (size_t i = 0; i < P * T * C_in; i++)
          g_assert_cmpfloat (dv[i], ==, 0.0f);
        /* and dU's buffer too, for the next step's products to add onto */
        for (size_t i = 0; i < P * nw / 3; i++)
          g_assert_cmpfloat (du[i], ==, 0.0f);
        /* dy is left as it was: the ReLU's mask is taken on the way. */
        g_assert_cmpmem (dyw, sizeof (float) * ny, dy_in, sizeof (float) * ny);
        /* No input gradient asked for (the first layer): dw alone. */
        memset (dww, 0, sizeof (float) * nw);
        nn_winograd_backward (v, B, L, C_in, u, C_out, y, relu, 0, NULL, dyw, dbw, dm, du, dv,
                              dww, NULL);
        assert_close ("dw without dx", dww, dw, nw, 1e-5f);

        /* Through a max-pool of pairs after the layer: the gradient of the
         * pooled output, routed back by nn_maxpool_backward on the GEMM
         * side, by the Winograd backward pass itself on the other, from
         * the pool's output and its choices.  y has ties (zeros after the
         * ReLU, and a pair made equal on purpose): the first of equals
         * takes the gradient on both sides. */
        if (L_pool > 0)
          {
            size_t np = (size_t) B * L_pool * C_out;
            g_autofree float *dpool = g_new (float, np), *yp = g_new (float, np);
            g_autofree float *ys = g_new (float, ny), *yps = g_new (float, np);
            g_autofree unsigned char *second = g_new (unsigned char, np);
            g_autofree unsigned char *seconds = g_new (unsigned char, np);

            /* Training's forward pass writes the pool and its choices
             * (and y when asked): those of its own y. */
            nn_winograd_forward_store (v, B, L, C_in, u, C_out, b, relu, mbuf, ys, yps, seconds,
                                       NULL);
            assert_close ("stored forward", ys, y, ny, 1e-5f);
            nn_maxpool_forward (ys, B, L_out, C_out, 2, yp);
            g_assert_cmpmem (yps, sizeof (float) * np, yp, sizeof (float) * np);
            for (size_t q = 0; q < np; q++)
              {
                size_t s = q / ((size_t) L_pool * C_out), t = q / C_out % L_pool, c = q % C_out;
                const float *pair = ys + (s * L_out + 2 * t) * C_out + c;
                g_assert_cmpint (seconds[q], ==, pair[C_out] > pair[0]);
              }

            y[C_out] = y[0];
            nn_maxpool_forward (y, B, L_out, C_out, 2, yp);
            for (size_t q = 0; q < np; q++)
              {
                size_t s = q / ((size_t) L_pool * C_out), t = q / C_out % L_pool, c = q % C_out;
                const float *pair = y + (s * L_out + 2 * t) * C_out + c;
                second[q] = pair[C_out] > pair[0];
              }
            fill_uniform (dpool, np, &rng, -1, 1);
            nn_maxpool_backward (y, B, L_out, C_out, 2, dpool, dy);
            nn_conv1d_backward (x, NULL, B, L, C_in, w, C_out, K, relu, y, dy, dw, db, col, dx);
            nn_winograd_backward (v, B, L, C_in, u, C_out, yp, relu, 2, second, dpool, dbw, dm,
                                  du, dv, dww, dxw);
            assert_close ("pooled db", dbw, db, C_out, 1e-6f);
            assert_close ("pooled dw", dww, dw, nw, 1e-5f);
            assert_close ("pooled dx", dxw, dx, nx, 1e-5f);
          }
      }
}

/* Whether two stored forward passes of the same network took the same
 * decisions: the same activations zero after each ReLU, and the same
 * input (the first of equals) taken by each max-pool window.  @a may
 * have kept a Winograd convolution's pool of pairs as the pool's output
 * and choices alone: there its decisions are the choices and the pooled
 * values above zero (a ReLU that no pool took passes no gradient). */
static gboolean
same_decisions (const NnModel *a, const NnModel *b, int B)
{
  for (int i = 0; i < a->n_layers; i++)
    {
      const NnLayer *La = &a->layers[i], *Lb = &b->layers[i];
      size_t n = (size_t) B * La->c_out * La->l_out;

      if (La->kind == NN_LAYER_POOL && a->layers[i - 1].out == NULL)
        {
          const unsigned char *second = a->layers[i - 1].pool_second;
          const float *xb = b->layers[i - 1].out;

          g_assert_cmpint (La->k, ==, 2);
          for (size_t j = 0; j < n; j++)
            {
              size_t q = j / La->c_in, c = j % La->c_in, s = q / La->l_out, t = q % La->l_out;
              size_t base = ((size_t) s * La->l_in + 2 * t) * La->c_in + c;
              int kb = xb[base + La->c_in] > xb[base];
              if (second[j] != kb || (La->out[j] > 0.0f) != (Lb->out[j] > 0.0f))
                return FALSE;
            }
          continue;
        }
      if (La->relu && La->out == NULL)
        continue; /* taken with the pool after it */
      if (La->relu)
        for (size_t j = 0; j < n; j++)
          if ((La->out[j] > 0.0f) != (Lb->out[j] > 0.0f))
            return FALSE;
      if (La->kind == NN_LAYER_POOL)
        {
          const float *xa = a->layers[i - 1].out, *xb = b->layers[i - 1].out;
          for (int s = 0; s < B; s++)
            for (int t = 0; t < La->l_out; t++)
              for (int c = 0; c < La->c_in; c++)
                {
                  size_t base = ((size_t) s * La->l_in + (size_t) t * La->k) * La->c_in + c;
                  int ka = 0, kb = 0;
                  for (int k = 1; k < La->k; k++)
                    {
                      if (xa[base + (size_t) k * La->c_in] > xa[base + (size_t) ka * La->c_in])
                        ka = k;
                      if (xb[base + (size_t) k * La->c_in] > xb[base + (size_t) kb * La->c_in])
                        kb = k;
                    }
                  if (ka != kb)
                    return FALSE;
                }
        }
    }
  return TRUE;
}

/* The reference network, Winograd against shifted GEMMs: the same
 * probabilities and the same gradients of a batch. */
static void
test_winograd_model (void)
{
  enum { N = 70, N_GRAD = 16, DIM = 140, C = 3 };
  g_autofree char *err = NULL;
  g_autofree float *x = g_new (float, N * DIM), *pw = g_new (float, N * C), *pg = g_new (float, N * C);
  g_autofree float *gw = NULL;
  float dl[N * C];
  NnModel *mw, *mg;

  NnRng rng;

  /* Random inputs: smooth ones would give exact ties in the max-pools
   * that the two algorithms' rounding breaks differently. */
  nn_rng_seed (&rng, 9);
  fill_uniform (x, N * DIM, &rng, -1, 1);
  nn_conv_set_algorithm (NN_CONV_AUTO);
  mw = nn_model_new_preset ("reference", DIM, C, 4, &err);
  nn_conv_set_algorithm (NN_CONV_GEMM);
  mg = nn_model_new_preset ("reference", DIM, C, 4, &err);
  nn_conv_set_algorithm (NN_CONV_AUTO);
  /* conv2 … conv6 of the reference network go through Winograd. */
  for (int i = 0, n_conv = 0; i < mw->n_layers; i++)
    if (mw->layers[i].kind == NN_LAYER_CONV)
      {
        g_assert_cmpint (mw->layers[i].winograd, ==, n_conv++ > 0);
        g_assert_false (mg->layers[i].winograd);
      }
  g_assert_cmpint (nn_model_predict (mw, x, N, pw, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_predict (mg, x, N, pg, &err), ==, NN_OK);
  assert_close ("probabilities", pw, pg, N * C, 1e-5f);

  for (int i = 0; i < N * C; i++)
    dl[i] = (float) ((i * 7) % 11 - 5) / (11.0f * N);
  g_assert_cmpint (nn_model_reserve (mw, N, 1, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_reserve (mg, N, 1, &err), ==, NN_OK);
  /* Inference chains each Winograd convolution into the next one's input
   * transform and fuses the pools; the training pass does neither.  The
   * same arithmetic: bit-identical probabilities.  Other chunks agree to
   * rounding only: OpenBLAS takes other kernels for small products. */
  {
    g_autofree float *ps = g_new (float, N * C), *pc = g_new (float, N * C);

    nn_softmax (nn_model_forward (mw, x, N, NN_FORWARD_STORE), N, C, ps);
    g_assert_cmpmem (ps, sizeof (float) * N * C, pw, sizeof (float) * N * C);
    mw->infer_chunk = 16; /* 5 chunks, the last one of 6 */
    g_assert_cmpint (nn_model_predict (mw, x, N, pc, &err), ==, NN_OK);
    mw->infer_chunk = 0;
    assert_close ("chunks of 16", pc, pw, N * C, 1e-6f);
  }
  /* The gradients agree where the two passes took the same decisions:
   * which ReLUs let through and which input each max-pool took.  With
   * ~600,000 activations a layer, a value within rounding (~1e-7) of a
   * tie is no rarity, and a decision taken the other way moves the
   * gradients of every layer below by ~1e-3; the rounding differs with
   * the kernels OpenBLAS picks for the CPU.  So the gradients are those
   * of a batch of 16 (70 inputs disagreed somewhere in 3 of 4 draws with
   * the Cooperlake kernels), and inputs are drawn until every decision
   * agrees. */
  for (int draw = 0;; draw++)
    {
      g_assert_cmpint (draw, <, 50);
      nn_model_forward (mw, x, N_GRAD, NN_FORWARD_STORE);
      nn_model_forward (mg, x, N_GRAD, NN_FORWARD_STORE);
      if (same_decisions (mw, mg, N_GRAD))
        break;
      fill_uniform (x, N_GRAD * DIM, &rng, -1, 1);
    }
  nn_model_backward (mw, x, N_GRAD, dl);
  nn_model_backward (mg, x, N_GRAD, dl);
  for (int i = 0; i < mw->n_layers; i++)
    {
      NnLayer *L = &mw->layers[i];
      if (L->kind != NN_LAYER_CONV && L->kind != NN_LAYER_DENSE)
        continue;
      assert_close (L->name, mw->grads + L->w_off, mg->grads + L->w_off, L->n_w + L->c_out, 2e-5f);
    }
  nn_model_free (mw);
  nn_model_free (mg);
}

/* ---- Presets ---- */

static void
test_presets (void)
{
  g_autofree char *err = NULL;
  NnModel *m = nn_model_new_preset ("reference", 140, 3, 1, &err);

  g_assert_nonnull (m);
  /* ARCHITECTURE.md: ≈ 34 MFLOP per spectrum; 14 x 256 before the dense
   * layers. */
  g_assert_cmpfloat (fabs (nn_model_flops (m) - 34.04e6), <, 0.05e6);
  g_assert_cmpint (m->layers[9].kind, ==, NN_LAYER_FLATTEN);
  g_assert_cmpint (m->layers[9].c_out, ==, 14 * 256);
  g_assert_cmpuint (nn_model_n_params (m), ==, 2481731);
  nn_model_free (m);

  g_assert_null (nn_model_new_preset ("huge", 140, 3, 1, &err));
  g_assert_nonnull (strstr (err, "huge"));
  g_clear_pointer (&err, free);
  g_assert_null (nn_model_new ("conv8k3,bogus", 140, 3, 1, &err));
  g_assert_nonnull (strstr (err, "bogus"));
  g_clear_pointer (&err, free);
  g_assert_null (nn_model_new ("conv8k50,conv8k50,conv8k50", 140, 3, 1, &err));
  g_assert_nonnull (err);
  g_clear_pointer (&err, free);
  g_assert_null (nn_model_new ("flatten,conv8k3", 140, 3, 1, &err));
  g_assert_nonnull (err);
}

/* ---- Save, load, corrupt files ---- */

static char *
tmp_path (const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("test-nn-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static void
remove_tmp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_remove (path);
  g_rmdir (dir);
}

static void
test_save_load (void)
{
  enum { N = 50, DIM = 40 };
  g_autofree char *path = tmp_path ("model.safetensors");
  g_autofree char *err = NULL;
  g_autofree float *x = g_new (float, N * DIM);
  float p1[N * 3], p2[N * 3];
  int y[N];
  NnModel *m, *l;

  make_separable (N, DIM, 5, x, y);
  m = train_small (11, x, y, N, DIM, 2, NULL);
  g_assert_cmpint (nn_model_set_metadata (m, "classes", "[\"absorption\",\"emission\",\"double-peak\"]"), ==, NN_OK);
  g_assert_cmpint (nn_model_set_metadata (m, "note", "quote \" backslash \\ tab \t ünïcode"), ==, NN_OK);
  g_assert_cmpint (nn_model_set_metadata (m, "architecture", "x"), ==, NN_ERROR);
  g_assert_cmpint (nn_model_save (m, path, &err), ==, NN_OK);
  l = nn_model_load (path, &err);
  if (l == NULL)
    g_error ("%s", err);
  g_assert_cmpstr (nn_model_architecture (l), ==, nn_model_architecture (m));
  g_assert_cmpstr (nn_model_get_metadata (l, "note"), ==, "quote \" backslash \\ tab \t ünïcode");
  g_assert_cmpstr (nn_model_get_metadata (l, "classes"), ==, "[\"absorption\",\"emission\",\"double-peak\"]");
  g_assert_cmpint (nn_model_n_metadata (l), ==, 2);
  g_assert_cmpmem (m->params, sizeof (float) * m->n_params, l->params, sizeof (float) * l->n_params);
  g_assert_cmpint (nn_model_predict (m, x, N, p1, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_predict (l, x, N, p2, &err), ==, NN_OK);
  g_assert_cmpmem (p1, sizeof p1, p2, sizeof p2);
  nn_model_free (l);
  nn_model_free (m);
  remove_tmp (path);
}

static void
expect_rejected (const char *path, const void *data, size_t len, const char *fragment)
{
  g_autofree char *err = NULL;
  NnModel *m;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  m = nn_model_load (path, &err);
  if (m != NULL)
    g_error ("a corrupt model (%s) was accepted", fragment);
  g_assert_nonnull (err);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, path));
  if (fragment != NULL && strstr (err, fragment) == NULL)
    g_error ("expected “%s” in “%s”", fragment, err);
}

static GBytes *
header_file (const char *json, size_t data_bytes)
{
  GByteArray *a = g_byte_array_new ();
  guint64 len = strlen (json);
  guint8 le[8];

  for (int i = 0; i < 8; i++)
    le[i] = (guint8) (len >> (8 * i));
  g_byte_array_append (a, le, 8);
  g_byte_array_append (a, (const guint8 *) json, (guint) len);
  for (size_t i = 0; i < data_bytes; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  return g_byte_array_free_to_bytes (a);
}

static void
test_corrupt_files (void)
{
  g_autofree char *good = tmp_path ("good.safetensors");
  g_autofree char *bad = g_strconcat (good, ".bad", NULL);
  g_autofree char *err = NULL, *contents = NULL;
  gsize len;
  NnModel *m = nn_model_new_preset ("small", 40, 3, 1, &err);
  static const char *const headers[][2] = {
    /* foreign safetensors: a PyTorch-style file */
    { "{\"weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "not an Emissary model" },
    { "{\"__metadata__\":{\"format\":\"pt\"}}", "not an Emissary model" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\"}}", "architecture" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"dense4\",\"n_in\":\"5\",\"n_classes\":\"2\"}}", "lacks the tensor" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"wat\",\"n_in\":\"5\",\"n_classes\":\"2\"}}", "wat" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"\",\"n_in\":\"2\",\"n_classes\":\"2\"},"
      "\"dense1.weight\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", "F32" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"\",\"n_in\":\"2\",\"n_classes\":\"2\"},"
      "\"dense1.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", "shape" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"\",\"n_in\":\"2\",\"n_classes\":\"2\"},"
      "\"dense1.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
      "\"dense1.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]}}", "truncated" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\",\"architecture\":\"\",\"n_in\":\"2\",\"n_classes\":\"2\"},"
      "\"dense1.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", "offsets" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\", \"architecture\": [1]}}", "architecture" },
    { "{\"__metadata__\":{\"format\":\"emissary-cnn-1\"", "JSON" },
    { "[1,2,3]", "JSON" },
    { "{\"a\":\"\\ud800\"}", "JSON" },
    { "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "JSON" },
  };

  g_assert_cmpint (nn_model_save (m, good, &err), ==, NN_OK);
  g_assert_true (g_file_get_contents (good, &contents, &len, NULL));

  /* Every truncation of a good file. */
  for (gsize cut = 0; cut < len; cut += (cut < 400 ? 7 : 997))
    expect_rejected (bad, contents, cut, NULL);
  expect_rejected (bad, contents, len - 1, "truncated");
  /* A header length that runs past the end, or is absurd. */
  {
    g_autofree char *copy = g_memdup2 (contents, len);
    copy[0] = (char) 0xff;
    copy[1] = (char) 0xff;
    expect_rejected (bad, copy, len, "truncated");
    copy[5] = 0x7f;
    expect_rejected (bad, copy, len, "implausible");
  }
  /* Random bytes and text. */
  expect_rejected (bad, "hello, world, this is not a model", 33, NULL);
  for (size_t i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autoptr(GBytes) b = header_file (headers[i][0], 16);
      gsize n;
      const void *d = g_bytes_get_data (b, &n);
      expect_rejected (bad, d, n, headers[i][1]);
    }
  /* A weight that is not finite. */
  {
    g_autofree char *copy = g_memdup2 (contents, len);
    guint8 nan_bytes[4] = { 0, 0, 0xc0, 0x7f };
    memcpy (copy + len - 4, nan_bytes, 4);
    expect_rejected (bad, copy, len, "finite");
  }
  /* A folder. */
  {
    g_autofree char *dir = g_path_get_dirname (good);
    g_clear_pointer (&err, free);
    g_assert_null (nn_model_load (dir, &err));
    g_assert_nonnull (strstr (err, "not a regular file"));
    g_clear_pointer (&err, free);
  }
  /* A missing file. */
  g_remove (bad);
  g_assert_null (nn_model_load (bad, &err));
  g_assert_nonnull (strstr (err, bad));
  /* Saving into a missing folder fails cleanly. */
  g_clear_pointer (&err, free);
  g_assert_cmpint (nn_model_save (m, "/nonexistent-dir/x.safetensors", &err), ==, NN_ERROR);
  g_assert_nonnull (strstr (err, "/nonexistent-dir/x.safetensors"));
  nn_model_free (m);
  remove_tmp (good);
}

/* ---- Monte-Carlo dropout ---- */

static void
test_predict_mc (void)
{
  enum { N = 20, DIM = 40 };
  g_autofree char *err = NULL;
  g_autofree float *x = g_new (float, N * DIM);
  float p[N * 3], mean[N * 3], bald[N], mean2[N * 3], bald2[N];
  int y[N];
  NnModel *m = nn_model_new_preset ("small", DIM, 3, 2, &err);
  NnModel *plain = nn_model_new ("conv4k3,pool2,dense8", DIM, 3, 2, &err);

  make_separable (N, DIM, 6, x, y);
  g_assert_cmpint (nn_model_predict_mc (m, x, N, 20, 1, mean, bald, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_predict_mc (m, x, N, 20, 1, mean2, bald2, &err), ==, NN_OK);
  g_assert_cmpmem (mean, sizeof mean, mean2, sizeof mean2);
  g_assert_cmpmem (bald, sizeof bald, bald2, sizeof bald2);
  for (int i = 0; i < N; i++)
    {
      g_assert_cmpfloat (bald[i], >=, 0.0f);
      g_assert_cmpfloat (bald[i], <=, logf (3.0f) + 1e-5f);
      g_assert_cmpfloat_with_epsilon (mean[i * 3] + mean[i * 3 + 1] + mean[i * 3 + 2], 1.0f, 1e-5f);
    }
  /* Dropout makes the passes differ: somewhere BALD is positive. */
  {
    float max_bald = 0.0f;
    for (int i = 0; i < N; i++)
      max_bald = fmaxf (max_bald, bald[i]);
    g_assert_cmpfloat (max_bald, >, 1e-6f);
  }
  /* Without dropout every pass is the same: BALD 0, mean = prediction. */
  g_assert_cmpint (nn_model_predict_mc (plain, x, N, 5, 1, mean, bald, &err), ==, NN_OK);
  g_assert_cmpint (nn_model_predict (plain, x, N, p, &err), ==, NN_OK);
  for (int i = 0; i < N * 3; i++)
    g_assert_cmpfloat_with_epsilon (mean[i], p[i], 1e-6f);
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat (bald[i], <, 1e-5f);
  g_assert_cmpint (nn_model_predict_mc (plain, x, N, 0, 1, mean, bald, &err), ==, NN_ERROR);
  nn_model_free (m);
  nn_model_free (plain);
}

/* ---- SMOTE ---- */

static void
test_smote (void)
{
  enum { DIM = 6, K = 5 };
  int counts[4] = { 40, 12, 1, 0 };
  size_t n = 53, n_out = 0;
  g_autofree float *x = g_new (float, n * DIM);
  g_autofree int *y = g_new (int, n);
  g_autofree char *err = NULL;
  float *xo = NULL, *xo2 = NULL;
  int *yo = NULL, *yo2 = NULL;
  size_t row = 0, n_out2, per_class[4] = { 0 };
  NnRng rng;

  nn_rng_seed (&rng, 60);
  for (int c = 0; c < 4; c++)
    for (int i = 0; i < counts[c]; i++, row++)
      {
        y[row] = c;
        for (int j = 0; j < DIM; j++)
          x[row * DIM + j] = 10.0f * c + nn_rng_uniform (&rng);
      }
  g_assert_cmpint (nn_smote (x, y, n, DIM, 4, K, 7, &xo, &yo, &n_out, &err), ==, NN_OK);
  /* Classes 1 and 2 grow to 40; the absent class stays absent. */
  g_assert_cmpuint (n_out, ==, 120);
  g_assert_cmpmem (xo, sizeof (float) * n * DIM, x, sizeof (float) * n * DIM);
  g_assert_cmpmem (yo, sizeof (int) * n, y, sizeof (int) * n);
  for (size_t i = 0; i < n_out; i++)
    per_class[yo[i]]++;
  g_assert_cmpuint (per_class[0], ==, 40);
  g_assert_cmpuint (per_class[1], ==, 40);
  g_assert_cmpuint (per_class[2], ==, 40);
  g_assert_cmpuint (per_class[3], ==, 0);

  /* Every synthetic row lies on a segment from an original row of its
   * class to one of that row's K nearest neighbours in the class. */
  for (size_t s = n; s < n_out; s++)
    {
      const float *q = xo + s * DIM;
      int c = yo[s], found = 0;
      for (size_t a = 0; a < n && !found; a++)
        {
          double d_ab[64];
          size_t idx[64], m = 0;
          if (y[a] != c)
            continue;
          if (counts[c] == 1)
            {
              found = memcmp (q, x + a * DIM, sizeof (float) * DIM) == 0;
              continue;
            }
          /* The K nearest of a by brute force. */
          for (size_t b = 0; b < n; b++)
            if (y[b] == c && b != a)
              {
                double d = 0;
                for (int j = 0; j < DIM; j++)
                  d += pow (x[a * DIM + j] - x[b * DIM + j], 2);
                d_ab[m] = d;
                idx[m++] = b;
              }
          for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++)
              if (d_ab[j] < d_ab[i])
                {
                  double td = d_ab[i];
                  size_t ti = idx[i];
                  d_ab[i] = d_ab[j], idx[i] = idx[j];
                  d_ab[j] = td, idx[j] = ti;
                }
          for (size_t nb = 0; nb < MIN (m, (size_t) K) && !found; nb++)
            {
              const float *pa = x + a * DIM, *pb = x + idx[nb] * DIM;
              double gap = (q[0] - pa[0]) / (pb[0] - pa[0]);
              int ok = gap >= -1e-6 && gap <= 1 + 1e-6;
              for (int j = 0; j < DIM && ok; j++)
                ok = fabs (pa[j] + gap * (pb[j] - pa[j]) - q[j]) < 1e-4;
              found = ok;
            }
        }
      if (!found)
        g_error ("synthetic row %zu is not between a row of class %d and a neighbour", s, c);
    }

  /* Same seed, same rows; another seed, other rows. */
  g_assert_cmpint (nn_smote (x, y, n, DIM, 4, K, 7, &xo2, &yo2, &n_out2, &err), ==, NN_OK);
  g_assert_cmpmem (xo, sizeof (float) * n_out * DIM, xo2, sizeof (float) * n_out2 * DIM);
  free (xo2);
  free (yo2);
  g_assert_cmpint (nn_smote (x, y, n, DIM, 4, K, 8, &xo2, &yo2, &n_out2, &err), ==, NN_OK);
  g_assert_true (memcmp (xo + n * DIM, xo2 + n * DIM, sizeof (float) * (n_out - n) * DIM) != 0);
  free (xo2);
  free (yo2);
  free (xo);
  free (yo);

  /* A label out of range names its row. */
  y[5] = 9;
  g_assert_cmpint (nn_smote (x, y, n, DIM, 4, K, 7, &xo, &yo, &n_out, &err), ==, NN_ERROR);
  g_assert_nonnull (strstr (err, "row 5"));
  g_assert_null (xo);
}

/* ---- Queries ---- */

static void
test_query_scores (void)
{
  float uniform[4] = { 0.25f, 0.25f, 0.25f, 0.25f }, sure[4] = { 0, 1, 0, 0 };
  float some[3] = { 0.7f, 0.2f, 0.1f };
  NnQueryStrategy s;

  g_assert_cmpint (nn_query_strategy_from_string ("least-confidence", &s), ==, NN_OK);
  g_assert_cmpint (s, ==, NN_QUERY_LEAST_CONFIDENCE);
  g_assert_cmpint (nn_query_strategy_from_string ("bald", &s), ==, NN_OK);
  g_assert_cmpint (s, ==, NN_QUERY_BALD);
  g_assert_cmpint (nn_query_strategy_from_string ("Entropy", &s), ==, NN_ERROR);
  g_assert_cmpstr (nn_query_strategy_to_string (NN_QUERY_MARGIN), ==, "margin");

  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_ENTROPY, uniform, 4), logf (4), 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_ENTROPY, sure, 4), 0.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_ENTROPY, some, 3),
                                  -(0.7 * log (0.7) + 0.2 * log (0.2) + 0.1 * log (0.1)), 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_MARGIN, uniform, 4), 1.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_MARGIN, some, 3), 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_MARGIN, sure, 4), 0.0f, 1e-7);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_LEAST_CONFIDENCE, some, 3), 0.3f, 1e-6);
  g_assert_cmpfloat_with_epsilon (nn_query_score (NN_QUERY_LEAST_CONFIDENCE, uniform, 4), 0.75f, 1e-7);
  g_assert_true (isnan (nn_query_score (NN_QUERY_RANDOM, some, 3)));
}

typedef struct
{
  float   score;
  int64_t index;
} Scored;

static int
cmp_scored (const void *a, const void *b)
{
  const Scored *x = a, *y = b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static void
test_topk (void)
{
  enum { N = 100000 };
  size_t ks[] = { 0, 1, 7, 100, 1000, N + 5 };
  g_autofree Scored *all = g_new (Scored, N);
  size_t n_valid = 0;
  NnRng rng;

  nn_rng_seed (&rng, 70);
  for (size_t i = 0; i < N; i++)
    {
      /* Coarse scores: many ties, which the lower index wins. */
      float v = (float) nn_rng_below (&rng, 5000) / 5000.0f;
      if (i % 1000 == 3)
        v = NAN;
      all[i].score = v;
      all[i].index = (int64_t) i * 3;
    }
  for (size_t k_i = 0; k_i < G_N_ELEMENTS (ks); k_i++)
    {
      size_t k = ks[k_i], got;
      NnTopK *t = nn_topk_new (k);
      g_autofree int64_t *idx = g_new (int64_t, MAX (k, 1));
      g_autofree float *sc = g_new (float, MAX (k, 1));
      g_autofree Scored *sorted = g_new (Scored, N);

      n_valid = 0;
      for (size_t i = 0; i < N; i++)
        {
          nn_topk_push (t, all[i].score, all[i].index);
          if (!isnan (all[i].score))
            sorted[n_valid++] = all[i];
        }
      qsort (sorted, n_valid, sizeof (Scored), cmp_scored);
      got = nn_topk_result (t, idx, sc);
      g_assert_cmpuint (got, ==, MIN (k, n_valid));
      for (size_t i = 0; i < got; i++)
        {
          g_assert_cmpint (idx[i], ==, sorted[i].index);
          g_assert_cmpfloat (sc[i], ==, sorted[i].score);
        }
      nn_topk_free (t);
    }
}

static void
test_scale_minmax (void)
{
  float x[8] = { 1, 3, 2, 5, 4, 4, 4, 4 };

  nn_scale_minmax (x, 2, 4);
  g_assert_cmpfloat (x[0], ==, -1.0f);
  g_assert_cmpfloat (x[3], ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (x[1], 0.0f, 1e-7);
  g_assert_cmpfloat (x[4], ==, 0.0f); /* constant row */
}

static void
test_blas_core (void)
{
  const char *core = nn_blas_core_name ();

  g_assert_nonnull (core);
  g_assert_cmpuint (strlen (core), >, 0);
  g_test_message ("OpenBLAS core: %s", core);
  nn_blas_set_threads (1);
  g_assert_cmpint (nn_blas_threads (), ==, 1);
  nn_blas_set_threads (0);
  g_assert_cmpint (nn_blas_threads (), >=, 1);
}

/* Which OpenBLAS core replaces which, on every kind of CPU (whatever this
 * machine is): only a core older than the CPU, never a newer or unknown
 * one, never on a CPU without AVX2. */
static void
test_blas_better_core (void)
{
  static const struct
  {
    const char *core;
    NnCpuLevel  cpu;
    const char *want;
  } cases[] = {
    { "Prescott", NN_CPU_AVX512, "SkylakeX" },
    { "Sandybridge", NN_CPU_AVX512, "SkylakeX" },
    { "Haswell", NN_CPU_AVX512, "SkylakeX" }, /* OpenBLAS 0.3.21 on AMD Zen 5 */
    { "ZEN", NN_CPU_AVX512, "SkylakeX" },
    { NULL, NN_CPU_AVX512, "SkylakeX" },
    { "SkylakeX", NN_CPU_AVX512, NULL },
    { "Cooperlake", NN_CPU_AVX512, NULL },
    { "SapphireRapids", NN_CPU_AVX512, NULL },
    { "Zen5", NN_CPU_AVX512, NULL }, /* a newer library's name */
    { "Prescott", NN_CPU_AVX2, "Haswell" },
    { "Nehalem", NN_CPU_AVX2, "Haswell" },
    { "Haswell", NN_CPU_AVX2, NULL },
    { "Zen", NN_CPU_AVX2, NULL },
    { "SkylakeX", NN_CPU_AVX2, NULL },
    { "Prescott", NN_CPU_BASELINE, NULL },
    { "Haswell", NN_CPU_BASELINE, NULL },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *got = nn_blas_better_core (cases[i].core, cases[i].cpu);
      g_test_message ("%s on level %d: %s", cases[i].core ? cases[i].core : "(none)",
                      cases[i].cpu, got ? got : "kept");
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/blas/better-core", test_blas_better_core);
  g_test_add_func ("/nn/gradient/conv", test_gradient_conv);
  g_test_add_func ("/nn/gradient/maxpool", test_gradient_pool);
  g_test_add_func ("/nn/gradient/dense", test_gradient_dense);
  g_test_add_func ("/nn/gradient/dropout", test_gradient_dropout);
  g_test_add_func ("/nn/gradient/softmax-xent", test_gradient_loss);
  g_test_add_data_func ("/nn/gradient/model", GINT_TO_POINTER (NN_CONV_AUTO), test_gradient_model);
  g_test_add_data_func ("/nn/gradient/model-winograd", GINT_TO_POINTER (NN_CONV_WINOGRAD),
                        test_gradient_model);
  g_test_add_func ("/nn/winograd/conv", test_winograd_conv);
  g_test_add_func ("/nn/winograd/model", test_winograd_model);
  g_test_add_data_func ("/nn/forward/pytorch", GINT_TO_POINTER (NN_CONV_AUTO), test_forward_pytorch);
  g_test_add_data_func ("/nn/forward/pytorch-winograd", GINT_TO_POINTER (NN_CONV_WINOGRAD),
                        test_forward_pytorch);
  g_test_add_func ("/nn/presets", test_presets);
  g_test_add_func ("/nn/train/separable", test_train_separable);
  g_test_add_func ("/nn/train/deterministic", test_train_deterministic);
  g_test_add_func ("/nn/threads", test_threads);
  g_test_add_func ("/nn/safetensors/save-load", test_save_load);
  g_test_add_func ("/nn/safetensors/corrupt", test_corrupt_files);
  g_test_add_func ("/nn/predict-mc", test_predict_mc);
  g_test_add_func ("/nn/smote", test_smote);
  g_test_add_func ("/nn/query/scores", test_query_scores);
  g_test_add_func ("/nn/query/topk", test_topk);
  g_test_add_func ("/nn/scale-minmax", test_scale_minmax);
  g_test_add_func ("/nn/blas/core", test_blas_core);
  return g_test_run ();
}
