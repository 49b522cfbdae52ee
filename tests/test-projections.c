/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The projections of DESIGN §3 and §6, one rule at a time: sale totals
 * and currencies, refused sales that change nothing, oversell, voids,
 * LWW and multi-value registers, customers and debts, employees and
 * PINs, cash sessions and the Z report. */

#include <string.h>

#include "tn-digest.h"
#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

/* Helpers ------------------------------------------------------------------ */

typedef TnTestLanes Fixture;

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  tn_test_lanes_tear_down (fx, data);
  tn_hlc_set_clock_offset (0);
}

/* Replica @i of store "test-store", as terminal L<i+1>; L1 is the fiscal
 * authority. */
static TnStore *
lane (Fixture *fx,
      guint    i)
{
  return tn_test_lanes_get (fx, i, i == 0);
}

static gint64
stock_of (TnStore    *store,
          const char *sku)
{
  g_autoptr(GError) error = NULL;
  gint64 qty = 0;

  tn_store_get_stock (store, sku, &qty, &error);
  g_assert_no_error (error);
  return qty;
}

static void
receive (TnStore    *store,
         const char *sku,
         gint64      qty)
{
  g_autoptr(GError) error = NULL;

  tn_store_receive_stock (store, sku, qty, "delivery", &error);
  g_assert_no_error (error);
}

static void
sync_both (TnStore *a,
           TnStore *b)
{
  tn_test_sync_one_way (a, b);
  tn_test_sync_one_way (b, a);
}

/* The canonical JSON of @store's own latest event. */
static char *
last_local_event (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_store_get_version_vector (store, NULL);
  const char *self = tn_store_get_replica_id (store);
  g_autoptr(GPtrArray) bodies = tn_store_read_events (store, self,
                                                      tn_version_vector_get (vv, self) - 1, 1,
                                                      &error);

  g_assert_no_error (error);
  g_assert_cmpuint (bodies->len, ==, 1);
  return g_strdup (bodies->pdata[0]);
}

static TnEvent *
parse_event (const char *body)
{
  g_autoptr(GError) error = NULL;
  TnEvent *event = tn_event_from_json (body, -1, "test-store", &error);

  g_assert_no_error (error);
  return event;
}

/* @store's own latest event, parsed. */
static TnEvent *
last_local_parsed (TnStore *store)
{
  g_autofree char *body = last_local_event (store);

  return parse_event (body);
}

/* The payload as a json-glib tree, which *@out_node owns. */
static JsonObject *
sale_payload (TnStore         *store,
              const char      *event_id,
              JsonNode       **out_node)
{
  g_autofree char *body = tn_test_sql_text (store, "SELECT body FROM events WHERE event_id = ?",
                                            event_id);
  g_autoptr(TnEvent) event = NULL;

  g_assert_nonnull (body);
  event = parse_event (body);
  *out_node = tn_json_value_to_node (tn_event_get_payload (event));
  return json_node_get_object (*out_node);
}

/* Half away from zero, exactly, in 128 bits: num / den with den > 0. */
static gint64
div_round (__int128 num,
           __int128 den)
{
  __int128 q = num / den, r = num % den;

  if (r < 0)
    r = -r;
  if (2 * r >= den)
    q += num < 0 ? -1 : 1;
  return (gint64) q;
}

/* Sales ---------------------------------------------------------------------- */

static void
test_sale_tax_exclusive (Fixture       *fx,
                         gconstpointer  data)
{
  TnStore *store = lane (fx, 0);
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(JsonNode) event = NULL;
  JsonObject *payload, *line;

  tn_test_add_product (store, "SODA", 199, 1600);
  receive (store, "SODA", 10000);
  receipt = tn_test_sell (store, "SODA", 3000);

  /* 1.99 × 3 = 5.97; 16 % of it is 0.9552 → 0.96; total 6.93. */
  g_assert_cmpint (receipt->subtotal, ==, 597);
  g_assert_cmpint (receipt->tax, ==, 96);
  g_assert_cmpint (receipt->total, ==, 693);
  g_assert_cmpint (receipt->paid, ==, 693);
  g_assert_cmpint (receipt->change, ==, 0);
  g_assert_cmpstr (receipt->currency, ==, "USD");
  g_assert_null (receipt->second_currency);
  g_assert_nonnull (receipt->oversold);
  g_assert_null (receipt->oversold[0]);

  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT subtotal FROM sales WHERE sale_id = ?",
                                        receipt->sale_id), ==, 597);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT tax FROM sales WHERE sale_id = ?",
                                        receipt->sale_id), ==, 96);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT total FROM sales WHERE sale_id = ?",
                                        receipt->sale_id), ==, 693);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT net FROM sale_lines WHERE sale_id = ? "
                                               "AND line = 1", receipt->sale_id), ==, 597);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT tax FROM sale_lines WHERE sale_id = ? "
                                               "AND line = 1", receipt->sale_id), ==, 96);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT amount_base FROM payments WHERE "
                                               "sale_id = ?", receipt->sale_id), ==, 693);
  g_assert_cmpint (stock_of (store, "SODA"), ==, 7000);

  /* The event says the same, with the store's tax mode. */
  payload = sale_payload (store, receipt->event_id, &event);
  g_assert_false (json_object_get_boolean_member (payload, "tax_inclusive"));
  g_assert_false (json_object_has_member (payload, "second"));
  g_assert_false (json_object_has_member (payload, "oversold"));
  line = json_array_get_object_element (json_object_get_array_member (payload, "lines"), 0);
  g_assert_cmpint (json_object_get_int_member (line, "unit_price"), ==, 199);
  g_assert_cmpint (json_object_get_int_member (line, "qty"), ==, 3000);
  g_assert_cmpint (json_object_get_int_member (line, "tax_bp"), ==, 1600);
  g_assert_cmpint (json_object_get_int_member (line, "total"), ==, 693);
}

