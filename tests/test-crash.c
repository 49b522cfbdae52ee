/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Crash safety (DESIGN §2): a sale whose commit returned survives
 * kill -9.  A child process (tn-test-seller) rings up sales with
 * durable commits and reports each one only after its commit returned;
 * we SIGKILL it at a random moment, again and again, and after every
 * kill reopen the database (WAL recovery) and check that nothing it
 * reported is missing and that the log, the outbox and the fiscal
 * numbering are still whole.  Every KILLS_PER_STORE kills the test
 * moves to a fresh store, so the full checks stay cheap.
 *
 * TN_SEED=<n> replays a run; TN_CRASH_KILLS=<n> changes the number of
 * kills (the suite runs the default, 200). */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tn-fiscal.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

#define MIN_KILLS       200
#define KILLS_PER_STORE 50
#define N_PRODUCTS      24
#define READY_TIMEOUT_MS (60 * 1000)

static char *seller_path;

typedef struct
{
  GRand      *rand;

  /* The store under test; a fresh one every KILLS_PER_STORE kills keeps
   * the full checks after each kill from growing without bound. */
  char       *dir;
  char       *db_path;
  char       *replica_id;
  GHashTable *committed;   /* sale_id → Reported */
  GHashTable *voided;      /* sale_id set */
  guint       store_adjusted;
  guint       store_kills;

  /* Totals over the run. */
  guint       stores;
  guint       kills;
  guint       kills_before_ready;
  guint       sales;
  guint       voids;
  guint       adjusted;
  guint       torn_lines;
} Fixture;

typedef struct
{
  char   *event_id;
  gint64  fiscal_number;
  gint64  seq;
} Reported;

static void
reported_free (Reported *reported)
{
  g_free (reported->event_id);
  g_free (reported);
}

/* Running the seller ------------------------------------------------------- */

typedef struct
{
  GPid     pid;
  int      out_fd;
  GString *output;
  gboolean eof;
} Child;

/* In the child, before exec: die with us, so that a failed assertion
 * here never leaves a seller running. */
static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static void
child_spawn (Fixture *fixture,
             Child   *child)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *seed = g_strdup_printf ("%u", g_rand_int (fixture->rand));
  const char *argv[] = { seller_path, fixture->dir, seed, NULL };

  memset (child, 0, sizeof *child);
  child->output = g_string_new (NULL);
  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                            child_setup, NULL, &child->pid, NULL, &child->out_fd, NULL,
                            &error);
  g_assert_no_error (error);
}

/* Reads what is available, waiting at most @timeout_ms (-1: until EOF).
 * Returns FALSE at end of file. */
static gboolean
child_read (Child *child,
            int    timeout_ms)
{
  struct pollfd pfd = { child->out_fd, POLLIN, 0 };
  char buffer[4096];
  ssize_t n;
  int rc;

  if (child->eof)
    return FALSE;
  rc = poll (&pfd, 1, timeout_ms);
  if (rc < 0 && errno == EINTR)
    return TRUE;
  g_assert_cmpint (rc, >=, 0);
  if (rc == 0)
    return TRUE;
  n = read (child->out_fd, buffer, sizeof buffer);
  if (n < 0 && errno == EINTR)
    return TRUE;
  g_assert_cmpint (n, >=, 0);
  if (n == 0)
    {
      child->eof = TRUE;
      return FALSE;
    }
  g_string_append_len (child->output, buffer, n);
  return TRUE;
}

static void
child_wait_ready (Child *child)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_MS * 1000;

  while (strstr (child->output->str, "READY\n") == NULL)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;

      if (left <= 0)
        {
          kill (child->pid, SIGKILL);
          g_error ("The seller did not open the store within %d s", READY_TIMEOUT_MS / 1000);
        }
      if (!child_read (child, (int) left))
        g_error ("The seller exited before opening the store; its output:\n%s",
                 child->output->str);
    }
}

static void
child_run_for (Child *child,
               guint  ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  gint64 left;

  /* Keep draining the pipe so the child never blocks on a full one. */
  while ((left = deadline - g_get_monotonic_time ()) > 0)
    if (!child_read (child, (int) MAX (1, left / 1000)))
      break;
}

