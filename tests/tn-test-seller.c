/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The victim of test-crash: rings up sales in DIR/tendero.db with
 * durable commits until it is killed.  After each commit has *returned*
 * it writes one line to stdout and flushes it, so every line the parent
 * reads names a change the database promised to keep:
 *
 *   READY                                      the store is open
 *   COMMITTED <sale_id> <fiscal_number> <event_id> <seq>
 *   VOIDED <sale_id>
 *   ADJUSTED <sku>
 *
 * Usage: tn-test-seller DIR [SEED] */

#include <stdio.h>
#include <stdlib.h>

#include "tn-operations.h"
#include "tn-store-private.h"

static GPtrArray *
load_skus (TnStore *store)
{
  GPtrArray *skus = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT sku FROM products WHERE active AND price IS NOT NULL "
                          "ORDER BY sku", -1, &stmt, NULL) != SQLITE_OK)
    g_error ("Cannot list the products: %s", sqlite3_errmsg (tn_store_get_db (store)));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (skus, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (skus->len == 0)
    g_error ("The store has no products to sell");
  return skus;
}

/* The event seq of a committed local event, read back after the commit
 * (the receipt does not carry it). */
static gint64
event_seq (TnStore    *store,
           const char *event_id)
{
  sqlite3_stmt *stmt = NULL;
  gint64 seq = -1;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT seq FROM events WHERE event_id = ?", -1, &stmt, NULL) != SQLITE_OK)
    g_error ("Cannot read the event log: %s", sqlite3_errmsg (tn_store_get_db (store)));
  sqlite3_bind_text (stmt, 1, event_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return seq;
}

/* An earlier sale that is not void yet, or NULL. */
static char *
pick_sale_to_void (TnStore *store,
                   GRand   *rand)
{
  sqlite3_stmt *stmt = NULL;
  char *sale_id = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT sale_id FROM sales WHERE NOT voided "
                          "ORDER BY sale_id LIMIT 1 OFFSET ?", -1, &stmt, NULL) != SQLITE_OK)
    g_error ("Cannot list the sales: %s", sqlite3_errmsg (tn_store_get_db (store)));
  sqlite3_bind_int (stmt, 1, g_rand_int_range (rand, 0, 8));
  if (sqlite3_step (stmt) == SQLITE_ROW)
    sale_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return sale_id;
}

static void
sell_one (TnStore   *store,
          GPtrArray *skus,
          GRand     *rand)
{
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  guint n_lines = (guint) g_rand_int_range (rand, 1, 6);

  for (guint i = 0; i < n_lines; i++)
    tn_sale_request_add_line (request,
                              skus->pdata[g_rand_int_range (rand, 0, (gint32) skus->len)],
                              1000 * g_rand_int_range (rand, 1, 4));
  receipt = tn_store_sell (store, request, &error);
  if (receipt == NULL)
    g_error ("A sale failed: %s", error->message);

  /* Only now, with the commit returned, may the sale be reported. */
  printf ("COMMITTED %s %" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT "\n",
          receipt->sale_id, receipt->fiscal_number, receipt->event_id,
          event_seq (store, receipt->event_id));
  fflush (stdout);
}

static void
void_or_adjust (TnStore   *store,
                GPtrArray *skus,
                GRand     *rand)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sale_id = NULL;

  if (g_rand_boolean (rand) && (sale_id = pick_sale_to_void (store, rand)) != NULL)
    {
      if (!tn_store_void_sale (store, sale_id, "crash test", NULL, &error))
        g_error ("Voiding %s failed: %s", sale_id, error->message);
      printf ("VOIDED %s\n", sale_id);
    }
  else
    {
      const char *sku = skus->pdata[g_rand_int_range (rand, 0, (gint32) skus->len)];

      if (!tn_store_adjust_stock (store, sku, 1000 * g_rand_int_range (rand, 1, 20),
                                  "crash test", &error))
        g_error ("Adjusting the stock of %s failed: %s", sku, error->message);
      printf ("ADJUSTED %s\n", sku);
    }
  fflush (stdout);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GPtrArray) skus = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree char *path = NULL;

  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "Usage: %s DIR [SEED]\n", argv[0]);
      return 2;
    }
  rand = argc == 3 ? g_rand_new_with_seed ((guint32) g_ascii_strtoull (argv[2], NULL, 10))
                   : g_rand_new ();

  path = g_build_filename (argv[1], "tendero.db", NULL);
  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  if (store == NULL)
    g_error ("Cannot open %s: %s", path, error->message);
  if (!tn_store_is_initialized (store))
    g_error ("%s has no store", path);
  skus = load_skus (store);

  printf ("READY\n");
  fflush (stdout);

  for (guint64 i = 1;; i++)
    {
      if (i % 10 == 0)
        void_or_adjust (store, skus, rand);
      else
        sell_one (store, skus, rand);
    }
  return 0;
}
