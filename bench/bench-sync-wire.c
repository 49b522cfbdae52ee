/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Live sales between two lanes (DESIGN §4, §7): L2 dials L1 through a
 * counting relay (permessage-deflate negotiated).  N times, a five-line
 * sale is made with `tendero-ctl sell` on L1; the running L1 notices the
 * commit (data_version polling) and pushes it; L2's database is polled
 * read-only every 2 ms until its vv includes the sale (sales start at
 * random 0–100 ms pauses, so they fall anywhere in L1's polling period).  Prints the push
 * latency from "sell returned" to "L2 holds it" (p50/p99) and the bytes
 * on the wire per sale, decoded by message type.
 *
 * Then L1 runs as the app runs it: its sync service in this process,
 * sales committed on this process's own connection, whose ::committed
 * signal wakes the sync thread (no polling); the same latency again.
 *
 * Usage: bench-sync-wire [N [DIR]]   (N sales, default 200) */

#include <stdio.h>
#include <stdlib.h>

#include "tn-bench-lane.h"
#include "tn-bench-relay.h"
#include "tn-bench-util.h"
#include "tn-operations.h"
#include "tn-sync-auth.h"
#include "tn-sync-service.h"

#define N_PRODUCTS 300
#define POLL_US    2000

static double
wait_quiet (TnBenchRelay *relay,
            gint64        since,
            double        timeout_s)
{
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 last = tn_bench_relay_get_last_activity (relay);

      if ((now - since) / 1e6 > timeout_s)
        return -1;
      if (last > 0 && now - last >= 1500 * 1000)
        return (last - since) / 1e6;
      g_usleep (20000);
    }
}

static void
five_line_sale (TnSaleRequest *request,
                GRand         *rand)
{
  for (guint l = 0; l < 5; l++)
    {
      char sku[16];

      g_snprintf (sku, sizeof sku, "P%05d", g_rand_int_range (rand, 0, N_PRODUCTS));
      tn_sale_request_add_line (request, sku, 1000);
    }
}

/* Waits until L2 holds L1's seq @seq; returns the microseconds since
 * @since, or -1 after 30 s.  Delivers the sync service's reports meanwhile. */
static gint64
wait_received (TnBenchLane *l2,
               const char  *l1_replica,
               gint64       seq,
               gint64       since)
{
  while (tn_bench_lane_read_seq (l2, l1_replica) < seq)
    {
      if (g_get_monotonic_time () - since > 30 * G_USEC_PER_SEC)
        return -1;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (POLL_US);
    }
  return g_get_monotonic_time () - since;
}

static void
store_committed_cb (TnStore       *store,
                    TnSyncService *service)
{
  tn_sync_service_notify_commit (service);
}

