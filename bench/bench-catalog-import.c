/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Two figures a store owner asks about before moving in: how long the
 * first catalogue import takes, and how much disk a year of sales needs.
 *
 * Usage: bench-catalog-import [N [DIR]]
 *   N catalogue rows and N five-line sales (default 100000). */

#include <stdio.h>

#include "tn-bench-util.h"
#include "tn-catalog-import.h"
#include "tn-operations.h"
#include "tn-store-private.h"

#define SIZE_PRODUCTS 1000

static char *
write_catalogue (const char *dir,
                 guint       rows)
{
  g_autoptr(GString) csv = g_string_sized_new ((gsize) rows * 64);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "catalogue.csv", NULL);
  static const char *names[] = {
    "Harina PAN 1 kg", "Café \"El Peñón\" 500 g", "Arroz, tipo 1, 900 g", "Aceite 1 L",
    "Jabón azul", "Leche en polvo 400 g", "Pasta larga 1 kg", "Azúcar refinada 1 kg",
  };

  g_string_append (csv, "sku,name,price,barcode,tax\n");
  for (guint i = 0; i < rows; i++)
    {
      const char *name = names[i % G_N_ELEMENTS (names)];
      g_autofree char *quoted = NULL;
      guint price = 50 + (i * 7919) % 99950;

      /* RFC 4180: names with a comma or a quote are quoted. */
      if (strpbrk (name, ",\"") != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (name, "\"", -1);
          g_autofree char *doubled = g_strjoinv ("\"\"", parts);
          quoted = g_strdup_printf ("\"%s #%u\"", doubled, i);
        }
      else
        quoted = g_strdup_printf ("%s #%u", name, i);
      g_string_append_printf (csv, "SKU%07u,%s,%u.%02u,%013" G_GUINT64_FORMAT ",%u\n",
                              i, quoted, price / 100, price % 100,
                              (guint64) 7590000000000 + i, (i % 3) * 8);
    }
  g_file_set_contents (path, csv->str, csv->len, &error);
  tn_bench_check (error, "Writing the catalogue");
  return path;
}

static void
bench_import (const char *dir,
              guint       rows)
{
  g_autofree char *csv = write_catalogue (dir, rows);
  g_autoptr(TnStore) store = tn_bench_store_new (dir, "import.db", "L1", TRUE,
                                                 TN_STORE_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  TnImportResult result = { 0, };
  gint64 start;
  double seconds;

  printf ("Catalogue import: %u rows (%.1f MiB of CSV) into a durable store\n",
          rows, tn_bench_file_size (csv) / 1048576.0);
  start = g_get_monotonic_time ();
  tn_catalog_import_file (store, csv, &result, &error);
  tn_bench_check (error, "The import");
  seconds = tn_bench_seconds (start);
  printf ("  first import     %8.0f rows/s  (%.2f s; %u created)\n",
          rows / seconds, seconds, result.created);

  memset (&result, 0, sizeof result);
  start = g_get_monotonic_time ();
  tn_catalog_import_file (store, csv, &result, &error);
  tn_bench_check (error, "The second import");
  seconds = tn_bench_seconds (start);
  printf ("  same file again  %8.0f rows/s  (%.2f s; %u unchanged)\n",
          rows / seconds, seconds, result.unchanged);
}

/* Main database plus WAL, after folding the WAL back in. */
static gint64
database_bytes (TnStore *store)
{
  g_autofree char *wal = g_strconcat (tn_store_get_path (store), "-wal", NULL);

  if (sqlite3_wal_checkpoint_v2 (tn_store_get_db (store), NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                 NULL, NULL) != SQLITE_OK)
    g_error ("The checkpoint failed: %s", sqlite3_errmsg (tn_store_get_db (store)));
  return tn_bench_file_size (tn_store_get_path (store)) + tn_bench_file_size (wal);
}

/* Where the bytes go, if this SQLite has the dbstat table. */
static void
print_tables (TnStore *store,
              gint64   total)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT name, sum (pgsize) FROM dbstat GROUP BY name "
                          "ORDER BY 2 DESC LIMIT 8", -1, &stmt, NULL) != SQLITE_OK)
    return;
  printf ("  largest tables and indexes:\n");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    printf ("    %-36s %7.1f MiB  %3.0f %%\n", sqlite3_column_text (stmt, 0),
            sqlite3_column_int64 (stmt, 1) / 1048576.0,
            100.0 * sqlite3_column_int64 (stmt, 1) / total);
  sqlite3_finalize (stmt);
}

static void
bench_size (const char *dir,
            guint       sales)
{
  g_autoptr(TnStore) store = tn_bench_store_new (dir, "size.db", "L1", TRUE,
                                                 TN_STORE_FLAGS_NO_SYNC);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint window = MAX (1, MIN (1000, sales / 10));
  gint64 before, after, start, mark = 0;
  double per_sale, first_rate = 0, last_rate;

  tn_bench_add_products (store, SIZE_PRODUCTS);
  before = database_bytes (store);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < sales; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;
      g_autoptr(GError) error = NULL;

      if (i == window)
        first_rate = window / tn_bench_seconds (start);
      if (i == sales - window)
        mark = g_get_monotonic_time ();
      for (guint l = 0; l < 5; l++)
        {
          char sku[16];
          g_snprintf (sku, sizeof sku, "P%05d", g_rand_int_range (rand, 0, SIZE_PRODUCTS));
          tn_sale_request_add_line (request, sku, 1000 * g_rand_int_range (rand, 1, 4));
        }
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale");
    }
  last_rate = window / tn_bench_seconds (mark);
  after = database_bytes (store);
  per_sale = (double) (after - before) / sales;

  printf ("Database size: %u five-line sales (rung up in %.1f s, synchronous=OFF)\n",
          sales, tn_bench_seconds (start));
  printf ("  %.0f bytes per sale, %.1f MiB per 100,000 sales "
          "(database %.1f MiB before, %.1f MiB after)\n",
          per_sale, per_sale * 100000 / 1048576.0, before / 1048576.0, after / 1048576.0);
  printf ("  (CPU cost of a sale as history grows: the first %u went at %.0f sales/s, "
          "the last %u at %.0f sales/s)\n", window, first_rate, window, last_rate);
  print_tables (store, after);
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 100000);
  g_autofree char *dir = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);

  bench_import (dir, n);
  bench_size (dir, n);
  tn_bench_rmdir (dir);
  return 0;
}
