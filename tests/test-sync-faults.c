/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Lane-to-lane sync under faults, with real processes (DESIGN §4, §6):
 * lanes killed with SIGKILL while sales stream in; a lane cut off from
 * the fiscal authority issuing contingency numbers; a lane whose clock
 * is an hour behind; foreign WebSocket clients speaking nonsense; how
 * fast a tendero-ctl commit reaches a peer; a projection tampered with
 * behind the log's back; and a client guessing the store key.
 *
 * TN_SEED=N replays the random choices of the kill test. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "tn-config.h"
#include "tn-store-private.h"
#include "tn-lane-harness.h"
#include "tn-store.h"
#include "tn-sync-auth.h"
#include "tn-sync-protocol.h"
#include "tn-test-util.h"
#include "tn-ws-client.h"

#define KILLS            20
#define ATTACKER_ADDRESS "127.0.0.2"

typedef TnLaneFixture Fixture;

/* Helpers ---------------------------------------------------------------- */

/* Lane @i dials lane @peer; lane 0 is the fiscal authority. */
static void
init_pair (Fixture *fixture)
{
  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  tn_lane_init (fixture, 1, fixture->key_file, FALSE, 0);
}

static void
add_product (TnLane     *lane,
             const char *sku,
             const char *name)
{
  g_free (tn_lane_ctl (lane, "product", "add", "--sku", sku, "--name", name, "--price",
                       "2.50", NULL));
}

static sqlite3 *
lane_db (TnLane   *lane,
         gboolean  writable)
{
  g_autofree char *path = tn_config_db_path (lane->dir);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, writable ? SQLITE_OPEN_READWRITE
                                                        : SQLITE_OPEN_READONLY, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

/* The first column of the first row of @sql with @arg bound (unless
 * NULL), or @missing without a row. */
static gint64
db_int (sqlite3    *db,
        const char *sql,
        const char *arg,
        gint64      missing)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = missing;
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return value;
}

static gint64
lane_db_int (TnLane     *lane,
             const char *sql,
             const char *arg)
{
  sqlite3 *db = lane_db (lane, FALSE);
  gint64 value = db_int (db, sql, arg, 0);

  sqlite3_close (db);
  return value;
}

static char *
lane_db_text (TnLane     *lane,
              const char *sql,
              const char *arg)
{
  sqlite3 *db = lane_db (lane, FALSE);
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_nonnull (value);
  return value;
}

static char *
status_string (TnLane     *lane,
               const char *member)
{
  g_autoptr(JsonObject) status = tn_lane_ctl_json (lane, "status", "--json", NULL);

  return g_strdup (json_object_get_string_member (status, member));
}

/* "vv digest" of @lane, to show that something changed nothing. */
static char *
state_of (TnLane *lane)
{
  g_autoptr(JsonObject) status = tn_lane_ctl_json (lane, "status", "--json", NULL);
  g_autofree char *vv = tn_lane_vv_text (status);

  return g_strdup_printf ("%s %s", vv, json_object_get_string_member (status, "digest"));
}

/* The most memory @lane's process has held (VmHWM), in KiB. */
static gint64
lane_peak_kib (TnLane *lane)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status",
                                           g_subprocess_get_identifier (lane->process));
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "VmHWM:");
  g_assert_nonnull (line);
  return g_ascii_strtoll (line + strlen ("VmHWM:"), NULL, 10);
}

static char *
product_name (TnLane     *lane,
              const char *sku)
{
  g_autoptr(JsonObject) list = tn_lane_ctl_json (lane, "product", "list", "--json", NULL);
  JsonArray *products = json_object_get_array_member (list, "products");

  for (guint i = 0; i < json_array_get_length (products); i++)
    {
      JsonObject *product = json_array_get_object_element (products, i);

      if (g_str_equal (json_object_get_string_member (product, "sku"), sku))
        return g_strdup (json_object_get_string_member (product, "name"));
    }
  g_assert_not_reached ();
}

/* Each sale of @reported is on every one of the first @n lanes exactly
 * once, nothing else is, no fiscal document number appears twice, and
 * every lane's fiscal chains verify. */