static void
test_sale_tax_inclusive (Fixture       *fx,
                         gconstpointer  data)
{
  TnStoreIdentity identity = {
    .store_id = "test-store", .terminal = "L1", .currency = "USD", .decimals = 2,
    .tax_inclusive = TRUE, .fiscal_authority = TRUE,
  };
  g_autoptr(TnStore) store = tn_test_store_new_custom (fx->dir, "inclusive", &identity);
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(JsonNode) event = NULL;

  g_assert_true (tn_store_get_tax_inclusive (store));
  tn_test_add_product (store, "SODA", 199, 1600);
  receipt = tn_test_sell (store, "SODA", 3000);

  /* The shelf price holds the tax: 5.97 total, net 5.97 / 1.16 = 5.1466 → 5.15. */
  g_assert_cmpint (receipt->total, ==, 597);
  g_assert_cmpint (receipt->subtotal, ==, 515);
  g_assert_cmpint (receipt->tax, ==, 82);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT total FROM sales WHERE sale_id = ?",
                                        receipt->sale_id), ==, 597);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT tax FROM sale_lines WHERE sale_id = ?",
                                        receipt->sale_id), ==, 82);
  g_assert_true (json_object_get_boolean_member (sale_payload (store, receipt->event_id, &event),
                                                 "tax_inclusive"));
}

/* A VES store that takes dollars at a rate with full precision. */
static void
test_sale_second_currency (Fixture       *fx,
                           gconstpointer  data)
{
  TnStoreIdentity identity = {
    .store_id = "test-store", .terminal = "L1", .currency = "VES", .decimals = 2,
    .fiscal_authority = TRUE,
  };
  g_autoptr(TnStore) store = tn_test_store_new_custom (fx->dir, "ves", &identity);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleReceipt) exact_half = NULL;
  g_autoptr(TnSaleReceipt) precise = NULL;
  g_autoptr(TnSaleReceipt) in_dollars = NULL;
  g_autoptr(JsonNode) event = NULL;
  g_autoptr(JsonNode) event2 = NULL;
  JsonObject *second, *payment;
  const gint64 rate = 36512345;   /* 36.512345 VES per USD */
  gint64 expected_second, amount_base;

  tn_test_add_product (store, "ARROZ", 1820, 0);
  tn_test_add_product (store, "CAFE", 1999, 1600);

  /* 40 VES per dollar: 18.20 VES is 0.455 USD, which rounds away from
   * zero to 0.46. */
  tn_store_set_exchange_rate (store, "USD", 40000000, 2, &error);
  g_assert_no_error (error);
  exact_half = tn_test_sell (store, "ARROZ", 1000);
  g_assert_cmpstr (exact_half->second_currency, ==, "USD");
  g_assert_cmpint (exact_half->second_decimals, ==, 2);
  g_assert_cmpint (exact_half->second_total, ==, 46);
  second = json_object_get_object_member (sale_payload (store, exact_half->event_id, &event),
                                          "second");
  g_assert_nonnull (second);
  g_assert_cmpstr (json_object_get_string_member (second, "currency"), ==, "USD");
  g_assert_cmpint (json_object_get_int_member (second, "rate_micro"), ==, 40000000);
  g_assert_cmpint (json_object_get_int_member (second, "total"), ==, 46);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT second_total FROM sales WHERE sale_id = ?",
                                        exact_half->sale_id), ==, 46);

  /* A newer rate with all its decimals: the total converts from the
   * exact rational, rounded once (not from a rounded display rate). */
  tn_store_set_exchange_rate (store, "USD", rate, 2, &error);
  g_assert_no_error (error);
  precise = tn_test_sell (store, "CAFE", 7000);
  expected_second = div_round ((__int128) precise->total * 100 * 1000000, (__int128) rate * 100);
  g_assert_cmpint (precise->total, ==, 16232);   /* 139.93 + 22.39 tax */
  g_assert_cmpint (precise->second_total, ==, expected_second);
  g_assert_cmpint (expected_second, ==, 445);    /* 162.32 / 36.512345 = 4.4456… */

  /* Paid with a 5-dollar note: 5.00 USD is 182.56 VES at this rate
   * (182.561725 rounded once); the change comes back in VES. */
  in_dollars = tn_test_sell_paid (store, "CAFE", 7000, "cash", "USD", 500);
  amount_base = div_round ((__int128) 500 * rate * 100, (__int128) 1000000 * 100);
  g_assert_cmpint (amount_base, ==, 18256);
  g_assert_cmpint (in_dollars->paid, ==, amount_base);
  g_assert_cmpint (in_dollars->change, ==, amount_base - in_dollars->total);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT change FROM sales WHERE sale_id = ?",
                                        in_dollars->sale_id), ==, amount_base - in_dollars->total);
  payment = json_array_get_object_element (
      json_object_get_array_member (sale_payload (store, in_dollars->event_id, &event2),
                                    "payments"), 0);
  g_assert_cmpstr (json_object_get_string_member (payment, "currency"), ==, "USD");
  g_assert_cmpint (json_object_get_int_member (payment, "amount"), ==, 500);
  g_assert_cmpint (json_object_get_int_member (payment, "amount_base"), ==, amount_base);
  {
    g_autofree char *currency = tn_test_sql_text (store, "SELECT currency FROM payments WHERE "
                                                         "sale_id = ?", in_dollars->sale_id);
    g_assert_cmpstr (currency, ==, "USD");
  }
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT amount_base FROM payments WHERE "
                                               "sale_id = ?", in_dollars->sale_id),
                   ==, amount_base);

  /* A currency with no rate cannot pay. */
  {
    g_autoptr(TnTestSnapshot) before = tn_test_snapshot_take (store);
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    g_autoptr(TnSaleReceipt) refused = NULL;

    tn_sale_request_add_line (request, "CAFE", 1000);
    tn_sale_request_add_payment (request, "cash", "EUR", 10000);
    refused = tn_store_sell (store, request, &error);
    g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
    g_assert_null (refused);
    tn_test_snapshot_assert_unchanged (store, before);
  }
}

