/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include <string.h>

#include "vo/em-xmlrpc.h"

static GVariant *
parse_response_text (const char *text, GError **error)
{
  return em_xmlrpc_parse_response (text, strlen (text), error);
}

static void
test_round_trip (void)
{
  g_autoptr (GVariant) params = NULL;
  g_autoptr (GVariant) parsed = NULL;
  g_autofree char *body = NULL;
  g_autofree char *method = NULL;
  g_autoptr (GError) error = NULL;
  GVariantBuilder list;
  g_autoptr (GVariant) inner = NULL;

  g_variant_builder_init (&list, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&list, "v", g_variant_new_string ("0"));
  g_variant_builder_add (&list, "v", g_variant_new_string ("  spaced  "));
  g_variant_builder_add (&list, "v",
                         em_samp_map_new_strings ("a&b", "<x>\r\n\t", "empty", "", NULL));
  params = g_variant_ref_sink (g_variant_new ("(s@av)", "key", g_variant_builder_end (&list)));
  body = em_xmlrpc_build_call ("samp.hub.notify", params);
  g_assert_true (em_xmlrpc_parse_call (body, strlen (body), &method, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (method, ==, "samp.hub.notify");
  g_assert_cmpuint (g_variant_n_children (parsed), ==, 2);
  {
    g_autoptr (GVariant) first = g_variant_get_child_value (parsed, 0);
    g_autoptr (GVariant) s = g_variant_get_variant (first);
    g_assert_cmpstr (g_variant_get_string (s, NULL), ==, "key");
  }
  {
    g_autoptr (GVariant) second = g_variant_get_child_value (parsed, 1);
    g_autoptr (GVariant) l = g_variant_get_variant (second);
    g_autoptr (GVariant) b1 = g_variant_get_child_value (l, 1);
    g_autoptr (GVariant) s1 = g_variant_get_variant (b1);
    g_autoptr (GVariant) b2 = g_variant_get_child_value (l, 2);
    g_autoptr (GVariant) m = g_variant_get_variant (b2);

    g_assert_cmpuint (g_variant_n_children (l), ==, 3);
    g_assert_cmpstr (g_variant_get_string (s1, NULL), ==, "  spaced  ");
    g_assert_cmpstr (em_samp_map_get_string (m, "a&b"), ==, "<x>\r\n\t");
    g_assert_cmpstr (em_samp_map_get_string (m, "empty"), ==, "");
    inner = g_variant_ref (m);
  }
  g_assert_true (em_samp_value_is_valid (inner));
}

static void
test_lenient_types (void)
{
  g_autoptr (GError) error = NULL;
  /* As astropy and JSAMP send them: pretty-printed, typed numbers, nil,
   * untyped strings with their whitespace. */
  const char *text
      = "<?xml version='1.0'?>\n"
        "<methodResponse>\n  <params>\n    <param>\n      <value>\n        <struct>\n"
        "          <member><name>i</name><value><int> 42 </int></value></member>\n"
        "          <member><name>i4</name><value><i4>-7</i4></value></member>\n"
        "          <member><name>b</name><value><boolean>1</boolean></value></member>\n"
        "          <member><name>d</name><value><double>1.5e3</double></value></member>\n"
        "          <member><name>n</name><value><nil/></value></member>\n"
        "          <member><name>u</name><value>  untyped text </value></member>\n"
        "          <member><name>e</name><value></value></member>\n"
        "          <member><name>c</name><value><string><![CDATA[a<b]]></string></value></member>\n"
        "          <member><name>l</name><value><array><data>\n"
        "            <value>x</value>\n            <value><string>y</string></value>\n"
        "          </data></array></value></member>\n"
        "        </struct>\n      </value>\n    </param>\n  </params>\n</methodResponse>\n";
  g_autoptr (GVariant) v = parse_response_text (text, &error);
  g_autoptr (GVariant) l = NULL;

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT));
  g_assert_cmpstr (em_samp_map_get_string (v, "i"), ==, "42");
  g_assert_cmpstr (em_samp_map_get_string (v, "i4"), ==, "-7");
  g_assert_cmpstr (em_samp_map_get_string (v, "b"), ==, "1");
  g_assert_cmpstr (em_samp_map_get_string (v, "d"), ==, "1.5e3");
  g_assert_cmpstr (em_samp_map_get_string (v, "n"), ==, "");
  g_assert_cmpstr (em_samp_map_get_string (v, "u"), ==, "  untyped text ");
  g_assert_cmpstr (em_samp_map_get_string (v, "e"), ==, "");
  g_assert_cmpstr (em_samp_map_get_string (v, "c"), ==, "a<b");
  l = g_variant_lookup_value (v, "l", G_VARIANT_TYPE ("av"));
  g_assert_nonnull (l);
  g_assert_cmpuint (g_variant_n_children (l), ==, 2);
  g_assert_true (em_samp_value_is_valid (v));
}

