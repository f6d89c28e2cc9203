/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <stdlib.h>

#include "app/em-pool.h"
#include "app/em-score.h"
#include "em-cli.h"
#include "em-cli-commands.h"
#include "em-cli-progress.h"

int
em_cli_score (int    argc,
              char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *strategy_name = NULL;
  int top = 0;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Per-row probabilities and score (.csv, else FITS)"), "SCORES" },
    { "strategy", 's', 0, G_OPTION_ARG_STRING, &strategy_name, N_("entropy (default), margin, least-confidence, bald, random"), "NAME" },
    { "top", 'b', 0, G_OPTION_ARG_INT, &top, N_("Also print the B most informative rows"), "B" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("POOL MODEL"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  NnQueryStrategy strategy = NN_QUERY_ENTROPY;
  NnModel *model;
  EmScoreResult result;
  EmCliProgress progress;
  char *err = NULL;
  gboolean ok;
  int status;

  g_option_context_set_summary (context,
    _("Classify every spectrum of a pool with a model and score it for the\n"
      "next query.  Prints one JSON line with the rows, the rate and the top ids."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 3)
    return em_cli_usage ("score", _("expected a pool and a model"));
  if (top < 0 || top > 10000000)
    return em_cli_usage ("score", _("--top must be between 0 and 10000000"));
  if (strategy_name != NULL && nn_query_strategy_from_string (strategy_name, &strategy) != NN_OK)
    return em_cli_usage ("score", _("unknown strategy “%s”"), strategy_name);
  if (output == NULL && top == 0)
    return em_cli_usage ("score", _("nothing to do: give -o SCORES and/or --top B"));

  pool = em_pool_open (argv[1], &error);
  if (pool == NULL)
    return em_cli_fail (error);
  model = nn_model_load (argv[2], &err);
  if (model == NULL)
    {
      g_printerr ("emissary-cli: cannot load model “%s”: %s\n", argv[2], err != NULL ? err : "?");
      free (err);
      return EM_CLI_FAILURE;
    }

  em_score_result_init (&result);
  em_cli_progress_init (&progress);
  ok = em_pool_score (pool, model, strategy, output, (guint) top, &result,
                      em_cli_progress_update, &progress, NULL, &error);
  em_cli_progress_finish (&progress);
  nn_model_free (model);
  if (!ok)
    return em_cli_fail (error);

  em_json_key (out, "rows");
  em_json_number (out, (double) result.n_rows);
  em_json_key (out, "seconds");
  em_json_number (out, result.seconds);
  em_json_key (out, "rate");
  em_json_number (out, result.seconds > 0 ? result.n_rows / result.seconds : 0);
  em_json_key (out, "strategy");
  em_json_string (out, nn_query_strategy_to_string (strategy));
  em_json_key (out, "output");
  em_json_string (out, output);
  em_json_key (out, "top");
  g_string_append_c (out, '[');
  for (guint i = 0; i < result.n_top; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      em_json_key (out, "row");
      em_json_number (out, (double) result.top_rows[i]);
      em_json_key (out, "id");
      em_json_string (out, result.top_ids[i]);
      em_json_key (out, "score");
      em_json_number (out, result.top_scores[i]);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
  g_print ("%s\n", out->str);
  em_score_result_clear (&result);
  return EM_CLI_OK;
}
