/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pool benchmarks, one JSON line per measurement:
 *
 *   bench-pool synth POOL N          N rows synthesised straight into a pool
 *   bench-pool read POOL             streaming flux reads, rows by index and by id
 *   bench-pool score POOL [PRESET]   em_pool_score over the whole pool vs. the
 *                                    network alone, probed during the same run
 *                                    (median of the probes); peak RSS, 4.1 M
 *                                    estimate
 *
 * Built on demand: ninja -C build tests/app/bench-pool (tests/bench/bench-pool.sh
 * runs everything). */
#include "em-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app/em-pool.h"
#include "app/em-pool-private.h"
#include "app/em-score.h"

#define LAMOST_DR2 4.1e6

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double
peak_rss_mb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

static int
fail (GError *error)
{
  fprintf (stderr, "bench-pool: %s\n", error->message);
  g_error_free (error);
  return 1;
}

/* Rows shaped like spectra: a continuum with an H-alpha line of random
 * depth or height, scaled to [-1, 1]. */
static int
synth (const char *path,
       guint64     n)
{
  GError *error = NULL;
  EmPreprocessParams params;
  EmPoolWriter *w;
  GRand *rand = g_rand_new_with_seed (7);
  double t = now ();
  float flux[140];

  em_preprocess_params_init (&params);
  w = em_pool_writer_open (path, &params, "/survey/lamost-dr2", &error);
  if (w == NULL)
    return fail (error);
  for (guint64 i = em_pool_writer_get_n_rows (w); i < n; i++)
    {
      char id[64], rel[96], obsid[24];
      EmPoolRow row = { 0 };
      double amp = g_rand_double_range (rand, -0.8, 1.5);
      float lo = INFINITY, hi = -INFINITY;

      g_snprintf (id, sizeof id, "spec-55859-F%05u_sp%02u-%03u",
                  (guint) (i / 4000), (guint) (i / 250 % 16 + 1), (guint) (i % 250 + 1));
      g_snprintf (rel, sizeof rel, "fits/2011%04u/%s.fits.gz", (guint) (i / 4000 % 10000), id);
      g_snprintf (obsid, sizeof obsid, "%" G_GUINT64_FORMAT, 100000 + i);
      row.id = id;
      row.ra = g_rand_double_range (rand, 0, 360);
      row.dec = g_rand_double_range (rand, -10, 60);
      row.obsid = obsid;
      row.snr = g_rand_double_range (rand, 2, 300);
      row.survey_class = "STAR";
      row.source_path = rel;
      row.hdu = 1;
      for (guint j = 0; j < 140; j++)
        {
          double d = (j - 70.0) / 4.0;

          flux[j] = (float) (1.0 + 0.001 * j + amp * exp (-0.5 * d * d) + g_rand_double_range (rand, -0.02, 0.02));
          lo = MIN (lo, flux[j]);
          hi = MAX (hi, flux[j]);
        }
      for (guint j = 0; j < 140; j++)
        flux[j] = 2 * (flux[j] - lo) / (hi - lo) - 1;
      if (!em_pool_writer_append (w, &row, flux, &error))
        return fail (error);
    }
  if (!em_pool_writer_close (w, &error))
    return fail (error);
  t = now () - t;
  g_rand_free (rand);
  printf ("{\"bench\":\"pool-synth\",\"rows\":%" G_GUINT64_FORMAT ",\"seconds\":%.3f}\n", n, t);
  return 0;
}

static int
bench_read (const char *path)
{
  GError *error = NULL;
  g_autoptr(EmPool) pool = em_pool_open (path, &error);
  g_autofree float *buf = NULL;
  guint64 n;
  double t, t_index, t_id, t_build;
  GRand *rand = g_rand_new_with_seed (3);
  const guint lookups = 2000;

  if (pool == NULL)
    return fail (error);
  n = em_pool_get_n_rows (pool);
  buf = g_new (float, 4096 * 140);
  t = now ();
  for (guint64 first = 0; first < n; first += 4096)
    if (!em_pool_read_fluxes (pool, first, MIN (4096, n - first), buf, &error))
      return fail (error);
  t = now () - t;

  t_index = now ();
  for (guint i = 0; i < lookups; i++)
    {
      EmPoolRow *row = em_pool_get_row (pool, (guint64) g_rand_int_range (rand, 0, (gint32) n), &error);

      if (row == NULL)
        return fail (error);
      em_pool_row_free (row);
    }
  t_index = (now () - t_index) / lookups;

  /* The first lookup maps (or builds) the index. */
  t_build = now ();
  if (em_pool_find_id (pool, "none", &error) != -1)
    return 1;
  t_build = now () - t_build;
  t_id = now ();
  for (guint i = 0; i < lookups; i++)
    {
      guint64 want = (guint64) g_rand_int_range (rand, 0, (gint32) n);
      g_autofree char *id = em_pool_get_id (pool, want, &error);
      gint64 got = em_pool_find_id (pool, id, &error);

      if (got < 0 || (guint64) got > want)
        return fail (error != NULL ? error : g_error_new (EM_POOL_ERROR, 0, "id %s not found", id));
    }
  t_id = (now () - t_id) / lookups;
  g_rand_free (rand);
  printf ("{\"bench\":\"pool-read\",\"rows\":%" G_GUINT64_FORMAT ",\"seconds\":%.3f,\"rows_per_s\":%.0f,"
          "\"mb_per_s\":%.0f,\"row_by_index_us\":%.1f,\"index_open_s\":%.3f,\"row_by_id_us\":%.1f}\n",
          n, t, n / t, n * (double) (430 + 4 * 140) / t / 1e6, t_index * 1e6, t_build, t_id * 1e6);
  return 0;
}