static void
assert_sales_everywhere (Fixture   *fixture,
                         guint      n,
                         GPtrArray *reported)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) export = tn_lane_ctl_json (&fixture->lanes[i], "export", "sales",
                                                       "--format", "json", NULL);
      JsonArray *sales = json_object_get_array_member (export, "sales");
      g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) docs = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint j = 0; j < json_array_get_length (sales); j++)
        {
          JsonObject *sale = json_array_get_object_element (sales, j);

          g_assert_true (g_hash_table_add (ids, (gpointer) json_object_get_string_member (sale,
                                                                                  "sale_id")));
          g_assert_true (g_hash_table_add (docs,
                                           (gpointer) json_object_get_string_member (sale,
                                                                                "fiscal_doc")));
        }
      for (guint j = 0; j < reported->len; j++)
        if (!g_hash_table_contains (ids, reported->pdata[j]))
          g_error ("Sale %s is missing on %s", (char *) reported->pdata[j],
                   fixture->lanes[i].terminal);
      g_assert_cmpuint (g_hash_table_size (ids), ==, reported->len);
      g_free (tn_lane_ctl (&fixture->lanes[i], "fiscal", "verify", NULL));
      g_assert_cmpint (tn_lane_status_int (&fixture->lanes[i], "alerts", "p0"), ==, 0);
    }
}

/* Whether a "digest" frame came within @timeout_ms (other frames are
 * dropped). */
static gboolean
client_got_digest (TnWsClient *client,
                   guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = tn_ws_client_next (client, 100);

      if (text != NULL && strstr (text, "\"type\":\"digest\"") != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Tests ------------------------------------------------------------------ */

typedef struct
{
  Fixture   *fixture;
  GRand     *rand;
  GMutex     lock;
  GPtrArray *sale_ids;        /* under lock */
  gint       stop;            /* atomic */
} Seller;

/* Sells on L1 or L2 (at random) until told to stop, keeping what each
 * `sell --json` reported. */
static gpointer
seller_thread (gpointer data)
{
  Seller *seller = data;

  while (!g_atomic_int_get (&seller->stop))
    {
      TnLane *lane = &seller->fixture->lanes[g_rand_int_range (seller->rand, 0, 2)];
      g_autoptr(JsonObject) sale = tn_lane_ctl_json (lane, "sell", "--sku", "COFFEE",
                                                     "--json", NULL);

      g_mutex_lock (&seller->lock);
      g_ptr_array_add (seller->sale_ids,
                       g_strdup (json_object_get_string_member (sale, "sale_id")));
      g_mutex_unlock (&seller->lock);
    }
  return NULL;
}

static void
test_kill_during_sales (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *seed_text = g_getenv ("TN_SEED");
  guint32 seed = seed_text ? (guint32) g_ascii_strtoull (seed_text, NULL, 10)
                           : g_random_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  Seller seller = { .fixture = fixture, .rand = g_rand_new_with_seed (g_rand_int (rand)) };
  GThread *thread;
  guint kills[3] = { 0 };

  g_test_message ("Seed %u (set TN_SEED=%u to replay)", seed, seed);
  g_mutex_init (&seller.lock);
  seller.sale_ids = g_ptr_array_new_with_free_func (g_free);

  tn_lane_start_ring (fixture);
  add_product (&fixture->lanes[0], "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 3, TN_LANE_CONVERGE_TIMEOUT_US);

  thread = g_thread_new ("seller", seller_thread, &seller);
  for (guint k = 0; k < KILLS; k++)
    {
      guint victim = g_rand_int_range (rand, 0, 3);

      g_usleep (g_rand_int_range (rand, 50, 700) * 1000);
      tn_lane_kill (&fixture->lanes[victim]);
      tn_lane_start (&fixture->lanes[victim]);
      kills[victim]++;
    }
  g_atomic_int_set (&seller.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u sales; kills: L1 %u, L2 %u, L3 %u", seller.sale_ids->len, kills[0],
                  kills[1], kills[2]);
  g_assert_cmpuint (seller.sale_ids->len, >, 0);

  tn_lane_wait_converged (fixture, 3, 60 * G_USEC_PER_SEC);
  assert_sales_everywhere (fixture, 3, seller.sale_ids);

  g_ptr_array_unref (seller.sale_ids);
  g_rand_free (seller.rand);
  g_mutex_clear (&seller.lock);
}

static void
test_contingency_when_cut_off (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GPtrArray) sale_ids = g_ptr_array_new_with_free_func (g_free);
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  g_autoptr(JsonObject) after = NULL;
  gint64 unused;

  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "COFFEE", "Coffee");
  tn_lane_wait_fiscal_numbers (l2);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_assert_cmpint (tn_lane_stop (l1, TN_LANE_STOP_LIMIT_US), ==, 0);

  /* More sales than L2's reserve holds: the rest get contingency
   * numbers, none is refused. */
  unused = tn_lane_status_int (l2, "fiscal", "unused");
  g_assert_cmpint (unused, >, 0);
  g_assert_cmpint (unused, <=, 150);
  for (gint64 i = 0; i < unused + 10; i++)
    {
      g_autoptr(JsonObject) sale = tn_lane_ctl_json (l2, "sell", "--sku", "COFFEE", "--json",
                                                     NULL);
      const char *doc = json_object_get_string_member (sale, "fiscal_doc");
      gboolean contingency = json_object_get_boolean_member (sale, "contingency");

      g_ptr_array_add (sale_ids, g_strdup (json_object_get_string_member (sale, "sale_id")));
      if (i < unused)
        {
          g_assert_false (contingency);
          g_assert_null (strstr (doc, "-C-"));
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("L2-C-%06" G_GINT64_FORMAT,
                                                       i - unused + 1);

          g_assert_true (contingency);
          g_assert_cmpstr (doc, ==, expected);
        }
    }
  after = tn_lane_ctl_json (l2, "status", "--json", NULL);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (after, "alerts"),
                                               "p1"), >, 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (after, "fiscal"),
                                               "contingency_documents"), ==, 10);

  /* The authority is back: new blocks, store numbers again. */
  tn_lane_start (l1);
  tn_lane_wait_fiscal_numbers (l2);
  {
    g_autoptr(JsonObject) sale = tn_lane_ctl_json (l2, "sell", "--sku", "COFFEE", "--json",
                                                   NULL);

    g_assert_false (json_object_get_boolean_member (sale, "contingency"));
    g_assert_null (strstr (json_object_get_string_member (sale, "fiscal_doc"), "-C-"));
    g_ptr_array_add (sale_ids, g_strdup (json_object_get_string_member (sale, "sale_id")));
  }
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  assert_sales_everywhere (fixture, 2, sale_ids);
}

