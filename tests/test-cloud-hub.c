/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tn-canonical-json.h"
#include "tn-event.h"
#include "tn-lane-harness.h"
#include "tn-pg-harness.h"
#include "tn-store.h"
#include "tn-sync-auth.h"
#include "tn-sync-service.h"
#include "tn-test-server.h"
#include "tn-test-util.h"

/* The lane's cloud client against a real tendero-hub on a throw-away
 * PostgreSQL: real headless lanes, driven with tendero-ctl.  The hub is
 * reached through a relay in this process that the tests can cut, so
 * that a hub restarted on another port stays at the lane's address. */

#define WAIT_US (60 * G_USEC_PER_SEC)

/* Relay ------------------------------------------------------------------ */

typedef struct
{
  TnTestServer *server;
  guint         port;
  gint          target_port;   /* atomic; 0: the hub is unreachable */
} Relay;

static gboolean
relay_incoming_cb (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source,
                   gpointer           user_data)
{
  Relay *relay = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  gint target = g_atomic_int_get (&relay->target_port);

  if (target != 0)
    upstream = g_socket_client_connect_to_host (client, "127.0.0.1", target, NULL, NULL);
  if (upstream == NULL)
    {
      /* As a stopped hub would: the connection ends at once. */
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  g_io_stream_splice_async (G_IO_STREAM (connection), G_IO_STREAM (upstream),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 | G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  return TRUE;
}

static Relay *
relay_start (guint target_port)
{
  Relay *relay = g_new0 (Relay, 1);

  relay->target_port = target_port;
  relay->server = tn_test_server_start ("relay", G_CALLBACK (relay_incoming_cb), relay);
  relay->port = tn_test_server_get_port (relay->server);
  return relay;
}

static void
relay_stop (Relay *relay)
{
  tn_test_server_stop (relay->server);
  g_free (relay);
}

/* Fixture ---------------------------------------------------------------- */

typedef struct
{
  TnLaneFixture  lanes;
  TnPgCluster   *pg;
  TnHubProcess  *hub;
  Relay         *relay;
  char          *hub_url;      /* the relay's */
  char          *hub_key_file;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;

  tn_lane_fixture_setup (&fixture->lanes, data);
  fixture->pg = tn_pg_cluster_start ();
  fixture->hub = tn_hub_start (fixture->pg);
  key = tn_hub_create_key (fixture->pg, "S");
  fixture->hub_key_file = g_build_filename (fixture->lanes.root, "hub.key", NULL);
  g_file_set_contents_full (fixture->hub_key_file, key, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                            &error);
  g_assert_no_error (error);
  fixture->relay = relay_start (fixture->hub->port);
  fixture->hub_url = g_strdup_printf ("http://127.0.0.1:%u", fixture->relay->port);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  tn_lane_fixture_teardown (&fixture->lanes, data);
  relay_stop (fixture->relay);
  if (fixture->hub != NULL)
    tn_hub_stop (fixture->hub);
  tn_pg_cluster_stop (fixture->pg);
  g_free (fixture->hub_url);
  g_free (fixture->hub_key_file);
}

/* Lane @index (terminal L<index+1>) of store S, dialling lane
 * @peer_index (-1: none) and, when @with_hub, the hub with short
 * timings. */
static TnLane *
init_lane (Fixture  *fixture,
           guint     index,
           int       peer_index,
           gboolean  with_hub)
{
  TnLane *lane = &fixture->lanes.lanes[index];
  g_autofree char *port = g_strdup_printf ("%u", lane->port);
  g_autofree char *peer = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  lane->terminal = g_strdup_printf ("L%u", index + 1);
  lane->dir = g_build_filename (fixture->lanes.root, lane->terminal, NULL);
  if (peer_index >= 0)
    peer = g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync",
                            fixture->lanes.lanes[peer_index].port);
  g_free (tn_lane_ctl (lane, "init", "--store", "S", "--terminal", lane->terminal, "--port",
                       port, "--store-key-file", fixture->lanes.key_file,
                       peer ? "--peer" : NULL, peer, NULL));

  config = g_build_filename (lane->dir, "config.ini", NULL);
  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "lane", "sync-backoff-base-ms", 200);
  if (with_hub)
    {
      g_key_file_set_string (keyfile, "lane", "hub", fixture->hub_url);
      g_key_file_set_string (keyfile, "lane", "hub-key-file", fixture->hub_key_file);
      g_key_file_set_integer (keyfile, "hub", "upload-interval-ms", 300);
      g_key_file_set_integer (keyfile, "hub", "batch-max", 40);
      g_key_file_set_integer (keyfile, "hub", "backoff-base-ms", 50);
      g_key_file_set_integer (keyfile, "hub", "backoff-cap-ms", 300);
      g_key_file_set_integer (keyfile, "hub", "breaker-open-ms", 1500);
      g_key_file_set_integer (keyfile, "hub", "request-timeout-ms", 10000);
    }
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
  fixture->lanes.n_lanes = MAX (fixture->lanes.n_lanes, index + 1);
  return lane;
}

