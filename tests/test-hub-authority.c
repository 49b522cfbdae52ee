/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What the hub creates itself: fiscal blocks (the hub as the store's
 * fiscal authority) and head-office product changes; and the reporting
 * views over a real lane's events.  Real hub processes on a throw-away
 * PostgreSQL cluster. */

#include <inttypes.h>
#include <string.h>

#include "tn-event.h"
#include "tn-fiscal.h"
#include "tn-operations.h"
#include "tn-pg-harness.h"
#include "tn-test-util.h"

static TnPgCluster *cluster;
static TnHubProcess *hubs[2];

static char *
post_json (TnHubProcess *hub,
           const char   *store,
           const char   *endpoint,
           const char   *key,
           const char   *body,
           guint        *status)
{
  g_autofree char *path = g_strdup_printf ("/v1/stores/%s/%s", store, endpoint);

  return tn_hub_request (hub, "POST", path, key, body, -1, FALSE, status);
}

/* Uploads canonical events (char *) as one batch; all must be stored. */
static void
upload (const char *store,
        const char *key,
        GPtrArray  *bodies)
{
  GString *body = g_string_new ("{\"events\":[");
  g_autofree char *text = NULL;
  g_autofree char *batch = NULL;
  guint status;

  for (guint i = 0; i < bodies->len; i++)
    g_string_append_printf (body, "%s%s", i ? "," : "", (char *) bodies->pdata[i]);
  g_string_append (body, "]}");
  batch = g_string_free (body, FALSE);
  text = post_json (hubs[0], store, "events:batch", key, batch, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_null (strstr (text, "\"rejected\""));
  g_assert_null (strstr (text, "\"duplicate\""));
}

static TnEvent *
answer_event (const char *text,
              const char *store)
{
  g_autoptr(JsonNode) answer = tn_hub_parse_json (text);
  g_autoptr(GError) error = NULL;
  TnEvent *event = tn_event_from_node (json_object_get_member (json_node_get_object (answer),
                                                               "event"), store, &error);

  g_assert_no_error (error);
  return event;
}

static char *
hub_replica (const char *store)
{
  g_autofree char *sql = g_strdup_printf ("SELECT hub_replica FROM hub_stores "
                                          "WHERE store = '%s'", store);
  return tn_pg_query (cluster, sql);
}

static char *
lane_event (const char  *store,
            const char  *origin,
            gint64       seq,
            TnEventType  type,
            const char  *payload_json,
            TnHlc        hlc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) payload = tn_hub_parse_json (payload_json);
  TnVersionVector *deps = tn_version_vector_new ();
  g_autoptr(TnEvent) event = NULL;

  if (seq > 1)
    tn_version_vector_set (deps, origin, seq - 1);
  event = tn_event_new (store, origin, seq, type, hlc, deps, g_steal_pointer (&payload), &error);
  g_assert_no_error (error);
  return g_strdup (event->canonical);
}

typedef struct
{
  TnHubProcess *hub;
  const char   *key;
  const char   *terminal;
  const char   *replica;
  GPtrArray    *events;   /* TnEvent * granted */
} Requester;

static gpointer
request_blocks (gpointer data)
{
  Requester *requester = data;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"device\":\"%s\",\"replica\":\"%s\"}",
                                               requester->terminal, requester->replica);
      g_autofree char *text = NULL;
      guint status;

      text = post_json (requester->hub, "fiscal", "fiscal/blocks", requester->key, body,
                        &status);
      if (status != 200)
        g_error ("fiscal/blocks answered %u: %s", status, text);
      g_ptr_array_add (requester->events, answer_event (text, "fiscal"));
    }
  return NULL;
}

static gint
compare_first (gconstpointer a,
               gconstpointer b)
{
  gint64 fa = tn_event_get_int (*(TnEvent **) a, "first", 0);
  gint64 fb = tn_event_get_int (*(TnEvent **) b, "first", 0);

  return fa < fb ? -1 : fa > fb;
}