static void
test_clock_skew (Fixture       *fixture,
                 gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  g_autofree char *clock1 = NULL;
  g_autofree char *clock2 = NULL;
  g_autofree char *name = NULL;
  const char *winner;

  init_pair (fixture);
  /* L2's clock is an hour behind, for the lane and for its tendero-ctl. */
  tn_lane_setenv (l2, "TENDERO_CLOCK_OFFSET_MS", "-3600000");
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "TEA", "Tea");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);

  /* Causally later edits win, whatever the wall clock says. */
  g_free (tn_lane_ctl (l1, "product", "update", "--sku", "TEA", "--name", "Tea (L1)", NULL));
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_free (tn_lane_ctl (l2, "product", "update", "--sku", "TEA", "--name", "Tea (L2)", NULL));
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *now = product_name (&fixture->lanes[i], "TEA");

      g_assert_cmpstr (now, ==, "Tea (L2)");
    }

  /* Concurrent edits: the higher clock wins everywhere. */
  g_assert_cmpint (tn_lane_stop (l2, TN_LANE_STOP_LIMIT_US), ==, 0);
  g_free (tn_lane_ctl (l1, "product", "update", "--sku", "TEA", "--name", "Tea (L1 again)",
                       NULL));
  g_free (tn_lane_ctl (l2, "product", "update", "--sku", "TEA", "--name", "Tea (L2 again)",
                       NULL));
  /* LWW clocks: the HLC in fixed-width hex, then the origin. */
  clock1 = lane_db_text (l1, "SELECT name_clock FROM products WHERE sku = ?", "TEA");
  clock2 = lane_db_text (l2, "SELECT name_clock FROM products WHERE sku = ?", "TEA");
  winner = strcmp (clock1, clock2) > 0 ? "Tea (L1 again)" : "Tea (L2 again)";
  g_test_message ("L1's edit at %s, L2's at %s: %s wins", clock1, clock2, winner);
  /* L2 has seen L1's earlier clock but its own runs an hour behind. */
  g_assert_cmpint (strcmp (clock1, clock2), >, 0);

  tn_lane_start (l2);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  for (guint i = 0; i < 2; i++)
    {
      g_free (name);
      name = product_name (&fixture->lanes[i], "TEA");
      g_assert_cmpstr (name, ==, winner);
    }
}

