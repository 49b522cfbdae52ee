/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Healing a partition (DESIGN §4): three lanes of one store (each made
 * by `tendero-ctl init`, so three replica ids) share a catalogue and
 * fiscal blocks, then each makes N five-line sales of its own while cut
 * off from the others (written with the model before the lanes start).
 * The clock runs from starting the three lanes, in a ring (L1 dials L2,
 * L2 dials L3, L3 dials L1), until all hold the same events; then the
 * state digests must agree.  Target: under 2 s for 3 × 10,000.
 *
 * Usage: bench-sync-partition [N [DIR]]   (N sales per lane, default 10000) */

#include <stdio.h>

#include "tn-bench-lane.h"
#include "tn-bench-util.h"
#include "tn-fiscal.h"
#include "tn-operations.h"

#define N_LANES    3
#define N_PRODUCTS 300

/* The authority (@stores[0]) grants @store enough blocks for @n sales;
 * the grants reach @store as peers would bring them. */
static void
grant_blocks (TnStore *authority,
              TnStore *store,
              guint    n)
{
  const char *device = tn_store_get_replica_id (store);
  g_autoptr(GError) error = NULL;
  TnFiscalReserve reserve;

  for (;;)
    {
      g_autoptr(TnEvent) grant = NULL;

      tn_fiscal_get_reserve (authority, device, &reserve, &error);
      tn_bench_check (error, "Reading a fiscal reserve");
      if (reserve.unused >= (gint64) n + TN_FISCAL_BLOCK_SIZE)
        break;
      grant = tn_fiscal_grant_block_now (authority, device, tn_store_get_terminal (store),
                                         &error);
      tn_bench_check (error, "Granting a block");
    }
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 10000);
  g_autofree char *root = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  g_autofree char *key = tn_bench_write_key (root);
  g_autofree char *vv = NULL;
  guint base = tn_bench_port_base ();
  TnBenchLane lane_storage[N_LANES] = { { 0 } };
  TnBenchLane *lanes[N_LANES];
  TnStore *stores[N_LANES];
  gint64 start, before_heal = 0, shared = 0;
  double seconds, cpu[N_LANES];
  GRand *rand = g_rand_new_with_seed (20240601);

  printf ("Partition heal: 3 lanes, %u five-line sales each made while cut off\n", n);
  for (guint i = 0; i < N_LANES; i++)
    {
      g_autofree char *terminal = g_strdup_printf ("L%u", i + 1);
      g_autofree char *url = tn_bench_peer_url (base + (i + 1) % N_LANES);
      const char *peers[] = { url, NULL };

      lanes[i] = &lane_storage[i];
      tn_bench_lane_init (lanes[i], root, terminal, base + i, peers, key, i == 0);
    }

  /* Before the partition: one catalogue and fiscal blocks everywhere. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_LANES; i++)
    stores[i] = tn_bench_lane_open_store (lanes[i]);
  tn_bench_add_products (stores[0], N_PRODUCTS);
  for (guint i = 1; i < N_LANES; i++)
    grant_blocks (stores[0], stores[i], n);
  for (guint i = 1; i < N_LANES; i++)
    tn_bench_copy_events (stores[0], stores[i]);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TnVersionVector) common = tn_store_get_version_vector (stores[0], &error);

    tn_bench_check (error, "Reading a version vector");
    shared = tn_version_vector_total (common);
  }

  /* The partition: each lane sells on its own. */
  for (guint i = 0; i < N_LANES; i++)
    {
      tn_bench_sell_many (stores[i], n, N_PRODUCTS, rand, NULL);
      g_clear_object (&stores[i]);
      {
        g_autofree char *own = tn_bench_lane_read_vv (lanes[i]);

        before_heal += tn_bench_vv_text_total (own) - shared;
      }
    }
  printf ("Generated %" G_GINT64_FORMAT " shared events (catalogue, fiscal blocks) and %"
          G_GINT64_FORMAT " made apart in %.1f s (model, synchronous=OFF)\n", shared,
          before_heal, tn_bench_seconds (start));

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_LANES; i++)
    tn_bench_lane_start (lanes[i]);
  seconds = tn_bench_wait_converged (lanes, N_LANES, shared + before_heal, start, 20000, 600,
                                     &vv);
  for (guint i = 0; i < N_LANES; i++)
    cpu[i] = tn_bench_lane_cpu_seconds (lanes[i]);
  if (seconds < 0)
    {
      printf ("Did not converge within 10 minutes\n");
      return 1;
    }
  printf ("Healed: every lane holds %" G_GINT64_FORMAT " events %.2f s after the lanes started "
          "(target < 2 s)\n", tn_bench_vv_text_total (vv), seconds);
  printf ("  each lane took in %" G_GINT64_FORMAT " events: %.0f events/s per lane\n",
          before_heal * 2 / N_LANES, (before_heal * 2.0 / N_LANES) / seconds);
  printf ("  CPU used until then: L1 %.2f s, L2 %.2f s, L3 %.2f s (2 cores)\n", cpu[0], cpu[1],
          cpu[2]);
  /* The peer counters reach status --json through peers.json, which a
   * lane rewrites every second. */
  g_usleep (1200 * 1000);
  printf ("State digests (status --json on each lane):\n");
  printf ("  digests %s\n", tn_bench_check_digests (lanes, N_LANES)
                            ? "equal everywhere" : "DIFFER (or events held back)");

  for (guint i = 0; i < N_LANES; i++)
    {
      int status = tn_bench_lane_stop (lanes[i]);

      if (status != 0)
        printf ("  %s exited with status %d\n", lanes[i]->terminal, status);
      tn_bench_lane_clear (lanes[i]);
    }
  g_rand_free (rand);
  if (g_getenv ("TN_BENCH_KEEP") == NULL)
    tn_bench_rmtree (root);
  return 0;
}
