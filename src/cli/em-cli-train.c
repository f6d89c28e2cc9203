/* SPDX-License-Identifier: GPL-3.0-or-later */
/* emissary-cli train: a labelled CSV in, a self-describing safetensors
 * model out — the method's steps 2 and 3 (SMOTE, then the CNN). */
#include "em-config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "em-cli.h"
#include "em-cli-commands.h"
#include "em-cli-nn.h"
#include "nn/nn.h"
#include "spectra/em-labelled-set.h"

/* The Ondřejov classes, in the order of its numeric coding. */
static const char *const known_classes[] = { "absorption", "emission", "double-peak" };

static int
class_order (gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *) a, *y = *(const char *const *) b;
  int ix = G_N_ELEMENTS (known_classes), iy = G_N_ELEMENTS (known_classes);

  for (guint i = 0; i < G_N_ELEMENTS (known_classes); i++)
    {
      if (strcmp (x, known_classes[i]) == 0)
        ix = (int) i;
      if (strcmp (y, known_classes[i]) == 0)
        iy = (int) i;
    }
  return ix != iy ? ix - iy : strcmp (x, y);
}

static char *
json_string_array (char *const *strings,
                   guint        n)
{
  GString *out = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      em_json_string (out, strings[i]);
    }
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

static int
print_epoch (int epoch, float loss, float accuracy, void *user_data)
{
  g_autoptr(GString) out = g_string_new ("{");
  int *last = user_data;

  *last = epoch;
  em_json_key (out, "epoch");
  em_json_number (out, epoch);
  em_json_key (out, "loss");
  em_json_number (out, loss);
  em_json_key (out, "accuracy");
  em_json_number (out, accuracy);
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  fflush (stdout);
  return 0;
}