/* Sends @frame after a good handshake and returns the close code. */
static guint16
close_code_after (Fixture    *fixture,
                  const char *frame)
{
  g_autoptr(TnWsClient) client = tn_ws_client_open (&fixture->lanes[0], NULL);

  g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "S", TRUE, NULL));
  soup_websocket_connection_send_text (client->connection, frame);
  return tn_ws_client_close_code (client);
}

/* The events of a lane of store @store that no running lane has seen, as
 * one "events" frame. */
static char *
unseen_events_frame (Fixture    *fixture,
                     const char *store_id)
{
  g_autoptr(GPtrArray) texts = tn_ws_unseen_events (fixture->root, fixture->key_file, store_id,
                                                    "O1");
  g_autoptr(GPtrArray) frames = tn_sync_encode_event_batches (texts);

  g_assert_cmpuint (frames->len, ==, 1);
  return g_strdup (frames->pdata[0]);
}

static void
test_foreign_clients (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  g_autofree char *before = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *foreign = NULL;
  g_autofree char *unseen = NULL;
  g_autoptr(TnSyncMessage) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) export = NULL;
  guint16 expected;

  g_main_context_push_thread_default (context);
  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "COFFEE", "Coffee");
  /* L1's grants to L2 would change its state under our feet. */
  tn_lane_wait_fiscal_numbers (l2);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  before = state_of (l1);

  /* (a) The wrong store key, with this store's events right behind the
   * hello; and those events without any hello. */
  unseen = unseen_events_frame (fixture, "S");
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);

    g_assert_true (tn_ws_client_handshake (client, fixture->bad_key_file, "S", FALSE, NULL));
    soup_websocket_connection_send_text (client->connection, unseen);
    g_assert_cmpuint (tn_ws_client_close_code (client), ==, TN_SYNC_CLOSE_AUTH);
  }
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);
    g_autofree char *hello = tn_ws_client_next (client, 10000);

    g_assert_nonnull (hello);
    soup_websocket_connection_send_text (client->connection, unseen);
    g_assert_cmpuint (tn_ws_client_close_code (client), ==, TN_SYNC_CLOSE_POLICY);
  }
  /* (b) Not JSON, (c) a type nobody speaks, (d) a frame over 4 MiB. */
  g_assert_cmpuint (close_code_after (fixture, "{\"type\": \"events\", garbage"), ==,
                    TN_SYNC_CLOSE_INVALID);
  g_assert_cmpuint (close_code_after (fixture, "{\"type\":\"gossip\",\"text\":\"hi\"}"), ==,
                    TN_SYNC_CLOSE_POLICY);
  huge = g_strnfill (5 * 1024 * 1024, ' ');
  huge[0] = '[';
  huge[5 * 1024 * 1024 - 1] = ']';
  g_assert_cmpuint (close_code_after (fixture, huge), ==, TN_SYNC_CLOSE_TOO_LARGE);
  /* (e) A flood: more frames at once than a peer waiting for acks can
   * have on the way.  The lane closes before handling any of them (the
   * first, not a hello, would otherwise close with 1008). */
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);
    g_autofree char *hello = tn_ws_client_next (client, 10000);

    g_assert_nonnull (hello);
    tn_ws_client_send_burst (client, "{\"type\":\"gossip\",\"text\":\"hi\"}", 300);
    g_assert_cmpuint (tn_ws_client_close_code (client), ==, TN_SYNC_CLOSE_TOO_LARGE);
  }
  /* (f) Events of another store. */
  foreign = unseen_events_frame (fixture, "OTHER");
  decoded = tn_sync_message_decode (foreign, strlen (foreign), "S", &error);
  g_assert_null (decoded);
  expected = tn_sync_close_code_for_error (error);
  g_test_message ("Events of another store: close code %u (%s)", expected, error->message);
  g_assert_cmpuint (expected, ==, TN_SYNC_CLOSE_AUTH);
  g_assert_cmpuint (close_code_after (fixture, foreign), ==, expected);
  /* (g) A deflated frame of about 64 KiB that inflates to 64 MiB: refused
   * with 1009 once it passes the wire limit, not inflated whole first
   * (libsoup's extension would hold it twice, 128 MiB). */
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open_deflate (l1);
    gsize size = 64 * 1024 * 1024;
    g_autofree char *bomb = g_strnfill (size, ' ');
    gint64 peak_before = lane_peak_kib (l1);
    gint64 peak_after;

    bomb[0] = '[';
    bomb[size - 1] = ']';
    /* The hello arrives deflated once, though the client offered twice. */
    {
      g_autofree char *hello = tn_ws_client_next (client, 10000);
      g_autoptr(GError) hello_error = NULL;
      g_autoptr(TnSyncMessage) first = NULL;

      g_assert_nonnull (hello);
      first = tn_sync_message_decode (hello, strlen (hello), "S", &hello_error);
      g_assert_no_error (hello_error);
      g_assert_cmpint (first->type, ==, TN_SYNC_MESSAGE_HELLO);
    }
    soup_websocket_connection_send_text (client->connection, bomb);
    g_assert_cmpuint (tn_ws_client_close_code (client), ==, TN_SYNC_CLOSE_TOO_LARGE);
    peak_after = lane_peak_kib (l1);
    g_test_message ("Deflate bomb: the lane's peak memory went from %" G_GINT64_FORMAT
                    " to %" G_GINT64_FORMAT " KiB", peak_before, peak_after);
    g_assert_cmpint (peak_after - peak_before, <, 48 * 1024);
  }

  /* Nothing stored, and the lane still syncs with its real peer. */
  {
    g_autofree char *now = state_of (l1);

    g_assert_cmpstr (now, ==, before);
  }
  sale = tn_lane_ctl_json (l2, "sell", "--sku", "COFFEE", "--json", NULL);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  export = tn_lane_ctl_json (l1, "export", "sales", "--format", "json", NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (export, "sales")),
                    ==, 1);
  g_main_context_pop_thread_default (context);
}

