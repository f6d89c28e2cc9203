/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-score.h"

#include <fitsio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/em-pool-private.h"

/* Rows per batch: large enough for GEMM to run at full speed, small enough
 * that the network's activations stay well under the memory budget. */
#define BATCH      1024
/* Batches in flight: one being read, one being scored, one spare. */
#define N_BUFFERS  3
#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 4)

void
em_score_result_init (EmScoreResult *result)
{
  memset (result, 0, sizeof *result);
}

void
em_score_result_clear (EmScoreResult *result)
{
  g_clear_pointer (&result->top_rows, g_free);
  g_clear_pointer (&result->top_ids, g_strfreev);
  g_clear_pointer (&result->top_scores, g_free);
  g_clear_pointer (&result->probs, g_free);
  g_clear_pointer (&result->scores, g_free);
  result->n_top = 0;
}

typedef struct
{
  guint64  first;
  guint64  n;          /* 0: end of the pool (or a read error) */
  float   *x;
  char   **ids;        /* only when writing an output file */
} Batch;

typedef struct
{
  EmPool       *pool;
  GAsyncQueue  *free_q;
  GAsyncQueue  *full_q;
  gboolean      want_ids;
  GError       *error;
  gint          stop;
} Reader;

/* Reads batch after batch ahead of the network, so that disk and BLAS
 * work at the same time. */
static gpointer
reader_thread (gpointer data)
{
  Reader *r = data;
  guint64 n_rows = em_pool_get_n_rows (r->pool);
  guint64 first = 0;

  for (;;)
    {
      Batch *b = g_async_queue_pop (r->free_q);

      b->first = first;
      b->n = g_atomic_int_get (&r->stop) ? 0 : MIN (BATCH, n_rows - first);
      if (b->n > 0
          && !em_pool_read_batch (r->pool, first, b->n, b->x, r->want_ids ? b->ids : NULL, &r->error))
        b->n = 0;
      g_async_queue_push (r->full_q, b);
      if (b->n == 0)
        break;
      first += b->n;
    }
  return NULL;
}

/* ---- output files ----------------------------------------------------- */

typedef struct
{
  FILE     *csv;
  fitsfile *fits;
  char     *path;
  guint     n_classes;
  gint64    fits_row;
} Output;

static gboolean
fits_failed (int          status,
             const char  *path,
             GError     **error)
{
  char text[FLEN_STATUS];

  if (status == 0)
    return FALSE;
  fits_get_errstatus (status, text);
  g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
               _("Cannot write scores “%s”: %s"), path, text);
  return TRUE;
}

static char **
class_names (NnModel *model)
{
  int n = nn_model_n_classes (model);
  const char *meta = nn_model_get_metadata (model, "classes");
  char **names = NULL;

  /* "classes" holds the names comma-separated when the experiment set it. */
  if (meta != NULL)
    {
      names = g_strsplit (meta, ",", -1);
      if (g_strv_length (names) != (guint) n)
        g_clear_pointer (&names, g_strfreev);
    }
  if (names == NULL)
    {
      names = g_new0 (char *, n + 1);
      for (int i = 0; i < n; i++)
        names[i] = g_strdup_printf ("class%d", i);
    }
  for (int i = 0; i < n; i++)
    g_strstrip (names[i]);
  return names;
}

static gboolean
output_open (Output           *o,
             const char       *path,
             NnModel          *model,
             NnQueryStrategy   strategy,
             EmPool           *pool,
             GError          **error)
{
  g_auto(GStrv) names = class_names (model);

  o->path = g_strdup (path);
  o->n_classes = (guint) nn_model_n_classes (model);
  if (g_str_has_suffix (path, ".csv"))
    {
      o->csv = g_fopen (path, "w");
      if (o->csv == NULL)
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot write scores “%s”: %s"), path, g_strerror (errsv));
          return FALSE;
        }
      fputs ("row,id", o->csv);
      for (guint c = 0; c < o->n_classes; c++)
        fprintf (o->csv, ",p_%s", names[c]);
      fprintf (o->csv, ",%s\n", nn_query_strategy_to_string (strategy));
      return TRUE;
    }
  else
    {
      g_autofree char *bang = g_strconcat ("!", path, NULL);
      g_autofree char *prob_form = g_strdup_printf ("%uE", o->n_classes);
      char *ttype[] = { "ROW", "ID", "PROB", "SCORE" };
      char *tform[] = { "1K", "64A", prob_form, "1E" };
      char *tunit[] = { "", "", "", "" };
      char strat[FLEN_VALUE];
      int status = 0;

      g_strlcpy (strat, nn_query_strategy_to_string (strategy), sizeof strat);
      fits_create_file (&o->fits, bang, &status);
      fits_create_tbl (o->fits, BINARY_TBL, 0, 4, ttype, tform, tunit, "SCORES", &status);
      fits_write_key (o->fits, TSTRING, "STRATEGY", strat, "query strategy of SCORE", &status);
      for (guint c = 0; c < o->n_classes; c++)
        {
          char key[16];

          g_snprintf (key, sizeof key, "CLASS%u", c);
          fits_write_key (o->fits, TSTRING, key, names[c], "class of PROB element", &status);
        }
      fits_write_key_longstr (o->fits, "POOL", (char *) em_pool_get_path (pool), "pool scored", &status);
      o->fits_row = 1;
      return !fits_failed (status, path, error);
    }
}