static void
set_hub_option (TnLane     *lane,
                const char *key,
                gint        value)
{
  g_autofree char *config = g_build_filename (lane->dir, "config.ini", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "hub", key, value);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
}

static JsonObject *
lane_status (TnLane *lane)
{
  return tn_lane_ctl_json (lane, "status", "--json", NULL);
}

static JsonObject *
cloud_of (JsonObject *status)
{
  g_assert_true (json_object_has_member (status, "cloud"));
  return json_object_get_object_member (status, "cloud");
}

/* Until the running lane's hub client reports nothing pending and its
 * own events all acknowledged by the hub. */
static void
wait_uploaded (TnLane *lane)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  g_autofree char *last = NULL;

  while (TRUE)
    {
      g_autoptr(JsonObject) status = lane_status (lane);
      JsonObject *outbox = json_object_get_object_member (status, "outbox");
      JsonObject *cloud = cloud_of (status);
      gint64 events = json_object_get_int_member (outbox, "pending") +
                      json_object_get_int_member (outbox, "peer_ack") +
                      json_object_get_int_member (outbox, "cloud_ack");

      if (g_strcmp0 (json_object_get_string_member (cloud, "state"), "stopped") != 0 &&
          json_object_get_int_member (cloud, "pending") == 0 &&
          json_object_get_int_member (outbox, "cloud_ack") == events)
        return;
      g_free (last);
      last = g_strdup_printf ("%s: state %s, %" G_GINT64_FORMAT " pending, %" G_GINT64_FORMAT
                              " of %" G_GINT64_FORMAT " acknowledged, last error %s",
                              lane->terminal, json_object_get_string_member (cloud, "state"),
                              json_object_get_int_member (cloud, "pending"),
                              json_object_get_int_member (outbox, "cloud_ack"), events,
                              json_object_get_string_member_with_default (cloud, "last_error",
                                                                          "none"));
      if (g_get_monotonic_time () > deadline)
        {
          tn_lane_print_log (lane);
          g_error ("The hub did not get everything: %s", last);
        }
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
}

static gint64
hub_count_events (Fixture    *fixture,
                  const char *origin)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM events WHERE store = 'S' "
                                          "AND origin = '%s'", origin);

  return tn_pg_query_int (fixture->pg, sql);
}

static const char *
replica_of (JsonObject *status)
{
  return json_object_get_string_member (status, "replica");
}

/* Tests ------------------------------------------------------------------ */

