/* SPDX-License-Identifier: GPL-3.0-or-later */

/* tendero-ctl as scripts use it: the real binary ($TN_CTL), run without
 * a shell in a fresh directory per test.  Every refusal must exit
 * non-zero, say what to do, and leave the store exactly as it was. */

#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>
#include <locale.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tn-event.h"
#include "tn-test-util.h"

typedef struct
{
  char *tmp;        /* removed at the end */
  char *lane;       /* tmp/lane: the data directory */
} Fixture;

typedef struct
{
  int   status;     /* exit code */
  char *out;
  char *err;
} CtlResult;

static void
ctl_result_free (CtlResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlResult, ctl_result_free)

/* Running tendero-ctl --------------------------------------------------- */

/* Runs tendero-ctl with @args (NULL-terminated), with "--data-dir
 * @data_dir" first unless @data_dir is NULL, and TENDERO_DATA_DIR set to
 * @env_data_dir (or unset). */
static CtlResult *
run_ctl_env (const char  *data_dir,
             const char  *env_data_dir,
             const char  *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  const char *ctl = g_getenv ("TN_CTL");
  CtlResult *result = g_new0 (CtlResult, 1);
  int wait_status = 0;

  g_assert_nonnull (ctl);
  g_ptr_array_add (argv, (char *) ctl);
  if (data_dir != NULL)
    {
      g_ptr_array_add (argv, (char *) "--data-dir");
      g_ptr_array_add (argv, (char *) data_dir);
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_unsetenv (envp, "TENDERO_DATA_DIR");
  if (env_data_dir != NULL)
    envp = g_environ_setenv (envp, "TENDERO_DATA_DIR", env_data_dir, TRUE);

  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);

  {
    g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);
    g_test_message ("$ %s\n%s%s", line, result->out, result->err);
  }
  /* A crash or an abort (a critical under fatal-warnings) is never an
   * acceptable way to refuse. */
  g_assert_true (WIFEXITED (wait_status));
  result->status = WEXITSTATUS (wait_status);
  g_assert_null (strstr (result->err, "CRITICAL"));
  g_assert_null (strstr (result->err, "WARNING"));
  /* Under the sanitizer build a leak or UB also shows here. */
  g_assert_null (strstr (result->err, "Sanitizer"));
  g_assert_null (strstr (result->err, "runtime error"));
  return result;
}