static gboolean
output_write (Output        *o,
              const Batch   *b,
              const float   *probs,
              const float   *scores,
              GError       **error)
{
  if (o->csv != NULL)
    {
      for (guint64 i = 0; i < b->n; i++)
        {
          char num[G_ASCII_DTOSTR_BUF_SIZE];

          fprintf (o->csv, "%" G_GUINT64_FORMAT ",%s", b->first + i, b->ids[i]);
          for (guint c = 0; c < o->n_classes; c++)
            fprintf (o->csv, ",%s", g_ascii_formatd (num, sizeof num, "%.9g", probs[i * o->n_classes + c]));
          fprintf (o->csv, ",%s\n", g_ascii_formatd (num, sizeof num, "%.9g", scores[i]));
        }
      if (ferror (o->csv))
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot write scores “%s”"), o->path);
          return FALSE;
        }
      return TRUE;
    }
  else
    {
      g_autofree gint64 *rows = g_new (gint64, b->n);
      int status = 0;

      for (guint64 i = 0; i < b->n; i++)
        rows[i] = (gint64) (b->first + i);
      fits_write_col (o->fits, TLONGLONG, 1, o->fits_row, 1, (LONGLONG) b->n, rows, &status);
      fits_write_col (o->fits, TSTRING, 2, o->fits_row, 1, (LONGLONG) b->n, b->ids, &status);
      fits_write_col (o->fits, TFLOAT, 3, o->fits_row, 1, (LONGLONG) (b->n * o->n_classes),
                      (void *) probs, &status);
      fits_write_col (o->fits, TFLOAT, 4, o->fits_row, 1, (LONGLONG) b->n, (void *) scores, &status);
      o->fits_row += (gint64) b->n;
      return !fits_failed (status, o->path, error);
    }
}

static gboolean
output_close (Output   *o,
              gboolean  ok,
              GError  **error)
{
  if (o->csv != NULL)
    {
      if (fclose (o->csv) != 0 && ok)
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot write scores “%s”"), o->path);
          ok = FALSE;
        }
    }
  else if (o->fits != NULL)
    {
      int status = 0;

      fits_close_file (o->fits, &status);
      if (ok && fits_failed (status, o->path, error))
        ok = FALSE;
    }
  if (!ok && o->path != NULL)
    g_unlink (o->path);
  g_free (o->path);
  return ok;
}

/* ---- scoring ---------------------------------------------------------- */

/* A reproducible pseudo-random score per row (strategy "random"). */
static float
random_score (guint64 row)
{
  guint64 z = row + G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  z ^= z >> 31;
  return (float) ((z >> 40) / (double) (1 << 24));
}

static void
report_progress (EmProgressFunc progress,
                 gpointer       user_data,
                 guint64        done,
                 guint64        total,
                 gint64         start)
{
  double elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  double rate = elapsed > 0 ? done / elapsed : 0;
  g_autofree char *msg = NULL;

  if (rate > 0)
    {
      guint64 eta = (guint64) ((total - done) / rate + 0.5);

      msg = g_strdup_printf (_("%llu/%llu spectra · %.0f spectra/s · ETA %u:%02u"),
                             (unsigned long long) done, (unsigned long long) total, rate, (guint) (eta / 60), (guint) (eta % 60));
    }
  else
    msg = g_strdup_printf (_("%llu/%llu spectra"),
                           (unsigned long long) done, (unsigned long long) total);
  progress (total > 0 ? (double) done / total : 1.0, msg, user_data);
}

