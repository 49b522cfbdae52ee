/* SPDX-License-Identifier: GPL-3.0-or-later */

/* CSV catalogue import: what spreadsheets write (BOM, CRLF, quotes)
 * imports; a bad row is named by its line and nothing is imported. */

#include <glib/gstdio.h>
#include <string.h>

#include "tn-catalog-import.h"
#include "tn-error.h"
#include "tn-event.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

/* Helpers ---------------------------------------------------------------- */

typedef struct
{
  char    *dir;
  TnStore *store;
} Lane;

static void
lane_init (Lane *lane)
{
  lane->dir = tn_test_mkdtemp ();
  lane->store = tn_test_store_new (lane->dir, "L1", FALSE, TRUE);
}

static void
lane_clear (Lane *lane)
{
  g_clear_object (&lane->store);
  tn_test_rmdir (lane->dir);
  g_clear_pointer (&lane->dir, g_free);
}

static gint64
count_events (TnStore    *store,
              const char *type)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store),
                                       "SELECT count(*) FROM events WHERE type = ?", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, type, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

typedef struct
{
  char  *name;
  gint64 price;
  gint64 tax_bp;
  char  *barcode;   /* NULL when there is none */
} Product;

static void
product_clear (Product *p)
{
  g_free (p->name);
  g_free (p->barcode);
}

static gboolean
get_product (TnStore    *store,
             const char *sku,
             Product    *out)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store),
                                       "SELECT name, price, tax_bp, barcode FROM products "
                                       "WHERE sku = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      out->name = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      out->price = sqlite3_column_int64 (stmt, 1);
      out->tax_bp = sqlite3_column_int64 (stmt, 2);
      out->barcode = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    }
  sqlite3_finalize (stmt);
  return found;
}

static void
assert_product (TnStore    *store,
                const char *sku,
                const char *name,
                gint64      price,
                gint64      tax_bp,
                const char *barcode)
{
  g_autoptr(GError) error = NULL;
  Product p = { 0, };
  gint64 stock = -1;

  if (!get_product (store, sku, &p))
    g_error ("Product %s was not imported", sku);
  g_assert_cmpstr (p.name, ==, name);
  g_assert_cmpint (p.price, ==, price);
  g_assert_cmpint (p.tax_bp, ==, tax_bp);
  g_assert_cmpstr (p.barcode, ==, barcode);
  g_assert_true (tn_store_get_stock (store, sku, &stock, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stock, ==, 0);
  product_clear (&p);
}

/* The ProductCreated/ProductUpdated payloads in the log, by SKU. */
static GHashTable *
logged_payloads (TnStore    *store,
                 TnEventType type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) texts = tn_store_read_events (store, tn_store_get_replica_id (store), 0,
                                                     G_MAXUINT, &error);
  GHashTable *by_sku = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) json_node_unref);

  g_assert_no_error (error);
  for (guint i = 0; i < texts->len; i++)
    {
      g_autoptr(TnEvent) event = tn_event_from_json (texts->pdata[i], -1, "test-store", &error);

      g_assert_no_error (error);
      if (event->type != type)
        continue;
      g_hash_table_insert (by_sku, g_strdup (tn_event_get_string (event, "sku")),
                           tn_json_value_to_node (tn_event_get_payload (event)));
    }
  return by_sku;
}

/* A spreadsheet's export: BOM, CRLF, a name with a comma and a doubled
 * quote, an empty barcode and tax, and a blank line at the end. */
static const char good_csv[] =
  "\xEF\xBB\xBF" "sku,name,price,barcode,tax\r\n"
  "ARROZ-1KG,Arroz blanco 1 kg,1.50,7591234567890,16\r\n"
  "JABON-3,\"Jabón \"\"Suave\"\", pack de 3\",4.25,,16\r\n"
  "PAN-CAMPESINO,\"Pan, campesino\",0.99,7590000000017,\r\n"
  "AGUA-600,Agua mineral 600 ml,0.50,7591111111111,8.5\r\n"
  "  CAFE-250 , Café molido 250 g ,3,7592222222222, 16 \r\n"
  "\r\n";

