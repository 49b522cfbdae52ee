/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The event log of one lane (DESIGN §2): gap-free seqs, a clock that
 * never goes backwards, causal application of remote batches, the
 * outbox, the store identity, and sharing the file with tendero-ctl. */

#include <glib/gstdio.h>
#include <string.h>

#include "tn-checkpointer.h"
#include "tn-digest.h"
#include "tn-error.h"
#include "tn-event.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

/* Helpers ---------------------------------------------------------------- */

static char *
db_path (const char *dir)
{
  return g_build_filename (dir, "tendero.db", NULL);
}

static TnStore *
open_again (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = db_path (dir);
  TnStore *store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);

  g_assert_no_error (error);
  g_assert_true (tn_store_is_initialized (store));
  return store;
}

static void
add_products (TnStore    *store,
              const char *prefix,
              guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sku = g_strdup_printf ("%s-%04u", prefix, i);
      tn_test_add_product (store, sku, 100 + i, 1600);
    }
}

typedef struct
{
  gint64 seq;
  TnHlc  hlc;
} LogEntry;

/* (seq, hlc) of every local event, in seq order, from the table and
 * checked against the stored record. */
static GArray *
local_log (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) texts = tn_store_read_events (store, tn_store_get_replica_id (store), 0,
                                                     G_MAXUINT, &error);
  GArray *log = g_array_new (FALSE, FALSE, sizeof (LogEntry));

  g_assert_no_error (error);
  for (guint i = 0; i < texts->len; i++)
    {
      g_autoptr(TnEvent) event = tn_event_from_json (texts->pdata[i], -1,
                                                     tn_store_get_store_id (store), &error);
      LogEntry entry;

      g_assert_no_error (error);
      entry.seq = event->seq;
      entry.hlc = event->hlc;
      g_array_append_val (log, entry);
    }
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM events e "
                                           "WHERE hlc != (SELECT hlc FROM events WHERE "
                                           "  origin = e.origin AND seq = e.seq)"), ==, 0);
  return log;
}

/* Seqs are exactly 1..n and clocks strictly increase with them. */
static void
assert_log_ordered (TnStore *store,
                    guint    n)
{
  g_autoptr(GArray) log = local_log (store);
  g_autoptr(TnVersionVector) vv = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (log->len, ==, n);
  for (guint i = 0; i < log->len; i++)
    {
      LogEntry *entry = &g_array_index (log, LogEntry, i);

      g_assert_cmpint (entry->seq, ==, i + 1);
      if (i > 0)
        g_assert_cmpuint (entry->hlc, >, g_array_index (log, LogEntry, i - 1).hlc);
    }
  vv = tn_store_get_version_vector (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_version_vector_get (vv, tn_store_get_replica_id (store)), ==, n);
}

static GPtrArray *
read_all (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *texts = tn_store_read_events (store, tn_store_get_replica_id (store), 0,
                                           G_MAXUINT, &error);

  g_assert_no_error (error);
  return texts;
}

static GPtrArray *
parse_texts (GPtrArray *texts)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);

  for (guint i = 0; i < texts->len; i++)
    {
      g_autoptr(GError) error = NULL;
      TnEvent *event = tn_event_from_json (texts->pdata[i], -1, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  return events;
}

static TnEvent *
parse_one (const char *text)
{
  g_autoptr(GError) error = NULL;
  TnEvent *event = tn_event_from_json (text, -1, NULL, &error);

  g_assert_no_error (error);
  return event;
}

/* Applies one event alone. */
static TnApplyResult
apply_one (TnStore    *store,
           const char *text)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GError) error = NULL;
  TnApplyResult result = { 0, };

  g_ptr_array_add (batch, parse_one (text));
  g_assert_true (tn_store_apply_remote (store, batch, TN_APPLY_FLAGS_NONE, &result, &error));
  g_assert_no_error (error);
  return result;
}

/* Two lanes of one store, each in its own directory. */
typedef struct
{
  char    *dir;
  TnStore *source;
  TnStore *target;
} Pair;

static void
pair_init (Pair *pair)
{
  pair->dir = tn_test_mkdtemp ();
  pair->source = tn_test_lane_new (pair->dir, 0, TRUE);
  pair->target = tn_test_lane_new (pair->dir, 1, FALSE);
}

static void
pair_clear (Pair *pair)
{
  g_clear_object (&pair->source);
  g_clear_object (&pair->target);
  tn_test_rmdir (pair->dir);
  g_clear_pointer (&pair->dir, g_free);
}

/* Local appends ------------------------------------------------------------ */