/* Sales rung on a lane reach the hub; the outbox reaches cloud_ack. */
static void
test_upload (Fixture       *fixture,
             gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  g_autoptr(JsonObject) status = NULL;
  g_autofree char *vv = NULL;
  JsonObject *cloud;

  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "COFFEE", "--name", "Coffee",
                       "--price", "1.50", NULL));
  /* More than one batch (batch-max 40) waits before the lane starts. */
  tn_lane_sell (lane, "COFFEE", 45);
  /* Reaching no authority, the lane sold on its contingency series. */
  {
    g_autoptr(JsonObject) offline = lane_status (lane);

    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (offline,
                                                                                "fiscal"),
                                                 "contingency_documents"), ==, 45);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (offline,
                                                                                "alerts"),
                                                 "p1"), >, 0);
  }
  tn_lane_start (lane);
  wait_uploaded (lane);
  /* The hub granted blocks: the next sales take store numbers. */
  tn_lane_wait_fiscal_numbers (lane);
  tn_lane_sell (lane, "COFFEE", 5);
  wait_uploaded (lane);

  status = lane_status (lane);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status, "fiscal"),
                                               "contingency_documents"), ==, 45);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status, "fiscal"),
                                               "next_number"), >, 5);
  cloud = cloud_of (status);
  vv = tn_lane_vv_text (status);
  g_assert_cmpstr (json_object_get_string_member (cloud, "breaker"), ==, "closed");
  g_assert_cmpstr (json_object_get_string_member (cloud, "state"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (cloud, "last_success"), >, 0);
  g_assert_cmpint (json_object_get_int_member (cloud, "dead_letters"), ==, 0);
  g_assert_cmpint (hub_count_events (fixture, replica_of (status)), ==,
                   json_object_get_int_member (json_object_get_object_member (status, "vv"),
                                               replica_of (status)));
  /* peers.json carries the same state for the GUI. */
  {
    g_autoptr(JsonObject) peers = tn_lane_read_peers (lane);

    g_assert_true (json_object_has_member (peers, "cloud"));
    g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (peers, "cloud"), "url"),
                     ==, fixture->hub_url);
  }
}

/* The hub goes away while the lane keeps selling: the breaker opens,
 * nothing is lost, and once a hub is back every event arrives. */
static void
test_outage (Fixture       *fixture,
             gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  gint64 deadline;
  gboolean saw_open = FALSE;

  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "TEA", "--name", "Tea",
                       "--price", "2.00", NULL));
  tn_lane_start (lane);
  wait_uploaded (lane);

  tn_hub_stop (fixture->hub);
  fixture->hub = NULL;
  g_atomic_int_set (&fixture->relay->target_port, 0);
  tn_lane_sell (fixture->lanes.lanes, "TEA", 10);
  deadline = g_get_monotonic_time () + WAIT_US;
  while (!saw_open)
    {
      g_autoptr(JsonObject) status = lane_status (lane);
      JsonObject *cloud = cloud_of (status);

      saw_open = g_strcmp0 (json_object_get_string_member (cloud, "breaker"), "open") == 0;
      if (saw_open)
        {
          g_assert_cmpstr (json_object_get_string_member (cloud, "state"), ==, "offline");
          g_assert_nonnull (json_object_get_string_member (cloud, "last_error"));
          g_assert_cmpint (json_object_get_int_member (cloud, "pending"), >=, 10);
          /* Five failures halved the batch (40) down to its floor. */
          g_assert_cmpint (json_object_get_int_member (cloud, "batch_size"), ==, 10);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  /* Selling goes on with the breaker open. */
  tn_lane_sell (lane, "TEA", 5);
  {
    g_autoptr(JsonObject) status = lane_status (lane);

    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status,
                                                                                "outbox"),
                                                 "pending"), >=, 15);
  }

  fixture->hub = tn_hub_start (fixture->pg);
  g_atomic_int_set (&fixture->relay->target_port, fixture->hub->port);
  wait_uploaded (lane);
  {
    g_autoptr(JsonObject) status = lane_status (lane);
    JsonObject *cloud = cloud_of (status);

    g_assert_cmpstr (json_object_get_string_member (cloud, "breaker"), ==, "closed");
    /* Successful batches grew it again. */
    g_assert_cmpint (json_object_get_int_member (cloud, "batch_size"), >, 10);
    g_assert_cmpint (hub_count_events (fixture, replica_of (status)), ==,
                     json_object_get_int_member (json_object_get_object_member (status, "vv"),
                                                 replica_of (status)));
  }
}

/* L1 has the hub and relays L2's events (L2 only talks to L1); L3 was
 * never on the LAN and bootstraps from the hub alone.  All three reach
 * the same state, and the hub's fiscal blocks never overlap. */
