/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checkout's cart: one line per SKU, quantity changes, and the sale
 * request it hands to the store, priced the same as its lines show. */
#include "config.h"

#include <string.h>

#include "tn-cart.h"
#include "tn-error.h"
#include "tn-operations.h"
#include "tn-receipt-window.h"
#include "tn-test-util.h"

typedef struct
{
  guint position;
  guint removed;
  guint added;
  guint count;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
  changes->count++;
}

static TnCartLine *
line (const char *sku,
      gint64      price,
      gint        tax_bp,
      gint64      qty)
{
  return tn_cart_line_new (sku, sku, price, tax_bp, 2, FALSE, qty);
}

static void
test_add_merges_same_sku (void)
{
  g_autoptr(TnCart) cart = tn_cart_new ();
  Changes changes = { 0 };

  g_signal_connect (cart, "items-changed", G_CALLBACK (on_items_changed), &changes);
  g_assert_cmpuint (tn_cart_add_line (cart, line ("A", 450, 1600, 1000)), ==, 0);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_cmpuint (tn_cart_add_line (cart, line ("B", 120, 0, 1000)), ==, 1);
  g_assert_cmpuint (tn_cart_add_line (cart, line ("A", 450, 1600, 2000)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cart)), ==, 2);
  g_assert_cmpint (tn_cart_line_get_quantity (tn_cart_get_line (cart, 0)), ==, 3000);
  /* The merged line is announced as changed in place. */
  g_assert_cmpuint (changes.count, ==, 3);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (changes.added, ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (cart)) == TN_TYPE_CART_LINE);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (cart), 2));
}

static void
test_quantities (void)
{
  g_autoptr(TnCart) cart = tn_cart_new ();
  g_autofree char *qty_text = NULL;
  g_autofree char *total_text = NULL;

  tn_cart_add_line (cart, line ("A", 450, 1600, 1000));
  tn_cart_add_line (cart, line ("B", 120, 0, 500));

  g_assert_true (tn_cart_change_quantity (cart, 0, 1000));
  g_assert_cmpint (tn_cart_line_get_quantity (tn_cart_get_line (cart, 0)), ==, 2000);
  /* 2 × 4.50 + 16 % = 10.44 */
  g_assert_cmpint (tn_cart_line_get_total (tn_cart_get_line (cart, 0)), ==, 1044);
  total_text = tn_cart_line_dup_total_text (tn_cart_get_line (cart, 0));
  g_assert_cmpstr (total_text, ==, "10.44");
  qty_text = tn_cart_line_dup_quantity_text (tn_cart_get_line (cart, 1));
  g_assert_cmpstr (qty_text, ==, "0.5");

  /* Out of range or negative: refused, nothing changes. */
  g_assert_false (tn_cart_set_quantity (cart, 5, 1000));
  g_assert_false (tn_cart_set_quantity (cart, 0, -1000));
  g_assert_false (tn_cart_change_quantity (cart, 7, 1000));
  g_assert_false (tn_cart_remove (cart, 2));
  g_assert_cmpint (tn_cart_line_get_quantity (tn_cart_get_line (cart, 0)), ==, 2000);

  /* Down to zero removes the line. */
  g_assert_true (tn_cart_change_quantity (cart, 1, -1000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cart)), ==, 1);
  g_assert_true (tn_cart_set_quantity (cart, 0, 0));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (cart)), ==, 0);
}

static void
test_remove_and_clear (void)
{
  g_autoptr(TnCart) cart = tn_cart_new ();
  Changes changes = { 0 };
  guint n_items = 99;

  tn_cart_add_line (cart, line ("A", 100, 0, 1000));
  tn_cart_add_line (cart, line ("B", 200, 0, 1000));
  tn_cart_add_line (cart, line ("C", 300, 0, 1000));
  g_signal_connect (cart, "items-changed", G_CALLBACK (on_items_changed), &changes);

  g_assert_true (tn_cart_remove (cart, 1));
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpstr (tn_cart_line_get_sku (tn_cart_get_line (cart, 1)), ==, "C");

  tn_cart_clear (cart);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 2);
  g_object_get (cart, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, 0);
  changes.count = 0;
  tn_cart_clear (cart);
  g_assert_cmpuint (changes.count, ==, 0);
}

/* A price changed on another lane reaches the line being rung up. */
static void
test_reprice (void)
{
  g_autoptr(TnCart) cart = tn_cart_new ();
  Changes changes = { 0 };

  tn_cart_add_line (cart, line ("A", 100, 0, 2000));
  tn_cart_add_line (cart, line ("B", 450, 1600, 1000));
  g_signal_connect (cart, "items-changed", G_CALLBACK (on_items_changed), &changes);

  g_assert_false (tn_cart_reprice (cart, "B", 450, 1600));
  g_assert_false (tn_cart_reprice (cart, "C", 999, 0));
  g_assert_cmpuint (changes.count, ==, 0);

  g_assert_true (tn_cart_reprice (cart, "B", 500, 1600));
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_cmpuint (changes.position, ==, 1);
  g_assert_cmpint (tn_cart_line_get_unit_price (tn_cart_get_line (cart, 1)), ==, 500);
  /* 5.00 + 16 % */
  g_assert_cmpint (tn_cart_line_get_total (tn_cart_get_line (cart, 1)), ==, 580);
  g_assert_true (tn_cart_reprice (cart, "B", 500, 0));
  g_assert_cmpint (tn_cart_line_get_total (tn_cart_get_line (cart, 1)), ==, 500);
  g_assert_cmpint (tn_cart_line_get_quantity (tn_cart_get_line (cart, 1)), ==, 1000);
}

