/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <stdio.h>

#include "app/em-experiment.h"
#include "app/em-simulate.h"
#include "em-cli.h"
#include "em-cli-commands.h"

static void
print_progress (double      fraction,
                const char *message,
                gpointer    user_data)
{
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

static void
print_step (const EmSimulateStep *step,
            gpointer              user_data)
{
  g_autoptr(GString) out = g_string_new ("{");

  em_json_key (out, "iteration");
  em_json_number (out, step->iteration);
  em_json_key (out, "train_size");
  em_json_number (out, step->train_size);
  em_json_key (out, "train_size_balanced");
  em_json_number (out, step->train_size_balanced);
  em_json_key (out, "epochs");
  em_json_number (out, step->epochs);
  em_json_key (out, "candidates");
  em_json_number (out, step->candidates);
  em_json_key (out, "true_positives");
  em_json_number (out, step->true_positives);
  em_json_key (out, "truth_targets");
  em_json_number (out, step->truth_targets);
  em_json_key (out, "precision");
  em_json_number (out, step->precision);
  em_json_key (out, "recall");
  em_json_number (out, step->recall);
  em_json_key (out, "seconds");
  em_json_number (out, step->seconds);
  em_json_key (out, "cpu_seconds");
  em_json_number (out, step->cpu_seconds);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  fflush (stdout);
}

int
em_cli_simulate (int    argc,
                 char **argv)
{
  g_autofree char *oracle = NULL, *strategy = NULL;
  int iterations = 5, batch = 0, epochs = 0, threads = 0;
  gboolean progress = FALSE, no_smote = FALSE;
  GOptionEntry entries[] = {
    { "oracle", 0, 0, G_OPTION_ARG_FILENAME, &oracle, N_("True labels of the pool (CSV: id,label)"), N_("TRUTH.csv") },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, N_("Number of labelled batches (default 5)"), N_("K") },
    { "strategy", 0, 0, G_OPTION_ARG_STRING, &strategy, N_("Query strategy (default: the experiment's)"), N_("NAME") },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Query batch size (default: the experiment's)"), N_("B") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Maximum training epochs (default: the experiment's)"), N_("N") },
    { "no-smote", 0, 0, G_OPTION_ARG_NONE, &no_smote, N_("Train on the unbalanced labelled set"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, N_("Threads (default: all cores)"), N_("N") },
    { "progress", 0, 0, G_OPTION_ARG_NONE, &progress, N_("Report progress on standard error"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — run the loop with a simulated oracle, one JSON line per iteration"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  EmIterateOptions options = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("simulate", _("expected one experiment folder"));
  if (oracle == NULL)
    return em_cli_usage ("simulate", _("--oracle is required"));
  if (iterations < 0 || batch < 0 || epochs < 0 || threads < 0)
    return em_cli_usage ("simulate", _("--iterations, --batch, --epochs and --threads must not be negative"));
  exp = em_experiment_open (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  options.strategy = strategy;
  options.batch_size = (guint) batch;
  options.max_epochs = (guint) epochs;
  options.no_smote = no_smote;
  options.n_threads = (guint) threads;
  if (!em_simulate_run (exp, oracle, (guint) iterations, &options, print_step, NULL,
                        progress ? print_progress : NULL, NULL, NULL, &error))
    return em_cli_fail (error);
  return EM_CLI_OK;
}
