/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What it costs to reconnect two lanes that are already in sync
 * (DESIGN §4: hello with vv + nonce, welcome, then only what the other
 * lacks — nothing — and a digest after catch-up).  L2 dials L1 through a
 * counting relay; once both hold the same log and the link has gone
 * quiet, L2 stops and starts again, and every byte from its new
 * connection until 2.5 s of silence after the welcome is counted (a
 * lane sends its digest after 1 s of quiet, unless this peer already
 * has that very digest from it), then
 * decoded message by message.  Runs with 1,000 events in the log and
 * with N.  Target: under 512 B, the same for both sizes.
 *
 * Usage: bench-sync-reconnect [N [DIR]]   (N events, default 1000000;
 * `bench-sync-reconnect 100000` for a quick run) */

#include <stdio.h>
#include <stdlib.h>

#include "tn-bench-lane.h"
#include "tn-bench-relay.h"
#include "tn-bench-util.h"
#include "tn-operations.h"

#define N_PRODUCTS  300
#define TRANSACTION 10000
#define SILENCE_US  (1 * G_USEC_PER_SEC)

/* @n stock adjustments on @store, TRANSACTION to a commit. */
static void
append_adjustments (TnStore *store,
                    guint    n)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint done = 0; done < n;)
    {
      tn_store_begin (store, &error);
      tn_bench_check (error, "Starting a transaction");
      for (guint i = 0; i < TRANSACTION && done < n; i++, done++)
        {
          g_autoptr(TnEvent) event = NULL;
          JsonObject *payload = json_object_new ();
          JsonNode *node = json_node_new (JSON_NODE_OBJECT);
          char sku[16];

          g_snprintf (sku, sizeof sku, "P%05u", done % N_PRODUCTS);
          json_object_set_string_member (payload, "sku", sku);
          json_object_set_int_member (payload, "delta", -1000 * (gint64) (1 + done % 3));
          json_object_set_string_member (payload, "reason", "shrinkage");
          json_node_take_object (node, payload);
          event = tn_store_append (store, TN_EVENT_STOCK_ADJUSTED, node, &error);
          tn_bench_check (error, "Appending an adjustment");
        }
      tn_store_commit (store, &error);
      tn_bench_check (error, "Committing");
      if (n >= 100000 && done % (n / 10) == 0)
        {
          printf ("  %u events (%.0f/s)\n", done, done / tn_bench_seconds (start));
          fflush (stdout);
        }
    }
}

/* Waits until the relay has been quiet for @silence_us (and, if
 * @min_count, that many @type messages crossed connection @index). */
static double
wait_quiet (TnBenchRelay *relay,
            guint         index,
            const char   *type,
            guint         min_count,
            gint64        silence_us,
            gint64        since,
            double        timeout_s)
{
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 last = tn_bench_relay_get_last_activity (relay);

      if ((now - since) / 1e6 > timeout_s)
        return -1;
      if (last > since && now - last >= silence_us &&
          (min_count == 0 || tn_bench_relay_count_messages (relay, index, type) >= min_count))
        return (last - since) / 1e6;
      g_usleep (20000);
    }
}

