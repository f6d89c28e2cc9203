/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: both XML-RPC parsers on arbitrary bytes.  Build with
 *   CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address
 *   build-fuzz/tests/vo/fuzz-xmlrpc -max_total_time=60 tests/fuzz/xmlrpc
 * and copy any crash-* file into tests/fuzz/xmlrpc/ (replayed by the
 * 'xmlrpc' test of the vo suite). */
#include "em-config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vo/em-xmlrpc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Equality of SAMP values regardless of map order. */
static gboolean
same_value (GVariant *a, GVariant *b)
{
  if (g_variant_is_of_type (a, G_VARIANT_TYPE_VARDICT))
    {
      GVariantIter iter;
      const char  *key;
      GVariant    *child;

      if (!g_variant_is_of_type (b, G_VARIANT_TYPE_VARDICT)
          || g_variant_n_children (a) != g_variant_n_children (b))
        return FALSE;
      g_variant_iter_init (&iter, a);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &child))
        {
          g_autoptr (GVariant) ca = child;
          g_autoptr (GVariant) cb = g_variant_lookup_value (b, key, NULL);
          if (cb == NULL || !same_value (ca, cb))
            return FALSE;
        }
      return TRUE;
    }
  if (g_variant_is_of_type (a, G_VARIANT_TYPE ("av")))
    {
      if (!g_variant_is_of_type (b, G_VARIANT_TYPE ("av"))
          || g_variant_n_children (a) != g_variant_n_children (b))
        return FALSE;
      for (gsize i = 0; i < g_variant_n_children (a); i++)
        {
          g_autoptr (GVariant) ba = g_variant_get_child_value (a, i);
          g_autoptr (GVariant) bb = g_variant_get_child_value (b, i);
          g_autoptr (GVariant) ca = g_variant_get_variant (ba);
          g_autoptr (GVariant) cb = g_variant_get_variant (bb);
          if (!same_value (ca, cb))
            return FALSE;
        }
      return TRUE;
    }
  return g_variant_equal (a, b);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *method = NULL;
  g_autoptr (GVariant) params = NULL;
  g_autoptr (GVariant) value = NULL;
  g_autoptr (GError) e1 = NULL;
  g_autoptr (GError) e2 = NULL;

  if (em_xmlrpc_parse_call ((const char *)data, size, &method, &params, &e1))
    g_assert (em_samp_value_is_valid (params));
  if ((value = em_xmlrpc_parse_response ((const char *)data, size, &e2)))
    {
      g_autofree char *again = em_xmlrpc_build_response (value);
      g_autoptr (GVariant) back = em_xmlrpc_parse_response (again, strlen (again), NULL);

      /* What we parse, we can write and read back identically. */
      g_assert (back != NULL && same_value (back, value));
    }
  return 0;
}
