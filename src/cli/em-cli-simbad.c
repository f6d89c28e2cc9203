/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "em-cli-commands.h"
#include "em-cli.h"
#include "app/em-candidates.h"
#include "vo/em-simbad.h"

/* Options shared by every simbad sub-command. */
typedef struct
{
  char    *url;
  double   timeout;
  gboolean no_cache;
  double   radius;
} SimbadOptions;

static void
add_common_options (GOptionContext *context, SimbadOptions *opts)
{
  GOptionEntry entries[] = {
    { "simbad-url", 0, 0, G_OPTION_ARG_STRING, &opts->url,
      N_ ("SIMBAD TAP sync endpoint (default: the simbad-url setting, else " EM_SIMBAD_DEFAULT_URL
          ")"),
      N_ ("URL") },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opts->timeout,
      N_ ("Seconds to wait for each answer (default 60)"), N_ ("SECONDS") },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &opts->no_cache,
      N_ ("Neither read nor write the on-disk SIMBAD cache"), NULL },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
}

/* GOption takes "-2.5" for an option; a declination often is negative.
 * Numbers are protected before parsing and restored after. */
#define NEGATIVE_MARK "\x01"

static GPtrArray *
protect_negative_numbers (int argc, char **argv)
{
  GPtrArray *owned = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    if (argv[i][0] == '-' && (g_ascii_isdigit (argv[i][1]) || argv[i][1] == '.'))
      {
        argv[i] = g_strconcat (NEGATIVE_MARK, argv[i], NULL);
        g_ptr_array_add (owned, argv[i]);
      }
  return owned;
}

static const char *
unprotect (const char *arg)
{
  return g_str_has_prefix (arg, NEGATIVE_MARK) ? arg + 1 : arg;
}

/* The desktop application's settings, when its schema is installed:
 * the CLI then uses the same endpoint and radius as the GUI. */
static GSettings *
app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, EM_APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "simbad-url")
      || !g_settings_schema_has_key (schema, "simbad-cone-radius"))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

/* Fills what the command line left unset from the settings. */
static void
apply_settings (SimbadOptions *opts)
{
  g_autoptr (GSettings) settings = NULL;

  if (opts->url && !isnan (opts->radius))
    return;
  settings = app_settings ();
  if (opts->url == NULL && settings)
    {
      g_autofree char *url = g_settings_get_string (settings, "simbad-url");

      if (url && *url)
        opts->url = g_steal_pointer (&url);
    }
  if (isnan (opts->radius))
    opts->radius = settings ? g_settings_get_double (settings, "simbad-cone-radius")
                            : EM_SIMBAD_DEFAULT_RADIUS_ARCSEC;
}

static EmSimbadClient *
make_client (SimbadOptions *opts, GError **error)
{
  g_autoptr (EmSimbadCache) cache = NULL;
  EmSimbadClient *client;

  if (!opts->no_cache)
    {
      g_autoptr (GError) local = NULL;

      cache = em_simbad_cache_open (NULL, &local);
      /* Without a cache the command still works, only less politely. */
      if (cache == NULL)
        g_printerr ("emissary-cli: %s; going on without the cache\n", local->message);
    }
  client = em_simbad_client_new (opts->url, cache);
  if (opts->timeout > 0)
    em_simbad_client_set_timeout (client, opts->timeout, MIN (opts->timeout, 15));
  return client;
}

static gboolean
parse_double (const char *text, double *value)
{
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value);
}

static void
append_object (GString *out, const EmSimbadObject *o)
{
  g_string_append_c (out, '{');
  em_json_key (out, "main_id");
  em_json_string (out, o->main_id);
  em_json_key (out, "ra");
  em_json_number (out, o->ra);
  em_json_key (out, "dec");
  em_json_number (out, o->dec);
  em_json_key (out, "otype");
  em_json_string (out, o->otype);
  em_json_key (out, "otype_description");
  em_json_string (out, o->otype_description);
  em_json_key (out, "class");
  em_json_string (out, em_simbad_class_to_string (o->klass));
  em_json_key (out, "sp_type");
  em_json_string (out, o->sp_type);
  em_json_key (out, "v_mag");
  em_json_number (out, o->v_mag);
  em_json_key (out, "separation_arcsec");
  em_json_number (out, o->separation);
  em_json_key (out, "identifiers");
  g_string_append_c (out, '[');
  for (guint i = 0; o->identifiers && o->identifiers[i]; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      em_json_string (out, o->identifiers[i]);
    }
  g_string_append (out, "]}");
}

