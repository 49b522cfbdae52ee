/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The state digest: every replicated projection row hashed into one of
 * 256 buckets by its entity id.  A row's hash is SHA-256 over its typed
 * values; a bucket's digest is the sum (mod 2^256) of its rows' hashes,
 * so the sum is independent of row order and can follow inserts,
 * updates and deletes as they happen.  Triggers (migration 5) call
 * tn_digest_note () for every row written; the deltas collect in memory
 * per connection and tn_digest_flush () adds them to digest_buckets
 * just before COMMIT (a ROLLBACK drops them; a statement that fails
 * half-way must not be followed by a COMMIT, which every caller of the
 * store already ensures), so reading the digest
 * costs 256 rows, not a scan of the history, and a write costs one hash
 * per row.  Columns that depend on the order events arrived in (row ids,
 * arrival times, which of two voids came first) are left out: the digest
 * describes state, and equal event sets must give equal digests. */

#include "tn-digest.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <nettle/sha2.h>

#include "tn-error.h"
#include "tn-store-private.h"

#define ROW_HASH_LEN 32

/* Column 0 is the entity id that picks the bucket.  The triggers are
 * generated from this list when migration 5 runs: changing it means a
 * new migration that drops and re-creates them and rebuilds. */
static const struct
{
  const char *table;
  const char *columns;
  const char *rows_from;   /* where scans read the rows, if not @table */
} digest_tables[] = {
  { "products",
    "sku, name, name_clock, barcode, barcode_clock, tax_bp, tax_bp_clock, active, "
    "active_clock, price" },
  { "price_candidates",
    "sku, event_id, origin, seq, hlc, price" },
  { "conflicts",
    "sku, field, opened_hlc" },
  { "conflict_resolutions",
    "sku, event_id, field, value, manager, hlc, origin" },
  { "stock",
    "sku, qty" },
  /* A sale's movements are its lines (migration 8): the view adds them
   * to the stored ones, and they hash as the rows they used to be. */
  { "inventory_changes",
    "sku, source_id, line, delta, kind, reason", "stock_movements" },
  { "sales",
    "sale_id, event_id, origin, terminal, hlc, cashier, session_id, customer_id, "
    "currency, subtotal, tax, total, change, second_currency, second_total, "
    "rate_micro, fiscal_doc, voided" },
  { "sale_lines",
    "sale_id, line, sku, name, qty, unit_price, tax_bp, net, tax, total" },
  { "payments",
    "sale_id, idx, method, currency, amount, amount_base" },
  { "voids",
    "sale_id, event_id, reason, manager, hlc, origin" },
  { "customers",
    "customer_id, name, name_clock, phone, phone_clock, tax_id, tax_id_clock, email, "
    "email_clock, balance" },
  { "debts",
    "customer_id, event_id, kind, amount, sale_id, note, method, hlc" },
  { "cash_sessions",
    "session_id, origin, terminal, float, cashier, opened_hlc, closed_event, "
    "counted, expected, variance, blind, z_doc" },
  { "cash_movements",
    "session_id, event_id, kind, amount, reason, hlc" },
  { "exchange_rates",
    "currency, rate_micro, decimals, clock" },
  { "employees",
    "employee_id, name, name_clock, role, role_clock, pin_hash, pin_hash_clock, "
    "active, active_clock" },
  { "fiscal_blocks",
    "device, event_id, first, count, terminal, hlc" },
  { "fiscal_documents",
    "device, chain_seq, event_id, kind, series, number, doc, prev_hash, hash" },
};

guint
tn_digest_bucket (const char *entity_id)
{
  /* FNV-1a: fixed, byte-order independent. */
  guint32 h = 2166136261u;

  for (const guchar *p = (const guchar *) entity_id; *p; p++)
    {
      h ^= *p;
      h *= 16777619u;
    }
  return h % TN_DIGEST_BUCKETS;
}

/* SQL functions ----------------------------------------------------------- */

/* A value as bytes: a type tag and length-prefixed text, so that no two
 * different rows can serialise alike ("\0N"; "\0I" and the decimal
 * integer; "\0T", the byte length, ":" and the text). */
static void
update_decimal (struct sha256_ctx *sum,
                gint64             value)
{
  char digits[24];
  guint n = sizeof digits;
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      digits[--n] = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude > 0);
  if (value < 0)
    digits[--n] = '-';
  sha256_update (sum, sizeof digits - n, (const guint8 *) digits + n);
}