static void
test_ctl_commit_latency (Fixture       *fixture,
                         gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  g_autofree char *replica = NULL;
  sqlite3 *db1, *db2;
  gint64 worst = 0;

  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  replica = status_string (l1, "replica");
  db1 = lane_db (l1, FALSE);
  db2 = lane_db (l2, FALSE);

  for (guint i = 0; i < 5; i++)
    {
      const char *sql = "SELECT seq FROM vv WHERE origin = ?";
      gint64 seq, committed, latency;

      g_free (tn_lane_ctl (l1, "sell", "--sku", "COFFEE", "--json", NULL));
      committed = g_get_monotonic_time ();
      seq = db_int (db1, sql, replica, 0);
      while (db_int (db2, sql, replica, 0) < seq)
        {
          g_assert_cmpint (g_get_monotonic_time () - committed, <, 5 * G_USEC_PER_SEC);
          g_usleep (10 * 1000);
        }
      latency = (g_get_monotonic_time () - committed) / 1000;
      worst = MAX (worst, latency);
      g_test_message ("Sale %u reached L2 %" G_GINT64_FORMAT " ms after tendero-ctl exited",
                      i + 1, latency);
    }
  g_test_message ("Worst: %" G_GINT64_FORMAT " ms (DESIGN target: 250 ms)", worst);
  sqlite3_close (db1);
  sqlite3_close (db2);
}

