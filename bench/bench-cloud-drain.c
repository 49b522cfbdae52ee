/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>

#include "tn-bench-util.h"
#include "tn-config.h"
#include "tn-lane-harness.h"
#include "tn-operations.h"
#include "tn-pg-harness.h"
#include "tn-test-util.h"

/* A lane that was offline for a day drains it to the hub: 2,200 sales
 * of 5 lines (the default; pass a count to run smaller) are committed
 * while no lane runs, then the headless lane starts with the hub
 * configured (default timings: batches of 500) and the clock runs until
 * the hub holds every event of the lane.  Real tendero-hub on a
 * throw-away PostgreSQL on loopback. */

#define LINES 5
#define DRAIN_TIMEOUT_US (1800 * G_USEC_PER_SEC)

static void
ring_the_day (const char *dir,
              guint       sales)
{
  g_autofree char *db = tn_config_db_path (dir);
  g_autoptr(GError) error = NULL;
  /* Setting the day up is not what is measured. */
  g_autoptr(TnStore) store = tn_store_open (db, TN_STORE_FLAGS_NO_SYNC, &error);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  gint64 start = g_get_monotonic_time ();

  tn_bench_check (error, "open the lane");
  tn_bench_add_products (store, 200);
  for (guint i = 0; i < sales; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      for (guint j = 0; j < LINES; j++)
        {
          g_autofree char *sku = g_strdup_printf ("P%05d", g_rand_int_range (rand, 0, 200));

          tn_sale_request_add_line (request, sku, 1000 * g_rand_int_range (rand, 1, 4));
        }
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "sell");
    }
  printf ("rang %u sales of %d lines offline in %.2f s\n", sales, LINES,
          tn_bench_seconds (start));
}

static gint64
hub_events (TnPgCluster *pg,
            const char  *origin)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM events WHERE store = 'S' "
                                          "AND origin = '%s'", origin);

  return tn_pg_query_int (pg, sql);
}

int
main (int    argc,
      char **argv)
{
  guint sales = tn_bench_parse_count (argc, argv, 2200);
  g_autofree char *root = tn_bench_make_dir (NULL);
  g_autofree char *key_path = g_build_filename (root, "store.key", NULL);
  g_autofree char *hub_key_path = g_build_filename (root, "hub.key", NULL);
  g_autofree char *hub_key = NULL;
  g_autofree char *port = NULL;
  g_autofree char *replica = NULL;
  g_autofree char *size = NULL;
  g_autoptr(GError) error = NULL;
  TnLane lane = { 0 };
  TnPgCluster *pg;
  TnHubProcess *hub;
  gint64 local_events = 0, start, first_seen = 0, uploaded_at;
  guint polls = 0;

  /* Every offline sale is a contingency number, each with its alert. */
  g_log_set_writer_func (tn_test_log_writer_hide_alerts, NULL, NULL);
  tn_lane_require_binaries ();
  pg = tn_pg_cluster_start ();
  hub = tn_hub_start (pg);
  hub_key = tn_hub_create_key (pg, "S");
  g_file_set_contents_full (hub_key_path, hub_key, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  tn_bench_check (error, "write the hub key");
  tn_lane_write_key (key_path);

  lane.terminal = g_strdup ("L1");
  lane.dir = g_build_filename (root, "L1", NULL);
  lane.port = tn_lane_free_port ();
  port = g_strdup_printf ("%u", lane.port);
  g_free (tn_lane_ctl (&lane, "init", "--store", "S", "--terminal", "L1", "--port", port,
                       "--store-key-file", key_path, "--hub", hub->base_url,
                       "--hub-key-file", hub_key_path, NULL));
  ring_the_day (lane.dir, sales);
  {
    g_autoptr(JsonObject) status = tn_lane_ctl_json (&lane, "status", "--json", NULL);

    replica = g_strdup (json_object_get_string_member (status, "replica"));
    local_events = json_object_get_int_member (json_object_get_object_member (status, "vv"),
                                               replica);
  }
  printf ("%" PRId64 " events wait for the hub (%s, %s)\n", local_events,
          tn_bench_fs_name (root), hub->base_url);

  start = g_get_monotonic_time ();
  tn_lane_start (&lane);
  while (TRUE)
    {
      gint64 at_hub = hub_events (pg, replica);

      polls++;
      if (first_seen == 0 && at_hub > 0)
        first_seen = g_get_monotonic_time ();
      if (at_hub >= local_events)
        break;
      if (g_get_monotonic_time () - start > DRAIN_TIMEOUT_US)
        {
          g_printerr ("the lane did not drain within %d s (%" PRId64 " of %" PRId64 ")\n",
                      (int) (DRAIN_TIMEOUT_US / G_USEC_PER_SEC), at_hub, local_events);
          return 1;
        }
      g_usleep (20 * 1000);
    }
  uploaded_at = g_get_monotonic_time ();
  printf ("lane start → first events at the hub: %.2f s\n",
          (first_seen - start) / (double) G_USEC_PER_SEC);
  printf ("drained %" PRId64 " events in %.2f s from lane start (%.0f events/s)\n",
          local_events, (uploaded_at - start) / (double) G_USEC_PER_SEC,
          local_events / ((uploaded_at - start) / (double) G_USEC_PER_SEC));
  size = tn_pg_query (pg, "SELECT pg_size_pretty (pg_total_relation_size ('events'))");
  printf ("hub database: %" PRId64 " events of the lane, %s of event rows; %u polls\n",
          hub_events (pg, replica), size, polls);

  tn_lane_stop (&lane, 10 * G_USEC_PER_SEC);
  tn_hub_stop (hub);
  tn_pg_cluster_stop (pg);
  tn_bench_rmdir (root);
  g_free (lane.terminal);
  g_free (lane.dir);
  return 0;
}
