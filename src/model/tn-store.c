/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-store-private.h"

#include <errno.h>
#include <glib/gi18n.h>

#include <string.h>

#include "tn-checkpointer.h"
#include "tn-error.h"

struct _TnStore
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *db;
  GThread      *owner;         /* the only thread allowed to use @db */
  GHashTable   *statements;    /* const char *sql (literal) → sqlite3_stmt * */
  gboolean      in_transaction;
  int           schema_version;
  TnCheckpointer *checkpointer;  /* NULL: SQLite checkpoints on commit */
  GHashTable   *stock_batch;   /* sku → gint64 delta, while a peer batch applies */
  TnDigestPending *digest_pending;  /* owned by @db */

  /* Identity, cached from meta after init. */
  char         *store_id;
  char         *replica_id;
  char         *terminal;
  char         *currency;
  guint         decimals;
  gboolean      tax_inclusive;
  gboolean      fiscal_authority;
};

G_DEFINE_FINAL_TYPE (TnStore, tn_store, G_TYPE_OBJECT)

enum {
  ALERT_RAISED,
  COMMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

static void
finalize_statement (gpointer data)
{
  sqlite3_finalize (data);
}

static void
tn_store_finalize (GObject *object)
{
  TnStore *self = TN_STORE (object);

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->checkpointer, tn_checkpointer_free);
  g_clear_pointer (&self->stock_batch, g_hash_table_unref);
  if (self->db != NULL)
    {
      if (self->in_transaction)
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      sqlite3_close_v2 (self->db);
    }
  g_free (self->path);
  g_free (self->store_id);
  g_free (self->replica_id);
  g_free (self->terminal);
  g_free (self->currency);

  G_OBJECT_CLASS (tn_store_parent_class)->finalize (object);
}

static void
tn_store_class_init (TnStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tn_store_finalize;

  /**
   * TnStore::alert-raised:
   * @priority: a #TnAlertPriority
   * @kind: a short machine name, e.g. "fiscal-duplicate"
   * @message: what happened and what to do
   *
   * Emitted on the store's thread when an alert is recorded.
   */
  signals[ALERT_RAISED] =
    g_signal_new ("alert-raised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * TnStore::committed:
   *
   * Emitted on the store's thread after each transaction commits: the
   * app tells its sync thread, so a sale goes to the peers at once
   * instead of at the sync thread's next look at the database.
   */
  signals[COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tn_store_init (TnStore *self)
{
  self->statements = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                            NULL, finalize_statement);
  self->decimals = 2;
}

/* SQL helpers ------------------------------------------------------------ */

sqlite3 *
tn_store_get_db (TnStore *self)
{
  ASSERT_OWNER (self);
  return self->db;
}

gboolean
tn_store_set_db_error (TnStore     *self,
                       GError     **error,
                       const char  *what)
{
  int code = sqlite3_extended_errcode (self->db);
  int os_error = sqlite3_system_errno (self->db);

  /* SQLite says "full" for ENOSPC only; a write refused otherwise
   * (EFBIG from a file-size limit, EDQUOT from a quota, growing the -shm
   * file) is a "disk I/O error", and by then errno may be gone.  For the
   * manager it is a disk problem, not a damaged database. */
  if ((code & 0xff) == SQLITE_FULL ||
      ((code & 0xff) == SQLITE_IOERR &&
       (os_error == ENOSPC || os_error == EFBIG || os_error == EDQUOT)))
    g_set_error (error, TN_ERROR, TN_ERROR_DISK_FULL,
                 _("%s: the disk is full. Nothing was saved; free some space on this lane "
                 "and try again."), what);
  else if (code == SQLITE_IOERR_WRITE || code == SQLITE_IOERR_SHMSIZE ||
           code == SQLITE_IOERR_TRUNCATE)
    g_set_error (error, TN_ERROR, TN_ERROR_DISK_FULL,
                 _("%s: writing to the disk failed — the disk is full or failing. Nothing was "
                   "saved; free some space on this lane (or check the disk) and try again."),
                 what);
  else
    g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("%s: %s (SQLite error %d)"),
                 what, sqlite3_errmsg (self->db), code);
  return FALSE;
}

sqlite3_stmt *
tn_store_stmt (TnStore     *self,
               const char  *sql,
               GError     **error)
{
  sqlite3_stmt *stmt;

  ASSERT_OWNER (self);
  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                              &stmt, NULL) != SQLITE_OK)
        {
          tn_store_set_db_error (self, error, "Preparing a query failed");
          g_debug ("failed SQL: %s", sql);
          return NULL;
        }
      g_hash_table_insert (self->statements, (gpointer) sql, stmt);
    }
  else
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  return stmt;
}

