/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <math.h>
#include <string.h>

#include "app/em-estimate.h"
#include "app/em-experiment-private.h"

/* Inverse of the standard normal CDF: Acklam's rational approximation
 * (relative error 1.2e-9) polished by one Halley step on erfc, which
 * brings it to double precision. */
double
em_estimate_normal_quantile (double p)
{
  static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
                              -2.759285104469687e+02, 1.383577518672690e+02,
                              -3.066479806614716e+01, 2.506628277459239e+00 };
  static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
                              -1.556989798598866e+02, 6.680131188771972e+01,
                              -1.328068155288572e+01 };
  static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
                              -2.400758277161838e+00, -2.549732539343734e+00,
                              4.374664141464968e+00, 2.938163982698783e+00 };
  static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
                              2.445134137142996e+00, 3.754408661907416e+00 };
  double q, r, x, e, u;

  if (!(p > 0 && p < 1))
    return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
  if (p < 0.02425)
    {
      q = sqrt (-2 * log (p));
      x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
  else if (p <= 1 - 0.02425)
    {
      q = p - 0.5;
      r = q * q;
      x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
          / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
  else
    {
      q = sqrt (-2 * log (1 - p));
      x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
  e = 0.5 * erfc (-x / M_SQRT2) - p;
  u = e * sqrt (2 * M_PI) * exp (x * x / 2);
  return x - u / (1 + x * u / 2);
}

/* Continued fraction of the regularized incomplete beta function
 * (modified Lentz), valid for x < (a + 1) / (a + b + 2). */
static double
beta_cf (double a,
         double b,
         double x)
{
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1), h;

  if (fabs (d) < tiny)
    d = tiny;
  d = 1 / d;
  h = d;
  for (int m = 1; m <= 1000; m++)
    {
      double m2 = 2.0 * m, num, delta;

      num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
      d = 1 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1 / d;
      h *= d * c;
      num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
      d = 1 + num * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1 + num / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1 / d;
      delta = d * c;
      h *= delta;
      if (fabs (delta - 1) < 1e-16)
        break;
    }
  return h;
}

/* Regularized incomplete beta function I_x(a, b). */
static double
beta_inc (double x,
          double a,
          double b)
{
  double front;

  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x));
  if (x < (a + 1) / (a + b + 2))
    return front * beta_cf (a, b, x) / a;
  return 1 - front * beta_cf (b, a, 1 - x) / b;
}

/* Quantile of the Beta(a, b) distribution by bisection: I_x is monotone
 * in x, and 200 halvings reach the resolution of a double. */
double
em_estimate_beta_quantile (double p,
                           double a,
                           double b)
{
  double lo = 0, hi = 1;

  if (!(p >= 0 && p <= 1) || !(a > 0) || !(b > 0))
    return NAN;
  if (p == 0)
    return 0;
  if (p == 1)
    return 1;
  for (int i = 0; i < 200 && hi - lo > 0; i++)
    {
      double mid = 0.5 * (lo + hi);

      if (mid == lo || mid == hi)
        break;
      if (beta_inc (mid, a, b) < p)
        lo = mid;
      else
        hi = mid;
    }
  return 0.5 * (lo + hi);
}

/* Quantile of Student's t with @df degrees of freedom.  For t > 0,
 * P(T > t) = I_{df/(df+t²)}(df/2, 1/2) / 2. */
double
em_estimate_student_t_quantile (double p,
                                double df)
{
  double tail, x, t;

  if (!(p > 0 && p < 1) || !(df > 0))
    return NAN;
  if (p == 0.5)
    return 0;
  tail = p > 0.5 ? 1 - p : p;
  x = em_estimate_beta_quantile (2 * tail, df / 2, 0.5);
  t = sqrt (df * (1 - x) / x);
  return p > 0.5 ? t : -t;
}