/* A refused sale changes nothing: no event, no outbox row, no state. */
static void
assert_sale_refused (TnStore       *store,
                     TnSaleRequest *request,
                     gint           code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnTestSnapshot) before = tn_test_snapshot_take (store);
  g_autoptr(TnSaleReceipt) receipt = tn_store_sell (store, request, &error);

  g_assert_error (error, TN_ERROR, code);
  g_assert_null (receipt);
  g_assert_false (tn_store_in_transaction (store));
  tn_test_snapshot_assert_unchanged (store, before);
}

static void
test_sale_refused (Fixture       *fx,
                   gconstpointer  data)
{
  TnStore *store = lane (fx, 0);

  tn_test_add_product (store, "SODA", 199, 1600);
  receive (store, "SODA", 10000);

  /* 1.00 for a 6.93 sale. */
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    tn_sale_request_add_line (request, "SODA", 3000);
    tn_sale_request_add_payment (request, "cash", NULL, 100);
    assert_sale_refused (store, request, TN_ERROR_INVALID);
  }
  /* A card cannot give change. */
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    tn_sale_request_add_line (request, "SODA", 3000);
    tn_sale_request_add_payment (request, "card", NULL, 1000);
    assert_sale_refused (store, request, TN_ERROR_INVALID);
  }
  /* Nor can card + cash when the card alone covers more than is due. */
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    tn_sale_request_add_line (request, "SODA", 3000);
    tn_sale_request_add_payment (request, "card", NULL, 800);
    tn_sale_request_add_payment (request, "cash", NULL, 50);
    assert_sale_refused (store, request, TN_ERROR_INVALID);
  }
  /* An unknown SKU, even next to a good line. */
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    tn_sale_request_add_line (request, "SODA", 1000);
    tn_sale_request_add_line (request, "NO-SUCH-SKU", 1000);
    assert_sale_refused (store, request, TN_ERROR_NOT_FOUND);
  }
  /* Zero quantity, and no lines at all. */
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    tn_sale_request_add_line (request, "SODA", 0);
    assert_sale_refused (store, request, TN_ERROR_INVALID);
  }
  {
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    assert_sale_refused (store, request, TN_ERROR_INVALID);
  }
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM sales"), ==, 0);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM fiscal_documents"), ==, 0);
  g_assert_cmpint (stock_of (store, "SODA"), ==, 10000);

  /* An exact card payment and card + cash with change are fine. */
  {
    g_autoptr(TnSaleReceipt) card = tn_test_sell_paid (store, "SODA", 3000, "card", NULL, 693);
    g_autoptr(GError) error = NULL;
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    g_autoptr(TnSaleReceipt) mixed = NULL;

    g_assert_cmpint (card->change, ==, 0);
    tn_sale_request_add_line (request, "SODA", 3000);
    tn_sale_request_add_payment (request, "card", NULL, 600);
    tn_sale_request_add_payment (request, "cash", NULL, 100);
    mixed = tn_store_sell (store, request, &error);
    g_assert_no_error (error);
    g_assert_cmpint (mixed->change, ==, 7);
  }
}

