/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "vo/em-xmlrpc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (em - xmlrpc - error - quark, em_xmlrpc_error)

/* ---- generating -------------------------------------------------------- */

static void
append_escaped (GString *out, const char *text)
{
  for (const char *p = text; *p; p++)
    {
      switch (*p)
        {
        case '&':
          g_string_append (out, "&amp;");
          break;
        case '<':
          g_string_append (out, "&lt;");
          break;
        case '>':
          g_string_append (out, "&gt;");
          break;
        /* A literal CR would be normalised away by the reader. */
        case '\r':
          g_string_append (out, "&#13;");
          break;
        default:
          g_string_append_c (out, *p);
        }
    }
}

static void
append_value (GString *out, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (value);
      append_value (out, inner);
      return;
    }

  g_string_append (out, "<value>");
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      g_string_append (out, "<string>");
      append_escaped (out, g_variant_get_string (value, NULL));
      g_string_append (out, "</string>");
    }
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char  *key;
      GVariant    *child;

      g_string_append (out, "<struct>");
      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &child))
        {
          g_string_append (out, "<member><name>");
          append_escaped (out, key);
          g_string_append (out, "</name>");
          append_value (out, child);
          g_string_append (out, "</member>");
          g_variant_unref (child);
        }
      g_string_append (out, "</struct>");
    }
  else if (g_variant_is_container (value))
    {
      GVariantIter iter;
      GVariant    *child;

      /* "av", "as" and tuples all become arrays. */
      g_string_append (out, "<array><data>");
      g_variant_iter_init (&iter, value);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          append_value (out, child);
          g_variant_unref (child);
        }
      g_string_append (out, "</data></array>");
    }
  else
    {
      /* Not a SAMP type: send its text form, as SAMP wants strings. */
      g_autofree char *text = g_variant_print (value, FALSE);
      g_string_append (out, "<string>");
      append_escaped (out, text);
      g_string_append (out, "</string>");
    }
  g_string_append (out, "</value>");
}

char *
em_xmlrpc_build_call (const char *method, GVariant *params)
{
  GString *out
      = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>");

  append_escaped (out, method);
  g_string_append (out, "</methodName><params>");
  if (params != NULL)
    {
      GVariantIter iter;
      GVariant    *child;

      g_variant_iter_init (&iter, params);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          g_string_append (out, "<param>");
          append_value (out, child);
          g_string_append (out, "</param>");
          g_variant_unref (child);
        }
    }
  g_string_append (out, "</params></methodCall>\n");
  return g_string_free (out, FALSE);
}

char *
em_xmlrpc_build_response (GVariant *value)
{
  GString *out = g_string_new (
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse><params><param>");

  if (value != NULL)
    append_value (out, value);
  else
    g_string_append (out, "<value><string></string></value>");
  g_string_append (out, "</param></params></methodResponse>\n");
  return g_string_free (out, FALSE);
}

char *
em_xmlrpc_build_fault (int code, const char *message)
{
  GString *out = g_string_new (
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse><fault><value><struct>"
      "<member><name>faultCode</name><value><int>");

  g_string_append_printf (out, "%d", code);
  g_string_append (out, "</int></value></member><member><name>faultString</name><value><string>");
  append_escaped (out, message);
  g_string_append (out, "</string></value></member></struct></value></fault></methodResponse>\n");
  return g_string_free (out, FALSE);
}

/* ---- parsing ----------------------------------------------------------- */

static gboolean
is_named (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL
         && strcmp ((const char *)node->name, name) == 0;
}

static gboolean
is_blank_text (xmlNode *node)
{
  if (node->type != XML_TEXT_NODE)
    return FALSE;
  for (const xmlChar *p = node->content; p && *p; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

/* The element children of @parent.  Whitespace between elements (pretty
 * printing), comments and processing instructions are skipped; any other
 * text there is a structural error. */
static gboolean
element_children (xmlNode *parent, GPtrArray *out, GError **error)
{
  for (xmlNode *n = parent->children; n; n = n->next)
    {
      if (n->type == XML_ELEMENT_NODE)
        g_ptr_array_add (out, n);
      else if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE || is_blank_text (n))
        continue;
      else
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "unexpected content inside <%s> (line %d)", parent->name, n->line);
          return FALSE;
        }
    }
  return TRUE;
}