static void
update_int (struct sha256_ctx *sum,
            gint64             value)
{
  sha256_update (sum, 2, (const guint8 *) "\0I");
  update_decimal (sum, value);
}

static void
update_text (struct sha256_ctx *sum,
             const guchar      *text,
             gsize              len)
{
  sha256_update (sum, 2, (const guint8 *) "\0T");
  update_decimal (sum, (gint64) len);
  sha256_update (sum, 1, (const guint8 *) ":");
  if (len > 0)
    sha256_update (sum, len, text);
}

static void
update_value (struct sha256_ctx *sum,
              sqlite3_value     *value)
{
  switch (sqlite3_value_type (value))
    {
    case SQLITE_NULL:
      sha256_update (sum, 2, (const guint8 *) "\0N");
      break;
    case SQLITE_INTEGER:
      update_int (sum, sqlite3_value_int64 (value));
      break;
    default:
      {
        const guchar *text = sqlite3_value_text (value);

        update_text (sum, text, (gsize) sqlite3_value_bytes (value));
      }
      break;
    }
}

/* The same bytes as update_value () for a value the caller bound. */
static void
update_bound (struct sha256_ctx    *sum,
              const TnDigestValue  *value)
{
  if (value->text != NULL)
    update_text (sum, (const guchar *) value->text, strlen (value->text));
  else if (value->is_int)
    update_int (sum, value->integer);
  else
    sha256_update (sum, 2, (const guint8 *) "\0N");
}

/* Big-endian 256-bit addition (or subtraction) modulo 2^256. */
static void
acc_combine (guint8       *acc,
             const guint8 *hash,
             gboolean      subtract)
{
  int carry = 0;

  for (int i = ROW_HASH_LEN - 1; i >= 0; i--)
    {
      int v = subtract ? (int) acc[i] - (int) hash[i] - carry
                       : (int) acc[i] + (int) hash[i] + carry;

      carry = subtract ? (v < 0) : (v > 0xff);
      acc[i] = (guint8) (v & 0xff);
    }
}

/* SHA-256 of the row: the table name, then its values.  Nettle's
 * SHA-256 (with the CPU's SHA instructions where there are some): this
 * runs for every projection row a transaction writes. */
static gboolean
hash_row (sqlite3_value **values,
          int             n,
          guint8          hash[ROW_HASH_LEN])
{
  struct sha256_ctx sum;

  if (n < 2 || sqlite3_value_type (values[0]) != SQLITE_TEXT)
    return FALSE;
  sha256_init (&sum);
  sha256_update (&sum, (size_t) sqlite3_value_bytes (values[0]), sqlite3_value_text (values[0]));
  for (int i = 1; i < n; i++)
    update_value (&sum, values[i]);
  sha256_update (&sum, 1, (const guint8 *) "\n");
  sha256_digest (&sum, ROW_HASH_LEN, hash);
  return TRUE;
}

static guint
bucket_of_value (sqlite3_value *value)
{
  const char *entity = (const char *) sqlite3_value_text (value);

  return tn_digest_bucket (entity ? entity : "");
}

/* tn_digest_row (table, column…): the row's 32-byte hash (column 1 is
 * the entity id). */
static void
digest_row_fn (sqlite3_context  *context,
               int               argc,
               sqlite3_value   **argv)
{
  guint8 hash[ROW_HASH_LEN];

  if (!hash_row (argv, argc, hash))
    {
      sqlite3_result_error (context, "tn_digest_row: (table TEXT, column, …)", -1);
      return;
    }
  sqlite3_result_blob (context, hash, ROW_HASH_LEN, SQLITE_TRANSIENT);
}

static void
digest_bucket_fn (sqlite3_context  *context,
                  int               argc,
                  sqlite3_value   **argv)
{
  sqlite3_result_int (context, (int) bucket_of_value (argv[0]));
}

static void
digest_combine_fn (sqlite3_context  *context,
                   int               argc,
                   sqlite3_value   **argv)
{
  guint8 acc[ROW_HASH_LEN];

  if (sqlite3_value_bytes (argv[0]) != ROW_HASH_LEN ||
      sqlite3_value_bytes (argv[1]) != ROW_HASH_LEN)
    {
      sqlite3_result_error (context, "tn_digest_add: two 32-byte blobs", -1);
      return;
    }
  memcpy (acc, sqlite3_value_blob (argv[0]), ROW_HASH_LEN);
  acc_combine (acc, sqlite3_value_blob (argv[1]), FALSE);
  sqlite3_result_blob (context, acc, ROW_HASH_LEN, SQLITE_TRANSIENT);
}

