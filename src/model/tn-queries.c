/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Read-only views of the projections: the catalogue and its search, the
 * sales, the alerts (and their acknowledgement), the outbox, currency
 * decimals.  Dead letters are the store's (tn_store_list_dead_letters). */

#include "tn-queries.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-error.h"
#include "tn-store-private.h"

/* Words of a search that reach FTS5; the rest are ignored. */
#define MAX_SEARCH_WORDS 16
/* Matches of a search that are ranked (see search_products()). */
#define SEARCH_CANDIDATES 1000

/* Products --------------------------------------------------------------- */

/* The columns every product query selects, in this order. */
#define PRODUCT_COLUMNS \
  "p.id, p.sku, p.name, p.barcode, p.price, p.tax_bp, p.active, coalesce (s.qty, 0), " \
  "EXISTS (SELECT 1 FROM conflicts c WHERE c.sku = p.sku) "

void
tn_product_info_free (TnProductInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->sku);
  g_free (info->name);
  g_free (info->barcode);
  g_free (info);
}

static TnProductInfo *
product_from_row (sqlite3_stmt *stmt)
{
  TnProductInfo *info = g_new0 (TnProductInfo, 1);

  info->sku = g_strdup (tn_column_text (stmt, 1));
  info->name = g_strdup (tn_column_text (stmt, 2));
  info->barcode = g_strdup (tn_column_text (stmt, 3));
  info->price = sqlite3_column_type (stmt, 4) == SQLITE_NULL
                ? -1 : sqlite3_column_int64 (stmt, 4);
  info->tax_bp = sqlite3_column_int (stmt, 5);
  info->active = sqlite3_column_int (stmt, 6) != 0;
  info->stock = sqlite3_column_int64 (stmt, 7);
  info->in_conflict = sqlite3_column_int (stmt, 8) != 0;
  return info;
}

/* Adds the rows of @stmt to @products until it holds @limit (0: no
 * limit), skipping the ids in @skip (may be NULL) and adding the others
 * to it.  Always leaves @stmt reset, so no read stays open. */
