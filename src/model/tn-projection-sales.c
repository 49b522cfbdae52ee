/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Sales are an add-wins set: a sale, once created, is never dropped.
 * A void is a separate event; the stock it returns is keyed by the sale,
 * so two lanes voiding the same sale at once return it only once. */

#include "tn-projection.h"

#include <glib/gi18n.h>

#include "tn-fiscal.h"

static gboolean
insert_lines (TnStore        *store,
              const char     *sale_id,
              const TnJsonValue *lines,
              GError        **error)
{
  guint i = 0;

  for (const TnJsonValue *line = tn_json_value_first (lines); line != NULL;
       line = tn_json_value_next (lines, line), i++)
    {
      const char *sku = tn_json_value_get_string (line, "sku");
      const char *name = tn_json_value_get_string (line, "name");
      gint64 qty = tn_json_value_get_int (line, "qty", 0);
      gint64 unit_price = tn_json_value_get_int (line, "unit_price", 0);
      gint64 tax_bp = tn_json_value_get_int (line, "tax_bp", 0);
      gint64 net = tn_json_value_get_int (line, "net", 0);
      gint64 tax = tn_json_value_get_int (line, "tax", 0);
      gint64 total = tn_json_value_get_int (line, "total", 0);
      sqlite3_stmt *stmt = tn_store_stmt (store,
          "INSERT OR IGNORE INTO sale_lines "
          "(sale_id, line, sku, name, qty, unit_price, tax_bp, net, tax, total) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 2, (int) i + 1);
      sqlite3_bind_text (stmt, 3, sku, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, qty);
      sqlite3_bind_int64 (stmt, 6, unit_price);
      sqlite3_bind_int64 (stmt, 7, tax_bp);
      sqlite3_bind_int64 (stmt, 8, net);
      sqlite3_bind_int64 (stmt, 9, tax);
      sqlite3_bind_int64 (stmt, 10, total);
      if (!tn_store_step_done (store, stmt, error))
        return FALSE;
      if (sqlite3_changes (tn_store_get_db (store)) > 0)
        {
          const TnDigestValue row[] = {
            TN_DIGEST_TEXT (sale_id), TN_DIGEST_INT (i + 1), TN_DIGEST_TEXT (sku),
            TN_DIGEST_TEXT (name), TN_DIGEST_INT (qty), TN_DIGEST_INT (unit_price),
            TN_DIGEST_INT (tax_bp), TN_DIGEST_INT (net), TN_DIGEST_INT (tax),
            TN_DIGEST_INT (total),
          };

          /* The line is also the sale's stock movement: storing it
           * again in inventory_changes cost a fifth of applying a sale. */
          if (!tn_store_note_insert (store, "sale_lines", row, G_N_ELEMENTS (row), error) ||
              !tn_projection_count_movement (store, sale_id, i + 1, sku, -qty, "sale", NULL,
                                             error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
insert_payments (TnStore     *store,
                 const char  *sale_id,
                 const TnJsonValue *payments,
                 GError     **error)
{
  guint i = 0;

  for (const TnJsonValue *payment = tn_json_value_first (payments); payment != NULL;
       payment = tn_json_value_next (payments, payment), i++)
    {
      const char *method = tn_json_value_get_string (payment, "method");
      const char *currency = tn_json_value_get_string (payment, "currency");
      gint64 amount = tn_json_value_get_int (payment, "amount", 0);
      gint64 amount_base = tn_json_value_get_int (payment, "amount_base", 0);
      sqlite3_stmt *stmt = tn_store_stmt (store,
          "INSERT OR IGNORE INTO payments "
          "(sale_id, idx, method, currency, amount, amount_base) VALUES (?, ?, ?, ?, ?, ?)",
          error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 2, (int) i + 1);
      sqlite3_bind_text (stmt, 3, method, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, currency, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, amount);
      sqlite3_bind_int64 (stmt, 6, amount_base);
      if (!tn_store_step_done (store, stmt, error))
        return FALSE;
      if (sqlite3_changes (tn_store_get_db (store)) > 0)
        {
          const TnDigestValue row[] = {
            TN_DIGEST_TEXT (sale_id), TN_DIGEST_INT (i + 1), TN_DIGEST_TEXT (method),
            TN_DIGEST_TEXT (currency), TN_DIGEST_INT (amount), TN_DIGEST_INT (amount_base),
          };

          if (!tn_store_note_insert (store, "payments", row, G_N_ELEMENTS (row), error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
apply_sale_created (TnStore        *store,
                    const TnEvent  *event,
                    GError        **error)
{
  const TnJsonValue *payload = tn_event_get_payload (event);
  const TnJsonValue *second = tn_json_value_get_object (payload, "second");
  const TnJsonValue *fiscal = tn_json_value_get_object (payload, "fiscal");
  const char *sale_id = tn_json_value_get_string (payload, "sale_id");
  /* The row as digest_tables lists its columns (tn-digest.c); the
   * INSERT binds the same values. */
  const TnDigestValue row[] = {
    TN_DIGEST_TEXT (sale_id),
    TN_DIGEST_TEXT (event->event_id),
    TN_DIGEST_TEXT (event->origin),
    TN_DIGEST_TEXT (tn_json_value_get_string (payload, "terminal")),
    TN_DIGEST_INT ((gint64) event->hlc),
    TN_DIGEST_TEXT (tn_json_value_get_string (payload, "cashier")),
    TN_DIGEST_TEXT (tn_json_value_get_string (payload, "session_id")),
    TN_DIGEST_TEXT (tn_json_value_get_string (payload, "customer_id")),
    TN_DIGEST_TEXT (tn_json_value_get_string (payload, "currency")),
    TN_DIGEST_INT (tn_json_value_get_int (payload, "subtotal", 0)),
    TN_DIGEST_INT (tn_json_value_get_int (payload, "tax", 0)),
    TN_DIGEST_INT (tn_json_value_get_int (payload, "total", 0)),
    TN_DIGEST_INT (tn_json_value_get_int (payload, "change", 0)),
    second ? TN_DIGEST_TEXT (tn_json_value_get_string (second, "currency"))
           : TN_DIGEST_NULL,
    second ? TN_DIGEST_INT (tn_json_value_get_int (second, "total", 0)) : TN_DIGEST_NULL,
    second ? TN_DIGEST_INT (tn_json_value_get_int (second, "rate_micro", 0))
           : TN_DIGEST_NULL,
    TN_DIGEST_TEXT (tn_json_value_get_string (fiscal, "doc")),
    TN_DIGEST_INT (0),   /* voided */
  };
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO sales (sale_id, event_id, origin, terminal, hlc, cashier, "
      "  session_id, customer_id, currency, subtotal, tax, total, change, second_currency, "
      "  second_total, rate_micro, fiscal_doc, voided) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (row); i++)
    {
      if (row[i].text != NULL)
        sqlite3_bind_text (stmt, (int) i + 1, row[i].text, -1, SQLITE_STATIC);
      else if (row[i].is_int)
        sqlite3_bind_int64 (stmt, (int) i + 1, row[i].integer);
      else
        sqlite3_bind_null (stmt, (int) i + 1);
    }
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (tn_store_get_db (store)) == 0)
    {
      /* The same sale id under another event: a client bug or a replay
       * with a new id.  The first copy stands; do not count it twice. */
      g_autofree char *message = g_strdup_printf (
          _("Sale %s arrived twice under different events; the second copy (event %s) "
          "was not counted."), sale_id, event->event_id);
      return tn_store_raise_alert (store, TN_ALERT_P1, "sale-duplicate", event->event_id,
                                   message, error);
    }
  if (!tn_store_note_insert (store, "sales", row, G_N_ELEMENTS (row), error))
    return FALSE;

  return insert_lines (store, sale_id, tn_json_value_get_array (payload, "lines"), error) &&
         insert_payments (store, sale_id, tn_json_value_get_array (payload, "payments"),
                          error) &&
         tn_fiscal_record_document (store, event, TN_FISCAL_SALE, error);
}

static gboolean
apply_sale_voided (TnStore        *store,
                   const TnEvent  *event,
                   GError        **error)
{
  const char *sale_id = tn_event_get_string (event, "sale_id");
  g_autofree char *source_id = g_strconcat ("void:", sale_id, NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) qtys = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO voids (event_id, sale_id, reason, manager, hlc, origin) "
      "VALUES (?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, sale_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, tn_event_get_string (event, "reason"), -1, SQLITE_STATIC);
  tn_bind_text (stmt, 4, tn_event_get_string (event, "manager"));
  sqlite3_bind_int64 (stmt, 5, (gint64) event->hlc);
  sqlite3_bind_text (stmt, 6, event->origin, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;

  stmt = tn_store_stmt (store, "UPDATE sales SET voided = 1 WHERE sale_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;

  /* Return the goods.  The movement ids derive from the sale, not from
   * this event, so a second void of the same sale changes nothing. */
  stmt = tn_store_stmt (store,
      "SELECT sku, qty FROM sale_lines WHERE sale_id = ? ORDER BY line", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_STATIC);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      gint64 qty = sqlite3_column_int64 (stmt, 1);
      g_ptr_array_add (lines, g_strdup (tn_column_text (stmt, 0)));
      g_array_append_val (qtys, qty);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  for (guint i = 0; i < lines->len; i++)
    if (!tn_projection_move_stock (store, source_id, i + 1, lines->pdata[i],
                                   g_array_index (qtys, gint64, i), "void", NULL, event, error))
      return FALSE;

  return tn_fiscal_record_document (store, event, TN_FISCAL_VOID, error);
}

gboolean
tn_projection_apply_sale (TnStore        *store,
                          const TnEvent  *event,
                          GError        **error)
{
  if (event->type == TN_EVENT_SALE_CREATED)
    return apply_sale_created (store, event, error);
  return apply_sale_voided (store, event, error);
}
