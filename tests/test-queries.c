/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The model's read API (tn-queries.h) and sale quotes: listing and
 * searching the catalogue, streaming the sales, alerts, currency
 * decimals, tn_store_quote_sale() and TN_SALE_PAY_REST. */

#include <string.h>

#include "tn-error.h"
#include "tn-operations.h"
#include "tn-queries.h"
#include "tn-test-util.h"

/* Helpers ------------------------------------------------------------------ */

typedef struct
{
  char    *dir;
  TnStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  fx->dir = tn_test_mkdtemp ();
  fx->store = tn_test_store_new (fx->dir, "L1", TRUE, TRUE);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_object (&fx->store);
  tn_test_rmdir (fx->dir);
  g_free (fx->dir);
}

static void
add_product (TnStore    *store,
             const char *sku,
             const char *name,
             const char *barcode,
             gint64      price,
             gint        tax_bp)
{
  g_autoptr(GError) error = NULL;
  TnProductSpec spec = { sku, name, price, tax_bp, barcode };

  tn_store_add_product (store, &spec, &error);
  g_assert_no_error (error);
}

static GPtrArray *
list_products (TnStore    *store,
               const char *search,
               guint       limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *products = tn_store_list_products (store, search, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (products);
  return products;
}

/* The SKUs of @products joined with spaces, for one comparison. */
static char *
skus_of (GPtrArray *products)
{
  g_autoptr(GString) skus = g_string_new (NULL);

  for (guint i = 0; i < products->len; i++)
    g_string_append_printf (skus, "%s%s", i > 0 ? " " : "",
                            ((TnProductInfo *) products->pdata[i])->sku);
  return g_string_free (g_steal_pointer (&skus), FALSE);
}

static char *
search_skus (TnStore    *store,
             const char *search,
             guint       limit)
{
  g_autoptr(GPtrArray) products = list_products (store, search, limit);

  return skus_of (products);
}

static gboolean
contains_sku (GPtrArray  *products,
              const char *sku)
{
  for (guint i = 0; i < products->len; i++)
    if (g_str_equal (((TnProductInfo *) products->pdata[i])->sku, sku))
      return TRUE;
  return FALSE;
}

static TnSaleReceipt *
sell (TnStore       *store,
      TnSaleRequest *request)
{
  g_autoptr(GError) error = NULL;
  TnSaleReceipt *receipt = tn_store_sell (store, request, &error);

  g_assert_no_error (error);
  g_assert_nonnull (receipt);
  return receipt;
}

static gint64
event_count (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_store_get_version_vector (store, &error);

  g_assert_no_error (error);
  return tn_version_vector_total (vv);
}

/* Every sale as TnSaleInfo copies, via tn_store_foreach_sale(). */
typedef struct
{
  GPtrArray *ids;          /* char *, in the order visited */
  GPtrArray *payments;     /* char * "method currency amount; …", per sale */
  GArray    *hlcs;         /* gint64 */
  GArray    *voided;       /* gboolean */
  guint      stop_after;   /* 0: never */
  gboolean   fail;
  GPtrArray *cashiers;     /* char *, "(none)" for NULL; not owned, may be NULL */
} SaleLog;

static void
sale_log_clear (SaleLog *log)
{
  g_clear_pointer (&log->ids, g_ptr_array_unref);
  g_clear_pointer (&log->payments, g_ptr_array_unref);
  g_clear_pointer (&log->hlcs, g_array_unref);
  g_clear_pointer (&log->voided, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SaleLog, sale_log_clear)

static void
sale_log_init (SaleLog *log)
{
  log->ids = g_ptr_array_new_with_free_func (g_free);
  log->payments = g_ptr_array_new_with_free_func (g_free);
  log->hlcs = g_array_new (FALSE, FALSE, sizeof (gint64));
  log->voided = g_array_new (FALSE, FALSE, sizeof (gboolean));
}

static gboolean
log_sale (const TnSaleInfo  *sale,
          gpointer           user_data,
          GError           **error)
{
  SaleLog *log = user_data;
  g_autoptr(GString) payments = g_string_new (NULL);

  if (log->fail)
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_FAILED, "stop here");
      return FALSE;
    }
  g_assert_true (tn_is_uuid (sale->sale_id));
  g_assert_cmpstr (sale->terminal, ==, "L1");
  g_assert_cmpstr (sale->currency, ==, "USD");
  g_assert_nonnull (sale->fiscal_doc);
  g_assert_cmpint (sale->subtotal + sale->tax, ==, sale->total);
  for (guint i = 0; i < sale->payments->len; i++)
    {
      const TnPaymentInfo *p = sale->payments->pdata[i];

      g_string_append_printf (payments, "%s%s %s %" G_GINT64_FORMAT, i > 0 ? "; " : "",
                              p->method, p->currency, p->amount);
    }
  g_ptr_array_add (log->ids, g_strdup (sale->sale_id));
  g_ptr_array_add (log->payments, g_string_free (g_steal_pointer (&payments), FALSE));
  g_array_append_val (log->hlcs, sale->hlc);
  g_array_append_val (log->voided, sale->voided);
  if (log->cashiers != NULL)
    g_ptr_array_add (log->cashiers, g_strdup (sale->cashier != NULL ? sale->cashier : "(none)"));
  return log->stop_after == 0 || log->ids->len < log->stop_after;
}