static void
assert_good_catalog (TnStore *store)
{
  assert_product (store, "ARROZ-1KG", "Arroz blanco 1 kg", 150, 1600, "7591234567890");
  assert_product (store, "JABON-3", "Jabón \"Suave\", pack de 3", 425, 1600, NULL);
  assert_product (store, "PAN-CAMPESINO", "Pan, campesino", 99, 0, "7590000000017");
  assert_product (store, "AGUA-600", "Agua mineral 600 ml", 50, 850, "7591111111111");
  assert_product (store, "CAFE-250", "Café molido 250 g", 300, 1600, "7592222222222");
}

/* Imports --------------------------------------------------------------- */

static void
test_import_good (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) created = NULL;
  TnImportResult result = { 99, 99, 99 };
  JsonObject *jabon;

  lane_init (&lane);
  g_assert_true (tn_catalog_import_data (lane.store, good_csv, strlen (good_csv), &result,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 5);
  g_assert_cmpuint (result.updated, ==, 0);
  g_assert_cmpuint (result.unchanged, ==, 0);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM products"), ==, 5);
  assert_good_catalog (lane.store);

  /* One ProductCreated each, and nothing else. */
  g_assert_cmpint (count_events (lane.store, "ProductCreated"), ==, 5);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, 5);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM outbox"), ==, 5);
  created = logged_payloads (lane.store, TN_EVENT_PRODUCT_CREATED);
  g_assert_cmpuint (g_hash_table_size (created), ==, 5);
  g_assert_nonnull (g_hash_table_lookup (created, "JABON-3"));
  jabon = json_node_get_object (g_hash_table_lookup (created, "JABON-3"));
  g_assert_cmpstr (json_object_get_string_member (jabon, "name"), ==,
                   "Jabón \"Suave\", pack de 3");
  g_assert_cmpint (json_object_get_int_member (jabon, "price"), ==, 425);
  g_assert_false (json_object_has_member (jabon, "barcode"));

  /* The search index knows the new products. */
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM products_fts "
                                                "WHERE products_fts MATCH 'jabon'"), ==, 1);
  lane_clear (&lane);
}

/* The same catalogue from a file, with LF line endings and no BOM. */
static void
test_import_file (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GString) lf = g_string_new (NULL);
  TnImportResult result = { 0, };

  lane_init (&lane);
  for (const char *p = good_csv + 3; *p; p++)
    if (*p != '\r')
      g_string_append_c (lf, *p);
  path = g_build_filename (lane.dir, "catalog.csv", NULL);
  g_file_set_contents (path, lf->str, lf->len, &error);
  g_assert_no_error (error);
  g_assert_true (tn_catalog_import_file (lane.store, path, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 5);
  assert_good_catalog (lane.store);

  missing = g_build_filename (lane.dir, "missing.csv", NULL);
  g_assert_false (tn_catalog_import_file (lane.store, missing, &result, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "missing.csv"));
  lane_clear (&lane);
}

