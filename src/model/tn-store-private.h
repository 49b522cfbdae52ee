/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "tn-store.h"

G_BEGIN_DECLS

/* For the model's own files: SQL helpers over the store's connection. */

sqlite3      *tn_store_get_db        (TnStore     *self);
gboolean      tn_store_has_checkpointer (TnStore   *self);

/* While set (sku → gint64 *delta, owned by the store), stock movements
 * add to it instead of updating the stock table:
 * tn_projection_flush_stock () writes each sku once per batch. */
GHashTable   *tn_store_get_stock_batch (TnStore    *self);
void          tn_store_set_stock_batch (TnStore    *self,
                                        GHashTable *deltas);

/* A cached prepared statement, reset and with bindings cleared.  @sql
 * must be a string literal (the cache is keyed by it). */
sqlite3_stmt *tn_store_stmt          (TnStore     *self,
                                      const char  *sql,
                                      GError     **error);
gboolean      tn_store_exec          (TnStore     *self,
                                      const char  *sql,
                                      GError     **error);
/* Steps @stmt expecting SQLITE_DONE, then resets it. */
gboolean      tn_store_step_done     (TnStore      *self,
                                      sqlite3_stmt *stmt,
                                      GError      **error);
/* Steps expecting a row (TRUE) or the end (FALSE, @error unset); a
 * failure returns FALSE with @error set. */
gboolean      tn_store_step_row      (TnStore      *self,
                                      sqlite3_stmt *stmt,
                                      GError      **error);
/* The first column of @sql's first row as an integer, or @default_value
 * if there is no row, it is NULL or reading fails (then @error is set).
 * @text_arg binds ?1 when not NULL, @int_arg ?2 when the SQL has it. */
gint64        tn_store_query_int     (TnStore     *self,
                                      const char  *sql,
                                      const char  *text_arg,
                                      gint64       int_arg,
                                      gint64       default_value,
                                      GError     **error);
gboolean      tn_store_set_db_error  (TnStore     *self,
                                      GError     **error,
                                      const char  *what);

char         *tn_store_meta_get      (TnStore     *self,
                                      const char  *key);
gboolean      tn_store_meta_set      (TnStore     *self,
                                      const char  *key,
                                      const char  *value,
                                      GError     **error);

/* Migrations (tn-store-schema.c).  @target is the version to reach. */
gboolean      tn_store_schema_migrate (sqlite3    *db,
                                       const char *path,
                                       int         target,
                                       GError    **error);

/* The state digest (tn-digest.c): SQL functions the digest triggers
 * call, registered on every connection that writes projections (writes
 * must be inside BEGIN … COMMIT), and migration 5's triggers and first
 * full computation.  *@pending is what the open transaction changed:
 * the connection owns it. */
typedef struct _TnDigestPending TnDigestPending;
int           tn_digest_register_functions (sqlite3          *db,
                                            TnDigestPending **pending);
gboolean      tn_digest_install            (sqlite3  *db,
                                            GError  **error);
/* Deletes the rows of @table that match the SQL condition @where without
 * taking them out of the digest: for rows whose scan source (a view)
 * still yields them unchanged, as migration 8 does with sales' stock
 * movements. */
gboolean      tn_digest_delete_moved_rows  (sqlite3      *db,
                                            const char   *table,
                                            const char   *where,
                                            GError      **error);

/* One column value as bound to an INSERT: text (NULL: see is_int),
 * an integer, or SQL NULL. */
typedef struct
{
  const char *text;
  gint64      integer;
  gboolean    is_int;
} TnDigestValue;

#define TN_DIGEST_TEXT(s) ((TnDigestValue) { (s), 0, FALSE })
#define TN_DIGEST_INT(i)  ((TnDigestValue) { NULL, (i), TRUE })
#define TN_DIGEST_NULL    TN_DIGEST_TEXT (NULL)

/* The tables whose inserts the projection code notes itself, with
 * tn_store_note_insert (), instead of an AFTER INSERT trigger (which
 * cost as much as the inserts): migration 6 dropped those triggers.
 * Their UPDATE and DELETE triggers stay. */
#define TN_DIGEST_NOTED_IN_C "sales", "sale_lines", "payments", "inventory_changes", \
                             "fiscal_documents"

/* A row was inserted into @table with @values, in the order of the
 * table's columns in tn-digest.c's digest_tables (the first is the
 * entity id, text). */
gboolean      tn_digest_note_insert        (sqlite3              *db,
                                            TnDigestPending      *pending,
                                            const char           *table,
                                            const TnDigestValue  *values,
                                            guint                 n_values,
                                            GError              **error);
gboolean      tn_store_note_insert         (TnStore              *self,
                                            const char           *table,
                                            const TnDigestValue  *values,
                                            guint                 n_values,
                                            GError              **error);
/* Adds what the open transaction changed to digest_buckets; COMMIT
 * right after (tn_store_commit does both).  Needed by anything else
 * that writes projections, like a test tampering with a row. */
gboolean      tn_digest_flush              (sqlite3  *db,
                                            GError  **error);

/* PRAGMA user_version, or -1 if the file is not a database. */
int           tn_store_schema_read_version (sqlite3 *db);

/* Binding helpers: NULL strings bind as SQL NULL. */
static inline void
tn_bind_text (sqlite3_stmt *stmt,
              int           index,
              const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static inline const char *
tn_column_text (sqlite3_stmt *stmt,
                int           index)
{
  return (const char *) sqlite3_column_text (stmt, index);
}

/* "<16 hex hlc>:<origin>": orders LWW writes by (hlc, origin) with a
 * plain string comparison. */
char         *tn_lww_clock           (const TnEvent *event);

G_END_DECLS