static void
child_kill_and_reap (Child *child)
{
  int status = 0;
  pid_t pid;

  kill (child->pid, SIGKILL);
  do
    pid = waitpid (child->pid, &status, 0);
  while (pid < 0 && errno == EINTR);
  g_assert_cmpint (pid, ==, child->pid);
  g_spawn_close_pid (child->pid);

  while (child_read (child, -1))
    ;
  close (child->out_fd);

  /* The child never ends by itself: anything but our SIGKILL means it
   * failed (g_error aborts) and its stderr says why. */
  if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    g_error ("The seller died on its own (status 0x%x) before it was killed; its output:\n%s",
             status, child->output->str);
}

/* Records every complete line; a torn last line (killed mid-write) is
 * not a promise and is ignored. */
static void
record_output (Fixture    *fixture,
               const char *output)
{
  g_auto(GStrv) lines = NULL;
  guint n;

  if (*output == '\0')
    return;   /* killed before it said anything */
  lines = g_strsplit (output, "\n", -1);
  n = g_strv_length (lines);

  for (guint i = 0; i + 1 < n; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      guint n_words = g_strv_length (words);

      if (g_strcmp0 (words[0], "READY") == 0)
        continue;
      if (g_strcmp0 (words[0], "COMMITTED") == 0 && n_words == 5)
        {
          Reported *reported = g_new0 (Reported, 1);

          reported->fiscal_number = g_ascii_strtoll (words[2], NULL, 10);
          reported->event_id = g_strdup (words[3]);
          reported->seq = g_ascii_strtoll (words[4], NULL, 10);
          g_assert_false (g_hash_table_contains (fixture->committed, words[1]));
          g_hash_table_insert (fixture->committed, g_strdup (words[1]), reported);
        }
      else if (g_strcmp0 (words[0], "VOIDED") == 0 && n_words == 2)
        g_hash_table_add (fixture->voided, g_strdup (words[1]));
      else if (g_strcmp0 (words[0], "ADJUSTED") == 0 && n_words == 2)
        fixture->store_adjusted++;
      else
        g_error ("The seller printed an unexpected line: “%s”", lines[i]);
    }
  if (*lines[n - 1] != '\0')
    fixture->torn_lines++;
}

/* Checks -------------------------------------------------------------------- */

static sqlite3_stmt *
prepare (TnStore    *store,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("Preparing “%s” failed: %s", sql, sqlite3_errmsg (tn_store_get_db (store)));
  return stmt;
}

/* A one-integer query with an optional text parameter. */
static gint64
query_int (TnStore    *store,
           const char *sql,
           const char *arg)
{
  sqlite3_stmt *stmt = prepare (store, sql);
  gint64 value;

  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
check_integrity (TnStore *store)
{
  sqlite3_stmt *stmt = prepare (store, "PRAGMA integrity_check");

  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

/* Every sale ever reported, in every earlier round too. */
static void
check_reported_sales (Fixture *fixture,
                      TnStore *store)
{
  sqlite3_stmt *stmt = prepare (store,
      "SELECT s.event_id, e.seq, e.origin, d.number, d.series "
      "FROM sales s JOIN events e ON e.event_id = s.event_id "
      "JOIN fiscal_documents d ON d.event_id = s.event_id WHERE s.sale_id = ?");
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fixture->committed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const Reported *reported = value;

      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_ROW)
        g_error ("Sale %s was reported committed but is missing after kill %u",
                 (const char *) key, fixture->kills);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, reported->event_id);
      g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, reported->seq);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==, fixture->replica_id);
      g_assert_cmpint (sqlite3_column_int64 (stmt, 3), ==, reported->fiscal_number);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 4), ==, "store");
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  stmt = prepare (store,
      "SELECT s.voided, (SELECT count (*) FROM voids v WHERE v.sale_id = s.sale_id) "
      "FROM sales s WHERE s.sale_id = ?");
  g_hash_table_iter_init (&iter, fixture->voided);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
      g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 1);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);

  /* At most one commit per kill can have landed without being reported. */
  {
    gint64 sales = query_int (store, "SELECT count (*) FROM sales", NULL);
    gint64 reported = g_hash_table_size (fixture->committed);
    gint64 adjusted = query_int (store, "SELECT count (*) FROM events WHERE type = ?",
                                 tn_event_type_to_string (TN_EVENT_STOCK_ADJUSTED));

    g_assert_cmpint (sales, >=, reported);
    g_assert_cmpint (sales, <=, reported + fixture->store_kills);
    g_assert_cmpint (adjusted, >=, fixture->store_adjusted);
    g_assert_cmpint (adjusted, <=, fixture->store_adjusted + fixture->store_kills);
  }
}