/* The text of a scalar element: text and CDATA only. */
static char *
scalar_text (xmlNode *element, GError **error)
{
  GString *text = g_string_new (NULL);

  for (xmlNode *n = element->children; n; n = n->next)
    {
      if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
        g_string_append (text, (const char *)n->content);
      else if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
        continue;
      else
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<%s> (line %d) must hold text only", element->name, element->line);
          g_string_free (text, TRUE);
          return NULL;
        }
    }
  return g_string_free (text, FALSE);
}

static GVariant *parse_value (xmlNode *value, guint depth, GError **error);

static GVariant *
parse_array (xmlNode *array, guint depth, GError **error)
{
  g_autoptr (GPtrArray) kids = g_ptr_array_new ();
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  g_autoptr (GPtrArray) data_kids = g_ptr_array_new ();
  GVariantBuilder builder;

  if (!element_children (array, kids, error))
    return NULL;
  if (kids->len != 1 || !is_named (kids->pdata[0], "data"))
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "<array> (line %d) must hold exactly one <data>", array->line);
      return NULL;
    }
  if (!element_children (kids->pdata[0], data_kids, error))
    return NULL;
  for (guint i = 0; i < data_kids->len; i++)
    {
      xmlNode  *v = data_kids->pdata[i];
      GVariant *child;

      if (!is_named (v, "value"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<data> (line %d) may hold only <value>, not <%s>", v->line, v->name);
          return NULL;
        }
      if (!(child = parse_value (v, depth + 1, error)))
        return NULL;
      g_ptr_array_add (values, g_variant_ref_sink (child));
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  for (guint i = 0; i < values->len; i++)
    g_variant_builder_add (&builder, "v", values->pdata[i]);
  return g_variant_builder_end (&builder);
}

static GVariant *
parse_struct (xmlNode *st, guint depth, GError **error)
{
  g_autoptr (GPtrArray) members = g_ptr_array_new ();
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  if (!element_children (st, members, error))
    return NULL;
  for (guint i = 0; i < members->len; i++)
    {
      xmlNode *m = members->pdata[i];
      g_autoptr (GPtrArray) parts = g_ptr_array_new ();
      g_autofree char *name = NULL;
      GVariant        *child;

      if (!is_named (m, "member"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<struct> (line %d) may hold only <member>, not <%s>", m->line, m->name);
          return NULL;
        }
      if (!element_children (m, parts, error))
        return NULL;
      if (parts->len != 2 || !is_named (parts->pdata[0], "name")
          || !is_named (parts->pdata[1], "value"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<member> (line %d) must hold <name> then <value>", m->line);
          return NULL;
        }
      if (!(name = scalar_text (parts->pdata[0], error)))
        return NULL;
      if (g_variant_dict_contains (&dict, name))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<struct> (line %d) names member “%s” twice", m->line, name);
          return NULL;
        }
      if (!(child = parse_value (parts->pdata[1], depth + 1, error)))
        return NULL;
      g_variant_dict_insert_value (&dict, name, child);
    }
  return g_variant_dict_end (&dict);
}

static GVariant *
parse_value (xmlNode *value, guint depth, GError **error)
{
  g_autoptr (GPtrArray) kids = g_ptr_array_new ();
  xmlNode    *typed;
  const char *type;

  if (depth > EM_XMLRPC_MAX_DEPTH)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_TOO_DEEP,
                   "values nested deeper than %d levels (line %d)", EM_XMLRPC_MAX_DEPTH,
                   value->line);
      return NULL;
    }

  /* Untyped <value>text</value> is a string, whitespace included. */
  for (xmlNode *n = value->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE)
      goto typed_value;
  {
    char *text = scalar_text (value, error);
    return text ? g_variant_new_take_string (text) : NULL;
  }

typed_value:
  if (!element_children (value, kids, error))
    return NULL;
  if (kids->len != 1)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "<value> (line %d) must hold one typed element", value->line);
      return NULL;
    }
  typed = kids->pdata[0];
  type = (const char *)typed->name;
  if (typed->ns != NULL)
    goto unknown;
  if (strcmp (type, "array") == 0)
    return parse_array (typed, depth, error);
  if (strcmp (type, "struct") == 0)
    return parse_struct (typed, depth, error);
  if (strcmp (type, "string") == 0)
    {
      char *text = scalar_text (typed, error);
      return text ? g_variant_new_take_string (text) : NULL;
    }
  if (strcmp (type, "nil") == 0)
    {
      if (typed->children != NULL && !is_blank_text (typed->children))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<nil> (line %d) must be empty", typed->line);
          return NULL;
        }
      return g_variant_new_string ("");
    }
  if (strcmp (type, "int") == 0 || strcmp (type, "i4") == 0 || strcmp (type, "i8") == 0
      || strcmp (type, "boolean") == 0 || strcmp (type, "double") == 0
      || strcmp (type, "dateTime.iso8601") == 0)
    {
      /* Non-conforming peers: keep the number's text, trimmed. */
      char *text = scalar_text (typed, error);
      return text ? g_variant_new_take_string (g_strstrip (text)) : NULL;
    }

