/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests src/spectra/em-labelled-set.c: the Ondřejov-dataset CSV layout. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "spectra/em-labelled-set.h"

static char *tmp_dir;

static char *
write_tmp (const char *name,
           const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* The header of podondra/ondrejov-dataset with 4 flux columns instead of
 * 140, rows as pandas writes them (quoted fields where needed). */
#define HEADER "id,label,object,ra,dec,expval,gratang,detector,chipid,specfilt,date-obs,dichmir," \
               "6519.0,6520.532374100719,6522.064748201439,6523.597122302158\n"

static void
test_read_ondrejov_layout (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_tmp ("ok.csv",
                                     HEADER
                                     "a201305230017,emission,alp Vir,13:25:11.580,-11:09:40.70,19.24613,30.25,"
                                     "SITe 2000x800,SITe005 800x2000,1,2013-05-23,2,506096.21,505286.04,504106.92,502043.38\r\n"
                                     "a201306060018,absorption,\"beta Lyr, AB\",18:50:04.787,+33:21:45.60,5.05,30.25,"
                                     "\"E2V \"\"42-10\"\" BX\",x,1,2013-06-06,2,44950.48,45019.57,44910.0,44719.1\n"
                                     "\n"
                                     "a3,2,,,,,,,,,,,1,2,3,4\n"
                                     "a4,0,x,201.29825,-11.5,,,,,,,,1e3,-2.5,0,7\n");
  g_autoptr(EmLabelledSet) set = em_labelled_set_read_csv (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (set);
  g_assert_cmpuint (set->n_rows, ==, 4);
  g_assert_cmpuint (set->n_flux, ==, 4);
  g_assert_cmpfloat (set->wave[0], ==, 6519.0);
  g_assert_cmpfloat (set->wave[3], ==, 6523.597122302158);
  g_assert_cmpstr (set->ids[0], ==, "a201305230017");
  g_assert_cmpstr (set->labels[0], ==, "emission");
  g_assert_cmpstr (set->objects[0], ==, "alp Vir");
  g_assert_cmpfloat_with_epsilon (set->ra[0], 201.29825, 1e-9);
  g_assert_cmpfloat_with_epsilon (set->dec[0], -11.161305556, 1e-8);
  g_assert_cmpfloat (set->flux[0], ==, 506096.21f);
  g_assert_cmpfloat (set->flux[3], ==, 502043.38f);
  g_assert_cmpstr (set->objects[1], ==, "beta Lyr, AB");
  g_assert_cmpfloat_with_epsilon (set->ra[1], 282.519945833, 1e-8);
  g_assert_cmpfloat_with_epsilon (set->dec[1], 33.362666667, 1e-8);
  /* numeric labels of podondra/active-cnn; empty positions */
  g_assert_cmpstr (set->labels[2], ==, "double-peak");
  g_assert_true (isnan (set->ra[2]) && isnan (set->dec[2]));
  g_assert_cmpstr (set->objects[2], ==, "");
  g_assert_cmpstr (set->labels[3], ==, "absorption");
  g_assert_cmpfloat (set->ra[3], ==, 201.29825);
  g_assert_cmpfloat (set->flux[3 * 4 + 0], ==, 1000.0f);
  g_assert_cmpfloat (set->flux[3 * 4 + 1], ==, -2.5f);
  g_assert_null (set->ids[4]);
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, "written.csv", NULL);
  g_autoptr(EmLabelledSet) set = em_labelled_set_new (3, 140);
  g_autoptr(EmLabelledSet) back = NULL;
  g_autofree char *text = NULL;

  for (guint k = 0; k < 140; k++)
    set->wave[k] = 6519 + k * (213.0 / 139);
  set->wave[139] = 6732;
  for (guint i = 0; i < 3; i++)
    {
      g_free (set->ids[i]);
      set->ids[i] = g_strdup_printf ("row-%u", i);
      g_free (set->labels[i]);
      set->labels[i] = g_strdup (i == 0 ? "absorption" : i == 1 ? "emission" : "double-peak");
      for (guint k = 0; k < 140; k++)
        set->flux[i * 140 + k] = (float) (1000 + i * 0.001 + sin (k) * 123.456789);
    }
  g_free (set->objects[1]);
  set->objects[1] = g_strdup ("V1 \"odd\", name");
  set->ra[0] = 152.5314166667;
  set->dec[0] = -8.4081666667;
  set->ra[1] = 359.9999999;    /* rounds up to 24h: must wrap to 00:00:00 */
  set->dec[1] = -0.01;

  g_assert_true (em_labelled_set_write_csv (set, path, &error));
  g_assert_no_error (error);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_true (g_str_has_prefix (text, "id,label,object,ra,dec,expval,gratang,detector,chipid,specfilt,"
                                         "date-obs,dichmir,6519,"));
  g_assert_nonnull (strstr (text, "\nrow-0,absorption,,10:10:07.540,-08:24:29.40,"));
  g_assert_nonnull (strstr (text, "\nrow-1,emission,\"V1 \"\"odd\"\", name\",00:00:00.000,-00:00:36.00,"));

  back = em_labelled_set_read_csv (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, 3);
  g_assert_cmpuint (back->n_flux, ==, 140);
  for (guint k = 0; k < 140; k++)
    g_assert_cmpfloat (back->wave[k], ==, set->wave[k]);
  g_assert_cmpmem (back->flux, 3 * 140 * sizeof (float), set->flux, 3 * 140 * sizeof (float));
  g_assert_cmpstr (back->objects[1], ==, set->objects[1]);
  g_assert_cmpstr (back->labels[2], ==, "double-peak");
  g_assert_cmpfloat_with_epsilon (back->ra[0], set->ra[0], 1e-6);
  g_assert_cmpfloat_with_epsilon (back->dec[0], set->dec[0], 1e-5);
  g_assert_cmpfloat_with_epsilon (back->dec[1], -0.01, 1e-9);
  g_assert_true (isnan (back->ra[2]));
}

static void
expect_error (const char *text,
              int         code,
              const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_tmp ("bad.csv", text);
  g_autoptr(EmLabelledSet) set = em_labelled_set_read_csv (path, &error);

  g_assert_null (set);
  g_assert_error (error, EM_SPECTRA_ERROR, code);
  g_assert_nonnull (strstr (error->message, path));
  if (strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not say “%s”", error->message, fragment);
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.csv", NULL);

  g_assert_null (em_labelled_set_read_csv (missing, &error));
  g_assert_error (error, EM_SPECTRA_ERROR, EM_SPECTRA_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "missing.csv"));

  expect_error ("", EM_SPECTRA_ERROR_FORMAT, "empty");
  expect_error ("id,object,6519,6520\nx,y,1,2\n", EM_SPECTRA_ERROR_FORMAT, ":1:");
  expect_error ("id,label,ra,dec\nx,y,1,2\n", EM_SPECTRA_ERROR_FORMAT, "flux");
  expect_error ("id,label,6520,6519\n", EM_SPECTRA_ERROR_FORMAT, "6519");
  expect_error (HEADER "a,emission,o,1:00:00,+10:00:00,,,,,,,,1,2,3,4\nb,emission,o,1:00:00,+10:00:00,,,,,,,,1,2,3\n",
                EM_SPECTRA_ERROR_CORRUPT, ":3:");
  expect_error (HEADER "a,emission,o,1:00:00,+10:00:00,,,,,,,,1,2,3,4\n\nb,emission,o,25:00:00,0,,,,,,,,1,2,3,4\n",
                EM_SPECTRA_ERROR_CORRUPT, ":4: invalid right ascension");
  expect_error (HEADER "b,emission,o,1:00:00,+91:00:00,,,,,,,,1,2,3,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2: invalid declination");
  expect_error (HEADER "b,emission,o,,,,,,,,,,1,2,x,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2: flux at 6522.06");
  expect_error (HEADER "b,emission,o,,,,,,,,,,1,2,nan,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2:");
  expect_error (HEADER "b,emission,o,,,,,,,,,,1,2,1e300,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2:");
  expect_error (HEADER ",emission,o,,,,,,,,,,1,2,3,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2: empty id");
  expect_error (HEADER "b,\"emission,o,,,,,,,,,,1,2,3,4\n", EM_SPECTRA_ERROR_CORRUPT, ":2: a quoted field");
  expect_error ("id,label,6519,6520\n\xff\xfe,x,1,2\n", EM_SPECTRA_ERROR_FORMAT, "UTF-8");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("emissary-csv-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/spectra/labelled-set/read-ondrejov-layout", test_read_ondrejov_layout);
  g_test_add_func ("/spectra/labelled-set/round-trip", test_round_trip);
  g_test_add_func ("/spectra/labelled-set/errors", test_errors);
  status = g_test_run ();
  {
    static const char *const names[] = { "ok.csv", "written.csv", "bad.csv" };

    for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (tmp_dir, names[i], NULL);

        g_unlink (path);
      }
    g_rmdir (tmp_dir);
    g_free (tmp_dir);
  }
  return status;
}