static void
check_log_and_outbox (Fixture *fixture,
                      TnStore *store)
{
  const char *me = fixture->replica_id;
  gint64 count = query_int (store, "SELECT count (*) FROM events WHERE origin = ?", me);
  gint64 max = query_int (store, "SELECT coalesce (max (seq), 0) FROM events WHERE origin = ?", me);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;

  /* Gap-free 1..N: N distinct seqs (the primary key) all ≤ N. */
  g_assert_cmpint (count, ==, max);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM events WHERE origin != ?", me),
                   ==, 0);
  vv = tn_store_get_version_vector (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_version_vector_get (vv, me), ==, max);

  /* One outbox row per local event, and no other. */
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox", NULL), ==, count);
  g_assert_cmpint (query_int (store,
                              "SELECT count (*) FROM events e WHERE origin = ? AND NOT EXISTS "
                              "(SELECT 1 FROM outbox o WHERE o.seq = e.seq "
                              " AND o.event_id = e.event_id)", me), ==, 0);
}

static void
check_fiscal (Fixture *fixture,
              TnStore *store)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  guint n_documents = 0;
  gint64 expected = 1;

  /* The authority's documents use the store series 1..M, in order. */
  stmt = prepare (store,
      "SELECT number FROM fiscal_documents WHERE device = ? AND series = 'store' "
      "ORDER BY number");
  sqlite3_bind_text (stmt, 1, fixture->replica_id, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 number = sqlite3_column_int64 (stmt, 0);

      if (number != expected)
        g_error ("After kill %u the store numbers go from %" G_GINT64_FORMAT " to %"
                 G_GINT64_FORMAT, fixture->kills, expected - 1, number);
      expected++;
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (query_int (store,
                              "SELECT count (*) FROM fiscal_documents WHERE series != 'store'",
                              NULL), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM fiscal_documents", NULL), ==,
                   query_int (store, "SELECT count (*) FROM sales", NULL) +
                   query_int (store, "SELECT count (*) FROM voids", NULL));
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM alerts WHERE priority = 0", NULL),
                   ==, 0);

  tn_fiscal_verify (store, problems, &n_documents, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("fiscal verify: %s", (const char *) problems->pdata[i]);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpint (n_documents, ==, expected - 1);
}

static void
check_database (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (fixture->db_path, TN_STORE_FLAGS_NONE, &error);

  g_assert_no_error (error);
  g_assert_true (tn_store_is_initialized (store));
  check_integrity (store);
  check_reported_sales (fixture, store);
  check_log_and_outbox (fixture, store);
  check_fiscal (fixture, store);
}

/* The test ----------------------------------------------------------------- */

static guint32
pick_seed (void)
{
  const char *env = g_getenv ("TN_SEED");

  if (env != NULL && *env != '\0')
    return (guint32) g_ascii_strtoull (env, NULL, 10);
  return g_random_int ();
}

static guint
pick_kills (void)
{
  const char *env = g_getenv ("TN_CRASH_KILLS");

  if (env != NULL && *env != '\0')
    return (guint) g_ascii_strtoull (env, NULL, 10);
  return MIN_KILLS;
}

/* A fresh fiscal-authority store with a catalogue: it grants itself
 * blocks inside its own sales. */
static void
fixture_new_store (Fixture *fixture)
{
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GError) error = NULL;

  fixture->dir = tn_test_mkdtemp ();
  fixture->db_path = g_build_filename (fixture->dir, "tendero.db", NULL);
  fixture->committed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) reported_free);
  fixture->voided = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->store_kills = 0;
  fixture->store_adjusted = 0;
  fixture->stores++;

  store = tn_test_store_new (fixture->dir, "L1", TRUE, FALSE);
  fixture->replica_id = g_strdup (tn_store_get_replica_id (store));
  for (guint i = 0; i < N_PRODUCTS; i++)
    {
      g_autofree char *sku = g_strdup_printf ("SKU-%03u", i);

      tn_test_add_product (store, sku, 50 + 37 * i, (i % 3) * 800);
      tn_store_receive_stock (store, sku, 100000, "opening stock", &error);
      g_assert_no_error (error);
    }
}