/* Runs tendero-ctl under a Spanish locale (build-aux/dev generates it). */
static CtlResult *
run_ctl_spanish (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  CtlResult *result = g_new0 (CtlResult, 1);
  int wait_status = 0;

  g_ptr_array_add (argv, (char *) g_getenv ("TN_CTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  envp = g_environ_unsetenv (envp, "TENDERO_DATA_DIR");
  envp = g_environ_unsetenv (envp, "LANGUAGE");
  envp = g_environ_setenv (envp, "LC_ALL", "es_ES.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "LANG", "es_ES.UTF-8", TRUE);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  result->status = WEXITSTATUS (wait_status);
  return result;
}

#define run_ctl(dir, ...) \
  run_ctl_env ((dir), NULL, (const char *const[]) { __VA_ARGS__, NULL })

static void
assert_ok (CtlResult *result)
{
  if (result->status != 0)
    g_error ("tendero-ctl failed (%d): %s", result->status, result->err);
}

/* A refusal: non-zero, "tendero-ctl: …" on stderr containing @needle. */
static void
assert_refused (CtlResult  *result,
                const char *needle)
{
  g_assert_cmpint (result->status, !=, 0);
  g_assert_true (g_str_has_prefix (result->err, "tendero-ctl: ") ||
                 strstr (result->err, "\ntendero-ctl: ") != NULL);
  if (needle != NULL && strstr (result->err, needle) == NULL)
    g_error ("expected “%s” in the error, got: %s", needle, result->err);
}

/* Parses stdout, which must be exactly one JSON object. */
static JsonObject *
parse_json (CtlResult *result)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  assert_ok (result);
  json_parser_load_from_data (parser, result->out, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static JsonObject *
run_json (const char         *data_dir,
          const char  *const *args)
{
  g_autoptr(CtlResult) result = run_ctl_env (data_dir, NULL, args);

  return parse_json (result);
}

#define ctl_json(dir, ...) \
  run_json ((dir), (const char *const[]) { __VA_ARGS__, NULL })

/* What must not change when a command is refused: digest, vv, events. */
static char *
snapshot (const char *lane)
{
  g_autoptr(JsonObject) status = ctl_json (lane, "status", "--json");
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *vv = NULL;

  json_generator_set_root (generator, json_object_get_member (status, "vv"));
  vv = json_generator_to_data (generator, NULL);
  return g_strdup_printf ("%s %s %" G_GINT64_FORMAT,
                          json_object_get_string_member (status, "digest"), vv,
                          json_object_get_int_member (status, "events"));
}

static char *
product_list (const char *lane)
{
  g_autoptr(CtlResult) result = run_ctl (lane, "product", "list", "--json");

  assert_ok (result);
  return g_strdup (result->out);
}

/* Fixture ---------------------------------------------------------------- */

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = g_dir_make_tmp ("tn-ctl-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->lane = g_build_filename (fixture->tmp, "lane", NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  tn_test_rmdir (fixture->tmp);
  g_free (fixture->tmp);
  g_free (fixture->lane);
}

static void
init_lane (Fixture    *fixture,
           const char *extra)
{
  g_autoptr(CtlResult) result = NULL;

  if (extra != NULL)
    result = run_ctl (fixture->lane, "init", "--store", "demo", "--terminal", "L1", extra);
  else
    result = run_ctl (fixture->lane, "init", "--store", "demo", "--terminal", "L1");
  assert_ok (result);
}

static void
add_product (Fixture    *fixture,
             const char *sku,
             const char *price,
             const char *tax)
{
  g_autoptr(CtlResult) result = run_ctl (fixture->lane, "product", "add", "--sku", sku,
                                         "--name", sku, "--price", price, "--tax", tax);

  assert_ok (result);
}

static char *
write_file (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (fixture->tmp, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* Selling and status ------------------------------------------------------- */

static void
test_sell_and_status (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) sale2 = NULL;
  g_autoptr(JsonObject) sale3 = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(GList) origins = NULL;
  g_autoptr(CtlResult) verify = NULL;
  JsonObject *vv, *outbox;
  const char *digest;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  add_product (fixture, "B2", "0.99", "0");

  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");
  g_assert_cmpint (json_object_get_int_member (sale, "total"), ==, 174);
  g_assert_cmpint (json_object_get_int_member (sale, "tax"), ==, 24);
  g_assert_cmpint (json_object_get_int_member (sale, "subtotal"), ==, 150);
  g_assert_cmpstr (json_object_get_string_member (sale, "total_text"), ==, "1.74");
  g_assert_cmpstr (json_object_get_string_member (sale, "currency"), ==, "USD");
  g_assert_cmpint (json_object_get_int_member (sale, "change"), ==, 0);
  g_assert_true (tn_is_uuid (json_object_get_string_member (sale, "sale_id")));
  g_assert_true (tn_is_uuid (json_object_get_string_member (sale, "event_id")));
  g_assert_cmpstr (json_object_get_string_member (sale, "fiscal_doc"), !=, "");
  /* No fiscal authority anywhere: the contingency series, never a refusal. */
  g_assert_true (json_object_get_boolean_member (sale, "contingency"));
  g_assert_false (json_object_has_member (sale, "second_currency"));
  /* Stock was 0: the sale goes through, flagged. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sale, "oversold")),
                    ==, 1);

  /* 2.5 × 1.50 = 3.75 net, tax 0.60. */
  sale2 = ctl_json (fixture->lane, "sell", "--sku", "A1", "--qty", "2.5", "--json");
  g_assert_cmpint (json_object_get_int_member (sale2, "total"), ==, 435);
  g_assert_cmpint (json_object_get_int_member (sale2, "tax"), ==, 60);

  /* --qty belongs to the --sku before it: 2 × A1 (348) + 1 × B2 (99). */
  sale3 = ctl_json (fixture->lane, "sell", "--sku", "A1", "--qty", "2", "--sku", "B2",
                    "--json");
  g_assert_cmpint (json_object_get_int_member (sale3, "total"), ==, 447);

  status = ctl_json (fixture->lane, "status", "--json");
  vv = json_object_get_object_member (status, "vv");
  origins = json_object_get_members (vv);
  g_assert_cmpuint (g_list_length (origins), ==, 1);
  g_assert_cmpstr (origins->data, ==, json_object_get_string_member (status, "replica"));
  /* 2 products + 3 sales, all local and not yet sent anywhere. */
  g_assert_cmpint (json_object_get_int_member (vv, origins->data), ==, 5);
  g_assert_cmpint (json_object_get_int_member (status, "events"), ==, 5);
  outbox = json_object_get_object_member (status, "outbox");
  g_assert_cmpint (json_object_get_int_member (outbox, "pending"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (outbox, "peer_ack"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "conflicts"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "held_back"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (status, "store"), ==, "demo");
  g_assert_cmpstr (json_object_get_string_member (status, "terminal"), ==, "L1");
  g_assert_cmpint (json_object_get_int_member (
      json_object_get_object_member (status, "fiscal"), "contingency_documents"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (
      json_object_get_object_member (status, "alerts"), "p0"), ==, 0);
  g_assert_true (json_object_has_member (status, "peers"));
  digest = json_object_get_string_member (status, "digest");
  g_assert_cmpuint (strlen (digest), ==, 64);
  for (const char *p = digest; *p != '\0'; p++)
    g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));

  verify = run_ctl (fixture->lane, "fiscal", "verify");
  assert_ok (verify);
  g_assert_nonnull (strstr (verify->out, "3 documents verified, chains intact"));
}

/* Two authorities on one number sequence could grant the same numbers:
 * with a hub, the hub alone is the authority. */
static void
test_init_authority_with_hub (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(CtlResult) result = run_ctl (fixture->lane, "init", "--store", "demo",
                                         "--terminal", "L1", "--fiscal-authority",
                                         "--hub", "http://127.0.0.1:9/");

  assert_refused (result, "fiscal authority");
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));
}

static void
test_sell_fiscal_authority (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(CtlResult) verify = NULL;
  JsonObject *fiscal;
  gint64 events;

  init_lane (fixture, "--fiscal-authority");
  add_product (fixture, "A1", "1.50", "16");
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");
  g_assert_false (json_object_get_boolean_member (sale, "contingency"));
  g_assert_cmpint (json_object_get_int_member (sale, "fiscal_number"), ==, 1);

  status = ctl_json (fixture->lane, "status", "--json");
  g_assert_true (json_object_get_boolean_member (status, "fiscal_authority"));
  events = json_object_get_int_member (status, "events");
  /* Its own blocks are events too. */
  g_assert_cmpint (events, >, 2);
  g_assert_cmpint (json_object_get_int_member (
      json_object_get_object_member (status, "outbox"), "pending"), ==, events);
  fiscal = json_object_get_object_member (status, "fiscal");
  g_assert_cmpint (json_object_get_int_member (fiscal, "next_number"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (fiscal, "contingency_documents"), ==, 0);

  verify = run_ctl (fixture->lane, "fiscal", "verify");
  assert_ok (verify);
  g_assert_nonnull (strstr (verify->out, "1 document verified, chains intact"));
}

static void
test_payments (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(JsonObject) card = NULL;
  g_autoptr(JsonObject) cash = NULL;
  g_autoptr(CtlResult) short_pay = NULL;
  g_autoptr(CtlResult) bad_method = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");

  card = ctl_json (fixture->lane, "sell", "--sku", "A1", "--pay", "card", "--json");
  g_assert_cmpint (json_object_get_int_member (card, "paid"), ==, 174);
  g_assert_cmpint (json_object_get_int_member (card, "change"), ==, 0);

  cash = ctl_json (fixture->lane, "sell", "--sku", "A1", "--amount", "2.00", "--json");
  g_assert_cmpint (json_object_get_int_member (cash, "change"), ==, 26);

  before = snapshot (fixture->lane);
  short_pay = run_ctl (fixture->lane, "sell", "--sku", "A1", "--amount", "1.00");
  assert_refused (short_pay, "short");
  bad_method = run_ctl (fixture->lane, "sell", "--sku", "A1", "--pay", "bitcoin");
  assert_refused (bad_method, "bitcoin");
  g_assert_cmpint (bad_method->status, ==, 2);
  after = snapshot (fixture->lane);
  g_assert_cmpstr (before, ==, after);
}

static void
test_void (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) export = NULL;
  g_autoptr(CtlResult) voided = NULL;
  g_autoptr(CtlResult) again = NULL;
  g_autoptr(CtlResult) verify = NULL;
  g_autofree char *sale_id = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonArray *sales;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");
  sale_id = g_strdup (json_object_get_string_member (sale, "sale_id"));

  voided = run_ctl (fixture->lane, "void", sale_id, "--reason", "customer changed mind");
  assert_ok (voided);
  verify = run_ctl (fixture->lane, "fiscal", "verify");
  assert_ok (verify);
  g_assert_nonnull (strstr (verify->out, "2 documents verified, chains intact"));

  export = ctl_json (fixture->lane, "export", "sales", "--format", "json");
  sales = json_object_get_array_member (export, "sales");
  g_assert_cmpuint (json_array_get_length (sales), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (sales, 0),
                                                 "voided"));

  before = snapshot (fixture->lane);
  again = run_ctl (fixture->lane, "void", sale_id, "--reason", "twice");
  assert_refused (again, "already void");
  after = snapshot (fixture->lane);
  g_assert_cmpstr (before, ==, after);
}

static void
test_conflicts_empty (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(CtlResult) human = NULL;

  init_lane (fixture, NULL);
  list = ctl_json (fixture->lane, "conflicts", "list", "--json");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "conflicts")),
                    ==, 0);
  human = run_ctl (fixture->lane, "conflicts", "list");
  assert_ok (human);
  g_assert_nonnull (strstr (human->out, "No open conflicts"));
}

