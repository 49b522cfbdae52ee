/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Bad input at every entry point (DESIGN §8, issue 6): the peer
 * WebSocket, the hub's HTTP API, tendero-ctl's arguments, the CSV
 * catalogue import and config.ini.  Each table row is one bad input, the
 * outcome it must get (exit code, close code or HTTP status) and a
 * fragment of the message a manager can act on; after each row nothing
 * has changed: the lane's version vector, state digest, outbox counts
 * and the events in its database file, or the hub's row counts. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <string.h>

#include "tn-config.h"
#include "tn-lane-harness.h"
#include "tn-pg-harness.h"
#include "tn-sync-protocol.h"
#include "tn-test-util.h"
#include "tn-ws-client.h"

typedef TnLaneFixture Fixture;

/* Filled in main (): overlong inputs. */
static char long_sku[300];
static char long_name[2000];
static char long_reason[5000];

/* What must not change ----------------------------------------------------- */

static gint64
db_events (TnLane *lane)
{
  g_autofree char *path = tn_config_db_path (lane->dir);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count (*) FROM events", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* vv, digest, outbox counts, held back, conflicts, and the events
 * counted in the database file itself. */
static char *
lane_state (TnLane *lane)
{
  g_autoptr(JsonObject) status = tn_lane_ctl_json (lane, "status", "--json", NULL);
  g_autofree char *vv = tn_lane_vv_text (status);
  JsonObject *outbox = json_object_get_object_member (status, "outbox");

  return g_strdup_printf ("vv %s digest %s outbox %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%"
                          G_GINT64_FORMAT " held %" G_GINT64_FORMAT " conflicts %"
                          G_GINT64_FORMAT " events %" G_GINT64_FORMAT,
                          vv, json_object_get_string_member (status, "digest"),
                          json_object_get_int_member (outbox, "pending"),
                          json_object_get_int_member (outbox, "peer_ack"),
                          json_object_get_int_member (outbox, "cloud_ack"),
                          json_object_get_int_member (status, "held_back"),
                          json_object_get_int_member (status, "conflicts"),
                          db_events (lane));
}

static void
assert_message (const char *row,
                const char *text,
                const char *fragment)
{
  if (fragment != NULL && (text == NULL || strstr (text, fragment) == NULL))
    g_error ("Row “%s”: expected “%s” in the message, got: %s", row, fragment,
             text ? text : "(nothing)");
}

/* L1 (fiscal authority, dialling L2, which never runs) with a product,
 * a very dear one, a manager and a sale; started when @running. */
static void
set_up_lane (Fixture  *fixture,
             gboolean  running)
{
  TnLane *l1 = &fixture->lanes[0];

  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  g_free (tn_lane_ctl (l1, "product", "add", "--sku", "COFFEE", "--name", "Coffee",
                       "--price", "2.50", NULL));
  g_free (tn_lane_ctl (l1, "product", "add", "--sku", "GOLD", "--name", "Gold bar",
                       "--price", "1000000000", NULL));
  g_free (tn_lane_ctl (l1, "employee", "add", "--name", "Ana", "--pin", "4321", "--manager",
                       NULL));
  tn_lane_sell (l1, "COFFEE", 1);
  if (running)
    tn_lane_start (l1);
}

/* tendero-ctl arguments ---------------------------------------------------- */

typedef struct
{
  const char *args[14];
  int         exit_code;
  const char *message;
} CtlRow;

static const CtlRow ctl_rows[] = {
  { { "frobnicate" }, 2, "Unknown command “frobnicate”" },
  { { NULL }, 2, "No command given" },
  { { "status", "--bogus" }, 2, "Unknown option --bogus" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea" }, 2, "--price is required" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "abc" }, 2,
    "Invalid --price: “abc” is not a valid amount" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "1.505" }, 2,
    "use at most 2 decimals" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "-1" }, 2,
    "it cannot be negative" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "1e3" }, 2,
    "not a valid amount" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "99999999999999" }, 2,
    "is too large for an amount" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "1", "--tax", "150" }, 2,
    "use a percentage from 0 to 100" },
  { { "product", "add", "--sku", "COFFEE", "--name", "Tea", "--price", "1" }, 1,
    "already in the catalogue" },
  { { "product", "add", "--sku", "A B", "--name", "Tea", "--price", "1" }, 1,
    "is not a valid SKU" },
  { { "product", "add", "--sku", long_sku, "--name", "Tea", "--price", "1" }, 1,
    "use 1–64 characters" },
  { { "product", "add", "--sku", "TEA", "--name", long_name, "--price", "1" }, 1,
    "needs a name of 1–200 characters" },
  { { "product", "add", "--sku", "TEA", "--name", "Caf\xe9", "--price", "1" }, 2,
    "The value of --name is not valid UTF-8 text" },
  { { "product", "add", "--sku", "TEA", "--name=\xff\xfe", "--price", "1" }, 2,
    "The value of --name is not valid UTF-8 text" },
  { { "product", "add", "--sku", "TEA", "--name", "Tea", "--price", "1", "--barcode",
      long_sku }, 1, "barcode of TEA is longer than 64 characters" },
  { { "product", "update", "--sku", "NOPE", "--name", "Tea" }, 1, "No product with SKU “NOPE”" },
  { { "product", "update", "--sku", "COFFEE" }, 2, "Nothing to change" },
  { { "product", "update", "--sku", "COFFEE", "--barcode", long_sku }, 1,
    "barcode of COFFEE is longer than 64 characters" },
  { { "product", "list", "--bogus" }, 2, "Unknown option --bogus" },
  { { "product", "set-price", "--sku", "NOPE", "--price", "1" }, 1,
    "No product with SKU “NOPE”" },
  { { "product", "set-price", "--sku", "COFFEE", "--price", "x" }, 2, "Invalid --price" },
  { { "product", "set-price", "--sku", "COFFEE", "--price", "1", "--employee", "nobody" }, 1,
    "--employee: No employee has the id “nobody”" },
  { { "sell" }, 2, "give at least one --sku" },
  { { "sell", "--sku", "NOPE" }, 1, "No product with SKU “NOPE”" },
  { { "sell", "--sku", "COFFEE", "--qty", "-1" }, 2, "it cannot be negative" },
  { { "sell", "--sku", "COFFEE", "--qty", "0" }, 2, "sell at least 0.001 units" },
  { { "sell", "--sku", "COFFEE", "--qty", "abc" }, 2, "is not a valid quantity" },
  { { "sell", "--sku", "COFFEE", "--qty", "99999999999999" }, 2,
    "is too large for a quantity" },
  { { "sell", "--sku", "GOLD", "--qty", "100000" }, 1,
    "The sale’s total is too large to record" },
  { { "sell", "--qty", "2", "--sku", "COFFEE" }, 2, "comes before any --sku" },
  { { "sell", "--sku", "COFFEE", "--pay", "bitcoin" }, 2, "use cash, card or transfer" },
  { { "sell", "--sku", "COFFEE", "--frobnicate" }, 2, "Unknown option --frobnicate" },
  { { "void" }, 2, "Which sale?" },
  { { "void", "not-a-sale", "--reason", "x" }, 1, "is not a sale id" },
  { { "void", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", "--reason", "x" }, 1,
    "No sale with id 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b on this lane" },
  { { "void", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b", "--reason", long_reason }, 1,
    "up to 1024 characters" },
  { { "stock", "adjust", "--sku", "COFFEE", "--delta", "1", "--reason", long_reason }, 1,
    "up to 1024 characters" },
  { { "employee", "add", "--name", long_reason, "--pin", "5555" }, 1,
    "needs a name of 1–200 characters" },
  { { "stock", "adjust", "--sku", "COFFEE", "--delta", "1" }, 2, "--reason is required" },
  { { "stock", "adjust", "--sku", "COFFEE", "--delta", "0", "--reason", "r" }, 2,
    "changes nothing" },
  { { "stock", "adjust", "--sku", "NOPE", "--delta", "1", "--reason", "r" }, 1,
    "No product with SKU “NOPE”" },
  { { "stock", "receive", "--sku", "COFFEE", "--qty", "-3", "--reason", "r" }, 2,
    "it cannot be negative" },
  { { "employee", "add", "--name", "Luis", "--pin", "12" }, 2, "A PIN is 4 to 12 digits" },
  { { "employee", "add", "--name", "", "--pin", "1234" }, 2, "Invalid --name: it is empty" },
  { { "conflicts", "resolve", "NOPE", "--value", "1" }, 1, "There is no open conflict" },
  { { "conflicts", "resolve", "COFFEE/price", "--value", "abc" }, 2, "Invalid --value" },
  { { "export", "sales", "--format", "xml" }, 2, "use csv or json" },
  { { "init", "--store", "S", "--terminal", "L9" }, 1, "Nothing was changed" },
  { { "catalog", "import", "/nonexistent/catalogue.csv" }, 1, "Cannot read the catalogue" },
  { { "cash", "open", "--float", "x" }, 2, "Invalid --float" },
  { { "rate", "set", "--currency", "VES", "--rate", "0" }, 2, "it must be greater than zero" },
  { { "cash", "in", "--amount", "x", "--reason", "r" }, 2, "Invalid --amount" },
  { { "cash", "out", "--amount", "-5", "--reason", "r" }, 2, "it cannot be negative" },
  { { "cash", "close", "--counted", "abc" }, 2, "Invalid --counted" },
  { { "conflicts", "list", "extra" }, 2, "Unexpected argument “extra”" },
  { { "deadletters", "list", "--bogus" }, 2, "Unknown option --bogus" },
  { { "fiscal", "verify", "--bogus" }, 2, "Unknown option --bogus" },
  { { "fiscal", "grant" }, 2, "--device is required" },
  { { "tls", "fingerprint", "/nonexistent/cert.pem" }, 1, "Cannot read a certificate" },
  { { "export", "sales", "--format" }, 2, "Missing argument for --format" },
};

static void
test_ctl_arguments (Fixture       *fixture,
                    gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  g_autofree char *before = NULL;

  set_up_lane (fixture, TRUE);
  before = lane_state (l1);
  for (guint i = 0; i < G_N_ELEMENTS (ctl_rows); i++)
    {
      const CtlRow *row = &ctl_rows[i];
      g_autofree char *joined = g_strjoinv (" ", (char **) row->args);
      /* Rows carry invalid UTF-8 on purpose; the TAP log must stay text. */
      g_autofree char *name = g_utf8_make_valid (joined, -1);
      g_autofree char *err = NULL;
      g_autofree char *now = NULL;
      int code = tn_lane_ctl_run (l1, row->args, NULL, &err);

      g_test_message ("tendero-ctl %.80s → %d: %s", name, code, err);
      if (code != row->exit_code)
        g_error ("Row “%.80s”: exit %d, expected %d: %s", name, code, row->exit_code, err);
      g_assert_true (g_str_has_prefix (err, "tendero-ctl: "));
      assert_message (name, err, row->message);
      now = lane_state (l1);
      g_assert_cmpstr (now, ==, before);
    }
}

/* CSV catalogue import ----------------------------------------------------- */

#define HEADER "sku,name,price,barcode,tax\n"

typedef struct
{
  const char *name;
  const char *content;     /* NULL: an 80 KiB line */
  gsize       length;      /* 0: strlen (content) */
  const char *message;
} CsvRow;

static const CsvRow csv_rows[] = {
  { "bad header", "sku,nom,price\nTEA,Tea,1\n", 0, "Line 1 must be the header" },
  { "Latin-1", HEADER "TEA,Caf\xe9,1.00,,0\n", 0, "Line 2 is not valid UTF-8 text" },
  { "NUL bytes", HEADER "TEA\0,Tea,1.00,,0\n", sizeof (HEADER "TEA\0,Tea,1.00,,0\n") - 1,
    "contains NUL bytes" },
  { "bad price", HEADER "TEA,Tea,1.2x,,0\n", 0, "Line 2: “1.2x” is not a valid amount" },
  { "negative price", HEADER "TEA,Tea,-1.20,,0\n", 0, "it cannot be negative" },
  { "huge price", HEADER "TEA,Tea,99999999999999,,0\n", 0, "is too large for a price" },
  { "bad tax", HEADER "TEA,Tea,1.20,,200\n", 0, "Line 2: “200” is not a valid tax rate" },
  { "duplicate sku", HEADER "TEA,Tea,1.20,,0\nTEA,Green tea,1.30,,0\n", 0,
    "Line 3: SKU TEA appears again (first on line 2)" },
  { "extra field", HEADER "TEA,Tea,1.20,,0,x\n", 0, "Line 2 has 6 fields; each row needs 5" },
  { "bad sku", HEADER "T/EA,Tea,1.20,,0\n", 0, "is not a valid SKU" },
  { "oversized line", NULL, 0, "Line 2" },
  { "unterminated quote", HEADER "TEA,\"Tea,1.20,,0\n", 0, "Line 2" },
};

static void
test_csv_import (Fixture       *fixture,
                 gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  g_autofree char *before = NULL;
  g_autofree char *path = g_build_filename (fixture->root, "catalogue.csv", NULL);

  set_up_lane (fixture, TRUE);
  before = lane_state (l1);
  for (guint i = 0; i < G_N_ELEMENTS (csv_rows); i++)
    {
      const CsvRow *row = &csv_rows[i];
      const char *args[] = { "catalog", "import", path, NULL };
      g_autofree char *err = NULL;
      g_autofree char *now = NULL;
      g_autofree char *generated = NULL;
      g_autoptr(GError) error = NULL;
      int code;

      if (row->content == NULL)
        {
          g_autofree char *name = g_strnfill (80 * 1024, 'x');

          generated = g_strdup_printf (HEADER "TEA,%s,1.00,,0\n", name);
        }
      g_file_set_contents (path, generated ? generated : row->content,
                           generated ? -1 : row->length ? (gssize) row->length : -1, &error);
      g_assert_no_error (error);
      code = tn_lane_ctl_run (l1, args, NULL, &err);
      g_test_message ("CSV %s → %d: %s", row->name, code, err);
      if (code != 1)
        g_error ("Row “%s”: exit %d, expected 1: %s", row->name, code, err);
      assert_message (row->name, err, "Nothing was imported.");
      assert_message (row->name, err, row->message);
      now = lane_state (l1);
      g_assert_cmpstr (now, ==, before);
    }
}

/* config.ini --------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *from;       /* replaced in the good file; NULL: the whole file */
  const char *to;
  int         exit_code;  /* of tendero-ctl status; the lane exits 1 unless this is 0 */
  const char *message;
} ConfigRow;