static void
test_sale_oversell (Fixture       *fx,
                    gconstpointer  data)
{
  TnStore *store = lane (fx, 0);
  g_autoptr(TnSaleReceipt) fine = NULL;
  g_autoptr(TnSaleReceipt) over = NULL;
  g_autoptr(JsonNode) event = NULL;
  JsonArray *flagged;

  tn_test_add_product (store, "SODA", 199, 1600);
  tn_test_add_product (store, "CHIPS", 150, 0);
  receive (store, "SODA", 2000);

  fine = tn_test_sell (store, "SODA", 2000);
  g_assert_null (fine->oversold[0]);
  g_assert_cmpint (stock_of (store, "SODA"), ==, 0);

  /* Selling what the shelf does not have is allowed — the count may be
   * wrong — but flagged on the receipt and in the event. */
  over = tn_test_sell (store, "SODA", 1500);
  g_assert_cmpuint (g_strv_length (over->oversold), ==, 1);
  g_assert_cmpstr (over->oversold[0], ==, "SODA");
  g_assert_cmpint (stock_of (store, "SODA"), ==, -1500);
  flagged = json_object_get_array_member (sale_payload (store, over->event_id, &event),
                                          "oversold");
  g_assert_cmpuint (json_array_get_length (flagged), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (flagged, 0), ==, "SODA");

  /* Two lines of one SKU count together. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
    g_autoptr(TnSaleReceipt) both = NULL;

    receive (store, "CHIPS", 3000);
    tn_sale_request_add_line (request, "CHIPS", 2000);
    tn_sale_request_add_line (request, "CHIPS", 2000);
    both = tn_store_sell (store, request, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (both->oversold), ==, 1);
    g_assert_cmpstr (both->oversold[0], ==, "CHIPS");
    g_assert_cmpint (stock_of (store, "CHIPS"), ==, -1000);
  }
}

/* Voids -------------------------------------------------------------------- */

static void
test_void_concurrent (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *b = lane (fx, 1), *c = lane (fx, 2), *d = lane (fx, 3);
  g_autoptr(TnSaleReceipt) sale = NULL;
  g_autoptr(GPtrArray) upto_sale = NULL;
  g_autoptr(GPtrArray) order_ab = g_ptr_array_new ();
  g_autoptr(GPtrArray) order_ba = g_ptr_array_new ();
  g_autofree char *void_a = NULL;
  g_autofree char *void_b = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  receive (a, "SODA", 10000);
  sale = tn_test_sell (a, "SODA", 3000);
  upto_sale = tn_store_read_events (a, tn_store_get_replica_id (a), 0, 1000, &error);
  g_assert_no_error (error);
  tn_test_sync_one_way (a, b);

  /* Two lanes void the same sale before hearing of each other. */
  tn_store_void_sale (a, sale->sale_id, "wrong item", NULL, &error);
  g_assert_no_error (error);
  void_a = last_local_event (a);
  tn_store_void_sale (b, sale->sale_id, "customer left", "mgr", &error);
  g_assert_no_error (error);
  void_b = last_local_event (b);

  /* A lane that already shows it void refuses another void. */
  tn_store_void_sale (a, sale->sale_id, "again", NULL, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_clear_error (&error);

  /* A third and a fourth lane receive them in opposite orders. */
  tn_test_apply_bodies (c, upto_sale);
  tn_test_apply_bodies (d, upto_sale);
  g_ptr_array_add (order_ab, void_a);
  g_ptr_array_add (order_ba, void_b);
  tn_test_apply_bodies (c, order_ab);
  tn_test_apply_bodies (c, order_ba);
  tn_test_apply_bodies (d, order_ba);
  tn_test_apply_bodies (d, order_ab);
  tn_test_assert_same_state (c, d);
  sync_both (a, b);
  tn_test_assert_same_state (a, b);
  tn_test_assert_same_state (a, c);

  /* Both voids are recorded; the goods came back once. */
  for (guint i = 0; i < 4; i++)
    {
      TnStore *s = fx->stores[i];

      g_assert_cmpint (stock_of (s, "SODA"), ==, 10000);
      g_assert_cmpint (tn_test_sql_int_arg (s, "SELECT voided FROM sales WHERE sale_id = ?",
                                            sale->sale_id), ==, 1);
      g_assert_cmpint (tn_test_sql_int_arg (s, "SELECT count (*) FROM voids WHERE sale_id = ?",
                                            sale->sale_id), ==, 2);
      g_assert_cmpint (tn_test_sql_int (s, "SELECT count (*) FROM inventory_changes WHERE "
                                           "kind = 'void'"), ==, 1);
      g_assert_cmpint (tn_test_sql_int (s, "SELECT count (*) FROM fiscal_documents WHERE "
                                           "kind = 'void'"), ==, 2);
    }
}

/* LWW ------------------------------------------------------------------------- */

static char *
product_name (TnStore    *store,
              const char *sku)
{
  return tn_test_sql_text (store, "SELECT name FROM products WHERE sku = ?", sku);
}

static void
rename_product (TnStore    *store,
                const char *sku,
                const char *name)
{
  g_autoptr(GError) error = NULL;

  tn_store_update_product (store, sku, name, NULL, -1, -1, &error);
  g_assert_no_error (error);
}

static void
test_lww_causal_beats_clock (Fixture       *fx,
                             gconstpointer  data)
{
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;
  g_autoptr(TnEvent) first = NULL;
  g_autoptr(TnEvent) second = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  rename_product (a, "SODA", "Soda 355 ml");
  first = last_local_parsed (a);
  tn_test_sync_one_way (a, b);

  /* B's wall clock is an hour behind, but it edits after seeing A's
   * edit: its edit is causally later and must win everywhere. */
  tn_hlc_set_clock_offset (-3600000);
  rename_product (b, "SODA", "Soda can");
  tn_hlc_set_clock_offset (0);
  second = last_local_parsed (b);
  g_assert_cmpuint (second->hlc, >, first->hlc);
  g_assert_true (tn_version_vector_contains (second->deps, first->origin, first->seq));

  sync_both (a, b);
  name_a = product_name (a, "SODA");
  name_b = product_name (b, "SODA");
  g_assert_cmpstr (name_a, ==, "Soda can");
  g_assert_cmpstr (name_b, ==, "Soda can");
  tn_test_assert_same_state (a, b);
}

static void
test_lww_concurrent_higher_clock (Fixture       *fx,
                                  gconstpointer  data)
{
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;
  g_autoptr(TnEvent) early = NULL;
  g_autoptr(TnEvent) late = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  tn_test_sync_one_way (a, b);

  /* B edits first in real time, with a clock an hour fast; A edits
   * later with a good clock.  Concurrent: the higher (hlc, origin) wins,
   * which is B's — on both lanes, whatever the arrival order. */
  tn_hlc_set_clock_offset (3600000);
  rename_product (b, "SODA", "Early but fast");
  tn_hlc_set_clock_offset (0);
  early = last_local_parsed (b);
  rename_product (a, "SODA", "Late but slow");
  late = last_local_parsed (a);
  g_assert_cmpuint (early->hlc, >, late->hlc);

  sync_both (a, b);
  name_a = product_name (a, "SODA");
  name_b = product_name (b, "SODA");
  g_assert_cmpstr (name_a, ==, "Early but fast");
  g_assert_cmpstr (name_b, ==, "Early but fast");
  tn_test_assert_same_state (a, b);
}

/* Builds a remote event from a made-up origin (seq 1). */
static char *
forge_event (const char      *origin,
             TnEventType      type,
             TnHlc            hlc,
             TnVersionVector *deps,
             JsonObject      *payload)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TnEvent) event = NULL;

  json_node_take_object (node, payload);
  event = tn_event_new ("test-store", origin, 1, type, hlc, deps, node, &error);
  g_assert_no_error (error);
  return g_strdup (event->canonical);
}