static void
fixture_drop_store (Fixture *fixture)
{
  fixture->sales += g_hash_table_size (fixture->committed);
  fixture->voids += g_hash_table_size (fixture->voided);
  fixture->adjusted += fixture->store_adjusted;
  tn_test_rmdir (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
  g_clear_pointer (&fixture->db_path, g_free);
  g_clear_pointer (&fixture->replica_id, g_free);
  g_clear_pointer (&fixture->committed, g_hash_table_unref);
  g_clear_pointer (&fixture->voided, g_hash_table_unref);
}

/* One round: start the seller, let it work for a random moment, kill
 * it, then check the database it leaves behind. */
static void
kill_once (Fixture *fixture)
{
  Child child;
  /* Mostly count from the moment the store is open, so each round rings
   * up sales; now and then from the spawn, so that some kills land in
   * the middle of opening and WAL recovery. */
  gboolean from_spawn = g_rand_int_range (fixture->rand, 0, 8) == 0;
  guint ms = (guint) g_rand_int_range (fixture->rand, 1, from_spawn ? 11 : 41);

  child_spawn (fixture, &child);
  if (!from_spawn)
    child_wait_ready (&child);
  child_run_for (&child, ms);
  if (strstr (child.output->str, "READY\n") == NULL)
    fixture->kills_before_ready++;
  child_kill_and_reap (&child);
  fixture->kills++;
  fixture->store_kills++;
  record_output (fixture, child.output->str);
  g_string_free (child.output, TRUE);

  check_database (fixture);
}

static void
test_crash_sigkill (void)
{
  Fixture fixture = { 0, };
  guint kills = MAX (pick_kills (), 1);
  guint32 seed = pick_seed ();
  gint64 start = g_get_monotonic_time ();

  g_test_message ("seed %u (replay with TN_SEED=%u)", seed, seed);
  fixture.rand = g_rand_new_with_seed (seed);

  for (guint round = 0; round < kills; round++)
    {
      if (round % KILLS_PER_STORE == 0)
        {
          if (fixture.dir != NULL)
            fixture_drop_store (&fixture);
          fixture_new_store (&fixture);
        }
      kill_once (&fixture);
    }
  fixture_drop_store (&fixture);

  g_test_message ("%u kills on %u stores (%u before the store was open): %u sales "
                  "committed and found, %u voids, %u stock adjustments, %u torn lines "
                  "ignored, %.1f s", fixture.kills, fixture.stores, fixture.kills_before_ready,
                  fixture.sales, fixture.voids, fixture.adjusted, fixture.torn_lines,
                  (g_get_monotonic_time () - start) / 1e6);
  /* A run in which the seller hardly got a sale in proves nothing (a
   * very slow disk could do that: each sale waits for an fsync). */
  g_assert_cmpuint (fixture.sales, >=, kills / 10);
  g_rand_free (fixture.rand);
}

/* --seller PATH names the child program; without it, look next to us. */
static void
take_seller_option (int    *argc,
                    char ***argv)
{
  int out = 1;

  for (int i = 1; i < *argc; i++)
    {
      if (g_strcmp0 ((*argv)[i], "--seller") == 0 && i + 1 < *argc)
        seller_path = g_strdup ((*argv)[++i]);
      else if (g_str_has_prefix ((*argv)[i], "--seller="))
        seller_path = g_strdup ((*argv)[i] + strlen ("--seller="));
      else
        (*argv)[out++] = (*argv)[i];
    }
  (*argv)[out] = NULL;
  *argc = out;

  if (seller_path == NULL)
    {
      g_autofree char *here = g_path_get_dirname ((*argv)[0]);
      seller_path = g_build_filename (here, "tn-test-seller", NULL);
    }
}

int
main (int    argc,
      char **argv)
{
  take_seller_option (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash/sigkill-during-sales", test_crash_sigkill);
  return g_test_run ();
}
