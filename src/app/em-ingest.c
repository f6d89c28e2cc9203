/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-ingest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/em-pool-private.h"
#include "spectra/em-spectrum-read.h"

/* Slots between the readers and the writer: readers run at most this far
 * ahead of the row being written, which bounds memory and keeps the output
 * in the order of the sorted file list. */
#define WINDOW          1024
/* A commit every second at most loses a second of work to a SIGKILL. */
#define COMMIT_INTERVAL (1 * G_USEC_PER_SEC)
#define PROGRESS_INTERVAL (G_USEC_PER_SEC / 4)

void
em_ingest_options_init (EmIngestOptions *options)
{
  memset (options, 0, sizeof *options);
  em_preprocess_params_init (&options->preprocess);
}

void
em_ingest_summary_clear (EmIngestSummary *summary)
{
  g_clear_pointer (&summary->report_path, g_free);
}

/* ---- listing the sources ---------------------------------------------- */

static gboolean
is_spectrum_name (const char *name)
{
  static const char *const suffixes[] = { ".fits", ".fits.gz", ".fit", ".fits.fz" };
  gsize len = strlen (name);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      gsize sl = strlen (suffixes[i]);

      if (len > sl && g_ascii_strcasecmp (name + len - sl, suffixes[i]) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Recursive walk with readdir's d_type, so that millions of files cost no
 * stat() each.  Symbolic links to folders are not followed (no cycles). */
static gboolean
walk_folder (const char       *dir,
             GPtrArray        *files,
             GCancellable     *cancellable,
             GError          **error)
{
  DIR *d = opendir (dir);
  struct dirent *e;

  if (d == NULL)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Cannot read folder “%s”: %s"), dir, g_strerror (errsv));
      return FALSE;
    }
  while ((e = readdir (d)) != NULL)
    {
      g_autofree char *path = NULL;
      gboolean is_dir = FALSE, is_file = FALSE;

      if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
        continue;
      path = g_build_filename (dir, e->d_name, NULL);
      if (e->d_type == DT_DIR)
        is_dir = TRUE;
      else if (e->d_type == DT_REG)
        is_file = TRUE;
      else if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK)
        {
          struct stat st;

          if (e->d_type == DT_UNKNOWN && lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
            is_dir = TRUE;
          else if (stat (path, &st) == 0 && S_ISREG (st.st_mode))
            is_file = TRUE;
        }
      if (is_dir)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error)
              || !walk_folder (path, files, cancellable, error))
            {
              closedir (d);
              return FALSE;
            }
        }
      else if (is_file && is_spectrum_name (e->d_name))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
  closedir (d);
  return TRUE;
}

static gboolean
read_list_file (const char  *list,
                GPtrArray   *files,
                GPtrArray   *dirs,
                GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *base = g_path_get_dirname (list);
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (list, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *path;

      if (*line == '\0' || *line == '#')
        continue;
      path = g_canonicalize_filename (line, base);
      g_ptr_array_add (dirs, g_path_get_dirname (path));
      g_ptr_array_add (files, path);
    }
  return TRUE;
}

/* Longest common folder of absolute canonical folders. */
static char *
common_folder (GPtrArray *dirs)
{
  g_autofree char *common = NULL;
  gsize len;

  if (dirs->len == 0)
    return g_get_current_dir ();
  common = g_strdup (dirs->pdata[0]);
  len = strlen (common);
  for (guint i = 1; i < dirs->len; i++)
    {
      const char *d = dirs->pdata[i];
      gsize k = 0;

      while (k < len && d[k] == common[k])
        k++;
      /* Cut back to a whole component. */
      if (!(k == len && (d[k] == '/' || d[k] == '\0')))
        {
          while (k > 0 && common[k] != '/')
            k--;
        }
      len = k;
    }
  if (len == 0)
    return g_strdup ("/");
  return g_strndup (common, len);
}

