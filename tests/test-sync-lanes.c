/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Lane-to-lane sync with real processes (DESIGN §4, §6, §7): headless
 * lanes ($TN_LANE) on loopback, driven and inspected with tendero-ctl
 * ($TN_CTL) exactly as a store's scripts would.  Three lanes converge;
 * a lane with the wrong key is refused; a lane that was down catches up
 * and a concurrent price edit becomes one conflict everywhere that one
 * resolution closes; non-authority lanes get fiscal blocks over the LAN
 * and no store number is issued twice. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tn-config.h"
#include "tn-lane-harness.h"
#include "tn-sync-auth.h"
#include "tn-sync-service.h"
#include "tn-test-util.h"

typedef TnLaneFixture Fixture;

/* Tests ------------------------------------------------------------------ */

static void
test_three_lanes_converge (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) peers = NULL;
  JsonArray *list;

  tn_lane_start_ring (fixture);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  g_free (tn_lane_ctl (&fixture->lanes[1], "product", "add", "--sku", "TEA", "--name", "Tea",
                       "--price", "1.99", NULL));
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  for (guint i = 0; i < 3; i++)
    {
      tn_lane_sell (&fixture->lanes[i], "COFFEE", 3);
      tn_lane_sell (&fixture->lanes[i], "TEA", 2);
    }
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  g_assert_cmpint (tn_lane_status_int (&fixture->lanes[0], NULL, "events"), >=, 2 + 15);

  /* Every lane's own events were acknowledged by a peer, and the health
   * snapshot shows compressed, connected links. */
  for (guint i = 0; i < 3; i++)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      while (tn_lane_status_int (&fixture->lanes[i], "outbox", "pending") > 0 &&
             g_get_monotonic_time () < deadline)
        g_usleep (TN_LANE_POLL_INTERVAL_US);
      g_assert_cmpint (tn_lane_status_int (&fixture->lanes[i], "outbox", "pending"), ==, 0);
    }
  g_usleep (1200 * 1000);
  peers = tn_lane_read_peers (&fixture->lanes[0]);
  list = json_object_get_array_member (peers, "peers");
  g_assert_cmpuint (json_array_get_length (list), >=, 1);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *peer = json_array_get_object_element (list, i);

      g_assert_cmpstr (json_object_get_string_member (peer, "state"), ==, "connected");
      g_assert_true (json_object_get_boolean_member (peer, "compressed"));
      g_assert_cmpint (json_object_get_int_member (peer, "lag"), ==, 0);
    }
}

static void
set_watch_interval (TnLane *lane,
                    gint    interval_ms)
{
  g_autofree char *config = tn_config_file_path (lane->dir);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "lane", "sync-watch-interval-ms", interval_ms);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
}

static void
store_committed_cb (TnStore       *store,
                    TnSyncService *service)
{
  tn_sync_service_notify_commit (service);
}

/* The app's own sales go to the peers at once: its sync thread is told
 * of each commit (as TnApplication does), not left to find it at its
 * next look at the database, here set to once a minute. */
static void
test_app_commit_pushed (Fixture       *fixture,
                        gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0], *l2 = &fixture->lanes[1];
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autoptr(TnSyncService) service = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *db_path = NULL;
  gint64 deadline;

  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  tn_lane_init (fixture, 1, fixture->key_file, FALSE, 0);
  set_watch_interval (l1, 60000);
  g_free (tn_lane_ctl (l1, "product", "add", "--sku", "COFFEE", "--name", "Coffee",
                       "--price", "2.50", NULL));
  tn_lane_start (l2);
  key = tn_sync_auth_load_key (fixture->key_file, &error);
  g_assert_no_error (error);
  service = tn_sync_service_new (l1->dir, key);
  tn_sync_service_start (service, &error);
  g_assert_no_error (error);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  /* Let the digest exchange that follows catch-up end: a message from
   * L2 would also make L1 look at its log. */
  g_usleep (2 * G_USEC_PER_SEC);

  db_path = tn_config_db_path (l1->dir);
  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_signal_connect (store, "committed", G_CALLBACK (store_committed_cb), service);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TnSaleReceipt) receipt = tn_test_sell (store, "COFFEE", 1000);
    }

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (tn_lane_status_int (l2, NULL, "events") < tn_lane_status_int (l1, NULL, "events"))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("L2 did not get the app's sales: the sync thread was not told of them");
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  tn_sync_service_stop (service);
}

/* L1 and L3 only know L2: everything between them is relayed by L2,
 * also what L3 missed while it was away. */