/* Copies every event @to_dir lacks from @from_dir, as the sync layer
 * would: the test's stand-in for a LAN. */
static void
sync_lanes (const char *from_dir,
            const char *to_dir)
{
  g_autofree char *from_path = g_build_filename (from_dir, "tendero.db", NULL);
  g_autofree char *to_path = g_build_filename (to_dir, "tendero.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) from = tn_store_open (from_path, TN_STORE_FLAGS_NONE, &error);
  g_autoptr(TnStore) to = tn_store_open (to_path, TN_STORE_FLAGS_NONE, &error);
  g_autoptr(TnVersionVector) from_vv = NULL;
  g_autoptr(TnVersionVector) to_vv = NULL;
  g_autoptr(GPtrArray) origins = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  TnApplyResult result = { 0 };

  g_assert_no_error (error);
  from_vv = tn_store_get_version_vector (from, &error);
  g_assert_no_error (error);
  to_vv = tn_store_get_version_vector (to, &error);
  g_assert_no_error (error);
  origins = tn_version_vector_origins (from_vv);
  for (guint i = 0; i < origins->len; i++)
    {
      g_autoptr(GPtrArray) texts = tn_store_read_events (from, origins->pdata[i],
                                                         tn_version_vector_get (to_vv,
                                                                                origins->pdata[i]),
                                                         10000, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < texts->len; j++)
        {
          TnEvent *event = tn_event_from_json (texts->pdata[j], -1,
                                               tn_store_get_store_id (to), &error);

          g_assert_no_error (error);
          g_ptr_array_add (events, event);
        }
    }
  tn_store_apply_remote (to, events, TN_APPLY_FLAGS_NONE, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (result.held_back, ==, 0);
}

static void
test_price_conflict (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *lane2 = g_build_filename (fixture->tmp, "lane2", NULL);
  g_autoptr(CtlResult) init2 = NULL;
  g_autoptr(CtlResult) price1 = NULL;
  g_autoptr(CtlResult) price2 = NULL;
  g_autoptr(CtlResult) human = NULL;
  g_autoptr(CtlResult) resolved = NULL;
  g_autoptr(CtlResult) bad_value = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) status = NULL;
  g_autoptr(JsonObject) products = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) status2 = NULL;
  g_autoptr(JsonObject) status1 = NULL;
  JsonObject *conflict;
  JsonObject *product;

  init_lane (fixture, NULL);
  init2 = run_ctl (lane2, "init", "--store", "demo", "--terminal", "L2");
  assert_ok (init2);
  add_product (fixture, "A1", "1.50", "16");
  sync_lanes (fixture->lane, lane2);

  /* Both lanes change the price without seeing each other's change. */
  price1 = run_ctl (fixture->lane, "product", "set-price", "--sku", "A1", "--price", "1.75");
  assert_ok (price1);
  price2 = run_ctl (lane2, "product", "set-price", "--sku", "A1", "--price", "1.80");
  assert_ok (price2);
  sync_lanes (fixture->lane, lane2);
  sync_lanes (lane2, fixture->lane);

  list = ctl_json (fixture->lane, "conflicts", "list", "--json");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "conflicts")),
                    ==, 1);
  conflict = json_array_get_object_element (json_object_get_array_member (list, "conflicts"), 0);
  g_assert_cmpstr (json_object_get_string_member (conflict, "sku"), ==, "A1");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (conflict,
                                                                         "candidates")), ==, 2);
  status = ctl_json (fixture->lane, "status", "--json");
  g_assert_cmpint (json_object_get_int_member (status, "conflicts"), ==, 1);
  products = ctl_json (fixture->lane, "product", "list", "--json");
  product = json_array_get_object_element (json_object_get_array_member (products, "products"),
                                           0);
  g_assert_true (json_object_get_boolean_member (product, "conflict"));
  human = run_ctl (fixture->lane, "conflicts", "list");
  assert_ok (human);
  g_assert_nonnull (strstr (human->out, "1.75"));
  g_assert_nonnull (strstr (human->out, "1.80"));

  bad_value = run_ctl (fixture->lane, "conflicts", "resolve",
                       json_object_get_string_member (conflict, "id"), "--value", "cheap");
  assert_refused (bad_value, "“cheap”");

  resolved = run_ctl (fixture->lane, "conflicts", "resolve",
                      json_object_get_string_member (conflict, "id"), "--value", "1.80");
  assert_ok (resolved);
  after = ctl_json (fixture->lane, "product", "list", "--json");
  product = json_array_get_object_element (json_object_get_array_member (after, "products"), 0);
  g_assert_false (json_object_get_boolean_member (product, "conflict"));
  g_assert_cmpint (json_object_get_int_member (product, "price"), ==, 180);

  /* The resolution replicates: both lanes end in the same state. */
  sync_lanes (fixture->lane, lane2);
  status1 = ctl_json (fixture->lane, "status", "--json");
  status2 = ctl_json (lane2, "status", "--json");
  g_assert_cmpint (json_object_get_int_member (status2, "conflicts"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (status1, "digest"), ==,
                   json_object_get_string_member (status2, "digest"));
}