/* The stored form of a source path: relative to @root when under it. */
static char *
relative_to_root (const char *path,
                  const char *root)
{
  gsize rl = strlen (root);

  if (strcmp (root, "/") == 0)
    return g_strdup (path + 1);
  if (strncmp (path, root, rl) == 0 && path[rl] == '/')
    return g_strdup (path + rl + 1);
  return g_strdup (path);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* ---- the failure report ----------------------------------------------- */

static const char *
reason_name (const GError *e)
{
  if (e->domain == EM_SPECTRA_ERROR)
    switch (e->code)
      {
      case EM_SPECTRA_ERROR_OPEN: return "open";
      case EM_SPECTRA_ERROR_FORMAT: return "format";
      case EM_SPECTRA_ERROR_CORRUPT: return "corrupt";
      case EM_SPECTRA_ERROR_COVERAGE: return "coverage";
      case EM_SPECTRA_ERROR_MASKED: return "masked";
      default: break;
      }
  if (e->domain == EM_POOL_ERROR)
    return "format";
  return "error";
}

static char *
one_line (const char *s)
{
  char *c = g_strdup (s);

  for (char *p = c; *p; p++)
    if (*p == '\t' || *p == '\n' || *p == '\r')
      *p = ' ';
  return c;
}

/* Opens the report for appending; a last line torn by a kill is cut off.
 * Reads the paths it lists into @failed. */
static int
open_report (const char  *report,
             GPtrArray   *failed,
             GError     **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  int fd;

  if (g_file_get_contents (report, &text, &len, NULL))
    {
      gsize good = 0;
      const char *p = text, *end = text + len;

      while (p < end)
        {
          const char *nl = memchr (p, '\n', (gsize) (end - p));
          const char *tab;

          if (nl == NULL)
            break;
          tab = memchr (p, '\t', (gsize) (nl - p));
          if (*p != '#' && tab != NULL)
            g_ptr_array_add (failed, g_strndup (p, (gsize) (tab - p)));
          p = nl + 1;
          good = (gsize) (p - text);
        }
      if (good < len && truncate (report, (off_t) good) != 0)
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot repair the failure report “%s”: %s"), report, g_strerror (errsv));
          return -1;
        }
    }
  fd = g_open (report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot write the failure report “%s”: %s"), report, g_strerror (errsv));
      return -1;
    }
  if (text == NULL || len == 0)
    {
      static const char head[] = "# path (relative to the pool root)\treason\tmessage\n";

      if (write (fd, head, sizeof head - 1) != (ssize_t) (sizeof head - 1))
        {
          int errsv = errno;
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                       _("Cannot write the failure report “%s”: %s"), report, g_strerror (errsv));
          close (fd);
          return -1;
        }
    }
  return fd;
}

/* Rewrites the report without the lines of files about to be retried. */
static gboolean
drop_retried (const char  *report,
              GPtrArray   *failed,
              char       **todo,
              gsize        n_todo,
              GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) kept = g_string_new (NULL);
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (report, &text, NULL, NULL))
    return TRUE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *tab = strchr (lines[i], '\t');
      gboolean retry = FALSE;

      if (lines[i][0] == '\0')
        continue;
      if (lines[i][0] != '#' && tab != NULL)
        {
          g_autofree char *path = g_strndup (lines[i], (gsize) (tab - lines[i]));

          retry = bsearch (&path, todo, n_todo, sizeof (char *), compare_strings) != NULL;
        }
      if (!retry)
        g_string_append_printf (kept, "%s\n", lines[i]);
    }
  g_ptr_array_set_size (failed, 0);
  return g_file_set_contents (report, kept->str, (gssize) kept->len, error);
}

/* ---- the parallel pipeline -------------------------------------------- */

typedef struct
{
  gboolean  ready;
  EmPoolRow row;
  float    *flux;
  char     *reason;
  char     *message;
} Slot;

typedef struct
{
  char                    **abs_paths;
  char                    **rel_paths;
  gsize                     n;
  const EmPreprocessParams *params;
  guint                     n_fluxes;

  GMutex                    lock;
  GCond                     slot_ready;
  GCond                     slot_free;
  Slot                      slots[WINDOW];
  gsize                     next;       /* next file a reader takes */
  gsize                     written;    /* files the writer has consumed */
  gboolean                  stop;
} Pipeline;

static void
slot_clear (Slot *s)
{
  g_clear_pointer (&s->row.id, g_free);
  g_clear_pointer (&s->row.designation, g_free);
  g_clear_pointer (&s->row.obsid, g_free);
  g_clear_pointer (&s->row.survey_class, g_free);
  g_clear_pointer (&s->reason, g_free);
  g_clear_pointer (&s->message, g_free);
  s->row.source_path = NULL;
  s->ready = FALSE;
}