static void
test_lww_tie_break_by_origin (Fixture       *fx,
                              gconstpointer  data)
{
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);
  g_autoptr(TnVersionVector) vv = NULL;
  const char *low = "10000000-0000-4000-8000-000000000000";
  const char *high = "f0000000-0000-4000-8000-000000000000";
  g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) other = g_ptr_array_new_with_free_func (g_free);
  TnHlc hlc = tn_hlc_make (tn_hlc_now_ms () + 1000, 7);
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  tn_test_sync_one_way (a, b);
  vv = tn_store_get_version_vector (a, NULL);

  /* Two lanes write at the very same clock value: the origin decides. */
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *payload = json_object_new ();
      json_object_set_string_member (payload, "sku", "SODA");
      json_object_set_string_member (payload, "name", i == 0 ? "From low" : "From high");
      g_ptr_array_add (i == 0 ? one : other,
                       forge_event (i == 0 ? low : high, TN_EVENT_PRODUCT_UPDATED, hlc,
                                    tn_version_vector_copy (vv), payload));
    }
  tn_test_apply_bodies (a, one);
  tn_test_apply_bodies (a, other);
  tn_test_apply_bodies (b, other);
  tn_test_apply_bodies (b, one);
  name_a = product_name (a, "SODA");
  name_b = product_name (b, "SODA");
  g_assert_cmpstr (name_a, ==, "From high");
  g_assert_cmpstr (name_b, ==, "From high");
  tn_test_assert_same_state (a, b);
}

/* Price: multi-value register ------------------------------------------------ */

static GPtrArray *
conflicts_of (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *conflicts = tn_store_list_conflicts (store, &error);

  g_assert_no_error (error);
  return conflicts;
}

static void
set_price (TnStore    *store,
           const char *sku,
           gint64      price)
{
  g_autoptr(GError) error = NULL;

  tn_store_set_price (store, sku, price, &error);
  g_assert_no_error (error);
}

static gint64
price_of (TnStore    *store,
          const char *sku)
{
  return tn_test_sql_int_arg (store, "SELECT price FROM products WHERE sku = ?", sku);
}

/* @store has an open price conflict on @sku between @v1 and @v2 (and
 * with @only, no other conflict). */
static void
assert_conflict (TnStore    *store,
                 const char *sku,
                 gint64      v1,
                 gint64      v2,
                 gboolean    only)
{
  g_autoptr(GPtrArray) conflicts = conflicts_of (store);
  g_autofree char *id = g_strconcat (sku, "/price", NULL);
  TnConflict *c = NULL;
  gint64 x, y;

  if (only)
    g_assert_cmpuint (conflicts->len, ==, 1);
  for (guint i = 0; i < conflicts->len; i++)
    if (g_strcmp0 (((TnConflict *) conflicts->pdata[i])->sku, sku) == 0)
      c = conflicts->pdata[i];
  g_assert_nonnull (c);
  g_assert_cmpstr (c->field, ==, "price");
  g_assert_cmpstr (c->id, ==, id);
  g_assert_cmpuint (c->candidates->len, ==, 2);
  x = ((TnConflictCandidate *) c->candidates->pdata[0])->value;
  y = ((TnConflictCandidate *) c->candidates->pdata[1])->value;
  g_assert_cmpint (MIN (x, y), ==, MIN (v1, v2));
  g_assert_cmpint (MAX (x, y), ==, MAX (v1, v2));
  if (only)
    g_assert_cmpint (tn_store_count_conflicts (store), ==, 1);
}

static void
assert_one_conflict (TnStore    *store,
                     const char *sku,
                     gint64      v1,
                     gint64      v2)
{
  assert_conflict (store, sku, v1, v2, TRUE);
}

/* Two lanes add the same SKU before hearing of each other (one with a
 * barcode, one without); two more lanes receive the creations in
 * opposite orders and must end up identical, down to the LWW clocks. */
static void
test_product_concurrent_create (Fixture       *fx,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *b = lane (fx, 1), *c = lane (fx, 2), *d = lane (fx, 3);
  TnProductSpec with_barcode = { "TEA", "Green tea", 300, 800, "7501001" };
  TnProductSpec without = { "TEA", "Tea, green", 320, 1600, NULL };
  TnProductSpec plain_a = { "MATE", "Mate", 150, 0, NULL };
  TnProductSpec plain_b = { "MATE", "Yerba mate", 150, 0, NULL };
  g_autoptr(GPtrArray) from_a = NULL;
  g_autoptr(GPtrArray) from_b = NULL;

  tn_store_add_product (a, &with_barcode, &error);
  g_assert_no_error (error);
  tn_store_add_product (a, &plain_a, &error);
  g_assert_no_error (error);
  tn_store_add_product (b, &without, &error);
  g_assert_no_error (error);
  tn_store_add_product (b, &plain_b, &error);
  g_assert_no_error (error);

  from_a = tn_store_read_events (a, tn_store_get_replica_id (a), 0, 100, &error);
  g_assert_no_error (error);
  from_b = tn_store_read_events (b, tn_store_get_replica_id (b), 0, 100, &error);
  g_assert_no_error (error);
  tn_test_apply_bodies (c, from_a);
  tn_test_apply_bodies (c, from_b);
  tn_test_apply_bodies (d, from_b);
  tn_test_apply_bodies (d, from_a);
  tn_test_assert_same_state (c, d);
  sync_both (a, b);
  tn_test_assert_same_state (a, b);
  tn_test_assert_same_state (a, c);

  /* Concurrent first prices are a conflict like any other. */
  assert_conflict (c, "TEA", 300, 320, FALSE);
}