gboolean
tn_store_exec (TnStore     *self,
               const char  *sql,
               GError     **error)
{
  ASSERT_OWNER (self);
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return tn_store_set_db_error (self, error, "A database statement failed");
  return TRUE;
}

gboolean
tn_store_step_done (TnStore      *self,
                    sqlite3_stmt *stmt,
                    GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return tn_store_set_db_error (self, error, "Writing to the database failed");
  return TRUE;
}

gboolean
tn_store_step_row (TnStore      *self,
                   sqlite3_stmt *stmt,
                   GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    tn_store_set_db_error (self, error, "Reading the database failed");
  return FALSE;
}

gint64
tn_store_query_int (TnStore     *self,
                    const char  *sql,
                    const char  *text_arg,
                    gint64       int_arg,
                    gint64       default_value,
                    GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, sql, error);
  gint64 value = default_value;

  if (stmt == NULL)
    return default_value;
  if (text_arg != NULL)
    sqlite3_bind_text (stmt, 1, text_arg, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, int_arg);
  if (tn_store_step_row (self, stmt, error))
    {
      if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
        value = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  return value;
}

/* meta and settings are the same key → value table under two names:
 * @select_sql reads one value, @upsert_sql writes one. */
static char *
key_value_get (TnStore    *self,
               const char *select_sql,
               const char *key)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, select_sql, NULL);
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup (tn_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return value;
}

static gboolean
key_value_set (TnStore     *self,
               const char  *upsert_sql,
               const char  *key,
               const char  *value,
               GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, upsert_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_STATIC);
  return tn_store_step_done (self, stmt, error);
}

char *
tn_store_meta_get (TnStore    *self,
                   const char *key)
{
  return key_value_get (self, "SELECT value FROM meta WHERE key = ?", key);
}

