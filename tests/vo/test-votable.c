/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "vo/em-votable.h"

static char *
data_path (const char *sub, const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", sub, name, NULL);
}

static EmVotable *
build_catalogue (void)
{
  EmVotable   *t = em_votable_new ("candidates");
  guint        id, ra, cls, n, flag, flux;
  gsize        r;
  const double spectrum[3] = { 1.5, -2.25, 1e-7 };

  t->description = g_strdup ("Emission-line candidates & friends <test>");
  id = em_votable_add_field (t, "id", EM_VOTABLE_CHAR, NULL, NULL, "meta.id;meta.main", NULL,
                             "Spectrum identifier");
  ra = em_votable_add_radec_fields (t, "ra", "dec");
  cls = em_votable_add_field (t, "class", EM_VOTABLE_CHAR, "*", NULL, "src.class", NULL, NULL);
  n = em_votable_add_field (t, "n_labels", EM_VOTABLE_INT, NULL, NULL, "meta.number", NULL, NULL);
  flag = em_votable_add_field (t, "known", EM_VOTABLE_BOOLEAN, NULL, NULL, NULL, NULL, NULL);
  flux = em_votable_add_field (t, "flux", EM_VOTABLE_FLOAT, "3", NULL, "phot.flux", NULL, NULL);
  em_votable_add_field (t, "p_emission", EM_VOTABLE_DOUBLE, NULL, NULL, "stat.probability", NULL,
                        NULL);

  r = em_votable_add_row (t);
  em_votable_set_string (t, r, id, "spec-55859-F5902_sp01-001");
  em_votable_set_double (t, r, ra, 332.202250);
  em_votable_set_double (t, r, ra + 1, -2.056750);
  em_votable_set_string (t, r, cls, "emission");
  em_votable_set_int (t, r, n, 3);
  em_votable_set_boolean (t, r, flag, TRUE);
  em_votable_set_array (t, r, flux, spectrum, 3);
  em_votable_set_double (t, r, 7, 0.987654321);

  /* A row with NULLs, markup and a control character in a string. */
  r = em_votable_add_row (t);
  em_votable_set_string (t, r, id, "a<b>&\"c\"\x01 \xc3\xa9");
  em_votable_set_double (t, r, ra, 0.0);
  em_votable_set_double (t, r, ra + 1, 90.0);
  em_votable_set_array (t, r, flux, spectrum, 3);
  return t;
}

static void
test_roundtrip (void)
{
  g_autoptr (EmVotable) t = build_catalogue ();
  g_autoptr (EmVotable) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char     *text = NULL;
  gsize                len = 0;
  const EmVotableCell *cell;

  text = em_votable_to_string (t, &len);
  g_assert_cmpuint (len, ==, strlen (text));
  back = em_votable_parse (text, len, "roundtrip", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->n_rows, ==, 2);
  g_assert_cmpuint (em_votable_get_n_fields (back), ==, 8);
  g_assert_cmpstr (back->description, ==, t->description);
  g_assert_cmpint (em_votable_find_ucd (back, "pos.eq.ra"), ==, 1);
  g_assert_cmpint (em_votable_find_ucd (back, "pos.eq.dec"), ==, 2);
  g_assert_cmpstr (em_votable_get_field (back, 1)->ucd, ==, "pos.eq.ra;meta.main");
  g_assert_cmpstr (em_votable_get_field (back, 1)->unit, ==, "deg");
  g_assert_cmpstr (em_votable_get_string (back, 0, 0), ==, "spec-55859-F5902_sp01-001");
  g_assert_cmpfloat (em_votable_get_double (back, 0, 1), ==, 332.202250);
  g_assert_cmpfloat (em_votable_get_double (back, 0, 2), ==, -2.056750);
  g_assert_cmpfloat (em_votable_get_double (back, 0, 7), ==, 0.987654321);
  g_assert_cmpint (em_votable_get_cell (back, 0, 4)->v.i, ==, 3);
  g_assert_true (em_votable_get_cell (back, 0, 5)->v.b);
  cell = em_votable_get_cell (back, 0, 6);
  g_assert_cmpint (cell->type, ==, EM_VOTABLE_CELL_ARRAY);
  g_assert_cmpuint (cell->v.a.n, ==, 3);
  g_assert_cmpfloat (cell->v.a.values[1], ==, -2.25);
  g_assert_cmpfloat_with_epsilon (cell->v.a.values[2], 1e-7, 1e-14);
  /* The control character cannot travel in XML 1.0: replaced, not lost. */
  g_assert_cmpstr (em_votable_get_string (back, 1, 0), ==, "a<b>&\"c\"\xEF\xBF\xBD \xc3\xa9");
  g_assert_true (em_votable_is_null (back, 1, 3));
  g_assert_true (em_votable_is_null (back, 1, 4));
  g_assert_true (em_votable_is_null (back, 1, 5));
  g_assert_true (isnan (em_votable_get_double (back, 1, 7)));
  g_assert_cmpint (em_votable_find_field (back, "N_LABELS"), ==, 4);
  g_assert_cmpint (em_votable_find_field (back, "nope"), ==, -1);
}