/* The model's metadata, when it has any (emissary-cli train writes "grid"
 * as START:END:N and "preprocessing" as "minmax[-1,1]"), must agree with
 * the pool; an unscaled pool is scaled batch by batch (@scale). */
static gboolean
check_model (EmPool    *pool,
             NnModel   *model,
             gboolean  *scale,
             GError   **error)
{
  const EmGrid *grid = em_pool_get_grid (pool);
  const char *meta_grid = nn_model_get_metadata (model, "grid");
  const char *meta_pre = nn_model_get_metadata (model, "preprocessing");
  EmPreprocessParams params;

  if (nn_model_n_in (model) != (int) grid->n)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH,
                   _("The model takes %d fluxes, the spectra of pool “%s” have %u"),
                   nn_model_n_in (model), em_pool_get_path (pool), grid->n);
      return FALSE;
    }
  if (meta_grid != NULL)
    {
      EmGrid g;

      if (!em_grid_parse (meta_grid, &g, NULL)
          || g.n != grid->n || fabs (g.start - grid->start) > 1e-6 || fabs (g.end - grid->end) > 1e-6)
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH,
                       _("The model was trained on the grid %s, pool “%s” has %g:%g:%u"),
                       meta_grid, em_pool_get_path (pool), grid->start, grid->end, grid->n);
          return FALSE;
        }
    }
  em_pool_get_preprocess_params (pool, &params);
  *scale = meta_pre != NULL && strcmp (meta_pre, "minmax[-1,1]") == 0 && !params.scale;
  return TRUE;
}

