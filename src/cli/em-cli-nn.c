/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "em-cli-nn.h"

#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "em-cli.h"

char *
em_cli_grid_string (const double *wave,
                    guint         n,
                    GError      **error)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  if (n < 2 || !(wave[n - 1] > wave[0]))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("the flux columns need at least two increasing wavelengths"));
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      double want = wave[0] + i * (wave[n - 1] - wave[0]) / (n - 1);
      if (fabs (wave[i] - want) > EM_CLI_GRID_TOLERANCE)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("flux column %u is at %.10g Å, off the uniform grid %g–%g Å (%.10g Å)"),
                       i + 1, wave[i], wave[0], wave[n - 1], want);
          return NULL;
        }
    }
  return g_strdup_printf ("%s:%s:%u", g_ascii_formatd (a, sizeof a, "%.10g", wave[0]),
                          g_ascii_formatd (b, sizeof b, "%.10g", wave[n - 1]), n);
}

GStrv
em_cli_model_classes (const NnModel *model,
                      const char    *model_path,
                      GError       **error)
{
  const char *value = nn_model_get_metadata (model, "classes");
  g_auto(GStrv) names = value ? g_strsplit (value, ",", -1) : NULL;

  if (names == NULL || g_strv_length (names) != (guint) nn_model_n_classes (model))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “classes” does not name its %d classes"), model_path,
                   nn_model_n_classes (model));
      return NULL;
    }
  for (guint i = 0; names[i] != NULL; i++)
    g_strstrip (names[i]);
  return g_steal_pointer (&names);
}

gboolean
em_cli_model_grid (const NnModel *model,
                   const char    *model_path,
                   EmGrid        *grid,
                   GError       **error)
{
  const char *value = nn_model_get_metadata (model, "grid");

  if (value == NULL || !em_grid_parse (value, grid, NULL) || grid->n != (guint) nn_model_n_in (model))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("model %s: metadata “grid” is not START:END:N for its %d inputs"), model_path,
                   nn_model_n_in (model));
      return FALSE;
    }
  return TRUE;
}