/* The file we write must satisfy astropy in its strictest mode. */
static void
test_astropy_validates (void)
{
  const char *python = g_getenv ("EM_PYTHON3");
  g_autoptr (EmVotable) t = build_catalogue ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("em-votable-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int              status = 0;

  if (python == NULL)
    {
      g_test_skip ("EM_PYTHON3 not set: no python3 with astropy to validate against");
      return;
    }
  g_assert_no_error (error);
  path = g_build_filename (dir, "candidates.vot", NULL);
  g_assert_true (em_votable_write_file (t, path, &error));
  g_assert_no_error (error);
  script = g_test_build_filename (G_TEST_DIST, "vo", "votable-validate.py", NULL);
  {
    const char *argv[] = { python, script, path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &status, &error));
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("astropy rejected %s:\n%s%s", path, out, err);
  g_assert_nonnull (strstr (out, "nrows=2\n"));
  g_assert_nonnull (strstr (out, "field=ra ucd=pos.eq.ra;meta.main datatype=double\n"));
  g_assert_nonnull (strstr (out, "field=dec ucd=pos.eq.dec;meta.main datatype=double\n"));
  g_assert_nonnull (strstr (out, "0:id=spec-55859-F5902_sp01-001\n"));
  g_assert_nonnull (strstr (out, "0:ra=332.20225\n"));
  g_assert_nonnull (strstr (out, "0:n_labels=3\n"));
  g_assert_nonnull (strstr (out, "1:n_labels=--\n"));
  g_assert_nonnull (strstr (out, "1:known=--\n"));
  g_assert_nonnull (strstr (out, "0:class=emission\n"));
  g_remove (path);
  g_rmdir (dir);
}

/* The same table written by astropy in TABLEDATA, BINARY and BINARY2
 * must read identically. */
static void
check_astropy_table (const char *name)
{
  g_autofree char *path = data_path ("votable", name);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) t = em_votable_read_file (path, &error);
  const EmVotableCell *cell;

  g_test_message ("%s", name);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n_rows, ==, 3);
  g_assert_cmpuint (em_votable_get_n_fields (t), ==, 12);
  g_assert_cmpstr (t->resource_type, ==, "results");
  g_assert_cmpstr (em_votable_get_info (t, "QUERY_STATUS")->value, ==, "OK");
  g_assert_cmpstr (em_votable_get_string (t, 0, 0), ==, "* gam Cas");
  g_assert_cmpfloat (em_votable_get_double (t, 0, 1), ==, 14.177215416666666);
  g_assert_cmpfloat (em_votable_get_double (t, 0, 2), ==, 60.71674027777778);
  g_assert_cmpstr (em_votable_get_string (t, 0, 3), ==, "Be*");
  g_assert_cmpstr (em_votable_get_string (t, 0, 4), ==, "B0.5IVpe");
  g_assert_cmpint (em_votable_get_cell (t, 1, 5)->v.i, ==, G_GINT64_CONSTANT (9876543210));
  g_assert_cmpint (em_votable_get_cell (t, 0, 6)->v.i, ==, 2141);
  g_assert_cmpint (em_votable_get_cell (t, 0, 7)->v.i, ==, 4);
  g_assert_cmpfloat_with_epsilon (em_votable_get_double (t, 0, 8), 2.15, 1e-6);
  g_assert_true (em_votable_get_cell (t, 0, 9)->v.b);
  g_assert_false (em_votable_get_cell (t, 1, 9)->v.b);
  g_assert_cmpstr (em_votable_get_string (t, 0, 10), ==, "ab");
  g_assert_cmpstr (em_votable_get_string (t, 2, 10), ==, "wxyz");
  cell = em_votable_get_cell (t, 2, 11);
  g_assert_cmpint (cell->type, ==, EM_VOTABLE_CELL_ARRAY);
  g_assert_cmpuint (cell->v.a.n, ==, 3);
  g_assert_true (isnan (cell->v.a.values[0]));
  g_assert_cmpfloat_with_epsilon (cell->v.a.values[2], 3e38, 1e32);
  /* NULLs */
  g_assert_true (em_votable_is_null (t, 1, 4));
  g_assert_true (em_votable_is_null (t, 1, 6));
  g_assert_true (em_votable_is_null (t, 1, 7));
  g_assert_true (em_votable_is_null (t, 1, 8));
  g_assert_true (em_votable_is_null (t, 2, 9));
  g_assert_cmpstr (em_votable_get_string (t, 2, 0), ==, "NAME \"Test\" <&>");
  g_assert_cmpfloat (em_votable_get_double (t, 2, 2), ==, -89.5);
}