int
em_cli_train (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (_("LABELLED.csv"));
  g_autoptr(GError) error = NULL;
  g_autoptr(EmLabelledSet) table = NULL;
  g_autoptr(GPtrArray) classes = g_ptr_array_new ();
  g_autoptr(GHashTable) class_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GString) out = g_string_new ("{");
  g_autofree char *output = NULL, *preset = NULL, *classes_json = NULL;
  g_autofree char *grid = NULL, *base = NULL, *seed_str = NULL, *classes_meta = NULL;
  g_autofree float *x = NULL;
  g_autofree int *y = NULL;
  float *xs = NULL;
  int *ys = NULL;
  size_t n_train;
  gint64 seed = 0;
  int epochs = 100, threads = 0, batch = 64, no_smote = FALSE, last_epoch = 0, status;
  char *err = NULL;
  NnModel *model = NULL;
  NnTrainOptions opts;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Model file to write (safetensors)"), "MODEL" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, N_("Network: reference (default) or small"), "NAME" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &epochs, N_("Maximum number of epochs (default 100)"), "MAX" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 0)"), "S" },
    { "batch-size", 0, 0, G_OPTION_ARG_INT, &batch, N_("Mini-batch size (default 64)"), "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("BLAS threads (default: all cores)"), "N" },
    { "no-smote", 0, 0, G_OPTION_ARG_NONE, &no_smote, N_("Train on the set as it is, without SMOTE"), NULL },
    G_OPTION_ENTRY_NULL
  };
  double t0;

  g_option_context_set_summary (context,
                                _("Train the CNN on a labelled CSV (Ondřejov layout): per-spectrum "
                                  "min-max scaling, SMOTE, Adam with early stopping.  Prints one "
                                  "JSON line per epoch and a final JSON line."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if ((status = em_cli_parse (context, &argc, &argv)) >= 0)
    return status;
  if (preset == NULL)
    preset = g_strdup ("reference");
  if (argc != 2)
    return em_cli_usage ("train", argc < 2 ? _("a labelled CSV file is required")
                                           : _("only one labelled CSV file is accepted"));
  if (output == NULL)
    return em_cli_usage ("train", _("--output MODEL is required"));
  if (epochs < 1 || batch < 1 || threads < 0 || seed < 0)
    return em_cli_usage ("train", _("--epochs and --batch-size must be positive, --seed and --threads not negative"));

  t0 = g_get_monotonic_time () / 1e6;
  table = em_labelled_set_read_csv (argv[1], &error);
  if (table == NULL)
    return em_cli_fail (error);

  /* Classes: every label present, the Ondřejov ones first in their order. */
  for (guint i = 0; i < table->n_rows; i++)
    {
      if (table->labels[i][0] == '\0')
        {
          g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("%s: spectrum “%s” has no label"), argv[1], table->ids[i]);
          return em_cli_fail (error);
        }
      if (strchr (table->labels[i], ',') != NULL)
        {
          g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _("%s: spectrum “%s” has a label with a comma, “%s”"), argv[1],
                       table->ids[i], table->labels[i]);
          return em_cli_fail (error);
        }
      if (!g_hash_table_contains (class_index, table->labels[i]))
        {
          g_hash_table_add (class_index, table->labels[i]);
          g_ptr_array_add (classes, table->labels[i]);
        }
    }
  if (classes->len < 2)
    {
      g_set_error (&error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("%s: a classifier needs at least two classes, the file has %u"), argv[1],
                   classes->len);
      return em_cli_fail (error);
    }
  g_ptr_array_sort (classes, class_order);
  g_hash_table_remove_all (class_index);
  for (guint c = 0; c < classes->len; c++)
    g_hash_table_insert (class_index, g_ptr_array_index (classes, c), GUINT_TO_POINTER (c + 1));

  grid = em_cli_grid_string (table->wave, table->n_flux, &error);
  if (grid == NULL)
    {
      g_prefix_error (&error, "%s: ", argv[1]);
      return em_cli_fail (error);
    }

  x = g_memdup2 (table->flux, sizeof (float) * table->n_rows * table->n_flux);
  y = g_new (int, table->n_rows);
  for (guint i = 0; i < table->n_rows; i++)
    y[i] = GPOINTER_TO_INT (g_hash_table_lookup (class_index, table->labels[i])) - 1;
  nn_scale_minmax (x, table->n_rows, (int) table->n_flux);

  nn_blas_set_threads (threads);
  if (no_smote)
    {
      xs = x;
      ys = y;
      n_train = table->n_rows;
    }
  else if (nn_smote (x, y, table->n_rows, (int) table->n_flux, (int) classes->len, 5, (uint64_t) seed,
                     &xs, &ys, &n_train, &err) != NN_OK)
    goto fail;

  model = nn_model_new_preset (preset, (int) table->n_flux, (int) classes->len, (uint64_t) seed, &err);
  if (model == NULL)
    {
      g_printerr ("emissary-cli train: %s\n", err);
      free (err);
      if (!no_smote)
        {
          free (xs);
          free (ys);
        }
      return EM_CLI_USAGE;
    }
  g_ptr_array_add (classes, NULL);
  classes_meta = g_strjoinv (",", (char **) classes->pdata);
  g_ptr_array_set_size (classes, classes->len - 1);
  classes_json = json_string_array ((char *const *) classes->pdata, classes->len);
  base = g_path_get_basename (argv[1]);
  seed_str = g_strdup_printf ("%" G_GINT64_FORMAT, seed);
  nn_model_set_metadata (model, "classes", classes_meta);
  nn_model_set_metadata (model, "grid", grid);
  nn_model_set_metadata (model, "preprocessing", EM_NN_PREPROCESSING);
  nn_model_set_metadata (model, "training_set", base);
  nn_model_set_metadata (model, "smote", no_smote ? "none" : "k=5");
  nn_model_set_metadata (model, "seed", seed_str);

  nn_train_options_init (&opts);
  opts.max_epochs = epochs;
  opts.batch_size = batch;
  opts.seed = (uint64_t) seed;
  opts.n_threads = threads;
  opts.progress = print_epoch;
  opts.user_data = &last_epoch;
  if (nn_model_train (model, xs, ys, n_train, &opts, &err) != NN_OK)
    goto fail;
  if (nn_model_save (model, output, &err) != NN_OK)
    goto fail;

  em_json_key (out, "model");
  em_json_string (out, output);
  em_json_key (out, "preset");
  em_json_string (out, preset);
  em_json_key (out, "classes");
  g_string_append (out, classes_json);
  em_json_key (out, "rows");
  em_json_number (out, table->n_rows);
  em_json_key (out, "rows_trained");
  em_json_number (out, (double) n_train);
  em_json_key (out, "epochs");
  em_json_number (out, last_epoch);
  em_json_key (out, "seconds");
  em_json_number (out, g_get_monotonic_time () / 1e6 - t0);
  em_json_key (out, "openblas_core");
  em_json_string (out, nn_blas_core_name ());
  g_string_append_c (out, '}');
  g_print ("%s\n", out->str);
  if (!no_smote)
    {
      free (xs);
      free (ys);
    }
  nn_model_free (model);
  return EM_CLI_OK;

fail:
  g_printerr ("emissary-cli train: %s\n", err);
  free (err);
  if (!no_smote)
    {
      free (xs);
      free (ys);
    }
  nn_model_free (model);
  return EM_CLI_FAILURE;
}