static void
read_one (Pipeline *p,
          gsize     i,
          Slot     *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmSpectrum) spectrum = em_spectrum_read (p->abs_paths[i], &error);

  if (spectrum != NULL && em_preprocess (spectrum, p->params, s->flux, &error))
    {
      s->row.id = g_steal_pointer (&spectrum->id);
      s->row.designation = g_steal_pointer (&spectrum->designation);
      s->row.ra = spectrum->ra;
      s->row.dec = spectrum->dec;
      s->row.obsid = g_steal_pointer (&spectrum->obsid);
      s->row.snr = spectrum->snr;
      s->row.survey_class = g_steal_pointer (&spectrum->survey_class);
      s->row.hdu = spectrum->hdu;
      s->row.source_path = p->rel_paths[i];
      if (em_pool_row_check (&s->row, &error))
        return;
    }
  s->reason = g_strdup (reason_name (error));
  s->message = one_line (error->message);
}

static gpointer
reader_thread (gpointer data)
{
  Pipeline *p = data;

  g_mutex_lock (&p->lock);
  for (;;)
    {
      gsize i;
      Slot *s;

      while (!p->stop && p->next < p->n && p->next >= p->written + WINDOW)
        g_cond_wait (&p->slot_free, &p->lock);
      if (p->stop || p->next >= p->n)
        break;
      i = p->next++;
      s = &p->slots[i % WINDOW];
      g_mutex_unlock (&p->lock);

      read_one (p, i, s);

      g_mutex_lock (&p->lock);
      s->ready = TRUE;
      g_cond_broadcast (&p->slot_ready);
    }
  g_mutex_unlock (&p->lock);
  return NULL;
}