static void
test_read_astropy (void)
{
  check_astropy_table ("astropy-tabledata.vot");
  check_astropy_table ("astropy-binary.vot");
  check_astropy_table ("astropy-binary2.vot");
}

/* Real recorded SIMBAD output (VOTable 1.2, sexagesimal char RA/Dec). */
static void
test_read_simbad_recorded (void)
{
  g_autofree char *path = data_path ("simbad", "sim-script-query_coo.vot");
  g_autofree char *id_path = data_path ("simbad", "sim-script-query_id.vot");
  g_autofree char *err_path = data_path ("simbad", "sim-script-query_error.vot");
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) t = em_votable_read_file (path, &error);
  g_autoptr (EmVotable) id = NULL;
  g_autoptr (EmVotable) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (em_votable_get_n_fields (t), ==, 11);
  g_assert_cmpuint (t->n_rows, >, 20);
  g_assert_cmpstr (em_votable_get_string (t, 0, 0), ==, "V* CM Tau");
  g_assert_cmpstr (em_votable_get_string (t, 0, 10), ==, "2011A&A...533A..10L");
  g_assert_cmpint (em_votable_find_ucd (t, "pos.eq.ra"), ==, 1);
  g_assert_true (em_votable_is_null (t, 1, 5)); /* empty float cell */
  g_assert_cmpfloat (em_votable_get_double (t, 0, 5), ==, 0.22);

  id = em_votable_read_file (id_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (id->n_rows, ==, 1);
  g_assert_cmpstr (em_votable_get_string (id, 0, 0), ==, "M   1");

  /* The recorded error response was cut off mid-document. */
  bad = em_votable_read_file (err_path, &error);
  g_assert_null (bad);
  g_assert_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "sim-script-query_error.vot"));
}

static void
expect_malformed (const char *doc, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) t = em_votable_parse (doc, strlen (doc), "hostile.vot", &error);

  g_assert_null (t);
  g_assert_error (error, EM_VOTABLE_ERROR, code);
  if (fragment && !strstr (error->message, fragment))
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

