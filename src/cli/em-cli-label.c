/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <string.h>

#include "app/em-experiment.h"
#include "app/em-labels.h"
#include "em-cli.h"
#include "em-cli-commands.h"

int
em_cli_label (int    argc,
              char **argv)
{
  g_autofree char *who = NULL;
  double seconds = -1;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, N_("Time spent on this spectrum"), N_("S") },
    { "who", 0, 0, G_OPTION_ARG_STRING, &who, N_("Who labels (default: the user name)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("EXP ID CLASS — label a pool spectrum"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 4)
    return em_cli_usage ("label", _("expected EXP ID CLASS"));
  exp = em_experiment_open (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  if (!em_experiment_add_label (exp, argv[2], argv[3], EM_LABEL_SOURCE_ORACLE, seconds, who, &error))
    return em_cli_fail (error);
  /* Printed only once the label is committed: the acknowledgement. */
  g_print ("{\"labelled\":\"%s\",\"class\":\"%s\"}\n", argv[2], argv[3]);
  return EM_CLI_OK;
}

int
em_cli_undo (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP — withdraw the latest oracle or imported label (kept in the history)"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  g_autofree char *id = NULL;
  g_autofree char *now = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  int status;

  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("undo", _("expected one experiment folder"));
  exp = em_experiment_open (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  if (!em_experiment_undo (exp, &id, &error))
    return em_cli_fail (error);
  now = em_experiment_get_label (exp, id, NULL);
  em_json_key (out, "undone");
  em_json_string (out, id);
  em_json_key (out, "label");
  em_json_string (out, now);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

int
em_cli_import_labels (int    argc,
                      char **argv)
{
  g_autofree char *who = NULL;
  GOptionEntry entries[] = {
    { "who", 0, 0, G_OPTION_ARG_STRING, &who, N_("Provenance recorded with the labels (default: the file)"), N_("NAME") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP CSV — import labels of pool spectra from “id,label” lines"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  EmLabelsImport result = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 3)
    return em_cli_usage ("import-labels", _("expected EXP CSV"));
  exp = em_experiment_open (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  /* Stops at the first bad line, naming it (the window skips instead). */
  if (!em_labels_import (exp, argv[2], who, FALSE, &result, &error))
    {
      em_labels_import_clear (&result);
      return em_cli_fail (error);
    }
  g_print ("{\"imported\":%u}\n", result.imported);
  em_labels_import_clear (&result);
  return EM_CLI_OK;
}

int
em_cli_export_labels (int    argc,
                      char **argv)
{
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("votable or csv (default: csv for a .csv file, else votable)"), N_("FORMAT") },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new (_("EXP FILE — write the labelled set (id, ra, dec, label, source, iteration, time, who)"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  EmLabelsFormat fmt;
  gint64 n;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 3)
    return em_cli_usage ("export-labels", _("expected EXP FILE"));
  if (format == NULL)
    fmt = g_str_has_suffix (argv[2], ".csv") ? EM_LABELS_FORMAT_CSV : EM_LABELS_FORMAT_VOTABLE;
  else if (strcmp (format, "votable") == 0)
    fmt = EM_LABELS_FORMAT_VOTABLE;
  else if (strcmp (format, "csv") == 0)
    fmt = EM_LABELS_FORMAT_CSV;
  else
    return em_cli_usage ("export-labels", _("unknown format “%s” (votable, csv)"), format);
  /* Read-only: works while the GUI labels. */
  exp = em_experiment_open_read_only (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  n = em_labels_export (exp, argv[2], fmt, &error);
  if (n < 0)
    return em_cli_fail (error);
  g_print ("{\"exported\":%" G_GINT64_FORMAT ",\"file\":", n);
  {
    g_autoptr(GString) out = g_string_new (NULL);

    em_json_string (out, argv[2]);
    g_print ("%s}\n", out->str);
  }
  return EM_CLI_OK;
}