static void
format_duration (char   *buf,
                 gsize   size,
                 double  seconds)
{
  guint64 s = (guint64) (seconds + 0.5);

  if (s >= 3600)
    g_snprintf (buf, size, "%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (guint) (s / 60 % 60), (guint) (s % 60));
  else
    g_snprintf (buf, size, "%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

static void
report_progress (EmProgressFunc progress,
                 gpointer       user_data,
                 gsize          done,
                 gsize          total,
                 gint64         start)
{
  double elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  double rate = elapsed > 0 ? done / elapsed : 0;
  char eta[32];
  g_autofree char *msg = NULL;

  if (rate > 0)
    format_duration (eta, sizeof eta, (total - done) / rate);
  else
    g_strlcpy (eta, "?", sizeof eta);
  msg = g_strdup_printf (_("%zu/%zu files · %.0f files/s · ETA %s"),
                         (size_t) done, (size_t) total, rate, eta);
  progress (total > 0 ? (double) done / total : 1.0, msg, user_data);
}

static gboolean
write_failure (int          fd,
               const char  *report,
               const char  *rel,
               const char  *reason,
               const char  *message,
               GError     **error)
{
  g_autofree char *line = g_strdup_printf ("%s\t%s\t%s\n", rel, reason, message);
  gsize len = strlen (line);

  /* One write per line: O_APPEND keeps it whole. */
  if (write (fd, line, len) != (ssize_t) len)
    {
      int errsv = errno;
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_OPEN,
                   _("Cannot write the failure report “%s”: %s"), report, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* ---- the whole run ---------------------------------------------------- */

gboolean
em_ingest_run (const char             *pool_path,
               const char *const      *sources,
               const EmIngestOptions  *options,
               EmProgressFunc          progress,
               gpointer                user_data,
               GCancellable           *cancellable,
               EmIngestSummary        *summary,
               GError                **error)
{
  EmIngestOptions defaults;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rel = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) done_paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) todo_abs = g_ptr_array_new ();
  g_autoptr(GPtrArray) todo_rel = g_ptr_array_new ();
  g_autoptr(EmPoolWriter) writer = NULL;
  g_autoptr(EmPool) pool = NULL;
  g_autofree char *root = NULL;
  g_autofree char *report = em_pool_failure_report_path (pool_path);
  g_autofree char **sorted_abs = NULL;
  const EmPreprocessParams *params;
  Pipeline *p = NULL;
  GThread **threads = NULL;
  guint n_threads;
  gint64 start = g_get_monotonic_time ();
  gint64 last_commit, last_progress;
  guint64 ingested = 0, skipped = 0, failed = 0, rows_now = 0;
  int report_fd = -1;
  gboolean ok = TRUE;

  if (options == NULL)
    {
      em_ingest_options_init (&defaults);
      options = &defaults;
    }
  if (summary != NULL)
    memset (summary, 0, sizeof *summary);

  /* 1. Every source file, absolute and canonical. */
  for (guint i = 0; sources != NULL && sources[i] != NULL; i++)
    {
      g_autofree char *abs = g_canonicalize_filename (sources[i], NULL);

      if (g_file_test (abs, G_FILE_TEST_IS_DIR))
        {
          g_ptr_array_add (dirs, g_strdup (abs));
          if (!walk_folder (abs, files, cancellable, error))
            return FALSE;
        }
      else if (g_file_test (abs, G_FILE_TEST_IS_REGULAR))
        {
          /* A spectrum named directly, or a list of paths. */
          if (is_spectrum_name (abs))
            {
              g_ptr_array_add (dirs, g_path_get_dirname (abs));
              g_ptr_array_add (files, g_strdup (abs));
            }
          else if (!read_list_file (abs, files, dirs, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       _("Source “%s” is neither a folder nor a file"), sources[i]);
          return FALSE;
        }
    }

  /* 2. The pool, created on first use with the sources' common folder as
   * its root. */
  root = options->root != NULL ? g_canonicalize_filename (options->root, NULL) : common_folder (dirs);
  if (!g_file_test (pool_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *idx = g_strconcat (pool_path, ".idx", NULL);
      EmPreprocessParams fresh;

      /* Side files left by a deleted pool belong to no pool now. */
      g_unlink (report);
      g_unlink (idx);

      if (options->preprocess_set)
        fresh = options->preprocess;
      else
        em_preprocess_params_init (&fresh);
      writer = em_pool_writer_open (pool_path, &fresh, root, error);
    }
  else
    writer = em_pool_writer_open (pool_path, options->preprocess_set ? &options->preprocess : NULL,
                                  NULL, error);
  if (writer == NULL)
    return FALSE;
  if (options->root != NULL && strcmp (root, em_pool_writer_get_root (writer)) != 0)
    {
      g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_MISMATCH,
                   _("Pool “%s” has root “%s”, not “%s” (use “pool reroot” to move it)"),
                   pool_path, em_pool_writer_get_root (writer), root);
      return FALSE;
    }
  params = em_pool_writer_get_params (writer);

  /* 3. Stored paths, sorted; duplicates named twice go once.  The pool
   * itself may sit inside the survey folder: it is no spectrum. */
  {
    g_autofree char *self = g_canonicalize_filename (pool_path, NULL);

    for (guint i = files->len; i-- > 0;)
      if (strcmp (files->pdata[i], self) == 0)
        g_ptr_array_remove_index (files, i);
  }
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add (rel, relative_to_root (files->pdata[i], em_pool_writer_get_root (writer)));
  sorted_abs = g_new (char *, MAX (files->len, 1));
  {
    /* Sort (rel, abs) pairs by rel through an index permutation. */
    g_autofree char **keys = g_new (char *, MAX (files->len, 1));

    for (guint i = 0; i < files->len; i++)
      keys[i] = rel->pdata[i];
    qsort (keys, files->len, sizeof (char *), compare_strings);
    /* rel strings are unique pointers: map each back to its abs path. */
    {
      g_autoptr(GHashTable) abs_of = g_hash_table_new (g_direct_hash, g_direct_equal);

      for (guint i = 0; i < files->len; i++)
        g_hash_table_insert (abs_of, rel->pdata[i], files->pdata[i]);
      for (guint i = 0; i < files->len; i++)
        sorted_abs[i] = g_hash_table_lookup (abs_of, keys[i]);
    }

    /* 4. What the pool already holds: rows and reported failures. */
    pool = em_pool_open (pool_path, error);
    if (pool == NULL)
      return FALSE;
    {
      guint64 n_rows = em_pool_get_n_rows (pool);
      const guint64 chunk = 65536;
      g_autofree char **buf = g_new (char *, chunk);

      for (guint64 first = 0; first < n_rows; first += chunk)
        {
          guint64 k = MIN (chunk, n_rows - first);

          if (!em_pool_read_paths (pool, first, k, buf, error))
            return FALSE;
          for (guint64 j = 0; j < k; j++)
            g_ptr_array_add (done_paths, buf[j]);
        }
    }
    {
      g_autoptr(GPtrArray) failed_paths = g_ptr_array_new_with_free_func (g_free);

      if (options->retry_failed
          && !drop_retried (report, failed_paths, keys, files->len, error))
        return FALSE;
      report_fd = open_report (report, failed_paths, error);
      if (report_fd < 0)
        return FALSE;
      for (guint i = 0; i < failed_paths->len; i++)
        g_ptr_array_add (done_paths, g_strdup (failed_paths->pdata[i]));
    }
    g_ptr_array_sort (done_paths, compare_strings);

    for (guint i = 0; i < files->len; i++)
      {
        if (i > 0 && strcmp (keys[i], keys[i - 1]) == 0)
          continue;
        if (done_paths->len > 0
            && bsearch (&keys[i], done_paths->pdata, done_paths->len, sizeof (char *), compare_strings) != NULL)
          {
            skipped++;
            continue;
          }
        g_ptr_array_add (todo_rel, keys[i]);
        g_ptr_array_add (todo_abs, sorted_abs[i]);
      }
  }
  g_ptr_array_set_size (done_paths, 0);

  /* 5. Readers in parallel, the writer here, in file order. */
  n_threads = options->n_threads > 0 ? options->n_threads : g_get_num_processors ();
  if (!em_spectrum_read_is_thread_safe ())
    n_threads = 1;
  n_threads = MAX (1, MIN (n_threads, 64));
  p = g_new0 (Pipeline, 1);
  p->abs_paths = (char **) todo_abs->pdata;
  p->rel_paths = (char **) todo_rel->pdata;
  p->n = todo_abs->len;
  p->params = params;
  p->n_fluxes = params->grid.n;
  g_mutex_init (&p->lock);
  g_cond_init (&p->slot_ready);
  g_cond_init (&p->slot_free);
  for (guint i = 0; i < WINDOW; i++)
    p->slots[i].flux = g_new (float, p->n_fluxes);
  threads = g_new0 (GThread *, n_threads);
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("em-ingest", reader_thread, p);

  last_commit = last_progress = g_get_monotonic_time ();
  for (gsize i = 0; i < p->n && ok; i++)
    {
      Slot *s = &p->slots[i % WINDOW];
      gint64 now;

      g_mutex_lock (&p->lock);
      while (!s->ready)
        g_cond_wait (&p->slot_ready, &p->lock);
      g_mutex_unlock (&p->lock);

      if (s->reason == NULL)
        {
          ok = em_pool_writer_append (writer, &s->row, s->flux, error);
          ingested++;
        }
      else
        {
          ok = write_failure (report_fd, report, p->rel_paths[i], s->reason, s->message, error);
          failed++;
        }

      g_mutex_lock (&p->lock);
      slot_clear (s);
      p->written = i + 1;
      g_cond_broadcast (&p->slot_free);
      g_mutex_unlock (&p->lock);

      now = g_get_monotonic_time ();
      if (ok && (options->commit_every > 0
                 ? em_pool_writer_n_pending (writer) >= options->commit_every
                 : now - last_commit >= COMMIT_INTERVAL))
        {
          ok = em_pool_writer_commit (writer, error);
          last_commit = now;
        }
      if (progress != NULL && now - last_progress >= PROGRESS_INTERVAL)
        {
          report_progress (progress, user_data, i + 1, p->n, start);
          last_progress = now;
        }
      if (ok && g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, EM_POOL_ERROR, EM_POOL_ERROR_CANCELLED,
                       _("Ingest into “%s” cancelled after %zu of %zu files"),
                       pool_path, (size_t) (i + 1), (size_t) p->n);
          ok = FALSE;
          /* What was read so far is kept. */
          em_pool_writer_commit (writer, NULL);
        }
    }

  g_mutex_lock (&p->lock);
  p->stop = TRUE;
  g_cond_broadcast (&p->slot_free);
  g_mutex_unlock (&p->lock);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  for (guint i = 0; i < WINDOW; i++)
    {
      slot_clear (&p->slots[i]);
      g_free (p->slots[i].flux);
    }
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->slot_ready);
  g_cond_clear (&p->slot_free);
  g_free (p);
  g_free (threads);
  close (report_fd);

  rows_now = em_pool_writer_get_n_rows (writer) + em_pool_writer_n_pending (writer);
  if (ok)
    ok = em_pool_writer_close (g_steal_pointer (&writer), error);
  else
    rows_now = em_pool_writer_get_n_rows (writer);
  g_clear_pointer (&writer, em_pool_writer_free);

  /* 6. The id index for the rows as they are now. */
  g_clear_pointer (&pool, em_pool_unref);
  if (ok)
    {
      pool = em_pool_open (pool_path, error);
      ok = pool != NULL && em_pool_build_index (pool, error);
    }
  if (ok && progress != NULL && todo_abs->len > 0)
    report_progress (progress, user_data, todo_abs->len, todo_abs->len, start);

  if (summary != NULL)
    {
      summary->ingested = ingested;
      summary->skipped = skipped;
      summary->failed = failed;
      summary->rows = rows_now;
      summary->report_path = g_strdup (report);
      summary->seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
    }
  return ok;
}
