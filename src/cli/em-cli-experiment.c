/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/em-experiment-folder.h"
#include "app/em-experiment.h"
#include "app/em-labelled-fits.h"
#include "app/em-pool.h"
#include "em-cli.h"
#include "em-cli-commands.h"

/* One JSON line describing @exp (works on a read-only handle). */
static int
experiment_info_print (EmExperiment *exp)
{
  g_autoptr(GString) out = g_string_new ("{");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) iterations = NULL;
  EmExperimentCounts counts;
  guint n = em_experiment_get_n_classes (exp);

  if (!em_experiment_get_counts (exp, &counts, &error))
    return em_cli_fail (error);
  iterations = em_experiment_get_iterations (exp, &error);
  if (iterations == NULL)
    return em_cli_fail (error);
  em_json_key (out, "experiment");
  em_json_string (out, em_experiment_get_dir (exp));
  em_json_key (out, "pool");
  em_json_string (out, em_experiment_get_pool_path (exp));
  em_json_key (out, "classes");
  g_string_append_c (out, '[');
  for (guint i = 0; i < n; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      em_json_string (out, em_experiment_get_class (exp, i));
    }
  g_string_append (out, "]");
  em_json_key (out, "targets");
  g_string_append_c (out, '[');
  for (guint i = 0, first = 1; i < n; i++)
    if (em_experiment_class_is_target (exp, i))
      {
        if (!first)
          g_string_append_c (out, ',');
        first = 0;
        em_json_string (out, em_experiment_get_class (exp, i));
      }
  g_string_append (out, "]");
  em_json_key (out, "strategy");
  em_json_string (out, em_experiment_get_strategy (exp));
  em_json_key (out, "preset");
  em_json_string (out, em_experiment_get_preset (exp));
  em_json_key (out, "max_epochs");
  em_json_number (out, em_experiment_get_max_epochs (exp));
  em_json_key (out, "seed_labels");
  em_json_number (out, counts.seed_labels);
  em_json_key (out, "oracle_labels");
  em_json_number (out, counts.oracle_labels);
  em_json_key (out, "import_labels");
  em_json_number (out, counts.import_labels);
  em_json_key (out, "label_records");
  em_json_number (out, counts.label_events);
  em_json_key (out, "iterations");
  em_json_number (out, counts.iterations);
  em_json_key (out, "batch_size");
  em_json_number (out, counts.batch_size);
  em_json_key (out, "batch_items");
  em_json_number (out, counts.batch_items);
  em_json_key (out, "batch_labelled");
  em_json_number (out, counts.batch_labelled);
  em_json_key (out, "candidates");
  em_json_number (out, counts.candidates);
  if (iterations->len > 0)
    {
      EmIterationInfo *last = iterations->pdata[iterations->len - 1];
      em_json_key (out, "last_iteration");
      g_string_append_c (out, '{');
      em_json_key (out, "number");
      em_json_number (out, last->number);
      em_json_key (out, "train_size");
      em_json_number (out, last->train_size);
      if (last->class_sizes != NULL)
        {
          /* before SMOTE, by class name; absent for iterations stored
           * before schema version 2 */
          em_json_key (out, "train_size_per_class");
          g_string_append_c (out, '{');
          for (guint c = 0; c < last->n_classes; c++)
            {
              em_json_key (out, em_experiment_get_class (exp, c));
              em_json_number (out, last->class_sizes[c]);
            }
          g_string_append_c (out, '}');
        }
      em_json_key (out, "epochs");
      em_json_number (out, last->epochs);
      em_json_key (out, "loss");
      em_json_number (out, last->loss);
      em_json_key (out, "seconds_train");
      em_json_number (out, last->seconds_train);
      em_json_key (out, "seconds_score");
      em_json_number (out, last->seconds_score);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

/* Removes the folder `experiment new` made, with what it put in it;
 * symbolic links are removed, never followed. */
static void
remove_tree (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

/* --seed-fits/--seed-labels: the experiment folder is made first and the
 * seed set written into it as EXP/seed-set.csv, on the pool's grid and
 * with the pool's preprocessing.  Returns the CSV's path or NULL. */
static char *
seed_from_fits (const char  *dir,
                const char  *pool_path,
                const char  *fits_dir,
                const char  *labels,
                GError     **error)
{
  g_autoptr(EmPool) pool = em_pool_open (pool_path, error);
  g_autofree char *csv = NULL;
  EmLabelledFitsSummary summary;
  EmPreprocessParams params;

  if (pool == NULL)
    return NULL;
  if (g_mkdir (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot create the experiment folder “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }
  em_pool_get_preprocess_params (pool, &params);
  csv = g_build_filename (dir, "seed-set.csv", NULL);
  if (!em_labelled_set_from_fits_folder (fits_dir, labels, &params, csv, NULL, NULL, NULL,
                                         &summary, error))
    {
      em_labelled_fits_summary_clear (&summary);
      remove_tree (dir);
      return NULL;
    }
  if (summary.report_path != NULL)
    g_printerr (_("emissary-cli: seed set: unusable files: %u, labels without a file: %u; "
                  "see %s\n"),
                summary.n_failed, summary.n_missing, summary.report_path);
  em_labelled_fits_summary_clear (&summary);
  return g_steal_pointer (&csv);
}

static int
experiment_new (int    argc,
                char **argv)
{
  g_autofree char *seed_set = NULL, *pool = NULL, *classes = NULL, *targets = NULL;
  g_autofree char *strategy = NULL, *preset = NULL;
  g_autofree char *seed_fits = NULL, *seed_labels = NULL, *made_seed = NULL;
  int batch = 100, epochs = 30;
  gint64 seed = 0;
  GOptionEntry entries[] = {
    { "seed-set", 0, 0, G_OPTION_ARG_FILENAME, &seed_set, N_("Labelled seed set (Ondřejov-style CSV)"), N_("CSV") },
    { "seed-fits", 0, 0, G_OPTION_ARG_FILENAME, &seed_fits, N_("Seed set from a folder of FITS spectra (with --seed-labels), written to EXP/seed-set.csv"), N_("DIR") },
    { "seed-labels", 0, 0, G_OPTION_ARG_FILENAME, &seed_labels, N_("Labels of the --seed-fits spectra: CSV “id,label”, id = file name without .fits"), N_("CSV") },
    { "pool", 0, 0, G_OPTION_ARG_FILENAME, &pool, N_("Pool made by “emissary-cli ingest”"), N_("POOL") },
    { "classes", 0, 0, G_OPTION_ARG_STRING, &classes, N_("Comma-separated classes (default absorption,emission,double-peak)"), N_("LIST") },
    { "targets", 0, 0, G_OPTION_ARG_STRING, &targets, N_("Comma-separated target classes (default all but the first)"), N_("LIST") },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, N_("Query batch size (default 100)"), N_("B") },
    { "strategy", 0, 0, G_OPTION_ARG_STRING, &strategy, N_("Query strategy: entropy (default), margin, least-confidence, random, bald"), N_("NAME") },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, N_("Network: reference (default) or small"), N_("NAME") },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Maximum training epochs (default 30)"), N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 0)"), N_("N") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("EXP — create a new experiment folder"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  g_auto(GStrv) class_list = NULL, target_list = NULL;
  EmExperimentConfig config = { 0 };
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("experiment new", _("expected one experiment folder"));
  if ((seed_fits == NULL) != (seed_labels == NULL))
    return em_cli_usage ("experiment new", _("--seed-fits and --seed-labels go together"));
  if (seed_fits != NULL && seed_set != NULL)
    return em_cli_usage ("experiment new", _("give either --seed-set or --seed-fits, not both"));
  if ((seed_set == NULL && seed_fits == NULL) || pool == NULL)
    return em_cli_usage ("experiment new",
                         _("--pool and --seed-set (or --seed-fits with --seed-labels) are required"));
  if (batch <= 0 || epochs <= 0 || seed < 0)
    return em_cli_usage ("experiment new", _("--batch, --epochs and --seed must be positive"));
  if (classes)
    class_list = g_strsplit (classes, ",", -1);
  if (targets)
    target_list = g_strsplit (targets, ",", -1);
  if (seed_fits != NULL)
    {
      if (g_file_test (argv[1], G_FILE_TEST_EXISTS))
        {
          g_set_error (&error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS,
                       _("“%s” exists already; choose a new experiment folder"), argv[1]);
          return em_cli_fail (error);
        }
      made_seed = seed_from_fits (argv[1], pool, seed_fits, seed_labels, &error);
      if (made_seed == NULL)
        return em_cli_fail (error);
      config.dir_may_exist = TRUE;
    }
  config.seed_set_path = made_seed != NULL ? made_seed : seed_set;
  config.pool_path = pool;
  config.classes = (const char *const *) class_list;
  config.targets = (const char *const *) target_list;
  config.batch_size = (guint) batch;
  config.strategy = strategy;
  config.preset = preset;
  config.max_epochs = (guint) epochs;
  config.seed = (guint64) seed;
  exp = em_experiment_create (argv[1], &config, &error);
  if (exp == NULL)
    {
      /* nothing half-made stays: the folder this command made goes */
      if (made_seed != NULL)
        remove_tree (argv[1]);
      return em_cli_fail (error);
    }
  return experiment_info_print (exp);
}

static int
experiment_info (int    argc,
                 char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("EXP — describe an experiment as one JSON line"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmExperiment) exp = NULL;
  int status;

  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != 2)
    return em_cli_usage ("experiment info", _("expected one experiment folder"));
  /* Read-only: works while the GUI (or an iterate) holds the experiment. */
  exp = em_experiment_open_read_only (argv[1], &error);
  if (exp == NULL)
    return em_cli_fail (error);
  return experiment_info_print (exp);
}

/* experiment duplicate|rename SRC DEST, experiment trash EXP: one JSON
 * line naming what was done. */
static int
experiment_folder (const char  *verb,
                   int          argc,
                   char       **argv)
{
  gboolean two = strcmp (verb, "trash") != 0;
  g_autofree char *command = g_strdup_printf ("experiment %s", verb);
  g_autofree char *summary = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new ("{");
  gboolean ok;
  int status;

  if (strcmp (verb, "duplicate") == 0)
    summary = g_strdup (_("SRC DEST — copy an experiment (consistent while it is in use)"));
  else if (strcmp (verb, "rename") == 0)
    summary = g_strdup (_("EXP NEW — rename an experiment folder (not while open for writing)"));
  else
    summary = g_strdup (_("EXP — move an experiment folder to the trash (not while open for writing)"));
  context = g_option_context_new (summary);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (argc != (two ? 3 : 2))
    return em_cli_usage (command, two ? _("expected two experiment folders")
                                      : _("expected one experiment folder"));
  if (strcmp (verb, "duplicate") == 0)
    ok = em_experiment_duplicate (argv[1], argv[2], &error);
  else if (strcmp (verb, "rename") == 0)
    ok = em_experiment_rename (argv[1], argv[2], &error);
  else
    ok = em_experiment_trash (argv[1], NULL, &error);
  if (!ok)
    return em_cli_fail (error);
  em_json_key (out, strcmp (verb, "duplicate") == 0 ? "duplicated"
                    : strcmp (verb, "rename") == 0  ? "renamed"
                                                    : "trashed");
  em_json_string (out, argv[1]);
  if (two)
    {
      em_json_key (out, "to");
      em_json_string (out, argv[2]);
    }
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  return EM_CLI_OK;
}

int
em_cli_experiment (int    argc,
                   char **argv)
{
  static const char *const folder_verbs[] = { "duplicate", "rename", "trash" };

  for (guint i = 0; argc >= 2 && i < G_N_ELEMENTS (folder_verbs); i++)
    if (strcmp (argv[1], folder_verbs[i]) == 0)
      return experiment_folder (folder_verbs[i], argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "new") == 0)
    return experiment_new (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "info") == 0)
    return experiment_info (argc - 1, argv + 1);
  if (argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0))
    {
      g_print ("%s\n\n", _("Usage: emissary-cli experiment new|info|duplicate|rename|trash EXP [OPTION…]"));
      g_print ("  new        %s\n", _("Create an experiment from a seed set and a pool"));
      g_print ("  info       %s\n", _("Describe an experiment as one JSON line (read-only)"));
      g_print ("  duplicate  %s\n", _("Copy an experiment to a new folder: SRC DEST"));
      g_print ("  rename     %s\n", _("Rename an experiment folder: EXP NEW"));
      g_print ("  trash      %s\n", _("Move an experiment folder to the trash"));
      return EM_CLI_OK;
    }
  if (argc >= 2 && argv[1][0] == '-')
    return em_cli_usage ("experiment", _("unknown option “%s”"), argv[1]);
  return em_cli_usage ("experiment", _("expected “new”, “info”, “duplicate”, “rename” or “trash”"));
}