/* Catalogue, stock, employees ----------------------------------------------- */

static void
test_catalog_import (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *good = write_file (fixture, "good.csv",
                                      "sku,name,price,barcode,tax\n"
                                      "A1,Agua 1L,1.50,7501234567890,16\n"
                                      "B2,\"Pan, integral\",2.25,,0\n"
                                      "C3,Café,10.00,,16\n");
  g_autofree char *bad = write_file (fixture, "bad.csv",
                                     "sku,name,price,barcode,tax\n"
                                     "D4,Leche,1.10,,0\n"
                                     "E5,Queso,1.5.0,,0\n"
                                     "F6,Huevos,3.00,,0\n");
  g_autoptr(CtlResult) imported = NULL;
  g_autoptr(CtlResult) refused = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autofree char *products_before = NULL;
  g_autofree char *products_after = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonArray *products;

  init_lane (fixture, NULL);
  imported = run_ctl (fixture->lane, "catalog", "import", good);
  assert_ok (imported);
  g_assert_nonnull (strstr (imported->out, "3 new"));

  list = ctl_json (fixture->lane, "product", "list", "--json");
  products = json_object_get_array_member (list, "products");
  g_assert_cmpuint (json_array_get_length (products), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (products, 1),
                                                  "name"), ==, "Pan, integral");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (products, 0),
                                               "price"), ==, 150);

  products_before = product_list (fixture->lane);
  before = snapshot (fixture->lane);
  refused = run_ctl (fixture->lane, "catalog", "import", bad);
  assert_refused (refused, NULL);
  {
    g_autofree char *message = g_utf8_strdown (refused->err, -1);

    g_assert_nonnull (strstr (message, "line 3"));
    g_assert_nonnull (strstr (message, "1.5.0"));
  }
  products_after = product_list (fixture->lane);
  after = snapshot (fixture->lane);
  g_assert_cmpstr (products_before, ==, products_after);
  g_assert_cmpstr (before, ==, after);
}

