/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whole experiment folders (duplicate while open, rename refused while
 * locked, trash) and labels as files (import with and without skipping,
 * the labelled set as VOTable, read back by astropy, and as CSV). */
#include "em-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "app/em-experiment-folder.h"
#include "app/em-experiment-private.h"
#include "app/em-labels.h"
#include "vo/em-votable.h"

typedef struct
{
  char *tmp;
  char *dir;
} Fixture;

static void
remove_tree (const char *path)
{
  GDir       *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->tmp = g_dir_make_tmp ("em-test-folder-XXXXXX", NULL);
  g_assert_nonnull (f->tmp);
  f->dir = g_build_filename (f->tmp, "run.emissary", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->dir);
}

/* Four seed spectra (s1…s4, s1 with a position), no pool: the pool ids
 * p0…p2 are known from a stored query batch at (10°, 20°), and a
 * checkpoint and predictions file named by iteration 0. */
static EmExperiment *
create_small (const char *dir)
{
  static const char *const ids[] = { "s1", "s2", "s3", "s4" };
  static const char *const labels[] = { "absorption", "emission", "double-peak", "absorption" };
  static const double      ra[] = { 83.5, NAN, NAN, NAN };
  static const double      dec[] = { -5.25, NAN, NAN, NAN };
  float                    flux[4 * 140];
  EmSeedData               seed = { 4, 140, ids, labels, ra, dec, flux };
  EmExperimentConfig       config = { .seed_set_path = "seed.csv", .preset = "small", .seed = 7 };
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  EmExperiment *exp;
  float         probs[3] = { 0.2f, 0.5f, 0.3f };

  for (guint i = 0; i < G_N_ELEMENTS (flux); i++)
    flux[i] = (float)(i % 140) / 140.0f;
  exp = em_experiment_create_raw (dir, &config, &seed, &error);
  g_assert_no_error (error);
  g_assert_true (em_experiment_exec (exp,
                                     "INSERT INTO iterations (number, strategy, started, finished,"
                                     " train_size, train_size_balanced, epochs, n_candidates,"
                                     " last_label_id, checkpoint, predictions)"
                                     " VALUES (0, 'entropy', 'now', 'now', 4, 6, 1, 1, 4,"
                                     " 'checkpoints/iteration-0.safetensors',"
                                     " 'predictions/iteration-0.bin')",
                                     &error));
  stmt = em_experiment_prepare (exp,
                                "INSERT INTO query_batch (iteration, rank, spectrum_id, pool_row,"
                                " ra, dec, score, probabilities)"
                                " VALUES (0, ?, ?, ?, 10.0, 20.0, 1.0, ?)",
                                &error);
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("p%d", i);

      sqlite3_reset (stmt);
      sqlite3_bind_int (stmt, 1, i);
      sqlite3_bind_text (stmt, 2, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 3, 100 + i);
      sqlite3_bind_blob (stmt, 4, probs, sizeof probs, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
    }
  {
    g_autofree char *ck = g_build_filename (dir, "checkpoints", "iteration-0.safetensors", NULL);
    g_autofree char *pr = g_build_filename (dir, "predictions", "iteration-0.bin", NULL);

    g_assert_true (g_file_set_contents (ck, "checkpoint bytes", -1, &error));
    g_assert_true (g_file_set_contents (pr, "prediction bytes", -1, &error));
  }
  return exp;
}

static void
assert_file (const char *dir, const char *rel, const char *expected)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, expected);
}