static gboolean
db_error (sqlite3     *db,
          GError     **error,
          const char  *what)
{
  g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* What the open transaction changed, per bucket, not yet in
 * digest_buckets.  One per connection. */
struct _TnDigestPending
{
  guint8   acc[TN_DIGEST_BUCKETS][ROW_HASH_LEN];
  gint64   rows[TN_DIGEST_BUCKETS];
  gboolean dirty[TN_DIGEST_BUCKETS];
  gboolean any;
};
typedef TnDigestPending Pending;

static void
pending_add (Pending      *pending,
             guint         bucket,
             const guint8  hash[ROW_HASH_LEN],
             int           sign)
{
  acc_combine (pending->acc[bucket], hash, sign < 0);
  pending->rows[bucket] += sign < 0 ? -1 : 1;
  pending->dirty[bucket] = TRUE;
  pending->any = TRUE;
}

static void
pending_clear (gpointer data)
{
  Pending *pending = data;

  if (pending->any)
    memset (pending, 0, sizeof *pending);
}

/* tn_digest_note (sign, table, entity, column…): a row appeared (+1) or
 * went away (-1).  Only inside an explicit transaction, whose COMMIT
 * (through tn_store_commit or tn_digest_flush) carries the change into
 * digest_buckets; in autocommit mode nothing would, so it is refused. */
static void
digest_note_fn (sqlite3_context  *context,
                int               argc,
                sqlite3_value   **argv)
{
  Pending *pending = sqlite3_user_data (context);
  guint8 hash[ROW_HASH_LEN];
  int sign;
  guint b;

  if (sqlite3_get_autocommit (sqlite3_context_db_handle (context)))
    {
      sqlite3_result_error (context, "Projection rows change only inside a transaction "
                            "that flushes the state digest (tn_store_commit)", -1);
      return;
    }
  if (argc < 3 || !hash_row (argv + 1, argc - 1, hash))
    {
      sqlite3_result_error (context, "tn_digest_note: (sign, table TEXT, entity, …)", -1);
      return;
    }
  sign = sqlite3_value_int (argv[0]);
  b = bucket_of_value (argv[2]);
  pending_add (pending, b, hash, sign);
}

gboolean
tn_digest_note_insert (sqlite3              *db,
                       TnDigestPending      *pending,
                       const char           *table,
                       const TnDigestValue  *values,
                       guint                 n_values,
                       GError              **error)
{
  struct sha256_ctx sum;
  guint8 hash[ROW_HASH_LEN];

  g_return_val_if_fail (n_values >= 1 && values[0].text != NULL, FALSE);

  if (sqlite3_get_autocommit (db))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   "Projection rows change only inside a transaction that flushes the "
                   "state digest (tn_store_commit)");
      return FALSE;
    }
  sha256_init (&sum);
  sha256_update (&sum, strlen (table), (const guint8 *) table);
  for (guint i = 0; i < n_values; i++)
    update_bound (&sum, &values[i]);
  sha256_update (&sum, 1, (const guint8 *) "\n");
  sha256_digest (&sum, ROW_HASH_LEN, hash);
  pending_add (pending, tn_digest_bucket (values[0].text), hash, 1);
  return TRUE;
}

/* For tn_digest_flush's UPDATE: the pending delta of bucket N. */
static void
pending_acc_fn (sqlite3_context  *context,
                int               argc,
                sqlite3_value   **argv)
{
  Pending *pending = sqlite3_user_data (context);
  int b = sqlite3_value_int (argv[0]);

  if (b < 0 || b >= TN_DIGEST_BUCKETS)
    {
      sqlite3_result_error (context, "tn_digest_pending_acc: no such bucket", -1);
      return;
    }
  sqlite3_result_blob (context, pending->acc[b], ROW_HASH_LEN, SQLITE_TRANSIENT);
}

static void
pending_rows_fn (sqlite3_context  *context,
                 int               argc,
                 sqlite3_value   **argv)
{
  Pending *pending = sqlite3_user_data (context);
  int b = sqlite3_value_int (argv[0]);

  sqlite3_result_int64 (context, b >= 0 && b < TN_DIGEST_BUCKETS ? pending->rows[b] : 0);
}