/* A peer that completes the handshake and then stops answering (its
 * connection is never run again, so the lane's pings get no pong) is
 * closed after a few keepalive intervals; one that answers stays. */
static void
test_dead_peer (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(TnWsClient) client = NULL;
  TnLane *l1 = &fixture->lanes[0];
  gint64 until;

  g_main_context_push_thread_default (context);
  init_pair (fixture);
  tn_lane_setenv (l1, "TENDERO_SYNC_KEEPALIVE_S", "1");
  /* Under ASan: full stacks, so tests/lsan.supp can name libsoup's
   * close-timeout leak by our frame (GLib has no frame pointers). */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_getenv ("ASAN_OPTIONS"),
                                           ":fast_unwind_on_malloc=0", NULL);

      tn_lane_setenv (l1, "ASAN_OPTIONS", asan);
    }
  tn_lane_start (l1);
  tn_lane_start (&fixture->lanes[1]);
  add_product (l1, "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  client = tn_ws_client_open (l1, NULL);
  g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "S", TRUE, NULL));

  /* Alive: libsoup answers each ping while the context runs.  Twice the
   * dead-peer limit passes and the session stays open. */
  until = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (context, FALSE))
      g_usleep (1000);
  g_assert_false (client->closed);

  /* Silent: nothing reads the socket, so no pong goes back. */
  g_usleep (8 * G_USEC_PER_SEC);
  g_assert_cmpuint (tn_ws_client_close_code (client), ==, TN_SYNC_CLOSE_GOING_AWAY);
  g_clear_pointer (&client, tn_ws_client_free);
  g_main_context_pop_thread_default (context);
}

/* A peer that reconnects with nothing new does not get the digest it
 * already had; once the lane's state changes, it does. */
static void
test_reconnect_skips_digest (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *replica = g_uuid_string_random ();
  TnLane *l1 = &fixture->lanes[0];

  g_main_context_push_thread_default (context);
  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (&fixture->lanes[1]);
  add_product (l1, "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  /* Stop L2: its catch-up and grants would change L1's state. */
  g_assert_cmpint (tn_lane_stop (&fixture->lanes[1], TN_LANE_STOP_LIMIT_US), ==, 0);

  for (guint round = 0; round < 3; round++)
    {
      g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);
      gboolean got;

      g_assert_true (tn_ws_client_handshake_as (client, fixture->key_file, "S", replica, TRUE,
                                                NULL));
      got = client_got_digest (client, 4000);
      /* First contact: sent.  Same state again: skipped.  After a
       * change (a product made on L1 itself): sent. */
      if (round == 1)
        g_assert_false (got);
      else
        g_assert_true (got);
      if (round == 1)
        add_product (l1, "TEA", "Tea");
    }
  g_main_context_pop_thread_default (context);
}

/* Sessions in @lane's peers.json in @state. */
static guint
count_peers_in_state (TnLane     *lane,
                      const char *state)
{
  g_autoptr(JsonObject) peers = tn_lane_read_peers (lane);
  JsonArray *array = json_object_get_array_member (peers, "peers");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *peer = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (peer, "state"), state) == 0)
        n++;
    }
  return n;
}

static gboolean
one_session_each (Fixture *fixture)
{
  for (guint i = 0; i < 2; i++)
    if (count_peers_in_state (&fixture->lanes[i], "connected") != 1)
      return FALSE;
  /* The lane whose connection lost waits on standby. */
  return count_peers_in_state (&fixture->lanes[0], "standby") +
         count_peers_in_state (&fixture->lanes[1], "standby") == 1;
}

/* L1 and L2 dial each other: each lane keeps one session with the
 * other, the same connection on both sides, and it stays that way. */
