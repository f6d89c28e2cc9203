/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-cli.h"
#include "em-cli-commands.h"

#include <math.h>
#include <stdio.h>

#include "spectra/em-preprocess.h"
#include "spectra/em-spectrum-read.h"

int
em_cli_preprocess (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmSpectrum) s = NULL;
  g_autoptr(GString) out = NULL;
  g_autofree char *grid_text = NULL;
  g_autofree float *flux = NULL;
  gboolean no_scale = FALSE;
  double blur = 0;
  EmPreprocessParams params;
  int status;
  GOptionEntry entries[] = {
    { "grid", 0, 0, G_OPTION_ARG_STRING, &grid_text,
      N_("Resample onto N points from START to END (vacuum Å); default 6519:6732:140"), N_("START:END:N") },
    { "blur", 0, 0, G_OPTION_ARG_DOUBLE, &blur,
      N_("Gaussian blur of σ pixels before resampling (the Ondřejov dataset used 7); default none"), N_("SIGMA") },
    { "no-scale", 0, 0, G_OPTION_ARG_NONE, &no_scale, N_("Print the fluxes as resampled, not min-max scaled to [-1, 1]"),
      NULL },
    { NULL },
  };

  g_option_context_set_summary (context,
                                _("Preprocess one spectrum as the classifier sees it (masked pixels interpolated over,\n"
                                  "optional blur, linear resampling onto the grid, min-max scaling to [-1, 1]) and\n"
                                  "print the fluxes, one per line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("preprocess", argc < 2 ? _("no FILE given") : _("unexpected argument “%s”"),
                         argc < 2 ? "" : argv[2]);

  em_preprocess_params_init (&params);
  if (grid_text != NULL && !em_grid_parse (grid_text, &params.grid, &error))
    return em_cli_usage ("preprocess", "%s", error->message);
  if (!(blur >= 0) || !isfinite (blur) || blur > 1000)
    return em_cli_usage ("preprocess", _("invalid blur σ %g"), blur);
  params.blur_sigma_px = blur;
  params.scale = !no_scale;

  if ((s = em_spectrum_read (argv[1], &error)) == NULL)
    return em_cli_fail (error);
  flux = g_new (float, params.grid.n);
  if (!em_preprocess (s, &params, flux, &error))
    return em_cli_fail (error);

  out = g_string_sized_new (params.grid.n * 16);
  for (guint i = 0; i < params.grid.n; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", flux[i]));
      g_string_append_c (out, '\n');
    }
  fputs (out->str, stdout);
  return EM_CLI_OK;
}