static void
test_products_and_stock (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CtlResult) received = NULL;
  g_autoptr(CtlResult) adjusted = NULL;
  g_autoptr(CtlResult) repriced = NULL;
  g_autoptr(CtlResult) deactivated = NULL;
  g_autoptr(CtlResult) inactive_sale = NULL;
  g_autoptr(CtlResult) human = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) sale = NULL;
  JsonObject *product;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");

  received = run_ctl (fixture->lane, "stock", "receive", "--sku", "A1", "--qty", "10");
  assert_ok (received);
  adjusted = run_ctl (fixture->lane, "stock", "adjust", "--sku", "A1", "--delta", "-2",
                      "--reason", "broken bottles");
  assert_ok (adjusted);
  g_assert_nonnull (strstr (adjusted->out, "8"));

  repriced = run_ctl (fixture->lane, "product", "set-price", "--sku", "A1", "--price", "2.00");
  assert_ok (repriced);
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--qty", "3", "--json");
  /* 3 × 2.00 = 6.00 + 16 % */
  g_assert_cmpint (json_object_get_int_member (sale, "total"), ==, 696);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sale, "oversold")),
                    ==, 0);

  list = ctl_json (fixture->lane, "product", "list", "--json");
  product = json_array_get_object_element (json_object_get_array_member (list, "products"), 0);
  g_assert_cmpstr (json_object_get_string_member (product, "sku"), ==, "A1");
  g_assert_cmpint (json_object_get_int_member (product, "price"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (product, "stock_milli"), ==, 5000);
  g_assert_false (json_object_get_boolean_member (product, "conflict"));

  human = run_ctl (fixture->lane, "product", "list");
  assert_ok (human);
  g_assert_nonnull (strstr (human->out, "A1"));

  deactivated = run_ctl (fixture->lane, "product", "update", "--sku", "A1", "--active", "no");
  assert_ok (deactivated);
  inactive_sale = run_ctl (fixture->lane, "sell", "--sku", "A1");
  assert_refused (inactive_sale, "A1");
}

static void
test_employees_and_pins (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(CtlResult) cashier = NULL;
  g_autoptr(CtlResult) manager = NULL;
  g_autoptr(CtlResult) wrong_pin = NULL;
  g_autoptr(CtlResult) not_manager = NULL;
  g_autoptr(CtlResult) voided = NULL;
  g_autoptr(JsonObject) sale = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *sale_id;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  cashier = run_ctl (fixture->lane, "employee", "add", "--name", "Ana", "--pin", "1234");
  assert_ok (cashier);
  manager = run_ctl (fixture->lane, "employee", "add", "--name", "Bea", "--pin", "98765",
                     "--manager");
  assert_ok (manager);

  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--cashier-pin", "1234", "--json");
  sale_id = json_object_get_string_member (sale, "sale_id");

  before = snapshot (fixture->lane);
  wrong_pin = run_ctl (fixture->lane, "sell", "--sku", "A1", "--cashier-pin", "0000");
  assert_refused (wrong_pin, "PIN");
  not_manager = run_ctl (fixture->lane, "void", sale_id, "--reason", "test",
                         "--manager-pin", "1234");
  assert_refused (not_manager, "manager");
  after = snapshot (fixture->lane);
  g_assert_cmpstr (before, ==, after);

  voided = run_ctl (fixture->lane, "void", sale_id, "--reason", "test",
                    "--manager-pin", "98765");
  assert_ok (voided);
}

/* Money: cash sessions and a second currency ------------------------------- */