static void
test_void_results (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) a = parse_response_text (
      "<methodResponse><params><param><value></value></param></params></methodResponse>", &error);
  g_autoptr (GVariant) b = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (a, NULL), ==, "");
  b = parse_response_text (
      "<methodResponse><params><param><value><struct/></value></param></params></methodResponse>",
      &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (b, G_VARIANT_TYPE_VARDICT));
  g_assert_cmpuint (g_variant_n_children (b), ==, 0);
}

static void
test_fault (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *body = em_xmlrpc_build_fault (7, "bad <key>");
  g_autoptr (GVariant) v = parse_response_text (body, &error);

  g_assert_null (v);
  g_assert_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_FAULT);
  g_assert_nonnull (strstr (error->message, "bad <key>"));
  g_assert_nonnull (strstr (error->message, "7"));
}

typedef struct
{
  const char *name;
  const char *body;
  int         code;
} BadCase;

static const BadCase bad_cases[] = {
  { "not xml", "hello", EM_XMLRPC_ERROR_MALFORMED },
  { "empty", "", EM_XMLRPC_ERROR_MALFORMED },
  { "wrong root", "<methodCall><methodName>x</methodName></methodCall>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "billion laughs",
    "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
    "\"&a;&a;&a;&a;&a;&a;&a;&a;\">"
    "<!ENTITY c "
    "\"&b;&b;&b;&b;&b;&b;&b;&b;\">]><methodResponse><params><param><value>&c;</value></param>"
    "</params></methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "external entity",
    "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
    "<methodResponse><params><param><value>&x;</value></param></params></methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "invalid utf-8",
    "<methodResponse><params><param><value>\xff\xfe</value></param></params></methodResponse>",
    EM_XMLRPC_ERROR_ENCODING },
  { "text in struct",
    "<methodResponse><params><param><value><struct>junk<member><name>a</name><value>b</value></"
    "member>"
    "</struct></value></param></params></methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "member without name",
    "<methodResponse><params><param><value><struct><member><value>b</value></member></struct></"
    "value></param>"
    "</params></methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "duplicate member",
    "<methodResponse><params><param><value><struct><member><name>a</name><value>b</value></member>"
    "<member><name>a</name><value>c</value></member></struct></value></param></params></"
    "methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "two values",
    "<methodResponse><params><param><value>a</value><value>b</value></param></params></"
    "methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "two params",
    "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></"
    "params>"
    "</methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "base64",
    "<methodResponse><params><param><value><base64>aGk=</base64></value></param></params></"
    "methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "array without data",
    "<methodResponse><params><param><value><array><value>a</value></array></value></param></params>"
    "</methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "element inside string",
    "<methodResponse><params><param><value><string>a<b/>c</string></value></param></params></"
    "methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "namespaced type",
    "<methodResponse "
    "xmlns:x=\"urn:x\"><params><param><value><x:string>a</x:string></value></param></params>"
    "</methodResponse>",
    EM_XMLRPC_ERROR_MALFORMED },
  { "unclosed", "<methodResponse><params><param><value>a</value></param></params>",
    EM_XMLRPC_ERROR_MALFORMED },
};

static void
test_rejects (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) v = parse_response_text (bad_cases[i].body, &error);

      if (v != NULL || !g_error_matches (error, EM_XMLRPC_ERROR, bad_cases[i].code))
        g_error ("case “%s”: expected error %d, got %s", bad_cases[i].name, bad_cases[i].code,
                 error ? error->message : "a value");
      g_assert_nonnull (error->message);
    }
}