/* L1 as the app runs it; returns FALSE if a sale did not arrive. */
static gboolean
measure_in_app (TnBenchLane *l1,
                TnBenchLane *l2,
                const char  *key_path,
                const char  *l1_replica,
                guint        n,
                GRand       *rand)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = tn_sync_auth_load_key (key_path, &error);
  g_autoptr(TnSyncService) service = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *db_path = tn_bench_lane_db_path (l1);
  gint64 start;

  tn_bench_check (error, "Loading the store key");
  tn_bench_lane_stop (l1);
  service = tn_sync_service_new (l1->dir, key);
  tn_sync_service_start (service, &error);
  tn_bench_check (error, "Starting L1's sync service in this process");
  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, &error);
  tn_bench_check (error, "Opening L1's store");
  tn_store_checkpoint_in_background (store, &error);
  tn_bench_check (error, "Starting the checkpoint thread");
  g_signal_connect (store, "committed", G_CALLBACK (store_committed_cb), service);

  /* The first sale also waits for L2 to dial the new L1 again. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i <= n; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;
      g_autoptr(TnVersionVector) vv = NULL;
      gint64 t1, latency;

      five_line_sale (request, rand);
      g_usleep (g_rand_int_range (rand, 0, 100000));
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale in the app");
      t1 = g_get_monotonic_time ();
      vv = tn_store_get_version_vector (store, &error);
      tn_bench_check (error, "Reading L1's version vector");
      latency = wait_received (l2, l1_replica, tn_version_vector_get (vv, l1_replica), t1);
      if (latency < 0)
        {
          printf ("Sale %u in the app did not reach L2 within 30 s\n", i + 1);
          return FALSE;
        }
      if (i > 0)
        g_array_append_val (latencies, latency);
    }
  tn_bench_print_latency ("push latency in the app: sale committed → L2 holds it", latencies,
                          tn_bench_seconds (start));
  tn_sync_service_stop (service);
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 200);
  g_autofree char *root = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  g_autofree char *key = tn_bench_write_key (root);
  g_autofree char *l1_replica = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) sell_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint base = tn_bench_port_base ();
  TnBenchLane l1 = { 0 }, l2 = { 0 };
  TnBenchLane *lanes[] = { &l1, &l2 };
  TnBenchRelay *relay;
  GRand *rand = g_rand_new_with_seed (20240601);
  gint64 start, down, up, events_before, events_after;
  gsize from[2];
  double seconds;

  setvbuf (stdout, NULL, _IOLBF, 0);
  printf ("Live sync: %u five-line sales with tendero-ctl on L1, pushed to L2\n", n);
  relay = tn_bench_relay_new ((guint16) (base + 2), (guint16) base, &error);
  tn_bench_check (error, "Starting the relay");
  tn_bench_relay_set_capture (relay, TRUE);
  {
    g_autofree char *url = tn_bench_peer_url (base + 2);
    const char *peers[] = { url, NULL };

    tn_bench_lane_init (&l1, root, "L1", base, NULL, key, TRUE);
    tn_bench_lane_init (&l2, root, "L2", base + 1, peers, key, FALSE);
  }
  {
    g_autoptr(TnStore) store = tn_bench_lane_open_store (&l1);

    tn_bench_add_products (store, N_PRODUCTS);
    l1_replica = g_strdup (tn_store_get_replica_id (store));
  }

  start = g_get_monotonic_time ();
  tn_bench_lane_start (&l1);
  tn_bench_lane_start (&l2);
  if (tn_bench_wait_converged (lanes, 2, N_PRODUCTS, start, 20000, 60, NULL) < 0 ||
      wait_quiet (relay, start, 60) < 0)
    {
      printf ("The lanes did not settle within a minute\n");
      return 1;
    }
  printf ("Lanes connected and in sync after %.2f s\n", tn_bench_seconds (start));

  from[0] = tn_bench_relay_get_captured (relay, 0, TN_BENCH_RELAY_TO_SERVER);
  from[1] = tn_bench_relay_get_captured (relay, 0, TN_BENCH_RELAY_TO_CLIENT);
  down = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_CLIENT);
  up = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_SERVER);
  events_before = tn_bench_lane_read_seq (&l1, l1_replica);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      char skus[5][16];
      g_autofree char *out = NULL;
      gint64 t0, t1, latency;

      for (guint l = 0; l < 5; l++)
        g_snprintf (skus[l], sizeof skus[l], "P%05d", g_rand_int_range (rand, 0, N_PRODUCTS));
      /* A random pause, so sales do not lock into the phase of the lane's
       * 100 ms commit polling (each would then wait a whole period). */
      g_usleep (g_rand_int_range (rand, 0, 100000));
      t0 = g_get_monotonic_time ();
      out = tn_bench_ctl (&l1, "sell", "--sku", skus[0], "--sku", skus[1], "--sku", skus[2],
                          "--sku", skus[3], "--sku", skus[4], "--json", NULL);
      t1 = g_get_monotonic_time ();
      g_array_append_val (sell_times, (gint64) { t1 - t0 });
      latency = wait_received (&l2, l1_replica, tn_bench_lane_read_seq (&l1, l1_replica), t1);
      if (latency < 0)
        {
          printf ("Sale %u did not reach L2 within 30 s\n", i + 1);
          return 1;
        }
      g_array_append_val (latencies, latency);
    }
  seconds = tn_bench_seconds (start);
  events_after = tn_bench_lane_read_seq (&l1, l1_replica);
  wait_quiet (relay, start, 60);
  down = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_CLIENT) - down;
  up = tn_bench_relay_get_bytes (relay, TN_BENCH_RELAY_TO_SERVER) - up;

  printf ("%u sales in %.1f s (%" G_GINT64_FORMAT " events from L1, sales and its own fiscal "
          "grants)\n", n, seconds, events_after - events_before);
  tn_bench_print_latency ("tendero-ctl sell (process start to exit)", sell_times, seconds);
  tn_bench_print_latency ("push latency: sell returned → L2 holds it", latencies, seconds);
  printf ("Bytes on the wire while selling (and 1.5 s after): %" G_GINT64_FORMAT " B L1 → L2, %"
          G_GINT64_FORMAT " B L2 → L1\n", down, up);
  printf ("  per sale: %.0f B (%.0f B down with the event, %.0f B back)\n",
          (double) (down + up) / n, (double) down / n, (double) up / n);
  tn_bench_relay_print_messages (relay, 0, from, FALSE);
  if (!measure_in_app (&l1, &l2, key, l1_replica, n, rand))
    return 1;

  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    {
      tn_bench_lane_stop (lanes[i]);
      tn_bench_lane_clear (lanes[i]);
    }
  tn_bench_relay_free (relay);
  g_rand_free (rand);
  if (g_getenv ("TN_BENCH_KEEP") == NULL)
    tn_bench_rmtree (root);
  return 0;
}