static void
test_fiscal_blocks (void)
{
  const char *store = "fiscal";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *hub = NULL;
  g_autofree char *lane_authority = g_uuid_string_random ();
  char *replicas[3];
  const char *terminals[] = { "L1", "L2", "L3", "L2", "L2" };
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GPtrArray) uploads = g_ptr_array_new_with_free_func (g_free);
  Requester requesters[5];
  GThread *threads[5];
  g_autofree char *text = NULL;
  guint status;

  for (guint i = 0; i < 3; i++)
    replicas[i] = g_uuid_string_random ();

  /* Before the hub took over, a lane authority granted numbers 1–50 and
   * 51–150; the hub must start past them. */
  {
    g_autofree char *first = g_strdup_printf (
        "{\"device\":\"%s\",\"terminal\":\"L1\",\"first\":1,\"count\":50}", replicas[0]);
    g_autofree char *second = g_strdup_printf (
        "{\"device\":\"%s\",\"terminal\":\"L2\",\"first\":51,\"count\":100}", replicas[1]);

    g_ptr_array_add (uploads, lane_event (store, lane_authority, 1,
                                          TN_EVENT_FISCAL_BLOCK_GRANTED, first,
                                          tn_hlc_make (1700000000000, 0)));
    g_ptr_array_add (uploads, lane_event (store, lane_authority, 2,
                                          TN_EVENT_FISCAL_BLOCK_GRANTED, second,
                                          tn_hlc_make (1700000000001, 0)));
  }
  upload (store, key, uploads);

  /* Five requesters, three devices, two hubs, at once. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      guint device = terminals[i][1] - '1';
      requesters[i] = (Requester) { hubs[i % 2], key, terminals[i], replicas[device],
                                    g_ptr_array_new () };
      threads[i] = g_thread_new ("requester", request_blocks, &requesters[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      for (guint j = 0; j < requesters[i].events->len; j++)
        {
          TnEvent *event = requesters[i].events->pdata[j];
          g_assert_cmpstr (tn_event_get_string (event, "terminal"), ==, requesters[i].terminal);
          g_assert_cmpstr (tn_event_get_string (event, "device"), ==, requesters[i].replica);
          g_ptr_array_add (all, event);
        }
      g_ptr_array_unref (requesters[i].events);
    }
  g_assert_cmpuint (all->len, ==, 20);

  /* No number twice: the blocks, sorted, follow one another past 150. */
  hub = hub_replica (store);
  g_ptr_array_sort (all, compare_first);
  for (guint i = 0; i < all->len; i++)
    {
      TnEvent *event = all->pdata[i];
      gint64 first = tn_event_get_int (event, "first", 0);

      g_assert_cmpint (event->type, ==, TN_EVENT_FISCAL_BLOCK_GRANTED);
      g_assert_cmpstr (event->origin, ==, hub);
      g_assert_cmpint (tn_event_get_int (event, "count", 0), ==, TN_FISCAL_BLOCK_SIZE);
      g_assert_cmpint (first, ==, 151 + (gint64) i * TN_FISCAL_BLOCK_SIZE);
      /* deps: the hub replica's previous event only. */
      g_assert_cmpuint (tn_version_vector_size (event->deps), ==, event->seq > 1 ? 1 : 0);
      g_assert_cmpint (tn_version_vector_get (event->deps, hub), ==, event->seq - 1);
    }
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT count (DISTINCT seq) FROM events "
                                    "WHERE store = 'fiscal' AND origin = (SELECT hub_replica "
                                    "FROM hub_stores WHERE store = 'fiscal')"), ==, 20);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT max (seq) FROM version_vectors v JOIN "
                                    "hub_stores h ON h.store = v.store AND h.hub_replica = "
                                    "v.origin WHERE v.store = 'fiscal'"), ==, 20);

  /* Without "replica", the hub finds the lane from the events it holds. */
  text = post_json (hubs[1], store, "fiscal/blocks", key, "{\"device\":\"L3\"}", &status);
  g_assert_cmpuint (status, ==, 200);
  {
    g_autoptr(TnEvent) event = answer_event (text, store);
    g_assert_cmpstr (tn_event_get_string (event, "device"), ==, replicas[2]);
    g_assert_cmpint (tn_event_get_int (event, "first", 0), ==, 1151);
  }
  g_free (text);
  text = post_json (hubs[0], store, "fiscal/blocks", key, "{\"device\":\"L9\"}", &status);
  g_assert_cmpuint (status, ==, 404);
  g_assert_nonnull (strstr (text, "\"not_found\""));

  /* Bad requests grant nothing. */
  {
    const char *bad[] = { "{}", "{\"device\":\"no such name!\"}", "{\"device\":5}",
                          "{\"device\":\"L1\",\"replica\":\"nope\"}",
                          "{\"device\":\"L1\",\"extra\":1}", "[" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_free (text);
        text = post_json (hubs[i % 2], store, "fiscal/blocks", key, bad[i], &status);
        g_assert_cmpuint (status, ==, 400);
        g_assert_nonnull (strstr (text, "\"bad_request\""));
      }
    g_free (text);
    text = post_json (hubs[0], store, "fiscal/blocks", "wrong", "{\"device\":\"L1\"}",
                      &status);
    g_assert_cmpuint (status, ==, 401);
  }
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT count (*) FROM events WHERE store = "
                                    "'fiscal' AND type = 'FiscalBlockGranted'"), ==, 2 + 21);

  g_free (text);
  text = tn_hub_request (hubs[0], "GET", "/metrics", NULL, NULL, 0, FALSE, &status);
  g_assert_null (strstr (text, "tendero_hub_fiscal_blocks_granted_total 0\n"));
  for (guint i = 0; i < 3; i++)
    g_free (replicas[i]);
}