static void
run_case (const char *parent,
          guint       n)
{
  g_autofree char *root = tn_bench_make_dir (parent);
  g_autofree char *key = tn_bench_write_key (root);
  g_autoptr(GError) error = NULL;
  guint base = tn_bench_port_base ();
  TnBenchLane l1 = { 0 }, l2 = { 0 };
  TnBenchLane *lanes[] = { &l1, &l2 };
  TnBenchRelay *relay;
  gint64 start, down, up;
  guint index;
  double seconds, cpu_before[2], cpu_after[2];
  char *state = NULL;

  printf ("\n== Reconnect with %u events in the log\n", n);
  relay = tn_bench_relay_new ((guint16) (base + 2), (guint16) base, &error);
  tn_bench_check (error, "Starting the relay");
  {
    g_autofree char *url = tn_bench_peer_url (base + 2);
    const char *peers[] = { url, NULL };

    tn_bench_lane_init (&l1, root, "L1", base, NULL, key, TRUE);
    tn_bench_lane_init (&l2, root, "L2", base + 1, peers, key, FALSE);
  }

  start = g_get_monotonic_time ();
  {
    g_autoptr(TnStore) store = tn_bench_lane_open_store (&l1);

    tn_bench_add_products (store, N_PRODUCTS);
    append_adjustments (store, n);
  }
  printf ("Generated %u stock adjustments on L1 in %.1f s (model, %u per transaction)\n", n,
          tn_bench_seconds (start), TRANSACTION);

  /* First L2 catches up (not measured here: see bench-sync-replication). */
  start = g_get_monotonic_time ();
  tn_bench_lane_start (&l1);
  tn_bench_lane_start (&l2);
  seconds = tn_bench_wait_converged (lanes, 2, n, start, 20000, 3600, NULL);
  if (seconds < 0)
    {
      printf ("L2 did not catch up within an hour\n");
      exit (1);
    }
  printf ("L2 caught up in %.1f s (%.0f events/s, %.1f MiB from L1)\n", seconds, n / seconds,
          tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_CLIENT) / 1048576.0);
  /* Let the digests and fiscal grants settle. */
  if (wait_quiet (relay, 0, NULL, 0, SILENCE_US, start, 600) < 0)
    printf ("(the link never went quiet for 1 s)\n");

  if (tn_bench_lane_stop (&l2) != 0)
    printf ("L2 did not stop cleanly\n");
  g_usleep (500 * 1000);
  while (g_get_monotonic_time () - tn_bench_relay_get_last_activity (relay) < SILENCE_US)
    g_usleep (20000);

  /* The measured reconnect. */
  tn_bench_relay_set_capture (relay, TRUE);
  index = tn_bench_relay_get_n_connections (relay);
  down = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_CLIENT);
  up = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_SERVER);
  cpu_before[0] = tn_bench_lane_cpu_seconds (&l1);
  start = g_get_monotonic_time ();
  tn_bench_lane_start (&l2);
  /* Connected (peers.json is rewritten every second)… */
  for (;;)
    {
      g_clear_pointer (&state, g_free);
      state = tn_bench_lane_peer_state (&l2, NULL);
      if (g_strcmp0 (state, "connected") == 0 || tn_bench_seconds (start) > 120)
        break;
      g_usleep (20000);
    }
  printf ("L2 restarted: its peer is %s after %.2f s\n", state ? state : "(no state)",
          tn_bench_seconds (start));
  g_free (state);
  /* … and quiet for 2.5 s after the welcome: longer than the 1 s of
   * quiet after which a lane sends its digest (if it has a new one). */
  seconds = wait_quiet (relay, index, "welcome", 1, 5 * SILENCE_US / 2, start, 300);
  cpu_after[0] = tn_bench_lane_cpu_seconds (&l1);
  cpu_after[1] = tn_bench_lane_cpu_seconds (&l2);
  cpu_before[1] = 0;
  down = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_CLIENT) - down;
  up = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_SERVER) - up;
  printf ("Reconnect of two lanes in sync, %u events: %" G_GINT64_FORMAT " B on the wire "
          "(%" G_GINT64_FORMAT " B L2 → L1, %" G_GINT64_FORMAT " B L1 → L2; target < 512 B), "
          "last byte %.2f s after L2 started, %u connection(s)\n",
          n, up + down, up, down, seconds, tn_bench_relay_get_n_connections (relay) - index);
  {
    gsize http = 0;

    for (guint i = index; i < tn_bench_relay_get_n_connections (relay); i++)
      http += tn_bench_relay_get_http_bytes (relay, i);
    printf ("  after the HTTP upgrade (%" G_GSIZE_FORMAT " B): %" G_GINT64_FORMAT
            " B (target < 512 B)\n", http, up + down - (gint64) http);
  }
  printf ("  CPU: L1 %.2f s during the reconnect; L2 %.2f s from its start (open, handshake, "
          "digest)\n", cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]);
  for (guint i = index; i < tn_bench_relay_get_n_connections (relay); i++)
    tn_bench_relay_print_messages (relay, i, NULL, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    {
      tn_bench_lane_stop (lanes[i]);
      tn_bench_lane_clear (lanes[i]);
    }
  tn_bench_relay_free (relay);
  if (g_getenv ("TN_BENCH_KEEP") == NULL)
    tn_bench_rmtree (root);
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 1000000);

  setvbuf (stdout, NULL, _IOLBF, 0);
  printf ("Reconnecting lanes already in sync: bytes on the wire\n");
  run_case (argc > 2 ? argv[2] : NULL, 1000);
  if (n != 1000)
    run_case (argc > 2 ? argv[2] : NULL, n);
  return 0;
}