static void
test_dual_dial (Fixture       *fixture,
                gconstpointer  data)
{
  gint64 deadline;

  init_pair (fixture);
  tn_lane_start (&fixture->lanes[0]);
  tn_lane_start (&fixture->lanes[1]);
  add_product (&fixture->lanes[0], "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!one_session_each (fixture))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  /* No redialling churn: several backoff periods later, still so. */
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_true (one_session_each (fixture));

  /* The session kept carries the sync both ways. */
  tn_lane_sell (&fixture->lanes[1], "COFFEE", 1);
  tn_lane_sell (&fixture->lanes[0], "COFFEE", 1);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_assert_true (one_session_each (fixture));
}

static void
test_divergence_detected (Fixture       *fixture,
                          gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  gint64 deadline;
  sqlite3 *db;
  TnDigestPending *pending;
  const char *alerts = "SELECT count(*) FROM alerts WHERE kind = 'divergence'";
  const char *rows = "SELECT count(*) FROM divergences WHERE entities LIKE ?";

  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "COFFEE", "Coffee");
  add_product (l1, "TEA", "Tea");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  tn_lane_sell (l2, "COFFEE", 2);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_usleep (1500 * 1000);   /* the digests after catch-up */
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (lane_db_int (&fixture->lanes[i], alerts, NULL), ==, 0);

  /* A projection row changed without an event. */
  g_assert_cmpint (tn_lane_stop (l2, TN_LANE_STOP_LIMIT_US), ==, 0);
  db = lane_db (l2, TRUE);
  /* The digest triggers need Tendero's SQL functions and a transaction
   * that flushes them; the tampering goes through them, as a projection
   * bug would. */
  g_assert_cmpint (tn_digest_register_functions (db, &pending), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE stock SET qty = qty + 1000 WHERE sku = 'COFFEE'",
                                 NULL, NULL, NULL), ==, SQLITE_ERROR);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN; UPDATE stock SET qty = qty + 1000 "
                                 "WHERE sku = 'COFFEE'", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  g_assert_true (tn_digest_flush (db, NULL));
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  tn_lane_start (l2);

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (TRUE)
    {
      gint64 found = 0;

      for (guint i = 0; i < 2; i++)
        found += MIN (lane_db_int (&fixture->lanes[i], alerts, NULL),
                      lane_db_int (&fixture->lanes[i], rows, "%\"stock:COFFEE\"%"));
      if (found > 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  /* Only the tampered entity's bucket is named. */
  for (guint i = 0; i < 2; i++)
    g_assert_cmpint (lane_db_int (&fixture->lanes[i], rows, "%stock:TEA%"), ==, 0);
}

typedef struct
{
  TnWsClient  *client;
  gboolean hello;
  guint16  code;
  gint64   hello_ms;
} Attempt;

/* Connects from the attacker's address and answers the hello with the
 * wrong key; fills in what happened. */
static void
attempt_finish (Fixture *fixture,
                Attempt *attempt)
{
  TnWsClient *client = attempt->client;

  g_assert_true (tn_ws_iterate_until (client->context, &client->connected, 10000));
  g_assert_no_error (client->error);
  attempt->hello = tn_ws_client_handshake (client, fixture->bad_key_file, "S", FALSE, NULL);
  attempt->hello_ms = attempt->hello ? (client->first_message_at - client->started_at) / 1000
                                     : -1;
  attempt->code = tn_ws_client_close_code (client);
  g_clear_pointer (&attempt->client, tn_ws_client_free);
}

static void
test_handshake_slowdown (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  Attempt attempts[25] = { { 0 } };
  gint64 started;
  guint hellos = 0;

  g_main_context_push_thread_default (context);
  init_pair (fixture);
  tn_lane_start (l1);
  tn_lane_start (l2);
  add_product (l1, "COFFEE", "Coffee");
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);

  /* Three failures are free; the fourth waits for its hello. */
  for (guint i = 0; i < 4; i++)
    {
      attempts[i].client = tn_ws_client_open_async (l1, ATTACKER_ADDRESS);
      attempt_finish (fixture, &attempts[i]);
      g_test_message ("Attempt %u: hello after %" G_GINT64_FORMAT " ms, closed %u", i + 1,
                      attempts[i].hello_ms, attempts[i].code);
      g_assert_true (attempts[i].hello);
      g_assert_cmpuint (attempts[i].code, ==, TN_SYNC_CLOSE_AUTH);
      if (i < 3)
        g_assert_cmpint (attempts[i].hello_ms, <, 490);
    }
  /* Measured from before the connection: never less than the delay. */
  g_assert_cmpint (attempts[3].hello_ms, >=, 500);

  /* Sixteen at once: only a handful get a hello, each slowed down; the
   * others are refused at once and counted, which takes it to twenty. */
  started = g_get_monotonic_time ();
  for (guint i = 4; i < 20; i++)
    attempts[i].client = tn_ws_client_open_async (l1, ATTACKER_ADDRESS);
  /* All upgraded (so each met the limit) before the first fails. */
  for (guint i = 4; i < 20; i++)
    g_assert_true (tn_ws_iterate_until (context, &attempts[i].client->connected, 10000));
  /* Meanwhile the right key from another address is welcomed at once. */
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);

    g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "S", TRUE, NULL));
    g_assert_cmpint ((client->first_message_at - client->started_at) / 1000, <, 490);
  }
  for (guint i = 4; i < 20; i++)
    {
      attempt_finish (fixture, &attempts[i]);
      g_test_message ("Attempt %u: hello after %" G_GINT64_FORMAT " ms, closed %u", i + 1,
                      attempts[i].hello_ms, attempts[i].code);
      if (attempts[i].hello)
        {
          hellos++;
          g_assert_cmpint (attempts[i].hello_ms, >=, 1000);
        }
      g_assert_cmpuint (attempts[i].code, ==, TN_SYNC_CLOSE_AUTH);
    }
  g_test_message ("Attempts 5 to 20 took %" G_GINT64_FORMAT " ms, %u got a hello",
                  (g_get_monotonic_time () - started) / 1000, hellos);
  g_assert_cmpuint (hellos, >=, 1);
  g_assert_cmpuint (hellos, <=, 5);

  /* From then on the address is refused before any hello. */
  for (guint i = 20; i < 25; i++)
    {
      attempts[i].client = tn_ws_client_open_async (l1, ATTACKER_ADDRESS);
      attempt_finish (fixture, &attempts[i]);
      g_assert_false (attempts[i].hello);
      g_assert_cmpuint (attempts[i].code, ==, TN_SYNC_CLOSE_AUTH);
    }

  /* A lane holding the key still gets in, at once. */
  {
    g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);

    g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "S", TRUE, NULL));
    g_assert_cmpint ((client->first_message_at - client->started_at) / 1000, <, 490);
  }
  g_assert_cmpint (tn_lane_stop (l2, TN_LANE_STOP_LIMIT_US), ==, 0);
  tn_lane_start (l2);
  tn_lane_sell (l2, "COFFEE", 1);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_main_context_pop_thread_default (context);
}

