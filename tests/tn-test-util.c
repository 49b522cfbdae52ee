/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-test-util.h"

#include <glib/gstdio.h>
#include <stdarg.h>

#include "tn-digest.h"
#include "tn-operations.h"
#include "tn-store-private.h"

char *
tn_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tendero-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tn_test_rmdir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        tn_test_rmdir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

TnStore *
tn_test_store_new (const char *dir,
                   const char *terminal,
                   gboolean    fiscal_authority,
                   gboolean    no_sync)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  TnStoreIdentity identity = {
    .store_id = "test-store",
    .terminal = terminal,
    .currency = "USD",
    .decimals = 2,
    .fiscal_authority = fiscal_authority,
  };
  TnStore *store = tn_store_open (path, no_sync ? TN_STORE_FLAGS_NO_SYNC : TN_STORE_FLAGS_NONE,
                                  &error);

  g_assert_no_error (error);
  tn_store_initialize (store, &identity, &error);
  g_assert_no_error (error);
  return store;
}

void
tn_test_add_product (TnStore    *store,
                     const char *sku,
                     gint64      price,
                     gint        tax_bp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Product %s", sku);
  TnProductSpec spec = { sku, name, price, tax_bp, NULL };

  tn_store_add_product (store, &spec, &error);
  g_assert_no_error (error);
}