double
em_estimate_t_lower_limit (guint  n_correct,
                           guint  n,
                           double confidence)
{
  double mean, sd;

  if (n < 2 || n_correct > n)
    return NAN;
  mean = (double) n_correct / n;
  /* Sample standard deviation (ddof = 1) of n_correct ones and
   * n − n_correct zeros. */
  sd = sqrt (((double) n_correct - (double) n_correct * n_correct / n) / (n - 1));
  /* A small sample with few correct gives a limit below zero; a
   * precision cannot be, and the astronomer reads "at least 0". */
  return MAX (0.0, mean - em_estimate_student_t_quantile (confidence, n - 1) * sd
                              / sqrt ((double) n));
}

gboolean
em_estimate_wilson (guint   n_correct,
                    guint   n,
                    double  confidence,
                    double *lower,
                    double *upper)
{
  double z, p, z2n, centre, half;

  if (n == 0 || n_correct > n)
    return FALSE;
  z = em_estimate_normal_quantile (1 - (1 - confidence) / 2);
  p = (double) n_correct / n;
  z2n = z * z / n;
  centre = (p + z2n / 2) / (1 + z2n);
  half = z / (1 + z2n) * sqrt (p * (1 - p) / n + z2n / (4.0 * n));
  *lower = MAX (0.0, centre - half);
  *upper = MIN (1.0, centre + half);
  return TRUE;
}

double
em_estimate_clopper_pearson_lower (guint  n_correct,
                                   guint  n,
                                   double confidence)
{
  if (n == 0 || n_correct > n)
    return NAN;
  if (n_correct == 0)
    return 0;
  return em_estimate_beta_quantile (1 - confidence, n_correct, n - n_correct + 1.0);
}

int
em_estimate_draw_sample (EmExperiment  *exp,
                         guint          n,
                         GError       **error)
{
  g_autofree char *sql = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) classes = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GRand) rand = NULL;
  g_autofree char *now = em_experiment_now ();
  int sample = 0, latest = em_experiment_latest_iteration (exp);

  if (!em_experiment_require_writable (exp, error))
    return -1;
  if (n == 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID,
                   _("The estimate sample must hold at least one spectrum"));
      return -1;
    }
  /* Each candidate with the class it is a candidate for: its label if it
   * has one (then it is a target), else its predicted class. */
  sql = g_strdup_printf (
    "SELECT k.spectrum_id, coalesce ((SELECT cl.idx FROM current_labels c JOIN classes cl"
    "   ON cl.name = c.class WHERE c.spectrum_id = k.spectrum_id),"
    "  (SELECT p.class_idx FROM predicted_targets p WHERE p.spectrum_id = k.spectrum_id"
    "   AND p.iteration = (SELECT max (number) FROM iterations)))"
    " FROM (%s) k ORDER BY k.spectrum_id", em_candidates_sql);
  stmt = em_experiment_prepare (exp, sql, error);
  if (stmt == NULL)
    return -1;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int cls = sqlite3_column_int (stmt, 1);
      g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      g_array_append_val (classes, cls);
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (ids->len == 0)
    {
      g_set_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND,
                   _("Experiment “%s” has no candidates to sample (run an iteration first)"),
                   exp->dir);
      return -1;
    }
  stmt = em_experiment_prepare (exp, "SELECT coalesce (max (sample), 0) + 1 FROM estimate_samples", error);
  if (stmt == NULL)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      em_experiment_db_error (exp, error);
      return -1;
    }
  sample = sqlite3_column_int (stmt, 0);

  /* A partial Fisher–Yates shuffle, reproducible from the experiment's
   * seed and the sample number. */
  rand = g_rand_new_with_seed ((guint32) (exp->seed * 2654435761u + (guint) sample));
  n = MIN (n, ids->len);
  for (guint i = 0; i < n; i++)
    {
      guint j = (guint) g_rand_int_range (rand, (gint32) i, (gint32) ids->len);
      gpointer tmp = ids->pdata[i];
      int c = g_array_index (classes, int, i);

      ids->pdata[i] = ids->pdata[j];
      ids->pdata[j] = tmp;
      g_array_index (classes, int, i) = g_array_index (classes, int, j);
      g_array_index (classes, int, j) = c;
    }

  if (!em_experiment_exec (exp, "BEGIN IMMEDIATE", error))
    return -1;
  insert = em_experiment_prepare (exp,
    "INSERT INTO estimate_samples (sample, spectrum_id, iteration, predicted_class, drawn)"
    " VALUES (?, ?, ?, ?, ?)", error);
  if (insert == NULL)
    goto rollback;
  for (guint i = 0; i < n; i++)
    {
      sqlite3_reset (insert);
      sqlite3_bind_int (insert, 1, sample);
      sqlite3_bind_text (insert, 2, ids->pdata[i], -1, SQLITE_STATIC);
      sqlite3_bind_int (insert, 3, latest);
      sqlite3_bind_int (insert, 4, g_array_index (classes, int, i));
      sqlite3_bind_text (insert, 5, now, -1, SQLITE_STATIC);
      if (sqlite3_step (insert) != SQLITE_DONE)
        {
          em_experiment_db_error (exp, error);
          goto rollback;
        }
    }
  if (!em_experiment_exec (exp, "COMMIT", error))
    goto rollback;
  return sample;