static void
test_seq_gap_free (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;

  add_products (store, "P", 150);
  /* A failed operation must not burn a seq. */
  {
    TnProductSpec dup = { "P-0000", "again", 1, 0, NULL };
    g_assert_false (tn_store_add_product (store, &dup, &error));
    g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
    g_clear_error (&error);
    g_assert_false (tn_store_set_price (store, "NOPE", 5, &error));
    g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  /* Several events in one transaction. */
  tn_store_begin (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *sku = g_strdup_printf ("T-%u", i);
      TnProductSpec spec = { sku, "In one transaction", 10, 0, NULL };

      tn_store_append_product (store, &spec, &error);
      g_assert_no_error (error);
    }
  tn_store_commit (store, &error);
  g_assert_no_error (error);
  /* A rolled-back transaction leaves no trace in the log. */
  tn_store_begin (store, &error);
  g_assert_no_error (error);
  {
    TnProductSpec spec = { "ROLLED-BACK", "Never", 10, 0, NULL };
    tn_store_append_product (store, &spec, &error);
    g_assert_no_error (error);
  }
  tn_store_rollback (store);
  add_products (store, "Q", 5);

  assert_log_ordered (store, 165);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products WHERE sku = "
                                           "'ROLLED-BACK'"), ==, 0);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM outbox"), ==, 165);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT min(seq) FROM outbox"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT max(seq) FROM outbox"), ==, 165);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

static void
test_hlc_monotonic (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);

  /* Hundreds of appends within a few milliseconds: the counter part of
   * the clock has to do the work. */
  add_products (store, "P", 500);
  assert_log_ordered (store, 500);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

static void
test_hlc_reopen (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);

  /* The last run had a clock an hour ahead; this run's clock is right.
   * Events must still be later than everything before the restart. */
  tn_hlc_set_clock_offset (3600000);
  add_products (store, "AHEAD", 20);
  g_clear_object (&store);
  tn_hlc_set_clock_offset (0);

  store = open_again (dir);
  add_products (store, "AFTER", 20);
  assert_log_ordered (store, 40);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

static void
test_hlc_clock_backwards (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);

  add_products (store, "BEFORE", 10);
  /* NTP steps the wall clock back an hour. */
  tn_hlc_set_clock_offset (-3600000);
  add_products (store, "AFTER", 10);
  /* And back again, further. */
  tn_hlc_set_clock_offset (-7200000);
  add_products (store, "LATER", 10);
  tn_hlc_set_clock_offset (0);
  assert_log_ordered (store, 30);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* Receiving a remote event whose clock is ahead of ours pushes our clock
 * forward: our next event is causally after it and must compare later. */
static void
test_hlc_after_remote (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(TnEvent) last_remote = NULL;
  g_autoptr(TnEvent) local = NULL;
  g_autoptr(GError) error = NULL;
  TnApplyResult result = { 0, };

  pair_init (&pair);
  tn_hlc_set_clock_offset (3600000);
  add_products (pair.source, "AHEAD", 3);
  tn_hlc_set_clock_offset (0);
  texts = read_all (pair.source);
  events = parse_texts (texts);
  g_assert_true (tn_store_apply_remote (pair.target, events, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  tn_test_add_product (pair.target, "MINE", 100, 0);
  mine = read_all (pair.target);
  g_assert_cmpuint (mine->len, ==, 1);
  local = parse_one (mine->pdata[0]);
  last_remote = parse_one (texts->pdata[texts->len - 1]);
  g_assert_cmpuint (local->hlc, >, last_remote->hlc);
  g_assert_cmpint (tn_version_vector_get (local->deps, tn_store_get_replica_id (pair.source)),
                   ==, 3);
  pair_clear (&pair);
}

/* tendero-ctl and the lane write to the same file through their own
 * connections. */
static void
test_two_connections (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) lane = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(TnStore) ctl = open_again (dir);

  g_assert_cmpstr (tn_store_get_replica_id (lane), ==, tn_store_get_replica_id (ctl));
  for (guint i = 0; i < 60; i++)
    {
      g_autofree char *sku = g_strdup_printf ("S-%u", i);

      tn_test_add_product (i % 3 == 0 ? ctl : lane, sku, 100, 0);
      /* Each connection's clock is read from the file, not cached. */
      if (i == 30)
        tn_hlc_set_clock_offset (-600000);
    }
  tn_hlc_set_clock_offset (0);
  assert_log_ordered (lane, 60);
  assert_log_ordered (ctl, 60);
  g_clear_object (&ctl);
  g_clear_object (&lane);
  tn_test_rmdir (dir);
}

/* The same, with both writers running at once in their own threads. */
typedef struct
{
  const char *dir;
  const char *prefix;
  guint       n;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  g_autoptr(TnStore) store = open_again (writer->dir);

  add_products (store, writer->prefix, writer->n);
  return NULL;
}

static void
test_two_connections_concurrent (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  Writer a = { dir, "A", 150 }, b = { dir, "B", 150 };
  GThread *ta, *tb;

  ta = g_thread_new ("writer-a", writer_thread, &a);
  tb = g_thread_new ("writer-b", writer_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);
  assert_log_ordered (store, 300);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(DISTINCT hlc) FROM events"), ==, 300);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM outbox"), ==, 300);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* Background checkpoints --------------------------------------------------- */

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* The writer's commits hand the WAL to the checkpoint thread past 4000
 * pages, which copies it once the writer pauses; the pages reach the
 * database file, and stopping joins the thread with the data intact. */