static void
test_products (void)
{
  const char *store = "products";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *lane = g_uuid_string_random ();
  g_autofree char *hub = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) uploads = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TnEvent) created = NULL;
  g_autoptr(TnEvent) updated = NULL;
  /* A lane whose clock runs far ahead: the hub's event must still be
   * causally later. */
  TnHlc future = tn_hlc_make (tn_hlc_now_ms () + 3600 * 1000, 7);
  guint status;
  int exit_status;

  for (gint64 seq = 1; seq <= 3; seq++)
    g_ptr_array_add (uploads, lane_event (store, lane, seq, TN_EVENT_STOCK_ADJUSTED,
                                          "{\"sku\":\"TEA\",\"delta\":1000,\"reason\":\"count\"}",
                                          future + seq));
  upload (store, key, uploads);

  text = post_json (hubs[0], store, "products", key,
                    "{\"sku\":\"TEA\",\"name\":\"Green tea\",\"price\":250,\"tax\":16}", &status);
  g_assert_cmpuint (status, ==, 200);
  created = answer_event (text, store);
  hub = hub_replica (store);
  g_assert_cmpint (created->type, ==, TN_EVENT_PRODUCT_CREATED);
  g_assert_cmpstr (created->origin, ==, hub);
  g_assert_cmpint (created->seq, ==, 1);
  g_assert_cmpint (tn_event_get_int (created, "price", 0), ==, 250);
  g_assert_cmpint (tn_event_get_int (created, "tax_bp", 0), ==, 1600);
  g_assert_cmpint (tn_version_vector_get (created->deps, lane), ==, 3);
  g_assert_cmpuint (tn_version_vector_size (created->deps), ==, 1);
  g_assert_cmpuint (created->hlc, >, future + 3);

  g_free (text);
  text = post_json (hubs[1], store, "products", key, "{\"sku\":\"TEA\",\"price\":300}", &status);
  g_assert_cmpuint (status, ==, 200);
  updated = answer_event (text, store);
  g_assert_cmpint (updated->type, ==, TN_EVENT_PRODUCT_UPDATED);
  g_assert_cmpint (updated->seq, ==, 2);
  g_assert_cmpint (tn_event_get_int (updated, "price", 0), ==, 300);
  g_assert_null (tn_json_value_member (tn_event_get_payload (updated), "name"));
  g_assert_cmpint (tn_version_vector_get (updated->deps, hub), ==, 1);
  g_assert_cmpint (tn_version_vector_get (updated->deps, lane), ==, 3);

  /* The command line does the same. */
  g_free (text);
  text = tn_hub_run (cluster, &err, &exit_status, "product", "set", "--store", store,
                     "--sku", "TEA", "--price", "3.10", "--tax", "8", NULL);
  g_assert_cmpint (exit_status, ==, 0);
  {
    g_autoptr(TnEvent) event = answer_event (text, store);
    g_assert_cmpint (event->type, ==, TN_EVENT_PRODUCT_UPDATED);
    g_assert_cmpint (event->seq, ==, 3);
    g_assert_cmpint (tn_event_get_int (event, "price", 0), ==, 310);
    g_assert_cmpint (tn_event_get_int (event, "tax_bp", 0), ==, 800);
  }
  g_free (text);
  g_free (err);
  text = tn_hub_run (cluster, &err, &exit_status, "product", "set", "--store", store,
                     "--sku", "TEA", "--price", "cheap", NULL);
  g_assert_cmpint (exit_status, !=, 0);
  g_assert_nonnull (strstr (err, "cheap"));

  /* Refused: a new product without a price, unknown fields, fractions. */
  {
    const char *bad[] = { "{\"sku\":\"NEW\",\"name\":\"New\"}", "{\"sku\":\"TEA\"}",
                          "{\"sku\":\"TEA\",\"colour\":\"red\"}", "{\"sku\":\"TEA\",\"price\":2.5}",
                          "{\"sku\":\"TEA\",\"tax\":101}", "{\"name\":\"x\",\"price\":1}" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_free (text);
        text = post_json (hubs[i % 2], store, "products", key, bad[i], &status);
        g_assert_cmpuint (status, ==, 400);
        g_assert_nonnull (strstr (text, "\"bad_request\""));
      }
  }

  /* Lanes pull them like any origin's events. */
  path = g_strdup_printf ("/v1/stores/%s/events?origin=%s", store, hub);
  g_free (text);
  text = tn_hub_request (hubs[0], "GET", path, key, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  {
    g_autoptr(JsonNode) answer = tn_hub_parse_json (text);
    JsonArray *events = json_object_get_array_member (json_node_get_object (answer), "events");
    g_assert_cmpuint (json_array_get_length (events), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                    "type"), ==, "ProductCreated");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 2),
                                                    "type"), ==, "ProductUpdated");
  }
}