rollback:
  sqlite3_exec (exp->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

char **
em_estimate_get_sample_ids (EmExperiment  *exp,
                            GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
    "SELECT spectrum_id FROM estimate_samples"
    " WHERE sample = (SELECT max (sample) FROM estimate_samples) ORDER BY rowid", error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  g_ptr_array_add (ids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&ids), FALSE);
}

EmQueryBatch *
em_estimate_get_sample_batch (EmExperiment  *exp,
                              int           *sample,
                              GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = em_experiment_prepare (exp,
    "SELECT s.spectrum_id, coalesce (p.pool_row, l.pool_row, -1), p.ra, p.dec, p.probabilities,"
    " l.class, s.iteration, s.sample"
    " FROM estimate_samples s"
    " LEFT JOIN predicted_targets p ON p.iteration = s.iteration AND p.spectrum_id = s.spectrum_id"
    " LEFT JOIN current_labels l ON l.spectrum_id = s.spectrum_id"
    " WHERE s.sample = (SELECT max (sample) FROM estimate_samples) ORDER BY s.rowid", error);
  g_autoptr(GArray) items = NULL;
  EmQueryBatch *batch;
  guint n_classes = exp->classes->len;

  if (stmt == NULL)
    return NULL;
  items = g_array_new (FALSE, TRUE, sizeof (EmQueryItem));
  batch = g_new0 (EmQueryBatch, 1);
  batch->n_classes = n_classes;
  if (sample != NULL)
    *sample = -1;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      EmQueryItem item = { 0 };
      gint64 row = sqlite3_column_int64 (stmt, 1);

      item.spectrum_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      /* a label names the pool row it was given for; -1 means unknown */
      item.row = row >= 0 ? row : -1;
      item.ra = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 2);
      item.dec = sqlite3_column_type (stmt, 3) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, 3);
      item.score = NAN;
      if (sqlite3_column_bytes (stmt, 4) == (int) (n_classes * sizeof (float)))
        item.probabilities = g_memdup2 (sqlite3_column_blob (stmt, 4), n_classes * sizeof (float));
      if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
        item.label = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      batch->iteration = (guint) MAX (0, sqlite3_column_int (stmt, 6));
      if (sample != NULL)
        *sample = sqlite3_column_int (stmt, 7);
      g_array_append_val (items, item);
    }
  if (items->len == 0)
    {
      g_free (batch);
      return NULL;
    }
  batch->n_items = items->len;
  batch->items = (EmQueryItem *) (void *) g_array_free (g_steal_pointer (&items), FALSE);
  return batch;
}