static const ConfigRow config_rows[] = {
  { "port out of range", "port=", "port=99999\nx-port=", 1, "port 99999 is out of range" },
  { "port not a number", "port=", "port=abc\nx-port=", 1, "port “abc” is not a number" },
  { "bad hub URL", "hub=", "hub=ftp://nowhere\nx-hub=", 1, "is not a hub address" },
  { "bad peer URL", "peers=", "peers=not a url;\nx-peers=", 1, "is not a peer address" },
  { "bad fingerprint", "[lane]\n", "[lane]\npeer-fingerprints=zz\n", 1,
    "is not a SHA-256 certificate fingerprint" },
  { "bad hub setting", "[lane]\n", "[hub]\nupload-interval-ms=1\n[lane]\n", 1,
    "upload-interval-ms must be a whole number" },
  { "watch interval too short", "sync-watch-interval-ms=100\n", "sync-watch-interval-ms=5\n", 1,
    "[lane] sync-watch-interval-ms must be a whole number between 10 and 60000" },
  /* Not a number is refused too, not replaced by the default. */
  { "offline limit not a number", "max-offline-minutes=60\n", "max-offline-minutes=soon\n", 1,
    "[lane] max-offline-minutes must be a whole number between 1 and 43200" },
  { "another store", "store=S\n", "store=T\n", 1, "belongs to store “T”, but its database" },
  { "no terminal", "terminal=L1\n", "\n", 1, "must name the store and the terminal" },
  { "garbage bytes", NULL, "\x01\xff\xfe garbage\n", 1, "config.ini" },
  /* Unknown keys are ignored (a newer version may have written them),
   * but named: a misspelt setting must not go unnoticed. */
  { "unknown key", "[lane]\n", "[lane]\nhub-url=https://hub.example\n", 0,
    "unknown setting [lane] hub-url is ignored: check its spelling" },
  { "unknown group", "[lane]\n", "[sync]\nport=9000\n[lane]\n", 0,
    "unknown setting [sync] port is ignored" },
};

