/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-store-private.h"

#include <glib/gi18n.h>

#include "tn-error.h"

/* Each migration takes the database from version N-1 to N.  Never edit
 * one that has shipped: add the next. */

static const char migration_1[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
  /* The log.  body is the canonical record, exactly what was hashed. */
  "CREATE TABLE events ("
  "  origin TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,"
  "  type TEXT NOT NULL, hlc INTEGER NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL,"
  "  received_at INTEGER NOT NULL, PRIMARY KEY (origin, seq));"
  "CREATE TABLE vv (origin TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE holdback ("
  "  event_id TEXT PRIMARY KEY, origin TEXT NOT NULL, seq INTEGER NOT NULL,"
  "  hlc INTEGER NOT NULL, body TEXT NOT NULL, received_at INTEGER NOT NULL);"
  "CREATE TABLE outbox ("
  "  seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
  "  attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL, last_error TEXT);"
  "CREATE INDEX outbox_status ON outbox (status, seq);"
  /* Projections. *_clock columns hold the LWW clock of their field. */
  "CREATE TABLE products ("
  "  id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, name TEXT, name_clock TEXT NOT NULL DEFAULT '',"
  "  barcode TEXT, barcode_clock TEXT NOT NULL DEFAULT '',"
  "  tax_bp INTEGER NOT NULL DEFAULT 0, tax_bp_clock TEXT NOT NULL DEFAULT '',"
  "  active INTEGER NOT NULL DEFAULT 1, active_clock TEXT NOT NULL DEFAULT '',"
  "  price INTEGER);"
  "CREATE INDEX products_barcode ON products (barcode);"
  "CREATE TABLE price_candidates ("
  "  sku TEXT NOT NULL, event_id TEXT NOT NULL, origin TEXT NOT NULL, seq INTEGER NOT NULL,"
  "  hlc INTEGER NOT NULL, price INTEGER NOT NULL, PRIMARY KEY (sku, event_id)) WITHOUT ROWID;"
  "CREATE TABLE conflicts ("
  "  sku TEXT NOT NULL, field TEXT NOT NULL, opened_hlc INTEGER NOT NULL,"
  "  PRIMARY KEY (sku, field)) WITHOUT ROWID;"
  "CREATE TABLE conflict_resolutions ("
  "  event_id TEXT PRIMARY KEY, sku TEXT NOT NULL, field TEXT NOT NULL, value INTEGER NOT NULL,"
  "  manager TEXT, hlc INTEGER NOT NULL, origin TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE stock (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE inventory_changes ("
  "  source_id TEXT NOT NULL, line INTEGER NOT NULL, sku TEXT NOT NULL, delta INTEGER NOT NULL,"
  "  kind TEXT NOT NULL, reason TEXT, hlc INTEGER NOT NULL, origin TEXT NOT NULL,"
  "  PRIMARY KEY (source_id, line)) WITHOUT ROWID;"
  "CREATE INDEX inventory_changes_sku ON inventory_changes (sku);"
  "CREATE TABLE sales ("
  "  sale_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, origin TEXT NOT NULL,"
  "  terminal TEXT NOT NULL, hlc INTEGER NOT NULL, cashier TEXT, session_id TEXT,"
  "  customer_id TEXT, currency TEXT NOT NULL, subtotal INTEGER NOT NULL,"
  "  tax INTEGER NOT NULL, total INTEGER NOT NULL, change INTEGER NOT NULL,"
  "  second_currency TEXT, second_total INTEGER, rate_micro INTEGER,"
  "  fiscal_doc TEXT NOT NULL, voided INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
  "CREATE INDEX sales_hlc ON sales (hlc);"
  "CREATE TABLE sale_lines ("
  "  sale_id TEXT NOT NULL, line INTEGER NOT NULL, sku TEXT NOT NULL, name TEXT NOT NULL,"
  "  qty INTEGER NOT NULL, unit_price INTEGER NOT NULL, tax_bp INTEGER NOT NULL,"
  "  net INTEGER NOT NULL, tax INTEGER NOT NULL, total INTEGER NOT NULL,"
  "  PRIMARY KEY (sale_id, line)) WITHOUT ROWID;"
  "CREATE TABLE payments ("
  "  sale_id TEXT NOT NULL, idx INTEGER NOT NULL, method TEXT NOT NULL, currency TEXT NOT NULL,"
  "  amount INTEGER NOT NULL, amount_base INTEGER NOT NULL,"
  "  PRIMARY KEY (sale_id, idx)) WITHOUT ROWID;"
  "CREATE TABLE voids ("
  "  event_id TEXT PRIMARY KEY, sale_id TEXT NOT NULL, reason TEXT NOT NULL, manager TEXT,"
  "  hlc INTEGER NOT NULL, origin TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX voids_sale ON voids (sale_id);"
  "CREATE TABLE customers ("
  "  customer_id TEXT PRIMARY KEY, name TEXT, name_clock TEXT NOT NULL DEFAULT '',"
  "  phone TEXT, phone_clock TEXT NOT NULL DEFAULT '', tax_id TEXT,"
  "  tax_id_clock TEXT NOT NULL DEFAULT '', email TEXT, email_clock TEXT NOT NULL DEFAULT '',"
  "  balance INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
  "CREATE TABLE debts ("
  "  event_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, kind TEXT NOT NULL,"
  "  amount INTEGER NOT NULL, sale_id TEXT, note TEXT, method TEXT, hlc INTEGER NOT NULL)"
  "  WITHOUT ROWID;"
  "CREATE TABLE cash_sessions ("
  "  session_id TEXT PRIMARY KEY, origin TEXT NOT NULL, terminal TEXT NOT NULL,"
  "  float INTEGER NOT NULL, cashier TEXT, opened_hlc INTEGER NOT NULL,"
  "  closed_event TEXT, counted INTEGER, expected INTEGER, variance INTEGER,"
  "  blind INTEGER, z_doc TEXT) WITHOUT ROWID;"
  "CREATE TABLE cash_movements ("
  "  event_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, kind TEXT NOT NULL,"
  "  amount INTEGER NOT NULL, reason TEXT NOT NULL, hlc INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE exchange_rates ("
  "  currency TEXT PRIMARY KEY, rate_micro INTEGER NOT NULL, decimals INTEGER NOT NULL,"
  "  clock TEXT NOT NULL) WITHOUT ROWID;"
  "CREATE TABLE employees ("
  "  employee_id TEXT PRIMARY KEY, name TEXT, name_clock TEXT NOT NULL DEFAULT '',"
  "  role TEXT, role_clock TEXT NOT NULL DEFAULT '', pin_hash TEXT,"
  "  pin_hash_clock TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,"
  "  active_clock TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
  "CREATE TABLE fiscal_blocks ("
  "  event_id TEXT PRIMARY KEY, first INTEGER NOT NULL, count INTEGER NOT NULL,"
  "  device TEXT NOT NULL, terminal TEXT NOT NULL, hlc INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX fiscal_blocks_first ON fiscal_blocks (first);"
  "CREATE INDEX fiscal_blocks_device ON fiscal_blocks (device, first);"
  "CREATE TABLE fiscal_documents ("
  "  device TEXT NOT NULL, chain_seq INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL, series TEXT NOT NULL, number INTEGER NOT NULL, doc TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (device, chain_seq))"
  "  WITHOUT ROWID;"
  "CREATE INDEX fiscal_documents_number ON fiscal_documents (series, number);"
  "CREATE TABLE alerts ("
  "  id INTEGER PRIMARY KEY, priority INTEGER NOT NULL, kind TEXT NOT NULL, event_id TEXT,"
  "  message TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  acknowledged INTEGER NOT NULL DEFAULT 0);";

/* Full-text search over the catalogue for the checkout's search field.
 * FTS5 flushes its pending index at every statement savepoint, so rows
 * written during a transaction are only queued by the triggers and
 * indexed once, just before COMMIT (tn_store_commit). */
static const char migration_2[] =
  "CREATE VIRTUAL TABLE products_fts USING fts5 ("
  "  sku, name, barcode, content='products', content_rowid='id',"
  "  tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
  "INSERT INTO products_fts (products_fts) VALUES ('rebuild');"
  "CREATE TABLE products_fts_pending ("
  "  id INTEGER PRIMARY KEY, indexed INTEGER NOT NULL, old_sku TEXT, old_name TEXT,"
  "  old_barcode TEXT);"
  "CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN"
  "  INSERT OR IGNORE INTO products_fts_pending (id, indexed) VALUES (new.id, 0);"
  "END;"
  "CREATE TRIGGER products_fts_update AFTER UPDATE OF name, barcode ON products BEGIN"
  "  INSERT OR IGNORE INTO products_fts_pending (id, indexed, old_sku, old_name, old_barcode)"
  "    VALUES (old.id, 1, old.sku, old.name, old.barcode);"
  "END;";

/* Bookkeeping for sync: events the hub refused, and divergences found by
 * digest exchange. */
static const char migration_3[] =
  "CREATE TABLE dead_letters ("
  "  event_id TEXT PRIMARY KEY, origin TEXT NOT NULL, seq INTEGER NOT NULL,"
  "  reason TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "CREATE TABLE divergences ("
  "  id INTEGER PRIMARY KEY, peer TEXT NOT NULL, vv TEXT NOT NULL, local_hash TEXT NOT NULL,"
  "  peer_hash TEXT NOT NULL, entities TEXT NOT NULL, created_at INTEGER NOT NULL);"
  "ALTER TABLE alerts ADD COLUMN peer TEXT;";

/* Fiscal lookups ask "which of this device's blocks holds number N":
 * a covering index answers from the index alone.  The hold-back queue
 * is read by slot instead of whole. */
static const char migration_4[] =
  "CREATE INDEX fiscal_blocks_device_range ON fiscal_blocks (device, first, count);"
  "DROP INDEX fiscal_blocks_device;"
  /* The hold-back queue is searched by the next seq each origin needs. */
  "CREATE INDEX holdback_slot ON holdback (origin, seq);";

/* The state digest kept per bucket by triggers, so that reading it does
 * not scan the history (tn-digest.c adds the triggers and fills it). */
static const char migration_5[] =
  "CREATE TABLE digest_buckets ("
  "  bucket INTEGER PRIMARY KEY, acc BLOB NOT NULL, rows INTEGER NOT NULL);";

/* The projection code notes inserts into the tables a sale fills
 * (TN_DIGEST_NOTED_IN_C): their AFTER INSERT triggers cost as much as
 * the inserts themselves. */
static const char migration_6[] =
  "DROP TRIGGER digest_sales_insert;"
  "DROP TRIGGER digest_sale_lines_insert;"
  "DROP TRIGGER digest_payments_insert;"
  "DROP TRIGGER digest_inventory_changes_insert;"
  "DROP TRIGGER digest_fiscal_documents_insert;";

/* No query reads stock movements by SKU (the stock table holds the
 * sums), and each sale paid for five entries of this index. */
static const char migration_7[] =
  "DROP INDEX inventory_changes_sku;";

/* A sale's stock movements are its lines: every lane stored each line
 * twice, and the second copy cost a fifth of applying a peer's sale.
 * The view is what inventory_changes held; the digest reads it, so the
 * digest stays the same (tn_digest_delete_moved_rows drops the stored
 * copies, below). */
static const char migration_8[] =
  "CREATE VIEW stock_movements (sku, source_id, line, delta, kind, reason, hlc, origin) AS"
  "  SELECT sku, source_id, line, delta, kind, reason, hlc, origin FROM inventory_changes"
  "  UNION ALL"
  "  SELECT l.sku, l.sale_id, l.line, -l.qty, 'sale', NULL, s.hlc, s.origin"
  "  FROM sale_lines l JOIN sales s ON s.sale_id = l.sale_id;";

/* The stored copies of what stock_movements now derives from sale_lines;
 * a row that does not match its line exactly (none should) is kept. */
static const char sale_movements_copied[] =
  "kind = 'sale' AND reason IS NULL AND EXISTS ("
  "  SELECT 1 FROM sale_lines l JOIN sales s ON s.sale_id = l.sale_id"
  "  WHERE l.sale_id = inventory_changes.source_id AND l.line = inventory_changes.line"
  "  AND l.sku = inventory_changes.sku AND -l.qty = inventory_changes.delta)";

static const char *const migrations[] = {
  NULL,
  migration_1,
  migration_2,
  migration_3,
  migration_4,
  migration_5,
  migration_6,
  migration_7,
  migration_8,
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == TN_STORE_SCHEMA_VERSION + 1);

int
tn_store_schema_read_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
tn_store_schema_migrate (sqlite3     *db,
                         const char  *path,
                         int          target,
                         GError     **error)
{
  int version;

  g_return_val_if_fail (target >= 1 && target <= TN_STORE_SCHEMA_VERSION, FALSE);

  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("Cannot lock the database %s to check its version: %s"),
                   path, sqlite3_errmsg (db));
      return FALSE;
    }

  version = tn_store_schema_read_version (db);
  if (version < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("%s is not a Tendero database (or is damaged): %s"), path, sqlite3_errmsg (db));
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (version > TN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NEWER_SCHEMA,
                   _("The database %s was written by a newer version of Tendero (schema %d; "
                   "this version understands up to %d). It has not been changed: "
                   "update Tendero on this lane to open it."),
                   path, version, TN_STORE_SCHEMA_VERSION);
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  for (int v = version + 1; v <= target; v++)
    {
      char *message = NULL;
      g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %d", v);

      g_autoptr(GError) local_error = NULL;

      if (sqlite3_exec (db, migrations[v], NULL, NULL, &message) == SQLITE_OK &&
          ((v == 5 && !tn_digest_install (db, &local_error)) ||
           (v == 8 && !tn_digest_delete_moved_rows (db, "inventory_changes",
                                                    sale_movements_copied, &local_error))))
        message = sqlite3_mprintf ("%s", local_error->message);
      if (message != NULL || sqlite3_exec (db, pragma, NULL, NULL, &message) != SQLITE_OK)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                       _("Upgrading %s to schema %d failed: %s"), path, v, message);
          sqlite3_free (message);
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }

  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("Cannot save the schema upgrade of %s: %s"), path, sqlite3_errmsg (db));
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}