static void
test_relay_through_middle (Fixture       *fixture,
                           gconstpointer  data)
{
  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  tn_lane_init (fixture, 1, fixture->key_file, FALSE, 0);
  tn_lane_init (fixture, 2, fixture->key_file, FALSE, 1);
  for (guint i = 0; i < 3; i++)
    tn_lane_start (&fixture->lanes[i]);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 3; i++)
    tn_lane_sell (&fixture->lanes[i], "COFFEE", 1);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  g_assert_cmpint (tn_lane_stop (&fixture->lanes[2], TN_LANE_STOP_LIMIT_US), ==, 0);
  for (guint i = 0; i < 20; i++)
    tn_lane_sell (&fixture->lanes[i % 2], "COFFEE", 1);
  tn_lane_start (&fixture->lanes[2]);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  g_assert_cmpint (tn_lane_status_int (&fixture->lanes[2], NULL, "events"), ==,
                   tn_lane_status_int (&fixture->lanes[0], NULL, "events"));
}

/* Sells @n one-line sales straight into @lane's database (stopped). */
static void
sell_offline (TnLane *lane,
              guint   n)
{
  g_autofree char *db_path = tn_config_db_path (lane->dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TnSaleReceipt) receipt = tn_test_sell (store, "COFFEE", 1);
    }
}

/* After a partition each lane hears of the others' events from both of
 * them: a lane leaves an origin that another lane is feeding the peer
 * to that lane instead of relaying it too (RELAY_PAUSE_MS), so each
 * event arrives about once. */
static void
test_heal_each_event_once (Fixture       *fixture,
                           gconstpointer  data)
{
  const guint sales = 200;

  tn_lane_start_ring (fixture);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  tn_lane_wait_fiscal_numbers (&fixture->lanes[1]);
  tn_lane_wait_fiscal_numbers (&fixture->lanes[2]);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (tn_lane_stop (&fixture->lanes[i], TN_LANE_STOP_LIMIT_US), ==, 0);

  /* Each lane sells apart, then all come back at once. */
  for (guint i = 0; i < 3; i++)
    sell_offline (&fixture->lanes[i], sales);
  for (guint i = 0; i < 3; i++)
    tn_lane_start (&fixture->lanes[i]);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  /* The counters reach peers.json within a second. */
  g_usleep (1200 * 1000);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) peers = tn_lane_read_peers (&fixture->lanes[i]);
      JsonArray *list = json_object_get_array_member (peers, "peers");
      gint64 received = 0, duplicates = 0;

      for (guint p = 0; p < json_array_get_length (list); p++)
        {
          JsonObject *peer = json_array_get_object_element (list, p);

          received += json_object_get_int_member (peer, "received");
          duplicates += json_object_get_int_member (peer, "duplicates");
        }
      g_test_message ("L%u: %" G_GINT64_FORMAT " events received from peers, %" G_GINT64_FORMAT
                      " of them already held", i + 1, received, duplicates);
      /* Every lane took in the other two lanes' sales; the probes of a
       * relay may arrive twice, whole streams may not. */
      g_assert_cmpint (received - duplicates, >=, 2 * sales);
      g_assert_cmpint (duplicates, <, sales / 4);
    }
}

static void
test_wrong_key_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autoptr(JsonObject) status1 = NULL;
  g_autoptr(JsonObject) status2 = NULL;
  g_autoptr(JsonObject) intruder = NULL;

  tn_lane_start_ring (fixture);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  /* L2 and L3 ask L1 for fiscal blocks once connected; let those grants
   * land before taking the picture, or they would look like a change. */
  tn_lane_wait_fiscal_numbers (&fixture->lanes[1]);
  tn_lane_wait_fiscal_numbers (&fixture->lanes[2]);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  status1 = tn_lane_ctl_json (&fixture->lanes[0], "status", "--json", NULL);
  before = tn_lane_vv_text (status1);

  /* L4 holds another key and dials L1; it sells on its own. */
  tn_lane_init (fixture, 3, fixture->bad_key_file, FALSE, 0);
  g_free (tn_lane_ctl (&fixture->lanes[3], "product", "add", "--sku", "FAKE", "--name", "Fake",
               "--price", "0.01", NULL));
  tn_lane_start (&fixture->lanes[3]);
  g_usleep (4 * G_USEC_PER_SEC);

  intruder = tn_lane_ctl_json (&fixture->lanes[3], "status", "--json", NULL);
  g_assert_cmpint (json_object_get_int_member (intruder, "events"), ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) status = tn_lane_ctl_json (&fixture->lanes[i], "status", "--json",
                                                       NULL);
      g_autofree char *vv = tn_lane_vv_text (status);

      g_assert_cmpstr (vv, ==, before);
    }
  status2 = tn_lane_ctl_json (&fixture->lanes[3], "status", "--json", NULL);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status2,
                                                                              "outbox"),
                                               "peer_ack"), ==, 0);
}

