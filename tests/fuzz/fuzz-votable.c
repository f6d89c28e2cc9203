/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the VOTable reader on arbitrary bytes, and for every
 * document it accepts, the writer and the reader again (the written
 * table must read back with the same shape).  Build with
 *   CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address
 *   build-fuzz/tests/vo/fuzz-votable -max_total_time=60 tests/fuzz/votable
 * and copy any crash-* file into tests/fuzz/votable/ (replayed by the
 * 'votable' test of the vo suite). */
#include "em-config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vo/em-votable.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (EmVotable) table = em_votable_parse ((const char *)data, size, "fuzz", &error);
  g_autoptr (EmVotable) again = NULL;
  g_autofree char *text = NULL;
  gsize            len = 0;

  if (table == NULL)
    {
      /* Every refusal is an error with a message, never a silent NULL. */
      if (error == NULL || error->message == NULL)
        abort ();
      return 0;
    }
  text = em_votable_to_string (table, &len);
  again = em_votable_parse (text, len, "fuzz-rewritten", &error);
  if (again == NULL)
    {
      g_printerr ("re-reading the written table failed: %s\n%s\n", error->message, text);
      abort ();
    }
  if (again->n_rows != table->n_rows
      || em_votable_get_n_fields (again) != em_votable_get_n_fields (table))
    abort ();
  return 0;
}