static void
test_reimport (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) updates = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *digest = NULL;
  TnImportResult result = { 0, };
  JsonObject *update;
  gint64 events;

  lane_init (&lane);
  g_assert_true (tn_catalog_import_data (lane.store, good_csv, strlen (good_csv), &result,
                                         &error));
  g_assert_no_error (error);
  events = tn_test_sql_int (lane.store, "SELECT count(*) FROM events");
  digest = tn_test_state_hash (lane.store);

  /* The same file again: nothing to do, nothing logged. */
  memset (&result, 0, sizeof result);
  g_assert_true (tn_catalog_import_data (lane.store, good_csv, strlen (good_csv), &result,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 0);
  g_assert_cmpuint (result.updated, ==, 0);
  g_assert_cmpuint (result.unchanged, ==, 5);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, events);
  {
    g_autofree char *again = tn_test_state_hash (lane.store);
    g_assert_cmpstr (again, ==, digest);
  }

  /* One price changed: one ProductUpdated with just that price. */
  changed = g_strdup (good_csv);
  {
    char *price = strstr (changed, ",4.25,");
    g_assert_nonnull (price);
    memcpy (price, ",4.75,", 6);
  }
  memset (&result, 0, sizeof result);
  g_assert_true (tn_catalog_import_data (lane.store, changed, strlen (changed), &result,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, ==, 0);
  g_assert_cmpuint (result.updated, ==, 1);
  g_assert_cmpuint (result.unchanged, ==, 4);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, events + 1);
  g_assert_cmpint (count_events (lane.store, "ProductUpdated"), ==, 1);
  updates = logged_payloads (lane.store, TN_EVENT_PRODUCT_UPDATED);
  g_assert_nonnull (g_hash_table_lookup (updates, "JABON-3"));
  update = json_node_get_object (g_hash_table_lookup (updates, "JABON-3"));
  g_assert_nonnull (update);
  g_assert_cmpuint (json_object_get_size (update), ==, 2);
  g_assert_cmpint (json_object_get_int_member (update, "price"), ==, 475);
  assert_product (lane.store, "JABON-3", "Jabón \"Suave\", pack de 3", 475, 1600, NULL);
  assert_product (lane.store, "ARROZ-1KG", "Arroz blanco 1 kg", 150, 1600, "7591234567890");
  lane_clear (&lane);
}

/* Refusals -------------------------------------------------------------- */

static void
assert_import_refused (Lane       *lane,
                       const char *csv,
                       gsize       length,
                       const char *expected)
{
  g_autoptr(GError) error = NULL;
  TnImportResult result = { 0, };
  g_autoptr(TnTestSnapshot) snap = tn_test_snapshot_take (lane->store);

  g_assert_false (tn_catalog_import_data (lane->store, csv, length, &result, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == TN_ERROR);
  g_test_message ("refused: %s", error->message);
  if (strstr (error->message, expected) == NULL)
    g_error ("The message “%s” does not say “%s”", error->message, expected);
  g_assert_nonnull (strstr (error->message, "Nothing was imported"));
  g_assert_false (tn_store_in_transaction (lane->store));
  /* Everything a failed import must leave as it was. */
  tn_test_snapshot_assert_unchanged (lane->store, snap);
}

/* The same file with line 3 replaced by @row (no line ending). */
static char *
csv_with_line3 (const char *row)
{
  return g_strdup_printf ("sku,name,price,barcode,tax\r\n"
                          "OK-1,First good row,1.00,,16\r\n"
                          "%s\r\n"
                          "OK-2,Row after the bad one,2.00,,16\r\n", row);
}

static void
test_reject_rows (void)
{
  static const char *rows[] = {
    "BAD-PRICE,Price with two points,1.5.0,,16",
    "BAD-PRICE2,Price with three decimals,1.505,,16",
    "BAD-PRICE3,Negative price,-1.00,,16",
    "BAD-PRICE4,Comma decimal,\"1,50\",,16",
    "BAD-PRICE5,No price,,,16",
    "EMPTY-NAME,,1.00,,16",
    "BLANK-NAME,   ,1.00,,16",
    "BAD-TAX,Tax over 100,1.00,,150",
    "BAD-TAX2,Tax with a percent sign,1.00,,16%",
    "BAD-TAX3,Negative tax,1.00,,-5",
    "FOUR,Only four fields,1.00,",
    "SIX,Six fields,1.00,,16,extra",
    "OK-1,Duplicate of line 2,3.00,,16",
    "BAD SKU,Space in the SKU,1.00,,16",
    ",No SKU,1.00,,16",
    "BAD-UTF8,Caf\xe9 con leche,1.00,,16",
    "BAD-UTF8-2,\xc3\x28 broken,1.00,,16",
    "QUOTE,Has a \"quote\" inside,1.00,,16",
    "BAD-BARCODE,Long barcode,1.00,"
      "12345678901234567890123456789012345678901234567890123456789012345,16",
  };
  Lane lane;

  lane_init (&lane);
  /* Something already there, so "unchanged" means more than "empty". */
  tn_test_add_product (lane.store, "EXISTING", 500, 1600);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *csv = csv_with_line3 (rows[i]);

      assert_import_refused (&lane, csv, strlen (csv), "Line 3");
      /* The good row before the bad one was not imported either. */
      g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM products "
                                                    "WHERE sku = 'OK-1'"), ==, 0);
    }
  lane_clear (&lane);
}

