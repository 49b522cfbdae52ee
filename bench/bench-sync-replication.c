/* SPDX-License-Identifier: GPL-3.0-or-later */

/* How fast real lanes replicate a history (DESIGN §4): L1 holds N
 * five-line sales (written with the model before it starts); L2 and L3
 * are empty and dial L1, each through a counting relay.  The clock runs
 * from starting the three lanes until all hold the same version vector;
 * then the state digests must agree.  Prints events/s (target ≥ 30,000
 * on 2 cores) and the bytes each catch-up took on the wire.
 *
 * Usage: bench-sync-replication [N [DIR]]   (N sales, default 100000) */

#include <stdio.h>

#include "tn-bench-lane.h"
#include "tn-bench-relay.h"
#include "tn-bench-util.h"
#include "tn-operations.h"

#define N_PRODUCTS 300

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 100000);
  g_autofree char *root = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  g_autofree char *key = tn_bench_write_key (root);
  g_autofree char *vv = NULL;
  g_autofree char *source_vv = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr(GError) error = NULL;
  guint base = tn_bench_port_base ();
  TnBenchLane l1 = { 0 }, l2 = { 0 }, l3 = { 0 };
  TnBenchLane *lanes[] = { &l1, &l2, &l3 };
  TnBenchRelay *relays[2];
  gint64 total, start, source_events;
  double seconds, first_byte = -1, cpu[3];
  GRand *rand = g_rand_new_with_seed (20240601);

  printf ("Lane replication: L1 holds %u five-line sales; L2 and L3 start empty and dial L1\n",
          n);
  for (guint i = 0; i < 2; i++)
    {
      relays[i] = tn_bench_relay_new ((guint16) (base + 3 + i), (guint16) base, &error);
      tn_bench_check (error, "Starting a relay");
    }
  {
    /* TN_BENCH_DIRECT=1: no relay, to see what it costs. */
    gboolean direct = g_getenv ("TN_BENCH_DIRECT") != NULL;
    g_autofree char *url2 = tn_bench_peer_url (direct ? base : base + 3);
    g_autofree char *url3 = tn_bench_peer_url (direct ? base : base + 4);
    const char *peers2[] = { url2, NULL };
    const char *peers3[] = { url3, NULL };

    tn_bench_lane_init (&l1, root, "L1", base, NULL, key, TRUE);
    tn_bench_lane_init (&l2, root, "L2", base + 1, peers2, key, FALSE);
    tn_bench_lane_init (&l3, root, "L3", base + 2, peers3, key, FALSE);
  }

  start = g_get_monotonic_time ();
  {
    g_autoptr(TnStore) store = tn_bench_lane_open_store (&l1);

    tn_bench_add_products (store, N_PRODUCTS);
    tn_bench_sell_many (store, n, N_PRODUCTS, rand, "L1");
  }
  source_vv = tn_bench_lane_read_vv (&l1);
  db_path = tn_bench_lane_db_path (&l1);
  source_events = tn_bench_vv_text_total (source_vv);
  printf ("Generated %" G_GINT64_FORMAT " events on L1 in %.1f s (model, synchronous=OFF); "
          "database %.1f MiB\n", source_events, tn_bench_seconds (start),
          tn_bench_file_size (db_path) / 1048576.0);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    tn_bench_lane_start (lanes[i]);
  /* Poll the databases every 20 ms until the three hold the same
   * events (one poll per call: its timeout counts from @start). */
  for (;;)
    {
      seconds = tn_bench_wait_converged (lanes, 3, source_events, start, 0, 0, &vv);
      if (first_byte < 0 && (tn_bench_relay_get_last_activity (relays[0]) > 0 ||
                             tn_bench_relay_get_last_activity (relays[1]) > 0))
        first_byte = tn_bench_seconds (start);
      if (seconds >= 0)
        break;
      if (tn_bench_seconds (start) > 1800)
        {
          printf ("Did not converge within 30 minutes (L1 %s)\n", vv);
          return 1;
        }
      g_clear_pointer (&vv, g_free);
      g_usleep (20000);
    }
  total = tn_bench_vv_text_total (vv);
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    cpu[i] = tn_bench_lane_cpu_seconds (lanes[i]);

  printf ("Converged: every lane holds %" G_GINT64_FORMAT " events after %.2f s "
          "(first byte on a link after %.2f s)\n", total, seconds, first_byte);
  printf ("  replication        %8.0f events/s into two lanes at once (target 30000)\n",
          source_events / seconds);
  printf ("  from the first byte %7.0f events/s\n", source_events / (seconds - first_byte));
  printf ("  CPU used until then: L1 %.2f s, L2 %.2f s, L3 %.2f s (of %.2f s wall, 2 cores: "
          "a lane far below the wall time waits rather than works)\n", cpu[0], cpu[1], cpu[2],
          seconds);
  for (guint i = 0; i < 2; i++)
    {
      gint64 down = tn_bench_relay_get_bytes (relays[i], TN_BENCH_RELAY_TO_CLIENT);
      gint64 up = tn_bench_relay_get_bytes (relays[i], TN_BENCH_RELAY_TO_SERVER);

      printf ("  catch-up of L%u: %.2f MiB from L1 (%.0f B/event), %.1f KiB back (acks), "
              "%u connection(s)\n", i + 2, down / 1048576.0, (double) down / source_events,
              up / 1024.0, tn_bench_relay_get_n_connections (relays[i]));
    }

  printf ("State digests (status --json on each lane):\n");
  printf ("  digests %s\n", tn_bench_check_digests (lanes, 3) ? "equal everywhere"
                                                                : "DIFFER (or events held back)");
  /* What the links carry after catch-up (digest exchange after 1 s idle). */
  g_usleep (2500 * 1000);
  for (guint i = 0; i < 2; i++)
    printf ("  L%u link total after 2.5 s more: %" G_GINT64_FORMAT " B down, %" G_GINT64_FORMAT
            " B up\n", i + 2, tn_bench_relay_get_bytes (relays[i], TN_BENCH_RELAY_TO_CLIENT),
            tn_bench_relay_get_bytes (relays[i], TN_BENCH_RELAY_TO_SERVER));

  /* DESIGN: a lane stops within 1 s (SIGTERM to exit, after a history of
   * N events and with its peers still up for the first two). */
  printf ("Stopping (SIGTERM to exit):\n");
  for (guint i = 0; i < G_N_ELEMENTS (lanes); i++)
    {
      gint64 stop_start = g_get_monotonic_time ();
      int status = tn_bench_lane_stop (lanes[i]);

      printf ("  %s stopped in %.0f ms\n", lanes[i]->terminal,
              (g_get_monotonic_time () - stop_start) / 1000.0);
      if (status != 0)
        printf ("  %s exited with status %d\n", lanes[i]->terminal, status);
      tn_bench_lane_clear (lanes[i]);
    }
  for (guint i = 0; i < 2; i++)
    tn_bench_relay_free (relays[i]);
  g_rand_free (rand);
  if (g_getenv ("TN_BENCH_KEEP") == NULL)
    tn_bench_rmtree (root);
  return 0;
}
