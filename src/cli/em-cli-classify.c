/* SPDX-License-Identifier: GPL-3.0-or-later */
/* emissary-cli classify: class probabilities and entropy of spectra under
 * a trained model, one tab-separated line per spectrum. */
#include "em-config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "em-cli.h"
#include "em-cli-commands.h"
#include "em-cli-nn.h"
#include "nn/nn.h"

static void
nn_model_free_ptr (NnModel *m)
{
  nn_model_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_free_ptr)

int
em_cli_classify (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL"));
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(EmCliSpectraTable) table = NULL;
  g_autoptr(GArray) grid = NULL;
  g_auto(GStrv) classes = NULL;
  g_autofree char *csv = NULL;
  g_autofree float *x = NULL, *probs = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  int threads = 0, status, C;
  char *err = NULL;
  const char *pre;
  GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, N_("Spectra in a CSV file (Ondřejov layout)"), "FILE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("BLAS threads (default: all cores)"), "N" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_set_summary (context,
                                _("Print the id, the class probabilities and their entropy for "
                                  "every spectrum of a CSV file, tab-separated, with a header."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 2)
    return em_cli_usage ("classify", _("a model file is required"));
  if (argc > 2)
    return em_cli_usage ("classify", _("unexpected argument “%s”"), argv[2]);
  if (csv == NULL)
    return em_cli_usage ("classify", _("--csv FILE is required"));
  if (threads < 0)
    return em_cli_usage ("classify", _("--threads must not be negative"));

  model = nn_model_load (argv[1], &err);
  if (model == NULL)
    {
      g_printerr ("emissary-cli classify: %s\n", err);
      free (err);
      return EM_CLI_FAILURE;
    }
  if ((classes = em_cli_model_classes (model, argv[1], &error)) == NULL
      || (grid = em_cli_model_grid (model, argv[1], &error)) == NULL)
    return em_cli_fail (error);
  pre = nn_model_get_metadata (model, "preprocessing");
  if (pre != NULL && strcmp (pre, EM_NN_PREPROCESSING) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: unknown preprocessing “%s”"), argv[1], pre ? pre : "(none)");
      return em_cli_fail (error);
    }

  table = em_cli_read_spectra_csv (csv, &error);
  if (table == NULL)
    return em_cli_fail (error);
  if (table->n_flux != grid->len)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s has %u flux columns (%g–%g Å); model %s expects %u (%g–%g Å)"), csv,
                   table->n_flux, table->wave[0], table->wave[table->n_flux - 1], argv[1], grid->len,
                   g_array_index (grid, double, 0), g_array_index (grid, double, grid->len - 1));
      return em_cli_fail (error);
    }
  for (guint j = 0; j < grid->len; j++)
    if (fabs (table->wave[j] - g_array_index (grid, double, j)) > EM_CLI_GRID_TOLERANCE)
      {
        g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                     _("%s: flux column %u is at %g Å, model %s expects %g Å"), csv, j + 1,
                     table->wave[j], argv[1], g_array_index (grid, double, j));
        return em_cli_fail (error);
      }

  C = nn_model_n_classes (model);
  x = g_memdup2 (table->flux, sizeof (float) * table->n_rows * table->n_flux);
  nn_scale_minmax (x, table->n_rows, (int) table->n_flux);
  probs = g_new (float, (gsize) table->n_rows * C);
  nn_blas_set_threads (threads);
  if (nn_model_predict (model, x, table->n_rows, probs, &err) != NN_OK)
    {
      g_printerr ("emissary-cli classify: %s\n", err);
      free (err);
      return EM_CLI_FAILURE;
    }

  g_string_append (line, "id");
  for (int c = 0; c < C; c++)
    g_string_append_printf (line, "\t%s", classes[c]);
  g_string_append (line, "\tentropy\n");
  fputs (line->str, stdout);
  for (guint i = 0; i < table->n_rows; i++)
    {
      const float *p = probs + (gsize) i * C;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_assign (line, table->ids[i]);
      for (int c = 0; c < C; c++)
        {
          g_string_append_c (line, '\t');
          g_string_append (line, g_ascii_formatd (buf, sizeof buf, "%.6g", p[c]));
        }
      g_string_append_c (line, '\t');
      g_string_append (line, g_ascii_formatd (buf, sizeof buf, "%.6g",
                                              nn_query_score (NN_QUERY_ENTROPY, p, C)));
      g_string_append_c (line, '\n');
      fputs (line->str, stdout);
    }
  return EM_CLI_OK;
}