#define HEAD "<?xml version=\"1.0\"?><VOTABLE version=\"1.4\"><RESOURCE><TABLE>"

static void
test_hostile (void)
{
  expect_malformed ("", EM_VOTABLE_ERROR_MALFORMED, "hostile.vot");
  expect_malformed ("<html><body>Service down</body></html>", EM_VOTABLE_ERROR_MALFORMED, "<html>");
  expect_malformed ("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
                    "<VOTABLE><RESOURCE><INFO name=\"x\" value=\"&lol2;\"/></RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "DOCTYPE");
  expect_malformed ("<?xml version=\"1.0\"?><!DOCTYPE v SYSTEM \"http://example.org/x.dtd\">"
                    "<VOTABLE/>",
                    EM_VOTABLE_ERROR_MALFORMED, NULL);
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA>"
                         "<TR><TD>12x</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "row 1, field “a”");
  expect_malformed (HEAD
                    "<FIELD name=\"a\" datatype=\"int\"/><DATA><TABLEDATA>"
                    "<TR><TD>1</TD><TD>2</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "more cells");
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"quad\"/></TABLE></RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "quad");
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"int\" arraysize=\"0x*x2\"/>"
                         "</TABLE></RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "arraysize");
  /* A BINARY stream that ends inside a double. */
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"double\"/><DATA><BINARY><STREAM "
                         "encoding=\"base64\">AAAAAAAAAAAAAA==</STREAM></BINARY></DATA></TABLE>"
                         "</RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "truncated");
  /* A variable-length array claiming four thousand million elements. */
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"double\" arraysize=\"*\"/><DATA><BINARY>"
                         "<STREAM encoding=\"base64\">/////w==</STREAM></BINARY></DATA></TABLE>"
                         "</RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_TOO_LARGE, "over the cap");
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"double\"/><DATA><BINARY><STREAM "
                         "href=\"http://example.org/data.bin\"/></BINARY></DATA></TABLE>"
                         "</RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_UNSUPPORTED, "example.org");
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"double\"/><DATA><BINARY><STREAM "
                         "encoding=\"base64\">AAAA!AAA</STREAM></BINARY></DATA></TABLE>"
                         "</RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_MALFORMED, "base64");
  expect_malformed (HEAD "<FIELD name=\"a\" datatype=\"double\"/><DATA><FITS/></DATA></TABLE>"
                         "</RESOURCE></VOTABLE>",
                    EM_VOTABLE_ERROR_UNSUPPORTED, "FITS");
  expect_malformed ("<VOTABLE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"char\" "
                    "arraysize=\"*\"/><DATA><TABLEDATA><TR><TD>x</TD></TR>",
                    EM_VOTABLE_ERROR_MALFORMED, NULL);
}

static void
test_tap_error_document (void)
{
  const char *doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
                    "<RESOURCE type=\"results\">\n"
                    "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">Incorrect ADQL query: Encountered "
                    "\"FRM\".</INFO>\n"
                    "</RESOURCE>\n</VOTABLE>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) t = em_votable_parse (doc, strlen (doc), "tap", &error);
  const EmVotableInfo *info;

  g_assert_no_error (error);
  g_assert_cmpuint (em_votable_get_n_fields (t), ==, 0);
  info = em_votable_get_info (t, "QUERY_STATUS");
  g_assert_nonnull (info);
  g_assert_cmpstr (info->value, ==, "ERROR");
  g_assert_cmpstr (info->content, ==, "Incorrect ADQL query: Encountered \"FRM\".");
}

static void
test_size_cap (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) t
      = em_votable_parse ("<VOTABLE/>", EM_VOTABLE_MAX_BYTES + 1, "huge", &error);

  /* The length is checked before a byte is read. */
  g_assert_null (t);
  g_assert_error (error, EM_VOTABLE_ERROR, EM_VOTABLE_ERROR_TOO_LARGE);
}

/* Replays the fuzzing corpus (seeds and every input that ever crashed
 * tests/fuzz/fuzz-votable.c): each document is read or refused with an
 * error, and what is read writes and reads back with the same shape. */
static void
test_fuzz_corpus (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "fuzz", "votable", NULL);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint       n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (EmVotable) t = em_votable_read_file (path, &error);
      g_autoptr (EmVotable) again = NULL;
      g_autofree char *text = NULL;
      gsize            len = 0;

      n++;
      if (t == NULL)
        {
          g_assert_nonnull (error);
          continue;
        }
      text = em_votable_to_string (t, &len);
      again = em_votable_parse (text, len, name, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (again->n_rows, ==, t->n_rows);
      g_assert_cmpuint (em_votable_get_n_fields (again), ==, em_votable_get_n_fields (t));
    }
  g_assert_cmpuint (n, >=, 7);
}

