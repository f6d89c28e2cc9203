/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-cli.h"
#include "em-cli-commands.h"

#include "spectra/em-demo.h"

int
em_cli_demo_data (int    argc,
                  char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("DIR"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  g_autofree char *seed_text = NULL;
  int n_pool = 3000, n_seed = 1500, status;
  guint64 seed = 1;
  GOptionEntry entries[] = {
    { "pool", 0, 0, G_OPTION_ARG_INT, &n_pool, N_("Number of simulated LAMOST spectra in DIR/pool (default 3000)"),
      N_("N") },
    { "seed-set", 0, 0, G_OPTION_ARG_INT, &n_seed,
      N_("Number of labelled spectra in DIR/seed.csv (default 1500)"), N_("M") },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed; the same seed gives the same files (default 1)"),
      N_("S") },
    { NULL },
  };

  g_option_context_set_summary (context,
                                _("Write a deterministic demo survey: DIR/pool/ (simulated LAMOST FITS spectra, DR7 image\n"
                                  "and DR8+ table layouts, some gzipped), DIR/seed.csv (an Ondřejov-layout labelled set,\n"
                                  "absorption/emission/double-peak 47/41/12 %) and DIR/truth.csv (id,label of every\n"
                                  "pool spectrum, for simulated oracles)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("demo-data", argc < 2 ? _("no DIR given") : _("unexpected argument “%s”"),
                         argc < 2 ? "" : argv[2]);
  if (n_pool < 0 || n_pool > 10000000)
    return em_cli_usage ("demo-data", _("--pool must be between 0 and 10000000"));
  if (n_seed < 0 || n_seed > 10000000)
    return em_cli_usage ("demo-data", _("--seed-set must be between 0 and 10000000"));
  if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &seed, &error))
    return em_cli_usage ("demo-data", _("invalid --seed “%s”: %s"), seed_text, error->message);

  if (!em_demo_write (argv[1], (guint) n_pool, (guint) n_seed, seed, &error))
    return em_cli_fail (error);

  em_json_key (out, "dir");
  em_json_string (out, argv[1]);
  em_json_key (out, "pool");
  em_json_number (out, n_pool);
  em_json_key (out, "seed_set");
  em_json_number (out, n_seed);
  em_json_key (out, "seed");
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, seed);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}