char *
tn_test_shared_path (const char *first,
                     ...)
{
  const char *root = g_getenv ("TN_SHARED_DIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, (gpointer) (root ? root : "../shared"));
  g_ptr_array_add (parts, (gpointer) first);
  va_start (args, first);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
tn_test_state_hash (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  TnDigest digest, scanned;

  tn_store_compute_digest (store, &digest, &error);
  g_assert_no_error (error);
  /* The digest the triggers keep must be the one a full scan gives. */
  tn_store_recompute_digest (store, &scanned, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (digest.state_hash, ==, scanned.state_hash);
  g_assert_cmpuint (digest.rows, ==, scanned.rows);
  return g_strdup (digest.state_hash);
}

void
tn_test_sql (TnStore    *store,
             const char *sql)
{
  char *message = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = tn_store_get_db (store);

  /* Projection rows change only in a transaction that flushes the
   * state digest (tn-digest.c), as tn_store_commit () does. */
  if (tn_store_in_transaction (store))
    {
      if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
        g_error ("SQL failed: %s: %s", sql, message);
      return;
    }
  if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s: %s", sql, message);
  if (!tn_digest_flush (db, &error))
    g_error ("SQL failed: %s: %s", sql, error->message);
  if (sqlite3_exec (db, "COMMIT", NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s: %s", sql, message);
}

gint64
tn_test_sql_int (TnStore    *store,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

gint64
tn_test_sql_int_or (TnStore    *store,
                    const char *sql,
                    const char *arg,
                    gint64      missing)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = missing;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

gint64
tn_test_sql_int_arg (TnStore    *store,
                     const char *sql,
                     const char *arg)
{
  return tn_test_sql_int_or (store, sql, arg, G_MININT64);
}

char *
tn_test_sql_text (TnStore    *store,
                  const char *sql,
                  const char *arg)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static char *
make_subdir (const char *parent,
             const char *name)
{
  char *sub = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  return sub;
}

TnStore *
tn_test_lane_new (const char *parent,
                  guint       i,
                  gboolean    fiscal_authority)
{
  g_autofree char *name = g_strdup_printf ("lane%u", i + 1);
  g_autofree char *terminal = g_strdup_printf ("L%u", i + 1);
  g_autofree char *sub = make_subdir (parent, name);

  return tn_test_store_new (sub, terminal, fiscal_authority, TRUE);
}

void
tn_test_lanes_set_up (TnTestLanes   *lanes,
                      gconstpointer  data)
{
  lanes->dir = tn_test_mkdtemp ();
}

void
tn_test_lanes_tear_down (TnTestLanes   *lanes,
                         gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (lanes->stores); i++)
    g_clear_object (&lanes->stores[i]);
  tn_test_rmdir (lanes->dir);
  g_clear_pointer (&lanes->dir, g_free);
}

TnStore *
tn_test_lanes_get (TnTestLanes *lanes,
                   guint        i,
                   gboolean     fiscal_authority)
{
  g_assert_cmpuint (i, <, G_N_ELEMENTS (lanes->stores));
  if (lanes->stores[i] == NULL)
    lanes->stores[i] = tn_test_lane_new (lanes->dir, i, fiscal_authority);
  return lanes->stores[i];
}

TnStore *
tn_test_store_new_custom (const char            *parent,
                          const char            *name,
                          const TnStoreIdentity *identity)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sub = make_subdir (parent, name);
  g_autofree char *path = g_build_filename (sub, "tendero.db", NULL);
  TnStore *store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);

  g_assert_no_error (error);
  tn_store_initialize (store, identity, &error);
  g_assert_no_error (error);
  return store;
}

TnApplyResult
tn_test_apply_bodies (TnStore   *to,
                      GPtrArray *bodies)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  TnApplyResult result = { 0, };

  for (guint i = 0; i < bodies->len; i++)
    {
      TnEvent *event = tn_event_from_json (bodies->pdata[i], -1, "test-store", &error);
      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  tn_store_apply_remote (to, events, TN_APPLY_FLAGS_NONE, &result, &error);
  g_assert_no_error (error);
  return result;
}

void
tn_test_sync_one_way (TnStore *from,
                      TnStore *to)
{
  g_autoptr(TnVersionVector) have = tn_store_get_version_vector (from, NULL);
  g_autoptr(TnVersionVector) want = tn_store_get_version_vector (to, NULL);
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (have);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < origins->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) part = tn_store_read_events (from, origins->pdata[i],
                                                        tn_version_vector_get (want,
                                                                               origins->pdata[i]),
                                                        100000, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < part->len; j++)
        g_ptr_array_add (bodies, g_strdup (part->pdata[j]));
    }
  tn_test_apply_bodies (to, bodies);
  g_assert_cmpint (tn_store_count_held_back (to), ==, 0);
}

void
tn_test_assert_same_state (TnStore *a,
                           TnStore *b)
{
  g_autofree char *ha = tn_test_state_hash (a);
  g_autofree char *hb = tn_test_state_hash (b);

  g_assert_cmpstr (ha, ==, hb);
}

TnSaleReceipt *
tn_test_sell_paid (TnStore    *store,
                   const char *sku,
                   gint64      qty,
                   const char *method,
                   const char *currency,
                   gint64      amount)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  TnSaleReceipt *receipt;

  tn_sale_request_add_line (request, sku, qty);
  if (method != NULL)
    tn_sale_request_add_payment (request, method, currency, amount);
  receipt = tn_store_sell (store, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (receipt);
  return receipt;
}

TnSaleReceipt *
tn_test_sell (TnStore    *store,
              const char *sku,
              gint64      qty)
{
  return tn_test_sell_paid (store, sku, qty, NULL, NULL, 0);
}

TnTestSnapshot *
tn_test_snapshot_take (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  TnTestSnapshot *snap = g_new0 (TnTestSnapshot, 1);

  snap->vv = tn_store_get_version_vector (store, &error);
  g_assert_no_error (error);
  snap->digest = tn_test_state_hash (store);
  snap->events = tn_test_sql_int (store, "SELECT count(*) FROM events");
  snap->outbox = tn_test_sql_int (store, "SELECT count(*) FROM outbox");
  snap->held_back = tn_store_count_held_back (store);
  snap->products = tn_test_sql_int (store, "SELECT count(*) FROM products");
  return snap;
}

void
tn_test_snapshot_assert_unchanged (TnStore              *store,
                                   const TnTestSnapshot *before)
{
  g_autoptr(TnTestSnapshot) now = tn_test_snapshot_take (store);

  g_assert_true (tn_version_vector_equal (before->vv, now->vv));
  g_assert_cmpstr (before->digest, ==, now->digest);
  g_assert_cmpint (before->events, ==, now->events);
  g_assert_cmpint (before->outbox, ==, now->outbox);
  g_assert_cmpint (before->held_back, ==, now->held_back);
  g_assert_cmpint (before->products, ==, now->products);
}

void
tn_test_snapshot_free (TnTestSnapshot *snap)
{
  if (snap == NULL)
    return;
  tn_version_vector_free (snap->vv);
  g_free (snap->digest);
  g_free (snap);
}

GLogWriterOutput
tn_test_log_writer_hide_alerts (GLogLevelFlags   log_level,
                                const GLogField *fields,
                                gsize            n_fields,
                                gpointer         user_data)
{
  if ((log_level & G_LOG_LEVEL_MESSAGE) && !g_test_verbose ())
    for (gsize i = 0; i < n_fields; i++)
      if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
          g_str_has_prefix (fields[i].value, "Alert P"))
        return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}
