/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Products: LWW per field, except the price, which is a multi-value
 * register: concurrent prices are all kept and open a conflict that a
 * manager closes with a ConflictResolved event. */

#include "tn-projection.h"

static gboolean
ensure_product (TnStore     *store,
                const char  *sku,
                GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO products (sku) VALUES (?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

/* Recomputes the visible price and the open conflict from the current
 * candidates.  Both are functions of the candidate set alone, so every
 * replica agrees whatever order the writes arrived in. */
static gboolean
refresh_price (TnStore     *store,
               const char  *sku,
               GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT count (DISTINCT price), min (hlc), "
      "  (SELECT price FROM price_candidates WHERE sku = ?1 ORDER BY hlc DESC, origin DESC "
      "   LIMIT 1) "
      "FROM price_candidates WHERE sku = ?1", error);
  gint64 distinct, opened_hlc, price;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, error))
    return FALSE;
  distinct = sqlite3_column_int64 (stmt, 0);
  opened_hlc = sqlite3_column_int64 (stmt, 1);
  price = sqlite3_column_int64 (stmt, 2);
  sqlite3_reset (stmt);

  stmt = tn_store_stmt (store, "UPDATE products SET price = ? WHERE sku = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, price);
  sqlite3_bind_text (stmt, 2, sku, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;

  if (distinct > 1)
    {
      stmt = tn_store_stmt (store,
          "INSERT INTO conflicts (sku, field, opened_hlc) VALUES (?1, 'price', ?2) "
          "ON CONFLICT (sku, field) DO UPDATE SET opened_hlc = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, opened_hlc);
    }
  else
    {
      stmt = tn_store_stmt (store,
          "DELETE FROM conflicts WHERE sku = ? AND field = 'price'", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
    }
  return tn_store_step_done (store, stmt, error);
}

/* A price write replaces every candidate it causally follows and joins
 * the ones it is concurrent with.  Causal delivery guarantees no stored
 * candidate follows it. */
static gboolean
write_price (TnStore        *store,
             const TnEvent  *event,
             const char     *sku,
             gint64          price,
             GError        **error)
{
  g_autoptr(GPtrArray) superseded = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT event_id, origin, seq FROM price_candidates WHERE sku = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  while (tn_store_step_row (store, stmt, error))
    if (tn_version_vector_contains (event->deps, tn_column_text (stmt, 1),
                                    sqlite3_column_int64 (stmt, 2)))
      g_ptr_array_add (superseded, g_strdup (tn_column_text (stmt, 0)));
  if (error != NULL && *error != NULL)
    return FALSE;

  for (guint i = 0; i < superseded->len; i++)
    {
      stmt = tn_store_stmt (store,
          "DELETE FROM price_candidates WHERE sku = ? AND event_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, superseded->pdata[i], -1, SQLITE_STATIC);
      if (!tn_store_step_done (store, stmt, error))
        return FALSE;
    }

  stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO price_candidates (sku, event_id, origin, seq, hlc, price) "
      "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, event->seq);
  sqlite3_bind_int64 (stmt, 5, (gint64) event->hlc);
  sqlite3_bind_int64 (stmt, 6, price);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;

  return refresh_price (store, sku, error);
}

static gboolean
apply_fields (TnStore        *store,
              const TnEvent  *event,
              const char     *sku,
              GError        **error)
{
  const TnJsonValue *payload = tn_event_get_payload (event);
  g_autofree char *clock = tn_lww_clock (event);

  if ((tn_json_value_member (payload, "name") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE products SET name = ?1, name_clock = ?2 WHERE sku = ?3 AND name_clock < ?2",
          sku, tn_json_value_get_string (payload, "name"), clock, error))
    return FALSE;
  /* A creation writes every field, the absent barcode too, as
   * create_product does: the clocks must not depend on which of two
   * concurrent creations arrived first. */
  if ((tn_json_value_member (payload, "barcode") != NULL) || event->type == TN_EVENT_PRODUCT_CREATED)
    {
      const char *barcode = tn_json_value_get_string (payload, "barcode");

      if (!tn_projection_lww_set_text (store,
              "UPDATE products SET barcode = ?1, barcode_clock = ?2 "
              "WHERE sku = ?3 AND barcode_clock < ?2",
              sku, (barcode && *barcode) ? barcode : NULL, clock, error))
        return FALSE;
    }
  if ((tn_json_value_member (payload, "tax_bp") != NULL) &&
      !tn_projection_lww_set_int (store,
          "UPDATE products SET tax_bp = ?1, tax_bp_clock = ?2 "
          "WHERE sku = ?3 AND tax_bp_clock < ?2",
          sku, tn_json_value_get_int (payload, "tax_bp", 0), clock, error))
    return FALSE;
  if (((tn_json_value_member (payload, "active") != NULL) || event->type == TN_EVENT_PRODUCT_CREATED) &&
      !tn_projection_lww_set_int (store,
          "UPDATE products SET active = ?1, active_clock = ?2 "
          "WHERE sku = ?3 AND active_clock < ?2",
          sku, tn_json_value_get_boolean (payload, "active", TRUE),
          clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "price") != NULL) &&
      !write_price (store, event, sku, tn_json_value_get_int (payload, "price", 0), error))
    return FALSE;
  return TRUE;
}

static gboolean
apply_resolution (TnStore        *store,
                  const TnEvent  *event,
                  GError        **error)
{
  const char *sku = tn_event_get_string (event, "sku");
  gint64 value = tn_event_get_int (event, "value", 0);
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO conflict_resolutions "
      "(event_id, sku, field, value, manager, hlc, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
      error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, sku, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, tn_event_get_string (event, "field"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, value);
  tn_bind_text (stmt, 5, tn_event_get_string (event, "manager"));
  sqlite3_bind_int64 (stmt, 6, (gint64) event->hlc);
  sqlite3_bind_text (stmt, 7, event->origin, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;

  /* The resolution is a price write whose deps cover the candidates the
   * manager saw: it replaces them, and only a write concurrent with the
   * resolution itself can keep the conflict open. */
  return ensure_product (store, sku, error) && write_price (store, event, sku, value, error);
}

/* A product row that did not exist has no candidates: its first price
 * is simply the price. */
static gboolean
first_price (TnStore        *store,
             const TnEvent  *event,
             const char     *sku,
             gint64          price,
             GError        **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT INTO price_candidates (sku, event_id, origin, seq, hlc, price) "
      "VALUES (?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, event->seq);
  sqlite3_bind_int64 (stmt, 5, (gint64) event->hlc);
  sqlite3_bind_int64 (stmt, 6, price);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  stmt = tn_store_stmt (store, "UPDATE products SET price = ? WHERE sku = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, price);
  sqlite3_bind_text (stmt, 2, sku, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

/* The common case of a new SKU: one row written whole, clocks and all. */
static gboolean
create_product (TnStore        *store,
                const TnEvent  *event,
                const char     *sku,
                gboolean       *created,
                GError        **error)
{
  const TnJsonValue *payload = tn_event_get_payload (event);
  g_autofree char *clock = tn_lww_clock (event);
  const char *barcode = tn_json_value_get_string (payload, "barcode");
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT INTO products (sku, name, name_clock, barcode, barcode_clock, tax_bp, "
      "  tax_bp_clock, active, active_clock) VALUES (?1, ?2, ?5, ?3, ?5, ?4, ?5, ?6, ?5) "
      "ON CONFLICT (sku) DO NOTHING", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, tn_json_value_get_string (payload, "name"), -1,
                     SQLITE_STATIC);
  tn_bind_text (stmt, 3, (barcode && *barcode) ? barcode : NULL);
  sqlite3_bind_int64 (stmt, 4, tn_json_value_get_int (payload, "tax_bp", 0));
  sqlite3_bind_text (stmt, 5, clock, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, tn_json_value_get_boolean (payload, "active",
                                                                          TRUE));
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  *created = sqlite3_changes (tn_store_get_db (store)) == 1;
  return TRUE;
}

gboolean
tn_projection_apply_product (TnStore        *store,
                             const TnEvent  *event,
                             GError        **error)
{
  const char *sku = tn_event_get_string (event, "sku");
  gboolean created = FALSE;

  if (event->type == TN_EVENT_CONFLICT_RESOLVED)
    return apply_resolution (store, event, error);
  if (event->type == TN_EVENT_PRODUCT_CREATED)
    {
      if (!create_product (store, event, sku, &created, error))
        return FALSE;
      if (created)
        return first_price (store, event, sku, tn_event_get_int (event, "price", 0), error);
    }
  return ensure_product (store, sku, error) && apply_fields (store, event, sku, error);
}
