/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Schema migrations: a database written by every older version opens,
 * upgrades and keeps its rows; one written by a newer Tendero, or a
 * file that is not a database at all, is refused and left as it was. */

#include <glib/gstdio.h>
#include <string.h>

#include "tn-error.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

/* Internal to tn-store.c, for these tests only. */
TnStore *tn_store_open_at_version (const char *path, int version, GError **error);

#define REPLICA "5d3c1f0e-8a2b-4c6d-9e7f-0a1b2c3d4e5f"
#define EVENT_ID "11111111-2222-4333-8444-555555555555"

/* Helpers ---------------------------------------------------------------- */

static gboolean
table_exists (TnStore    *store,
              const char *name)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM sqlite_master WHERE name = '%s'",
                                          name);
  return tn_test_sql_int (store, sql) == 1;
}

static gboolean
column_exists (TnStore    *store,
               const char *table,
               const char *column)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM pragma_table_info ('%s') "
                                          "WHERE name = '%s'", table, column);
  return tn_test_sql_int (store, sql) == 1;
}

/* Every schema object, one line each, for comparing two databases. */
static char *
schema_dump (TnStore *store)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store),
                                       "SELECT type, name, tbl_name, sql FROM sqlite_master "
                                       "ORDER BY type, name", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s %s %s %s\n", sqlite3_column_text (stmt, 0),
                            sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2),
                            sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
assert_integrity (TnStore *store)
{
  g_autofree char *result = tn_test_sql_text (store, "PRAGMA integrity_check", NULL);

  g_assert_cmpstr (result, ==, "ok");
  if (tn_store_get_schema_version (store) >= 2)
    tn_test_sql (store, "INSERT INTO products_fts (products_fts) VALUES ('integrity-check')");
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM pragma_foreign_key_check"), ==,
                   0);
}

static gboolean
same_bytes (const char *path,
            const char *before,
            gsize       before_length)
{
  g_autofree char *after = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &after, &length, NULL))
    return FALSE;
  return length == before_length && memcmp (before, after, length) == 0;
}

static gboolean
sidecar_exists (const char *path,
                const char *suffix)
{
  g_autofree char *sidecar = g_strconcat (path, suffix, NULL);

  return g_file_test (sidecar, G_FILE_TEST_EXISTS);
}

/* Migrations ------------------------------------------------------------- */

/* Builds a database at @version as that version of Tendero would have
 * written it, with a store identity, one local event and one product,
 * then opens it with this version. */
/* Inserts into the tables a sale fills are noted by the projection code
 * (migration 6); every other change to a projection row, by a trigger. */
static void
assert_digest_triggers (TnStore *store)
{
  const char *const noted_in_c[] = { TN_DIGEST_NOTED_IN_C };

  for (guint i = 0; i < G_N_ELEMENTS (noted_in_c); i++)
    {
      g_autofree char *insert = g_strdup_printf ("digest_%s_insert", noted_in_c[i]);
      g_autofree char *update = g_strdup_printf ("digest_%s_update", noted_in_c[i]);
      g_autofree char *delete = g_strdup_printf ("digest_%s_delete", noted_in_c[i]);
      const char *sql = "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = ?";

      g_assert_cmpint (tn_test_sql_int_arg (store, sql, insert), ==, 0);
      g_assert_cmpint (tn_test_sql_int_arg (store, sql, update), ==, 1);
      g_assert_cmpint (tn_test_sql_int_arg (store, sql, delete), ==, 1);
    }
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM sqlite_schema "
                                           "WHERE type = 'trigger' AND name = "
                                           "'digest_stock_insert'"), ==, 1);
}