static void
test_bootstrap_and_fiscal (Fixture       *fixture,
                           gconstpointer  data)
{
  TnLane *l1 = init_lane (fixture, 0, 1, TRUE);
  TnLane *l2 = init_lane (fixture, 1, 0, FALSE);
  TnLane *l3;
  g_autoptr(JsonObject) s1 = NULL;
  g_autoptr(JsonObject) s3 = NULL;
  g_autofree char *blocks = NULL;
  g_autofree char *verify = NULL;
  gint64 l1_events;

  g_free (tn_lane_ctl (l1, "product", "add", "--sku", "BREAD", "--name", "Bread",
                       "--price", "0.80", NULL));
  tn_lane_start (l1);
  tn_lane_start (l2);
  tn_lane_wait_fiscal_numbers (l1);
  tn_lane_wait_converged (&fixture->lanes, 2, WAIT_US);
  tn_lane_sell (l1, "BREAD", 4);
  tn_lane_sell (l2, "BREAD", 3);
  tn_lane_wait_converged (&fixture->lanes, 2, WAIT_US);
  wait_uploaded (l1);

  /* Head office changes the catalogue at the hub: a hub-origin event
   * every lane pulls (L2 through L1). */
  {
    int exit_status;
    g_autofree char *out = tn_hub_run (fixture->pg, NULL, &exit_status, "product", "set",
                                       "--store", "S", "--sku", "HQ-1", "--name",
                                       "Head office special", "--price", "3.25", NULL);

    g_assert_cmpint (exit_status, ==, 0);
  }

  l3 = init_lane (fixture, 2, -1, TRUE);
  tn_lane_start (l3);
  tn_lane_wait_fiscal_numbers (l3);
  tn_lane_sell (l3, "BREAD", 3);
  tn_lane_sell (l1, "BREAD", 2);
  /* L3's sales reach L2 through the hub and L1. */
  tn_lane_wait_converged (&fixture->lanes, 3, WAIT_US);

  s1 = lane_status (l1);
  s3 = lane_status (l3);
  l1_events = json_object_get_int_member (json_object_get_object_member (s1, "vv"),
                                          replica_of (s1));
  g_assert_cmpint (l1_events, >, 0);
  /* Store numbers from the hub on both hub lanes. */
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (s1, "fiscal"),
                                               "unused"), >, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (s3, "fiscal"),
                                               "unused"), >, 0);
  verify = tn_lane_ctl (l3, "fiscal", "verify", NULL);
  g_assert_nonnull (verify);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *products = tn_lane_ctl (&fixture->lanes.lanes[i], "product", "list",
                                               NULL);

      g_assert_nonnull (strstr (products, "Head office special"));
    }

  /* No two grants share a number. */
  g_assert_cmpint (tn_pg_query_int (fixture->pg,
      "SELECT count (*) FROM events a JOIN events b ON a.store = b.store "
      "AND a.event_id < b.event_id "
      "WHERE a.type = 'FiscalBlockGranted' AND b.type = 'FiscalBlockGranted' "
      "AND (a.payload ->> 'first')::bigint < (b.payload ->> 'first')::bigint + "
      "    (b.payload ->> 'count')::bigint "
      "AND (b.payload ->> 'first')::bigint < (a.payload ->> 'first')::bigint + "
      "    (a.payload ->> 'count')::bigint"), ==, 0);
  g_assert_cmpint (tn_pg_query_int (fixture->pg,
      "SELECT count (DISTINCT payload ->> 'device') FROM events "
      "WHERE type = 'FiscalBlockGranted'"), ==, 2);
  blocks = tn_pg_query (fixture->pg, "SELECT count (*) FROM events "
                                     "WHERE type = 'FiscalBlockGranted'");
  g_assert_cmpint (g_ascii_strtoll (blocks, NULL, 10), >=, 2);
}

/* Writes into @lane's log (stopped) an event of a type this Tendero
 * does not know, correctly hashed, as a newer lane would have written
 * it.  Returns its event id. */
