/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "app/em-candidates.h"
#include "app/em-experiment.h"
#include "em-cli.h"
#include "em-cli-commands.h"

int
em_cli_candidates (int    argc,
                   char **argv)
{
  g_autofree char *output = NULL, *format_name = NULL;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Output file"), N_("FILE") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name, N_("votable (default), csv or fits"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — write the candidates (predicted targets ∪ labelled targets)"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  EmCandidatesFormat format = EM_CANDIDATES_FORMAT_VOTABLE;
  gint64 n;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("candidates", _("expected one experiment folder"));
  if (output == NULL)
    return em_cli_usage ("candidates", _("-o FILE is required"));
  if (format_name != NULL && !em_candidates_format_from_string (format_name, &format))
    return em_cli_usage ("candidates", _("unknown format “%s” (votable, csv, fits)"), format_name);
  exp = em_experiment_open_read_only (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  n = em_candidates_write (exp, output, format, &error);
  if (n < 0)
    return em_cli_fail (error);
  g_print ("{\"candidates\":%" G_GINT64_FORMAT ",\"output\":", n);
  {
    g_autoptr(GString) s = g_string_new (NULL);
    em_json_string (s, output);
    g_print ("%s}\n", s->str);
  }
  return EM_CLI_OK;
}