static void
test_migrate_from (gconstpointer data)
{
  int version = GPOINTER_TO_INT (data);
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autofree char *fresh_dir = tn_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) old = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autoptr(TnStore) fresh = NULL;
  g_autoptr(TnVersionVector) vv = NULL;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  g_autofree char *migrated_schema = NULL;
  g_autofree char *fresh_schema = NULL;
  gint64 stock = -1;

  old = tn_store_open_at_version (path, version, &error);
  g_assert_no_error (error);
  g_assert_nonnull (old);
  g_assert_cmpint (tn_store_get_schema_version (old), ==, version);
  g_assert_cmpint (tn_test_sql_int (old, "PRAGMA user_version"), ==, version);
  /* Nothing of a later version is there yet. */
  if (version < 2)
    g_assert_false (table_exists (old, "products_fts"));
  if (version < 3)
    {
      g_assert_false (table_exists (old, "dead_letters"));
      g_assert_false (column_exists (old, "alerts", "peer"));
    }

  /* In a write transaction, as that version wrote: its commit keeps its
   * own indexes up to date. */
  tn_store_begin (old, &error);
  g_assert_no_error (error);
  tn_test_sql (old,
               "INSERT INTO meta (key, value) VALUES ('store_id', 'old-store'), "
               "  ('replica_id', '" REPLICA "'), ('terminal', 'L7'), ('currency', 'VES'), "
               "  ('decimals', '2'), ('tax_inclusive', '0'), ('fiscal_authority', '1');"
               "INSERT INTO settings (key, value) VALUES ('theme', 'dark');"
               "INSERT INTO events (origin, seq, event_id, type, hlc, hash, body, received_at) "
               "  VALUES ('" REPLICA "', 1, '" EVENT_ID "', 'ProductCreated', 1000, "
               "          'abc', '{\"old\":true}', 1);"
               "INSERT INTO vv (origin, seq) VALUES ('" REPLICA "', 1);"
               "INSERT INTO outbox (seq, event_id, status, created_at, updated_at) "
               "  VALUES (1, '" EVENT_ID "', 1, 1, 1);"
               "INSERT INTO products (sku, name, price, tax_bp, barcode) "
               "  VALUES ('ARROZ-1KG', 'Arroz blanco 1 kg', 150, 1600, '7591234567890');"
               "INSERT INTO stock (sku, qty) VALUES ('ARROZ-1KG', 12000);"
               "INSERT INTO alerts (priority, kind, message, created_at) "
               "  VALUES (1, 'test', 'an old alert', 1);");
  tn_store_commit (old, &error);
  g_assert_no_error (error);
  g_clear_object (&old);

  store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (tn_store_get_schema_version (store), ==, TN_STORE_SCHEMA_VERSION);
  g_assert_cmpint (tn_test_sql_int (store, "PRAGMA user_version"), ==, TN_STORE_SCHEMA_VERSION);
  assert_digest_triggers (store);

  /* The rows are intact and the identity is read. */
  g_assert_true (tn_store_is_initialized (store));
  g_assert_cmpstr (tn_store_get_store_id (store), ==, "old-store");
  g_assert_cmpstr (tn_store_get_replica_id (store), ==, REPLICA);
  g_assert_cmpstr (tn_store_get_terminal (store), ==, "L7");
  g_assert_cmpstr (tn_store_get_currency (store), ==, "VES");
  g_assert_true (tn_store_is_fiscal_authority (store));
  name = tn_test_sql_text (store, "SELECT name FROM products WHERE sku = 'ARROZ-1KG'", NULL);
  g_assert_cmpstr (name, ==, "Arroz blanco 1 kg");
  g_assert_cmpint (tn_test_sql_int (store, "SELECT price FROM products"), ==, 150);
  body = tn_test_sql_text (store, "SELECT body FROM events WHERE seq = 1", NULL);
  g_assert_cmpstr (body, ==, "{\"old\":true}");
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM outbox WHERE status = 1"), ==, 1);
  tn_store_get_stock (store, "ARROZ-1KG", &stock, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stock, ==, 12000);
  {
    g_autofree char *theme = tn_store_get_setting (store, "theme");
    g_assert_cmpstr (theme, ==, "dark");
  }
  vv = tn_store_get_version_vector (store, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_version_vector_get (vv, REPLICA), ==, 1);

  /* Objects of the later versions exist and work on the old rows. */
  g_assert_true (table_exists (store, "products_fts"));
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products_fts "
                                           "WHERE products_fts MATCH 'arroz'"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products_fts "
                                           "WHERE products_fts MATCH 'blan*'"), ==, 1);
  g_assert_true (table_exists (store, "dead_letters"));
  /* Migration 4: the indexes that keep fiscal lookups and the hold-back
   * queue fast (sqlite_master holds indexes by name too). */
  g_assert_true (table_exists (store, "fiscal_blocks_device_range"));
  g_assert_true (table_exists (store, "holdback_slot"));
  g_assert_false (table_exists (store, "fiscal_blocks_device"));
  g_assert_true (table_exists (store, "divergences"));
  g_assert_true (column_exists (store, "alerts", "peer"));
  /* Migration 5: the maintained digest was built from the old rows (a
   * product and its stock) and equals a full scan. */
  g_assert_true (table_exists (store, "digest_buckets"));
  g_assert_cmpint (tn_test_sql_int (store, "SELECT sum(rows) FROM digest_buckets"), ==, 2);
  g_free (tn_test_state_hash (store));
  tn_test_sql (store, "INSERT INTO dead_letters (event_id, origin, seq, reason, created_at) "
                      "VALUES ('" EVENT_ID "', '" REPLICA "', 1, 'refused', 2)");
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM alerts WHERE peer IS NULL"), ==,
                   1);
  assert_integrity (store);

  /* The upgraded store keeps working: the next local event is seq 2 and
   * the search index follows new products. */
  tn_test_add_product (store, "FRIJOL", 300, 0);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT max(seq) FROM events WHERE origin = '"
                                           REPLICA "'"), ==, 2);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products_fts "
                                           "WHERE products_fts MATCH 'frijol'"), ==, 1);
  tn_store_update_product (store, "ARROZ-1KG", "Arroz integral 1 kg", NULL, -1, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products_fts "
                                           "WHERE products_fts MATCH 'blanco'"), ==, 0);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products_fts "
                                           "WHERE products_fts MATCH 'integral'"), ==, 1);
  g_free (tn_test_state_hash (store));
  assert_integrity (store);

  /* The same schema as a database created by this version. */
  {
    g_autofree char *fresh_path = g_build_filename (fresh_dir, "tendero.db", NULL);

    fresh = tn_store_open (fresh_path, TN_STORE_FLAGS_NO_SYNC, &error);
    g_assert_no_error (error);
    migrated_schema = schema_dump (store);
    fresh_schema = schema_dump (fresh);
    g_assert_cmpstr (migrated_schema, ==, fresh_schema);
  }

  /* Opening again changes nothing. */
  g_clear_object (&store);
  store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_store_get_schema_version (store), ==, TN_STORE_SCHEMA_VERSION);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count(*) FROM products"), ==, 2);

  g_clear_object (&store);
  g_clear_object (&fresh);
  tn_test_rmdir (dir);
  tn_test_rmdir (fresh_dir);
}

