/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <string.h>

#include "app/em-pool.h"
#include "em-cli.h"
#include "em-cli-commands.h"

static int
pool_info (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = em_pool_open (path, &error);
  g_autoptr(GString) out = g_string_new ("{");
  EmPreprocessParams params;
  guint64 distinct;

  if (pool == NULL)
    return em_cli_fail (error);
  distinct = em_pool_count_distinct_ids (pool, &error);
  if (error != NULL)
    return em_cli_fail (error);
  em_pool_get_preprocess_params (pool, &params);
  em_json_key (out, "pool");
  em_json_string (out, path);
  em_json_key (out, "format");
  em_json_string (out, "fits");
  em_json_key (out, "rows");
  em_json_number (out, (double) em_pool_get_n_rows (pool));
  em_json_key (out, "distinct_ids");
  em_json_number (out, (double) distinct);
  em_json_key (out, "failures");
  em_json_number (out, (double) em_pool_get_n_failures (pool));
  em_json_key (out, "failure_report");
  em_json_string (out, em_pool_get_failure_report (pool));
  em_json_key (out, "grid");
  g_string_append_c (out, '{');
  em_json_key (out, "start");
  em_json_number (out, params.grid.start);
  em_json_key (out, "end");
  em_json_number (out, params.grid.end);
  em_json_key (out, "n");
  em_json_number (out, params.grid.n);
  g_string_append_c (out, '}');
  em_json_key (out, "blur_sigma_px");
  em_json_number (out, params.blur_sigma_px);
  em_json_key (out, "scale");
  g_string_append (out, params.scale ? "true" : "false");
  em_json_key (out, "root");
  em_json_string (out, em_pool_get_root (pool));
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

static int
pool_reroot (const char *path,
             const char *root)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autoptr(GString) out = g_string_new ("{");

  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    return em_cli_usage ("pool", _("“%s” is not a folder"), root);
  if (!em_pool_reroot (path, root, &error))
    return em_cli_fail (error);
  pool = em_pool_open (path, &error);
  if (pool == NULL)
    return em_cli_fail (error);
  em_json_key (out, "pool");
  em_json_string (out, path);
  em_json_key (out, "root");
  em_json_string (out, em_pool_get_root (pool));
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

int
em_cli_pool (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("info POOL | reroot POOL NEW-ROOT"));
  int status;

  g_option_context_set_summary (context,
    _("Inspect or maintain a pool.\n\n"
      "  info POOL             one JSON line: rows, distinct_ids, failures,\n"
      "                        failure_report, grid, root\n"
      "  reroot POOL NEW-ROOT  the survey folder moved: source paths are now\n"
      "                        relative to NEW-ROOT\n\n"
      "A pool is a FITS file (HDU 2: binary table POOL) that TOPCAT opens as it is."));
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 2)
    return em_cli_usage ("pool", _("expected a sub-command: info or reroot"));
  if (strcmp (argv[1], "info") == 0)
    {
      if (argc != 3)
        return em_cli_usage ("pool", _("usage: pool info POOL"));
      return pool_info (argv[2]);
    }
  if (strcmp (argv[1], "reroot") == 0)
    {
      if (argc != 4)
        return em_cli_usage ("pool", _("usage: pool reroot POOL NEW-ROOT"));
      return pool_reroot (argv[2], argv[3]);
    }
  return em_cli_usage ("pool", _("unknown sub-command “%s”"), argv[1]);
}