/* Products ------------------------------------------------------------------ */

static void
test_products_all (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *first_two = NULL;
  TnProductInfo *info;

  add_product (fx->store, "C3", "Cheese", NULL, 725, 800);
  add_product (fx->store, "A1", "Café molido", "7501234567890", 350, 1600);
  add_product (fx->store, "B2", "Bread", NULL, 99, 0);
  tn_store_receive_stock (fx->store, "A1", 2500, "delivery", &error);
  g_assert_no_error (error);
  tn_store_update_product (fx->store, "B2", NULL, NULL, -1, 0, &error);
  g_assert_no_error (error);
  /* A price in conflict: no price, and a conflict row naming the SKU. */
  tn_test_sql (fx->store, "UPDATE products SET price = NULL WHERE sku = 'C3';"
                          "INSERT INTO conflicts (sku, field, opened_hlc) VALUES ('C3', 'price', 1)");

  all = list_products (fx->store, NULL, 0);
  g_assert_cmpuint (all->len, ==, 3);

  info = all->pdata[0];
  g_assert_cmpstr (info->sku, ==, "A1");
  g_assert_cmpstr (info->name, ==, "Café molido");
  g_assert_cmpstr (info->barcode, ==, "7501234567890");
  g_assert_cmpint (info->price, ==, 350);
  g_assert_cmpint (info->tax_bp, ==, 1600);
  g_assert_true (info->active);
  g_assert_cmpint (info->stock, ==, 2500);
  g_assert_false (info->in_conflict);

  info = all->pdata[1];
  g_assert_cmpstr (info->sku, ==, "B2");
  g_assert_null (info->barcode);
  g_assert_false (info->active);
  g_assert_cmpint (info->stock, ==, 0);

  info = all->pdata[2];
  g_assert_cmpstr (info->sku, ==, "C3");
  g_assert_cmpint (info->price, ==, -1);
  g_assert_true (info->in_conflict);

  first_two = search_skus (fx->store, NULL, 2);
  g_assert_cmpstr (first_two, ==, "A1 B2");
}

static void
test_search_barcode (Fixture       *fx,
                     gconstpointer  data)
{
  g_autofree char *found = NULL;
  g_autofree char *spaced = NULL;

  /* Its barcode also appears in another product's name and SKU. */
  add_product (fx->store, "GIFT-7501234567890", "7501234567890 gift box", NULL, 900, 0);
  add_product (fx->store, "Z9", "Café molido", "7501234567890", 350, 1600);
  add_product (fx->store, "Z8", "Other", "7501234567891", 100, 0);

  found = search_skus (fx->store, "7501234567890", 0);
  g_assert_cmpstr (found, ==, "Z9 GIFT-7501234567890");
  /* A scanner may add a newline. */
  spaced = search_skus (fx->store, " 7501234567890\n", 1);
  g_assert_cmpstr (spaced, ==, "Z9");
}

static void
test_search_sku (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *skus = NULL;

  add_product (fx->store, "AB-100", "Apple juice", NULL, 250, 0);
  add_product (fx->store, "AB-1000", "Apple pie", NULL, 450, 0);
  add_product (fx->store, "CD-1", "AB-100 refill", NULL, 150, 0);

  found = list_products (fx->store, "AB-100", 0);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpstr (((TnProductInfo *) found->pdata[0])->sku, ==, "AB-100");
  g_assert_true (contains_sku (found, "CD-1"));
  /* The exact match is listed once, not again among the text matches. */
  for (guint i = 1; i < found->len; i++)
    g_assert_cmpstr (((TnProductInfo *) found->pdata[i])->sku, !=, "AB-100");

  skus = search_skus (fx->store, "CD-1", 1);
  g_assert_cmpstr (skus, ==, "CD-1");
}

/* A code typed so far — SKU in any case, or barcode — lists the
 * products whose code starts with it, in code order. */