static void
test_nul_byte (void)
{
  static const char body[]
      = "<methodResponse><params><param><value>a\0b</value></param></params></methodResponse>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = em_xmlrpc_parse_response (body, sizeof body - 1, &error);

  g_assert_null (v);
  g_assert_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_ENCODING);
}

static char *
nested_body (guint depth)
{
  GString *s = g_string_new ("<methodResponse><params><param>");

  for (guint i = 0; i < depth; i++)
    g_string_append (s, "<value><array><data>");
  g_string_append (s, "<value>x</value>");
  for (guint i = 0; i < depth; i++)
    g_string_append (s, "</data></array></value>");
  g_string_append (s, "</param></params></methodResponse>");
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ok = nested_body (EM_XMLRPC_MAX_DEPTH - 1);
  g_autofree char *deep = nested_body (EM_XMLRPC_MAX_DEPTH + 5);
  g_autofree char *very_deep = nested_body (5000);
  g_autoptr (GVariant) v = parse_response_text (ok, &error);
  g_autoptr (GVariant) w = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (v);
  w = parse_response_text (deep, &error);
  g_assert_null (w);
  g_assert_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_TOO_DEEP);
  g_clear_error (&error);
  /* libxml2's own limit or ours: either way an error, not a crash. */
  w = parse_response_text (very_deep, &error);
  g_assert_null (w);
  g_assert_nonnull (error);
}

static void
test_too_large (void)
{
  gsize            n = EM_XMLRPC_MAX_BYTES + 1;
  g_autofree char *big = g_malloc (n);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = NULL;

  memset (big, ' ', n);
  v = em_xmlrpc_parse_response (big, n, &error);
  g_assert_null (v);
  g_assert_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_TOO_LARGE);
}

static void
test_parse_call_structure (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *method = NULL;
  g_autoptr (GVariant) params = NULL;
  const char *no_params = "<methodCall><methodName> samp.hub.ping </methodName></methodCall>";
  const char *no_name = "<methodCall><params/></methodCall>";

  g_assert_true (em_xmlrpc_parse_call (no_params, strlen (no_params), &method, &params, &error));
  g_assert_cmpstr (method, ==, "samp.hub.ping");
  g_assert_cmpuint (g_variant_n_children (params), ==, 0);
  g_clear_pointer (&method, g_free);
  g_clear_pointer (&params, g_variant_unref);
  g_assert_false (em_xmlrpc_parse_call (no_name, strlen (no_name), &method, &params, &error));
  g_assert_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED);
  g_assert_null (method);
}

/* Replays the fuzzing corpus (seeds and every input that ever crashed
 * or hung the parser): each must be parsed or refused cleanly. */
static void
test_fuzz_corpus (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fuzz", "xmlrpc", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint       n = 0, parsed = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      g_autofree char *method = NULL;
      g_autoptr (GVariant) params = NULL;
      g_autoptr (GVariant) v = NULL;
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      if (em_xmlrpc_parse_call (data, len, &method, &params, &e1))
        {
          g_assert_true (em_samp_value_is_valid (params));
          parsed++;
        }
      else
        g_assert_nonnull (e1);
      if ((v = em_xmlrpc_parse_response (data, len, &e2)))
        {
          g_assert_true (em_samp_value_is_valid (v));
          parsed++;
        }
      else
        g_assert_nonnull (e2);
      n++;
    }
  g_assert_cmpuint (n, >=, 10);
  /* The seeds include valid calls and responses. */
  g_assert_cmpuint (parsed, >=, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xmlrpc/round-trip", test_round_trip);
  g_test_add_func ("/xmlrpc/lenient-types", test_lenient_types);
  g_test_add_func ("/xmlrpc/void-results", test_void_results);
  g_test_add_func ("/xmlrpc/fault", test_fault);
  g_test_add_func ("/xmlrpc/rejects", test_rejects);
  g_test_add_func ("/xmlrpc/nul-byte", test_nul_byte);
  g_test_add_func ("/xmlrpc/depth", test_depth);
  g_test_add_func ("/xmlrpc/too-large", test_too_large);
  g_test_add_func ("/xmlrpc/call-structure", test_parse_call_structure);
  g_test_add_func ("/xmlrpc/fuzz-corpus", test_fuzz_corpus);
  return g_test_run ();
}