/* Every movement of @source, one text: the columns the view has. */
#define MOVEMENTS_OF(source) \
  "SELECT group_concat (sku || ' ' || source_id || ' ' || line || ' ' || delta || ' ' || " \
  "kind || ' ' || hlc || ' ' || origin, '; ') " \
  "FROM (SELECT * FROM " source " ORDER BY source_id, line)"

/* Migration 8: the stock movements that a sale's lines imply leave
 * inventory_changes.  The stock_movements view still yields them, so the
 * stock, the movements and the state digest read as before. */
static void
test_migrate_sale_movements (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *hash_before = NULL;
  g_autofree char *hash_after = NULL;
  g_autofree char *movements_before = NULL;
  g_autofree char *movements_after = NULL;
  TnStoreIdentity identity = {
    .store_id = "old-store", .terminal = "L7", .currency = "USD", .decimals = 2,
    .fiscal_authority = TRUE,
  };

  store = tn_store_open_at_version (path, 7, &error);
  g_assert_no_error (error);
  tn_store_initialize (store, &identity, &error);
  g_assert_no_error (error);
  tn_test_add_product (store, "SODA", 100, 0);
  tn_store_receive_stock (store, "SODA", 50000, "delivery", &error);
  g_assert_no_error (error);
  tn_sale_receipt_free (tn_test_sell (store, "SODA", 3000));
  tn_sale_receipt_free (tn_test_sell (store, "SODA", 2000));
  /* Schema 7 stored each sale line again as a movement, and its digest
   * counted those rows; this code counts them as the lines arrive. */
  tn_test_sql (store, "INSERT INTO inventory_changes (source_id, line, sku, delta, kind, reason, "
                      "  hlc, origin) "
                      "SELECT l.sale_id, l.line, l.sku, -l.qty, 'sale', NULL, s.hlc, s.origin "
                      "FROM sale_lines l JOIN sales s ON s.sale_id = l.sale_id");
  g_assert_false (table_exists (store, "stock_movements"));
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM inventory_changes"), ==, 3);
  hash_before = tn_test_state_hash (store);
  movements_before = tn_test_sql_text (store, MOVEMENTS_OF ("inventory_changes"), NULL);
  g_clear_object (&store);

  store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_store_get_schema_version (store), ==, TN_STORE_SCHEMA_VERSION);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM inventory_changes"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM inventory_changes "
                                           "WHERE kind = 'receive'"), ==, 1);
  movements_after = tn_test_sql_text (store, MOVEMENTS_OF ("stock_movements"), NULL);
  g_assert_cmpstr (movements_after, ==, movements_before);
  hash_after = tn_test_state_hash (store);
  g_assert_cmpstr (hash_after, ==, hash_before);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT qty FROM stock WHERE sku = 'SODA'"), ==,
                   45000);

  /* New sales add to the view only, and keep the digest whole. */
  tn_sale_receipt_free (tn_test_sell (store, "SODA", 1000));
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM inventory_changes"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM stock_movements"), ==, 4);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT sum (delta) FROM stock_movements"), ==, 44000);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT qty FROM stock WHERE sku = 'SODA'"), ==,
                   44000);
  g_free (tn_test_state_hash (store));
  assert_integrity (store);

  g_clear_object (&store);
  tn_test_rmdir (dir);
}

