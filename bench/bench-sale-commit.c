/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What a cashier waits for: the latency of committing one sale of five
 * lines durably (WAL, synchronous=FULL), next to the floor the disk sets
 * (a one-row durable transaction in plain SQLite, same pragmas) and to
 * the cheaper settings DESIGN §2 weighs against it.
 *
 * Usage: bench-sale-commit [N [DIR]]   (N sales per variant, default 2000) */

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "tn-bench-util.h"
#include "tn-operations.h"
#include "tn-store-private.h"

#define N_PRODUCTS 500
#define N_LINES    5

/* Counts the WAL frames (pages) each commit writes.  Installing a WAL
 * hook replaces SQLite's auto-checkpoint hook, so this does what that one
 * does: a passive checkpoint once the WAL holds 1000 pages. */
typedef struct
{
  gint64 frames;
  int    last;
} WalCount;

static int
wal_committed_cb (void       *data,
                  sqlite3    *db,
                  const char *name,
                  int         pages)
{
  WalCount *count = data;

  count->frames += pages >= count->last ? pages - count->last : pages;
  count->last = pages;
  if (pages >= 1000)
    sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  return SQLITE_OK;
}

static void
print_pages (WalCount *count,
             guint     n)
{
  printf ("%-44s %.1f pages (%.0f KiB) written to the WAL per commit\n", "",
          (double) count->frames / n, count->frames * 4.0 / n);
}

typedef enum
{
  BARRIER_NONE,
  BARRIER_FDATASYNC_WAL,   /* NORMAL, then one explicit flush of the WAL */
} Barrier;

static void
run_sales (const char *label,
           const char *dir,
           const char *file,
           TnStoreFlags flags,
           const char *synchronous,
           Barrier     barrier,
           guint       n,
           guint32     seed)
{
  g_autoptr(TnStore) store = tn_bench_store_new (dir, file, "L1", TRUE, flags);
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *wal = g_strconcat (tn_store_get_path (store), "-wal", NULL);
  WalCount pages = { 0, 0 };
  int wal_fd = -1;
  gint64 start;

  tn_bench_add_products (store, N_PRODUCTS);
  sqlite3_wal_hook (tn_store_get_db (store), wal_committed_cb, &pages);
  if (synchronous != NULL)
    {
      g_autofree char *pragma = g_strdup_printf ("PRAGMA synchronous = %s", synchronous);
      if (sqlite3_exec (tn_store_get_db (store), pragma, NULL, NULL, NULL) != SQLITE_OK)
        g_error ("%s failed", pragma);
    }
  if (barrier == BARRIER_FDATASYNC_WAL && (wal_fd = open (wal, O_RDWR | O_CLOEXEC)) < 0)
    g_error ("Cannot open %s", wal);

  pages.frames = 0;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;
      g_autoptr(GError) error = NULL;
      gint64 t0;

      for (guint l = 0; l < N_LINES; l++)
        {
          char sku[16];
          g_snprintf (sku, sizeof sku, "P%05d", g_rand_int_range (rand, 0, N_PRODUCTS));
          tn_sale_request_add_line (request, sku, 1000 * g_rand_int_range (rand, 1, 4));
        }
      t0 = g_get_monotonic_time ();
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale");
      if (wal_fd >= 0 && fdatasync (wal_fd) != 0)
        g_error ("fdatasync failed");
      g_array_append_val (samples, (gint64) { g_get_monotonic_time () - t0 });
    }
  tn_bench_print_latency (label, samples, tn_bench_seconds (start));
  print_pages (&pages, n);
  if (wal_fd >= 0)
    close (wal_fd);
}

/* The disk's floor: one tiny row per durable transaction. */
static void
run_floor (const char *dir,
           guint       n)
{
  g_autofree char *path = g_build_filename (dir, "floor.db", NULL);
  g_autoptr(GArray) samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  sqlite3_stmt *begin = NULL, *insert = NULL, *commit = NULL;
  sqlite3 *db = NULL;
  WalCount pages = { 0, 0 };
  gint64 start;

  if (sqlite3_open (path, &db) != SQLITE_OK ||
      sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                        "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
                    NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT INTO t (body) VALUES ('a sale-sized row')", -1,
                          &insert, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "COMMIT", -1, &commit, NULL) != SQLITE_OK)
    g_error ("Setting up %s failed: %s", path, sqlite3_errmsg (db));
  sqlite3_wal_hook (db, wal_committed_cb, &pages);
  pages.frames = 0;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      gint64 t0 = g_get_monotonic_time ();

      if (sqlite3_step (begin) != SQLITE_DONE || sqlite3_step (insert) != SQLITE_DONE ||
          sqlite3_step (commit) != SQLITE_DONE)
        g_error ("The floor insert failed: %s", sqlite3_errmsg (db));
      sqlite3_reset (begin);
      sqlite3_reset (insert);
      sqlite3_reset (commit);
      g_array_append_val (samples, (gint64) { g_get_monotonic_time () - t0 });
    }
  tn_bench_print_latency ("floor: 1-row INSERT, WAL + FULL", samples,
                          tn_bench_seconds (start));
  print_pages (&pages, n);
  sqlite3_finalize (begin);
  sqlite3_finalize (insert);
  sqlite3_finalize (commit);
  sqlite3_close (db);
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 2000);
  g_autofree char *dir = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  guint32 seed = g_random_int ();

  printf ("Sale commit latency: %u sales of %d lines per variant (%d products, fiscal "
          "authority lane, so block grants happen inside sales)\n", n, N_LINES, N_PRODUCTS);
  run_sales ("sale, WAL + synchronous=FULL (what ships)", dir, "full.db",
             TN_STORE_FLAGS_NONE, NULL, BARRIER_NONE, n, seed);
  run_floor (dir, n);
  run_sales ("sale, WAL + synchronous=NORMAL", dir, "normal.db",
             TN_STORE_FLAGS_NONE, "NORMAL", BARRIER_NONE, n, seed);
  run_sales ("sale, NORMAL + fdatasync(wal) barrier", dir, "barrier.db",
             TN_STORE_FLAGS_NONE, "NORMAL", BARRIER_FDATASYNC_WAL, n, seed);
  run_sales ("sale, synchronous=OFF (CPU cost only)", dir, "off.db",
             TN_STORE_FLAGS_NO_SYNC, NULL, BARRIER_NONE, n, seed);
  tn_bench_rmdir (dir);
  return 0;
}
