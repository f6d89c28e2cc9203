/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <stdio.h>

#include "app/em-experiment.h"
#include "app/em-loop.h"
#include "em-cli.h"
#include "em-cli-commands.h"

static void
print_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
  /* One line per report on stderr, flushed: scripts (and the crash tests)
   * follow the phases as they happen. */
  const char *stall_at = g_getenv ("EMISSARY_STALL_AT");

  fprintf (stderr, "progress %.3f %s\n", fraction, message);
  fflush (stderr);
  /* Crash-test hook: park the process inside the named phase so that a
   * test can SIGKILL it there (tests/app/test-experiment-crash.c). */
  if (stall_at != NULL && *stall_at != '\0' && g_str_has_prefix (message, stall_at))
    {
      fprintf (stderr, "stalled\n");
      fflush (stderr);
      g_usleep (120 * G_USEC_PER_SEC);
    }
}

int
em_cli_iterate (int    argc,
                char **argv)
{
  g_autofree char *strategy = NULL;
  int batch = 0, epochs = 0, threads = 0;
  gboolean warm = FALSE, no_smote = FALSE, progress = FALSE;
  GOptionEntry entries[] = {
    { "strategy", 0, 0, G_OPTION_ARG_STRING, &strategy, N_("Query strategy for this iteration"), N_("NAME") },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Query batch size for this iteration"), N_("B") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Maximum training epochs for this iteration"), N_("N") },
    { "warm-start", 0, 0, G_OPTION_ARG_NONE, &warm, N_("Continue from the latest checkpoint instead of a fresh network"), NULL },
    { "no-smote", 0, 0, G_OPTION_ARG_NONE, &no_smote, N_("Train on the unbalanced labelled set"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, N_("Threads (default: all cores)"), N_("N") },
    { "progress", 0, 0, G_OPTION_ARG_NONE, &progress, N_("Report progress on standard error"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — balance, train, score the pool and store the next query batch"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  g_autoptr(GPtrArray) iterations = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  EmIterateOptions options = { 0 };
  EmExperimentCounts counts;
  guint number = 0;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("iterate", _("expected one experiment folder"));
  if (batch < 0 || epochs < 0 || threads < 0)
    return em_cli_usage ("iterate", _("--batch, --epochs and --threads must not be negative"));
  exp = em_experiment_open (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  options.strategy = strategy;
  options.batch_size = (guint) batch;
  options.max_epochs = (guint) epochs;
  options.warm_start = warm;
  options.no_smote = no_smote;
  options.n_threads = (guint) threads;
  if (!em_loop_iterate (exp, &options, progress ? print_progress : NULL, NULL, NULL, &number, &error))
    return em_cli_fail (error);
  iterations = em_experiment_get_iterations (exp, &error);
  if (iterations == NULL || !em_experiment_get_counts (exp, &counts, &error))
    return em_cli_fail (error);
  for (guint i = 0; i < iterations->len; i++)
    {
      EmIterationInfo *info = iterations->pdata[i];
      if (info->number != number)
        continue;
      em_json_key (out, "iteration");
      em_json_number (out, info->number);
      em_json_key (out, "strategy");
      em_json_string (out, info->strategy);
      em_json_key (out, "train_size");
      em_json_number (out, info->train_size);
      if (info->class_sizes != NULL)
        {
          em_json_key (out, "train_size_per_class");
          g_string_append_c (out, '{');
          for (guint c = 0; c < info->n_classes; c++)
            {
              em_json_key (out, em_experiment_get_class (exp, c));
              em_json_number (out, info->class_sizes[c]);
            }
          g_string_append_c (out, '}');
        }
      em_json_key (out, "train_size_balanced");
      em_json_number (out, info->train_size_balanced);
      em_json_key (out, "epochs");
      em_json_number (out, info->epochs);
      em_json_key (out, "loss");
      em_json_number (out, info->loss);
      em_json_key (out, "accuracy");
      em_json_number (out, info->accuracy);
      em_json_key (out, "seconds_train");
      em_json_number (out, info->seconds_train);
      em_json_key (out, "seconds_score");
      em_json_number (out, info->seconds_score);
      em_json_key (out, "checkpoint");
      em_json_string (out, info->checkpoint);
    }
  em_json_key (out, "batch_items");
  em_json_number (out, counts.batch_items);
  em_json_key (out, "candidates");
  em_json_number (out, counts.candidates);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}