/* The totals the checkout shows come from tn_store_quote_sale () on the
 * cart's request, and they agree with the lines and with the sale. */
static void
test_request_priced_by_store (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(TnCart) cart = tn_cart_new ();
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) quote = NULL;
  g_autoptr(TnSaleReceipt) sale = NULL;
  g_autoptr(GError) error = NULL;
  gint64 lines_total = 0;

  tn_test_add_product (store, "COFFEE", 450, 1600);
  tn_test_add_product (store, "MILK", 120, 0);
  tn_cart_add_line (cart, tn_cart_line_new ("COFFEE", "Coffee", 450, 1600,
                                            tn_store_get_decimals (store),
                                            tn_store_get_tax_inclusive (store), 2000));
  tn_cart_add_line (cart, tn_cart_line_new ("MILK", "Milk", 120, 0,
                                            tn_store_get_decimals (store),
                                            tn_store_get_tax_inclusive (store), 3000));
  for (guint i = 0; i < 2; i++)
    lines_total += tn_cart_line_get_total (tn_cart_get_line (cart, i));

  request = tn_cart_to_request (cart);
  quote = tn_store_quote_sale (store, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (quote->total, ==, 1044 + 360);
  g_assert_cmpint (quote->total, ==, lines_total);

  sale = tn_store_sell (store, request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sale->total, ==, quote->total);
  g_assert_cmpint (sale->tax, ==, quote->tax);

  tn_test_rmdir (dir);
}

/* The receipt shown and printed: valid markup whatever the names hold,
 * with the fiscal number, the hash excerpt and both currencies. */
static void
test_receipt_markup (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(TnCart) cart = tn_cart_new ();
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) sale = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *fiscal = NULL;

  tn_test_add_product (store, "TEA", 250, 1000);
  g_assert_true (tn_store_update_product (store, "TEA", "Tea <green> & lemon", NULL, -1, -1,
                                          &error));
  g_assert_true (tn_store_set_exchange_rate (store, "EUR", 1250000, 2, &error));
  g_assert_no_error (error);
  tn_cart_add_line (cart, tn_cart_line_new ("TEA", "Tea <green> & lemon", 250, 1000, 2, FALSE,
                                            2000));
  request = tn_cart_to_request (cart);
  sale = tn_store_sell (store, request, &error);
  g_assert_no_error (error);

  markup = tn_receipt_format_markup (store, sale, cart, "Ana & Co", "Cash USD 5.50");
  g_assert_true (pango_parse_markup (markup, -1, 0, NULL, &text, NULL, &error));
  g_assert_no_error (error);
  fiscal = g_strdup_printf ("Fiscal number %s", sale->fiscal_doc);
  hash = g_strndup (sale->hash, 12);
  g_assert_nonnull (strstr (text, fiscal));
  g_assert_nonnull (strstr (text, hash));
  g_assert_null (strstr (text, sale->hash + 12));
  g_assert_nonnull (strstr (text, "Tea <green> & lemon"));
  g_assert_nonnull (strstr (text, "Served by Ana & Co"));
  g_assert_nonnull (strstr (text, "Cash USD 5.50"));
  /* 2 × 2.50 + 10 % = 5.50; at 1.25 USD per EUR, 4.40 EUR. */
  g_assert_cmpint (sale->total, ==, 550);
  g_assert_nonnull (strstr (text, "USD 5.50"));
  g_assert_nonnull (strstr (text, "EUR 4.40"));
  tn_test_rmdir (dir);
}

/* The header shows who is selling: the name and role behind a PIN. */
static void
test_employee_lookup (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *cashier = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *found = NULL;
  g_autofree char *name = NULL;
  gboolean is_manager = TRUE;

  cashier = tn_store_add_employee (store, "Carla", "2468", FALSE, &error);
  g_assert_no_error (error);
  manager = tn_store_add_employee (store, "Mario", "1357", TRUE, &error);
  g_assert_no_error (error);

  found = tn_store_check_pin (store, "2468", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, cashier);
  g_assert_true (tn_store_get_employee (store, found, &name, &is_manager, &error));
  g_assert_cmpstr (name, ==, "Carla");
  g_assert_false (is_manager);
  g_clear_pointer (&name, g_free);
  g_assert_true (tn_store_get_employee (store, manager, &name, &is_manager, &error));
  g_assert_cmpstr (name, ==, "Mario");
  g_assert_true (is_manager);

  g_assert_false (tn_store_get_employee (store, "nobody", NULL, NULL, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/cart/add-merges-same-sku", test_add_merges_same_sku);
  g_test_add_func ("/ui/cart/quantities", test_quantities);
  g_test_add_func ("/ui/cart/remove-and-clear", test_remove_and_clear);
  g_test_add_func ("/ui/cart/reprice", test_reprice);
  g_test_add_func ("/ui/cart/request-priced-by-store", test_request_priced_by_store);
  g_test_add_func ("/ui/cart/employee-lookup", test_employee_lookup);
  g_test_add_func ("/ui/cart/receipt-markup", test_receipt_markup);
  return g_test_run ();
}
