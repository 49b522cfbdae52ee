/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Ringing up a sale: price the cart from the catalogue, total it in
 * integer minor units, number it and commit it in one transaction. */

#include "tn-operations.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-money.h"
#include "tn-store-private.h"

#define MAX_LINES 1000

typedef struct
{
  char   *sku;
  gint64  qty;
} CartLine;

typedef struct
{
  char   *method;
  char   *currency;
  gint64  amount;
} Payment;

struct _TnSaleRequest
{
  GArray *lines;      /* CartLine */
  GArray *payments;   /* Payment */
  char   *cashier;
  char   *customer;
};

static void
cart_line_clear (gpointer data)
{
  g_free (((CartLine *) data)->sku);
}

static void
payment_clear (gpointer data)
{
  Payment *payment = data;
  g_free (payment->method);
  g_free (payment->currency);
}

TnSaleRequest *
tn_sale_request_new (void)
{
  TnSaleRequest *request = g_new0 (TnSaleRequest, 1);

  request->lines = g_array_new (FALSE, TRUE, sizeof (CartLine));
  g_array_set_clear_func (request->lines, cart_line_clear);
  request->payments = g_array_new (FALSE, TRUE, sizeof (Payment));
  g_array_set_clear_func (request->payments, payment_clear);
  return request;
}

void
tn_sale_request_free (TnSaleRequest *request)
{
  if (request == NULL)
    return;
  g_array_unref (request->lines);
  g_array_unref (request->payments);
  g_free (request->cashier);
  g_free (request->customer);
  g_free (request);
}

void
tn_sale_request_add_line (TnSaleRequest *request,
                          const char    *sku,
                          gint64         qty_milli)
{
  CartLine line = { g_strdup (sku), qty_milli };
  g_array_append_val (request->lines, line);
}

void
tn_sale_request_add_payment (TnSaleRequest *request,
                             const char    *method,
                             const char    *currency,
                             gint64         amount)
{
  Payment payment = { g_strdup (method), g_strdup (currency), amount };
  g_array_append_val (request->payments, payment);
}

void
tn_sale_request_set_cashier (TnSaleRequest *request,
                             const char    *employee_id)
{
  g_free (request->cashier);
  request->cashier = g_strdup (employee_id);
}

void
tn_sale_request_set_customer (TnSaleRequest *request,
                              const char    *customer_id)
{
  g_free (request->customer);
  request->customer = g_strdup (customer_id);
}

void
tn_sale_receipt_free (TnSaleReceipt *receipt)
{
  if (receipt == NULL)
    return;
  g_free (receipt->sale_id);
  g_free (receipt->event_id);
  g_free (receipt->hash);
  g_free (receipt->fiscal_doc);
  g_free (receipt->currency);
  g_free (receipt->second_currency);
  g_strfreev (receipt->oversold);
  g_free (receipt);
}

/* Pricing ------------------------------------------------------------------ */

static JsonObject *
price_line (TnStore         *store,
            const CartLine  *line,
            TnLineAmounts   *amounts,
            GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  JsonObject *object;
  gint64 price;
  gint tax_bp;

  if (!tn_store_validate_sku (line->sku, error))
    return NULL;
  if (line->qty <= 0)
    {
      g_autofree char *qty = tn_quantity_format (line->qty);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The quantity of %s must be more than zero, not %s"), line->sku, qty);
      return NULL;
    }

  stmt = tn_store_stmt (store,
      "SELECT coalesce (name, sku), price, tax_bp, active FROM products WHERE sku = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, line->sku, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                     _("No product with SKU “%s”. Check the SKU or barcode, or add the product "
                     "first."), line->sku);
      return NULL;
    }
  if (sqlite3_column_type (stmt, 1) == SQLITE_NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Product %s has no price yet; set one before selling it"), line->sku);
      sqlite3_reset (stmt);
      return NULL;
    }
  if (sqlite3_column_int (stmt, 3) == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Product %s is no longer sold (it was deactivated)"), line->sku);
      sqlite3_reset (stmt);
      return NULL;
    }
  price = sqlite3_column_int64 (stmt, 1);
  tax_bp = sqlite3_column_int (stmt, 2);

  object = json_object_new ();
  json_object_set_string_member (object, "sku", line->sku);
  json_object_set_string_member (object, "name", tn_column_text (stmt, 0));
  sqlite3_reset (stmt);

  if (!tn_money_line_amounts (price, line->qty, tax_bp, tn_store_get_tax_inclusive (store),
                              amounts, error))
    {
      json_object_unref (object);
      return NULL;
    }
  json_object_set_int_member (object, "qty", line->qty);
  json_object_set_int_member (object, "unit_price", price);
  json_object_set_int_member (object, "tax_bp", tax_bp);
  json_object_set_int_member (object, "net", amounts->net);
  json_object_set_int_member (object, "tax", amounts->tax);
  json_object_set_int_member (object, "total", amounts->total);
  return object;
}