static int
run_cone (int argc, char **argv)
{
  SimbadOptions opts = { .radius = NAN };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("RA DEC"));
  GOptionEntry entries[]
      = { { "radius", 'r', 0, G_OPTION_ARG_DOUBLE, &opts.radius,
            N_ ("Search radius in arcseconds (default: the simbad-cone-radius setting, else 3)"),
            N_ ("ARCSEC") },
          G_OPTION_ENTRY_NULL };
  g_autoptr (EmSimbadClient) client = NULL;
  g_autoptr (GPtrArray) objects = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new ("{");
  g_autofree char *url = NULL;
  g_autoptr (GPtrArray) protected = NULL;
  double ra, dec;
  int    status;

  g_option_context_set_summary (context,
                                _ ("SIMBAD objects around a position (ICRS degrees), nearest "
                                   "first, as one JSON line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_common_options (context, &opts);
  protected = protect_negative_numbers (argc, argv);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  apply_settings (&opts);
  url = opts.url;
  if (argc != 3)
    return em_cli_usage ("simbad cone", _ ("expected RA and DEC in degrees"));
  if (!parse_double (unprotect (argv[1]), &ra) || !parse_double (unprotect (argv[2]), &dec))
    return em_cli_usage ("simbad cone", _ ("“%s %s” is not a position in degrees"),
                         unprotect (argv[1]), unprotect (argv[2]));
  client = make_client (&opts, &error);
  objects = em_simbad_cone_search (client, ra, dec, opts.radius, NULL, &error);
  if (objects == NULL)
    return em_cli_fail (error);
  em_json_key (out, "ra");
  em_json_number (out, ra);
  em_json_key (out, "dec");
  em_json_number (out, dec);
  em_json_key (out, "radius_arcsec");
  em_json_number (out, opts.radius);
  em_json_key (out, "objects");
  g_string_append_c (out, '[');
  for (guint i = 0; i < objects->len; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      append_object (out, g_ptr_array_index (objects, i));
    }
  g_string_append (out, "]}");
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

static int
run_id (int argc, char **argv)
{
  SimbadOptions opts = { .radius = NAN };
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("NAME"));
  g_autoptr (EmSimbadClient) client = NULL;
  g_autoptr (EmSimbadObject) object = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *url = NULL;
  int              status;

  g_option_context_set_summary (context,
                                _ ("The SIMBAD object known by an identifier, as one JSON line."));
  add_common_options (context, &opts);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  apply_settings (&opts);
  url = opts.url;
  if (argc != 2)
    return em_cli_usage ("simbad id", _ ("expected one identifier (quote it if it has spaces)"));
  client = make_client (&opts, &error);
  object = em_simbad_lookup_id (client, argv[1], NULL, &error);
  if (object == NULL)
    return em_cli_fail (error);
  append_object (out, object);
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

/* On a terminal, how far the cross-match got (it can take minutes). */
static void
print_progress (gsize done, gsize total, gpointer user_data)
{
  g_printerr ("\rcross-match: %" G_GSIZE_FORMAT " / %" G_GSIZE_FORMAT " candidates", done, total);
}

/* The current candidates of the experiment in @dir as a table.  The
 * experiment is opened read-only, so this works while the desktop
 * application holds it for writing.  The table is the candidates export
 * itself (em_candidates_write), read back, so that the columns are the
 * same as in `emissary-cli candidates`. */
static EmVotable *
experiment_candidates (const char *dir, GError **error)
{
  g_autofree char *database = g_build_filename (dir, "experiment.sqlite", NULL);
  g_autofree char *tmp = NULL;
  g_autoptr (EmExperiment) exp = NULL;
  EmVotable *table = NULL;
  int        fd;

  if (!g_file_test (database, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   "%s is a folder but not an experiment (no experiment.sqlite in it); give an "
                   "experiment folder or a VOTable catalogue",
                   dir);
      return NULL;
    }
  exp = em_experiment_open_read_only (dir, error);
  if (exp == NULL)
    return NULL;
  fd = g_file_open_tmp ("emissary-candidates-XXXXXX.vot", &tmp, error);
  if (fd < 0)
    return NULL;
  close (fd);
  if (em_candidates_write (exp, tmp, EM_CANDIDATES_FORMAT_VOTABLE, error) >= 0)
    table = em_votable_read_file (tmp, error);
  g_unlink (tmp);
  return table;
}

static int
run_crossmatch (int argc, char **argv)
{
  SimbadOptions    opts = { .radius = EM_SIMBAD_DEFAULT_RADIUS_ARCSEC };
  g_autofree char *output = NULL;
  int              chunk = EM_SIMBAD_DEFAULT_CHUNK_ROWS;
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("CATALOG.vot|EXP"));
  GOptionEntry entries[]
      = { { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
            N_ ("VOTable to write: the catalogue (or the experiment's candidates) plus SIMBAD "
                "columns and class"),
            N_ ("OUT.vot") },
          { "radius", 'r', 0, G_OPTION_ARG_DOUBLE, &opts.radius,
            N_ ("Match radius in arcseconds (default: the simbad-cone-radius setting, else 3)"),
            N_ ("ARCSEC") },
          { "chunk", 0, 0, G_OPTION_ARG_INT, &chunk, N_ ("Candidates per request (default 1000)"),
            N_ ("ROWS") },
          G_OPTION_ENTRY_NULL };
  g_autoptr (EmSimbadClient) client = NULL;
  g_autoptr (EmVotable) catalogue = NULL;
  g_autoptr (EmVotable) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) out = g_string_new ("{");
  g_autofree char *url = NULL;
  EmSimbadCounts   counts = { 0 };
  gint64           start;
  int              status;

  g_option_context_set_summary (
      context, _ ("Cross-match a VOTable catalogue (RA/Dec by UCD pos.eq.ra/pos.eq.dec or named "
                  "ra/dec) with SIMBAD by TAP upload in chunks; writes OUT.vot and prints the "
                  "counts by class as one JSON line.  Given an experiment folder (NAME.emissary), "
                  "its current candidates are cross-matched; the experiment is only read."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  add_common_options (context, &opts);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  apply_settings (&opts);
  url = opts.url;
  if (argc != 2)
    return em_cli_usage ("simbad crossmatch", _ ("expected one catalogue (CATALOG.vot) or experiment (EXP)"));
  if (output == NULL)
    return em_cli_usage ("simbad crossmatch", _ ("-o OUT.vot is required"));
  if (chunk <= 0)
    return em_cli_usage ("simbad crossmatch", _ ("--chunk must be positive"));
  if (g_file_test (argv[1], G_FILE_TEST_IS_DIR))
    catalogue = experiment_candidates (argv[1], &error);
  else
    catalogue = em_votable_read_file (argv[1], &error);
  if (catalogue == NULL)
    return em_cli_fail (error);
  client = make_client (&opts, &error);
  start = g_get_monotonic_time ();
  result = em_simbad_crossmatch (client, catalogue, opts.radius, (gsize)chunk,
                                 isatty (STDERR_FILENO) ? print_progress : NULL, NULL, &counts,
                                 NULL, &error);
  if (isatty (STDERR_FILENO))
    g_printerr ("\n");
  if (result == NULL || !em_votable_write_file (result, output, &error))
    return em_cli_fail (error);
  em_json_key (out, "rows");
  em_json_number (out, (double)counts.total);
  em_json_key (out, "emission");
  em_json_number (out, (double)counts.emission);
  em_json_key (out, "emission_candidate");
  em_json_number (out, (double)counts.emission_candidate);
  em_json_key (out, "other");
  em_json_number (out, (double)counts.other);
  em_json_key (out, "none");
  em_json_number (out, (double)counts.none);
  em_json_key (out, "no_position");
  em_json_number (out, (double)counts.no_position);
  em_json_key (out, "requests");
  em_json_number (out, em_simbad_client_get_n_requests (client));
  em_json_key (out, "seconds");
  em_json_number (out, (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  em_json_key (out, "output");
  em_json_string (out, output);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

static const struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} subcommands[] = {
  { "cone", run_cone, N_ ("RA DEC [--radius ARCSEC]: objects around a position") },
  { "crossmatch", run_crossmatch, N_ ("CATALOG.vot|EXP -o OUT.vot: cross-match a catalogue or an experiment's candidates") },
  { "id", run_id, N_ ("NAME: the object known by an identifier") },
};

int
em_cli_simbad (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GString) summary = g_string_new (_ ("Look objects up in SIMBAD (TAP).\n\nCommands:"));
  int status;

  if (argc >= 2 && argv[1][0] != '-')
    {
      for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
        if (strcmp (argv[1], subcommands[i].name) == 0)
          {
            g_autofree char  *name = g_strdup_printf ("simbad %s", subcommands[i].name);
            g_autofree char **sub_argv = g_new0 (char *, argc);
            int               sub_argc = argc - 1;

            sub_argv[0] = name;
            for (int k = 2; k < argc; k++)
              sub_argv[k - 1] = argv[k];
            g_set_prgname (name);
            return subcommands[i].run (sub_argc, sub_argv);
          }
      return em_cli_usage ("simbad", _ ("unknown sub-command “%s” (cone, id, crossmatch)"),
                           argv[1]);
    }

  /* No sub-command: --help works, any other option is a usage error. */
  context = g_option_context_new (_ ("COMMAND [OPTION…]"));
  for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
    g_string_append_printf (summary, "\n  %-11s %s", subcommands[i].name,
                            _ (subcommands[i].summary));
  g_option_context_set_summary (context, summary->str);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  return em_cli_usage ("simbad", _ ("expected a sub-command: cone, id or crossmatch"));
}