gboolean
tn_store_meta_set (TnStore     *self,
                   const char  *key,
                   const char  *value,
                   GError     **error)
{
  return key_value_set (self,
                        "INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        key, value, error);
}

char *
tn_lww_clock (const TnEvent *event)
{
  char hlc[17];

  tn_hlc_format (event->hlc, hlc);
  return g_strconcat (hlc, ":", event->origin, NULL);
}

/* Opening ------------------------------------------------------------------ */

static void
load_identity (TnStore *self)
{
  g_autofree char *decimals = NULL;
  g_autofree char *tax_inclusive = NULL;
  g_autofree char *authority = NULL;

  g_clear_pointer (&self->store_id, g_free);
  g_clear_pointer (&self->replica_id, g_free);
  g_clear_pointer (&self->terminal, g_free);
  g_clear_pointer (&self->currency, g_free);

  self->store_id = tn_store_meta_get (self, "store_id");
  self->replica_id = tn_store_meta_get (self, "replica_id");
  self->terminal = tn_store_meta_get (self, "terminal");
  self->currency = tn_store_meta_get (self, "currency");
  decimals = tn_store_meta_get (self, "decimals");
  tax_inclusive = tn_store_meta_get (self, "tax_inclusive");
  authority = tn_store_meta_get (self, "fiscal_authority");
  self->decimals = decimals ? (guint) g_ascii_strtoull (decimals, NULL, 10) : 2;
  self->tax_inclusive = g_strcmp0 (tax_inclusive, "1") == 0;
  self->fiscal_authority = g_strcmp0 (authority, "1") == 0;
}

/* SQLite counts the memory it uses by default, taking a process-wide
 * mutex on every allocation; nothing here reads the count.  Only
 * possible before SQLite starts, so it fails harmlessly if another
 * library of the process opened a database first. */
static void
configure_sqlite_once (void)
{
  static gsize configured = 0;

  if (g_once_init_enter (&configured))
    {
      if (sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
        g_debug ("SQLite had started already: it keeps counting its memory");
      g_once_init_leave (&configured, 1);
    }
}

static gboolean
open_at_version (TnStore      *self,
                 TnStoreFlags  flags,
                 int           target_version,
                 GError      **error)
{
  int version;

  configure_sqlite_once ();
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("Cannot open the database %s: %s"), self->path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  /* The digest triggers (migration 5) call these on every write. */
  if (tn_digest_register_functions (self->db, &self->digest_pending) != SQLITE_OK)
    return tn_store_set_db_error (self, error, self->path);
  /* Another process (tendero-ctl, the sync worker) may hold the write
   * lock for a moment: wait rather than fail. */
  sqlite3_busy_timeout (self->db, 10000);

  /* Look before touching anything: a newer database must stay as it is,
   * so this check comes before journal_mode, which writes the header. */
  version = tn_store_schema_read_version (self->db);
  if (version < 0)
    {
      int code = sqlite3_errcode (self->db);

      /* Opening a database in WAL mode writes its -shm and -wal files: a
       * full disk fails here, and the database is not damaged. */
      if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_FULL)
        return tn_store_set_db_error (self, error, self->path);
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                   _("%s is not a Tendero database, or it is damaged: %s"),
                   self->path, sqlite3_errmsg (self->db));
      return FALSE;
    }
  if (version > TN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NEWER_SCHEMA,
                   _("The database %s was written by a newer version of Tendero (schema %d; "
                   "this version understands up to %d). It has not been changed: "
                   "update Tendero on this lane to open it."),
                   self->path, version, TN_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  if (sqlite3_exec (self->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
    {
      int code = sqlite3_errcode (self->db);

      if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        g_set_error (error, TN_ERROR, TN_ERROR_DATABASE,
                     _("%s is not a Tendero database, or it is damaged: %s"),
                     self->path, sqlite3_errmsg (self->db));
      else
        tn_store_set_db_error (self, error, self->path);
      return FALSE;
    }
  if (!tn_store_exec (self, (flags & TN_STORE_FLAGS_NO_SYNC)
                              ? "PRAGMA synchronous = OFF"
                              : "PRAGMA synchronous = FULL", error) ||
      !tn_store_exec (self, "PRAGMA foreign_keys = OFF", error) ||
      !tn_store_exec (self, "PRAGMA temp_store = MEMORY", error) ||
      !tn_store_exec (self, "PRAGMA cache_size = -16000", error))
    return FALSE;

  if (version < target_version &&
      !tn_store_schema_migrate (self->db, self->path, target_version, error))
    return FALSE;

  self->schema_version = tn_store_schema_read_version (self->db);
  if (self->schema_version == TN_STORE_SCHEMA_VERSION)
    load_identity (self);
  return TRUE;
}

TnStore *
tn_store_open (const char    *path,
               TnStoreFlags   flags,
               GError       **error)
{
  g_autoptr(TnStore) self = g_object_new (TN_TYPE_STORE, NULL);

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);
  self->owner = g_thread_self ();
  if (!open_at_version (self, flags, TN_STORE_SCHEMA_VERSION, error))
    return NULL;
  return g_steal_pointer (&self);
}

/* For the migration tests: builds a database as an older version would
 * have.  Not in the public header on purpose. */
TnStore *tn_store_open_at_version (const char *path, int version, GError **error);

TnStore *
tn_store_open_at_version (const char  *path,
                          int          version,
                          GError     **error)
{
  g_autoptr(TnStore) self = g_object_new (TN_TYPE_STORE, NULL);

  self->path = g_strdup (path);
  self->owner = g_thread_self ();
  if (!open_at_version (self, TN_STORE_FLAGS_NO_SYNC, version, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
tn_store_checkpoint_in_background (TnStore  *self,
                                   GError  **error)
{
  g_return_val_if_fail (TN_IS_STORE (self), FALSE);
  ASSERT_OWNER (self);

  if (self->checkpointer != NULL)
    return TRUE;
  self->checkpointer = tn_checkpointer_new (self->db, self->path, error);
  return self->checkpointer != NULL;
}

gboolean
tn_store_has_checkpointer (TnStore *self)
{
  return self->checkpointer != NULL;
}

gboolean
tn_store_note_insert (TnStore              *self,
                      const char           *table,
                      const TnDigestValue  *values,
                      guint                 n_values,
                      GError              **error)
{
  /* Before schema 6 the insert triggers note the row (or, before 5,
   * there is no digest). */
  if (self->schema_version < 6)
    return TRUE;
  return tn_digest_note_insert (self->db, self->digest_pending, table, values, n_values,
                                error);
}

GHashTable *
tn_store_get_stock_batch (TnStore *self)
{
  return self->stock_batch;
}

void
tn_store_set_stock_batch (TnStore    *self,
                          GHashTable *deltas)
{
  g_clear_pointer (&self->stock_batch, g_hash_table_unref);
  self->stock_batch = deltas;
}

const char *
tn_store_get_path (TnStore *self)
{
  return self->path;
}

int
tn_store_get_schema_version (TnStore *self)
{
  return self->schema_version;
}

/* Identity ----------------------------------------------------------------- */


static gboolean
validate_currency (const char  *currency,
                   GError     **error)
{
  if (currency == NULL || strlen (currency) != 3 ||
      !g_ascii_isupper (currency[0]) || !g_ascii_isupper (currency[1]) ||
      !g_ascii_isupper (currency[2]))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a currency code: use three capital letters, like USD or VES"),
                   currency ? currency : "");
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_store_is_initialized (TnStore *self)
{
  return self->store_id != NULL && self->replica_id != NULL;
}

gboolean
tn_store_initialize (TnStore                *self,
                     const TnStoreIdentity  *identity,
                     GError                **error)
{
  g_autofree char *replica_id = g_uuid_string_random ();
  g_autofree char *decimals = NULL;
  const char *currency = identity->currency ? identity->currency : "USD";
  g_autoptr(GError) local_error = NULL;

  ASSERT_OWNER (self);

  if (tn_store_is_initialized (self))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("This data directory already belongs to store “%s” as terminal %s"),
                   self->store_id, self->terminal);
      return FALSE;
    }
  if (!tn_validate_store_id (identity->store_id, error))
    return FALSE;
  if (!tn_validate_terminal (identity->terminal, error) || !validate_currency (currency, error))
    return FALSE;
  if (identity->decimals > 4)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("A currency has at most 4 decimals"));
      return FALSE;
    }

  decimals = g_strdup_printf ("%u", identity->decimals);
  if (!tn_store_begin (self, error))
    return FALSE;
  /* Another connection (the setup window while tendero-ctl runs, say)
   * may have initialised the store since we opened it: look again under
   * the write lock. */
  {
    g_autofree char *existing = tn_store_meta_get (self, "store_id");
    if (existing != NULL)
      {
        tn_store_rollback (self);
        load_identity (self);
        g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                     _("This data directory already belongs to store “%s”"), existing);
        return FALSE;
      }
  }
  if (!tn_store_meta_set (self, "store_id", identity->store_id, &local_error) ||
      !tn_store_meta_set (self, "replica_id", replica_id, &local_error) ||
      !tn_store_meta_set (self, "terminal", identity->terminal, &local_error) ||
      !tn_store_meta_set (self, "currency", currency, &local_error) ||
      !tn_store_meta_set (self, "decimals", decimals, &local_error) ||
      !tn_store_meta_set (self, "tax_inclusive", identity->tax_inclusive ? "1" : "0",
                          &local_error) ||
      !tn_store_meta_set (self, "fiscal_authority", identity->fiscal_authority ? "1" : "0",
                          &local_error) ||
      !tn_store_commit (self, &local_error))
    {
      tn_store_rollback (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  load_identity (self);
  return TRUE;
}

const char *tn_store_get_store_id (TnStore *self) { return self->store_id; }
const char *tn_store_get_replica_id (TnStore *self) { return self->replica_id; }
const char *tn_store_get_terminal (TnStore *self) { return self->terminal; }
const char *tn_store_get_currency (TnStore *self) { return self->currency ? self->currency : "USD"; }
guint tn_store_get_decimals (TnStore *self) { return self->decimals; }
gboolean tn_store_get_tax_inclusive (TnStore *self) { return self->tax_inclusive; }
gboolean tn_store_is_fiscal_authority (TnStore *self) { return self->fiscal_authority; }

/* Transactions --------------------------------------------------------------- */

gboolean
tn_store_begin (TnStore  *self,
                GError  **error)
{
  ASSERT_OWNER (self);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return tn_store_set_db_error (self, error, "Cannot start writing to the database");
  self->in_transaction = TRUE;
  return TRUE;
}

/* Indexes the products this transaction touched (see migration 2). */
static gboolean
flush_search_index (TnStore  *self,
                    GError  **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, "SELECT 1 FROM products_fts_pending LIMIT 1",
                                      error);
  gboolean pending;

  if (stmt == NULL)
    return FALSE;
  pending = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_reset (stmt);
  if (!pending)
    return TRUE;
  return tn_store_exec (self,
      "INSERT INTO products_fts (products_fts, rowid, sku, name, barcode) "
      "  SELECT 'delete', id, old_sku, old_name, old_barcode FROM products_fts_pending "
      "  WHERE indexed = 1;"
      "INSERT INTO products_fts (rowid, sku, name, barcode) "
      "  SELECT p.id, p.sku, p.name, p.barcode FROM products_fts_pending f "
      "  JOIN products p ON p.id = f.id;"
      "DELETE FROM products_fts_pending;", error);
}

gboolean
tn_store_commit (TnStore  *self,
                 GError  **error)
{
  ASSERT_OWNER (self);
  g_return_val_if_fail (self->in_transaction, FALSE);

  if ((self->schema_version >= 2 && !flush_search_index (self, error)) ||
      (self->schema_version >= 5 && !tn_digest_flush (self->db, error)))
    {
      tn_store_rollback (self);
      return FALSE;
    }
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      tn_store_set_db_error (self, error, "Saving to the database failed");
      tn_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  g_signal_emit (self, signals[COMMITTED], 0);
  return TRUE;
}

void
tn_store_rollback (TnStore *self)
{
  ASSERT_OWNER (self);
  if (!self->in_transaction)
    return;
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->in_transaction = FALSE;
}

gboolean
tn_store_in_transaction (TnStore *self)
{
  return self->in_transaction;
}

/* Settings and alerts ----------------------------------------------------- */

char *
tn_store_get_setting (TnStore    *self,
                      const char *key)
{
  return key_value_get (self, "SELECT value FROM settings WHERE key = ?", key);
}

gboolean
tn_store_set_setting (TnStore     *self,
                      const char  *key,
                      const char  *value,
                      GError     **error)
{
  return key_value_set (self,
                        "INSERT INTO settings (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        key, value, error);
}

gboolean
tn_store_record_divergence (TnStore     *self,
                            const char  *peer,
                            const char  *vv,
                            const char  *local_hash,
                            const char  *peer_hash,
                            const char  *entities_json,
                            GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "INSERT INTO divergences (peer, vv, local_hash, peer_hash, entities, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, vv, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, local_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, peer_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, entities_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, g_get_real_time () / 1000);
  return tn_store_step_done (self, stmt, error);
}

gboolean
tn_store_raise_alert (TnStore          *self,
                      TnAlertPriority   priority,
                      const char       *kind,
                      const char       *event_id,
                      const char       *message,
                      GError          **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "INSERT INTO alerts (priority, kind, event_id, message, created_at) "
      "VALUES (?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, priority);
  sqlite3_bind_text (stmt, 2, kind, -1, SQLITE_STATIC);
  tn_bind_text (stmt, 3, event_id);
  sqlite3_bind_text (stmt, 4, message, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / 1000);
  if (!tn_store_step_done (self, stmt, error))
    return FALSE;
  g_message ("Alert P%d %s: %s", priority, kind, message);
  g_signal_emit (self, signals[ALERT_RAISED], 0, (int) priority, kind, message);
  return TRUE;
}

gint64
tn_store_outbox_note_failure (TnStore     *self,
                              gint64       first_seq,
                              gint64       last_seq,
                              const char  *message,
                              GError     **error)
{
  sqlite3_stmt *stmt;

  ASSERT_OWNER (self);
  stmt = tn_store_stmt (self,
      "UPDATE outbox SET attempts = attempts + 1, last_error = ?1, updated_at = ?2 "
      "WHERE seq BETWEEN ?3 AND ?4", error);
  if (stmt == NULL)
    return -1;
  tn_bind_text (stmt, 1, message);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / 1000);
  sqlite3_bind_int64 (stmt, 3, first_seq);
  sqlite3_bind_int64 (stmt, 4, last_seq);
  if (!tn_store_step_done (self, stmt, error))
    return -1;
  return sqlite3_changes (tn_store_get_db (self));
}

/* Dead letters ----------------------------------------------------------- */

void
tn_dead_letter_free (TnDeadLetter *letter)
{
  if (letter == NULL)
    return;
  g_free (letter->event_id);
  g_free (letter->origin);
  g_free (letter->reason);
  g_free (letter);
}

gboolean
tn_store_add_dead_letter (TnStore     *self,
                          const char  *event_id,
                          const char  *origin,
                          gint64       seq,
                          const char  *reason,
                          GError     **error)
{
  sqlite3_stmt *stmt;

  ASSERT_OWNER (self);
  g_return_val_if_fail (event_id != NULL && origin != NULL && reason != NULL, FALSE);

  stmt = tn_store_stmt (self,
      "INSERT INTO dead_letters (event_id, origin, seq, reason, created_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET reason = excluded.reason",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, seq);
  sqlite3_bind_text (stmt, 4, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / 1000);
  if (!tn_store_step_done (self, stmt, error))
    return FALSE;
  if (g_strcmp0 (origin, tn_store_get_replica_id (self)) != 0)
    return TRUE;
  stmt = tn_store_stmt (self, "UPDATE outbox SET last_error = ?, updated_at = ? WHERE seq = ?",
                        error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / 1000);
  sqlite3_bind_int64 (stmt, 3, seq);
  return tn_store_step_done (self, stmt, error);
}

GPtrArray *
tn_store_list_dead_letters (TnStore  *self,
                            guint     limit,
                            GError  **error)
{
  g_autoptr(GPtrArray) letters =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tn_dead_letter_free);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  ASSERT_OWNER (self);
  stmt = tn_store_stmt (self,
      "SELECT event_id, origin, seq, reason, created_at FROM dead_letters "
      "ORDER BY created_at DESC, origin, seq DESC LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit == 0 ? -1 : (gint64) limit);
  while (tn_store_step_row (self, stmt, &local_error))
    {
      TnDeadLetter *letter = g_new0 (TnDeadLetter, 1);

      letter->event_id = g_strdup (tn_column_text (stmt, 0));
      letter->origin = g_strdup (tn_column_text (stmt, 1));
      letter->seq = sqlite3_column_int64 (stmt, 2);
      letter->reason = g_strdup (tn_column_text (stmt, 3));
      letter->created_at = sqlite3_column_int64 (stmt, 4);
      g_ptr_array_add (letters, letter);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&letters);
}

gint64
tn_store_count_dead_letters (TnStore *self)
{
  return tn_store_query_int (self, "SELECT count (*) FROM dead_letters", NULL, 0, 0, NULL);
}