static void
drop_log_cb (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The test harness prints every debug message: libsoup's drown ours. */
  if (!g_test_verbose ())
    {
      g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, drop_log_cb, NULL);
      g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, drop_log_cb, NULL);
    }

  tn_lane_require_binaries ();

  g_test_add ("/sync-faults/kill-during-sales", Fixture, NULL, tn_lane_fixture_setup,
              test_kill_during_sales, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/contingency-when-cut-off", Fixture, NULL, tn_lane_fixture_setup,
              test_contingency_when_cut_off, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/clock-skew", Fixture, NULL, tn_lane_fixture_setup,
              test_clock_skew, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/foreign-clients", Fixture, NULL, tn_lane_fixture_setup,
              test_foreign_clients, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/ctl-commit-latency", Fixture, NULL, tn_lane_fixture_setup,
              test_ctl_commit_latency, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/reconnect-skips-digest", Fixture, NULL, tn_lane_fixture_setup,
              test_reconnect_skips_digest, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/dual-dial", Fixture, NULL, tn_lane_fixture_setup,
              test_dual_dial, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/dead-peer", Fixture, NULL, tn_lane_fixture_setup,
              test_dead_peer, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/divergence-detected", Fixture, NULL, tn_lane_fixture_setup,
              test_divergence_detected, tn_lane_fixture_teardown);
  g_test_add ("/sync-faults/handshake-slowdown", Fixture, NULL, tn_lane_fixture_setup,
              test_handshake_slowdown, tn_lane_fixture_teardown);
  return g_test_run ();
}
