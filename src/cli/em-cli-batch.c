/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "app/em-experiment.h"
#include "em-cli.h"
#include "em-cli-commands.h"

int
em_cli_batch (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — print the current query batch as JSON lines"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  g_autoptr(EmQueryBatch) batch = NULL;
  int status;

  g_option_context_set_summary (context,
    _("One JSON line per spectrum to label: id, ra, dec, probabilities (per class), score, label (null until labelled)."));
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("batch", _("expected one experiment folder"));
  exp = em_experiment_open_read_only (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  batch = em_experiment_get_query_batch (exp, &error);
  if (batch == NULL)
    {
      if (error != NULL)
        return em_cli_fail (error);
      g_printerr (_("emissary-cli: experiment “%s” has no query batch yet (run “emissary-cli iterate”)\n"),
                  argv[1]);
      return EM_CLI_FAILURE;
    }
  for (guint i = 0; i < batch->n_items; i++)
    {
      EmQueryItem *item = &batch->items[i];
      g_autoptr(GString) out = g_string_new ("{");

      em_json_key (out, "id");
      em_json_string (out, item->spectrum_id);
      em_json_key (out, "ra");
      em_json_number (out, item->ra);
      em_json_key (out, "dec");
      em_json_number (out, item->dec);
      em_json_key (out, "probabilities");
      g_string_append_c (out, '{');
      for (guint k = 0; k < batch->n_classes; k++)
        {
          em_json_key (out, em_experiment_get_class (exp, k));
          em_json_number (out, item->probabilities[k]);
        }
      g_string_append_c (out, '}');
      em_json_key (out, "score");
      em_json_number (out, item->score);
      em_json_key (out, "label");
      em_json_string (out, item->label);
      em_json_key (out, "iteration");
      em_json_number (out, batch->iteration);
      g_string_append_c (out, '}');
      g_print ("%s\n", out->str);
    }
  return EM_CLI_OK;
}
