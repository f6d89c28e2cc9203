/* SPDX-License-Identifier: GPL-3.0-or-later */
/* emissary-cli bench: the speed of the neural-network engine on this
 * machine, as one JSON line (tests/bench/ compares it with PyTorch). */
#include "em-config.h"

#include <cblas.h>
#include <time.h>

#include "em-cli.h"
#include "em-cli-commands.h"
#include "nn/nn.h"

/* The Ondřejov dataset's size, with an imbalance like its three classes. */
#define BENCH_SMOTE_ROWS 12936
#define BENCH_DIM        140
/* Each figure is the best of this many runs: the machine may be shared,
 * and the best run is the one least disturbed. */
#define BENCH_REPEATS    3

/* Wall-clock time; with --cpu-time (one thread), the CPU time of this
 * thread, which a busy machine does not inflate. */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double
now (void)
{
  struct timespec t;

  clock_gettime (bench_clock, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void
fill_random (float *x, size_t n, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (size_t i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
}

/* A large square sgemm on the same threads: the machine's fp32 limit as
 * OpenBLAS reaches it. */
static double
bench_sgemm (int size)
{
  g_autofree float *a = g_new (float, (gsize) size * size);
  g_autofree float *b = g_new (float, (gsize) size * size);
  g_autofree float *c = g_new (float, (gsize) size * size);
  double best = 0.0;

  fill_random (a, (gsize) size * size, 1);
  fill_random (b, (gsize) size * size, 2);
  for (int rep = 0; rep < 1 + BENCH_REPEATS; rep++)
    {
      double t = now ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, size, size, size, 1.0f, a, size, b,
                   size, 0.0f, c, size);
      t = now () - t;
      if (rep > 0) /* the first one warms up the threads and pages */
        best = MAX (best, 2.0 * size * size * (double) size / t / 1e9);
    }
  return best;
}

typedef struct
{
  double start, last_epoch;
  double epoch_seconds[8];
  int    epochs;
} EpochClock;

static int
record_epoch (int epoch, float loss, float accuracy, void *user_data)
{
  EpochClock *clock = user_data;
  double t = now ();

  if (clock->epochs < (int) G_N_ELEMENTS (clock->epoch_seconds))
    clock->epoch_seconds[clock->epochs++] = t - clock->last_epoch;
  clock->last_epoch = t;
  return 0;
}

int
em_cli_bench (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GString) out = g_string_new ("{");
  int threads = 0, train_rows = 1024, infer_rows = 4096, status, cpu_time = FALSE;
  g_autofree char *preset = NULL, *conv = NULL;
  GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("BLAS threads (default: all cores)"), "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, N_("Network: reference (default) or small"), "NAME" },
    { "train-rows", 0, 0, G_OPTION_ARG_INT, &train_rows, N_("Spectra per training epoch (default 1024)"), "N" },
    { "infer-rows", 0, 0, G_OPTION_ARG_INT, &infer_rows, N_("Spectra to classify (default 4096)"), "N" },
    { "conv", 0, 0, G_OPTION_ARG_STRING, &conv, N_("Kernel-3 convolutions: winograd (default) or gemm (three shifted GEMMs, for comparison)"), "ALGORITHM" },
    { "cpu-time", 0, 0, G_OPTION_ARG_NONE, &cpu_time, N_("Time by the CPU time of the one thread (needs --threads 1): figures that a busy machine does not disturb"), NULL },
    G_OPTION_ENTRY_NULL
  };
  char *err = NULL;
  NnModel *model;
  NnTrainOptions opts;
  EpochClock clock = { 0 };
  double sgemm, t, infer_s, train_s, smote_s, flops;
  g_autofree float *x = NULL, *probs = NULL, *xs = NULL, *sx = NULL;
  g_autofree int *y = NULL, *ys = NULL, *sy = NULL;
  size_t n_smote = 0;

  g_option_context_set_summary (context, _("Measure training, inference, SMOTE and sgemm speed "
                                           "on this machine; print one JSON line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (preset == NULL)
    preset = g_strdup ("reference");
  if (argc > 1)
    return em_cli_usage ("bench", _("unexpected argument “%s”"), argv[1]);
  if (threads < 0 || threads > 1024)
    return em_cli_usage ("bench", _("--threads must be between 0 and 1024"));
  if (train_rows < 64 || infer_rows < 1)
    return em_cli_usage ("bench", _("--train-rows must be ≥ 64 and --infer-rows ≥ 1"));

  if (conv == NULL || strcmp (conv, "winograd") == 0)
    nn_conv_set_algorithm (NN_CONV_AUTO);
  else if (strcmp (conv, "gemm") == 0)
    nn_conv_set_algorithm (NN_CONV_GEMM);
  else
    return em_cli_usage ("bench", _("--conv must be winograd or gemm"));
  if (cpu_time && threads != 1)
    return em_cli_usage ("bench", _("--cpu-time needs --threads 1"));
  if (cpu_time)
    bench_clock = CLOCK_THREAD_CPUTIME_ID;
  if (nn_blas_core_advice () != NULL)
    /* The user's choice is kept, but figures measured on it are worth a
     * word: one step behind costs half the sgemm rate. */
    g_printerr (_("emissary-cli bench: OPENBLAS_CORETYPE=%s is set, but this CPU can run the "
                  "faster %s kernels; unset it (or set %s) for this machine's full speed\n"),
                nn_blas_core_name (), nn_blas_core_advice (), nn_blas_core_advice ());
  nn_blas_set_threads (threads);
  threads = nn_blas_threads ();
  sgemm = bench_sgemm (2048);

  model = nn_model_new_preset (preset, BENCH_DIM, 3, 1, &err);
  if (model == NULL)
    {
      g_printerr ("emissary-cli bench: %s\n", err);
      free (err);
      return EM_CLI_USAGE;
    }
  flops = nn_model_flops (model);

  /* Inference: a warm-up chunk, then the timed batch. */
  x = g_new (float, (gsize) MAX (infer_rows, train_rows) * BENCH_DIM);
  fill_random (x, (gsize) MAX (infer_rows, train_rows) * BENCH_DIM, 3);
  probs = g_new (float, (gsize) infer_rows * 3);
  nn_model_predict (model, x, MIN (infer_rows, 256), probs, NULL);
  infer_s = G_MAXDOUBLE;
  for (int rep = 0; rep < BENCH_REPEATS; rep++)
    {
      t = now ();
      if (nn_model_predict (model, x, infer_rows, probs, &err) != NN_OK)
        goto fail;
      infer_s = MIN (infer_s, now () - t);
    }

  /* Training: batch 64; the best epoch after the first (which allocates). */
  y = g_new (int, train_rows);
  for (int i = 0; i < train_rows; i++)
    y[i] = i % 3;
  nn_train_options_init (&opts);
  opts.max_epochs = 1 + BENCH_REPEATS;
  opts.patience = 100;
  opts.n_threads = threads;
  opts.seed = 1;
  opts.progress = record_epoch;
  opts.user_data = &clock;
  clock.start = clock.last_epoch = now ();
  if (nn_model_train (model, x, y, train_rows, &opts, &err) != NN_OK)
    goto fail;
  train_s = G_MAXDOUBLE;
  for (int e = 1; e < clock.epochs; e++)
    train_s = MIN (train_s, clock.epoch_seconds[e]);
  nn_model_free (model);
  model = NULL;

  /* SMOTE on the Ondřejov dataset's shape: 8,000 / 3,000 / 1,936 rows. */
  xs = g_new (float, (gsize) BENCH_SMOTE_ROWS * BENCH_DIM);
  ys = g_new (int, BENCH_SMOTE_ROWS);
  fill_random (xs, (gsize) BENCH_SMOTE_ROWS * BENCH_DIM, 4);
  for (int i = 0; i < BENCH_SMOTE_ROWS; i++)
    ys[i] = i < 8000 ? 0 : i < 11000 ? 1 : 2;
  smote_s = G_MAXDOUBLE;
  for (int rep = 0; rep < BENCH_REPEATS; rep++)
    {
      float *fx;
      int *fy;
      t = now ();
      if (nn_smote (xs, ys, BENCH_SMOTE_ROWS, BENCH_DIM, 3, 5, 1, &fx, &fy, &n_smote, &err) != NN_OK)
        goto fail;
      smote_s = MIN (smote_s, now () - t);
      g_free (sx);
      g_free (sy);
      sx = fx;
      sy = fy;
    }

  em_json_key (out, "openblas_core");
  em_json_string (out, nn_blas_core_name ());
  /* what OpenBLAS chose on its own, before nn_blas_ensure_core */
  em_json_key (out, "openblas_core_detected");
  em_json_string (out, nn_blas_core_detected ());
  em_json_key (out, "openblas_core_set_by");
  em_json_string (out, nn_blas_core_set_by ());
  /* log2 of the cycles its idle threads spin (nn_blas_ensure_core) */
  em_json_key (out, "openblas_thread_timeout");
  em_json_string (out, g_getenv ("OPENBLAS_THREAD_TIMEOUT") ? g_getenv ("OPENBLAS_THREAD_TIMEOUT")
                                                             : "default");
  em_json_key (out, "threads");
  em_json_number (out, threads);
  em_json_key (out, "clock");
  em_json_string (out, cpu_time ? "thread-cpu-time" : "wall");
  em_json_key (out, "preset");
  em_json_string (out, preset);
  em_json_key (out, "conv");
  em_json_string (out, nn_conv_get_algorithm () == NN_CONV_GEMM ? "gemm" : "winograd");
  /* The network's cost as direct convolutions, the figure PyTorch's
   * GFLOP/s are counted by: with Winograd, the GFLOP/s below are the
   * equivalent rate, and may exceed the sgemm limit. */
  em_json_key (out, "mflop_per_spectrum");
  em_json_number (out, flops / 1e6);
  em_json_key (out, "train_samples_per_s");
  em_json_number (out, train_rows / train_s);
  /* A training step costs a forward pass and two products per layer
   * backwards (weights and inputs): three forward passes. */
  em_json_key (out, "train_gflops");
  em_json_number (out, 3.0 * flops * train_rows / train_s / 1e9);
  em_json_key (out, "infer_spectra_per_s");
  em_json_number (out, infer_rows / infer_s);
  em_json_key (out, "infer_gflops");
  em_json_number (out, flops * infer_rows / infer_s / 1e9);
  em_json_key (out, "sgemm_gflops");
  em_json_number (out, sgemm);
  em_json_key (out, "infer_to_sgemm");
  em_json_number (out, flops * infer_rows / infer_s / 1e9 / sgemm);
  em_json_key (out, "smote_seconds");
  em_json_number (out, smote_s);
  em_json_key (out, "smote_rows_out");
  em_json_number (out, (double) n_smote);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;

fail:
  g_printerr ("emissary-cli bench: %s\n", err);
  free (err);
  nn_model_free (model);
  return EM_CLI_FAILURE;
}
