/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "app/em-experiment.h"

G_BEGIN_DECLS

/* Precision of the candidates, estimated the way the method does it: the
 * oracle labels a random sample of candidates; the precision is the
 * fraction labelled as a target class.  The authors (podondra/active-cnn,
 * active_cnn/performance.py) report the one-sided 95 % lower confidence
 * limit of the mean of the 0/1 sample with Student's t:
 *   mean − t(0.95; n−1) · s / √n,  s the sample standard deviation.
 * We report it, and next to it the Wilson score interval and the exact
 * (Clopper–Pearson) one-sided lower limit, which stay sensible for
 * small samples and proportions near 1. */

/* Student-t one-sided lower limit at @confidence (e.g. 0.95) of the mean
 * of @n_correct ones among @n 0/1 values, at least 0; NAN when n < 2. */
double       em_estimate_t_lower_limit          (guint   n_correct,
                                                 guint   n,
                                                 double  confidence);
/* Two-sided Wilson score interval at @confidence; false when n = 0. */
gboolean     em_estimate_wilson                 (guint   n_correct,
                                                 guint   n,
                                                 double  confidence,
                                                 double *lower,
                                                 double *upper);
/* One-sided exact binomial (Clopper–Pearson) lower limit; 0 when
 * n_correct = 0, NAN when n = 0. */
double       em_estimate_clopper_pearson_lower  (guint   n_correct,
                                                 guint   n,
                                                 double  confidence);

/* Numerical building blocks, exposed for the tests. */
double       em_estimate_student_t_quantile     (double  p,
                                                 double  df);
double       em_estimate_normal_quantile        (double  p);
double       em_estimate_beta_quantile          (double  p,
                                                 double  a,
                                                 double  b);

/* Draws a new random sample of @n current candidates (fewer if there are
 * fewer) for the oracle and stores it; returns the sample's number. */
int          em_estimate_draw_sample            (EmExperiment  *exp,
                                                 guint          n,
                                                 GError       **error);

typedef struct
{
  char    *name;           /* a target class name, or NULL for all */
  guint    n_sampled;
  guint    n_labelled;     /* sampled spectra with a label so far */
  guint    n_correct;      /* labelled as a target class */
  double   precision;      /* n_correct / n_labelled, NAN if none */
  double   t_lower;        /* the method's one-sided 95 % limit */
  double   clopper_pearson_lower;
  double   wilson_lower;
  double   wilson_upper;
} EmEstimateRow;

typedef struct
{
  int            sample;   /* sample number, -1 if none drawn */
  int            iteration; /* the iteration whose candidates were sampled, or -1 */
  guint          n_rows;
  EmEstimateRow *rows;     /* [0] = all candidates, then per predicted class */
} EmEstimateReport;

/* Evaluates the latest sample with the labels given so far. */
EmEstimateReport *em_estimate_report            (EmExperiment  *exp,
                                                 GError       **error);
/* A report per sample drawn, oldest first (a GPtrArray of
 * EmEstimateReport): the estimate as it stands for each iteration that
 * had one, for the learning curve. */
GPtrArray        *em_estimate_report_all        (EmExperiment  *exp,
                                                 GError       **error);
void              em_estimate_report_free       (EmEstimateReport *report);
/* Ids of the latest sample (NULL-terminated), to show to the oracle. */
char            **em_estimate_get_sample_ids    (EmExperiment  *exp,
                                                 GError       **error);

/* The latest sample as a batch for the oracle to label, in the order it
 * was drawn: each spectrum with its pool row (from the sampled
 * iteration's predictions, else from its label; -1 if neither knows it),
 * position, the probabilities of that iteration's model (NULL for a
 * candidate by its label alone) and its current label; score is NAN.
 * The batch's iteration is the one whose candidates were sampled, and
 * *@sample (if not NULL) the sample's number.  NULL with no error when no
 * sample was drawn yet. */
EmQueryBatch     *em_estimate_get_sample_batch  (EmExperiment  *exp,
                                                 int           *sample,
                                                 GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EmEstimateReport, em_estimate_report_free)

G_END_DECLS
