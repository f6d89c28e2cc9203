/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "em-cli-progress.h"

#include <stdio.h>
#include <unistd.h>

#define PLAIN_INTERVAL (5 * G_USEC_PER_SEC)
#define BAR_WIDTH      30

void
em_cli_progress_init (EmCliProgress *progress)
{
  progress->tty = isatty (STDERR_FILENO) && g_getenv ("EMISSARY_NO_PROGRESS_BAR") == NULL;
  progress->last = 0;
  progress->drawn = FALSE;
}

void
em_cli_progress_update (double      fraction,
                        const char *message,
                        gpointer    user_data)
{
  EmCliProgress *p = user_data;
  gint64 now = g_get_monotonic_time ();

  if (p->tty)
    {
      char bar[BAR_WIDTH + 1];
      int filled = fraction < 0 ? 0 : (int) (CLAMP (fraction, 0, 1) * BAR_WIDTH + 0.5);

      for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
      bar[BAR_WIDTH] = '\0';
      /* \033[K clears what a longer previous line left behind. */
      fprintf (stderr, "\r[%s] %3.0f%% %s\033[K", bar, CLAMP (fraction, 0, 1) * 100, message);
      fflush (stderr);
      p->drawn = TRUE;
      return;
    }
  if (p->last != 0 && now - p->last < PLAIN_INTERVAL && fraction < 1)
    return;
  p->last = now;
  fprintf (stderr, "progress: %.1f%% %s\n", CLAMP (fraction, 0, 1) * 100, message);
  fflush (stderr);
}

void
em_cli_progress_finish (EmCliProgress *progress)
{
  if (progress->tty && progress->drawn)
    fputc ('\n', stderr);
  progress->drawn = FALSE;
}