typedef struct
{
  char   *currency;
  gint64  rate_micro;
  guint   decimals;
} Rate;

static void
rate_clear (Rate *rate)
{
  g_clear_pointer (&rate->currency, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Rate, rate_clear)

/* The rate of @currency, or with NULL the store's second currency: the
 * one named in the "second-currency" setting, else the latest rate set. */
static gboolean
lookup_rate (TnStore     *store,
             const char  *currency,
             Rate        *out,
             GError     **error)
{
  g_autofree char *preferred = currency ? NULL : tn_store_get_setting (store, "second-currency");
  const char *wanted = currency ? currency : preferred;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  if (wanted != NULL)
    {
      stmt = tn_store_stmt (store,
          "SELECT currency, rate_micro, decimals FROM exchange_rates WHERE currency = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, wanted, -1, SQLITE_TRANSIENT);
    }
  else
    {
      stmt = tn_store_stmt (store,
          "SELECT currency, rate_micro, decimals FROM exchange_rates ORDER BY clock DESC LIMIT 1",
          error);
      if (stmt == NULL)
        return FALSE;
    }
  if (!tn_store_step_row (store, stmt, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (currency != NULL)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                       _("There is no exchange rate for %s: set one before taking payments in it"),
                       currency);
          return FALSE;
        }
      out->currency = NULL;
      return TRUE;
    }
  out->currency = g_strdup (tn_column_text (stmt, 0));
  out->rate_micro = sqlite3_column_int64 (stmt, 1);
  out->decimals = (guint) sqlite3_column_int (stmt, 2);
  sqlite3_reset (stmt);
  return TRUE;
}

/* Second-currency minor units → base minor units, rounded once. */
static gboolean
to_base (gint64       amount,
         const Rate  *rate,
         guint        base_decimals,
         gint64      *out,
         GError     **error)
{
  __int128 num = (__int128) amount * rate->rate_micro;
  __int128 den = 1000000;
  __int128 q;

  for (guint i = 0; i < base_decimals; i++)
    num *= 10;
  for (guint i = 0; i < rate->decimals; i++)
    den *= 10;
  q = num / den;
  if ((num % den) * 2 >= den)
    q++;
  if (q > G_MAXINT64 / 4)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE, _("The payment is too large"));
      return FALSE;
    }
  *out = (gint64) q;
  return TRUE;
}

/* Base minor units → minor units of @rate's currency, rounded up: the
 * smallest amount of it worth at least @amount_base. */
static gboolean
from_base_rounded_up (gint64       amount_base,
                      const Rate  *rate,
                      guint        base_decimals,
                      gint64      *out,
                      GError     **error)
{
  __int128 num = (__int128) amount_base * 1000000;
  __int128 den = rate->rate_micro;
  __int128 q;

  if (rate->rate_micro <= 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The exchange rate of %s is not usable: set it again"), rate->currency);
      return FALSE;
    }
  for (guint i = 0; i < rate->decimals; i++)
    num *= 10;
  for (guint i = 0; i < base_decimals; i++)
    den *= 10;
  q = num / den;
  if (num % den != 0)
    q++;
  if (q > G_MAXINT64 / 4)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE, _("The payment is too large"));
      return FALSE;
    }
  *out = (gint64) q;
  return TRUE;
}

static gboolean
check_payment_method (const char  *method,
                      GError     **error)
{
  if (g_strcmp0 (method, "cash") != 0 && g_strcmp0 (method, "card") != 0 &&
      g_strcmp0 (method, "transfer") != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a payment method: use cash, card or transfer"), method);
      return FALSE;
    }
  return TRUE;
}

/* The payments of the sale with their value in the base currency.  The
 * payments with an amount come first; a TN_SALE_PAY_REST one then takes
 * what they leave, in its currency rounded up, and is worth exactly that
 * rest (it is left out when nothing is left).  No payment at all means
 * the rest in cash. */