static void
test_search_code_prefix (Fixture       *fx,
                         gconstpointer  data)
{
  g_autofree char *sku_lower = NULL;
  g_autofree char *barcode = NULL;
  g_autofree char *limited = NULL;

  add_product (fx->store, "SKU0002", "Rice", "7790000000002", 150, 0);
  add_product (fx->store, "SKU0001", "Milk", "7790000000001", 120, 0);
  add_product (fx->store, "SKU1000", "Tea", "7791000000000", 300, 0);

  sku_lower = search_skus (fx->store, "sku000", 0);
  g_assert_cmpstr (sku_lower, ==, "SKU0001 SKU0002");
  barcode = search_skus (fx->store, "77900", 0);
  g_assert_cmpstr (barcode, ==, "SKU0001 SKU0002");
  limited = search_skus (fx->store, "SKU", 2);
  g_assert_cmpstr (limited, ==, "SKU0001 SKU0002");
}

static void
test_search_prefix (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cafe = NULL;
  g_autofree char *accented = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *two_words = NULL;
  g_autofree char *reversed = NULL;
  g_autofree char *none = NULL;
  g_autofree char *renamed_old = NULL;
  g_autofree char *renamed_new = NULL;

  add_product (fx->store, "P1", "Café molido", NULL, 350, 0);
  add_product (fx->store, "P2", "Cafetera italiana", NULL, 2500, 0);
  add_product (fx->store, "P3", "Azúcar morena", NULL, 120, 0);
  add_product (fx->store, "P4", "Té verde", NULL, 300, 0);

  cafe = search_skus (fx->store, "cafe", 0);
  g_assert_true (strstr (cafe, "P1") != NULL);
  g_assert_true (strstr (cafe, "P2") != NULL);
  g_assert_null (strstr (cafe, "P3"));
  accented = search_skus (fx->store, "café", 0);
  g_assert_true (strstr (accented, "P1") != NULL);
  upper = search_skus (fx->store, "AZUC", 0);
  g_assert_cmpstr (upper, ==, "P3");
  two_words = search_skus (fx->store, "caf mol", 0);
  g_assert_cmpstr (two_words, ==, "P1");
  reversed = search_skus (fx->store, "molido  CAF", 0);
  g_assert_cmpstr (reversed, ==, "P1");
  none = search_skus (fx->store, "cafe verde", 0);
  g_assert_cmpstr (none, ==, "");

  /* The index follows a rename. */
  tn_store_update_product (fx->store, "P4", "Tisana de manzanilla", NULL, -1, -1, &error);
  g_assert_no_error (error);
  renamed_old = search_skus (fx->store, "verde", 0);
  g_assert_cmpstr (renamed_old, ==, "");
  renamed_new = search_skus (fx->store, "manzan", 0);
  g_assert_cmpstr (renamed_new, ==, "P4");
}

static void
test_search_syntax (Fixture       *fx,
                    gconstpointer  data)
{
  const char *texts[] = {
    "a\"b*", "NEAR(", "-x", "\"", "*", "^", "(", ")", "a OR b", "NOT", "AND",
    "sku:P1", "{sku name}: x", "+", "a - b", "\"\"\"", "''", "x*y", "NEAR(a b, 2)",
    "", "   ", "\t\n", "🙂", "mo\xcc\x81lido",
  };
  g_autofree char *near = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *minus = NULL;

  add_product (fx->store, "P1", "Near East spices", NULL, 500, 0);
  add_product (fx->store, "P2", "a\"b* special", NULL, 500, 0);
  add_product (fx->store, "P3", "x-ray film", NULL, 500, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) found = tn_store_list_products (fx->store, texts[i], 10, &error);

      g_autofree char *escaped = g_strescape (texts[i], NULL);

      g_test_message ("search \"%s\"", escaped);
      g_assert_no_error (error);
      g_assert_nonnull (found);
    }

  near = search_skus (fx->store, "NEAR(", 0);
  g_assert_cmpstr (near, ==, "P1");
  quoted = search_skus (fx->store, "a\"b*", 0);
  g_assert_cmpstr (quoted, ==, "P2");
  minus = search_skus (fx->store, "-x", 0);
  g_assert_cmpstr (minus, ==, "P3");
}

static void
test_search_limit (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ten = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) one = NULL;
  g_autoptr(GPtrArray) exact = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* In one transaction, as an import does. */
  g_assert_true (tn_store_begin (fx->store, &error));
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *sku = g_strdup_printf ("W%02u", i);
      g_autofree char *name = g_strdup_printf ("Widget number %u", i);
      TnProductSpec spec = { sku, name, 100 + i, 0, NULL };

      tn_store_append_product (fx->store, &spec, &error);
      g_assert_no_error (error);
    }
  g_assert_true (tn_store_commit (fx->store, &error));
  add_product (fx->store, "WIDGET", "Widget (the original)", NULL, 100, 0);

  ten = list_products (fx->store, "widg", 10);
  g_assert_cmpuint (ten->len, ==, 10);
  all = list_products (fx->store, "widg", 0);
  g_assert_cmpuint (all->len, ==, 51);
  one = list_products (fx->store, NULL, 1);
  g_assert_cmpuint (one->len, ==, 1);

  /* The exact SKU first, and nothing twice. */
  exact = list_products (fx->store, "WIDGET", 5);
  g_assert_cmpuint (exact->len, ==, 5);
  g_assert_cmpstr (((TnProductInfo *) exact->pdata[0])->sku, ==, "WIDGET");
  for (guint i = 0; i < exact->len; i++)
    g_assert_true (g_hash_table_add (seen, ((TnProductInfo *) exact->pdata[i])->sku));
}