unknown:
  g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
               "unsupported value type <%s> (line %d)", type, typed->line);
  return NULL;
}

static xmlDoc *
read_document (const char *data, gsize length, const char *root_name, GError **error)
{
  xmlDoc  *doc;
  xmlNode *root;

  if (length > EM_XMLRPC_MAX_BYTES)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_TOO_LARGE,
                   "XML-RPC body of %" G_GSIZE_FORMAT " bytes is over the limit of %d bytes",
                   length, EM_XMLRPC_MAX_BYTES);
      return NULL;
    }
  if (length == 0)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED, "empty XML-RPC body");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_ENCODING,
                   "XML-RPC body is not valid UTF-8 (or holds a NUL byte)");
      return NULL;
    }
  /* NONET: never fetch anything; no NOENT: entities are not expanded, and
   * a document with a DTD is refused below anyway. */
  doc = xmlReadMemory (data, (int)length, "xmlrpc.xml", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                           | XML_PARSE_NOCDATA);
  if (doc == NULL)
    {
      const xmlError  *xe = xmlGetLastError ();
      g_autofree char *why = g_strdup (xe && xe->message ? xe->message : "unknown error");

      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "XML-RPC body is not well-formed XML: %s", g_strchomp (why));
      return NULL;
    }
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "XML-RPC body carries a document type declaration, which is refused");
      xmlFreeDoc (doc);
      return NULL;
    }
  root = xmlDocGetRootElement (doc);
  if (root == NULL || !is_named (root, root_name))
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "XML-RPC body has root <%s>, expected <%s>",
                   root ? (const char *)root->name : "", root_name);
      xmlFreeDoc (doc);
      return NULL;
    }
  return doc;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* <params><param><value/></param>*</params> into an "av". */
static GVariant *
parse_params (xmlNode *params, GError **error)
{
  g_autoptr (GPtrArray) kids = g_ptr_array_new ();
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify)g_variant_unref);
  GVariantBuilder builder;

  if (!element_children (params, kids, error))
    return NULL;
  for (guint i = 0; i < kids->len; i++)
    {
      xmlNode *p = kids->pdata[i];
      g_autoptr (GPtrArray) inner = g_ptr_array_new ();
      GVariant *v;

      if (!is_named (p, "param"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<params> (line %d) may hold only <param>, not <%s>", p->line, p->name);
          return NULL;
        }
      if (!element_children (p, inner, error))
        return NULL;
      if (inner->len != 1 || !is_named (inner->pdata[0], "value"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<param> (line %d) must hold exactly one <value>", p->line);
          return NULL;
        }
      if (!(v = parse_value (inner->pdata[0], 1, error)))
        return NULL;
      g_ptr_array_add (values, g_variant_ref_sink (v));
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  for (guint i = 0; i < values->len; i++)
    g_variant_builder_add (&builder, "v", values->pdata[i]);
  return g_variant_builder_end (&builder);
}

gboolean
em_xmlrpc_parse_call (const char *data,
                      gsize       length,
                      char      **method,
                      GVariant  **params,
                      GError    **error)
{
  g_autoptr (xmlDoc) doc = read_document (data, length, "methodCall", error);
  g_autoptr (GPtrArray) kids = g_ptr_array_new ();
  g_autofree char *name = NULL;
  GVariant        *p;

  if (doc == NULL)
    return FALSE;
  if (!element_children (xmlDocGetRootElement (doc), kids, error))
    return FALSE;
  if (kids->len < 1 || kids->len > 2 || !is_named (kids->pdata[0], "methodName")
      || (kids->len == 2 && !is_named (kids->pdata[1], "params")))
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "<methodCall> must hold <methodName> and optionally <params>");
      return FALSE;
    }
  if (!(name = scalar_text (kids->pdata[0], error)))
    return FALSE;
  g_strstrip (name);
  if (*name == '\0')
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED, "<methodName> is empty");
      return FALSE;
    }
  if (kids->len == 2)
    p = parse_params (kids->pdata[1], error);
  else
    p = g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0);
  if (p == NULL)
    return FALSE;
  *params = g_variant_ref_sink (p);
  *method = g_steal_pointer (&name);
  return TRUE;
}