static void
test_cash_session (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CtlResult) opened = NULL;
  g_autoptr(CtlResult) in = NULL;
  g_autoptr(CtlResult) out = NULL;
  g_autoptr(CtlResult) verify = NULL;
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) z = NULL;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  opened = run_ctl (fixture->lane, "cash", "open", "--float", "10.00");
  assert_ok (opened);
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--amount", "5.00", "--json");
  g_assert_cmpint (json_object_get_int_member (sale, "change"), ==, 326);
  in = run_ctl (fixture->lane, "cash", "in", "--amount", "1.00", "--reason", "coins");
  assert_ok (in);
  out = run_ctl (fixture->lane, "cash", "out", "--amount", "0.50", "--reason", "ice");
  assert_ok (out);

  z = ctl_json (fixture->lane, "cash", "close", "--counted", "12.00", "--json");
  /* 10.00 + 1.74 + 1.00 − 0.50 */
  g_assert_cmpint (json_object_get_int_member (z, "expected"), ==, 1224);
  g_assert_cmpint (json_object_get_int_member (z, "counted"), ==, 1200);
  g_assert_cmpint (json_object_get_int_member (z, "variance"), ==, -24);
  g_assert_cmpint (json_object_get_int_member (z, "sales_count"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (z, "z_doc"), !=, "");

  verify = run_ctl (fixture->lane, "fiscal", "verify");
  assert_ok (verify);
  g_assert_nonnull (strstr (verify->out, "2 documents verified"));
}

static void
test_second_currency (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(CtlResult) rate = NULL;
  g_autoptr(JsonObject) sale = NULL;

  init_lane (fixture, "--currency=VES");
  add_product (fixture, "A1", "36.50", "0");
  rate = run_ctl (fixture->lane, "rate", "set", "--currency", "USD", "--rate", "36.5");
  assert_ok (rate);

  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");
  g_assert_cmpstr (json_object_get_string_member (sale, "currency"), ==, "VES");
  g_assert_cmpint (json_object_get_int_member (sale, "total"), ==, 3650);
  g_assert_cmpstr (json_object_get_string_member (sale, "second_currency"), ==, "USD");
  g_assert_cmpint (json_object_get_int_member (sale, "second_total"), ==, 100);
}

static void
test_export_sales (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(CtlResult) csv = NULL;
  g_autoptr(CtlResult) bad_format = NULL;
  g_auto(GStrv) lines = NULL;
  JsonObject *row;

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");

  csv = run_ctl (fixture->lane, "export", "sales");
  assert_ok (csv);
  lines = g_strsplit (csv->out, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==,
                   "sale_id,created,terminal,fiscal_doc,subtotal,tax,total,currency,voided,"
                   "payments");
  g_assert_true (g_str_has_prefix (lines[1], json_object_get_string_member (sale, "sale_id")));
  g_assert_nonnull (strstr (lines[1], ",1.50,0.24,1.74,USD,no,cash 1.74 USD"));

  json = ctl_json (fixture->lane, "export", "sales", "--format", "json");
  row = json_array_get_object_element (json_object_get_array_member (json, "sales"), 0);
  g_assert_cmpint (json_object_get_int_member (row, "total"), ==, 174);
  g_assert_cmpstr (json_object_get_string_member (row, "fiscal_doc"), ==,
                   json_object_get_string_member (sale, "fiscal_doc"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (row, "created"), "Z"));
  g_assert_false (json_object_get_boolean_member (row, "voided"));

  bad_format = run_ctl (fixture->lane, "export", "sales", "--format", "xml");
  assert_refused (bad_format, "xml");
  g_assert_cmpint (bad_format->status, ==, 2);
}

static void
test_fiscal_grant (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(CtlResult) granted = NULL;
  g_autoptr(CtlResult) bad_uuid = NULL;
  g_autofree char *device = g_uuid_string_random ();

  init_lane (fixture, "--fiscal-authority");
  granted = run_ctl (fixture->lane, "fiscal", "grant", "--device", device, "--terminal", "L2");
  assert_ok (granted);
  g_assert_nonnull (strstr (granted->out, "L2"));
  bad_uuid = run_ctl (fixture->lane, "fiscal", "grant", "--device", "L2", "--terminal", "L2");
  assert_refused (bad_uuid, "L2");
}

/* Refusals ------------------------------------------------------------------- */

static void
assert_refused_unchanged (Fixture    *fixture,
                          const char *needle,
                          int         expected_status,
                          const char *const *args)
{
  g_autofree char *before = snapshot (fixture->lane);
  g_autoptr(CtlResult) result = run_ctl_env (fixture->lane, NULL, args);
  g_autofree char *after = NULL;

  assert_refused (result, needle);
  if (expected_status > 0)
    g_assert_cmpint (result->status, ==, expected_status);
  after = snapshot (fixture->lane);
  g_assert_cmpstr (before, ==, after);
}

#define refused(fixture, needle, status, ...) \
  assert_refused_unchanged ((fixture), (needle), (status), \
                            (const char *const[]) { __VA_ARGS__, NULL })