/* Sales --------------------------------------------------------------------- */

static void
test_foreach_sale (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sold = g_ptr_array_new_with_free_func (g_free);
  g_auto(SaleLog) all = { 0 };
  g_auto(SaleLog) since = { 0 };
  g_auto(SaleLog) stopped = { 0 };
  g_auto(SaleLog) failing = { 0 };
  g_auto(SaleLog) empty = { 0 };

  sale_log_init (&empty);
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &empty, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (empty.ids->len, ==, 0);

  add_product (fx->store, "A1", "Apple", NULL, 250, 0);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      tn_sale_request_add_line (request, "A1", 1000 * (i + 1));
      if (i == 1)
        tn_sale_request_add_payment (request, "card", NULL, TN_SALE_PAY_REST);
      else if (i == 2)
        {
          tn_sale_request_add_payment (request, "cash", NULL, 500);
          tn_sale_request_add_payment (request, "transfer", NULL, 250);
        }
      else if (i == 3)
        tn_sale_request_add_payment (request, "cash", NULL, 2000);
      receipt = sell (fx->store, request);
      g_ptr_array_add (sold, g_strdup (receipt->sale_id));
    }
  tn_store_void_sale (fx->store, sold->pdata[4], "wrong item", NULL, &error);
  g_assert_no_error (error);

  sale_log_init (&all);
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &all, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (all.ids->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpstr (all.ids->pdata[i], ==, sold->pdata[i]);
      if (i > 0)
        g_assert_cmpint (g_array_index (all.hlcs, gint64, i), >,
                         g_array_index (all.hlcs, gint64, i - 1));
      g_assert_true (g_array_index (all.voided, gboolean, i) == (i == 4));
    }
  g_assert_cmpstr (all.payments->pdata[0], ==, "cash USD 250");
  g_assert_cmpstr (all.payments->pdata[1], ==, "card USD 500");
  g_assert_cmpstr (all.payments->pdata[2], ==, "cash USD 500; transfer USD 250");
  g_assert_cmpstr (all.payments->pdata[3], ==, "cash USD 2000");

  /* From the third sale's clock on. */
  sale_log_init (&since);
  g_assert_true (tn_store_foreach_sale (fx->store, g_array_index (all.hlcs, gint64, 2),
                                        log_sale, &since, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (since.ids->len, ==, 4);
  g_assert_cmpstr (since.ids->pdata[0], ==, sold->pdata[2]);

  /* The callback stops early, without an error. */
  sale_log_init (&stopped);
  stopped.stop_after = 2;
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &stopped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stopped.ids->len, ==, 2);

  /* The callback fails: so does the walk, with its error. */
  sale_log_init (&failing);
  failing.fail = TRUE;
  g_assert_false (tn_store_foreach_sale (fx->store, 0, log_sale, &failing, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_FAILED);
  g_clear_error (&error);

  /* Nothing was left open: the store still writes. */
  tn_store_set_price (fx->store, "A1", 260, &error);
  g_assert_no_error (error);
}

/* Alerts -------------------------------------------------------------------- */

static void
raise_alert (TnStore         *store,
             TnAlertPriority  priority,
             const char      *kind)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = g_strdup_printf ("Test alert %s", kind);

  tn_store_raise_alert (store, priority, kind, NULL, message, &error);
  g_assert_no_error (error);
}

