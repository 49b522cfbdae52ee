/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Who changed a price: the optional "by" of product.updated, checked when
 * written and when read, and carried into the conflict candidates that
 * the Conflicts window shows. */

#include <json-glib/json-glib.h>

#include "tn-error.h"
#include "tn-event.h"
#include "tn-operations.h"
#include "tn-test-util.h"

typedef TnTestLanes Fixture;

static void
sync_both (TnStore *a,
           TnStore *b)
{
  tn_test_sync_one_way (a, b);
  tn_test_sync_one_way (b, a);
}

static const TnConflictCandidate *
candidate_of (GPtrArray *conflicts,
              gint64     value)
{
  g_assert_cmpuint (conflicts->len, ==, 1);
  for (guint i = 0; i < ((TnConflict *) conflicts->pdata[0])->candidates->len; i++)
    {
      const TnConflictCandidate *c = ((TnConflict *) conflicts->pdata[0])->candidates->pdata[i];

      if (c->value == value)
        return c;
    }
  g_assert_not_reached ();
}

/* A change made by a logged-in person names them on every lane; one made
 * by no one (tendero-ctl without --employee, older builds) names no one. */
static void
test_candidate_carries_who (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *b = tn_test_lanes_get (fx, 1, FALSE);
  g_autofree char *ana = tn_store_add_employee (a, "Ana", "4821", TRUE, &error);

  g_assert_no_error (error);
  tn_test_add_product (a, "SODA", 199, 1600);
  sync_both (a, b);

  tn_store_set_price_by (a, "SODA", 250, ana, &error);
  g_assert_no_error (error);
  tn_store_set_price (b, "SODA", 300, &error);
  g_assert_no_error (error);
  sync_both (a, b);

  for (TnStore **lane = (TnStore *[]) { a, b, NULL }; *lane != NULL; lane++)
    {
      g_autoptr(GPtrArray) conflicts = tn_store_list_conflicts (*lane, &error);
      const TnConflictCandidate *by_ana, *by_nobody;

      g_assert_no_error (error);
      by_ana = candidate_of (conflicts, 250);
      by_nobody = candidate_of (conflicts, 300);
      g_assert_cmpstr (by_ana->by, ==, ana);
      g_assert_cmpstr (by_ana->by_name, ==, "Ana");
      g_assert_null (by_nobody->by);
      g_assert_null (by_nobody->by_name);
    }
}

/* An employee this lane does not know cannot be named: nothing is written. */
static void
test_unknown_employee_refused (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *a = tn_test_lanes_get (fx, 0, TRUE);
  gint64 events;

  tn_test_add_product (a, "SODA", 199, 1600);
  events = tn_test_sql_int (a, "SELECT count (*) FROM events");
  g_assert_false (tn_store_set_price_by (a, "SODA", 250, "no-such-employee", &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_assert_cmpint (tn_test_sql_int (a, "SELECT count (*) FROM events"), ==, events);
  g_assert_cmpint (tn_test_sql_int (a, "SELECT price FROM products WHERE sku = 'SODA'"),
                   ==, 199);
}

/* Old events (no "by") stay valid; a "by" that is not a non-empty string
 * is refused like any other malformed member. */
static void
test_payload_schema (void)
{
  static const struct { const char *payload; gboolean valid; } cases[] = {
    { "{\"sku\":\"SODA\",\"price\":250}", TRUE },
    { "{\"sku\":\"SODA\",\"price\":250,\"by\":\"e-1\"}", TRUE },
    { "{\"sku\":\"SODA\",\"price\":250,\"by\":\"\"}", FALSE },
    { "{\"sku\":\"SODA\",\"price\":250,\"by\":7}", FALSE },
    { "{\"sku\":\"SODA\",\"price\":250,\"by\":null}", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TnJsonDoc) payload = tn_json_doc_parse (cases[i].payload, -1, NULL);
      g_autoptr(GError) error = NULL;
      gboolean valid = tn_event_validate_payload (TN_EVENT_PRODUCT_UPDATED,
                                                  tn_json_doc_get_root (payload), &error);

      g_test_message ("%s", cases[i].payload);
      g_assert_nonnull (payload);
      if (cases[i].valid)
        g_assert_no_error (error);
      else
        g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_cmpint (valid, ==, cases[i].valid);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/conflict-who/candidate-carries-who", Fixture, NULL, tn_test_lanes_set_up,
              test_candidate_carries_who, tn_test_lanes_tear_down);
  g_test_add ("/conflict-who/unknown-employee-refused", Fixture, NULL, tn_test_lanes_set_up,
              test_unknown_employee_refused, tn_test_lanes_tear_down);
  g_test_add_func ("/conflict-who/payload-schema", test_payload_schema);
  return g_test_run ();
}