GVariant *
em_xmlrpc_parse_response (const char *data, gsize length, GError **error)
{
  g_autoptr (xmlDoc) doc = read_document (data, length, "methodResponse", error);
  g_autoptr (GPtrArray) kids = g_ptr_array_new ();
  xmlNode *body;

  if (doc == NULL)
    return NULL;
  if (!element_children (xmlDocGetRootElement (doc), kids, error))
    return NULL;
  if (kids->len != 1)
    {
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                   "<methodResponse> must hold one <params> or <fault>");
      return NULL;
    }
  body = kids->pdata[0];
  if (is_named (body, "params"))
    {
      g_autoptr (GVariant) list = parse_params (body, error);

      if (list == NULL)
        return NULL;
      if (g_variant_n_children (list) != 1)
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<methodResponse> must return exactly one value, not %" G_GSIZE_FORMAT,
                       g_variant_n_children (list));
          return NULL;
        }
      {
        g_autoptr (GVariant) boxed = g_variant_get_child_value (list, 0);
        return g_variant_get_variant (boxed);
      }
    }
  if (is_named (body, "fault"))
    {
      g_autoptr (GPtrArray) fk = g_ptr_array_new ();
      g_autoptr (GVariant) st = NULL;
      const char *text, *code;

      if (!element_children (body, fk, error))
        return NULL;
      if (fk->len != 1 || !is_named (fk->pdata[0], "value"))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<fault> must hold exactly one <value>");
          return NULL;
        }
      if (!(st = parse_value (fk->pdata[0], 1, error)))
        return NULL;
      g_variant_ref_sink (st);
      if (!g_variant_is_of_type (st, G_VARIANT_TYPE_VARDICT))
        {
          g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
                       "<fault> value is not a struct");
          return NULL;
        }
      text = em_samp_map_get_string (st, "faultString");
      code = em_samp_map_get_string (st, "faultCode");
      g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_FAULT, "%s (fault code %s)",
                   text ? text : "fault without faultString", code ? code : "?");
      return NULL;
    }
  g_set_error (error, EM_XMLRPC_ERROR, EM_XMLRPC_ERROR_MALFORMED,
               "<methodResponse> holds <%s>, expected <params> or <fault>", body->name);
  return NULL;
}

/* ---- SAMP value helpers ------------------------------------------------ */

GVariant *
em_samp_value_string (const char *text)
{
  return g_variant_new_string (text ? text : "");
}

const char *
em_samp_map_get_string (GVariant *map, const char *key)
{
  g_autoptr (GVariant) v = NULL;

  if (map == NULL || !g_variant_is_of_type (map, G_VARIANT_TYPE_VARDICT))
    return NULL;
  v = g_variant_lookup_value (map, key, G_VARIANT_TYPE_STRING);
  /* The string lives in @map's serialised data, which outlives @v. */
  return v ? g_variant_get_string (v, NULL) : NULL;
}

GVariant *
em_samp_map_new_strings (const char *first_key, ...)
{
  GVariantBuilder builder;
  va_list         args;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  va_start (args, first_key);
  for (const char *key = first_key; key; key = va_arg (args, const char *))
    {
      const char *value = va_arg (args, const char *);
      g_variant_builder_add (&builder, "{sv}", key, g_variant_new_string (value ? value : ""));
    }
  va_end (args);
  return g_variant_builder_end (&builder);
}

gboolean
em_samp_value_is_valid (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return TRUE;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("av")))
    {
      GVariantIter iter;
      GVariant    *child;

      g_variant_iter_init (&iter, value);
      while ((child = g_variant_iter_next_value (&iter)))
        {
          g_autoptr (GVariant) boxed = child;
          g_autoptr (GVariant) inner = g_variant_get_variant (boxed);
          if (!em_samp_value_is_valid (inner))
            return FALSE;
        }
      return TRUE;
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char  *key;
      GVariant    *child;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &child))
        {
          g_autoptr (GVariant) c = child;
          if (!em_samp_value_is_valid (c))
            return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}
