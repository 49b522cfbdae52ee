/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "tn-error.h"
#include "tn-money.h"

/* Read-only reports the model has no public function for yet: the
 * product list with stock, the sales export, alert counts.  They read
 * the projection tables over a separate read-only connection, so they
 * can never change the store.  Each query here should move into the
 * model as a public function; until then this file is the one place in
 * tendero-ctl that knows the schema. */

static sqlite3 *
get_readonly_db (TnCtl   *ctl,
                 GError **error)
{
  sqlite3 *db = NULL;

  if (ctl->readonly_db != NULL)
    return ctl->readonly_db;

  if (sqlite3_open_v2 (tn_store_get_path (ctl->store), &db,
                       SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Cannot read the database %s: %s"),
                   tn_store_get_path (ctl->store), db ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 10000);
  ctl->readonly_db = db;
  return db;
}

static sqlite3_stmt *
prepare (TnCtl       *ctl,
         const char  *sql,
         GError     **error)
{
  sqlite3 *db = get_readonly_db (ctl, error);
  sqlite3_stmt *stmt = NULL;

  if (db == NULL)
    return NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Reading the database failed: %s"),
                   sqlite3_errmsg (db));
      return NULL;
    }
  return stmt;
}

/* Steps @stmt: TRUE with a row, FALSE at the end or (with @error) on a
 * failure. */
static gboolean
step_row (TnCtl         *ctl,
          sqlite3_stmt  *stmt,
          GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Reading the database failed: %s"),
                 sqlite3_errmsg (ctl->readonly_db));
  return FALSE;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

gboolean
tn_ctl_query_products (TnCtl             *ctl,
                       TnCtlProductFunc   func,
                       gpointer           user_data,
                       GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = prepare (ctl,
      "SELECT p.sku, p.name, p.barcode, p.price, p.tax_bp, p.active, "
      "       COALESCE (s.qty, 0), "
      "       EXISTS (SELECT 1 FROM conflicts c WHERE c.sku = p.sku) "
      "FROM products p LEFT JOIN stock s ON s.sku = p.sku ORDER BY p.sku", error);
  gboolean ok = TRUE;

  if (stmt == NULL)
    return FALSE;
  while (ok && step_row (ctl, stmt, &local_error))
    {
      TnCtlProductRow row = {
        .sku = column_text (stmt, 0),
        .name = column_text (stmt, 1),
        .barcode = column_text (stmt, 2),
        .has_price = sqlite3_column_type (stmt, 3) != SQLITE_NULL,
        .price = sqlite3_column_int64 (stmt, 3),
        .tax_bp = sqlite3_column_int (stmt, 4),
        .active = sqlite3_column_int (stmt, 5) != 0,
        .stock_milli = sqlite3_column_int64 (stmt, 6),
        .conflict = sqlite3_column_int (stmt, 7) != 0,
      };

      ok = func (&row, user_data, error);
    }
  sqlite3_finalize (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return ok;
}

static gboolean
read_payments (TnCtl         *ctl,
               sqlite3_stmt  *stmt,
               const char    *sale_id,
               GArray        *payments,
               GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  g_array_set_size (payments, 0);
  sqlite3_reset (stmt);
  sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_TRANSIENT);
  while (step_row (ctl, stmt, &local_error))
    {
      TnCtlPaymentRow payment = {
        .method = g_strdup (column_text (stmt, 0)),
        .currency = g_strdup (column_text (stmt, 1)),
        .amount = sqlite3_column_int64 (stmt, 2),
      };

      g_array_append_val (payments, payment);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
clear_payment (gpointer data)
{
  TnCtlPaymentRow *payment = data;

  g_free ((char *) payment->method);
  g_free ((char *) payment->currency);
}

gboolean
tn_ctl_query_sales (TnCtl          *ctl,
                    TnCtlSaleFunc   func,
                    gpointer        user_data,
                    GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) payments = g_array_new (FALSE, TRUE, sizeof (TnCtlPaymentRow));
  sqlite3_stmt *stmt;
  sqlite3_stmt *payment_stmt;
  gboolean ok = TRUE;

  g_array_set_clear_func (payments, clear_payment);
  stmt = prepare (ctl,
      "SELECT sale_id, hlc, terminal, fiscal_doc, currency, subtotal, tax, total, change, "
      "       voided "
      "FROM sales ORDER BY hlc, sale_id", error);
  if (stmt == NULL)
    return FALSE;
  payment_stmt = prepare (ctl,
      "SELECT method, currency, amount FROM payments WHERE sale_id = ? ORDER BY idx", error);
  if (payment_stmt == NULL)
    {
      sqlite3_finalize (stmt);
      return FALSE;
    }

  while (ok && step_row (ctl, stmt, &local_error))
    {
      TnCtlSaleRow row = {
        .sale_id = column_text (stmt, 0),
        .hlc = (guint64) sqlite3_column_int64 (stmt, 1),
        .terminal = column_text (stmt, 2),
        .fiscal_doc = column_text (stmt, 3),
        .currency = column_text (stmt, 4),
        .subtotal = sqlite3_column_int64 (stmt, 5),
        .tax = sqlite3_column_int64 (stmt, 6),
        .total = sqlite3_column_int64 (stmt, 7),
        .change = sqlite3_column_int64 (stmt, 8),
        .voided = sqlite3_column_int (stmt, 9) != 0,
        .payments = payments,
      };

      ok = read_payments (ctl, payment_stmt, row.sale_id, payments, error) &&
           func (&row, user_data, error);
    }
  sqlite3_finalize (payment_stmt);
  sqlite3_finalize (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return ok;
}

gboolean
tn_ctl_query_cart_total (TnCtl      *ctl,
                         GPtrArray  *skus,
                         GArray     *qtys,
                         gint64     *out_total,
                         GError    **error)
{
  sqlite3_stmt *stmt = prepare (ctl, "SELECT price, tax_bp FROM products WHERE sku = ?", error);
  gint64 subtotal = 0, tax = 0;
  gboolean priced = TRUE;

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; priced && i < skus->len; i++)
    {
      TnLineAmounts amounts;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, skus->pdata[i], -1, SQLITE_TRANSIENT);
      priced = sqlite3_step (stmt) == SQLITE_ROW &&
               sqlite3_column_type (stmt, 0) != SQLITE_NULL &&
               tn_money_line_amounts (sqlite3_column_int64 (stmt, 0),
                                      g_array_index (qtys, gint64, i),
                                      sqlite3_column_int (stmt, 1),
                                      tn_store_get_tax_inclusive (ctl->store),
                                      &amounts, NULL) &&
               tn_money_add (subtotal, amounts.net, &subtotal, NULL) &&
               tn_money_add (tax, amounts.tax, &tax, NULL);
    }
  sqlite3_finalize (stmt);
  return priced && tn_money_add (subtotal, tax, out_total, NULL);
}