gboolean
em_pool_score (EmPool           *pool,
               NnModel          *model,
               NnQueryStrategy   strategy,
               const char       *output_path,
               guint             top_b,
               EmScoreResult    *result,
               EmProgressFunc    progress,
               gpointer          user_data,
               GCancellable     *cancellable,
               GError          **error)
{
  guint64 n_rows = em_pool_get_n_rows (pool);
  guint n_in = em_pool_get_n_fluxes (pool);
  int n_classes = nn_model_n_classes (model);
  Batch batches[N_BUFFERS];
  Reader reader = { 0 };
  Output out = { 0 };
  GThread *thread = NULL;
  NnTopK *topk = NULL;
  g_autofree float *probs = NULL;
  g_autofree float *scores = NULL;
  guint mc = result != NULL && result->mc_samples > 0 ? result->mc_samples : 20;
  gint64 start = g_get_monotonic_time (), last_progress = start;
  guint64 done = 0;
  gboolean scale = FALSE;
  gboolean ok = TRUE;

  g_return_val_if_fail (pool != NULL && model != NULL, FALSE);
  if (!check_model (pool, model, &scale, error))
    return FALSE;
  if (result != NULL)
    {
      em_score_result_clear (result);
      result->n_rows = n_rows;
      result->n_classes = (guint) n_classes;
      if (result->keep_probs)
        {
          result->probs = g_try_new (float, MAX (1, n_rows * (guint64) n_classes));
          result->scores = g_try_new (float, MAX (1, n_rows));
          if (result->probs == NULL || result->scores == NULL)
            {
              em_score_result_clear (result);
              g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                           _("Not enough memory to keep the probabilities of %llu rows"),
                           (unsigned long long) n_rows);
              return FALSE;
            }
        }
    }
  if (output_path != NULL && !output_open (&out, output_path, model, strategy, pool, error))
    {
      output_close (&out, FALSE, NULL);
      return FALSE;
    }

  topk = nn_topk_new (MAX (top_b, 1));
  probs = g_new (float, (gsize) BATCH * n_classes);
  scores = g_new (float, BATCH);
  reader.pool = pool;
  reader.want_ids = output_path != NULL;
  reader.free_q = g_async_queue_new ();
  reader.full_q = g_async_queue_new ();
  for (guint i = 0; i < N_BUFFERS; i++)
    {
      batches[i].x = g_new (float, (gsize) BATCH * n_in);
      batches[i].ids = reader.want_ids ? g_new0 (char *, BATCH) : NULL;
      g_async_queue_push (reader.free_q, &batches[i]);
    }
  thread = g_thread_new ("em-score-reader", reader_thread, &reader);

  for (;;)
    {
      Batch *b = g_async_queue_pop (reader.full_q);
      char *err = NULL;
      int rc;

      if (b->n == 0)
        break;      /* the reader has stopped: end, error or cancel */
      if (!ok)
        goto recycle;
      if (scale)
        nn_scale_minmax (b->x, b->n, (int) n_in);
      if (strategy == NN_QUERY_BALD)
        rc = nn_model_predict_mc (model, b->x, b->n, (int) mc, 0x5eed, probs, scores, &err);
      else
        rc = nn_model_predict (model, b->x, b->n, probs, &err);
      if (rc != NN_OK)
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH,
                       _("Cannot score rows %llu–%llu of pool “%s”: %s"),
                       (unsigned long long) b->first, (unsigned long long) (b->first + b->n), em_pool_get_path (pool), err != NULL ? err : "?");
          free (err);
          ok = FALSE;
          goto recycle;
        }
      for (guint64 i = 0; i < b->n; i++)
        {
          guint64 row = b->first + i;

          if (strategy == NN_QUERY_RANDOM)
            scores[i] = random_score (row);
          else if (strategy != NN_QUERY_BALD)
            scores[i] = nn_query_score (strategy, probs + i * n_classes, n_classes);
          if (result == NULL || result->exclude == NULL || !result->exclude[row])
            nn_topk_push (topk, scores[i], (int64_t) row);
        }
      if (result != NULL && result->keep_probs)
        {
          memcpy (result->probs + b->first * n_classes, probs, b->n * n_classes * sizeof (float));
          memcpy (result->scores + b->first, scores, b->n * sizeof (float));
        }
      if (output_path != NULL && !output_write (&out, b, probs, scores, error))
        ok = FALSE;
      done += b->n;
      if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      if (progress != NULL && g_get_monotonic_time () - last_progress >= PROGRESS_INTERVAL)
        {
          report_progress (progress, user_data, done, n_rows, start);
          last_progress = g_get_monotonic_time ();
        }

    recycle:
      if (!ok)
        g_atomic_int_set (&reader.stop, 1);
      if (b->ids != NULL)
        for (guint64 i = 0; i < b->n; i++)
          g_clear_pointer (&b->ids[i], g_free);
      g_async_queue_push (reader.free_q, b);
    }
  g_thread_join (thread);
  if (ok && reader.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&reader.error));
      ok = FALSE;
    }
  g_clear_error (&reader.error);
  if (ok && done != n_rows)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Pool “%s”: scored %llu of %llu rows"),
                   em_pool_get_path (pool), (unsigned long long) done, (unsigned long long) n_rows);
      ok = FALSE;
    }
  /* A cancel error from GIO becomes the pool's own code. */
  if (!ok && error != NULL && *error != NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (error);
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED,
                   _("Scoring of pool “%s” cancelled"), em_pool_get_path (pool));
    }
  for (guint i = 0; i < N_BUFFERS; i++)
    {
      g_free (batches[i].x);
      if (batches[i].ids != NULL)
        for (guint j = 0; j < BATCH; j++)
          g_free (batches[i].ids[j]);
      g_free (batches[i].ids);
    }
  g_async_queue_unref (reader.free_q);
  g_async_queue_unref (reader.full_q);
  if (output_path != NULL)
    ok = output_close (&out, ok, ok ? error : NULL);

  if (ok && result != NULL && top_b > 0)
    {
      g_autofree int64_t *rows = g_new (int64_t, top_b);
      g_autofree float *best = g_new (float, top_b);
      size_t k = nn_topk_result (topk, rows, best);

      result->n_top = (guint) k;
      result->top_rows = g_new (guint64, MAX (k, 1));
      result->top_scores = g_new (double, MAX (k, 1));
      result->top_ids = g_new0 (char *, k + 1);
      for (size_t i = 0; i < k && ok; i++)
        {
          result->top_rows[i] = (guint64) rows[i];
          result->top_scores[i] = best[i];
          result->top_ids[i] = em_pool_get_id (pool, (guint64) rows[i], error);
          ok = result->top_ids[i] != NULL;
        }
    }
  nn_topk_free (topk);
  if (result != NULL)
    {
      result->seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      if (!ok)
        em_score_result_clear (result);
    }
  if (ok && progress != NULL)
    report_progress (progress, user_data, done, n_rows, start);
  return ok;
}