static void
test_duplicate_while_open (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = create_small (f->dir);
  g_autoptr (EmExperiment) copy = NULL;
  g_autofree char *dest = g_build_filename (f->tmp, "copy.emissary", NULL);
  g_autofree char *nested = g_build_filename (f->tmp, "sub", "dir", "deep.emissary", NULL);
  g_autofree char *label = NULL;
  g_autoptr (GDir) parent = NULL;
  EmExperimentCounts counts;
  const char        *name;

  /* a label committed by the writer that still holds the experiment open
   * (in WAL mode: it may be in the WAL only) is in the copy */
  g_assert_true (em_experiment_add_label (exp, "p1", "emission", EM_LABEL_SOURCE_ORACLE, 2.0,
                                          "tester", &error));
  g_assert_no_error (error);
  g_assert_true (em_experiment_duplicate (f->dir, dest, &error));
  g_assert_no_error (error);

  /* the copy is an experiment of its own: writable while the source is
   * still open for writing, with the files of iteration 0 */
  copy = em_experiment_open (dest, &error);
  g_assert_no_error (error);
  label = em_experiment_get_label (copy, "p1", NULL);
  g_assert_cmpstr (label, ==, "emission");
  g_assert_true (em_experiment_get_counts (copy, &counts, &error));
  g_assert_cmpuint (counts.seed_labels, ==, 4);
  g_assert_cmpuint (counts.oracle_labels, ==, 1);
  g_assert_cmpuint (counts.iterations, ==, 1);
  assert_file (dest, "checkpoints/iteration-0.safetensors", "checkpoint bytes");
  assert_file (dest, "predictions/iteration-0.bin", "prediction bytes");
  {
    g_autofree char *lock = g_build_filename (dest, "experiment.lock", NULL);
    g_autofree char *source_label = NULL;

    /* labels in the copy stay there */
    g_assert_true (em_experiment_add_label (copy, "p2", "absorption", EM_LABEL_SOURCE_ORACLE, -1,
                                            NULL, &error));
    source_label = em_experiment_get_label (exp, "p2", NULL);
    g_assert_null (source_label);
    g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  }

  /* no temporary folder is left next to it */
  parent = g_dir_open (f->tmp, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (parent)) != NULL)
    g_assert_false (g_str_has_prefix (name, "."));

  /* an existing destination is refused, and left alone */
  g_assert_false (em_experiment_duplicate (f->dir, dest, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, dest));
  g_clear_error (&error);
  g_assert_true (em_experiment_get_counts (copy, &counts, &error));
  g_assert_cmpuint (counts.oracle_labels, ==, 2);

  /* a folder that is no experiment is refused, naming it */
  g_assert_false (em_experiment_duplicate (f->tmp, nested, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, f->tmp));
  g_clear_error (&error);
  g_assert_false (g_file_test (nested, G_FILE_TEST_EXISTS));

  /* missing parents are made */
  g_assert_true (em_experiment_duplicate (f->dir, nested, &error));
  g_assert_no_error (error);
  assert_file (nested, "predictions/iteration-0.bin", "prediction bytes");
}

static void
test_rename_locked (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = create_small (f->dir);
  g_autofree char *dest = g_build_filename (f->tmp, "renamed.emissary", NULL);
  g_autofree char *other = g_build_filename (f->tmp, "other.emissary", NULL);
  g_autoptr (EmExperiment) reopened = NULL;
  g_autoptr (EmExperiment) reader = NULL;

  /* open for writing (here by this process; flock conflicts between
   * handles too): refused, nothing moves */
  g_assert_false (em_experiment_rename (f->dir, dest, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, f->dir));
  g_clear_error (&error);
  g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (dest, G_FILE_TEST_EXISTS));

  /* trashing is refused the same way */
  g_assert_false (em_experiment_trash (f->dir, NULL, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));

  /* closed: renamed; a reader does not stand in the way */
  g_clear_pointer (&exp, em_experiment_close);
  reader = em_experiment_open_read_only (f->dir, &error);
  g_assert_no_error (error);
  g_assert_true (em_experiment_rename (f->dir, dest, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  reopened = em_experiment_open (dest, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (em_experiment_get_n_classes (reopened), ==, 3);
  g_clear_pointer (&reopened, em_experiment_close);

  /* onto an existing folder: refused */
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);
  g_assert_false (em_experiment_rename (dest, other, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_test (dest, G_FILE_TEST_IS_DIR));

  /* names */
  {
    g_autofree char *name = em_experiment_name_from_dir (dest);
    g_autofree char *sibling = em_experiment_sibling_dir (dest, " Night 2 ", &error);
    g_autofree char *expected = g_build_filename (f->tmp, "Night 2.emissary", NULL);
    g_autofree char *bad = em_experiment_sibling_dir (dest, "a/b", &error);

    g_assert_cmpstr (name, ==, "renamed");
    g_assert_cmpstr (sibling, ==, expected);
    g_assert_null (bad);
    g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_INVALID);
    g_clear_error (&error);
  }
}

static void
test_trash (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = create_small (f->dir);
  g_autofree char *trashed
      = g_build_filename (g_get_user_data_dir (), "Trash", "files", "run.emissary", NULL);

  g_clear_pointer (&exp, em_experiment_close);
  if (!em_experiment_trash (f->dir, NULL, &error))
    {
      /* never deleted when the trash cannot take it */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
      g_test_skip ("no trash on this filesystem");
      return;
    }
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (trashed, G_FILE_TEST_IS_DIR));
}