static void
test_fresh (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *mode = NULL;

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_store_get_schema_version (store), ==, TN_STORE_SCHEMA_VERSION);
  g_assert_false (tn_store_is_initialized (store));
  mode = tn_test_sql_text (store, "PRAGMA journal_mode", NULL);
  g_assert_cmpstr (mode, ==, "wal");
  /* synchronous=FULL (2) unless a test asks otherwise. */
  g_assert_cmpint (tn_test_sql_int (store, "PRAGMA synchronous"), ==, 2);
  assert_integrity (store);
  assert_digest_triggers (store);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

/* Refusals --------------------------------------------------------------- */

static void
assert_newer_refused (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *before = NULL;
  gsize length = 0;
  g_autofree char *expected = g_strdup_printf ("schema %d", TN_STORE_SCHEMA_VERSION + 1);

  g_assert_true (g_file_get_contents (path, &before, &length, NULL));
  g_assert_false (sidecar_exists (path, "-wal"));

  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, TN_ERROR, TN_ERROR_NEWER_SCHEMA);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "update Tendero"));
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_true (same_bytes (path, before, length));
  g_assert_false (sidecar_exists (path, "-wal"));
  g_assert_false (sidecar_exists (path, "-journal"));

  /* Still refused the second time, not half-upgraded by the first. */
  g_clear_error (&error);
  store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_assert_null (store);
  g_assert_error (error, TN_ERROR, TN_ERROR_NEWER_SCHEMA);
  g_assert_true (same_bytes (path, before, length));
  g_assert_false (sidecar_exists (path, "-wal"));
}

/* A database as a newer Tendero might leave it: rollback journal, a
 * table this version has never heard of. */
static void
test_newer_schema (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d",
                                             TN_STORE_SCHEMA_VERSION + 1);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future (x); INSERT INTO future VALUES (1);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, pragma, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  assert_newer_refused (path);
  tn_test_rmdir (dir);
}

/* The same for a database in WAL mode, as Tendero itself writes them:
 * reading it must not leave a -wal behind either. */
static void
test_newer_schema_wal (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d",
                                             TN_STORE_SCHEMA_VERSION + 1);
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);

  tn_test_add_product (store, "FUTURE", 100, 0);
  tn_test_sql (store, pragma);
  g_clear_object (&store);

  assert_newer_refused (path);
  tn_test_rmdir (dir);
}

static void
assert_not_database (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *before = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &before, &length, NULL));
  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, TN_ERROR, TN_ERROR_DATABASE);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "not a Tendero database"));
  g_assert_true (same_bytes (path, before, length));
  g_assert_false (sidecar_exists (path, "-wal"));
  g_assert_false (sidecar_exists (path, "-shm"));
  g_assert_false (sidecar_exists (path, "-journal"));
}

static void
test_not_a_database (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *text_path = g_build_filename (dir, "notes.db", NULL);
  g_autofree char *binary_path = g_build_filename (dir, "image.db", NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  guint8 binary[4096];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "sku,name,price,barcode,tax\n");
  g_file_set_contents (text_path, text->str, text->len, &error);
  g_assert_no_error (error);
  assert_not_database (text_path);

  for (guint i = 0; i < sizeof binary; i++)
    binary[i] = (guint8) (i * 7 + 3);
  memcpy (binary, "\x89PNG\r\n\x1a\n", 8);
  g_file_set_contents (binary_path, (const char *) binary, sizeof binary, &error);
  g_assert_no_error (error);
  assert_not_database (binary_path);
  tn_test_rmdir (dir);
}

/* A Tendero database whose pages were overwritten after the header:
 * SQLite can read the version but the schema is garbage. */
static void
test_damaged_database (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  tn_test_add_product (store, "A", 100, 0);
  g_clear_object (&store);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 4096);
  /* Keep the 100-byte header, overwrite the rest of page 1 (the schema). */
  memset (contents + 100, 0xa5, 4096 - 100);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);

  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, TN_ERROR, TN_ERROR_DATABASE);
  g_test_message ("refused: %s", error->message);
  g_assert_true (same_bytes (path, contents, length));
  /* A manager must learn which file is damaged. */
  if (strstr (error->message, path) == NULL || strstr (error->message, "damaged") == NULL)
    g_test_fail_printf ("The message does not say that %s is damaged: %s", path,
                        error->message);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (int v = 1; v < TN_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *name = g_strdup_printf ("/store-schema/migrate/from-v%d", v);
      g_test_add_data_func (name, GINT_TO_POINTER (v), test_migrate_from);
    }
  g_test_add_func ("/store-schema/migrate/sale-movements", test_migrate_sale_movements);
  g_test_add_func ("/store-schema/fresh", test_fresh);
  g_test_add_func ("/store-schema/refuse/newer", test_newer_schema);
  g_test_add_func ("/store-schema/refuse/newer-wal", test_newer_schema_wal);
  g_test_add_func ("/store-schema/refuse/not-a-database", test_not_a_database);
  g_test_add_func ("/store-schema/refuse/damaged", test_damaged_database);

  return g_test_run ();
}