static void
test_price_conflict_and_resolve (Fixture       *fx,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);
  g_autoptr(GPtrArray) conflicts = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  tn_test_sync_one_way (a, b);

  /* A sequential edit is no conflict. */
  set_price (a, "SODA", 210);
  tn_test_sync_one_way (a, b);
  g_assert_cmpint (tn_store_count_conflicts (b), ==, 0);
  g_assert_cmpint (price_of (b, "SODA"), ==, 210);

  /* Concurrent edits keep both values. */
  set_price (a, "SODA", 250);
  set_price (b, "SODA", 300);
  sync_both (a, b);
  assert_one_conflict (a, "SODA", 250, 300);
  assert_one_conflict (b, "SODA", 250, 300);
  tn_test_assert_same_state (a, b);

  /* A manager settles it on one lane; the other learns it. */
  tn_store_resolve_conflict (a, "SODA/price", 275, "manager", &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_store_count_conflicts (a), ==, 0);
  g_assert_cmpint (price_of (a, "SODA"), ==, 275);
  tn_test_sync_one_way (a, b);
  g_assert_cmpint (tn_store_count_conflicts (b), ==, 0);
  g_assert_cmpint (price_of (b, "SODA"), ==, 275);
  tn_test_assert_same_state (a, b);
  conflicts = conflicts_of (b);
  g_assert_cmpuint (conflicts->len, ==, 0);
  g_assert_cmpint (tn_test_sql_int (b, "SELECT count (*) FROM price_candidates WHERE "
                                       "sku = 'SODA'"), ==, 1);
  g_assert_cmpint (tn_test_sql_int_arg (b, "SELECT value FROM conflict_resolutions", NULL),
                   ==, 275);

  /* Resolving again finds nothing to resolve. */
  tn_store_resolve_conflict (b, "SODA/price", 275, NULL, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* New sales use the settled price. */
  {
    g_autoptr(TnSaleReceipt) receipt = tn_test_sell (b, "SODA", 1000);
    g_assert_cmpint (receipt->subtotal, ==, 275);
  }
}

static void
test_price_resolution_concurrent_with_edit (Fixture       *fx,
                                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);

  tn_test_add_product (a, "SODA", 199, 1600);
  tn_test_sync_one_way (a, b);
  set_price (a, "SODA", 250);
  set_price (b, "SODA", 300);
  sync_both (a, b);
  assert_one_conflict (a, "SODA", 250, 300);

  /* A resolves while B, not yet knowing, sets another price: the
   * resolution does not cover B's new write, so the conflict stays open
   * between the two. */
  tn_store_resolve_conflict (a, "SODA", 275, "manager", &error);
  g_assert_no_error (error);
  set_price (b, "SODA", 320);
  sync_both (a, b);
  assert_one_conflict (a, "SODA", 275, 320);
  assert_one_conflict (b, "SODA", 275, 320);
  tn_test_assert_same_state (a, b);

  /* Same value concurrently: both kept, but nothing to decide. */
  tn_store_resolve_conflict (b, "SODA", 330, NULL, &error);
  g_assert_no_error (error);
  sync_both (a, b);
  set_price (a, "SODA", 400);
  set_price (b, "SODA", 400);
  sync_both (a, b);
  g_assert_cmpint (tn_store_count_conflicts (a), ==, 0);
  g_assert_cmpint (tn_store_count_conflicts (b), ==, 0);
  g_assert_cmpint (price_of (a, "SODA"), ==, 400);
  g_assert_cmpint (tn_test_sql_int (a, "SELECT count (*) FROM price_candidates"), ==, 2);
  tn_test_assert_same_state (a, b);
}

/* Customers and debts --------------------------------------------------------- */