static void
test_checkpoint_in_background (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "wal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnCheckpointer) checkpointer = NULL;
  sqlite3 *writer = NULL;
  sqlite3 *reader = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 deadline;

  g_assert_cmpint (sqlite3_open (path, &writer), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (writer, "PRAGMA journal_mode = WAL;"
                                 "CREATE TABLE blobs (data BLOB)", NULL, NULL, NULL), ==, SQLITE_OK);
  checkpointer = tn_checkpointer_new (writer, path, &error);
  g_assert_no_error (error);

  /* 20 commits of 1 MiB: 5,000+ pages. */
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (sqlite3_exec (writer, "INSERT INTO blobs VALUES (zeroblob (1048576))",
                                   NULL, NULL, NULL), ==, SQLITE_OK);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (tn_checkpointer_get_count (checkpointer) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpuint (tn_checkpointer_get_count (checkpointer), >, 0);
  /* Copied into the database file, not by the writer's own commit. */
  g_assert_cmpint (file_size (path), >, 15 * 1048576);

  /* The writer goes on while the WAL is copied or restarted. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (sqlite3_exec (writer, "INSERT INTO blobs VALUES (zeroblob (1024))",
                                   NULL, NULL, NULL), ==, SQLITE_OK);

  g_clear_pointer (&checkpointer, tn_checkpointer_free);
  g_assert_cmpint (sqlite3_close (writer), ==, SQLITE_OK);

  g_assert_cmpint (sqlite3_open (path, &reader), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (reader, "SELECT count(*), sum(length(data)) FROM blobs",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 23);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, 20 * 1048576 + 3 * 1024);
  sqlite3_finalize (stmt);
  sqlite3_close (reader);
  tn_test_rmdir (dir);
}

/* A store that checkpoints in background still commits, reopens and
 * stops at once. */
static void
test_store_checkpoint_in_background (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;

  g_assert_true (tn_store_checkpoint_in_background (store, &error));
  g_assert_no_error (error);
  g_assert_true (tn_store_checkpoint_in_background (store, &error));
  g_assert_true (tn_store_set_setting (store, "k", "v", &error));
  g_clear_object (&store);

  {
    g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
    g_autofree char *value = NULL;

    store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
    g_assert_no_error (error);
    value = tn_store_get_setting (store, "k");
    g_assert_cmpstr (value, ==, "v");
    g_clear_object (&store);
  }
  tn_test_rmdir (dir);
}

/* Remote application ---------------------------------------------------- */

static void
test_apply_duplicates (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) doubled = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  TnApplyResult result = { 0, };
  g_autoptr(TnTestSnapshot) snap = NULL;

  pair_init (&pair);
  add_products (pair.source, "P", 6);
  texts = read_all (pair.source);
  events = parse_texts (texts);
  g_assert_true (tn_store_apply_remote (pair.target, events, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 6);
  g_assert_cmpuint (result.duplicates, ==, 0);
  tn_test_assert_same_state (pair.source, pair.target);

  /* The whole batch again, fresh copies. */
  snap = tn_test_snapshot_take (pair.target);
  again = parse_texts (texts);
  memset (&result, 0, sizeof result);
  g_assert_true (tn_store_apply_remote (pair.target, again, TN_APPLY_FLAGS_STRICT, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 0);
  g_assert_cmpuint (result.duplicates, ==, 6);
  g_assert_cmpuint (result.held_back, ==, 0);
  tn_test_snapshot_assert_unchanged (pair.target, snap);

  /* A new event sent twice in one batch counts once. */
  tn_test_add_product (pair.source, "NEW", 1, 0);
  g_clear_pointer (&texts, g_ptr_array_unref);
  g_clear_pointer (&events, g_ptr_array_unref);
  texts = read_all (pair.source);
  events = parse_texts (texts);
  g_ptr_array_add (doubled, events->pdata[6]);
  g_ptr_array_add (doubled, events->pdata[6]);
  g_ptr_array_add (doubled, events->pdata[2]);
  memset (&result, 0, sizeof result);
  g_assert_true (tn_store_apply_remote (pair.target, doubled, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 1);
  g_assert_cmpuint (result.duplicates, ==, 2);
  tn_test_assert_same_state (pair.source, pair.target);
  g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT count(*) FROM events"), ==, 7);
  pair_clear (&pair);
}

static void
test_apply_reverse_order (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;
  const guint n = 8;

  pair_init (&pair);
  add_products (pair.source, "P", n);
  texts = read_all (pair.source);

  /* One event per batch, newest first: each waits for its predecessor. */
  for (guint i = n; i > 1; i--)
    {
      TnApplyResult result = apply_one (pair.target, texts->pdata[i - 1]);

      g_assert_cmpuint (result.applied, ==, 0);
      g_assert_cmpuint (result.held_back, ==, 1);
      g_assert_cmpint (tn_store_count_held_back (pair.target), ==, n - i + 1);
      g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT count(*) FROM events"), ==, 0);
    }
  /* The first one releases them all. */
  {
    TnApplyResult result = apply_one (pair.target, texts->pdata[0]);

    g_assert_cmpuint (result.applied, ==, n);
    g_assert_cmpuint (result.held_back, ==, 0);
  }
  g_assert_cmpint (tn_store_count_held_back (pair.target), ==, 0);
  vv = tn_store_get_version_vector (pair.target, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_version_vector_get (vv, tn_store_get_replica_id (pair.source)), ==, n);
  tn_test_assert_same_state (pair.source, pair.target);
  pair_clear (&pair);
}

/* More held-back events of one origin than the store reads from the
 * queue at a time (256): the event that fills the gap releases them all
 * in one call, run after run. */
static void
test_apply_held_runs (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) later = g_ptr_array_new ();
  const guint n = 600;
  TnApplyResult result;

  pair_init (&pair);
  add_products (pair.source, "P", n);
  texts = read_all (pair.source);
  g_assert_cmpuint (texts->len, ==, n);

  /* Newest first, in batches of 100, as a peer that lost the start. */
  for (guint end = n; end > 1; end = end > 101 ? end - 100 : 1)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();

      for (guint i = end > 101 ? end - 100 : 1; i < end; i++)
        g_ptr_array_add (batch, texts->pdata[i]);
      result = tn_test_apply_bodies (pair.target, batch);
      g_assert_cmpuint (result.applied, ==, 0);
      g_assert_cmpuint (result.held_back, ==, batch->len);
    }
  g_assert_cmpint (tn_store_count_held_back (pair.target), ==, n - 1);

  g_ptr_array_add (later, texts->pdata[0]);
  result = tn_test_apply_bodies (pair.target, later);
  g_assert_cmpuint (result.applied, ==, n);
  g_assert_cmpuint (result.held_back, ==, 0);
  g_assert_cmpint (tn_store_count_held_back (pair.target), ==, 0);
  g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT count(*) FROM events"), ==, n);
  tn_test_assert_same_state (pair.source, pair.target);
  pair_clear (&pair);
}

/* Reversed inside one batch: the store sorts it out. */
static void
test_apply_reverse_batch (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  TnApplyResult result = { 0, };

  pair_init (&pair);
  add_products (pair.source, "P", 8);
  tn_store_set_price (pair.source, "P-0003", 999, &error);
  g_assert_no_error (error);
  texts = read_all (pair.source);
  events = parse_texts (texts);
  for (guint i = 0; i < events->len / 2; i++)
    {
      gpointer swap = events->pdata[i];
      events->pdata[i] = events->pdata[events->len - 1 - i];
      events->pdata[events->len - 1 - i] = swap;
    }
  g_assert_true (tn_store_apply_remote (pair.target, events, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 9);
  g_assert_cmpuint (result.held_back, ==, 0);
  tn_test_assert_same_state (pair.source, pair.target);
  pair_clear (&pair);
}

static TnEvent *
forge_like (const TnEvent *original,
            const char    *sku)
{
  g_autoptr(GError) error = NULL;
  JsonNode *payload = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  TnEvent *forged;

  json_object_set_string_member (object, "sku", sku);
  json_object_set_string_member (object, "name", "Forged");
  json_object_set_int_member (object, "price", 1);
  json_object_set_int_member (object, "tax_bp", 0);
  json_node_take_object (payload, object);
  forged = tn_event_new (original->store, original->origin, original->seq, original->type,
                         original->hlc, tn_version_vector_copy (original->deps), payload, &error);
  g_assert_no_error (error);
  return forged;
}

/* A different event under an (origin, seq) that is already stored. */
static void
test_apply_conflicting_seq (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) original = NULL;
  TnApplyResult result = { 0, };
  g_autoptr(TnTestSnapshot) snap = NULL;

  pair_init (&pair);
  add_products (pair.source, "P", 3);
  texts = read_all (pair.source);
  apply_one (pair.target, texts->pdata[0]);
  apply_one (pair.target, texts->pdata[1]);
  snap = tn_test_snapshot_take (pair.target);

  /* Seq 2 again, with other content, then the genuine seq 3. */
  original = parse_one (texts->pdata[1]);
  g_ptr_array_add (batch, forge_like (original, "FORGED"));
  g_ptr_array_add (batch, parse_one (texts->pdata[2]));

  g_assert_false (tn_store_apply_remote (pair.target, batch, TN_APPLY_FLAGS_NONE, &result,
                                         &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, original->origin));
  tn_test_snapshot_assert_unchanged (pair.target, snap);
  g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT count(*) FROM products WHERE "
                                                 "sku = 'FORGED'"), ==, 0);
  pair_clear (&pair);
}