static void
test_refusals_change_nothing (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autofree char *unknown_sale = g_uuid_string_random ();

  init_lane (fixture, NULL);
  add_product (fixture, "A1", "1.50", "16");
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");

  refused (fixture, "No product with SKU “NOPE”", 1, "sell", "--sku", "NOPE");
  refused (fixture, "product list", 1, "sell", "--sku", "A1", "--sku", "NOPE");
  refused (fixture, "“1.5.0”", 2, "product", "add", "--sku", "X", "--name", "X",
           "--price", "1.5.0");
  refused (fixture, "“-1”", 2, "product", "add", "--sku", "X", "--name", "X", "--price", "-1");
  refused (fixture, "“abc”", 2, "product", "add", "--sku", "X", "--name", "X", "--price", "abc");
  refused (fixture, "“1.505”", 2, "product", "add", "--sku", "X", "--name", "X",
           "--price", "1.505");
  refused (fixture, "1.50", 2, "product", "set-price", "--sku", "A1", "--price", "1,50");
  refused (fixture, "already", 1, "product", "add", "--sku", "A1", "--name", "A",
           "--price", "1.00");
  refused (fixture, "“NOPE”", 1, "product", "set-price", "--sku", "NOPE", "--price", "1.00");
  refused (fixture, "frobnicate", 2, "frobnicate");
  refused (fixture, "product", 2, "product", "frobnicate");
  refused (fixture, "--frob", 2, "status", "--frob");
  refused (fixture, "extra", 2, "status", "extra");
  refused (fixture, "--price", 2, "product", "add", "--sku", "X", "--name", "X");
  refused (fixture, "already", 1, "init", "--store", "demo", "--terminal", "L1");
  refused (fixture, unknown_sale, 1, "void", unknown_sale, "--reason", "no such sale");
  refused (fixture, "sale id", 1, "void", "not-a-sale", "--reason", "typo");
  refused (fixture, "--reason", 2, "void", json_object_get_string_member (sale, "sale_id"));
  refused (fixture, "--delta", 2, "stock", "adjust", "--sku", "A1", "--delta", "0",
           "--reason", "count");
  refused (fixture, "“NOPE”", 1, "stock", "adjust", "--sku", "NOPE", "--delta", "1",
           "--reason", "count");
  refused (fixture, "PIN", 2, "employee", "add", "--name", "Ana", "--pin", "123");
  refused (fixture, "--qty", 2, "sell", "--qty", "2", "--sku", "A1");
  refused (fixture, "--qty", 2, "sell", "--sku", "A1", "--qty", "0");
  refused (fixture, "--qty", 2, "sell", "--sku", "A1", "--qty", "-1");
  refused (fixture, "Nothing to sell", 2, "sell");
  refused (fixture, "--tax", 2, "product", "add", "--sku", "X", "--name", "X",
           "--price", "1.00", "--tax", "101");
}

static void
test_init_refusals (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CtlResult) bad_peer = NULL;
  g_autoptr(CtlResult) bad_hub = NULL;
  g_autoptr(CtlResult) bad_store = NULL;
  g_autoptr(CtlResult) no_terminal = NULL;
  g_autoptr(CtlResult) no_dir = NULL;

  bad_peer = run_ctl (fixture->lane, "init", "--store", "demo", "--terminal", "L1",
                      "--peer", "ws://lane2:8123", "--peer", "http//lane3");
  assert_refused (bad_peer, "http//lane3");
  g_assert_cmpint (bad_peer->status, ==, 2);
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));

  bad_hub = run_ctl (fixture->lane, "init", "--store", "demo", "--terminal", "L1",
                     "--hub", "ftp://hub");
  assert_refused (bad_hub, "ftp://hub");
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));

  /* Refused by the model after the directory was made: undone. */
  bad_store = run_ctl (fixture->lane, "init", "--store", "bad store!", "--terminal", "L1");
  assert_refused (bad_store, "bad store!");
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));

  no_terminal = run_ctl (fixture->lane, "init", "--store", "demo");
  assert_refused (no_terminal, "--terminal");
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));

  no_dir = run_ctl (NULL, "init", "--store", "demo", "--terminal", "L1");
  assert_refused (no_dir, "--data-dir");
}

static void
test_missing_data_dir (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(CtlResult) no_option = NULL;
  g_autoptr(CtlResult) from_env = NULL;

  no_option = run_ctl (NULL, "status");
  assert_refused (no_option, "--data-dir");
  g_assert_cmpint (no_option->status, ==, 2);

  init_lane (fixture, NULL);
  from_env = run_ctl_env (NULL, fixture->lane, (const char *const[]) { "status", NULL });
  assert_ok (from_env);
  g_assert_nonnull (strstr (from_env->out, "demo"));
}

