/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "tn-bench-ui-fixture.h"
#include "tn-bench-util.h"
#include "tn-operations.h"
#include "tn-store.h"

#define N_SALES_MAX 100000
#define BATCH       10000

/* Names like a grocery's shelves, so searches hit realistic word lists. */
static const char *const brands[] = {
  "Polar", "Mavesa", "Nestlé", "Kraft", "Heinz", "Alpina", "Goya", "Bimbo",
  "Colgate", "Dove", "Knorr", "Maggi", "Quaker", "Kellogg", "Pampers", "Ariel",
};
static const char *const kinds[] = {
  "coffee", "milk", "rice", "flour", "sugar", "pasta", "tuna", "beans", "soap",
  "shampoo", "cookies", "juice", "water", "soda", "oil", "butter", "cheese",
  "yogurt", "cereal", "tea", "chocolate", "bread", "eggs", "salt", "vinegar",
};
static const char *const sizes[] = {
  "250 g", "500 g", "1 kg", "1 L", "2 L", "355 ml", "6 pack", "12 units",
};

const char *const tn_bench_ui_searches[] = {
  "coffee", "polar milk", "rice 1 kg", "nestle choc", "heinz beans", "7790000012345",
  "SKU0042", "kellogg cereal 500", "dove soap", "goya", "water 2 l", "alpina yog",
  NULL,
};

static void
run_ctl (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("tendero-ctl %s failed: %s %s", argv[3], error->message, err ? err : "");
}

static void
add_catalogue (TnStore *store,
               guint    n)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sku = g_strdup_printf ("SKU%07u", i);
      g_autofree char *name = g_strdup_printf ("%s %s %s #%u",
                                               brands[(i / 7) % G_N_ELEMENTS (brands)],
                                               kinds[i % G_N_ELEMENTS (kinds)],
                                               sizes[(i / 3) % G_N_ELEMENTS (sizes)], i);
      g_autofree char *barcode = g_strdup_printf ("779%010u", i);
      TnProductSpec spec = { sku, name, 50 + (i * 7919) % 99950, (gint) (i % 3) * 800,
                             barcode };

      if (i % BATCH == 0)
        tn_store_begin (store, &error);
      tn_bench_check (error, "Starting a batch of products");
      tn_store_append_product (store, &spec, &error);
      tn_bench_check (error, "Adding a product");
      if (i % BATCH == BATCH - 1 || i == n - 1)
        tn_store_commit (store, &error);
      tn_bench_check (error, "Saving a batch of products");
    }
}

static void
add_sales (TnStore *store,
           guint    n_products,
           guint    n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;
      g_autoptr(GError) error = NULL;

      for (guint l = 0; l < 5; l++)
        {
          char sku[16];
          g_snprintf (sku, sizeof sku, "SKU%07d", g_rand_int_range (rand, 0, n_products));
          tn_sale_request_add_line (request, sku, 1000 * g_rand_int_range (rand, 1, 4));
        }
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale");
    }
}

static void
add_deliveries (TnStore *store,
                guint    n_products,
                guint    n)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *payload = json_object_new ();
      g_autofree char *sku = g_strdup_printf ("SKU%07u", (i * 104729u) % n_products);
      g_autoptr(TnEvent) event = NULL;

      json_object_set_string_member (payload, "sku", sku);
      json_object_set_int_member (payload, "qty", 1000 * (1 + i % 24));
      json_object_set_string_member (payload, "reason", "Delivery");
      json_node_take_object (node, payload);
      if (i % BATCH == 0)
        tn_store_begin (store, &error);
      tn_bench_check (error, "Starting a batch of deliveries");
      event = tn_store_append (store, TN_EVENT_STOCK_RECEIVED, node, &error);
      tn_bench_check (error, "A delivery");
      if (i % BATCH == BATCH - 1 || i == n - 1)
        tn_store_commit (store, &error);
      tn_bench_check (error, "Saving a batch of deliveries");
    }
}

static void
fill (const char *dir,
      guint       n_products,
      guint       n_events)
{
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);
  g_autoptr(TnVersionVector) vv = NULL;
  guint n_sales, events;
  gint64 start = g_get_monotonic_time ();

  tn_bench_check (error, "Opening the fixture");
  add_catalogue (store, n_products);
  /* A tenth of the rest are sales (each also grants fiscal blocks now
   * and then), the others deliveries. */
  n_sales = MIN (N_SALES_MAX, (n_events - MIN (n_events, n_products)) / 10);
  add_sales (store, n_products, n_sales);
  vv = tn_store_get_version_vector (store, &error);
  tn_bench_check (error, "Reading the version vector");
  events = (guint) tn_version_vector_total (vv);
  if (events < n_events)
    add_deliveries (store, n_products, n_events - events);
  g_clear_pointer (&vv, tn_version_vector_free);
  vv = tn_store_get_version_vector (store, &error);
  tn_bench_check (error, "Reading the version vector");
  tn_store_begin (store, &error);
  tn_bench_check (error, "Acknowledging the outbox");
  tn_store_outbox_advance (store, vv, TN_OUTBOX_PEER_ACK, &error);
  tn_bench_check (error, "Acknowledging the outbox");
  tn_store_commit (store, &error);
  tn_bench_check (error, "Acknowledging the outbox");
  printf ("# fixture: %u products, %u sales, %" G_GINT64_FORMAT " events in %.0f s\n",
          n_products, n_sales, tn_version_vector_total (vv), tn_bench_seconds (start));
}

char *
tn_bench_ui_fixture (const char *ctl,
                     const char *cache_dir,
                     guint       n_products,
                     guint       n_events)
{
  g_autofree char *name = g_strdup_printf ("lane-%u-%u", n_products, n_events);
  char *dir = g_build_filename (cache_dir, name, NULL);
  g_autofree char *stamp = g_build_filename (dir, "fixture-complete", NULL);
  g_autofree char *building = NULL;
  g_autofree char *building_stamp = NULL;
  g_autoptr(GError) error = NULL;

  if (g_file_test (stamp, G_FILE_TEST_EXISTS))
    {
      printf ("# fixture: %s (cached)\n", dir);
      return dir;
    }
  g_mkdir_with_parents (cache_dir, 0700);
  /* Built aside and renamed, so an interrupted run leaves no half fixture. */
  building = g_build_filename (cache_dir, "building-XXXXXX", NULL);
  if (g_mkdtemp (building) == NULL)
    g_error ("Cannot create a directory in %s", cache_dir);
  g_rmdir (building);
  printf ("# fixture: building %s (%u products, %u events; once, then cached)\n",
          dir, n_products, n_events);
  fflush (stdout);
  {
    const char *init[] = { ctl, "--data-dir", building, "init", "--store", "bench-store",
                           "--terminal", "L1", "--fiscal-authority", NULL };
    const char *employee[] = { ctl, "--data-dir", building, "employee", "add",
                               "--name", "Bench cashier", "--pin", TN_BENCH_UI_PIN, NULL };
    run_ctl (init);
    run_ctl (employee);
  }
  fill (building, n_products, n_events);
  building_stamp = g_build_filename (building, "fixture-complete", NULL);
  g_file_set_contents (building_stamp, "", 0, &error);
  tn_bench_check (error, "Marking the fixture complete");
  if (g_rename (building, dir) != 0)
    g_error ("Cannot move the fixture to %s", dir);
  return dir;
}