static gboolean
collect_products (TnStore     *store,
                  sqlite3_stmt *stmt,
                  GPtrArray   *products,
                  guint        limit,
                  GHashTable  *skip,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  while ((limit == 0 || products->len < limit) &&
         tn_store_step_row (store, stmt, &local_error))
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      if (skip != NULL)
        {
          if (g_hash_table_contains (skip, &id))
            continue;
          g_hash_table_add (skip, g_memdup2 (&id, sizeof id));
        }
      g_ptr_array_add (products, product_from_row (stmt));
    }
  sqlite3_reset (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* An FTS5 query that cannot be a syntax error: the words of @text, each
 * a quoted prefix query ("caf"* "mol"*), all required.  A word is a run
 * of letters, digits and marks, as the unicode61 tokenizer sees it;
 * everything else (quotes, *, ^, :, parentheses, +, -) separates words.
 * NULL when @text has no word. */
static char *
build_match_query (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  gboolean in_word = FALSE;
  guint words = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c) || g_unichar_ismark (c))
        {
          if (!in_word)
            {
              if (words == MAX_SEARCH_WORDS)
                break;
              g_string_append (query, words > 0 ? " \"" : "\"");
              words++;
              in_word = TRUE;
            }
          g_string_append_len (query, p, g_utf8_next_char (p) - p);
        }
      else if (in_word)
        {
          g_string_append (query, "\"*");
          in_word = FALSE;
        }
    }
  if (in_word)
    g_string_append (query, "\"*");
  if (words == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

static gboolean
list_all_products (TnStore    *store,
                   guint       limit,
                   GPtrArray  *products,
                   GError    **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT " PRODUCT_COLUMNS
      "FROM products p LEFT JOIN stock s ON s.sku = p.sku ORDER BY p.sku LIMIT ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
  return collect_products (store, stmt, products, limit, NULL, error);
}

static gboolean
search_products (TnStore     *store,
                 const char  *search,
                 guint        limit,
                 GPtrArray   *products,
                 GError     **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                      g_free, NULL);
  g_autofree char *exact = g_strstrip (g_strdup (search));
  g_autofree char *match = NULL;
  sqlite3_stmt *stmt;

  /* A scanned barcode or a typed SKU: the product itself first. */
  if (*exact != '\0')
    {
      stmt = tn_store_stmt (store,
          "SELECT " PRODUCT_COLUMNS
          "FROM products p LEFT JOIN stock s ON s.sku = p.sku "
          "WHERE p.barcode = ?1 OR p.sku = ?1 ORDER BY p.sku = ?1 DESC, p.sku", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, exact, -1, SQLITE_STATIC);
      if (!collect_products (store, stmt, products, limit, seen, error))
        return FALSE;
    }

  /* A code typed so far (a SKU or barcode prefix): FTS5 has prefix
   * indexes for 2 and 3 characters only, and a longer prefix shared by
   * 100,000 codes costs tens of milliseconds there, against a fraction
   * of one on the B-tree indexes. */
  if (*exact != '\0' && strpbrk (exact, " \t") == NULL &&
      (limit == 0 || products->len < limit))
    {
      g_autofree char *upper = g_utf8_strup (exact, -1);

      stmt = tn_store_stmt (store,
          "SELECT " PRODUCT_COLUMNS
          "FROM products p LEFT JOIN stock s ON s.sku = p.sku "
          "WHERE p.id IN (SELECT id FROM (SELECT id FROM products WHERE sku >= ?1 "
          "    AND sku < ?1 || char (1114111) ORDER BY sku LIMIT ?3) "
          "  UNION SELECT id FROM (SELECT id FROM products WHERE sku >= ?2 "
          "    AND sku < ?2 || char (1114111) ORDER BY sku LIMIT ?3) "
          "  UNION SELECT id FROM (SELECT id FROM products WHERE barcode >= ?1 "
          "    AND barcode < ?1 || char (1114111) ORDER BY barcode LIMIT ?3)) "
          "ORDER BY p.sku LIMIT ?3", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, exact, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, upper, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
      if (!collect_products (store, stmt, products, limit, seen, error))
        return FALSE;
    }

  match = build_match_query (search);
  if (match == NULL || (limit > 0 && products->len >= limit))
    return TRUE;

  /* The best @limit of the first SEARCH_CANDIDATES matches: ranking
   * every match of a one-letter prefix in a large catalogue costs ~100 ms
   * per keystroke, ranking a bounded set a millisecond or two, and once
   * the text is specific enough all its matches are candidates.  The
   * products listed above are among them at most once each, so asking
   * for @limit is enough. */
  stmt = tn_store_stmt (store,
      "SELECT " PRODUCT_COLUMNS
      "FROM (SELECT rowid, rank FROM products_fts WHERE products_fts MATCH ?1 LIMIT ?2) m "
      "JOIN products p ON p.id = m.rowid LEFT JOIN stock s ON s.sku = p.sku "
      "ORDER BY m.rank, p.sku LIMIT ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) MAX (limit, SEARCH_CANDIDATES) : -1);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return collect_products (store, stmt, products, limit, seen, error);
}

GPtrArray *
tn_store_list_products (TnStore     *store,
                        const char  *search,
                        guint        limit,
                        GError     **error)
{
  g_autoptr(GPtrArray) products = NULL;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  products = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_product_info_free);
  if (search == NULL ? !list_all_products (store, limit, products, error)
                     : !search_products (store, search, limit, products, error))
    return NULL;
  return g_steal_pointer (&products);
}

/* Sales ------------------------------------------------------------------- */

static void
payment_info_free (TnPaymentInfo *info)
{
  g_free (info->method);
  g_free (info->currency);
  g_free (info);
}

static void
sale_info_clear (TnSaleInfo *info)
{
  g_clear_pointer (&info->sale_id, g_free);
  g_clear_pointer (&info->terminal, g_free);
  g_clear_pointer (&info->fiscal_doc, g_free);
  g_clear_pointer (&info->currency, g_free);
  g_clear_pointer (&info->payments, g_ptr_array_unref);
  g_clear_pointer (&info->cashier, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TnSaleInfo, sale_info_clear)

static gboolean
read_payments (TnStore     *store,
               TnSaleInfo  *sale,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT method, currency, amount FROM payments WHERE sale_id = ? ORDER BY idx", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sale->sale_id, -1, SQLITE_STATIC);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      TnPaymentInfo *payment = g_new0 (TnPaymentInfo, 1);

      payment->method = g_strdup (tn_column_text (stmt, 0));
      payment->currency = g_strdup (tn_column_text (stmt, 1));
      payment->amount = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (sale->payments, payment);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_store_foreach_sale (TnStore     *store,
                       gint64       since_hlc,
                       TnSaleFunc   func,
                       gpointer     user_data,
                       GError     **error)
{
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  int rc = SQLITE_DONE;

  g_return_val_if_fail (TN_IS_STORE (store), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Not a cached statement: it stays open across the callbacks, which
   * may themselves query the store (even run another foreach). */
  db = tn_store_get_db (store);
  if (sqlite3_prepare_v2 (db,
          "SELECT s.sale_id, s.hlc, s.terminal, s.fiscal_doc, s.currency, s.subtotal, s.tax, "
          "       s.total, s.change, s.voided, coalesce (e.name, s.cashier) "
          "FROM sales s LEFT JOIN employees e ON e.employee_id = s.cashier "
          "WHERE s.hlc >= ? ORDER BY s.hlc, s.sale_id", -1, &stmt, NULL) != SQLITE_OK)
    return tn_store_set_db_error (store, error, "Reading the sales failed");
  sqlite3_bind_int64 (stmt, 1, since_hlc);

  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_auto(TnSaleInfo) sale = {
        .sale_id = g_strdup (tn_column_text (stmt, 0)),
        .hlc = sqlite3_column_int64 (stmt, 1),
        .terminal = g_strdup (tn_column_text (stmt, 2)),
        .fiscal_doc = g_strdup (tn_column_text (stmt, 3)),
        .currency = g_strdup (tn_column_text (stmt, 4)),
        .subtotal = sqlite3_column_int64 (stmt, 5),
        .tax = sqlite3_column_int64 (stmt, 6),
        .total = sqlite3_column_int64 (stmt, 7),
        .change = sqlite3_column_int64 (stmt, 8),
        .voided = sqlite3_column_int (stmt, 9) != 0,
        .payments = g_ptr_array_new_with_free_func ((GDestroyNotify) payment_info_free),
        .cashier = g_strdup (tn_column_text (stmt, 10)),
      };
      g_autoptr(GError) func_error = NULL;

      if (!read_payments (store, &sale, error))
        {
          sqlite3_finalize (stmt);
          return FALSE;
        }
      ok = func (&sale, user_data, &func_error);
      if (func_error != NULL)
        {
          sqlite3_finalize (stmt);
          g_propagate_error (error, g_steal_pointer (&func_error));
          return FALSE;
        }
    }
  if (ok && rc != SQLITE_DONE)
    {
      tn_store_set_db_error (store, error, "Reading the sales failed");
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  return TRUE;
}

/* Alerts ------------------------------------------------------------------ */

void
tn_alert_info_free (TnAlertInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->kind);
  g_free (info->event_id);
  g_free (info->message);
  g_free (info);
}

gboolean
tn_store_count_alerts (TnStore  *store,
                       gint64    counts[3],
                       GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TN_IS_STORE (store), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  stmt = tn_store_stmt (store,
      "SELECT priority, count (*) FROM alerts WHERE acknowledged = 0 GROUP BY priority",
      error);
  if (stmt == NULL)
    return FALSE;
  counts[TN_ALERT_P0] = counts[TN_ALERT_P1] = counts[TN_ALERT_P2] = 0;
  while (tn_store_step_row (store, stmt, &local_error))
    {
      int priority = sqlite3_column_int (stmt, 0);

      if (priority >= TN_ALERT_P0 && priority <= TN_ALERT_P2)
        counts[priority] = sqlite3_column_int64 (stmt, 1);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
tn_store_list_alerts (TnStore   *store,
                      gboolean   unacknowledged_only,
                      GError   **error)
{
  g_autoptr(GPtrArray) alerts = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);

  stmt = tn_store_stmt (store,
      "SELECT id, priority, kind, event_id, message, created_at FROM alerts "
      "WHERE acknowledged = 0 OR NOT ? ORDER BY priority, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, unacknowledged_only ? 1 : 0);
  alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_alert_info_free);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      TnAlertInfo *alert = g_new0 (TnAlertInfo, 1);

      alert->id = sqlite3_column_int64 (stmt, 0);
      alert->priority = (TnAlertPriority) sqlite3_column_int (stmt, 1);
      alert->kind = g_strdup (tn_column_text (stmt, 2));
      alert->event_id = g_strdup (tn_column_text (stmt, 3));
      alert->message = g_strdup (tn_column_text (stmt, 4));
      alert->created_at = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (alerts, alert);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&alerts);
}

gboolean
tn_store_acknowledge_alert (TnStore  *store,
                            gint64    id,
                            GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TN_IS_STORE (store), FALSE);

  stmt = tn_store_stmt (store, "UPDATE alerts SET acknowledged = 1 WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (tn_store_get_db (store)) == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                   _("There is no alert number %" PRId64 " on this lane"), id);
      return FALSE;
    }
  return TRUE;
}

/* Sync bookkeeping ---------------------------------------------------------- */

void
tn_outbox_entry_free (TnOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->event_id);
  g_free (entry->type);
  g_free (entry->last_error);
  g_free (entry);
}

GPtrArray *
tn_store_list_pending_events (TnStore  *store,
                              guint     limit,
                              GError  **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);

  /* The outbox_status index gives the pending rows in seq order. */
  stmt = tn_store_stmt (store,
      "SELECT o.seq, o.event_id, e.type, o.status, o.attempts, o.created_at, o.last_error "
      "FROM outbox o JOIN events e ON e.event_id = o.event_id "
      "WHERE o.status = 0 ORDER BY o.seq LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit == 0 ? -1 : (gint64) limit);
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_outbox_entry_free);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      TnOutboxEntry *entry = g_new0 (TnOutboxEntry, 1);

      entry->seq = sqlite3_column_int64 (stmt, 0);
      entry->event_id = g_strdup (tn_column_text (stmt, 1));
      entry->type = g_strdup (tn_column_text (stmt, 2));
      entry->status = (TnOutboxStatus) sqlite3_column_int (stmt, 3);
      entry->attempts = sqlite3_column_int64 (stmt, 4);
      entry->created_at = sqlite3_column_int64 (stmt, 5);
      entry->last_error = g_strdup (tn_column_text (stmt, 6));
      g_ptr_array_add (entries, entry);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* Currencies ------------------------------------------------------------- */

guint
tn_store_get_currency_decimals (TnStore    *store,
                                const char *currency)
{
  sqlite3_stmt *stmt;
  guint decimals = 2;

  g_return_val_if_fail (TN_IS_STORE (store), 2);

  if (currency == NULL || g_strcmp0 (currency, tn_store_get_currency (store)) == 0)
    return tn_store_get_decimals (store);

  stmt = tn_store_stmt (store, "SELECT decimals FROM exchange_rates WHERE currency = ?", NULL);
  if (stmt == NULL)
    return decimals;
  sqlite3_bind_text (stmt, 1, currency, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    decimals = (guint) CLAMP (sqlite3_column_int (stmt, 0), 0, 4);
  sqlite3_reset (stmt);
  return decimals;
}