gboolean
tn_ctl_query_alert_counts (TnCtl    *ctl,
                           gint64   *out_p0,
                           gint64   *out_p1,
                           GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = prepare (ctl,
      "SELECT priority, COUNT (*) FROM alerts WHERE acknowledged = 0 GROUP BY priority",
      error);

  if (stmt == NULL)
    return FALSE;
  *out_p0 = *out_p1 = 0;
  while (step_row (ctl, stmt, &local_error))
    {
      switch (sqlite3_column_int (stmt, 0))
        {
        case TN_ALERT_P0:
          *out_p0 = sqlite3_column_int64 (stmt, 1);
          break;
        case TN_ALERT_P1:
          *out_p1 = sqlite3_column_int64 (stmt, 1);
          break;
        default:
          break;
        }
    }
  sqlite3_finalize (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

guint
tn_ctl_query_currency_decimals (TnCtl      *ctl,
                                const char *currency)
{
  sqlite3_stmt *stmt;
  guint decimals = 2;

  if (g_strcmp0 (currency, tn_store_get_currency (ctl->store)) == 0)
    return tn_store_get_decimals (ctl->store);

  stmt = prepare (ctl, "SELECT decimals FROM exchange_rates WHERE currency = ?", NULL);
  if (stmt == NULL)
    return decimals;
  sqlite3_bind_text (stmt, 1, currency, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    decimals = (guint) CLAMP (sqlite3_column_int (stmt, 0), 0, 4);
  sqlite3_finalize (stmt);
  return decimals;
}

void
tn_ctl_queries_close (TnCtl *ctl)
{
  if (ctl->readonly_db != NULL)
    sqlite3_close (ctl->readonly_db);
  ctl->readonly_db = NULL;
}
