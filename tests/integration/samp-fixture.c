/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-config.h"

#include "samp-fixture.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

const char *
samp_python (void)
{
  const char *py = g_getenv ("EM_PYTHON");
  return py && *py ? py : "python3";
}

static void
spawn_hub (SampHub *hub)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autofree char *opt = g_strdup_printf ("-Duser.home=%s", hub->dir);

  g_unlink (hub->lockfile);
  if (strcmp (hub->kind, "jsamp") == 0)
    hub->process = g_subprocess_launcher_spawn (
        launcher, &error, "java", opt, "-classpath", "/usr/share/java/jsamp.jar",
        "org.astrogrid.samp.JSamp", "hub", "-mode", "no-gui", "-profiles", "std", NULL);
  else
    {
      g_autofree char *script
          = g_test_build_filename (G_TEST_DIST, "integration", "samp-astropy-hub.py", NULL);
      hub->process = g_subprocess_launcher_spawn (launcher, &error, samp_python (), script,
                                                  hub->lockfile, NULL);
    }
  g_assert_no_error (error);

  /* Ready when the lockfile is complete (it holds the profile version). */
  for (int i = 0; i < 600; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (hub->lockfile, &text, NULL, NULL)
          && strstr (text, "samp.profile.version=") && strstr (text, "samp.hub.xmlrpc.url="))
        return;
      g_usleep (50000);
    }
  g_error ("the %s hub wrote no lockfile %s within 30 s", hub->kind, hub->lockfile);
}

SampHub *
samp_hub_start (const char *kind)
{
  SampHub         *hub = g_new0 (SampHub, 1);
  g_autofree char *url = NULL;
  g_autofree char *env = NULL;

  hub->kind = g_strdup (kind);
  hub->dir = g_dir_make_tmp ("emissary-samp-XXXXXX", NULL);
  g_assert_nonnull (hub->dir);
  hub->lockfile = g_build_filename (hub->dir, ".samp", NULL);
  url = g_filename_to_uri (hub->lockfile, NULL, NULL);
  env = g_strconcat ("std-lockurl:", url, NULL);
  g_setenv ("SAMP_HUB", env, TRUE);
  spawn_hub (hub);
  return hub;
}

void
samp_hub_kill (SampHub *hub)
{
  if (hub->process == NULL)
    return;
  g_subprocess_send_signal (hub->process, SIGKILL);
  g_subprocess_wait (hub->process, NULL, NULL);
  g_clear_object (&hub->process);
}

void
samp_hub_restart (SampHub *hub)
{
  samp_hub_kill (hub);
  spawn_hub (hub);
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
set_flag (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *)user_data = TRUE;
}

static gboolean
get_flag (gpointer data)
{
  return *(gboolean *)data;
}

void
samp_hub_free (SampHub *hub)
{
  if (hub == NULL)
    return;
  if (hub->process)
    {
      /* A clean stop, so that the hub says goodbye and removes its
       * lockfile. */
      gboolean exited = FALSE;

      g_subprocess_send_signal (hub->process, SIGTERM);
      /* The hub tells its clients it is going: keep serving them
       * meanwhile, or it waits for us and we for it. */
      g_subprocess_wait_async (hub->process, NULL, set_flag, &exited);
      if (!samp_wait (get_flag, &exited, 10))
        samp_hub_kill (hub);
      samp_wait (get_flag, &exited, 5);
      g_clear_object (&hub->process);
    }
  remove_tree (hub->dir);
  g_free (hub->kind);
  g_free (hub->dir);
  g_free (hub->lockfile);
  g_free (hub);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
samp_wait (gboolean (*done) (gpointer data), gpointer data, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64)(seconds * G_USEC_PER_SEC);

  /* A 50 ms tick wakes the blocking iteration to check the deadline. */
  guint    tick = g_timeout_add (50, tick_cb, NULL);
  gboolean ok = TRUE;

  while (!done (data))
    {
      if (g_get_monotonic_time () > end)
        {
          ok = FALSE;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
  return ok;
}

typedef struct
{
  GAsyncResult *result;
} Waiter;

static void
store (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ((Waiter *)user_data)->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return ((Waiter *)data)->result != NULL;
}

void
samp_connect (EmSampClient *client)
{
  Waiter w = { NULL };
  g_autoptr (GError) error = NULL;

  em_samp_client_connect_async (client, NULL, store, &w);
  g_assert_true (samp_wait (has_result, &w, 30));
  em_samp_client_connect_finish (client, w.result, &error);
  g_assert_no_error (error);
  g_object_unref (w.result);
  g_assert_true (em_samp_client_get_connected (client));
}

long
samp_rss_kb (void)
{
  g_autofree char *status = NULL;
  const char      *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || !(p = strstr (status, "VmRSS:")))
    return -1;
  return strtol (p + 6, NULL, 10);
}