static void
test_restart_and_conflict (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) conflicts = NULL;
  JsonArray *list;
  const char *id;

  tn_lane_start_ring (fixture);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  /* L2 goes down cleanly and quickly. */
  g_assert_cmpint (tn_lane_stop (&fixture->lanes[1], TN_LANE_STOP_LIMIT_US), ==, 0);

  tn_lane_sell (&fixture->lanes[0], "COFFEE", 2);
  tn_lane_sell (&fixture->lanes[1], "COFFEE", 3);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "set-price", "--sku", "COFFEE", "--price",
               "2.75", NULL));
  g_free (tn_lane_ctl (&fixture->lanes[1], "product", "set-price", "--sku", "COFFEE", "--price",
               "2.95", NULL));

  tn_lane_start (&fixture->lanes[1]);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (tn_lane_status_int (&fixture->lanes[i], NULL, "conflicts"), ==, 1);

  conflicts = tn_lane_ctl_json (&fixture->lanes[2], "conflicts", "list", "--json", NULL);
  list = json_object_get_array_member (conflicts, "conflicts");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  id = json_object_get_string_member (json_array_get_object_element (list, 0), "id");
  g_free (tn_lane_ctl (&fixture->lanes[2], "conflicts", "resolve", id, "--value", "2.80", NULL));

  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (tn_lane_status_int (&fixture->lanes[i], NULL, "conflicts"), ==, 0);
}

static void
test_fiscal_blocks_over_lan (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GHashTable) numbers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) export = NULL;
  JsonArray *sales;
  gint64 deadline;

  tn_lane_start_ring (fixture);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));

  /* L2 and L3 ask L1 for blocks as soon as they are connected. */
  deadline = g_get_monotonic_time () + TN_LANE_CONVERGE_TIMEOUT_US;
  while (tn_lane_status_int (&fixture->lanes[1], "fiscal", "unused") == 0 ||
         tn_lane_status_int (&fixture->lanes[2], "fiscal", "unused") == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 3; i++)
    tn_lane_sell (&fixture->lanes[i], "COFFEE", 4);
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  export = tn_lane_ctl_json (&fixture->lanes[1], "export", "sales", "--format", "json", NULL);
  sales = json_object_get_array_member (export, "sales");
  g_assert_cmpuint (json_array_get_length (sales), ==, 12);
  for (guint i = 0; i < json_array_get_length (sales); i++)
    {
      const char *doc = json_object_get_string_member (json_array_get_object_element (sales, i),
                                                       "fiscal_doc");

      g_assert_null (strstr (doc, "-C-"));            /* no contingency number */
      g_assert_true (g_hash_table_add (numbers, (gpointer) doc));   /* never twice */
    }
  for (guint i = 0; i < 3; i++)
    {
      g_free (tn_lane_ctl (&fixture->lanes[i], "fiscal", "verify", NULL));
      g_assert_cmpint (tn_lane_status_int (&fixture->lanes[i], "alerts", "p0"), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  tn_lane_require_binaries ();

  g_test_add ("/sync-lanes/three-lanes-converge", Fixture, NULL, tn_lane_fixture_setup,
              test_three_lanes_converge, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/app-commit-pushed", Fixture, NULL, tn_lane_fixture_setup,
              test_app_commit_pushed, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/relay-through-middle", Fixture, NULL, tn_lane_fixture_setup,
              test_relay_through_middle, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/heal-each-event-once", Fixture, NULL, tn_lane_fixture_setup,
              test_heal_each_event_once, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/wrong-key-refused", Fixture, NULL, tn_lane_fixture_setup,
              test_wrong_key_refused, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/restart-and-conflict", Fixture, NULL, tn_lane_fixture_setup,
              test_restart_and_conflict, tn_lane_fixture_teardown);
  g_test_add ("/sync-lanes/fiscal-blocks-over-lan", Fixture, NULL, tn_lane_fixture_setup,
              test_fiscal_blocks_over_lan, tn_lane_fixture_teardown);
  return g_test_run ();
}