static void
test_alerts (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) every = NULL;
  gint64 counts[3] = { -1, -1, -1 };
  TnAlertInfo *first;

  g_assert_true (tn_store_count_alerts (fx->store, counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts[0], ==, 0);
  g_assert_cmpint (counts[1], ==, 0);
  g_assert_cmpint (counts[2], ==, 0);

  raise_alert (fx->store, TN_ALERT_P1, "low-reserve");
  raise_alert (fx->store, TN_ALERT_P2, "note");
  raise_alert (fx->store, TN_ALERT_P0, "fiscal-duplicate");
  raise_alert (fx->store, TN_ALERT_P1, "contingency");
  raise_alert (fx->store, TN_ALERT_P1, "acknowledged-one");
  tn_test_sql (fx->store, "UPDATE alerts SET acknowledged = 1 WHERE kind = 'acknowledged-one'");

  g_assert_true (tn_store_count_alerts (fx->store, counts, &error));
  g_assert_no_error (error);
  g_assert_cmpint (counts[TN_ALERT_P0], ==, 1);
  g_assert_cmpint (counts[TN_ALERT_P1], ==, 2);
  g_assert_cmpint (counts[TN_ALERT_P2], ==, 1);

  open = tn_store_list_alerts (fx->store, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 4);
  first = open->pdata[0];
  g_assert_cmpint (first->priority, ==, TN_ALERT_P0);
  g_assert_cmpstr (first->kind, ==, "fiscal-duplicate");
  g_assert_cmpstr (first->message, ==, "Test alert fiscal-duplicate");
  g_assert_null (first->event_id);
  g_assert_cmpint (first->created_at, >, 1600000000000);
  g_assert_cmpstr (((TnAlertInfo *) open->pdata[1])->kind, ==, "low-reserve");
  g_assert_cmpstr (((TnAlertInfo *) open->pdata[2])->kind, ==, "contingency");
  g_assert_cmpstr (((TnAlertInfo *) open->pdata[3])->kind, ==, "note");

  every = tn_store_list_alerts (fx->store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (every->len, ==, 5);
}

/* Currencies ------------------------------------------------------------- */

static void
test_currency_decimals (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  tn_store_set_exchange_rate (fx->store, "JPY", 6700, 0, &error);
  g_assert_no_error (error);
  tn_store_set_exchange_rate (fx->store, "KWD", 3250000, 3, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (tn_store_get_currency_decimals (fx->store, "USD"), ==, 2);
  g_assert_cmpuint (tn_store_get_currency_decimals (fx->store, NULL), ==, 2);
  g_assert_cmpuint (tn_store_get_currency_decimals (fx->store, "JPY"), ==, 0);
  g_assert_cmpuint (tn_store_get_currency_decimals (fx->store, "KWD"), ==, 3);
  g_assert_cmpuint (tn_store_get_currency_decimals (fx->store, "EUR"), ==, 2);
}

static void
test_currency_decimals_base (Fixture       *fx,
                             gconstpointer  data)
{
  TnStoreIdentity identity = { .store_id = "test-store", .terminal = "L1", .currency = "CLP",
                               .decimals = 0 };
  g_autoptr(TnStore) store = tn_test_store_new_custom (fx->dir, "clp", &identity);

  g_assert_cmpuint (tn_store_get_currency_decimals (store, "CLP"), ==, 0);
  g_assert_cmpuint (tn_store_get_currency_decimals (store, "USD"), ==, 2);
}

/* Quotes and paying the rest --------------------------------------------- */

static void
test_quote_matches_sale (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) quote = NULL;
  g_autoptr(TnSaleReceipt) receipt = NULL;
  gint64 events;

  add_product (fx->store, "A1", "Apple", NULL, 333, 1600);
  add_product (fx->store, "B2", "Bread", NULL, 1999, 800);
  tn_store_set_exchange_rate (fx->store, "VES", 27000, 2, &error);
  g_assert_no_error (error);
  tn_sale_request_add_line (request, "A1", 1500);
  tn_sale_request_add_line (request, "B2", 3000);
  tn_sale_request_add_line (request, "A1", 333);

  events = event_count (fx->store);
  quote = tn_store_quote_sale (fx->store, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (quote);
  /* Nothing written, nothing numbered. */
  g_assert_cmpint (event_count (fx->store), ==, events);
  g_assert_null (quote->sale_id);
  g_assert_null (quote->fiscal_doc);
  g_assert_cmpint (quote->paid, ==, 0);

  receipt = sell (fx->store, request);
  g_assert_cmpint (event_count (fx->store), >, events);
  g_assert_cmpstr (quote->currency, ==, receipt->currency);
  g_assert_cmpint (quote->subtotal, ==, receipt->subtotal);
  g_assert_cmpint (quote->tax, ==, receipt->tax);
  g_assert_cmpint (quote->total, ==, receipt->total);
  g_assert_cmpint (quote->total, >, 0);
  g_assert_cmpstr (quote->second_currency, ==, "VES");
  g_assert_cmpstr (quote->second_currency, ==, receipt->second_currency);
  g_assert_cmpint (quote->second_total, ==, receipt->second_total);
  g_assert_cmpuint (quote->second_decimals, ==, receipt->second_decimals);
  g_assert_cmpstrv (quote->oversold, receipt->oversold);
  /* The sale paid exactly in cash, as before quotes existed. */
  g_assert_cmpint (receipt->paid, ==, receipt->total);
  g_assert_cmpint (receipt->change, ==, 0);
}

static void
test_quote_refuses (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleRequest) empty = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) unknown = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) inactive = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;

  add_product (fx->store, "B2", "Bread", NULL, 99, 0);
  tn_store_update_product (fx->store, "B2", NULL, NULL, -1, 0, &error);
  g_assert_no_error (error);

  receipt = tn_store_quote_sale (fx->store, empty, &error);
  g_assert_null (receipt);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);

  tn_sale_request_add_line (unknown, "ZZ", 1000);
  receipt = tn_store_quote_sale (fx->store, unknown, &error);
  g_assert_null (receipt);
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  tn_sale_request_add_line (inactive, "B2", 1000);
  receipt = tn_store_quote_sale (fx->store, inactive, &error);
  g_assert_null (receipt);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
}