static void
test_reject_unterminated_quote (void)
{
  static const char csv[] =
    "sku,name,price,barcode,tax\n"
    "OK-1,Fine,1.00,,16\n"
    "OPEN,\"Never closed,1.00,,16\n"
    "OK-2,Fine too,2.00,,16\n";
  Lane lane;

  lane_init (&lane);
  assert_import_refused (&lane, csv, strlen (csv), "Line 3");
  lane_clear (&lane);
}

/* A quoted field may span lines; later lines keep their real numbers. */
static void
test_reject_line_after_multiline (void)
{
  static const char csv[] =
    "sku,name,price,barcode,tax\r\n"
    "MULTI,\"Two\r\nlines\",1.00,,16\r\n"
    "OK-1,Fine,1.00,,16\r\n"
    "BAD,Bad price,abc,,16\r\n";
  Lane lane;

  lane_init (&lane);
  assert_import_refused (&lane, csv, strlen (csv), "Line 5");
  lane_clear (&lane);
}

/* A NUL byte where a spreadsheet saved UTF-16 or a binary file. */
static void
test_reject_binary (void)
{
  static const char csv[] = "sku,name,price,barcode,tax\nA,B\0C,1.00,,16\n";
  Lane lane;

  lane_init (&lane);
  assert_import_refused (&lane, csv, sizeof csv - 1, "NUL");
  lane_clear (&lane);
}

static void
test_reject_header (void)
{
  static const char *headers[] = {
    "sku,name,price\n",
    "sku,name,price,tax,barcode\n",
    "SKU;Name;Price;Barcode;Tax\n",
    "code,name,price,barcode,tax\n",
    "sku,name,price,barcode,tax,notes\n",
    "A-1,First product,1.00,,16\n",
  };
  Lane lane;

  lane_init (&lane);
  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *csv = g_strconcat (headers[i], "A-1,First product,1.00,,16\n", NULL);
      assert_import_refused (&lane, csv, strlen (csv), "Line 1");
    }
  lane_clear (&lane);
}

static void
test_reject_empty (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TnImportResult result = { 0, };

  lane_init (&lane);
  assert_import_refused (&lane, "", 0, "empty");
  assert_import_refused (&lane, "\xEF\xBB\xBF", 3, "header");
  assert_import_refused (&lane, "\n\n", 2, "header");

  path = g_build_filename (lane.dir, "empty.csv", NULL);
  g_file_set_contents (path, "", 0, &error);
  g_assert_no_error (error);
  g_assert_false (tn_catalog_import_file (lane.store, path, &result, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, 0);
  lane_clear (&lane);
}

/* Just the header: a valid, empty catalogue. */
static void
test_header_only (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  TnImportResult result = { 9, 9, 9 };

  lane_init (&lane);
  g_assert_true (tn_catalog_import_data (lane.store, "sku,name,price,barcode,tax\r\n", 28,
                                         &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created + result.updated + result.unchanged, ==, 0);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, 0);
  lane_clear (&lane);
}

/* Names are limited in characters, as the message says, not in bytes:
 * a Spanish name of 200 letters is longer than 200 bytes. */
static void
test_name_characters (void)
{
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) name = g_string_new (NULL);
  g_autofree char *csv = NULL;
  TnImportResult result = { 0, };

  lane_init (&lane);
  for (guint i = 0; i < 40; i++)
    g_string_append (name, "Ñandú");
  g_assert_cmpint (g_utf8_strlen (name->str, -1), ==, 200);
  csv = g_strdup_printf ("sku,name,price,barcode,tax\nLONG,%s,1.00,,16\n", name->str);
  if (!tn_catalog_import_data (lane.store, csv, strlen (csv), &result, &error))
    g_test_fail_printf ("A name of 200 characters (%" G_GSIZE_FORMAT " bytes) was refused: %s",
                        name->len, error->message);
  else
    assert_product (lane.store, "LONG", name->str, 100, 1600, NULL);

  /* 201 characters are too many. */
  g_string_append (name, "s");
  g_free (csv);
  csv = g_strdup_printf ("sku,name,price,barcode,tax\nLONGER,%s,1.00,,16\n", name->str);
  assert_import_refused (&lane, csv, strlen (csv), "Line 2");
  lane_clear (&lane);
}