static void
test_reports (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) lane = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autofree char *key = tn_hub_create_key (cluster, "test-store");
  g_autoptr(GPtrArray) bodies = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSaleReceipt) voided = NULL;
  gint64 lane_stock = 0;

  tn_test_add_product (lane, "COFFEE", 500, 1600);
  tn_test_add_product (lane, "MILK", 120, 0);
  g_assert_true (tn_store_receive_stock (lane, "COFFEE", 20000, "delivery", &error));
  g_assert_no_error (error);
  tn_sale_receipt_free (tn_test_sell_paid (lane, "COFFEE", 2000, "cash", "USD", 2000));
  tn_sale_receipt_free (tn_test_sell_paid (lane, "COFFEE", 1000, "card", "USD", 580));
  tn_sale_receipt_free (tn_test_sell_paid (lane, "MILK", 3000, "cash", "USD", 360));
  voided = tn_test_sell_paid (lane, "COFFEE", 4000, "card", "USD", 2320);
  g_assert_true (tn_store_void_sale (lane, voided->sale_id, "wrong item", NULL, &error));
  g_assert_no_error (error);

  /* Genuine lane events pass the hub's validation. */
  bodies = tn_store_read_events (lane, tn_store_get_replica_id (lane), 0, 1000, &error);
  g_assert_no_error (error);
  upload ("test-store", key, bodies);

  g_assert_true (tn_store_get_stock (lane, "COFFEE", &lane_stock, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lane_stock, ==, 17000);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT qty_milli FROM report_stock "
                                    "WHERE store = 'test-store' AND sku = 'COFFEE'"),
                   ==, lane_stock);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT qty_milli FROM report_stock "
                                    "WHERE store = 'test-store' AND sku = 'MILK'"), ==, -3000);

  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sum (sales) FROM report_sales_by_day "
                                    "WHERE store = 'test-store'"),
                   ==, tn_test_sql_int (lane, "SELECT count (*) FROM sales WHERE voided = 0"));
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sum (voided) FROM report_sales_by_day "
                                    "WHERE store = 'test-store'"), ==, 1);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sum (total) FROM report_sales_by_day "
                                    "WHERE store = 'test-store'"),
                   ==, tn_test_sql_int (lane, "SELECT sum (total) FROM sales WHERE voided = 0"));
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sales FROM report_sales_by_method "
                                    "WHERE store = 'test-store' AND method = 'cash'"), ==, 2);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT amount_base FROM report_sales_by_method "
                                    "WHERE store = 'test-store' AND method = 'cash'"),
                   ==, tn_test_sql_int (lane, "SELECT sum (p.amount_base) FROM payments p "
                                        "JOIN sales s USING (sale_id) WHERE s.voided = 0 "
                                        "AND p.method = 'cash'"));
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sales FROM report_sales_by_method "
                                    "WHERE store = 'test-store' AND method = 'card'"), ==, 1);

  g_clear_object (&lane);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (tn_test_log_writer_hide_alerts, NULL, NULL);

  cluster = tn_pg_cluster_start ();
  hubs[0] = tn_hub_start (cluster);
  hubs[1] = tn_hub_start (cluster);

  g_test_add_func ("/hub/fiscal-blocks", test_fiscal_blocks);
  g_test_add_func ("/hub/products", test_products);
  g_test_add_func ("/hub/reports", test_reports);
  result = g_test_run ();

  g_assert_cmpint (tn_hub_stop (hubs[0]), ==, 0);
  g_assert_cmpint (tn_hub_stop (hubs[1]), ==, 0);
  tn_pg_cluster_stop (cluster);
  return result;
}