static void
test_pay_rest (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleRequest) card = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) split = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) covered = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) twice = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) r_card = NULL;
  g_autoptr(TnSaleReceipt) r_split = NULL;
  g_autoptr(TnSaleReceipt) r_covered = NULL;
  g_autoptr(TnSaleReceipt) r_twice = NULL;
  g_auto(SaleLog) log = { 0 };
  gint64 events;

  add_product (fx->store, "A1", "Apple", NULL, 407, 1600);

  tn_sale_request_add_line (card, "A1", 2000);
  tn_sale_request_add_payment (card, "card", NULL, TN_SALE_PAY_REST);
  r_card = sell (fx->store, card);
  g_assert_cmpint (r_card->total, ==, 944);
  g_assert_cmpint (r_card->paid, ==, r_card->total);
  g_assert_cmpint (r_card->change, ==, 0);

  /* Part in cash, the rest by card. */
  tn_sale_request_add_line (split, "A1", 1000);
  tn_sale_request_add_payment (split, "card", NULL, TN_SALE_PAY_REST);
  tn_sale_request_add_payment (split, "cash", NULL, 200);
  r_split = sell (fx->store, split);
  g_assert_cmpint (r_split->total, ==, 472);
  g_assert_cmpint (r_split->change, ==, 0);

  /* Cash already covers it: the card is left out, cash gives change. */
  tn_sale_request_add_line (covered, "A1", 1000);
  tn_sale_request_add_payment (covered, "cash", NULL, 1000);
  tn_sale_request_add_payment (covered, "card", NULL, TN_SALE_PAY_REST);
  r_covered = sell (fx->store, covered);
  g_assert_cmpint (r_covered->change, ==, 528);

  /* Only one payment can be the rest. */
  events = event_count (fx->store);
  tn_sale_request_add_line (twice, "A1", 1000);
  tn_sale_request_add_payment (twice, "card", NULL, TN_SALE_PAY_REST);
  tn_sale_request_add_payment (twice, "cash", NULL, TN_SALE_PAY_REST);
  r_twice = tn_store_sell (fx->store, twice, &error);
  g_assert_null (r_twice);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_cmpint (event_count (fx->store), ==, events);

  sale_log_init (&log);
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &log, NULL));
  g_assert_cmpuint (log.ids->len, ==, 3);
  g_assert_cmpstr (log.payments->pdata[0], ==, "card USD 944");
  g_assert_cmpstr (log.payments->pdata[1], ==, "card USD 272; cash USD 200");
  g_assert_cmpstr (log.payments->pdata[2], ==, "cash USD 1000");
}