static void
lane_exited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

/* Runs the headless lane on @lane; returns its exit code and stderr.  A
 * lane still running after 20 s has accepted the configuration: that
 * fails the test. */
static int
run_lane (TnLane  *lane,
          char   **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = g_strdup_printf ("%s.config.log", lane->dir);
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, tn_lane_child_setup, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, tn_lane_program ("TN_LANE"),
                                         "--data-dir", lane->dir, "--headless", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (process, NULL, lane_exited_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
  if (!done)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      g_error ("The lane accepted a bad config.ini and kept running");
    }
  g_file_get_contents (log, err, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

static void
test_config_file (Fixture       *fixture,
                  gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  g_autofree char *path = NULL;
  g_autofree char *good = NULL;
  g_autofree char *before = NULL;
  g_autoptr(GError) error = NULL;

  set_up_lane (fixture, FALSE);
  path = tn_config_file_path (l1->dir);
  g_file_get_contents (path, &good, NULL, &error);
  g_assert_no_error (error);
  before = lane_state (l1);
  for (guint i = 0; i < G_N_ELEMENTS (config_rows); i++)
    {
      const ConfigRow *row = &config_rows[i];
      const char *args[] = { "status", NULL };
      g_autofree char *bad = NULL;
      g_autofree char *err = NULL;
      g_autofree char *now = NULL;
      int code;

      if (row->from == NULL)
        bad = g_strdup (row->to);
      else
        {
          g_auto(GStrv) parts = g_strsplit (good, row->from, 2);

          g_assert_cmpuint (g_strv_length (parts), ==, 2);
          bad = g_strjoin (row->to, parts[0], parts[1], NULL);
        }
      g_file_set_contents (path, bad, -1, &error);
      g_assert_no_error (error);

      code = tn_lane_ctl_run (l1, args, NULL, &err);
      g_test_message ("config %s: tendero-ctl → %d: %s", row->name, code, err);
      if (code != row->exit_code)
        g_error ("Row “%s”: tendero-ctl exit %d, expected %d: %s", row->name, code,
                 row->exit_code, err);
      assert_message (row->name, err, row->message);
      g_clear_pointer (&err, g_free);
      if (row->exit_code != 0)
        {
          code = run_lane (l1, &err);
          g_test_message ("config %s: tendero → %d: %s", row->name, code, err);
          if (code != 1)
            g_error ("Row “%s”: the lane exited %d, expected 1: %s", row->name, code, err);
          assert_message (row->name, err, row->message);
        }
      else
        {
          /* The lane runs, and says so in its log. */
          g_autofree char *log = g_strdup_printf ("%s.log", l1->dir);
          gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

          tn_lane_start (l1);
          for (;;)
            {
              g_clear_pointer (&err, g_free);
              if ((g_file_get_contents (log, &err, NULL, NULL) &&
                   strstr (err, row->message) != NULL) ||
                  g_get_monotonic_time () > deadline)
                break;
              g_usleep (50 * 1000);
            }
          assert_message (row->name, err, row->message);
          g_assert_cmpint (tn_lane_stop (l1, TN_LANE_STOP_LIMIT_US), ==, 0);
        }

      g_file_set_contents (path, good, -1, &error);
      g_assert_no_error (error);
      now = lane_state (l1);
      g_assert_cmpstr (now, ==, before);
    }
}

/* Peer WebSocket ---------------------------------------------------------- */

typedef enum
{
  PEER_WRONG_KEY,
  PEER_WRONG_STORE,
  PEER_REPLAYED_HELLO,
  PEER_EVENTS_BEFORE_HELLO,
  PEER_MALFORMED,
  PEER_UNKNOWN_TYPE,
  PEER_HUGE_FRAME,
  PEER_INVALID_EVENT,
  PEER_OTHER_STORE_EVENTS,
} PeerInput;

typedef struct
{
  const char *name;
  PeerInput   input;
  guint16     close_code;
  const char *message;     /* in the lane's error frame */
} PeerRow;

static const PeerRow peer_rows[] = {
  { "wrong store key", PEER_WRONG_KEY, TN_SYNC_CLOSE_AUTH,
    "Terminal X9 at 127.0.0.1 (incoming) does not hold this store’s key" },
  { "wrong store", PEER_WRONG_STORE, TN_SYNC_CLOSE_AUTH,
    "the peer belongs to store “T”, this lane to “S”" },
  { "replayed handshake", PEER_REPLAYED_HELLO, TN_SYNC_CLOSE_AUTH,
    "does not hold this store’s key" },
  { "events before the handshake", PEER_EVENTS_BEFORE_HELLO, TN_SYNC_CLOSE_POLICY,
    "Unexpected “events” message during the handshake" },
  { "malformed JSON", PEER_MALFORMED, TN_SYNC_CLOSE_INVALID, "The frame is not valid JSON" },
  { "unknown message type", PEER_UNKNOWN_TYPE, TN_SYNC_CLOSE_POLICY,
    "Unknown message type “gossip”" },
  { "5 MiB frame", PEER_HUGE_FRAME, TN_SYNC_CLOSE_TOO_LARGE,
    "The frame is 5242880 bytes; the limit is 4 MiB" },
  { "event failing validation", PEER_INVALID_EVENT, TN_SYNC_CLOSE_INVALID,
    "ProductCreated: “price” must not be negative" },
  { "events of another store", PEER_OTHER_STORE_EVENTS, TN_SYNC_CLOSE_AUTH,
    "The event belongs to store “OTHER”, not “S”" },
};

static char *
events_frame (GPtrArray *texts)
{
  g_autoptr(GPtrArray) frames = tn_sync_encode_event_batches (texts);

  g_assert_cmpuint (frames->len, ==, 1);
  return g_strdup (frames->pdata[0]);
}

/* Plays @row against @lane; returns the close code and, in @error_frame,
 * the error frame the lane sent before closing (NULL if none). */
static guint16
play_peer_row (Fixture       *fixture,
               const PeerRow *row,
               const char    *good_events,
               const char    *bad_events,
               const char    *foreign_events,
               char         **error_frame)
{
  TnLane *l1 = &fixture->lanes[0];
  g_autoptr(TnWsClient) client = tn_ws_client_open (l1, NULL);
  g_autofree char *huge = NULL;
  const char *frame = NULL;
  guint16 code;

  switch (row->input)
    {
    case PEER_WRONG_KEY:
      g_assert_true (tn_ws_client_handshake (client, fixture->bad_key_file, "S", FALSE, NULL));
      frame = good_events;
      break;
    case PEER_WRONG_STORE:
      g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "T", FALSE, NULL));
      break;
    case PEER_REPLAYED_HELLO:
      {
        g_autoptr(TnWsClient) first = tn_ws_client_open (l1, NULL);
        g_autofree char *overheard = NULL;
        g_autofree char *hello = NULL;

        /* A hello overheard on the LAN answers another nonce. */
        g_assert_true (tn_ws_client_handshake (first, fixture->key_file, "S", TRUE,
                                               &overheard));
        g_clear_pointer (&first, tn_ws_client_free);
        hello = tn_ws_client_next (client, 10000);
        g_assert_nonnull (hello);
        soup_websocket_connection_send_text (client->connection, overheard);
      }
      break;
    case PEER_EVENTS_BEFORE_HELLO:
      g_free (tn_ws_client_next (client, 10000));
      frame = good_events;
      break;
    default:
      g_assert_true (tn_ws_client_handshake (client, fixture->key_file, "S", TRUE, NULL));
      break;
    }
  switch (row->input)
    {
    case PEER_MALFORMED:
      frame = "{\"type\": \"events\", garbage";
      break;
    case PEER_UNKNOWN_TYPE:
      frame = "{\"type\":\"gossip\",\"text\":\"hi\"}";
      break;
    case PEER_HUGE_FRAME:
      huge = g_strnfill (5 * 1024 * 1024, ' ');
      huge[0] = '[';
      huge[5 * 1024 * 1024 - 1] = ']';
      frame = huge;
      break;
    case PEER_INVALID_EVENT:
      frame = bad_events;
      break;
    case PEER_OTHER_STORE_EVENTS:
      frame = foreign_events;
      break;
    default:
      break;
    }
  if (frame != NULL &&
      soup_websocket_connection_get_state (client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (client->connection, frame);

  code = tn_ws_client_close_code (client);
  *error_frame = NULL;
  for (char *text; (text = g_queue_pop_head (&client->messages)) != NULL; g_free (text))
    if (strstr (text, "\"type\":\"error\"") != NULL && *error_frame == NULL)
      *error_frame = g_strdup (text);
  return code;
}

static void
test_peer_websocket (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  TnLane *l1 = &fixture->lanes[0];
  g_autofree char *before = NULL;
  g_autoptr(GPtrArray) good = NULL;
  g_autoptr(GPtrArray) foreign = NULL;
  g_autofree char *good_events = NULL;
  g_autofree char *bad_events = NULL;
  g_autofree char *foreign_events = NULL;

  g_main_context_push_thread_default (context);
  set_up_lane (fixture, TRUE);
  good = tn_ws_unseen_events (fixture->root, fixture->key_file, "S", "O1");
  foreign = tn_ws_unseen_events (fixture->root, fixture->key_file, "OTHER", "O2");
  good_events = events_frame (good);
  foreign_events = events_frame (foreign);
  /* The product's price changed after the event was hashed. */
  {
    g_auto(GStrv) parts = g_strsplit (good_events, "\"price\":250", 2);

    g_assert_cmpuint (g_strv_length (parts), ==, 2);
    bad_events = g_strjoin ("\"price\":-250", parts[0], parts[1], NULL);
  }

  before = lane_state (l1);
  for (guint i = 0; i < G_N_ELEMENTS (peer_rows); i++)
    {
      const PeerRow *row = &peer_rows[i];
      g_autofree char *error_frame = NULL;
      g_autofree char *now = NULL;
      guint16 code = play_peer_row (fixture, row, good_events, bad_events, foreign_events,
                                    &error_frame);

      g_test_message ("peer %s → close %u: %s", row->name, code,
                      error_frame ? error_frame : "(no error frame)");
      if (code != row->close_code)
        g_error ("Row “%s”: close code %u, expected %u", row->name, code, row->close_code);
      assert_message (row->name, error_frame, row->message);
      now = lane_state (l1);
      g_assert_cmpstr (now, ==, before);
    }
  g_main_context_pop_thread_default (context);
}

/* Hub HTTP ----------------------------------------------------------------- */

typedef enum { KEY_GOOD, KEY_WRONG, KEY_NONE, KEY_OTHER_STORE } HubKey;

typedef struct
{
  const char *name;
  const char *method;
  const char *path;
  HubKey      key;
  const char *body;        /* "@events": events no hub holds; "@huge": 9 MiB */
  guint       status;
  const char *error;       /* the "error" member */
  const char *message;     /* in the "message" member */
} HubRow;

#define ORIGIN "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"

static const HubRow hub_rows[] = {
  { "wrong key", "POST", "/v1/stores/S/events:batch", KEY_WRONG, "@events", 401,
    "unauthorized", "This API key does not open store S" },
  { "no key", "POST", "/v1/stores/S/events:batch", KEY_NONE, "@events", 401,
    "unauthorized", "No API key: send “Authorization: Bearer <key>”" },
  { "another store's key", "POST", "/v1/stores/S/events:batch", KEY_OTHER_STORE, "@events",
    401, "unauthorized", "This API key does not open store S" },
  { "malformed JSON", "POST", "/v1/stores/S/events:batch", KEY_GOOD, "{\"events\": [", 400,
    "bad_request", "The body is not valid JSON" },
  { "not a batch", "POST", "/v1/stores/S/events:batch", KEY_GOOD, "[]", 400, "bad_request",
    "The body must be a JSON object" },
  { "invalid UTF-8", "POST", "/v1/stores/S/events:batch", KEY_GOOD, "\xff\xfe", 400,
    "bad_request", "the text is not valid UTF-8" },
  { "oversize body", "POST", "/v1/stores/S/events:batch", KEY_GOOD, "@huge", 413, "too_large",
    "send smaller batches" },
  { "origin not a UUID", "GET", "/v1/stores/S/events?origin=nope", KEY_GOOD, NULL, 400,
    "bad_request", "“origin” must be a replica id" },
  { "limit 0", "GET", "/v1/stores/S/events?origin=" ORIGIN "&limit=0", KEY_GOOD, NULL, 400,
    "bad_request", "“limit” must be an integer from 1" },
  { "negative after", "GET", "/v1/stores/S/events?origin=" ORIGIN "&after=-1", KEY_GOOD, NULL,
    400, "bad_request", "“after” must be an integer from 0" },
  { "after not a number", "GET", "/v1/stores/S/events?origin=" ORIGIN "&after=x", KEY_GOOD,
    NULL, 400, "bad_request", "“after” must be an integer" },
  { "unknown route", "GET", "/v1/stores/S/nothing", KEY_GOOD, NULL, 404, "not_found",
    "No such endpoint" },
  { "wrong method", "DELETE", "/v1/stores/S/vv", KEY_GOOD, NULL, 404, "not_found",
    "No such endpoint" },
  { "bad store id", "GET", "/v1/stores/bad%20store/vv", KEY_GOOD, NULL, 400, "bad_request",
    "“bad store” is not a store id" },
  { "unknown store", "GET", "/v1/stores/NOBODY/vv", KEY_GOOD, NULL, 401, "unauthorized",
    "This API key does not open store NOBODY" },
};

static char *
batch_body (GPtrArray *texts)
{
  g_autoptr(GString) body = g_string_new ("{\"events\":[");

  for (guint i = 0; i < texts->len; i++)
    g_string_append_printf (body, "%s%s", i > 0 ? "," : "", (char *) texts->pdata[i]);
  g_string_append (body, "]}");
  return g_string_free (g_steal_pointer (&body), FALSE);
}

static char *
hub_counts (TnPgCluster *pg)
{
  return tn_pg_query (pg, "SELECT (SELECT count (*) FROM events) || ' events, ' || "
                          "(SELECT count (*) FROM rejections) || ' rejections, ' || "
                          "(SELECT count (*) FROM version_vectors) || ' vv rows, ' || "
                          "(SELECT count (*) FROM api_keys) || ' keys, ' || "
                          "(SELECT count (*) FROM hub_stores) || ' stores'");
}

static void
test_hub_http (Fixture       *fixture,
               gconstpointer  data)
{
  TnPgCluster *pg = tn_pg_cluster_start ();
  TnHubProcess *hub = tn_hub_start (pg);
  g_autofree char *key = tn_hub_create_key (pg, "S");
  g_autofree char *other_key = tn_hub_create_key (pg, "T");
  g_autoptr(GPtrArray) held = NULL;
  g_autoptr(GPtrArray) unseen = NULL;
  g_autofree char *held_body = NULL;
  g_autofree char *unseen_body = NULL;
  g_autofree char *before = NULL;
  g_autoptr(GString) huge = g_string_new ("{\"events\":[],\"pad\":\"");
  guint status;

  /* The hub holds one lane's events. */
  set_up_lane (fixture, FALSE);
  held = tn_ws_unseen_events (fixture->root, fixture->key_file, "S", "O1");
  unseen = tn_ws_unseen_events (fixture->root, fixture->key_file, "S", "O2");
  held_body = batch_body (held);
  unseen_body = batch_body (unseen);
  g_free (tn_hub_request (hub, "POST", "/v1/stores/S/events:batch", key, held_body, -1, TRUE,
                          &status));
  g_assert_cmpuint (status, ==, 200);
  while (huge->len < 9 * 1024 * 1024)
    g_string_append (huge, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (huge, "\"}");

  before = hub_counts (pg);
  g_test_message ("The hub holds %s", before);
  g_assert_false (g_str_has_prefix (before, "0 "));
  for (guint i = 0; i < G_N_ELEMENTS (hub_rows); i++)
    {
      const HubRow *row = &hub_rows[i];
      const char *keys[] = { key, "0123456789abcdef0123456789abcdef", NULL, other_key };
      const char *body = row->body;
      g_autofree char *answer = NULL;
      g_autofree char *now = NULL;
      g_autoptr(JsonNode) node = NULL;
      JsonObject *object;

      if (g_strcmp0 (body, "@events") == 0)
        body = unseen_body;
      else if (g_strcmp0 (body, "@huge") == 0)
        body = huge->str;
      answer = tn_hub_request (hub, row->method, row->path, keys[row->key], body,
                               body ? (gssize) strlen (body) : 0, FALSE, &status);
      g_test_message ("hub %s → %u: %.300s", row->name, status, answer);
      if (status != row->status)
        g_error ("Row “%s”: HTTP %u, expected %u: %.300s", row->name, status, row->status,
                 answer);
      node = tn_hub_parse_json (answer);
      object = json_node_get_object (node);
      g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, row->error);
      g_assert_cmpstr (json_object_get_string_member (object, "message"), !=, "");
      assert_message (row->name, json_object_get_string_member (object, "message"),
                      row->message);
      now = hub_counts (pg);
      g_assert_cmpstr (now, ==, before);
    }
  tn_hub_stop (hub);
  tn_pg_cluster_stop (pg);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tn_lane_require_binaries ();
  memset (long_sku, 'S', sizeof long_sku - 1);
  memset (long_name, 'N', sizeof long_name - 1);
  memset (long_reason, 'R', sizeof long_reason - 1);

  g_test_add ("/bad-input/ctl-arguments", Fixture, NULL, tn_lane_fixture_setup,
              test_ctl_arguments, tn_lane_fixture_teardown);
  g_test_add ("/bad-input/csv-import", Fixture, NULL, tn_lane_fixture_setup,
              test_csv_import, tn_lane_fixture_teardown);
  g_test_add ("/bad-input/config-file", Fixture, NULL, tn_lane_fixture_setup,
              test_config_file, tn_lane_fixture_teardown);
  g_test_add ("/bad-input/peer-websocket", Fixture, NULL, tn_lane_fixture_setup,
              test_peer_websocket, tn_lane_fixture_teardown);
  g_test_add ("/bad-input/hub-http", Fixture, NULL, tn_lane_fixture_setup,
              test_hub_http, tn_lane_fixture_teardown);
  return g_test_run ();
}