static void
finish_row (EmEstimateRow *row)
{
  row->precision = row->n_labelled ? (double) row->n_correct / row->n_labelled : NAN;
  row->t_lower = em_estimate_t_lower_limit (row->n_correct, row->n_labelled, 0.95);
  row->clopper_pearson_lower = em_estimate_clopper_pearson_lower (row->n_correct, row->n_labelled, 0.95);
  if (!em_estimate_wilson (row->n_correct, row->n_labelled, 0.95, &row->wilson_lower, &row->wilson_upper))
    row->wilson_lower = row->wilson_upper = NAN;
}

/* The report of sample number @sample, or of the latest one if < 0. */
static EmEstimateReport *
report_sample (EmExperiment  *exp,
               int            sample,
               GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(EmEstimateReport) report = g_new0 (EmEstimateReport, 1);
  guint n_classes = exp->classes->len;

  report->sample = -1;
  report->iteration = -1;
  report->n_rows = 1;
  for (guint i = 0; i < n_classes; i++)
    report->n_rows += em_experiment_class_is_target (exp, i);
  report->rows = g_new0 (EmEstimateRow, report->n_rows);
  for (guint i = 0, r = 1; i < n_classes; i++)
    if (em_experiment_class_is_target (exp, i))
      report->rows[r++].name = g_strdup (em_experiment_get_class (exp, i));

  stmt = em_experiment_prepare (exp,
    "SELECT s.sample, s.predicted_class, c.class, s.iteration FROM estimate_samples s"
    " LEFT JOIN current_labels c ON c.spectrum_id = s.spectrum_id"
    " WHERE s.sample = CASE WHEN ?1 < 0 THEN (SELECT max (sample) FROM estimate_samples)"
    " ELSE ?1 END", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, sample);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int predicted = sqlite3_column_int (stmt, 1);
      const char *label = (const char *) sqlite3_column_text (stmt, 2);
      int label_idx = label ? em_experiment_find_class (exp, label) : -1;
      EmEstimateRow *cls_row = NULL;

      report->sample = sqlite3_column_int (stmt, 0);
      report->iteration = sqlite3_column_int (stmt, 3);
      for (guint r = 1; r < report->n_rows; r++)
        if (predicted >= 0 && (guint) predicted < n_classes
            && g_strcmp0 (report->rows[r].name, em_experiment_get_class (exp, (guint) predicted)) == 0)
          cls_row = &report->rows[r];
      report->rows[0].n_sampled++;
      if (cls_row)
        cls_row->n_sampled++;
      if (label_idx < 0)
        continue;
      report->rows[0].n_labelled++;
      report->rows[0].n_correct += em_experiment_class_is_target (exp, (guint) label_idx);
      if (cls_row)
        {
          cls_row->n_labelled++;
          cls_row->n_correct += label_idx == predicted;
        }
    }
  for (guint r = 0; r < report->n_rows; r++)
    finish_row (&report->rows[r]);
  return g_steal_pointer (&report);
}

EmEstimateReport *
em_estimate_report (EmExperiment  *exp,
                    GError       **error)
{
  return report_sample (exp, -1, error);
}

GPtrArray *
em_estimate_report_all (EmExperiment  *exp,
                        GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func ((GDestroyNotify) em_estimate_report_free);
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (int));

  stmt = em_experiment_prepare (exp,
    "SELECT DISTINCT sample FROM estimate_samples ORDER BY sample", error);
  if (stmt == NULL)
    return NULL;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      int sample = sqlite3_column_int (stmt, 0);

      g_array_append_val (samples, sample);
    }
  for (guint i = 0; i < samples->len; i++)
    {
      EmEstimateReport *report = report_sample (exp, g_array_index (samples, int, i), error);

      if (report == NULL)
        return NULL;
      g_ptr_array_add (reports, report);
    }
  return g_steal_pointer (&reports);
}

void
em_estimate_report_free (EmEstimateReport *report)
{
  if (report == NULL)
    return;
  for (guint r = 0; r < report->n_rows; r++)
    g_free (report->rows[r].name);
  g_free (report->rows);
  g_free (report);
}