static JsonArray *
build_payments (TnStore         *store,
                TnSaleRequest   *request,
                gint64           total,
                gint64          *out_paid,
                gint64          *out_change,
                GError         **error)
{
  static const Payment cash_rest = { (char *) "cash", NULL, TN_SALE_PAY_REST };
  g_autoptr(JsonArray) payments = json_array_new ();
  const char *base = tn_store_get_currency (store);
  guint base_decimals = tn_store_get_decimals (store);
  guint n = MAX (request->payments->len, 1);
  g_autofree gint64 *amounts = g_new0 (gint64, n);
  g_autofree gint64 *amounts_base = g_new0 (gint64, n);
  const Payment *rest = NULL;
  guint rest_index = 0;
  gint64 paid = 0, cash = 0;

  for (guint i = 0; i < n; i++)
    {
      const Payment *p = request->payments->len > 0
                         ? &g_array_index (request->payments, Payment, i) : &cash_rest;
      const char *currency = p->currency ? p->currency : base;

      if (!check_payment_method (p->method, error))
        return NULL;
      if (p->amount == TN_SALE_PAY_REST)
        {
          if (rest != NULL)
            {
              g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                           _("Only one payment can pay the rest of the total"));
              return NULL;
            }
          rest = p;
          rest_index = i;
          continue;
        }
      if (p->amount <= 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("A payment must be more than zero"));
          return NULL;
        }
      amounts[i] = amounts_base[i] = p->amount;
      if (g_strcmp0 (currency, base) != 0)
        {
          g_auto(Rate) rate = { 0, };

          if (!lookup_rate (store, currency, &rate, error) ||
              !to_base (p->amount, &rate, base_decimals, &amounts_base[i], error))
            return NULL;
        }
      if (!tn_money_add (paid, amounts_base[i], &paid, error))
        return NULL;
      if (g_strcmp0 (p->method, "cash") == 0)
        cash += amounts_base[i];
    }

  if (rest != NULL && paid < total)
    {
      const char *currency = rest->currency ? rest->currency : base;

      amounts_base[rest_index] = amounts[rest_index] = total - paid;
      if (g_strcmp0 (currency, base) != 0)
        {
          g_auto(Rate) rate = { 0, };

          if (!lookup_rate (store, currency, &rate, error) ||
              !from_base_rounded_up (total - paid, &rate, base_decimals, &amounts[rest_index],
                                     error))
            return NULL;
        }
      if (g_strcmp0 (rest->method, "cash") == 0)
        cash += amounts_base[rest_index];
      paid = total;
    }

  for (guint i = 0; i < n; i++)
    {
      const Payment *p = request->payments->len > 0
                         ? &g_array_index (request->payments, Payment, i) : &cash_rest;
      g_autoptr(JsonObject) object = NULL;

      if (amounts[i] == 0)
        continue;   /* a rest with nothing left to pay */
      object = json_object_new ();
      json_object_set_string_member (object, "method", p->method);
      json_object_set_string_member (object, "currency", p->currency ? p->currency : base);
      json_object_set_int_member (object, "amount", amounts[i]);
      json_object_set_int_member (object, "amount_base", amounts_base[i]);
      json_array_add_object_element (payments, g_steal_pointer (&object));
    }

  if (paid < total)
    {
      g_autofree char *short_by = tn_money_format (total - paid, base_decimals);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The payment is %s %s short of the total"), short_by, base);
      return NULL;
    }
  if (paid - total > cash)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Only cash can give change: card and transfer payments may not exceed "
                   "what is left to pay"));
      return NULL;
    }
  *out_paid = paid;
  *out_change = paid - total;
  return g_steal_pointer (&payments);
}

/* SKUs whose stock this sale takes below zero: allowed, but flagged. */
static GStrv
find_oversold (TnStore        *store,
               TnSaleRequest  *request,
               GError        **error)
{
  g_autoptr(GHashTable) wanted = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < request->lines->len; i++)
    {
      CartLine *line = &g_array_index (request->lines, CartLine, i);
      gint64 *sum = g_hash_table_lookup (wanted, line->sku);

      if (sum == NULL)
        {
          sum = g_new0 (gint64, 1);
          g_hash_table_insert (wanted, line->sku, sum);
        }
      *sum += line->qty;
    }

  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 stock = 0;

      if (!tn_store_get_stock (store, key, &stock, error))
        return NULL;
      if (stock - *(gint64 *) value < 0)
        g_strv_builder_add (builder, key);
    }
  return g_strv_builder_end (builder);
}

static int
compare_strv (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static gboolean
check_request (TnSaleRequest  *request,
               GError        **error)
{
  if (request->lines->len == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The sale has no items"));
      return FALSE;
    }
  if (request->lines->len > MAX_LINES)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("A sale may have at most %d lines"), MAX_LINES);
      return FALSE;
    }
  return TRUE;
}

