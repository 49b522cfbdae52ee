/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* prlimit () */
#endif
#include <signal.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/resource.h>

#include <gio/gio.h>

#include "tn-lane-harness.h"
#include "tn-test-util.h"

/* A full disk on a lane (found by the fault campaign, seed 1): tendero-ctl
 * said "is not a Tendero database, or it is damaged: disk I/O error",
 * sending a manager to restore a backup of a healthy database.  The disk
 * is filled with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored), which
 * fails writes with EFBIG as a full disk fails them with ENOSPC. */

static void
full_disk_setup (gpointer data)
{
  struct rlimit limit = { 1024, 1024 };

  tn_lane_child_setup (NULL);
  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

/* tendero-ctl on @dir, on a full disk when @full; returns the exit
 * status with stderr in @err. */
static int
ctl (const char  *dir,
     gboolean     full,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;
  va_list args;

  g_ptr_array_add (argv, (char *) tn_lane_program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, (char *) dir);
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                full ? full_disk_setup : tn_lane_child_setup, NULL, NULL, err, &status,
                &error);
  g_assert_no_error (error);
  return status;
}

static char *
make_lane (void)
{
  g_autofree char *root = tn_test_mkdtemp ();
  char *dir = g_build_filename (root, "L1", NULL);
  g_autofree char *key = g_build_filename (root, "store.key", NULL);

  tn_lane_write_key (key);
  g_assert_cmpint (ctl (dir, FALSE, NULL, "init", "--store", "S", "--terminal", "L1",
                        "--store-key-file", key, "--fiscal-authority", NULL), ==, 0);
  g_assert_cmpint (ctl (dir, FALSE, NULL, "product", "add", "--sku", "A", "--name", "A",
                        "--price", "1.00", NULL), ==, 0);
  g_assert_cmpint (ctl (dir, FALSE, NULL, "sell", "--sku", "A", NULL), ==, 0);
  return dir;
}

static gint64
count (sqlite3    *db,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static void
assert_refused_as_full (const char *dir,
                        sqlite3    *db)
{
  g_autofree char *err = NULL;
  int status = ctl (dir, TRUE, &err, "sell", "--sku", "A", NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_false (g_spawn_check_wait_status (status, NULL));
  if (strstr (err, "disk is full") == NULL || strstr (err, "damaged") != NULL)
    g_test_fail_printf ("A full disk was not reported as such: %s", err);
  /* Nothing was sold, and nothing is damaged. */
  g_assert_cmpint (count (db, "SELECT count (*) FROM sales"), ==, 1);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  /* With space again, the lane sells. */
  g_assert_cmpint (ctl (dir, FALSE, NULL, "sell", "--sku", "A", NULL), ==, 0);
  g_assert_cmpint (count (db, "SELECT count (*) FROM sales"), ==, 2);
}

/* The store closed: opening it (its -shm and -wal files) hits the disk. */
static void
test_full_disk_on_open (void)
{
  g_autofree char *dir = make_lane ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autofree char *root = g_path_get_dirname (dir);
  sqlite3 *db = NULL;
  g_autofree char *err = NULL;
  int status = ctl (dir, TRUE, &err, "sell", "--sku", "A", NULL);

  g_assert_false (g_spawn_check_wait_status (status, NULL));
  if (strstr (err, "disk is full") == NULL || strstr (err, "damaged") != NULL)
    g_test_fail_printf ("A full disk was not reported as such: %s", err);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (count (db, "SELECT count (*) FROM sales"), ==, 1);
  sqlite3_close (db);
  tn_test_rmdir (root);
}

/* The store open elsewhere (the running lane): the sale's own write hits
 * the disk. */
static void
test_full_disk_on_write (void)
{
  g_autofree char *dir = make_lane ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autofree char *root = g_path_get_dirname (dir);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (count (db, "SELECT count (*) FROM sales"), ==, 1);
  /* The write-ahead log grows past the limit while this connection
   * keeps it. */
  g_assert_cmpint (ctl (dir, FALSE, NULL, "stock", "receive", "--sku", "A", "--qty", "5",
                        "--reason", "delivery", NULL), ==, 0);
  assert_refused_as_full (dir, db);
  sqlite3_close (db);
  tn_test_rmdir (root);
}

static gboolean
log_contains (TnLane     *lane,
              const char *a,
              const char *b)
{
  g_autofree char *path = g_strdup_printf ("%s.log", lane->dir);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, a) != NULL &&
         strstr (text, b) != NULL;
}

static void
set_fsize (TnLane *lane,
           rlim_t  size)
{
  struct rlimit limit = { size, RLIM_INFINITY };
  const char *pid = g_subprocess_get_identifier (lane->process);

  if (pid == NULL)
    g_error ("%s died when its disk was full (see %s.log)", lane->terminal, lane->dir);
  g_assert_cmpint (prlimit (atoi (pid), RLIMIT_FSIZE, &limit, NULL), ==, 0);
}

/* A running lane whose disk fills while it receives events (found by the
 * fault campaign, seed 3): on the session it had dialled, it closed with
 * 1011, which only a server may send; libsoup refused with a critical
 * (fatal under G_DEBUG=fatal-warnings: the lane died) and left the
 * connection open.  The lane must survive, and catch up once the disk
 * has space again. */
static void
test_full_disk_while_syncing (TnLaneFixture *fixture,
                              gconstpointer  data)
{
  TnLane *l1 = &fixture->lanes[0];
  TnLane *l2 = &fixture->lanes[1];
  gint64 deadline;

  /* L2 dials L1; L1 dials a port where nobody listens: the one session
   * has L2 as its client. */
  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 2);
  tn_lane_init (fixture, 1, fixture->key_file, FALSE, 0);
  fixture->n_lanes = 2;
  g_free (tn_lane_ctl (l1, "product", "add", "--sku", "A", "--name", "A", "--price", "1.00",
                       NULL));
  tn_lane_start (l1);
  tn_lane_start (l2);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);

  set_fsize (l2, 1024);
  tn_lane_sell (l1, "A", 3);
  deadline = g_get_monotonic_time () + TN_LANE_CONVERGE_TIMEOUT_US;
  while (!log_contains (l1, "reported an error", "disk is full"))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }

  set_fsize (l2, RLIM_INFINITY);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  /* Still the process that met the full disk: it did not die. */
  g_assert_nonnull (g_subprocess_get_identifier (l2->process));
  g_assert_cmpint (tn_lane_stop (l2, TN_LANE_STOP_LIMIT_US), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  tn_lane_require_binaries ();
  g_test_add_func ("/full-disk/open", test_full_disk_on_open);
  g_test_add_func ("/full-disk/write", test_full_disk_on_write);
  /* Inherited by the lanes: the file-size limit fails their writes with
   * EFBIG instead of killing them. */
  signal (SIGXFSZ, SIG_IGN);
  g_test_add ("/full-disk/while-syncing", TnLaneFixture, NULL, tn_lane_fixture_setup,
              test_full_disk_while_syncing, tn_lane_fixture_teardown);
  return g_test_run ();
}
