/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include <glib.h>

#include "app/em-estimate.h"

static void
test_quantiles (void)
{
  /* Student t: scipy.stats.t.ppf values (the first as printed by the
   * authors' own notebook, true-positive-estimation.ipynb). */
  g_assert_cmpfloat_with_epsilon (em_estimate_student_t_quantile (0.95, 99), 1.6603911559963895, 1e-9);
  g_assert_cmpfloat_with_epsilon (em_estimate_student_t_quantile (0.95, 4), 2.131846786326649, 1e-9);
  g_assert_cmpfloat_with_epsilon (em_estimate_student_t_quantile (0.975, 1), 12.706204736174698, 1e-7);
  g_assert_cmpfloat_with_epsilon (em_estimate_student_t_quantile (0.05, 99), -1.6603911559963895, 1e-9);
  g_assert_cmpfloat (em_estimate_student_t_quantile (0.5, 7), ==, 0);
  g_assert_true (isnan (em_estimate_student_t_quantile (1.5, 7)));

  g_assert_cmpfloat_with_epsilon (em_estimate_normal_quantile (0.975), 1.959963984540054, 1e-12);
  g_assert_cmpfloat_with_epsilon (em_estimate_normal_quantile (0.5), 0, 1e-15);
  g_assert_cmpfloat_with_epsilon (em_estimate_normal_quantile (0.001), -3.090232306167813, 1e-11);

  /* Beta quantiles with closed forms: Beta(a, 1) has CDF x^a, Beta(1, b)
   * has CDF 1 − (1 − x)^b. */
  g_assert_cmpfloat_with_epsilon (em_estimate_beta_quantile (0.05, 10, 1), pow (0.05, 0.1), 1e-12);
  g_assert_cmpfloat_with_epsilon (em_estimate_beta_quantile (0.3, 1, 20), 1 - pow (0.7, 1 / 20.0), 1e-12);
  g_assert_cmpfloat_with_epsilon (em_estimate_beta_quantile (0.5, 3, 3), 0.5, 1e-12);
}

static void
test_authors_lower_limit (void)
{
  /* The authors' emission sample: 68 correct of 100; their notebook
   * printed the lower confidence limit 0.6021565169876286. */
  g_assert_cmpfloat_with_epsilon (em_estimate_t_lower_limit (68, 100, 0.95), 0.6021565169876286, 1e-9);
  /* All correct: s = 0, the limit is the mean. */
  g_assert_cmpfloat_with_epsilon (em_estimate_t_lower_limit (30, 30, 0.95), 1.0, 1e-15);
  g_assert_true (isnan (em_estimate_t_lower_limit (1, 1, 0.95)));
  /* 2 of 6: mean − t·s/√n = 0.333 − 2.015 · 0.516 / 2.449 < 0, clamped */
  g_assert_cmpfloat (em_estimate_t_lower_limit (2, 6, 0.95), ==, 0.0);
  g_assert_cmpfloat (em_estimate_t_lower_limit (0, 6, 0.95), ==, 0.0);
  g_assert_true (isnan (em_estimate_t_lower_limit (5, 4, 0.95)));
}

static void
test_wilson (void)
{
  double lo, hi;

  /* Closed form with z = 1.959963984540054, computed independently. */
  g_assert_true (em_estimate_wilson (68, 100, 0.95, &lo, &hi));
  g_assert_cmpfloat_with_epsilon (lo, 0.5833738138954762, 1e-9);
  g_assert_cmpfloat_with_epsilon (hi, 0.7633085267500092, 1e-9);
  g_assert_true (em_estimate_wilson (10, 10, 0.95, &lo, &hi));
  g_assert_cmpfloat_with_epsilon (lo, 0.7224672001371107, 1e-9);
  g_assert_cmpfloat_with_epsilon (hi, 1.0, 1e-12);
  g_assert_true (em_estimate_wilson (0, 10, 0.95, &lo, &hi));
  g_assert_cmpfloat_with_epsilon (lo, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 0.2775327998628892, 1e-9);
  g_assert_true (em_estimate_wilson (1, 2, 0.95, &lo, &hi));
  g_assert_cmpfloat_with_epsilon (lo, 0.09453120573423074, 1e-9);
  g_assert_false (em_estimate_wilson (0, 0, 0.95, &lo, &hi));
}

static void
test_clopper_pearson (void)
{
  /* All n correct: the lower limit solves x^n = α. */
  g_assert_cmpfloat_with_epsilon (em_estimate_clopper_pearson_lower (10, 10, 0.95), 0.7411344491069477, 1e-12);
  /* One correct: 1 − (1 − x)^n = α. */
  g_assert_cmpfloat_with_epsilon (em_estimate_clopper_pearson_lower (1, 20, 0.95), 1 - pow (0.95, 1 / 20.0), 1e-12);
  g_assert_cmpfloat (em_estimate_clopper_pearson_lower (0, 20, 0.95), ==, 0);
  g_assert_true (isnan (em_estimate_clopper_pearson_lower (0, 0, 0.95)));
  /* Exact bound is more conservative than the t approximation at 68/100. */
  g_assert_cmpfloat (em_estimate_clopper_pearson_lower (68, 100, 0.95), <,
                     em_estimate_t_lower_limit (68, 100, 0.95) + 0.01);
  g_assert_cmpfloat (em_estimate_clopper_pearson_lower (68, 100, 0.95), >, 0.59);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/estimate/quantiles", test_quantiles);
  g_test_add_func ("/estimate/authors-lower-limit", test_authors_lower_limit);
  g_test_add_func ("/estimate/wilson", test_wilson);
  g_test_add_func ("/estimate/clopper-pearson", test_clopper_pearson);
  return g_test_run ();
}
