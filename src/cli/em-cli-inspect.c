/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-cli.h"
#include "em-cli-commands.h"

#include <math.h>
#include <string.h>

#include "spectra/em-spectrum-read.h"

static void
append_obsid (GString    *out,
              const char *obsid)
{
  /* LAMOST OBSIDs are integers: print them as JSON numbers. */
  if (obsid != NULL && *obsid != '\0' && strspn (obsid, "0123456789") == strlen (obsid) && strlen (obsid) < 16)
    g_string_append (out, obsid);
  else
    em_json_string (out, obsid);
}

int
em_cli_inspect (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("FILE…"));
  int status, result = EM_CLI_OK;

  g_option_context_set_summary (context,
                                _("Read spectrum files (LAMOST LRS DR1–DR9+, LAMOST MRS, 1-D FITS with a wavelength WCS;\n"
                                  "gzip-compressed or not) and print one JSON object per file: path, format, id,\n"
                                  "designation, ra, dec (degrees), obsid, n_pixels, wave_min, wave_max (vacuum Å),\n"
                                  "snr (r band), class.  A file that cannot be read gets an error line on stderr\n"
                                  "and makes the exit status 1."));
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc < 2)
    return em_cli_usage ("inspect", _("no FILE given"));

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(EmSpectrum) s = em_spectrum_read (argv[i], &error);
      g_autoptr(GString) out = g_string_new ("{");

      if (s == NULL)
        {
          result = em_cli_fail (error);
          continue;
        }
      em_json_key (out, "path");
      em_json_string (out, argv[i]);
      em_json_key (out, "format");
      em_json_string (out, s->format);
      em_json_key (out, "id");
      em_json_string (out, s->id);
      em_json_key (out, "designation");
      em_json_string (out, s->designation);
      em_json_key (out, "ra");
      em_json_number (out, s->ra);
      em_json_key (out, "dec");
      em_json_number (out, s->dec);
      em_json_key (out, "obsid");
      append_obsid (out, s->obsid);
      em_json_key (out, "n_pixels");
      em_json_number (out, (double) s->n_pixels);
      em_json_key (out, "wave_min");
      em_json_number (out, s->wave[0]);
      em_json_key (out, "wave_max");
      em_json_number (out, s->wave[s->n_pixels - 1]);
      em_json_key (out, "snr");
      em_json_number (out, s->snr);
      em_json_key (out, "class");
      em_json_string (out, s->survey_class);
      em_json_key (out, "data_release");
      em_json_string (out, s->data_release);
      em_json_key (out, "hdu");
      em_json_number (out, s->hdu);
      g_string_append_c (out, '}');
      g_print ("%s\n", out->str);
    }
  return result;
}
