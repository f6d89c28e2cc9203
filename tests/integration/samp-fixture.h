/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "vo/em-samp-client.h"

G_BEGIN_DECLS

/* A real SAMP hub in a private directory: its lockfile is DIR/.samp and
 * $SAMP_HUB points there, so nothing touches the user's ~/.samp. */
typedef struct
{
  char        *kind; /* "jsamp" or "astropy" */
  char        *dir;
  char        *lockfile;
  GSubprocess *process;
} SampHub;

SampHub *samp_hub_start (const char *kind);
void     samp_hub_restart (SampHub *hub);
/* SIGKILL: the hub leaves its stale lockfile behind. */
void samp_hub_kill (SampHub *hub);
void samp_hub_free (SampHub *hub);

/* Iterates the default main context until @done says so or @seconds
 * pass; returns whether it was done. */
gboolean samp_wait (gboolean (*done) (gpointer data), gpointer data, double seconds);

/* Connects @client, failing the test on error. */
void samp_connect (EmSampClient *client);

/* Resident set size of this process in kB. */
long samp_rss_kb (void);

/* A Python interpreter with astropy ($EM_PYTHON). */
const char *samp_python (void);

G_END_DECLS