static char *
add_event_from_the_future (TnLane *lane)
{
  g_autofree char *db = g_build_filename (lane->dir, "tendero.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (db, TN_STORE_FLAGS_NONE, &error);
  const char *origin;
  g_autoptr(GPtrArray) last = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autofree char *unhashed = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *body = NULL;
  g_autofree char *sql = NULL;
  char *event_id = g_uuid_string_random ();
  JsonObject *object;
  gint64 seq;

  g_assert_no_error (error);
  origin = tn_store_get_replica_id (store);
  seq = tn_test_sql_int_arg (store, "SELECT max (seq) FROM events WHERE origin = ?", origin);
  last = tn_store_read_events (store, origin, seq - 1, 1, &error);
  g_assert_no_error (error);
  node = json_from_string (last->pdata[0], &error);
  g_assert_no_error (error);
  object = json_node_get_object (node);
  json_object_remove_member (object, "hash");
  json_object_set_string_member (object, "event_id", event_id);
  json_object_set_int_member (object, "seq", seq + 1);
  json_object_set_string_member (object, "type", "GiftCardIssued");
  json_object_set_string_member (payload, "card", "GC-0001");
  json_object_set_int_member (payload, "amount", 2500);
  json_object_set_object_member (object, "payload", json_object_ref (payload));
  unhashed = tn_canonical_json_to_string (node, &error);
  g_assert_no_error (error);
  hash = tn_sha256_hex (unhashed, strlen (unhashed));
  json_object_set_string_member (object, "hash", hash);
  body = tn_canonical_json_to_string (node, &error);
  g_assert_no_error (error);

  /* In the store's own transaction: projection writes need it (the
   * digest is flushed at commit). */
  g_assert_true (tn_store_begin (store, &error));
  sql = g_strdup_printf ("INSERT INTO events (origin, seq, event_id, type, hlc, hash, body, "
                         "received_at) SELECT origin, %" G_GINT64_FORMAT ", '%s', "
                         "'GiftCardIssued', hlc, '%s', '%s', received_at FROM events "
                         "WHERE origin = '%s' AND seq = %" G_GINT64_FORMAT,
                         seq + 1, event_id, hash, body, origin, seq);
  tn_test_sql (store, sql);
  g_free (sql);
  sql = g_strdup_printf ("UPDATE vv SET seq = %" G_GINT64_FORMAT " WHERE origin = '%s'",
                         seq + 1, origin);
  tn_test_sql (store, sql);
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO outbox (seq, event_id, status, created_at, updated_at) "
                         "VALUES (%" G_GINT64_FORMAT ", '%s', 0, 0, 0)", seq + 1, event_id);
  tn_test_sql (store, sql);
  g_assert_true (tn_store_commit (store, &error));
  return event_id;
}

/* An event the hub's validation refuses becomes a dead letter with the
 * hub's reason; the events behind it still arrive. */
static void
test_dead_letter (Fixture       *fixture,
                  gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  g_autofree char *event_id = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *hub_vv = NULL;
  g_autoptr(JsonObject) letters = NULL;
  g_autoptr(JsonObject) status = NULL;
  JsonArray *array;
  JsonObject *letter;
  gint64 seq;

  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "MILK", "--name", "Milk",
                       "--price", "1.10", NULL));
  tn_lane_sell (lane, "MILK", 2);
  event_id = add_event_from_the_future (lane);
  tn_lane_sell (lane, "MILK", 3);
  tn_lane_start (lane);
  wait_uploaded (lane);

  letters = tn_lane_ctl_json (lane, "deadletters", "list", "--json", NULL);
  array = json_object_get_array_member (letters, "dead_letters");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  letter = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (letter, "event_id"), ==, event_id);
  g_assert_true (strstr (json_object_get_string_member (letter, "reason"), "GiftCardIssued"));
  seq = json_object_get_int_member (letter, "seq");
  listed = tn_lane_ctl (lane, "deadletters", "list", NULL);
  g_assert_true (strstr (listed, event_id) != NULL);

  status = lane_status (lane);
  g_assert_cmpint (json_object_get_int_member (cloud_of (status), "dead_letters"), ==, 1);
  /* Everything else of the lane is at the hub, the later sales too. */
  g_assert_cmpint (hub_count_events (fixture, replica_of (status)), ==,
                   json_object_get_int_member (json_object_get_object_member (status, "vv"),
                                               replica_of (status)) - 1);
  hub_vv = g_strdup_printf ("SELECT count (*) FROM events WHERE store = 'S' AND origin = '%s' "
                            "AND seq > %" G_GINT64_FORMAT, replica_of (status), seq);
  g_assert_cmpint (tn_pg_query_int (fixture->pg, hub_vv), ==, 3);
}

static void
copy_files (const char *from_dir,
            const char *to_dir)
{
  const char *names[] = { "tendero.db", "tendero.db-wal", "tendero.db-shm" };

  g_mkdir_with_parents (to_dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (from_dir, names[i], NULL);
      g_autofree char *to = g_build_filename (to_dir, names[i], NULL);
      g_autofree char *data = NULL;
      gsize len;

      g_unlink (to);
      if (!g_file_get_contents (from, &data, &len, NULL))
        continue;
      g_assert_true (g_file_set_contents (to, data, len, NULL));
    }
}