static void
test_customers_and_debts (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *b = lane (fx, 1);
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;
  g_autofree char *phone = NULL;
  gint64 balance = 0;

  tn_store_upsert_customer (a, "C-001", "Ana Pérez", "555-0101", &error);
  g_assert_no_error (error);
  tn_test_sync_one_way (a, b);

  /* Concurrent: B's clock is ahead, so B's name wins; A's phone (the
   * only phone write since) stays. */
  tn_hlc_set_clock_offset (600000);
  tn_store_upsert_customer (b, "C-001", "Ana María Pérez", NULL, &error);
  tn_hlc_set_clock_offset (0);
  g_assert_no_error (error);
  tn_store_upsert_customer (a, "C-001", "Ana P.", "555-0199", &error);
  g_assert_no_error (error);

  /* The ledger: add-wins, the balance is charges − payments. */
  tn_store_charge_debt (a, "C-001", 5000, "groceries", &error);
  g_assert_no_error (error);
  tn_store_charge_debt (b, "C-001", 2500, NULL, &error);
  g_assert_no_error (error);
  tn_store_pay_debt (b, "C-001", 3000, "cash", &error);
  g_assert_no_error (error);
  tn_store_pay_debt (a, "C-001", 0, "cash", &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);

  sync_both (a, b);
  name_a = tn_test_sql_text (a, "SELECT name FROM customers WHERE customer_id = 'C-001'", NULL);
  name_b = tn_test_sql_text (b, "SELECT name FROM customers WHERE customer_id = 'C-001'", NULL);
  g_assert_cmpstr (name_a, ==, "Ana María Pérez");
  g_assert_cmpstr (name_b, ==, "Ana María Pérez");
  phone = tn_test_sql_text (b, "SELECT phone FROM customers WHERE customer_id = 'C-001'", NULL);
  g_assert_cmpstr (phone, ==, "555-0199");
  for (guint i = 0; i < 2; i++)
    {
      tn_store_get_debt_balance (fx->stores[i], "C-001", &balance, &error);
      g_assert_no_error (error);
      g_assert_cmpint (balance, ==, 5000 + 2500 - 3000);
    }
  tn_test_assert_same_state (a, b);

  tn_store_get_debt_balance (a, "C-404", &balance, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
}

/* Employees ----------------------------------------------------------------- */

static void
test_employees (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *store = lane (fx, 0);
  g_autofree char *cashier = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *found = NULL;
  g_autofree char *found_manager = NULL;
  g_autofree char *not_manager = NULL;
  g_autofree char *nobody = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(TnTestSnapshot) before = NULL;
  g_autofree char *dup = NULL;
  g_auto(GStrv) parts = NULL;

  cashier = tn_store_add_employee (store, "Luis", "4821", FALSE, &error);
  g_assert_no_error (error);
  manager = tn_store_add_employee (store, "Marta", "905517", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (tn_is_uuid (cashier));

  found = tn_store_check_pin (store, "4821", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, cashier);
  found_manager = tn_store_check_pin (store, "905517", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found_manager, ==, manager);

  /* A cashier's PIN does not open manager-only actions. */
  not_manager = tn_store_check_pin (store, "4821", TRUE, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_PERMISSION);
  g_assert_null (not_manager);
  g_clear_error (&error);
  nobody = tn_store_check_pin (store, "0000", FALSE, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_PERMISSION);
  g_assert_null (nobody);
  g_clear_error (&error);

  /* Only a salted, slow hash is stored — never the PIN. */
  hash = tn_test_sql_text (store, "SELECT pin_hash FROM employees WHERE employee_id = ?", cashier);
  g_assert_true (g_str_has_prefix (hash, "pbkdf2-sha256$"));
  parts = g_strsplit (hash, "$", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_cmpuint (g_ascii_strtoull (parts[1], NULL, 10), >=, 100000);
  /* Hex digits may spell "4821" by chance: look for the PIN as a value. */
  for (guint i = 0; parts[i] != NULL; i++)
    g_assert_cmpstr (parts[i], !=, "4821");
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM events WHERE "
                                           "body LIKE '%\"4821\"%'"), ==, 0);
  {
    g_autofree char *other = tn_test_sql_text (store, "SELECT pin_hash FROM employees WHERE "
                                               "employee_id = ?", manager);
    g_auto(GStrv) other_parts = g_strsplit (other, "$", -1);
    g_assert_cmpstr (other_parts[2], !=, parts[2]);   /* salts differ */
  }

  /* Two people cannot share a PIN; nothing is written. */
  before = tn_test_snapshot_take (store);
  dup = tn_store_add_employee (store, "Otro", "4821", FALSE, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_assert_null (dup);
  g_clear_error (&error);
  tn_test_snapshot_assert_unchanged (store, before);
  g_assert_null (tn_store_add_employee (store, "Corto", "12", FALSE, &error));
  g_assert_nonnull (error);
}

/* Cash sessions -------------------------------------------------------------- */

static void
test_cash_session_z_report (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  TnStore *store = lane (fx, 0);
  g_autofree char *session = NULL;
  g_autofree char *open = NULL;
  g_autofree char *second_open = NULL;
  g_autofree char *z_hash = NULL;
  g_autofree char *prev_hash = NULL;
  g_autofree char *z_kind = NULL;
  g_autoptr(TnSaleReceipt) cash = NULL;
  g_autoptr(TnSaleReceipt) card = NULL;
  g_autoptr(TnZReport) z = NULL;
  g_autoptr(TnEvent) close_event = NULL;
  gint64 *cash_total, *card_total;
  guint n_documents = 0;

  tn_test_add_product (store, "SODA", 199, 1600);
  receive (store, "SODA", 10000);

  session = tn_store_open_cash_session (store, 10000, "cashier-1", &error);
  g_assert_no_error (error);
  open = tn_store_get_open_session (store, &error);
  g_assert_cmpstr (open, ==, session);
  second_open = tn_store_open_cash_session (store, 100, NULL, &error);
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_assert_null (second_open);
  g_clear_error (&error);

  cash = tn_test_sell_paid (store, "SODA", 3000, "cash", NULL, 1000);   /* 6.93, change 3.07 */
  g_assert_cmpint (cash->change, ==, 307);
  card = tn_test_sell_paid (store, "SODA", 3000, "card", NULL, 693);
  tn_store_move_cash (store, TRUE, 2000, "change float top-up", &error);
  g_assert_no_error (error);
  tn_store_move_cash (store, FALSE, 500, "window cleaner", &error);
  g_assert_no_error (error);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT count (*) FROM sales WHERE session_id = ?",
                                        session), ==, 2);

  z = tn_store_close_cash_session (store, 12000, FALSE, &error);
  g_assert_no_error (error);

  /* Expected cash = float + cash sales − change + in − out. */
  g_assert_cmpstr (z->session_id, ==, session);
  g_assert_cmpstr (z->z_doc, ==, "L1-Z-000001");
  g_assert_cmpint (z->float_amount, ==, 10000);
  g_assert_cmpint (z->cash_sales, ==, 1000 - 307);
  g_assert_cmpint (z->cash_in, ==, 2000);
  g_assert_cmpint (z->cash_out, ==, 500);
  g_assert_cmpint (z->expected, ==, 10000 + 1000 - 307 + 2000 - 500);
  g_assert_cmpint (z->counted, ==, 12000);
  g_assert_cmpint (z->variance, ==, 12000 - 12193);
  g_assert_cmpint (z->sales_count, ==, 2);
  g_assert_cmpint (z->voids_count, ==, 0);
  cash_total = g_hash_table_lookup (z->totals, "cash/USD");
  card_total = g_hash_table_lookup (z->totals, "card/USD");
  g_assert_nonnull (cash_total);
  g_assert_nonnull (card_total);
  g_assert_cmpint (*cash_total, ==, 1000);
  g_assert_cmpint (*card_total, ==, 693);

  /* The projection and the closing event agree with the report. */
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT expected FROM cash_sessions WHERE "
                                               "session_id = ?", session), ==, 12193);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT variance FROM cash_sessions WHERE "
                                               "session_id = ?", session), ==, -193);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT counted FROM cash_sessions WHERE "
                                               "session_id = ?", session), ==, 12000);
  {
    g_autofree char *z_doc = tn_test_sql_text (store, "SELECT z_doc FROM cash_sessions WHERE "
                                               "session_id = ?", session);
    g_assert_cmpstr (z_doc, ==, "L1-Z-000001");
  }
  close_event = last_local_parsed (store);
  g_assert_cmpint (close_event->type, ==, TN_EVENT_CASH_SESSION_CLOSED);
  g_assert_cmpint (tn_event_get_int (close_event, "expected", 0), ==, 12193);

  /* The Z report is a fiscal document in the lane's chain. */
  z_kind = tn_test_sql_text (store, "SELECT kind FROM fiscal_documents WHERE "
                                    "doc = 'L1-Z-000001'", NULL);
  g_assert_cmpstr (z_kind, ==, "z");
  z_hash = tn_test_sql_text (store, "SELECT prev_hash FROM fiscal_documents WHERE "
                                    "doc = 'L1-Z-000001'", NULL);
  prev_hash = tn_test_sql_text (store, "SELECT hash FROM fiscal_documents WHERE event_id = ?",
                                card->event_id);
  g_assert_cmpstr (z_hash, ==, prev_hash);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT chain_seq FROM fiscal_documents WHERE "
                                               "doc = 'L1-Z-000001'", NULL), ==, 3);
  tn_fiscal_verify (store, problems, &n_documents, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (n_documents, ==, 3);

  /* Closed: no more cash movements, and the next session's Z is 2. */
  g_assert_false (tn_store_move_cash (store, TRUE, 100, "late", &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  {
    g_autofree char *next = tn_store_open_cash_session (store, 0, NULL, &error);
    g_autoptr(TnZReport) z2 = NULL;

    g_assert_no_error (error);
    z2 = tn_store_close_cash_session (store, 0, TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (z2->z_doc, ==, "L1-Z-000002");
    g_assert_cmpint (z2->expected, ==, 0);
    g_assert_cmpint (z2->sales_count, ==, 0);
  }
}

/* A peer's batch updates each sku's stock once, at the end of the batch
 * (tn_projection_flush_stock): the result must be what applying the
 * events one by one gives, including a sku whose moves cancel out and a
 * void that returns goods sold earlier in the same batch. */
static void
test_stock_batched (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = lane (fx, 0), *whole = lane (fx, 1), *single = lane (fx, 2);
  g_autoptr(TnSaleReceipt) soda = NULL;
  g_autoptr(TnSaleReceipt) gum = NULL;
  g_autoptr(TnSaleReceipt) more = NULL;
  g_autoptr(GPtrArray) bodies = NULL;

  tn_test_add_product (a, "SODA", 199, 1600);
  tn_test_add_product (a, "GUM", 50, 0);
  receive (a, "SODA", 10000);
  soda = tn_test_sell (a, "SODA", 3000);
  gum = tn_test_sell (a, "GUM", 2000);
  receive (a, "GUM", 2000);
  more = tn_test_sell (a, "SODA", 1000);
  tn_store_void_sale (a, soda->sale_id, "wrong item", NULL, &error);
  g_assert_no_error (error);

  bodies = tn_store_read_events (a, tn_store_get_replica_id (a), 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tn_test_apply_bodies (whole, bodies).applied, ==, bodies->len);
  for (guint i = 0; i < bodies->len; i++)
    {
      g_autoptr(GPtrArray) one = g_ptr_array_new ();

      g_ptr_array_add (one, bodies->pdata[i]);
      g_assert_cmpuint (tn_test_apply_bodies (single, one).applied, ==, 1);
    }

  tn_test_assert_same_state (a, whole);
  tn_test_assert_same_state (a, single);
  g_assert_cmpint (stock_of (whole, "SODA"), ==, 9000);
  g_assert_cmpint (stock_of (whole, "GUM"), ==, 0);
  g_assert_cmpint (tn_test_sql_int (whole, "SELECT count (*) FROM stock WHERE sku = 'GUM'"),
                   ==, 1);

  /* The same batch again changes nothing: its moves are already counted. */
  g_assert_cmpuint (tn_test_apply_bodies (whole, bodies).applied, ==, 0);
  tn_test_assert_same_state (a, whole);
  g_assert_cmpint (stock_of (whole, "SODA"), ==, 9000);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tn_test_lanes_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  /* Alerts are expected in these tests; keep them out of the output. */
  g_log_set_writer_func (tn_test_log_writer_hide_alerts, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  ADD ("/projections/sale/tax-exclusive", test_sale_tax_exclusive);
  ADD ("/projections/sale/tax-inclusive", test_sale_tax_inclusive);
  ADD ("/projections/sale/second-currency", test_sale_second_currency);
  ADD ("/projections/sale/refused-changes-nothing", test_sale_refused);
  ADD ("/projections/sale/oversell", test_sale_oversell);
  ADD ("/projections/void/concurrent", test_void_concurrent);
  ADD ("/projections/stock/batched", test_stock_batched);
  ADD ("/projections/lww/causal-beats-clock", test_lww_causal_beats_clock);
  ADD ("/projections/lww/concurrent-higher-clock", test_lww_concurrent_higher_clock);
  ADD ("/projections/lww/tie-break-by-origin", test_lww_tie_break_by_origin);
  ADD ("/projections/product/concurrent-create", test_product_concurrent_create);
  ADD ("/projections/price/conflict-and-resolve", test_price_conflict_and_resolve);
  ADD ("/projections/price/resolution-concurrent-with-edit",
       test_price_resolution_concurrent_with_edit);
  ADD ("/projections/customers-and-debts", test_customers_and_debts);
  ADD ("/projections/employees", test_employees);
  ADD ("/projections/cash/session-z-report", test_cash_session_z_report);

  return g_test_run ();
}