/* Size ------------------------------------------------------------------ */

static void
test_import_large (void)
{
  const guint n = 100000;
  Lane lane;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) csv = g_string_sized_new (n * 48);
  g_autofree char *path = NULL;
  g_autoptr(GTimer) timer = NULL;
  TnImportResult result = { 0, };
  double elapsed;

  lane_init (&lane);
  g_string_append (csv, "sku,name,price,barcode,tax\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (csv, "SKU-%06u,\"Product %u, size %u\",%u.%02u,%013" G_GUINT64_FORMAT
                            ",%u\n", i, i, i % 7, i % 1000, i % 100,
                            G_GUINT64_CONSTANT (7590000000) + i, (i % 3) * 8);
  path = g_build_filename (lane.dir, "big.csv", NULL);
  g_file_set_contents (path, csv->str, csv->len, &error);
  g_assert_no_error (error);

  timer = g_timer_new ();
  g_assert_true (tn_catalog_import_file (lane.store, path, &result, &error));
  elapsed = g_timer_elapsed (timer, NULL);
  g_assert_no_error (error);
  g_test_message ("imported %u products (%.1f MiB) in %.2f s", n,
                  csv->len / (1024.0 * 1024.0), elapsed);
  g_assert_cmpuint (result.created, ==, n);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM products"), ==, n);
  g_assert_cmpint (count_events (lane.store, "ProductCreated"), ==, n);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT max(seq) FROM outbox"), ==, n);
  {
    const guint i = 54321;
    g_autofree char *sku = g_strdup_printf ("SKU-%06u", i);
    g_autofree char *name = g_strdup_printf ("Product %u, size %u", i, i % 7);
    g_autofree char *barcode = g_strdup_printf ("%013" G_GUINT64_FORMAT,
                                                G_GUINT64_CONSTANT (7590000000) + i);

    assert_product (lane.store, sku, name, (i % 1000) * 100 + i % 100, (i % 3) * 800, barcode);
  }
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM products_fts "
                                                "WHERE products_fts MATCH '\"SKU-099999\"'"),
                   ==, 1);

  /* Importing it again changes nothing, and is not slower than a fresh
   * import by much (printed, not asserted). */
  g_timer_start (timer);
  memset (&result, 0, sizeof result);
  g_assert_true (tn_catalog_import_file (lane.store, path, &result, &error));
  g_assert_no_error (error);
  g_test_message ("re-imported it unchanged in %.2f s", g_timer_elapsed (timer, NULL));
  g_assert_cmpuint (result.unchanged, ==, n);
  g_assert_cmpint (tn_test_sql_int (lane.store, "SELECT count(*) FROM events"), ==, n);
  lane_clear (&lane);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/catalog-import/good", test_import_good);
  g_test_add_func ("/catalog-import/file", test_import_file);
  g_test_add_func ("/catalog-import/reimport", test_reimport);
  g_test_add_func ("/catalog-import/header-only", test_header_only);
  g_test_add_func ("/catalog-import/reject/rows", test_reject_rows);
  g_test_add_func ("/catalog-import/reject/unterminated-quote", test_reject_unterminated_quote);
  g_test_add_func ("/catalog-import/reject/line-after-multiline",
                   test_reject_line_after_multiline);
  g_test_add_func ("/catalog-import/reject/binary", test_reject_binary);
  g_test_add_func ("/catalog-import/reject/header", test_reject_header);
  g_test_add_func ("/catalog-import/reject/empty", test_reject_empty);
  g_test_add_func ("/catalog-import/name-characters", test_name_characters);
  g_test_add_func ("/catalog-import/large", test_import_large);

  return g_test_run ();
}
