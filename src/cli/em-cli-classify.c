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
#include "spectra/em-labelled-set.h"
#include "spectra/em-spectrum-read.h"

static void
nn_model_free_ptr (NnModel *m)
{
  nn_model_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_free_ptr)

/* The spectra of a CSV file, checked against the model's grid. */
static gboolean
read_csv (const char *csv, const char *model_path, const EmGrid *grid, GPtrArray *ids,
          GArray *x, GError **error)
{
  g_autoptr(EmLabelledSet) table = em_labelled_set_read_csv (csv, error);

  if (table == NULL)
    return FALSE;
  if (table->n_flux != grid->n)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s has %u flux columns (%g–%g Å); model %s expects %u (%g–%g Å)"), csv,
                   table->n_flux, table->wave[0], table->wave[table->n_flux - 1], model_path,
                   grid->n, grid->start, grid->end);
      return FALSE;
    }
  for (guint j = 0; j < grid->n; j++)
    if (fabs (table->wave[j] - em_grid_wavelength (grid, j)) > EM_CLI_GRID_TOLERANCE)
      {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                     _("%s: flux column %u is at %g Å, model %s expects %g Å"), csv, j + 1,
                     table->wave[j], model_path, em_grid_wavelength (grid, j));
        return FALSE;
      }
  for (guint i = 0; i < table->n_rows; i++)
    g_ptr_array_add (ids, g_strdup (table->ids[i]));
  g_array_append_vals (x, table->flux, table->n_rows * table->n_flux);
  return TRUE;
}

int
em_cli_classify (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("MODEL [FILE…]"));
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) x = g_array_new (FALSE, FALSE, sizeof (float));
  g_auto(GStrv) classes = NULL;
  g_autofree char *csv = NULL;
  g_autofree float *probs = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  double blur = 0.0;
  int threads = 0, status, C, exit_status = EM_CLI_OK;
  char *err = NULL;
  const char *pre;
  EmGrid grid;
  GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv, N_("Spectra in a CSV file (Ondřejov layout) instead of FITS files"), "FILE" },
    { "blur", 0, 0, G_OPTION_ARG_DOUBLE, &blur, N_("Gaussian blur of σ pixels before resampling FITS spectra (default none)"), "SIGMA" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("BLAS threads (default: all cores)"), "N" },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_set_summary (context,
                                _("Print the id, the class probabilities and their entropy of "
                                  "every spectrum, tab-separated, with a header.  FITS files are "
                                  "resampled onto the model's grid; a CSV file must be on it."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 2)
    return em_cli_usage ("classify", _("a model file is required"));
  if ((csv == NULL) == (argc == 2))
    return em_cli_usage ("classify", _("give either FITS files or --csv FILE"));
  if (threads < 0)
    return em_cli_usage ("classify", _("--threads must not be negative"));
  if (!(blur >= 0) || !isfinite (blur) || blur > 1000)
    return em_cli_usage ("classify", _("invalid blur σ %g"), blur);

  model = nn_model_load (argv[1], &err);
  if (model == NULL)
    {
      g_printerr ("emissary-cli classify: %s\n", err);
      free (err);
      return EM_CLI_FAILURE;
    }
  if ((classes = em_cli_model_classes (model, argv[1], &error)) == NULL
      || !em_cli_model_grid (model, argv[1], &grid, &error))
    return em_cli_fail (error);
  pre = nn_model_get_metadata (model, "preprocessing");
  if (pre != NULL && strcmp (pre, EM_NN_PREPROCESSING) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: unknown preprocessing “%s”"), argv[1], pre);
      return em_cli_fail (error);
    }

  if (csv != NULL)
    {
      if (!read_csv (csv, argv[1], &grid, ids, x, &error))
        return em_cli_fail (error);
    }
  else
    {
      EmPreprocessParams params;
      g_autofree float *row = g_new (float, grid.n);

      em_preprocess_params_init (&params);
      params.grid = grid;
      params.blur_sigma_px = blur;
      params.scale = FALSE; /* nn_scale_minmax below, as for the CSV */
      for (int i = 2; i < argc; i++)
        {
          g_autoptr(EmSpectrum) s = em_spectrum_read (argv[i], &error);
          if (s == NULL || !em_preprocess (s, &params, row, &error))
            {
              /* One bad file does not hide the others' results. */
              g_printerr ("emissary-cli classify: %s\n", error->message);
              g_clear_error (&error);
              exit_status = EM_CLI_FAILURE;
              continue;
            }
          g_ptr_array_add (ids, g_strdup (s->id));
          g_array_append_vals (x, row, grid.n);
        }
    }

  C = nn_model_n_classes (model);
  nn_scale_minmax ((float *) x->data, ids->len, (int) grid.n);
  probs = g_new (float, (gsize) ids->len * C);
  nn_blas_set_threads (threads);
  if (ids->len > 0 && nn_model_predict (model, (float *) x->data, ids->len, probs, &err) != NN_OK)
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
  for (guint i = 0; i < ids->len; i++)
    {
      const float *p = probs + (gsize) i * C;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_string_assign (line, g_ptr_array_index (ids, i));
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
  return exit_status;
}