/* Prices the cart from the catalogue: the lines (added to @lines),
 * subtotal, tax and total, the total in the second currency (whose rate
 * lands in @rate) and the SKUs the sale would oversell.  What
 * tn_store_sell() commits and tn_store_quote_sale() shows. */
static gboolean
price_cart (TnStore         *store,
            TnSaleRequest   *request,
            JsonArray       *lines,
            Rate            *rate,
            TnSaleReceipt   *receipt,
            GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 subtotal = 0, tax = 0, total = 0;
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < request->lines->len; i++)
    {
      TnLineAmounts amounts;
      JsonObject *line = price_line (store, &g_array_index (request->lines, CartLine, i),
                                     &amounts, &local_error);

      ok = line != NULL;
      if (ok)
        {
          json_array_add_object_element (lines, line);
          ok = tn_money_add (subtotal, amounts.net, &subtotal, &local_error) &&
               tn_money_add (tax, amounts.tax, &tax, &local_error);
        }
    }
  ok = ok && tn_money_add (subtotal, tax, &total, &local_error);
  /* Each line is at most the total: one check keeps every amount of
   * the event within what validation accepts. */
  if (ok && (total > TN_AMOUNT_MAX || total < -TN_AMOUNT_MAX))
    {
      g_set_error_literal (&local_error, TN_ERROR, TN_ERROR_TOO_LARGE, "total");
      ok = FALSE;
    }
  if (!ok)
    {
      if (g_error_matches (local_error, TN_ERROR, TN_ERROR_TOO_LARGE))
        g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                     _("The sale’s total is too large to record: check the quantities and "
                       "prices of its items"));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  receipt->oversold = find_oversold (store, request, error);
  if (receipt->oversold == NULL)
    return FALSE;
  qsort (receipt->oversold, g_strv_length (receipt->oversold), sizeof (char *), compare_strv);
  if (!lookup_rate (store, NULL, rate, error))
    return FALSE;
  if (rate->currency != NULL)
    {
      if (!tn_money_convert (total, tn_store_get_decimals (store), rate->rate_micro,
                             rate->decimals, &receipt->second_total, error))
        return FALSE;
      receipt->second_currency = g_strdup (rate->currency);
      receipt->second_decimals = rate->decimals;
    }
  receipt->currency = g_strdup (tn_store_get_currency (store));
  receipt->subtotal = subtotal;
  receipt->tax = tax;
  receipt->total = total;
  return TRUE;
}

static TnSaleReceipt *
sell_locked (TnStore        *store,
             TnSaleRequest  *request,
             GError        **error)
{
  g_autoptr(TnSaleReceipt) receipt = g_new0 (TnSaleReceipt, 1);
  g_autoptr(JsonArray) lines = json_array_new ();
  g_autoptr(JsonArray) payments = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TnEvent) event = NULL;
  g_autofree char *session = NULL;
  g_auto(Rate) rate = { 0, };
  JsonNode *fiscal;
  JsonObject *fiscal_object;

  if (!price_cart (store, request, lines, &rate, receipt, error))
    return NULL;
  payments = build_payments (store, request, receipt->total, &receipt->paid, &receipt->change,
                             error);
  if (payments == NULL)
    return NULL;
  {
    g_autoptr(GError) local_error = NULL;
    session = tn_store_get_open_session (store, &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return NULL;
      }
  }

  fiscal = tn_fiscal_next_document (store, TN_FISCAL_SALE, error);
  if (fiscal == NULL)
    return NULL;
  fiscal_object = json_node_get_object (fiscal);

  receipt->sale_id = tn_uuid_new ();
  json_object_set_string_member (payload, "sale_id", receipt->sale_id);
  json_object_set_string_member (payload, "terminal", tn_store_get_terminal (store));
  if (request->cashier != NULL)
    json_object_set_string_member (payload, "cashier", request->cashier);
  if (session != NULL)
    json_object_set_string_member (payload, "session_id", session);
  if (request->customer != NULL)
    json_object_set_string_member (payload, "customer_id", request->customer);
  json_object_set_string_member (payload, "currency", receipt->currency);
  json_object_set_boolean_member (payload, "tax_inclusive", tn_store_get_tax_inclusive (store));
  json_object_set_array_member (payload, "lines", g_steal_pointer (&lines));
  json_object_set_int_member (payload, "subtotal", receipt->subtotal);
  json_object_set_int_member (payload, "tax", receipt->tax);
  json_object_set_int_member (payload, "total", receipt->total);
  json_object_set_array_member (payload, "payments", g_steal_pointer (&payments));
  json_object_set_int_member (payload, "change", receipt->change);
  if (rate.currency != NULL)
    {
      JsonObject *second = json_object_new ();

      json_object_set_string_member (second, "currency", rate.currency);
      json_object_set_int_member (second, "rate_micro", rate.rate_micro);
      json_object_set_int_member (second, "decimals", rate.decimals);
      json_object_set_int_member (second, "total", receipt->second_total);
      json_object_set_object_member (payload, "second", second);
    }
  if (receipt->oversold[0] != NULL)
    {
      JsonArray *oversold = json_array_new ();
      for (guint i = 0; receipt->oversold[i] != NULL; i++)
        json_array_add_string_element (oversold, receipt->oversold[i]);
      json_object_set_array_member (payload, "oversold", oversold);
    }

  receipt->fiscal_doc = g_strdup (json_object_get_string_member (fiscal_object, "doc"));
  receipt->fiscal_number = json_object_get_int_member (fiscal_object, "number");
  receipt->contingency = g_strcmp0 (json_object_get_string_member (fiscal_object, "series"),
                                    "contingency") == 0;
  json_object_set_member (payload, "fiscal", fiscal);

  json_node_set_object (node, payload);
  event = tn_store_append (store, TN_EVENT_SALE_CREATED, g_steal_pointer (&node), error);
  if (event == NULL)
    return NULL;

  receipt->event_id = g_strdup (event->event_id);
  receipt->hash = g_strdup (event->hash);
  return g_steal_pointer (&receipt);
}

