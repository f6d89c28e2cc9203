/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 10,000 calls through JSAMP's hub, each a full round trip (call →
 * receiveCall → reply → receiveResponse), IN_FLIGHT at a time, with
 * flat memory.
 * Prints "samp-soak calls=N seconds=S rss_start_kb=A rss_end_kb=B". */
#include "em-config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "samp-fixture.h"
#include "vo/em-samp-messages.h"

/* Under AddressSanitizer freed memory sits in quarantine, so the
 * resident size says nothing and each call is slower: fewer calls, and
 * LeakSanitizer at exit checks for leaks instead. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifdef UNDER_ASAN
#define N_CALLS 2000
#else
#define N_CALLS 10000
#endif
#define N_WARM_UP 1000
#define IN_FLIGHT 4

typedef struct
{
  EmSampClient *caller;
  const char   *callee_id;
  guint         n_calls;
  guint         started;
  guint         done;
  guint         failed;
  long          rss_start;
  long          rss_mid;
  size_t        heap_start;
} Soak;

static void call_next (Soak *s);

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Soak *s = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) v = em_samp_client_call_finish (EM_SAMP_CLIENT (source), result, &error);

  if (v == NULL)
    {
      g_printerr ("call %u failed: %s\n", s->done, error->message);
      s->failed++;
    }
  s->done++;
  if (s->done == N_WARM_UP)
    {
      s->rss_start = samp_rss_kb ();
      s->heap_start = mallinfo2 ().uordblks;
    }
  if (s->done == s->n_calls / 2)
    s->rss_mid = samp_rss_kb ();
  if (s->started < s->n_calls)
    call_next (s);
}

static void
call_next (Soak *s)
{
  s->started++;
  em_samp_client_call_async (s->caller, s->callee_id, em_samp_message_new ("samp.app.ping", NULL),
                             30, NULL, call_done, s);
}

static gboolean
all_done (gpointer data)
{
  Soak *s = data;
  return s->done == s->n_calls;
}

static gboolean
sees_callee (gpointer data)
{
  return em_samp_client_find_peer (data, "callee") != NULL;
}

static void
test_soak (void)
{
  SampHub *hub = samp_hub_start ("jsamp");
  g_autoptr (EmSampClient) caller = em_samp_client_new ("Caller");
  g_autoptr (EmSampClient) callee = em_samp_client_new ("Callee");
  Soak        s = { 0 };
  gint64      t0, t1;
  long        rss_end;
  const char *n_env = g_getenv ("EM_SOAK_CALLS");
  guint       n_calls = n_env ? (guint)atoi (n_env) : N_CALLS;

  samp_connect (callee);
  samp_connect (caller);
  g_assert_true (samp_wait (sees_callee, caller, 10));
  s.caller = caller;
  s.callee_id = em_samp_peer_get_id (em_samp_client_find_peer (caller, "callee"));

  s.n_calls = n_calls;
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < IN_FLIGHT && i < n_calls; i++)
    call_next (&s);
  g_assert_true (samp_wait (all_done, &s, 110));
  t1 = g_get_monotonic_time ();
  rss_end = samp_rss_kb ();
  printf ("samp-soak calls=%u in_flight=%d seconds=%.2f per_call_ms=%.3f rss_warm_kb=%ld "
          "rss_mid_kb=%ld "
          "rss_end_kb=%ld\n",
          n_calls, IN_FLIGHT, (t1 - t0) / 1e6, (t1 - t0) / 1e3 / n_calls, s.rss_start, s.rss_mid,
          rss_end);
  printf ("samp-soak heap_in_use_growth_kb=%ld\n",
          (long)(mallinfo2 ().uordblks - s.heap_start) / 1024);
  fflush (stdout);
  g_assert_cmpuint (s.failed, ==, 0);
  /* Flat: after the warm-up (thread pool, caches) the resident size
   * may not grow by more than 4 MB over the remaining calls. */
#ifndef UNDER_ASAN
  if (n_calls > N_WARM_UP)
    g_assert_cmpint (rss_end - s.rss_start, <, 4096);
#endif
  g_clear_object (&caller);
  g_clear_object (&callee);
  samp_hub_free (hub);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/samp/soak", test_soak);
  return g_test_run ();
}