/* A lane whose database was restored from an older backup: the hub
 * holds more of its events than it does, and a person is told. */
static void
test_restored_backup (Fixture       *fixture,
                      gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  g_autofree char *backup = g_build_filename (fixture->lanes.root, "backup", NULL);
  gint64 deadline, p1_before;

  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "SOAP", "--name", "Soap",
                       "--price", "0.90", NULL));
  tn_lane_sell (lane, "SOAP", 2);
  copy_files (lane->dir, backup);
  tn_lane_start (lane);
  wait_uploaded (lane);
  tn_lane_sell (lane, "SOAP", 3);
  wait_uploaded (lane);
  g_assert_cmpint (tn_lane_stop (lane, TN_LANE_STOP_LIMIT_US), ==, 0);

  copy_files (backup, lane->dir);
  p1_before = tn_lane_status_int (lane, "alerts", "p1");
  tn_lane_start (lane);
  deadline = g_get_monotonic_time () + WAIT_US;
  while (tn_lane_status_int (lane, "alerts", "p1") == p1_before)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
}

/* Between the (long) upload intervals, events go up as soon as
 * upload-threshold of them wait, and not before. */
static void
test_threshold (Fixture       *fixture,
                gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);

  set_hub_option (lane, "upload-interval-ms", 3600000);
  set_hub_option (lane, "upload-threshold", 12);
  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "RICE", "--name", "Rice",
                       "--price", "1.00", NULL));
  tn_lane_start (lane);
  /* The first cycle runs at start. */
  wait_uploaded (lane);
  tn_lane_sell (lane, "RICE", 4);
  g_usleep (G_USEC_PER_SEC);
  {
    g_autoptr(JsonObject) status = lane_status (lane);

    g_assert_cmpint (json_object_get_int_member (cloud_of (status), "pending"), ==, 4);
  }
  tn_lane_sell (lane, "RICE", 8);
  wait_uploaded (lane);
}

/* A key the hub does not know: the lane says so, opens the breaker and
 * does not hammer the hub; its sales stay pending. */
static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  g_file_set_contents_full (fixture->hub_key_file, "not-the-key-of-this-store-0123456789",
                            -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "SALT", "--name", "Salt",
                       "--price", "0.50", NULL));
  tn_lane_start (lane);
  while (TRUE)
    {
      g_autoptr(JsonObject) status = lane_status (lane);
      JsonObject *cloud = cloud_of (status);

      if (g_strcmp0 (json_object_get_string_member (cloud, "state"), "unauthorized") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (cloud, "breaker"), ==, "open");
          g_assert_nonnull (strstr (json_object_get_string_member (cloud, "last_error"),
                                    "401"));
          g_assert_cmpint (json_object_get_int_member (cloud, "pending"), ==, 1);
          g_assert_cmpint (json_object_get_int_member (cloud, "last_success"), ==, 0);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  g_assert_cmpint (tn_pg_query_int (fixture->pg, "SELECT count (*) FROM events"), ==, 0);

  /* No key at all: the lane runs, says what is missing, sends nothing. */
  {
    TnLane *keyless = init_lane (fixture, 1, -1, TRUE);
    g_autofree char *config = g_build_filename (keyless->dir, "config.ini", NULL);
    g_autoptr(GKeyFile) keyfile = g_key_file_new ();

    g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
    g_assert_no_error (error);
    g_key_file_remove_key (keyfile, "lane", "hub-key-file", NULL);
    g_key_file_save_to_file (keyfile, config, &error);
    g_assert_no_error (error);
    tn_lane_start (keyless);
    deadline = g_get_monotonic_time () + WAIT_US;
    while (TRUE)
      {
        g_autoptr(JsonObject) status = lane_status (keyless);
        JsonObject *cloud = cloud_of (status);

        if (g_strcmp0 (json_object_get_string_member (cloud, "state"), "no-key") == 0)
          {
            g_assert_nonnull (strstr (json_object_get_string_member (cloud, "last_error"),
                                      "TENDERO_HUB_KEY"));
            break;
          }
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (TN_LANE_POLL_INTERVAL_US);
      }
  }
}

