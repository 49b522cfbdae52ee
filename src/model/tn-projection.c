/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-projection.h"

gboolean
tn_projection_apply (TnStore        *store,
                     const TnEvent  *event,
                     GError        **error)
{
  switch (event->type)
    {
    case TN_EVENT_PRODUCT_CREATED:
    case TN_EVENT_PRODUCT_UPDATED:
    case TN_EVENT_CONFLICT_RESOLVED:
      return tn_projection_apply_product (store, event, error);

    case TN_EVENT_STOCK_ADJUSTED:
    case TN_EVENT_STOCK_RECEIVED:
      return tn_projection_apply_stock (store, event, error);

    case TN_EVENT_SALE_CREATED:
    case TN_EVENT_SALE_VOIDED:
      return tn_projection_apply_sale (store, event, error);

    case TN_EVENT_CUSTOMER_UPSERTED:
    case TN_EVENT_DEBT_CHARGED:
    case TN_EVENT_DEBT_PAID:
    case TN_EVENT_EXCHANGE_RATE_SET:
    case TN_EVENT_EMPLOYEE_UPSERTED:
      return tn_projection_apply_people (store, event, error);

    case TN_EVENT_CASH_SESSION_OPENED:
    case TN_EVENT_CASH_MOVED:
    case TN_EVENT_CASH_SESSION_CLOSED:
      return tn_projection_apply_cash (store, event, error);

    case TN_EVENT_FISCAL_BLOCK_GRANTED:
      return tn_projection_apply_fiscal (store, event, error);

    case TN_EVENT_N_TYPES:
    default:
      break;
    }
  g_assert_not_reached ();
}

static gboolean
add_stock (TnStore     *store,
           const char  *sku,
           gint64       delta,
           GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT INTO stock (sku, qty) VALUES (?1, ?2) "
      "ON CONFLICT (sku) DO UPDATE SET qty = qty + ?2", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, delta);
  return tn_store_step_done (store, stmt, error);
}

gboolean
tn_projection_move_stock (TnStore        *store,
                          const char     *source_id,
                          gint64          line,
                          const char     *sku,
                          gint64          delta,
                          const char     *kind,
                          const char     *reason,
                          const TnEvent  *event,
                          GError        **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO inventory_changes "
      "(source_id, line, sku, delta, kind, reason, hlc, origin) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, source_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, line);
  sqlite3_bind_text (stmt, 3, sku, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, delta);
  sqlite3_bind_text (stmt, 5, kind, -1, SQLITE_STATIC);
  tn_bind_text (stmt, 6, reason);
  sqlite3_bind_int64 (stmt, 7, (gint64) event->hlc);
  sqlite3_bind_text (stmt, 8, event->origin, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (tn_store_get_db (store)) == 0)
    return TRUE;   /* this movement is already counted */
  return tn_projection_count_movement (store, source_id, line, sku, delta, kind, reason, error);
}

gboolean
tn_projection_count_movement (TnStore     *store,
                              const char  *source_id,
                              gint64       line,
                              const char  *sku,
                              gint64       delta,
                              const char  *kind,
                              const char  *reason,
                              GError     **error)
{
  /* A row of stock_movements, whether inventory_changes holds it or a
   * sale line implies it. */
  const TnDigestValue row[] = {
    TN_DIGEST_TEXT (sku), TN_DIGEST_TEXT (source_id), TN_DIGEST_INT (line),
    TN_DIGEST_INT (delta), TN_DIGEST_TEXT (kind), TN_DIGEST_TEXT (reason),
  };
  GHashTable *batch;

  if (!tn_store_note_insert (store, "inventory_changes", row, G_N_ELEMENTS (row), error))
    return FALSE;

  batch = tn_store_get_stock_batch (store);
  if (batch != NULL)
    {
      gint64 *sum = g_hash_table_lookup (batch, sku);

      if (sum == NULL)
        {
          sum = g_new0 (gint64, 1);
          g_hash_table_insert (batch, g_strdup (sku), sum);
        }
      *sum += delta;
      return TRUE;
    }
  return add_stock (store, sku, delta, error);
}

void
tn_projection_batch_stock (TnStore *store)
{
  tn_store_set_stock_batch (store, g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, g_free));
}

gboolean
tn_projection_flush_stock (TnStore  *store,
                           GError  **error)
{
  g_autoptr(GHashTable) batch = g_hash_table_ref (tn_store_get_stock_batch (store));
  GHashTableIter iter;
  gpointer sku, sum;

  tn_store_set_stock_batch (store, NULL);
  /* Every sku touched gets its row, even when its moves cancel out, as
   * applying them one by one would leave it. */
  g_hash_table_iter_init (&iter, batch);
  while (g_hash_table_iter_next (&iter, &sku, &sum))
    if (!add_stock (store, sku, *(gint64 *) sum, error))
      return FALSE;
  return TRUE;
}

gboolean
tn_projection_lww_set_text (TnStore     *store,
                            const char  *update_sql,
                            const char  *key,
                            const char  *value,
                            const char  *clock,
                            GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store, update_sql, error);

  if (stmt == NULL)
    return FALSE;
  tn_bind_text (stmt, 1, value);
  sqlite3_bind_text (stmt, 2, clock, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, key, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

gboolean
tn_projection_lww_set_int (TnStore     *store,
                           const char  *update_sql,
                           const char  *key,
                           gint64       value,
                           const char  *clock,
                           GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store, update_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, value);
  sqlite3_bind_text (stmt, 2, clock, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, key, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}