static char *
write_csv (Fixture *f, const char *text)
{
  char *path = g_build_filename (f->tmp, "labels.csv", NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_import (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = create_small (f->dir);
  g_autofree char *csv
      = write_csv (f, "id,label\np0,emission\n\np1,no-such-class\nbroken line\r\np2 , absorption\n"
                      "s1,emission\nzz,emission\n");
  g_autofree char   *label = NULL;
  EmLabelsImport     result = { 0 };
  EmLabelSource      source;
  EmExperimentCounts counts;

  /* strict (emissary-cli import-labels): stops at line 4, naming it;
   * the label before it stays */
  g_assert_false (em_labels_import (exp, csv, NULL, FALSE, &result, &error));
  g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "labels.csv, line 4:"));
  g_assert_nonnull (strstr (error->message, "no-such-class"));
  g_assert_cmpuint (result.imported, ==, 1);
  g_clear_error (&error);
  label = em_experiment_get_label (exp, "p0", &source);
  g_assert_cmpstr (label, ==, "emission");
  g_assert_cmpint (source, ==, EM_LABEL_SOURCE_IMPORT);
  g_clear_pointer (&label, g_free);

  /* skipping (the window): every good line in, the bad ones counted
   * with the first reason */
  g_assert_true (em_labels_import (exp, csv, "night shift", TRUE, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.imported, ==, 2);
  g_assert_cmpuint (result.skipped, ==, 4);
  g_assert_nonnull (strstr (result.first_skip, "line 4:"));
  g_assert_nonnull (strstr (result.first_skip, "no-such-class"));
  label = em_experiment_get_label (exp, "p2", &source);
  g_assert_cmpstr (label, ==, "absorption");
  g_assert_true (em_experiment_get_counts (exp, &counts, &error));
  g_assert_cmpuint (counts.import_labels, ==, 2);
  em_labels_import_clear (&result);

  /* a missing file */
  g_assert_false (em_labels_import (exp, "/nonexistent/labels.csv", NULL, TRUE, &result, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  /* a read-only handle cannot import */
  {
    g_autoptr (EmExperiment) ro = em_experiment_open_read_only (f->dir, &error);

    g_assert_no_error (error);
    g_assert_false (em_labels_import (ro, csv, NULL, TRUE, &result, &error));
    g_assert_error (error, EM_EXPERIMENT_ERROR, EM_EXPERIMENT_ERROR_READ_ONLY);
    g_clear_error (&error);
  }
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmExperiment) exp = create_small (f->dir);
  g_autoptr (EmExperiment) ro = NULL;
  g_autoptr (EmVotable) t = NULL;
  g_autofree char *vot = g_build_filename (f->tmp, "labelled.vot", NULL);
  g_autofree char *csv = g_build_filename (f->tmp, "labelled.csv", NULL);
  g_autofree char *text = NULL;
  const char      *python = g_getenv ("EM_PYTHON3");
  gint64           n;
  int              row_p1 = -1, row_s1 = -1;

  g_assert_true (em_experiment_add_label (exp, "p1", "emission", EM_LABEL_SOURCE_ORACLE, 3.5,
                                          "oracle, \"senior\"", &error));
  g_assert_true (
      em_experiment_add_label (exp, "p0", "emission", EM_LABEL_SOURCE_IMPORT, -1, "file", &error));
  /* a correction: the current label only */
  g_assert_true (
      em_experiment_add_label (exp, "p0", "double-peak", EM_LABEL_SOURCE_ORACLE, -1, NULL, &error));
  g_assert_no_error (error);

  /* from a read-only handle, while the writer keeps it open */
  ro = em_experiment_open_read_only (f->dir, &error);
  g_assert_no_error (error);
  n = em_labels_export (ro, vot, EM_LABELS_FORMAT_VOTABLE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 6);

  t = em_votable_read_file (vot, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n_rows, ==, 6);
  g_assert_cmpint (em_votable_find_ucd (t, "pos.eq.ra"), ==, 1);
  g_assert_cmpstr (em_votable_get_field (t, 1)->ucd, ==, "pos.eq.ra;meta.main");
  g_assert_cmpstr (em_votable_get_field (t, 2)->ucd, ==, "pos.eq.dec;meta.main");
  for (gsize r = 0; r < t->n_rows; r++)
    {
      if (g_strcmp0 (em_votable_get_string (t, r, 0), "p1") == 0)
        row_p1 = (int)r;
      if (g_strcmp0 (em_votable_get_string (t, r, 0), "s1") == 0)
        row_s1 = (int)r;
      if (g_strcmp0 (em_votable_get_string (t, r, 0), "p0") == 0)
        {
          g_assert_cmpstr (em_votable_get_string (t, r, 3), ==, "double-peak");
          g_assert_cmpstr (em_votable_get_string (t, r, 4), ==, "oracle");
        }
    }
  g_assert_cmpint (row_p1, >=, 0);
  g_assert_cmpfloat (em_votable_get_double (t, row_p1, 1), ==, 10.0);
  g_assert_cmpfloat (em_votable_get_double (t, row_p1, 2), ==, 20.0);
  g_assert_cmpstr (em_votable_get_string (t, row_p1, 3), ==, "emission");
  g_assert_cmpstr (em_votable_get_string (t, row_p1, 4), ==, "oracle");
  g_assert_cmpfloat (em_votable_get_double (t, row_p1, 5), ==, 0.0);
  g_assert_true (g_str_has_prefix (em_votable_get_string (t, row_p1, 6), "20"));
  g_assert_cmpstr (em_votable_get_string (t, row_p1, 7), ==, "oracle, \"senior\"");
  g_assert_cmpint (row_s1, >=, 0);
  g_assert_cmpfloat (em_votable_get_double (t, row_s1, 1), ==, 83.5);
  g_assert_cmpstr (em_votable_get_string (t, row_s1, 4), ==, "seed");
  g_assert_cmpfloat (em_votable_get_double (t, row_s1, 5), ==, -1.0);

  /* astropy reads it as a table with the positions' UCDs */
  if (python != NULL)
    {
      const char *script
          = "import sys\n"
            "from astropy.io.votable import parse\n"
            "t = parse(sys.argv[1]).get_first_table()\n"
            "names = [f.name for f in t.fields]\n"
            "assert names == ['id', 'ra', 'dec', 'label', 'source', 'iteration', 'time', 'who'],"
            " names\n"
            "assert t.fields[1].ucd == 'pos.eq.ra;meta.main', t.fields[1].ucd\n"
            "assert t.fields[2].ucd == 'pos.eq.dec;meta.main', t.fields[2].ucd\n"
            "a = t.array\n"
            "assert len(a) == 6, len(a)\n"
            "rows = {str(r['id']): r for r in a}\n"
            "assert abs(float(rows['p1']['ra']) - 10.0) < 1e-9\n"
            "assert str(rows['p0']['label']) == 'double-peak'\n"
            "print(len(a))\n";
      const char      *argv[] = { python, "-c", script, vot, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int              status = 0;

      g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("astropy could not read %s: %s", vot, err);
      g_assert_cmpstr (out, ==, "6\n");
    }
  else
    g_test_message ("EM_PYTHON3 not set: the VOTable is not read by astropy");

  /* the same as CSV, quoted where needed */
  n = em_labels_export (ro, csv, EM_LABELS_FORMAT_CSV, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 6);
  g_assert_true (g_file_get_contents (csv, &text, NULL, &error));
  g_assert_true (g_str_has_prefix (text, "id,ra,dec,label,source,iteration,time,who\n"));
  g_assert_nonnull (strstr (text, "\ns1,83.5,-5.25,absorption,seed,-1,"));
  g_assert_nonnull (strstr (text, "\ns2,,,emission,seed,-1,"));
  g_assert_nonnull (strstr (text, ",\"oracle, \"\"senior\"\"\"\n"));

  /* an unwritable place: an error naming it */
  g_assert_cmpint (
      em_labels_export (ro, "/nonexistent/dir/x.vot", EM_LABELS_FORMAT_VOTABLE, &error), ==, -1);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/dir/x.vot"));
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("em-test-folder-data-XXXXXX", NULL);

  /* the trash in a private folder, on the same filesystem as the
   * experiments (both under the temporary folder) */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/experiment-folder/duplicate-while-open", Fixture, NULL, fixture_setup,
              test_duplicate_while_open, fixture_teardown);
  g_test_add ("/experiment-folder/rename-locked", Fixture, NULL, fixture_setup, test_rename_locked,
              fixture_teardown);
  g_test_add ("/experiment-folder/trash", Fixture, NULL, fixture_setup, test_trash,
              fixture_teardown);
  g_test_add ("/labels/import", Fixture, NULL, fixture_setup, test_import, fixture_teardown);
  g_test_add ("/labels/export", Fixture, NULL, fixture_setup, test_export, fixture_teardown);
  {
    int status = g_test_run ();

    remove_tree (data_home);
    return status;
  }
}
