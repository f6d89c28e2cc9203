/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "app/em-experiment.h"

G_BEGIN_DECLS

/* Whole experiment folders: copying, renaming and trashing NAME.emissary/.
 * Renaming and trashing take the writer's lock of the experiment (the one
 * em_experiment_open holds), so an experiment open for writing anywhere is
 * never moved under its writer (EM_EXPERIMENT_ERROR_LOCKED). */

/* Copies the experiment in @src_dir to the new folder @dest_dir: the
 * database through SQLite's online backup (a consistent snapshot even
 * while a writer works on the source in WAL mode), then predictions/ and
 * checkpoints/.  The copy is built next to @dest_dir and renamed into
 * place at the end, so a failure leaves nothing behind.  An existing
 * @dest_dir is refused with EM_EXPERIMENT_ERROR_EXISTS. */
gboolean        em_experiment_duplicate          (const char    *src_dir,
                                                  const char    *dest_dir,
                                                  GError       **error);

/* Renames (moves, on the same filesystem) the experiment folder @dir to
 * @new_dir; refused while the experiment is open for writing. */
gboolean        em_experiment_rename             (const char    *dir,
                                                  const char    *new_dir,
                                                  GError       **error);

/* Moves the experiment folder @dir to the user's trash (g_file_trash);
 * refused while the experiment is open for writing.  Where the trash is
 * not supported the error is G_IO_ERROR_NOT_SUPPORTED and nothing is
 * deleted. */
gboolean        em_experiment_trash              (const char    *dir,
                                                  GCancellable  *cancellable,
                                                  GError       **error);

/* "Demo" for ".../Demo.emissary" (newly allocated). */
char           *em_experiment_name_from_dir      (const char    *dir);
/* The folder of an experiment called @name next to @dir:
 * ".../NAME.emissary".  NULL with EM_EXPERIMENT_ERROR_INVALID when @name
 * is empty, "." or "..", or holds a '/'. */
char           *em_experiment_sibling_dir        (const char    *dir,
                                                  const char    *name,
                                                  GError       **error);

G_END_DECLS