/* Arrays, bits, complex numbers, unicodeChar, BINARY2 null masks. */
static void
test_mixed_types (void)
{
  g_autofree char *td_path
      = g_test_build_filename (G_TEST_DIST, "fuzz", "votable", "arrays.vot", NULL);
  g_autofree char *b2_path
      = g_test_build_filename (G_TEST_DIST, "fuzz", "votable", "binary2-mixed.vot", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) td = em_votable_read_file (td_path, &error);
  g_autoptr (EmVotable) b2 = NULL;
  const EmVotableCell *cell;

  g_assert_no_error (error);
  g_assert_cmpuint (td->n_rows, ==, 2);
  cell = em_votable_get_cell (td, 0, 0);
  g_assert_cmpuint (cell->v.a.n, ==, 4);
  g_assert_true (isnan (cell->v.a.values[1])); /* VALUES null="-1" */
  g_assert_cmpfloat (cell->v.a.values[3], ==, 4);
  g_assert_cmpstr (em_votable_get_string (td, 0, 1), ==, "0101010101");
  cell = em_votable_get_cell (td, 0, 2);
  g_assert_cmpuint (cell->v.a.n, ==, 2);
  g_assert_cmpfloat (cell->v.a.values[1], ==, -2);
  g_assert_cmpstr (em_votable_get_string (td, 0, 3), ==,
                   "Ond\xc5\x99"
                   "ejov");
  cell = em_votable_get_cell (td, 0, 4);
  g_assert_cmpuint (cell->v.a.n, ==, 3);
  g_assert_true (isnan (cell->v.a.values[2]));
  for (guint c = 0; c < 5; c++)
    g_assert_true (em_votable_is_null (td, 1, c));

  b2 = em_votable_read_file (b2_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b2->n_rows, ==, 2);
  cell = em_votable_get_cell (b2, 0, 0);
  g_assert_cmpuint (cell->v.a.n, ==, 3);
  g_assert_true (isnan (cell->v.a.values[1]));
  g_assert_cmpfloat (cell->v.a.values[2], ==, 7);
  g_assert_true (em_votable_is_null (b2, 1, 0)); /* null mask bit */
  g_assert_cmpstr (em_votable_get_string (b2, 0, 1), ==, "1010000001");
  g_assert_cmpstr (em_votable_get_string (b2, 1, 2), ==, "h\xc3\xa9");
  g_assert_true (em_votable_get_cell (b2, 1, 3)->v.b);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/votable/roundtrip", test_roundtrip);
  g_test_add_func ("/votable/astropy-validates", test_astropy_validates);
  g_test_add_func ("/votable/read-astropy", test_read_astropy);
  g_test_add_func ("/votable/read-simbad-recorded", test_read_simbad_recorded);
  g_test_add_func ("/votable/hostile", test_hostile);
  g_test_add_func ("/votable/tap-error-document", test_tap_error_document);
  g_test_add_func ("/votable/size-cap", test_size_cap);
  g_test_add_func ("/votable/fuzz-corpus", test_fuzz_corpus);
  g_test_add_func ("/votable/mixed-types", test_mixed_types);
  return g_test_run ();
}
