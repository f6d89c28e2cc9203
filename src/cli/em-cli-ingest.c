/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "app/em-ingest.h"
#include "app/em-pool.h"
#include "em-cli.h"
#include "em-cli-commands.h"
#include "em-cli-progress.h"

int
em_cli_ingest (int    argc,
               char **argv)
{
  int threads = 0;
  int commit_every = 0;
  g_autofree char *grid = NULL;
  g_autofree char *root = NULL;
  double blur = -1;
  gboolean no_scale = FALSE, retry_failed = FALSE;
  GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("Reader threads (default: number of CPUs)"), "N" },
    { "grid", 0, 0, G_OPTION_ARG_STRING, &grid, N_("Wavelength grid of a new pool (default 6519:6732:140)"), "START:END:N" },
    { "blur", 0, 0, G_OPTION_ARG_DOUBLE, &blur, N_("Gaussian blur sigma in pixels of a new pool"), "SIGMA" },
    { "no-scale", 0, 0, G_OPTION_ARG_NONE, &no_scale, N_("Keep fluxes unscaled (default: min-max to [-1, 1])"), NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, N_("Folder source paths are relative to (new pool; default: the sources' common folder)"), "DIR" },
    { "commit-every", 0, 0, G_OPTION_ARG_INT, &commit_every, N_("Commit after N rows (default: every second)"), "N" },
    { "retry-failed", 0, 0, G_OPTION_ARG_NONE, &retry_failed, N_("Try again the files of the failure report"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("POOL SOURCE…"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  EmIngestOptions options;
  EmIngestSummary summary = { 0 };
  EmCliProgress progress;
  gboolean ok;
  int status;

  g_option_context_set_summary (context,
    _("Ingest survey spectra into a pool (a FITS table), resumably.\n\n"
      "SOURCE is a folder (searched recursively for *.fits, *.fits.gz, *.fit,\n"
      "*.fits.fz) or a text file listing paths.  Killed at any moment, the same\n"
      "command goes on where it stopped; a re-run adds only new files.  Files\n"
      "that cannot be read go to POOL.failures.tsv with their reason.  Prints\n"
      "one JSON line: ingested, skipped, failed, rows, report."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 3)
    return em_cli_usage ("ingest", _("expected a pool and at least one source"));
  if (threads < 0 || threads > 256)
    return em_cli_usage ("ingest", _("--threads must be between 0 and 256"));

  if (commit_every < 0)
    return em_cli_usage ("ingest", _("--commit-every must not be negative"));
  em_ingest_options_init (&options);
  options.commit_every = (guint) commit_every;
  options.n_threads = (guint) threads;
  options.root = root;
  options.retry_failed = retry_failed;
  if (grid != NULL)
    {
      if (!em_grid_parse (grid, &options.preprocess.grid, &error))
        return em_cli_usage ("ingest", "%s", error->message);
      options.preprocess_set = TRUE;
    }
  if (blur >= 0)
    {
      options.preprocess.blur_sigma_px = blur;
      options.preprocess_set = TRUE;
    }
  if (no_scale)
    {
      options.preprocess.scale = FALSE;
      options.preprocess_set = TRUE;
    }

  em_cli_progress_init (&progress);
  ok = em_ingest_run (argv[1], (const char *const *) argv + 2, &options,
                      em_cli_progress_update, &progress, NULL, &summary, &error);
  em_cli_progress_finish (&progress);
  if (!ok)
    {
      em_ingest_summary_clear (&summary);
      return em_cli_fail (error);
    }
  em_json_key (out, "ingested");
  em_json_number (out, (double) summary.ingested);
  em_json_key (out, "skipped");
  em_json_number (out, (double) summary.skipped);
  em_json_key (out, "failed");
  em_json_number (out, (double) summary.failed);
  em_json_key (out, "rows");
  em_json_number (out, (double) summary.rows);
  em_json_key (out, "report");
  em_json_string (out, summary.report_path);
  em_json_key (out, "seconds");
  em_json_number (out, summary.seconds);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  em_ingest_summary_clear (&summary);
  return EM_CLI_OK;
}