typedef struct
{
  GThread   *main_thread;
  GMainLoop *loop;
  guint      signals;
  char      *last_state;
} ServiceWatch;

static void
cloud_changed_cb (TnSyncService *service,
                  gpointer       user_data)
{
  ServiceWatch *watch = user_data;
  const TnCloudStatus *cloud = tn_sync_service_get_cloud_status (service);

  g_assert_true (g_thread_self () == watch->main_thread);
  g_assert_nonnull (cloud);
  watch->signals++;
  g_free (watch->last_state);
  watch->last_state = g_strdup (cloud->state);
  if (g_str_equal (cloud->state, "ok") && cloud->pending == 0 && cloud->last_success > 0)
    g_main_loop_quit (watch->loop);
}

static gboolean
service_timeout_cb (gpointer user_data)
{
  ServiceWatch *watch = user_data;

  g_error ("No cloud-changed with state ok (%u signals, last state %s)", watch->signals,
           watch->last_state ? watch->last_state : "none");
  return G_SOURCE_REMOVE;
}

/* The GUI's view: TnSyncService in this process, with the hub key given
 * as a string, tells the main thread how the hub sync goes. */
static void
test_service_signal (Fixture       *fixture,
                     gconstpointer  data)
{
  TnLane *lane = init_lane (fixture, 0, -1, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) store_key = tn_sync_auth_load_key (fixture->lanes.key_file, &error);
  g_autofree char *hub_key = NULL;
  g_autoptr(TnSyncService) service = NULL;
  ServiceWatch watch = { g_thread_self (), g_main_loop_new (NULL, FALSE), 0, NULL };
  guint timeout;

  g_assert_no_error (error);
  g_file_get_contents (fixture->hub_key_file, &hub_key, NULL, &error);
  g_assert_no_error (error);
  g_free (tn_lane_ctl (lane, "product", "add", "--sku", "OIL", "--name", "Oil",
                       "--price", "4.00", NULL));
  tn_lane_sell (lane, "OIL", 2);

  service = tn_sync_service_new (lane->dir, store_key);
  tn_sync_service_set_hub_key (service, g_strstrip (hub_key));
  g_signal_connect (service, "cloud-changed", G_CALLBACK (cloud_changed_cb), &watch);
  tn_sync_service_start (service, &error);
  g_assert_no_error (error);
  timeout = g_timeout_add_seconds (60, service_timeout_cb, &watch);
  g_main_loop_run (watch.loop);
  g_source_remove (timeout);
  tn_sync_service_stop (service);
  g_assert_cmpuint (watch.signals, >=, 1);
  g_assert_cmpint (tn_sync_service_get_cloud_status (service)->dead_letters, ==, 0);
  g_main_loop_unref (watch.loop);
  g_free (watch.last_state);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tn_lane_require_binaries ();
  if (g_getenv ("TN_HUB") == NULL)
    g_error ("TN_HUB must name the built tendero-hub (run the test through meson test)");

  g_test_add ("/cloud/hub/upload", Fixture, NULL, fixture_setup, test_upload,
              fixture_teardown);
  g_test_add ("/cloud/hub/outage", Fixture, NULL, fixture_setup, test_outage,
              fixture_teardown);
  g_test_add ("/cloud/hub/bootstrap-and-fiscal", Fixture, NULL, fixture_setup,
              test_bootstrap_and_fiscal, fixture_teardown);
  g_test_add ("/cloud/hub/restored-backup", Fixture, NULL, fixture_setup,
              test_restored_backup, fixture_teardown);
  g_test_add ("/cloud/hub/threshold", Fixture, NULL, fixture_setup, test_threshold,
              fixture_teardown);
  g_test_add ("/cloud/hub/unauthorized", Fixture, NULL, fixture_setup, test_unauthorized,
              fixture_teardown);
  g_test_add ("/cloud/hub/service-signal", Fixture, NULL, fixture_setup, test_service_signal,
              fixture_teardown);
  g_test_add ("/cloud/hub/dead-letter", Fixture, NULL, fixture_setup, test_dead_letter,
              fixture_teardown);
  return g_test_run ();
}