/* Two different events under one (origin, seq) that the receiver does
 * not hold yet, in the same batch: neither may win silently, since
 * another lane may have received the other one. */
static void
test_apply_conflicting_seq_in_batch (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) original = NULL;
  TnApplyResult result = { 0, };
  g_autoptr(TnTestSnapshot) snap = NULL;
  gboolean ok;

  pair_init (&pair);
  add_products (pair.source, "P", 2);
  texts = read_all (pair.source);
  original = parse_one (texts->pdata[0]);
  snap = tn_test_snapshot_take (pair.target);

  g_ptr_array_add (batch, parse_one (texts->pdata[0]));
  g_ptr_array_add (batch, forge_like (original, "FORGED"));
  ok = tn_store_apply_remote (pair.target, batch, TN_APPLY_FLAGS_NONE, &result, &error);
  if (ok)
    g_test_fail_printf ("A batch with two different events as seq 1 of %s was accepted "
                        "(applied %u, duplicates %u)", original->origin, result.applied,
                        result.duplicates);
  else
    {
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      tn_test_snapshot_assert_unchanged (pair.target, snap);
    }
  pair_clear (&pair);
}

/* The same when one of the two is waiting in the hold-back queue. */
static void
test_apply_conflicting_seq_held (void)
{
  Pair pair;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) second = NULL;
  TnApplyResult result = { 0, };
  gboolean ok;

  pair_init (&pair);
  add_products (pair.source, "P", 2);
  texts = read_all (pair.source);
  second = parse_one (texts->pdata[1]);

  /* The genuine seq 2 waits for seq 1. */
  result = apply_one (pair.target, texts->pdata[1]);
  g_assert_cmpuint (result.held_back, ==, 1);

  /* Seq 1 arrives with a forged seq 2.  Neither copy of seq 2 is applied
   * yet, so no rule can tell which is genuine; refusing would block every
   * later batch carrying the delivered copy.  The waiting copy is dropped,
   * exactly one seq 2 is applied, and a person is told. */
  g_ptr_array_add (batch, parse_one (texts->pdata[0]));
  g_ptr_array_add (batch, forge_like (second, "FORGED"));
  memset (&result, 0, sizeof result);
  ok = tn_store_apply_remote (pair.target, batch, TN_APPLY_FLAGS_NONE, &result, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (result.applied, ==, 2);
  g_assert_cmpint (tn_store_count_held_back (pair.target), ==, 0);
  g_assert_cmpint (tn_test_sql_int (pair.target,
                                    "SELECT count(*) FROM events WHERE seq = 2"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (pair.target,
                                    "SELECT count(*) FROM products WHERE sku = 'FORGED'") +
                   tn_test_sql_int (pair.target,
                                    "SELECT count(*) FROM products WHERE sku = 'P-0001'"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (pair.target,
                                    "SELECT count(*) FROM alerts WHERE kind = 'equivocation'"),
                   ==, 1);

  /* The dropped copy arriving again now meets the applied one: refused. */
  {
    g_autoptr(GPtrArray) again = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
    g_autoptr(GError) again_error = NULL;

    g_ptr_array_add (again, parse_one (texts->pdata[1]));
    memset (&result, 0, sizeof result);
    g_assert_false (tn_store_apply_remote (pair.target, again, TN_APPLY_FLAGS_NONE, &result,
                                           &again_error));
    g_assert_error (again_error, TN_ERROR, TN_ERROR_INVALID);
  }
  pair_clear (&pair);
}

static void
test_apply_wrong_store (void)
{
  Pair pair;
  g_autoptr(TnStore) other = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  g_autoptr(GError) error = NULL;
  TnStoreIdentity identity = { .store_id = "store-2", .terminal = "L1", .currency = "USD",
                               .decimals = 2 };
  TnApplyResult result = { 0, };
  g_autoptr(TnTestSnapshot) snap = NULL;

  pair_init (&pair);
  other = tn_test_store_new_custom (pair.dir, "other", &identity);
  add_products (other, "X", 3);
  snap = tn_test_snapshot_take (pair.target);

  texts = read_all (other);
  batch = parse_texts (texts);
  g_assert_false (tn_store_apply_remote (pair.target, batch, TN_APPLY_FLAGS_NONE, &result,
                                         &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_WRONG_STORE);
  g_assert_nonnull (strstr (error->message, "store-2"));
  tn_test_snapshot_assert_unchanged (pair.target, snap);
  g_clear_object (&other);
  pair_clear (&pair);
}

/* Events of a third lane relayed through L1 keep their origin. */
static void
test_apply_relay (void)
{
  Pair pair;
  g_autoptr(TnStore) third = NULL;
  g_autoptr(GPtrArray) from_third = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) relayed = NULL;
  g_autoptr(GPtrArray) relayed_events = NULL;
  g_autoptr(GError) error = NULL;
  TnApplyResult result = { 0, };

  pair_init (&pair);
  third = tn_test_lane_new (pair.dir, 2, FALSE);
  add_products (third, "T", 3);
  from_third = read_all (third);
  events = parse_texts (from_third);
  g_assert_true (tn_store_apply_remote (pair.source, events, TN_APPLY_FLAGS_STRICT, &result,
                                        &error));
  g_assert_no_error (error);

  /* L1 forwards them byte for byte. */
  relayed = tn_store_read_events (pair.source, tn_store_get_replica_id (third), 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (relayed->len, ==, 3);
  for (guint i = 0; i < relayed->len; i++)
    g_assert_cmpstr (relayed->pdata[i], ==, from_third->pdata[i]);
  relayed_events = parse_texts (relayed);
  g_assert_true (tn_store_apply_remote (pair.target, relayed_events, TN_APPLY_FLAGS_STRICT,
                                        &result, &error));
  g_assert_no_error (error);
  tn_test_assert_same_state (third, pair.target);
  /* Relayed events are not L1's to send: its outbox has none. */
  g_assert_cmpint (tn_test_sql_int (pair.source, "SELECT count(*) FROM outbox"), ==, 0);
  g_clear_object (&third);
  pair_clear (&pair);
}

/* Outbox ---------------------------------------------------------------- */

static void
assert_outbox (TnStore *store,
               gint64   pending,
               gint64   peer_ack,
               gint64   cloud_ack)
{
  g_autoptr(GError) error = NULL;
  TnOutboxCounts counts;

  g_assert_true (tn_store_get_outbox_counts (store, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts.pending, ==, pending);
  g_assert_cmpint (counts.peer_ack, ==, peer_ack);
  g_assert_cmpint (counts.cloud_ack, ==, cloud_ack);
}

static gint64
advance (TnStore        *store,
         const char     *origin,
         gint64          seq,
         TnOutboxStatus  status)
{
  g_autoptr(TnVersionVector) vv = tn_version_vector_new ();
  g_autoptr(GError) error = NULL;
  gint64 changed;

  tn_version_vector_set (vv, origin, seq);
  changed = tn_store_outbox_advance (store, vv, status, &error);
  g_assert_no_error (error);
  return changed;
}

static void
test_outbox (void)
{
  Pair pair;
  g_autoptr(GPtrArray) remote = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  const char *me;
  const char *them;
  TnApplyResult result = { 0, };

  pair_init (&pair);
  me = tn_store_get_replica_id (pair.target);
  them = tn_store_get_replica_id (pair.source);

  /* Only local events go to the outbox. */
  add_products (pair.source, "R", 4);
  remote = read_all (pair.source);
  events = parse_texts (remote);
  g_assert_true (tn_store_apply_remote (pair.target, events, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  add_products (pair.target, "L", 10);
  assert_outbox (pair.target, 10, 0, 0);
  g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT count(*) FROM events WHERE origin = "
                                                 "(SELECT value FROM meta WHERE "
                                                 "key = 'replica_id')"), ==, 10);

  /* A vv that says nothing about us moves nothing. */
  g_assert_cmpint (advance (pair.target, them, 4, TN_OUTBOX_PEER_ACK), ==, 0);
  assert_outbox (pair.target, 10, 0, 0);

  /* A peer acks our seq 4: exactly seqs 1..4 move. */
  g_assert_cmpint (advance (pair.target, me, 4, TN_OUTBOX_PEER_ACK), ==, 4);
  assert_outbox (pair.target, 6, 4, 0);
  g_assert_cmpint (tn_test_sql_int (pair.target, "SELECT max(seq) FROM outbox "
                                                 "WHERE status = 1"), ==, 4);
  /* Acked again: nothing to do. */
  g_assert_cmpint (advance (pair.target, me, 4, TN_OUTBOX_PEER_ACK), ==, 0);

  /* The hub acks up to 2, then a peer acks up to 7: the hub's stay. */
  g_assert_cmpint (advance (pair.target, me, 2, TN_OUTBOX_CLOUD_ACK), ==, 2);
  assert_outbox (pair.target, 6, 2, 2);
  g_assert_cmpint (advance (pair.target, me, 7, TN_OUTBOX_PEER_ACK), ==, 3);
  assert_outbox (pair.target, 3, 5, 2);
  /* A stale, smaller peer ack never moves anything back. */
  g_assert_cmpint (advance (pair.target, me, 1, TN_OUTBOX_PEER_ACK), ==, 0);
  g_assert_cmpint (advance (pair.target, me, 1, TN_OUTBOX_PENDING), ==, 0);
  assert_outbox (pair.target, 3, 5, 2);
  /* The hub acks everything, even beyond what we have. */
  g_assert_cmpint (advance (pair.target, me, 50, TN_OUTBOX_CLOUD_ACK), ==, 8);
  assert_outbox (pair.target, 0, 0, 10);
  g_assert_cmpint (advance (pair.target, me, 50, TN_OUTBOX_PEER_ACK), ==, 0);
  assert_outbox (pair.target, 0, 0, 10);
  pair_clear (&pair);
}

/* Identity ---------------------------------------------------------------- */

static void
test_initialize_twice (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", FALSE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *replica = g_strdup (tn_store_get_replica_id (store));
  TnStoreIdentity again = { .store_id = "another", .terminal = "L2", .currency = "EUR",
                            .decimals = 2 };

  g_assert_false (tn_store_initialize (store, &again, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "test-store"));
  g_assert_cmpstr (tn_store_get_store_id (store), ==, "test-store");
  g_assert_cmpstr (tn_store_get_replica_id (store), ==, replica);

  /* Also from a second connection, and after a restart. */
  g_clear_error (&error);
  g_clear_object (&store);
  store = open_again (dir);
  g_assert_false (tn_store_initialize (store, &again, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_assert_cmpstr (tn_store_get_replica_id (store), ==, replica);
  g_assert_cmpstr (tn_store_get_terminal (store), ==, "L1");
  g_assert_cmpstr (tn_store_get_currency (store), ==, "USD");
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* Two processes run `init` on one fresh directory at the same time. */
static void
test_initialize_race (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = db_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) a = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_autoptr(TnStore) b = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_autoptr(TnStore) check = NULL;
  TnStoreIdentity ia = { .store_id = "store-a", .terminal = "L1", .currency = "USD" };
  TnStoreIdentity ib = { .store_id = "store-b", .terminal = "L2", .currency = "USD" };
  g_autofree char *replica_a = NULL;

  g_assert_no_error (error);
  g_assert_true (tn_store_initialize (a, &ia, &error));
  g_assert_no_error (error);
  replica_a = g_strdup (tn_store_get_replica_id (a));
  if (tn_store_initialize (b, &ib, &error))
    {
      g_test_fail_printf ("A second connection re-initialised the directory: it now belongs "
                          "to %s as terminal %s with replica %s (was %s with %s)",
                          tn_store_get_store_id (b), tn_store_get_terminal (b),
                          tn_store_get_replica_id (b), ia.store_id, replica_a);
    }
  else
    {
      g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
      check = open_again (dir);
      g_assert_cmpstr (tn_store_get_store_id (check), ==, "store-a");
      g_assert_cmpstr (tn_store_get_replica_id (check), ==, replica_a);
    }
  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&check);
  tn_test_rmdir (dir);
}

static void
test_initialize_invalid (void)
{
  static const TnStoreIdentity bad[] = {
    { .store_id = "", .terminal = "L1", .currency = "USD" },
    { .store_id = NULL, .terminal = "L1", .currency = "USD" },
    { .store_id = "my store", .terminal = "L1", .currency = "USD" },
    { .store_id = "tienda/1", .terminal = "L1", .currency = "USD" },
    { .store_id = "tiénda", .terminal = "L1", .currency = "USD" },
    { .store_id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      .terminal = "L1", .currency = "USD" },
    { .store_id = "s1", .terminal = "", .currency = "USD" },
    { .store_id = "s1", .terminal = NULL, .currency = "USD" },
    { .store_id = "s1", .terminal = "L 1", .currency = "USD" },
    { .store_id = "s1", .terminal = "L1/2", .currency = "USD" },
    { .store_id = "s1", .terminal = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", .currency = "USD" },
    { .store_id = "s1", .terminal = "L1", .currency = "usd" },
    { .store_id = "s1", .terminal = "L1", .currency = "US" },
    { .store_id = "s1", .terminal = "L1", .currency = "USDX" },
    { .store_id = "s1", .terminal = "L1", .currency = "U$D" },
    { .store_id = "s1", .terminal = "L1", .currency = "" },
    { .store_id = "s1", .terminal = "L1", .currency = "USD", .decimals = 5 },
  };
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = db_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  TnStoreIdentity good = { .store_id = "s1.main_2-b", .terminal = "Lane_2-b", .currency = "VES",
                           .decimals = 2 };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (tn_store_initialize (store, &bad[i], &error));
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_test_message ("refused: %s", error->message);
      g_clear_error (&error);
      g_assert_false (tn_store_is_initialized (store));
      g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM meta"), ==, 0);
    }
  g_assert_true (tn_store_initialize (store, &good, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (tn_store_get_store_id (store), ==, "s1.main_2-b");
  g_assert_cmpstr (tn_store_get_terminal (store), ==, "Lane_2-b");
  g_assert_cmpstr (tn_store_get_currency (store), ==, "VES");
  g_assert_true (tn_is_uuid (tn_store_get_replica_id (store)));
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

static void
test_not_initialized (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = db_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  TnProductSpec spec = { "A", "A", 1, 0, NULL };

  g_assert_no_error (error);
  g_assert_false (tn_store_add_product (store, &spec, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_false (tn_store_apply_remote (store, batch, TN_APPLY_FLAGS_NONE, NULL, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM events"), ==, 0);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* Sales and concurrency ------------------------------------------------- */

/* The simplest sale: base currency only, no exchange rate set. */
static void
test_sell_base_currency (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(TnSaleReceipt) receipt = NULL;

  tn_test_add_product (store, "COFFEE", 250, 1600);
  receipt = tn_test_sell (store, "COFFEE", 2000);
  g_assert_cmpint (receipt->total, ==, 580);
  g_assert_null (receipt->second_currency);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM sales"), ==, 1);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

typedef struct
{
  const char *path;
  GMutex      lock;
  GCond       cond;
  gboolean    holding;
  gint64      released_at;
} Holder;

/* tendero-ctl holding the write lock for a moment. */
static gpointer
holder_thread (gpointer data)
{
  Holder *holder = data;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (holder->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_mutex_lock (&holder->lock);
  holder->holding = TRUE;
  g_cond_signal (&holder->cond);
  g_mutex_unlock (&holder->lock);
  g_usleep (200 * 1000);
  holder->released_at = g_get_monotonic_time ();
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  return NULL;
}

static void
test_busy_timeout (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = db_path (dir);
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  Holder holder = { .path = path };
  GThread *thread;
  gint64 start, end;

  /* A second currency keeps this test about locking only. */
  tn_store_set_exchange_rate (store, "VES", 36500000, 2, &error);
  g_assert_no_error (error);
  tn_test_add_product (store, "COFFEE", 250, 1600);
  tn_sale_request_add_line (request, "COFFEE", 1000);

  g_mutex_init (&holder.lock);
  g_cond_init (&holder.cond);
  thread = g_thread_new ("holder", holder_thread, &holder);
  g_mutex_lock (&holder.lock);
  while (!holder.holding)
    g_cond_wait (&holder.cond, &holder.lock);
  g_mutex_unlock (&holder.lock);

  start = g_get_monotonic_time ();
  receipt = tn_store_sell (store, request, &error);
  end = g_get_monotonic_time ();
  g_thread_join (thread);
  g_assert_no_error (error);
  g_assert_nonnull (receipt);
  /* It did wait for the lock rather than slip past it. */
  g_assert_cmpint (end, >=, holder.released_at);
  g_test_message ("the sale waited %" G_GINT64_FORMAT " ms for the lock", (end - start) / 1000);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM sales"), ==, 1);

  g_mutex_clear (&holder.lock);
  g_cond_clear (&holder.cond);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* The maintained digest follows inserts, updates and deletes, a rolled
 * back transaction leaves no trace in it, and a projection row changed
 * outside any transaction (where nothing would carry the change into
 * the digest) is refused and left as it was. */
static void
test_digest_maintained (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = tn_test_state_hash (store);
  g_autofree char *one = NULL;
  g_autofree char *rolled_back = NULL;
  g_autofree char *refused = NULL;
  char *message = NULL;

  tn_test_add_product (store, "RICE", 150, 1600);
  one = tn_test_state_hash (store);     /* asserts maintained == scanned */
  g_assert_cmpstr (one, !=, empty);

  tn_store_begin (store, &error);
  g_assert_no_error (error);
  tn_test_sql (store, "UPDATE stock SET qty = 5 WHERE sku = 'RICE';"
                      "INSERT INTO stock (sku, qty) VALUES ('BEANS', 3);"
                      "DELETE FROM products WHERE sku = 'RICE'");
  tn_store_rollback (store);
  rolled_back = tn_test_state_hash (store);
  g_assert_cmpstr (rolled_back, ==, one);

  g_assert_cmpint (sqlite3_exec (tn_store_get_db (store),
                                 "UPDATE products SET name = 'x' WHERE sku = 'RICE'",
                                 NULL, NULL, &message), ==, SQLITE_ERROR);
  g_assert_nonnull (strstr (message, "transaction"));
  sqlite3_free (message);
  refused = tn_test_state_hash (store);
  g_assert_cmpstr (refused, ==, one);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products WHERE name = 'x'"),
                   ==, 0);

  /* Update and delete through a transaction: still equal to a scan. */
  tn_test_sql (store, "UPDATE products SET name = 'Brown rice' WHERE sku = 'RICE'");
  g_free (tn_test_state_hash (store));
  tn_test_sql (store, "DELETE FROM products WHERE sku = 'RICE'; DELETE FROM stock");
  g_free (refused);
  refused = tn_test_state_hash (store);
  g_assert_cmpstr (refused, !=, one);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/seq/gap-free", test_seq_gap_free);
  g_test_add_func ("/store/digest/maintained", test_digest_maintained);
  g_test_add_func ("/store/hlc/monotonic", test_hlc_monotonic);
  g_test_add_func ("/store/hlc/reopen", test_hlc_reopen);
  g_test_add_func ("/store/hlc/clock-backwards", test_hlc_clock_backwards);
  g_test_add_func ("/store/hlc/after-remote", test_hlc_after_remote);
  g_test_add_func ("/store/connections/interleaved", test_two_connections);
  g_test_add_func ("/store/connections/concurrent", test_two_connections_concurrent);
  g_test_add_func ("/store/connections/busy-timeout", test_busy_timeout);
  g_test_add_func ("/store/checkpoint/background", test_checkpoint_in_background);
  g_test_add_func ("/store/checkpoint/store", test_store_checkpoint_in_background);
  g_test_add_func ("/store/apply/duplicates", test_apply_duplicates);
  g_test_add_func ("/store/apply/reverse-order", test_apply_reverse_order);
  g_test_add_func ("/store/apply/reverse-batch", test_apply_reverse_batch);
  g_test_add_func ("/store/apply/held-runs", test_apply_held_runs);
  g_test_add_func ("/store/apply/conflicting-seq", test_apply_conflicting_seq);
  g_test_add_func ("/store/apply/conflicting-seq-in-batch", test_apply_conflicting_seq_in_batch);
  g_test_add_func ("/store/apply/conflicting-seq-held", test_apply_conflicting_seq_held);
  g_test_add_func ("/store/apply/wrong-store", test_apply_wrong_store);
  g_test_add_func ("/store/apply/relay", test_apply_relay);
  g_test_add_func ("/store/outbox/advance", test_outbox);
  g_test_add_func ("/store/init/twice", test_initialize_twice);
  g_test_add_func ("/store/init/race", test_initialize_race);
  g_test_add_func ("/store/init/invalid", test_initialize_invalid);
  g_test_add_func ("/store/init/required", test_not_initialized);
  g_test_add_func ("/store/sell/base-currency", test_sell_base_currency);

  return g_test_run ();
}