/* One pass of the network alone over @n rows already in memory. */
static double
network_pass (NnModel     *model,
              const float *x,
              size_t       n,
              float       *probs)
{
  double t = now ();

  nn_model_predict (model, x, n, probs, NULL);
  return n / (now () - t);
}

/* The network alone is measured *inside* the scoring run: every
 * PROBE_INTERVAL seconds the progress callback (called on the scoring
 * thread, between batches, while the reader has its next batch ready)
 * classifies PROBE_ROWS rows already in memory.  Both figures then come
 * from the same minutes of the same machine, which a shared virtual
 * machine whose speed drifts by 2x over minutes otherwise spoils; the
 * probes' time is taken out of the scoring time. */
#define PROBE_INTERVAL 10.0
#define PROBE_ROWS 4096

typedef struct
{
  NnModel     *model;
  const float *x;
  float       *probs;
  double       last, spent;
  GArray      *rates;
} Probe;

static void
probe (double      fraction,
       const char *message,
       gpointer    user_data)
{
  Probe *p = user_data;
  double t = now (), rate;

  if (t - p->last < PROBE_INTERVAL || fraction >= 1.0)
    return;
  rate = network_pass (p->model, p->x, PROBE_ROWS, p->probs);
  g_array_append_val (p->rates, rate);
  p->last = now ();
  p->spent += p->last - t;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static int
bench_score (const char *path,
             const char *preset)
{
  GError *error = NULL;
  g_autoptr(EmPool) pool = em_pool_open (path, &error);
  NnModel *model;
  char *err = NULL;
  g_autofree float *x = NULL;
  g_autofree float *probs = NULL;
  g_autoptr(GArray) rates = g_array_new (FALSE, FALSE, sizeof (double));
  EmScoreResult r;
  Probe p;
  double rate, alone, mean = 0;
  guint64 n;

  em_score_result_init (&r);
  if (pool == NULL)
    return fail (error);
  n = em_pool_get_n_rows (pool);
  if (n < PROBE_ROWS)
    {
      fprintf (stderr, "bench-pool: the pool needs at least %d rows\n", PROBE_ROWS);
      return 1;
    }
  model = nn_model_new_preset (preset, 140, 3, 1, &err);
  if (model == NULL)
    {
      fprintf (stderr, "bench-pool: %s\n", err);
      free (err);
      return 1;
    }
  x = g_new (float, PROBE_ROWS * 140);
  probs = g_new (float, PROBE_ROWS * 3);
  if (!em_pool_read_fluxes (pool, 0, PROBE_ROWS, x, &error))
    return fail (error);
  /* Warm-up, then one probe before the run (also the only one for a
   * pool scored in less than PROBE_INTERVAL). */
  network_pass (model, x, 512, probs);
  rate = network_pass (model, x, PROBE_ROWS, probs);
  g_array_append_val (rates, rate);

  p = (Probe) { model, x, probs, now (), 0, rates };
  if (!em_pool_score (pool, model, NN_QUERY_ENTROPY, NULL, 100, &r, probe, &p, NULL, &error))
    return fail (error);
  rate = n / (r.seconds - p.spent);
  alone = network_pass (model, x, PROBE_ROWS, probs);
  g_array_append_val (rates, alone);
  for (guint i = 0; i < rates->len; i++)
    mean += g_array_index (rates, double, i) / rates->len;
  g_array_sort (rates, compare_double);
  alone = g_array_index (rates, double, rates->len / 2);

  printf ("{\"bench\":\"pool-score\",\"preset\":\"%s\",\"rows\":%" G_GUINT64_FORMAT
          ",\"seconds\":%.2f,\"rows_per_s\":%.0f,\"network_alone_rows_per_s\":%.0f,"
          "\"network_alone_mean\":%.0f,\"network_alone_min\":%.0f,\"network_alone_max\":%.0f,"
          "\"probes\":%u,\"ratio\":%.3f,\"peak_rss_mb\":%.0f,\"lamost_dr2_rows\":%.0f,"
          "\"lamost_dr2_minutes\":%.1f}\n",
          preset, n, r.seconds - p.spent, rate, alone, mean, g_array_index (rates, double, 0),
          g_array_index (rates, double, rates->len - 1), rates->len, rate / alone,
          peak_rss_mb (), LAMOST_DR2, LAMOST_DR2 / rate / 60);
  em_score_result_clear (&r);
  nn_model_free (model);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  nn_blas_ensure_core (argc, argv);
  if (argc >= 4 && strcmp (argv[1], "synth") == 0)
    return synth (argv[2], g_ascii_strtoull (argv[3], NULL, 10));
  if (argc == 3 && strcmp (argv[1], "read") == 0)
    return bench_read (argv[2]);
  if ((argc == 3 || argc == 4) && strcmp (argv[1], "score") == 0)
    return bench_score (argv[2], argc == 4 ? argv[3] : "reference");
  fprintf (stderr, "usage: bench-pool synth POOL N | read POOL | score POOL [PRESET]\n");
  return 2;
}