TnSaleReceipt *
tn_store_sell (TnStore        *store,
               TnSaleRequest  *request,
               GError        **error)
{
  g_autoptr(TnSaleReceipt) receipt = NULL;

  if (!check_request (request, error))
    return NULL;
  if (!tn_store_begin (store, error))
    return NULL;
  receipt = sell_locked (store, request, error);
  if (receipt == NULL)
    {
      tn_store_rollback (store);
      return NULL;
    }
  if (!tn_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&receipt);
}

TnSaleReceipt *
tn_store_quote_sale (TnStore        *store,
                     TnSaleRequest  *request,
                     GError        **error)
{
  g_autoptr(TnSaleReceipt) receipt = g_new0 (TnSaleReceipt, 1);
  g_autoptr(JsonArray) lines = json_array_new ();
  g_auto(Rate) rate = { 0, };

  if (!check_request (request, error) ||
      !price_cart (store, request, lines, &rate, receipt, error))
    return NULL;
  return g_steal_pointer (&receipt);
}

/* Voids ------------------------------------------------------------------ */

static gboolean
void_locked (TnStore     *store,
             const char  *sale_id,
             const char  *reason,
             const char  *manager,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TnEvent) event = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT voided, fiscal_doc FROM sales WHERE sale_id = ?", error);
  JsonNode *fiscal;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sale_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                     _("No sale with id %s on this lane. Check the id on the receipt "
                     "(tendero-ctl export sales lists them)."), sale_id);
      return FALSE;
    }
  if (sqlite3_column_int (stmt, 0) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("Sale %s (receipt %s) is already void"), sale_id, tn_column_text (stmt, 1));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  fiscal = tn_fiscal_next_document (store, TN_FISCAL_VOID, error);
  if (fiscal == NULL)
    return FALSE;
  json_object_set_string_member (payload, "sale_id", sale_id);
  json_object_set_string_member (payload, "terminal", tn_store_get_terminal (store));
  json_object_set_string_member (payload, "reason", reason);
  if (manager != NULL)
    json_object_set_string_member (payload, "manager", manager);
  json_object_set_member (payload, "fiscal", fiscal);
  json_node_set_object (node, payload);
  event = tn_store_append (store, TN_EVENT_SALE_VOIDED, g_steal_pointer (&node), error);
  return event != NULL;
}

gboolean
tn_store_void_sale (TnStore     *store,
                    const char  *sale_id,
                    const char  *reason,
                    const char  *manager,
                    GError     **error)
{
  if (!tn_is_uuid (sale_id))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a sale id: it looks like 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"),
                   sale_id ? sale_id : "");
      return FALSE;
    }
  if (reason == NULL || *reason == '\0' || strlen (reason) > 1024)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Give a reason for the void (up to 1024 characters)"));
      return FALSE;
    }
  if (!tn_store_begin (store, error))
    return FALSE;
  if (!void_locked (store, sale_id, reason, manager, error))
    {
      tn_store_rollback (store);
      return FALSE;
    }
  return tn_store_commit (store, error);
}
