/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "app/em-estimate.h"
#include "app/em-experiment.h"
#include "em-cli.h"
#include "em-cli-commands.h"

static void
print_row (GString             *out,
           const EmEstimateRow *row)
{
  g_string_append_c (out, '{');
  em_json_key (out, "sampled");
  em_json_number (out, row->n_sampled);
  em_json_key (out, "labelled");
  em_json_number (out, row->n_labelled);
  em_json_key (out, "correct");
  em_json_number (out, row->n_correct);
  em_json_key (out, "precision");
  em_json_number (out, row->precision);
  em_json_key (out, "lower_95");
  em_json_number (out, row->t_lower);
  em_json_key (out, "clopper_pearson_lower_95");
  em_json_number (out, row->clopper_pearson_lower);
  em_json_key (out, "wilson_95");
  g_string_append_c (out, '[');
  em_json_number (out, row->wilson_lower);
  g_string_append_c (out, ',');
  em_json_number (out, row->wilson_upper);
  g_string_append (out, "]}");
}

int
em_cli_estimate (int    argc,
                 char **argv)
{
  int sample = 0;
  gboolean list = FALSE;
  GOptionEntry entries[] = {
    { "sample", 0, 0, G_OPTION_ARG_INT, &sample, N_("Draw a new random sample of N candidates for the oracle"), N_("N") },
    { "list", 0, 0, G_OPTION_ARG_NONE, &list, N_("Print the ids of the latest sample, one a line"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — estimate the precision of the candidates from a labelled random sample"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  g_autoptr(EmEstimateReport) report = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  int status;

  g_option_context_set_summary (context,
    _("With --sample N: draw N random candidates; label them (emissary-cli label), then run "
      "“estimate EXP” for the precision with the method's one-sided 95 % lower limit "
      "(Student t, as the authors), the exact Clopper–Pearson lower limit and the Wilson interval."));
  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("estimate", _("expected one experiment folder"));
  if (sample < 0)
    return em_cli_usage ("estimate", _("--sample must be positive"));
  if (sample > 0)
    {
      int number;

      exp = em_experiment_open (argv[1], &error);
      if (exp == NULL)
        return em_cli_fail (error);
      number = em_estimate_draw_sample (exp, (guint) sample, &error);
      if (number < 0)
        return em_cli_fail (error);
    }
  else
    {
      exp = em_experiment_open_read_only (argv[1], &error);
      if (exp == NULL)
        return em_cli_fail (error);
    }
  if (list)
    {
      g_auto(GStrv) ids = em_estimate_get_sample_ids (exp, &error);
      if (ids == NULL)
        return em_cli_fail (error);
      for (guint i = 0; ids[i] != NULL; i++)
        g_print ("%s\n", ids[i]);
      return EM_CLI_OK;
    }
  report = em_estimate_report (exp, &error);
  if (report == NULL)
    return em_cli_fail (error);
  em_json_key (out, "sample");
  if (report->sample < 0)
    g_string_append (out, "null");
  else
    em_json_number (out, report->sample);
  em_json_key (out, "all");
  print_row (out, &report->rows[0]);
  em_json_key (out, "classes");
  g_string_append_c (out, '{');
  for (guint r = 1; r < report->n_rows; r++)
    {
      em_json_key (out, report->rows[r].name);
      print_row (out, &report->rows[r]);
    }
  g_string_append (out, "}}");
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}