static void
test_pay_rest_second_currency (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleRequest) unknown = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_auto(SaleLog) log = { 0 };

  add_product (fx->store, "A1", "Apple", NULL, 100, 0);
  /* 1 JPY = 0.0067 USD: 1.00 USD is 149.25 JPY, so 150 JPY. */
  tn_store_set_exchange_rate (fx->store, "JPY", 6700, 0, &error);
  g_assert_no_error (error);

  tn_sale_request_add_line (request, "A1", 1000);
  tn_sale_request_add_payment (request, "card", "JPY", TN_SALE_PAY_REST);
  receipt = sell (fx->store, request);
  g_assert_cmpint (receipt->total, ==, 100);
  g_assert_cmpint (receipt->paid, ==, 100);
  g_assert_cmpint (receipt->change, ==, 0);

  sale_log_init (&log);
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &log, NULL));
  g_assert_cmpstr (log.payments->pdata[0], ==, "card JPY 150");

  tn_sale_request_add_line (unknown, "A1", 1000);
  tn_sale_request_add_payment (unknown, "card", "EUR", TN_SALE_PAY_REST);
  g_assert_null (tn_store_sell (fx->store, unknown, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
}

/* Alerts are logged with g_message(); they are expected here. */
/* App views (sales history, sync popover, fiscal banner, cash count) ------ */

static void
test_sale_cashier (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ana = NULL;
  g_auto(SaleLog) log = { 0 };
  const char *cashiers[] = { NULL, "ana", "gone-employee" };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  ana = tn_store_add_employee (fx->store, "Ana Pérez", "4321", FALSE, &error);
  g_assert_no_error (error);
  cashiers[1] = ana;
  add_product (fx->store, "A1", "Apple", NULL, 250, 0);
  for (guint i = 0; i < G_N_ELEMENTS (cashiers); i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      tn_sale_request_add_line (request, "A1", 1000);
      if (cashiers[i] != NULL)
        tn_sale_request_set_cashier (request, cashiers[i]);
      receipt = sell (fx->store, request);
    }
  sale_log_init (&log);
  log.cashiers = names;
  g_assert_true (tn_store_foreach_sale (fx->store, 0, log_sale, &log, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 3);
  /* No cashier, a known one by name, an unknown id as it was recorded. */
  g_assert_cmpstr (names->pdata[0], ==, "(none)");
  g_assert_cmpstr (names->pdata[1], ==, "Ana Pérez");
  g_assert_cmpstr (names->pdata[2], ==, "gone-employee");
}

static void
test_alert_acknowledge (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GPtrArray) every = NULL;
  gint64 counts[3];
  gint64 p0_id;

  raise_alert (fx->store, TN_ALERT_P0, "fiscal-duplicate");
  raise_alert (fx->store, TN_ALERT_P1, "contingency");
  open = tn_store_list_alerts (fx->store, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 2);
  p0_id = ((TnAlertInfo *) open->pdata[0])->id;

  g_assert_true (tn_store_acknowledge_alert (fx->store, p0_id, &error));
  g_assert_no_error (error);
  g_assert_true (tn_store_count_alerts (fx->store, counts, &error));
  g_assert_cmpint (counts[TN_ALERT_P0], ==, 0);
  g_assert_cmpint (counts[TN_ALERT_P1], ==, 1);
  left = tn_store_list_alerts (fx->store, TRUE, &error);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpstr (((TnAlertInfo *) left->pdata[0])->kind, ==, "contingency");
  /* Acknowledged alerts stay in the history. */
  every = tn_store_list_alerts (fx->store, FALSE, &error);
  g_assert_cmpuint (every->len, ==, 2);

  /* Twice is harmless; an id that does not exist is an error. */
  g_assert_true (tn_store_acknowledge_alert (fx->store, p0_id, &error));
  g_assert_no_error (error);
  g_assert_false (tn_store_acknowledge_alert (fx->store, p0_id + 1000, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
}

static void
test_pending_events (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) two = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(TnVersionVector) acked = tn_version_vector_new ();
  TnOutboxCounts counts;
  gint64 first_seq;
  guint before;

  all = tn_store_list_pending_events (fx->store, 0, &error);
  g_assert_no_error (error);
  before = all->len;   /* the fixture's own events (e.g. fiscal grants) */
  g_clear_pointer (&all, g_ptr_array_unref);

  add_product (fx->store, "A1", "Apple", NULL, 250, 0);
  add_product (fx->store, "B2", "Bread", NULL, 120, 0);
  add_product (fx->store, "C3", "Cocoa", NULL, 900, 0);
  all = tn_store_list_pending_events (fx->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, before + 3);
  g_assert_true (tn_store_get_outbox_counts (fx->store, &counts, &error));
  g_assert_cmpint (counts.pending, ==, all->len);
  for (guint i = 1; i < all->len; i++)
    g_assert_cmpint (((TnOutboxEntry *) all->pdata[i - 1])->seq, <,
                     ((TnOutboxEntry *) all->pdata[i])->seq);
  g_assert_cmpstr (((TnOutboxEntry *) all->pdata[all->len - 1])->type, ==, "ProductCreated");
  g_assert_cmpint (((TnOutboxEntry *) all->pdata[0])->status, ==, TN_OUTBOX_PENDING);
  g_assert_cmpint (((TnOutboxEntry *) all->pdata[0])->created_at, >, 1600000000000);

  two = tn_store_list_pending_events (fx->store, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (two->len, ==, 2);
  g_assert_cmpstr (((TnOutboxEntry *) two->pdata[0])->event_id, ==,
                   ((TnOutboxEntry *) all->pdata[0])->event_id);

  /* A peer acknowledges all but the last: only that one is pending. */
  first_seq = ((TnOutboxEntry *) all->pdata[all->len - 1])->seq;
  tn_version_vector_set (acked, tn_store_get_replica_id (fx->store), first_seq - 1);
  g_assert_cmpint (tn_store_outbox_advance (fx->store, acked, TN_OUTBOX_PEER_ACK, &error),
                   ==, all->len - 1);
  after = tn_store_list_pending_events (fx->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpint (((TnOutboxEntry *) after->pdata[0])->seq, ==, first_seq);

  tn_version_vector_set (acked, tn_store_get_replica_id (fx->store), first_seq);
  tn_store_outbox_advance (fx->store, acked, TN_OUTBOX_PEER_ACK, &error);
  g_assert_no_error (error);
  none = tn_store_list_pending_events (fx->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_dead_letters (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) empty = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) one = NULL;
  TnDeadLetter *newest;

  empty = tn_store_list_dead_letters (fx->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpint (tn_store_count_dead_letters (fx->store), ==, 0);

  tn_test_sql (fx->store,
               "INSERT INTO dead_letters (event_id, origin, seq, reason, created_at) VALUES "
               "('e-old', 'o1', 4, 'price below zero', 1700000000000), "
               "('e-new', 'o2', 9, 'unknown SKU', 1700000050000), "
               "('e-mid', 'o1', 7, 'bad hash', 1700000020000)");
  all = tn_store_list_dead_letters (fx->store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  newest = all->pdata[0];
  g_assert_cmpstr (newest->event_id, ==, "e-new");
  g_assert_cmpstr (newest->origin, ==, "o2");
  g_assert_cmpint (newest->seq, ==, 9);
  g_assert_cmpstr (newest->reason, ==, "unknown SKU");
  g_assert_cmpint (newest->created_at, ==, 1700000050000);
  g_assert_cmpstr (((TnDeadLetter *) all->pdata[1])->event_id, ==, "e-mid");
  g_assert_cmpstr (((TnDeadLetter *) all->pdata[2])->event_id, ==, "e-old");
  g_assert_cmpint (tn_store_count_dead_letters (fx->store), ==, 3);

  one = tn_store_list_dead_letters (fx->store, 1, &error);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpstr (((TnDeadLetter *) one->pdata[0])->event_id, ==, "e-new");
}

static void
test_cash_preview (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnZReport) none = NULL;
  g_autoptr(TnZReport) preview = NULL;
  g_autoptr(TnZReport) closed = NULL;
  g_autofree char *session = NULL;
  g_autofree char *still_open = NULL;
  gint64 events;

  none = tn_store_preview_cash_session (fx->store, &error);
  g_assert_null (none);
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  add_product (fx->store, "A1", "Apple", NULL, 250, 0);
  session = tn_store_open_cash_session (fx->store, 1000, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      tn_sale_request_add_line (request, "A1", 1000);
      tn_sale_request_add_payment (request, i == 0 ? "cash" : "card", NULL, TN_SALE_PAY_REST);
      receipt = sell (fx->store, request);
    }
  g_assert_true (tn_store_move_cash (fx->store, TRUE, 100, "change float", &error));
  g_assert_true (tn_store_move_cash (fx->store, FALSE, 30, "window cleaner", &error));
  g_assert_no_error (error);

  events = event_count (fx->store);
  preview = tn_store_preview_cash_session (fx->store, &error);
  g_assert_no_error (error);
  g_assert_nonnull (preview);
  g_assert_cmpstr (preview->session_id, ==, session);
  g_assert_null (preview->z_doc);
  g_assert_cmpint (preview->expected, ==, 1000 + 250 + 100 - 30);
  g_assert_cmpint (preview->sales_count, ==, 2);
  /* Nothing was committed or numbered, and the session is still open. */
  g_assert_cmpint (event_count (fx->store), ==, events);
  still_open = tn_store_get_open_session (fx->store, &error);
  g_assert_cmpstr (still_open, ==, session);

  closed = tn_store_close_cash_session (fx->store, 1300, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (closed->expected, ==, preview->expected);
  g_assert_cmpint (closed->variance, ==, 1300 - preview->expected);
}

static void
log_handler (const char     *domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
  if (!g_str_has_prefix (message, "Alert P"))
    g_log_default_handler (domain, log_level, message, user_data);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_handler (NULL, G_LOG_LEVEL_MESSAGE, log_handler, NULL);

  ADD ("/queries/products/all", test_products_all);
  ADD ("/queries/products/search/barcode", test_search_barcode);
  ADD ("/queries/products/search/sku", test_search_sku);
  ADD ("/queries/products/search/prefix", test_search_prefix);
  ADD ("/queries/products/search/code-prefix", test_search_code_prefix);
  ADD ("/queries/products/search/syntax", test_search_syntax);
  ADD ("/queries/products/search/limit", test_search_limit);
  ADD ("/queries/sales/foreach", test_foreach_sale);
  ADD ("/queries/alerts", test_alerts);
  ADD ("/queries/currency-decimals", test_currency_decimals);
  ADD ("/queries/currency-decimals/base", test_currency_decimals_base);
  ADD ("/queries/quote/matches-sale", test_quote_matches_sale);
  ADD ("/queries/quote/refuses", test_quote_refuses);
  ADD ("/queries/pay-rest/base", test_pay_rest);
  ADD ("/queries/pay-rest/second-currency", test_pay_rest_second_currency);
  ADD ("/queries/sales/cashier", test_sale_cashier);
  ADD ("/queries/alerts/acknowledge", test_alert_acknowledge);
  ADD ("/queries/outbox/pending", test_pending_events);
  ADD ("/queries/dead-letters", test_dead_letters);
  ADD ("/queries/cash/preview", test_cash_preview);

  return g_test_run ();
}