static void
pending_dirty_fn (sqlite3_context  *context,
                  int               argc,
                  sqlite3_value   **argv)
{
  Pending *pending = sqlite3_user_data (context);
  int b = sqlite3_value_int (argv[0]);

  sqlite3_result_int (context, b >= 0 && b < TN_DIGEST_BUCKETS && pending->dirty[b]);
}

/* SELECT tn_digest_pending_clear (): after the flush's UPDATE. */
static void
pending_clear_fn (sqlite3_context  *context,
                  int               argc,
                  sqlite3_value   **argv)
{
  pending_clear (sqlite3_user_data (context));
  sqlite3_result_null (context);
}

static void
rollback_cb (void *data)
{
  pending_clear (data);
}

int
tn_digest_register_functions (sqlite3          *db,
                              TnDigestPending **out_pending)
{
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  const int volatile_flags = SQLITE_UTF8 | SQLITE_INNOCUOUS;
  Pending *pending = g_new0 (Pending, 1);
  int rc;

  *out_pending = pending;

  /* The connection owns @pending: freed with tn_digest_note. */
  rc = sqlite3_create_function_v2 (db, "tn_digest_note", -1, volatile_flags, pending,
                                   digest_note_fn, NULL, NULL, g_free);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_rollback_hook (db, rollback_cb, pending);
  rc = sqlite3_create_function (db, "tn_digest_row", -1, flags, NULL, digest_row_fn,
                                NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_bucket", 1, flags, NULL, digest_bucket_fn,
                                  NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_add", 2, flags, NULL, digest_combine_fn,
                                  NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_pending_acc", 1, volatile_flags, pending,
                                  pending_acc_fn, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_pending_rows", 1, volatile_flags, pending,
                                  pending_rows_fn, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_pending_dirty", 1, volatile_flags, pending,
                                  pending_dirty_fn, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function (db, "tn_digest_pending_clear", 0, volatile_flags, pending,
                                  pending_clear_fn, NULL, NULL);
  return rc;
}

gboolean
tn_digest_flush (sqlite3  *db,
                 GError  **error)
{
  if (sqlite3_exec (db,
                    "UPDATE digest_buckets SET "
                    "  acc = tn_digest_add (acc, tn_digest_pending_acc (bucket)), "
                    "  rows = rows + tn_digest_pending_rows (bucket) "
                    "WHERE tn_digest_pending_dirty (bucket);"
                    "SELECT tn_digest_pending_clear ();", NULL, NULL, NULL) != SQLITE_OK)
    return db_error (db, error, _("Cannot update the state digest"));
  return TRUE;
}

/* Scanning and installing ------------------------------------------------- */

typedef struct
{
  guint8 acc[TN_DIGEST_BUCKETS][ROW_HASH_LEN];
  gint64 rows[TN_DIGEST_BUCKETS];
} BucketSums;

static char *
entity_column (guint t)
{
  const char *comma = strchr (digest_tables[t].columns, ',');

  return g_strndup (digest_tables[t].columns, comma - digest_tables[t].columns);
}

/* Where table @t's rows are read from: before the migration that
 * created its view (when migration 5 first scans), the table itself. */
static const char *
rows_from (sqlite3 *db,
           guint    t)
{
  const char *view = digest_tables[t].rows_from;
  sqlite3_stmt *stmt = NULL;
  gboolean exists;

  if (view == NULL)
    return digest_tables[t].table;
  exists = sqlite3_prepare_v2 (db, "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ?",
                               -1, &stmt, NULL) == SQLITE_OK &&
           sqlite3_bind_text (stmt, 1, view, -1, SQLITE_STATIC) == SQLITE_OK &&
           sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return exists ? view : digest_tables[t].table;
}

/* "NEW.a, NEW.b, …" for @prefix "NEW". */
static char *
prefixed_columns (guint       t,
                  const char *prefix)
{
  g_auto(GStrv) columns = g_strsplit (digest_tables[t].columns, ", ", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; columns[i] != NULL; i++)
    g_string_append_printf (out, "%s%s.%s", i ? ", " : "", prefix, columns[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}


/* Every row of every digested table, hashed from scratch. */
static gboolean
scan_buckets (sqlite3     *db,
              BucketSums  *sums,
              GError     **error)
{
  memset (sums, 0, sizeof *sums);
  for (guint t = 0; t < G_N_ELEMENTS (digest_tables); t++)
    {
      g_autofree char *entity = entity_column (t);
      g_autofree char *sql = g_strdup_printf (
          "SELECT tn_digest_bucket (%s), tn_digest_row ('%s', %s) FROM %s",
          entity, digest_tables[t].table, digest_tables[t].columns, rows_from (db, t));
      sqlite3_stmt *stmt = NULL;
      int rc;

      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return db_error (db, error, _("Cannot read the state to compute its digest"));
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          guint b = (guint) sqlite3_column_int (stmt, 0) % TN_DIGEST_BUCKETS;

          acc_combine (sums->acc[b], sqlite3_column_blob (stmt, 1), FALSE);
          sums->rows[b]++;
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        return db_error (db, error, _("Cannot read the state to compute its digest"));
    }
  return TRUE;
}

static gboolean
write_buckets (sqlite3           *db,
               const BucketSums  *sums,
               GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;

  if (sqlite3_exec (db, "DELETE FROM digest_buckets", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT INTO digest_buckets (bucket, acc, rows) VALUES (?, ?, ?)",
                          -1, &stmt, NULL) != SQLITE_OK)
    return db_error (db, error, _("Cannot rebuild the state digest"));
  for (guint b = 0; ok && b < TN_DIGEST_BUCKETS; b++)
    {
      sqlite3_bind_int (stmt, 1, (int) b);
      sqlite3_bind_blob (stmt, 2, sums->acc[b], ROW_HASH_LEN, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, sums->rows[b]);
      ok = sqlite3_step (stmt) == SQLITE_DONE;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  return ok || db_error (db, error, _("Cannot rebuild the state digest"));
}

typedef enum
{
  TRIGGER_INSERT,
  TRIGGER_DELETE,
  TRIGGER_UPDATE,
} TriggerKind;

/* The trigger that notes @kind of change to table @t in the digest. */
static void
append_trigger (GString     *sql,
                guint        t,
                TriggerKind  kind)
{
  const char *table = digest_tables[t].table;
  g_autofree char *new_cols = prefixed_columns (t, "NEW");
  g_autofree char *old_cols = prefixed_columns (t, "OLD");
#define NOTE "SELECT tn_digest_note (%d, '%s', %s);"

  switch (kind)
    {
    case TRIGGER_INSERT:
      g_string_append_printf (sql, "CREATE TRIGGER digest_%s_insert AFTER INSERT ON %s BEGIN ",
                              table, table);
      g_string_append_printf (sql, NOTE, 1, table, new_cols);
      break;
    case TRIGGER_DELETE:
      g_string_append_printf (sql, "CREATE TRIGGER digest_%s_delete AFTER DELETE ON %s BEGIN ",
                              table, table);
      g_string_append_printf (sql, NOTE, -1, table, old_cols);
      break;
    case TRIGGER_UPDATE:
      g_string_append_printf (sql, "CREATE TRIGGER digest_%s_update AFTER UPDATE OF %s ON %s "
                              "BEGIN ", table, digest_tables[t].columns, table);
      g_string_append_printf (sql, NOTE, -1, table, old_cols);
      g_string_append_printf (sql, NOTE, 1, table, new_cols);
      break;
    default:
      g_assert_not_reached ();
    }
  g_string_append (sql, " END;");
#undef NOTE
}

gboolean
tn_digest_install (sqlite3  *db,
                   GError  **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  BucketSums *sums;
  gboolean ok;

  for (guint t = 0; t < G_N_ELEMENTS (digest_tables); t++)
    {
      append_trigger (sql, t, TRIGGER_INSERT);
      append_trigger (sql, t, TRIGGER_DELETE);
      append_trigger (sql, t, TRIGGER_UPDATE);
    }
  if (sqlite3_exec (db, sql->str, NULL, NULL, NULL) != SQLITE_OK)
    return db_error (db, error, _("Cannot install the state digest"));

  sums = g_new (BucketSums, 1);
  ok = scan_buckets (db, sums, error) && write_buckets (db, sums, error);
  g_free (sums);
  return ok;
}

gboolean
tn_digest_delete_moved_rows (sqlite3     *db,
                             const char  *table,
                             const char  *where,
                             GError     **error)
{
  g_autoptr(GString) sql = g_string_new (NULL);

  for (guint t = 0; t < G_N_ELEMENTS (digest_tables); t++)
    if (g_str_equal (digest_tables[t].table, table))
      {
        g_string_printf (sql, "DROP TRIGGER digest_%s_delete; DELETE FROM %s WHERE %s;",
                         table, table, where);
        append_trigger (sql, t, TRIGGER_DELETE);
        if (sqlite3_exec (db, sql->str, NULL, NULL, NULL) != SQLITE_OK)
          return db_error (db, error, _("Cannot move rows out of a digested table"));
        return TRUE;
      }
  g_return_val_if_reached (FALSE);
}

/* Public API -------------------------------------------------------------- */

static void
fill_digest (TnDigest   *out,
             guint       bucket,
             const guint8 *acc)
{
  static const char hex[] = "0123456789abcdef";

  for (guint i = 0; i < ROW_HASH_LEN; i++)
    {
      out->buckets[bucket][2 * i] = hex[acc[i] >> 4];
      out->buckets[bucket][2 * i + 1] = hex[acc[i] & 0xf];
    }
  out->buckets[bucket][2 * ROW_HASH_LEN] = '\0';
}

static void
finish_digest (TnDigest *out)
{
  g_autoptr(GChecksum) total = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint b = 0; b < TN_DIGEST_BUCKETS; b++)
    g_checksum_update (total, (const guchar *) out->buckets[b], 64);
  g_strlcpy (out->state_hash, g_checksum_get_string (total), 65);
}

gboolean
tn_store_compute_digest (TnStore   *store,
                         TnDigest  *out,
                         GError   **error)
{
  static const guint8 zero[ROW_HASH_LEN];
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  guint seen = 0;

  memset (out, 0, sizeof *out);
  /* Inside a transaction: what it changed so far counts too. */
  if (tn_store_in_transaction (store) && !tn_digest_flush (tn_store_get_db (store), error))
    return FALSE;
  stmt = tn_store_stmt (store, "SELECT bucket, acc, rows FROM digest_buckets", error);
  if (stmt == NULL)
    return FALSE;
  for (guint b = 0; b < TN_DIGEST_BUCKETS; b++)
    fill_digest (out, b, zero);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      int b = sqlite3_column_int (stmt, 0);

      if (b < 0 || b >= TN_DIGEST_BUCKETS || sqlite3_column_bytes (stmt, 1) != ROW_HASH_LEN)
        continue;
      fill_digest (out, (guint) b, sqlite3_column_blob (stmt, 1));
      out->rows += (guint) sqlite3_column_int64 (stmt, 2);
      seen++;
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (seen != TN_DIGEST_BUCKETS)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("The state digest in %s is incomplete (%u of %u buckets); "
                   "the database may be damaged"),
                   tn_store_get_path (store), seen, (guint) TN_DIGEST_BUCKETS);
      return FALSE;
    }
  finish_digest (out);
  return TRUE;
}

gboolean
tn_store_recompute_digest (TnStore   *store,
                           TnDigest  *out,
                           GError   **error)
{
  g_autofree BucketSums *sums = g_new (BucketSums, 1);
  gboolean own_transaction = !tn_store_in_transaction (store);
  gboolean ok;

  memset (out, 0, sizeof *out);
  /* One read transaction, so the digest is of one consistent state. */
  if (own_transaction && !tn_store_exec (store, "BEGIN", error))
    return FALSE;
  ok = scan_buckets (tn_store_get_db (store), sums, error);
  if (own_transaction)
    tn_store_exec (store, "COMMIT", NULL);
  if (!ok)
    return FALSE;
  for (guint b = 0; b < TN_DIGEST_BUCKETS; b++)
    {
      fill_digest (out, b, sums->acc[b]);
      out->rows += (guint) sums->rows[b];
    }
  finish_digest (out);
  return TRUE;
}

GPtrArray *
tn_store_bucket_entities (TnStore  *store,
                          guint     bucket,
                          GError  **error)
{
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = tn_store_get_db (store);

  for (guint t = 0; t < G_N_ELEMENTS (digest_tables); t++)
    {
      g_autofree char *entity = entity_column (t);
      g_autofree char *sql = g_strdup_printf (
          "SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL AND tn_digest_bucket (%s) = ? "
          "ORDER BY 1", entity, rows_from (db, t), entity, entity);
      sqlite3_stmt *stmt = NULL;
      int rc;

      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          db_error (db, error, _("Cannot list the entities that differ"));
          return NULL;
        }
      sqlite3_bind_int (stmt, 1, (int) bucket);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (entities, g_strconcat (digest_tables[t].table, ":",
                                                (const char *) sqlite3_column_text (stmt, 0),
                                                NULL));
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          db_error (db, error, _("Cannot list the entities that differ"));
          return NULL;
        }
    }
  return g_steal_pointer (&entities);
}