static void
test_uninitialised_dir (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(CtlResult) missing = NULL;
  g_autoptr(CtlResult) empty = NULL;
  g_autoptr(CtlResult) selling = NULL;
  g_autoptr(GDir) dir = NULL;

  missing = run_ctl (fixture->lane, "status");
  assert_refused (missing, "init --store");
  g_assert_nonnull (strstr (missing->err, fixture->lane));
  g_assert_false (g_file_test (fixture->lane, G_FILE_TEST_EXISTS));

  g_assert_cmpint (g_mkdir (fixture->lane, 0700), ==, 0);
  empty = run_ctl (fixture->lane, "product", "list");
  assert_refused (empty, "init --store");
  selling = run_ctl (fixture->lane, "sell", "--sku", "A1");
  assert_refused (selling, "init --store");
  dir = g_dir_open (fixture->lane, 0, NULL);
  g_assert_null (g_dir_read_name (dir));
}

/* Tampering ------------------------------------------------------------------ */

static void
test_tampered_sale_fails_verify (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(CtlResult) verify = NULL;
  g_autoptr(CtlResult) verify_json = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *output = NULL;
  const char *doc;
  sqlite3 *db = NULL;
  char *message = NULL;

  init_lane (fixture, "--fiscal-authority");
  add_product (fixture, "A1", "1.50", "16");
  sale = ctl_json (fixture->lane, "sell", "--sku", "A1", "--json");
  doc = json_object_get_string_member (sale, "fiscal_doc");

  db_path = g_build_filename (fixture->lane, "tendero.db", NULL);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sql = g_strdup_printf ("UPDATE events SET body = replace (body, '\"total\":174', "
                         "'\"total\":175') WHERE event_id = '%s'",
                         json_object_get_string_member (sale, "event_id"));
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, &message), ==, SQLITE_OK);
  g_assert_null (message);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);

  verify = run_ctl (fixture->lane, "fiscal", "verify");
  g_assert_cmpint (verify->status, ==, 1);
  output = g_strconcat (verify->out, verify->err, NULL);
  g_assert_nonnull (strstr (output, doc));

  verify_json = run_ctl (fixture->lane, "fiscal", "verify", "--json");
  g_assert_cmpint (verify_json->status, ==, 1);
  g_assert_nonnull (strstr (verify_json->out, "\"ok\" : false"));
}

/* Help --------------------------------------------------------------------- */

static void
test_version_and_help (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(CtlResult) version = run_ctl (NULL, "--version");
  g_autoptr(CtlResult) help = run_ctl (NULL, "--help");
  g_autoptr(CtlResult) command_help = run_ctl (NULL, "product", "add", "--help");
  g_autoptr(CtlResult) sell_help = run_ctl (NULL, "sell", "--help");
  g_autoptr(CtlResult) nothing = run_ctl (NULL, "--data-dir", "x");

  assert_ok (version);
  g_assert_true (g_str_has_prefix (version->out, "tendero-ctl "));
  assert_ok (help);
  g_assert_nonnull (strstr (help->out, "fiscal verify"));
  assert_ok (command_help);
  g_assert_nonnull (strstr (command_help->out, "--price"));
  assert_ok (sell_help);
  g_assert_nonnull (strstr (sell_help->out, "--qty"));
  assert_refused (nothing, "command");
  g_assert_cmpint (nothing->status, ==, 2);
}

/* The catalogue in po/ is used: a Spanish manager reads Spanish. */
static void
test_spanish_messages (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *missing = g_build_filename (dir, "nowhere", NULL);
  g_autoptr(CtlResult) result = NULL;

  if (setlocale (LC_ALL, "es_ES.UTF-8") == NULL)
    g_error ("The es_ES.UTF-8 locale is missing: run build-aux/dev deps to generate it");
  setlocale (LC_ALL, "C");

  result = run_ctl_spanish ((const char *const[]) { "--data-dir", missing, "status", NULL });
  g_assert_cmpint (result->status, !=, 0);
  g_assert_nonnull (strstr (result->err, "No hay ninguna tienda de Tendero en"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/ctl/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("sell-and-status", test_sell_and_status);
  ADD ("sell-fiscal-authority", test_sell_fiscal_authority);
  ADD ("init-authority-with-hub", test_init_authority_with_hub);
  ADD ("payments", test_payments);
  ADD ("void", test_void);
  ADD ("conflicts-empty", test_conflicts_empty);
  ADD ("price-conflict", test_price_conflict);
  ADD ("catalog-import", test_catalog_import);
  ADD ("products-and-stock", test_products_and_stock);
  ADD ("employees-and-pins", test_employees_and_pins);
  ADD ("cash-session", test_cash_session);
  ADD ("second-currency", test_second_currency);
  ADD ("export-sales", test_export_sales);
  ADD ("fiscal-grant", test_fiscal_grant);
  ADD ("refusals-change-nothing", test_refusals_change_nothing);
  ADD ("init-refusals", test_init_refusals);
  ADD ("missing-data-dir", test_missing_data_dir);
  ADD ("uninitialised-dir", test_uninitialised_dir);
  ADD ("tampered-sale-fails-verify", test_tampered_sale_fails_verify);
  ADD ("version-and-help", test_version_and_help);

#undef ADD
  g_test_add_func ("/ctl/spanish-messages", test_spanish_messages);

  return g_test_run ();
}
