/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Event records (DESIGN §2): the canonical form and its hash, and the
 * validation every event from a peer, a file or the hub goes through.
 * Each rule has its own test that checks the error code, that the
 * message names the problem, and that the receiving store is unchanged. */

#include <string.h>

#include "tn-canonical-json.h"
#include "tn-digest.h"
#include "tn-error.h"
#include "tn-event.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

#define OTHER_ORIGIN "0f0e0d0c-0b0a-4908-8706-050403020100"

/* Helpers ---------------------------------------------------------------- */

/* A lane L1 of "test-store" with a product and a sale on it, and a
 * second lane L2 of the same store that receives what L1 sends. */
typedef struct
{
  char      *dir;
  TnStore   *source;
  TnStore   *target;
  GPtrArray *texts;     /* canonical records of L1, seq order */
} Lanes;

/* tn_event_validate_payload () on a json-glib tree, as tests build them. */
static gboolean
validate_node (TnEventType   type,
               JsonNode     *payload,
               GError      **error)
{
  g_autoptr(TnJsonDoc) doc = tn_json_doc_new_from_node (payload, error);

  return doc != NULL && tn_event_validate_payload (type, tn_json_doc_get_root (doc), error);
}

static void
lanes_init (Lanes *lanes)
{
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;

  lanes->dir = tn_test_mkdtemp ();
  lanes->source = tn_test_lane_new (lanes->dir, 0, TRUE);
  lanes->target = tn_test_lane_new (lanes->dir, 1, FALSE);

  /* With a second currency the sale carries the optional "second" object
   * too.  (A sale without one is covered by test-store.) */
  tn_store_set_exchange_rate (lanes->source, "VES", 36500000, 2, &error);
  g_assert_no_error (error);
  tn_test_add_product (lanes->source, "COFFEE", 250, 1600);
  tn_test_add_product (lanes->source, "TEA", 199, 800);
  tn_sale_request_add_line (request, "COFFEE", 2000);
  tn_sale_request_add_line (request, "TEA", 1500);
  receipt = tn_store_sell (lanes->source, request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (receipt);

  lanes->texts = tn_store_read_events (lanes->source,
                                       tn_store_get_replica_id (lanes->source), 0, 1000,
                                       &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lanes->texts->len, >=, 3);
}

static void
lanes_clear (Lanes *lanes)
{
  g_clear_object (&lanes->source);
  g_clear_object (&lanes->target);
  g_clear_pointer (&lanes->texts, g_ptr_array_unref);
  tn_test_rmdir (lanes->dir);
  g_clear_pointer (&lanes->dir, g_free);
}

/* The canonical record of the first event of @type in @lanes. */
static const char *
lanes_find (Lanes      *lanes,
            const char *type)
{
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);

  for (guint i = 0; i < lanes->texts->len; i++)
    if (strstr (lanes->texts->pdata[i], needle) != NULL)
      return lanes->texts->pdata[i];
  g_assert_not_reached ();
}

static JsonNode *
parse_loose (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
to_canonical (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  char *text = tn_canonical_json_to_string (node, &error);

  g_assert_no_error (error);
  return text;
}

/* SHA-256 of the canonical form of @record without its "hash" member,
 * computed here independently of the event code. */
static char *
hash_without_member (JsonNode *record)
{
  g_autofree char *text = to_canonical (record);
  g_autoptr(JsonNode) copy = parse_loose (text);   /* json_node_copy () is shallow */
  g_autofree char *canonical = NULL;

  json_object_remove_member (json_node_get_object (copy), "hash");
  canonical = to_canonical (copy);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
}

/* Edits a record with @edit and, with @rehash, gives it the hash its new
 * content has, so that the test is about the edit and not the hash. */
typedef void (*EditFunc) (JsonObject *record, JsonObject *payload);

static char *
edit_record (const char *text,
             EditFunc    edit,
             gboolean    rehash)
{
  g_autoptr(JsonNode) root = parse_loose (text);
  JsonObject *record = json_node_get_object (root);
  JsonObject *payload = json_object_get_object_member (record, "payload");

  edit (record, payload);
  if (rehash)
    {
      g_autofree char *hash = hash_without_member (root);
      json_object_set_string_member (record, "hash", hash);
    }
  return to_canonical (root);
}

static TnVersionVector *
store_vv (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  TnVersionVector *vv = tn_store_get_version_vector (store, &error);

  g_assert_no_error (error);
  return vv;
}

/* What a receiving lane does with a batch of records: validate all,
 * and store them in one transaction only if every one is good. */
static gboolean
receive_batch (TnStore     *store,
               const char **texts,
               guint        n_texts,
               GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  TnApplyResult result = { 0, };

  for (guint i = 0; i < n_texts; i++)
    {
      TnEvent *event = tn_event_from_json (texts[i], -1, tn_store_get_store_id (store), error);
      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
    }
  return tn_store_apply_remote (store, events, TN_APPLY_FLAGS_NONE, &result, error);
}

#define ANY_CODE ((TnError) -1)

/* The receiver holds L1's first event, so that "unchanged" is about a
 * lane with some state. */
static void
lanes_prime (Lanes *lanes)
{
  g_autoptr(GError) error = NULL;
  const char *first[] = { lanes->texts->pdata[0] };

  if (tn_test_sql_int (lanes->target, "SELECT count(*) FROM events") > 0)
    return;
  g_assert_true (receive_batch (lanes->target, first, 1, &error));
  g_assert_no_error (error);
}

/* Checks that @bad is refused with @code (or any code of TN_ERROR for
 * ANY_CODE) and a message that contains @names, and that a batch of a
 * good record plus @bad leaves the receiving lane as it was. */
static void
assert_refused (Lanes      *lanes,
                const char *bad,
                TnError     code,
                const char *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(TnTestSnapshot) before = NULL;
  const char *batch[] = { lanes->texts->pdata[1], bad };

  lanes_prime (lanes);
  before = tn_test_snapshot_take (lanes->target);
  g_assert_cmpint (before->events, ==, 1);

  event = tn_event_from_json (bad, -1, "test-store", &error);
  if (event != NULL)
    {
      /* Report and go on with the other tests of the program. */
      g_test_fail_printf ("Accepted a bad record: %.300s", bad);
      return;
    }
  if ((int) code >= 0)
    g_assert_error (error, TN_ERROR, (gint) code);
  else
    g_assert_true (error != NULL && error->domain == TN_ERROR);
  if (names != NULL && strstr (error->message, names) == NULL)
    g_error ("The message “%s” does not name “%s”", error->message, names);
  g_test_message ("refused: %s", error->message);
  g_clear_error (&error);

  /* Spelt with a space, the record is not canonical text and is
   * written out again rather than hashed as it came: refused alike. */
  if (bad[0] == '{')
    {
      g_autofree char *spaced = g_strconcat ("{ ", bad + 1, NULL);
      g_autoptr(TnEvent) again = tn_event_from_json (spaced, -1, "test-store", &error);

      g_assert_null (again);
      if ((int) code >= 0)
        g_assert_error (error, TN_ERROR, (gint) code);
      else
        g_assert_true (error != NULL && error->domain == TN_ERROR);
      g_clear_error (&error);
    }

  g_assert_false (receive_batch (lanes->target, batch, G_N_ELEMENTS (batch), &error));
  if ((int) code >= 0)
    g_assert_error (error, TN_ERROR, (gint) code);
  else
    g_assert_true (error != NULL && error->domain == TN_ERROR);

  tn_test_snapshot_assert_unchanged (lanes->target, before);
  g_assert_cmpint (tn_store_count_held_back (lanes->target), ==, 0);
}

static JsonNode *
product_payload (const char *sku,
                 const char *name,
                 gint64      price)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "sku", sku);
  json_object_set_string_member (object, "name", name);
  json_object_set_int_member (object, "price", price);
  json_object_set_int_member (object, "tax_bp", 1600);
  json_node_take_object (node, object);
  return node;
}

/* The canonical form and the hash ------------------------------------------ */

static void
test_roundtrip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = g_uuid_string_random ();
  g_autoptr(TnVersionVector) deps = tn_version_vector_new ();
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(TnEvent) again = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *recomputed = NULL;
  g_autofree char *hash_input = NULL;
  g_autofree char *hash_by_hand = NULL;
  g_autoptr(GList) members = NULL;
  TnHlc hlc = tn_hlc_make (1700000000123, 7);
  char hlc_text[17];
  const char *prev = "";

  tn_version_vector_set (deps, OTHER_ORIGIN, 3);
  event = tn_event_new ("test-store", origin, 4, TN_EVENT_PRODUCT_CREATED, hlc,
                        tn_version_vector_copy (deps),
                        product_payload ("COFFEE", "Café \"molido\", 250 g", 250), &error);
  g_assert_no_error (error);
  g_assert_nonnull (event);
  g_assert_cmpuint (strlen (event->hash), ==, 64);

  /* The record, written out by hand: members sorted, no whitespace
   * outside strings, minimal escaping, and "hash" in its sorted place. */
  tn_hlc_format (hlc, hlc_text);
  hash_input = g_strdup_printf ("{\"deps\":{\"%s\":3},\"event_id\":\"%s\",\"hlc\":\"%s\","
                                "\"origin\":\"%s\",\"payload\":{\"name\":\"Café \\\"molido\\\", "
                                "250 g\",\"price\":250,\"sku\":\"COFFEE\",\"tax_bp\":1600},"
                                "\"seq\":4,\"store\":\"test-store\",\"type\":\"ProductCreated\"}",
                                OTHER_ORIGIN, event->event_id, hlc_text, origin);
  hash_by_hand = g_compute_checksum_for_string (G_CHECKSUM_SHA256, hash_input, -1);
  g_assert_cmpstr (event->hash, ==, hash_by_hand);
  expected = g_strdup_printf ("{\"deps\":{\"%s\":3},\"event_id\":\"%s\",\"hash\":\"%s\","
                              "\"hlc\":\"%s\",\"origin\":\"%s\",\"payload\":{\"name\":\"Café "
                              "\\\"molido\\\", 250 g\",\"price\":250,\"sku\":\"COFFEE\","
                              "\"tax_bp\":1600},\"seq\":4,\"store\":\"test-store\","
                              "\"type\":\"ProductCreated\"}",
                              OTHER_ORIGIN, event->event_id, hash_by_hand, hlc_text, origin);
  g_assert_cmpstr (event->canonical, ==, expected);

  /* The same through the canonicaliser: remove "hash", canonicalise, hash. */
  root = parse_loose (event->canonical);
  recomputed = hash_without_member (root);
  g_assert_cmpstr (recomputed, ==, event->hash);
  members = json_object_get_members (json_node_get_object (root));
  g_assert_cmpuint (g_list_length (members), ==, 9);
  for (GList *l = members; l != NULL; l = l->next)
    {
      g_assert_cmpint (strcmp (prev, l->data), <, 0);
      prev = l->data;
    }

  /* Back from the wire: every field and the hash are the same. */
  again = tn_event_from_json (event->canonical, -1, "test-store", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->hash, ==, event->hash);
  g_assert_cmpstr (again->canonical, ==, event->canonical);
  g_assert_cmpstr (again->event_id, ==, event->event_id);
  g_assert_cmpstr (again->origin, ==, origin);
  g_assert_cmpint (again->seq, ==, 4);
  g_assert_cmpint (again->type, ==, TN_EVENT_PRODUCT_CREATED);
  g_assert_cmpuint (again->hlc, ==, hlc);
  g_assert_true (tn_version_vector_equal (again->deps, deps));
  g_assert_cmpint (tn_event_get_int (again, "price", -1), ==, 250);

  /* A record with the same content in another member order and with
   * whitespace is the same event. */
  {
    g_autofree char *loose = g_strdup_printf (
        "{ \"type\": \"ProductCreated\", \"store\": \"test-store\", \"seq\": 4,\n"
        "  \"payload\": { \"tax_bp\": 1600, \"sku\": \"COFFEE\", \"price\": 250,\n"
        "                 \"name\": \"Caf\\u00e9 \\\"molido\\\", 250 g\" },\n"
        "  \"origin\": \"%s\", \"hlc\": \"%s\", \"hash\": \"%s\",\n"
        "  \"event_id\": \"%s\", \"deps\": { \"%s\": 3 } }\n",
        origin, hlc_text, event->hash, event->event_id, OTHER_ORIGIN);
    g_autoptr(TnEvent) reordered = tn_event_from_json (loose, -1, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (reordered->canonical, ==, event->canonical);
  }
}

/* Every record a lane writes parses back to itself. */
static void
test_roundtrip_store (void)
{
  Lanes lanes;

  lanes_init (&lanes);
  for (guint i = 0; i < lanes.texts->len; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *text = lanes.texts->pdata[i];
      g_autoptr(TnEvent) event = tn_event_from_json (text, -1, "test-store", &error);
      g_autoptr(JsonNode) root = parse_loose (text);
      g_autofree char *recomputed = hash_without_member (root);
      g_autofree char *canonical = to_canonical (root);

      g_assert_no_error (error);
      g_assert_cmpstr (event->canonical, ==, text);
      g_assert_cmpstr (canonical, ==, text);
      g_assert_cmpstr (recomputed, ==, event->hash);
      g_assert_cmpint (event->seq, ==, i + 1);
    }
  lanes_clear (&lanes);
}

/* A record read from canonical text is hashed and kept as it came; any
 * other spelling of the same record is written out again.  Both ways
 * must give the same record and hash. */
static void
assert_reads_as (const char *variant,
                 const char *canonical,
                 const char *hash)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) event = tn_event_from_json (variant, -1, "test-store", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (event->canonical, ==, canonical);
  g_assert_cmpstr (event->hash, ==, hash);
}

static void
test_as_received (void)
{
  Lanes lanes;

  lanes_init (&lanes);
  for (guint i = 0; i < lanes.texts->len; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *text = lanes.texts->pdata[i];
      g_autoptr(JsonNode) root = parse_loose (text);
      /* From json-glib: no text to keep, so the record is written. */
      g_autoptr(TnEvent) written = tn_event_from_node (root, "test-store", &error);
      g_autoptr(GString) spaced = g_string_new (text);
      g_autoptr(GString) zero_dep = g_string_new (text);
      g_autofree char *type_first = NULL;
      const char *type_at = strstr (text, ",\"type\":");

      g_assert_no_error (error);
      assert_reads_as (text, written->canonical, written->hash);
      g_assert_cmpstr (written->canonical, ==, text);

      g_string_replace (spaced, ",\"hlc\":", ", \"hlc\" :", 1);
      assert_reads_as (spaced->str, text, written->hash);
      /* "type" first: out of order. */
      g_assert_nonnull (type_at);
      type_first = g_strdup_printf ("{%.*s,%.*s}", (int) (strlen (type_at) - 2), type_at + 1,
                                    (int) (type_at - text - 1), text + 1);
      assert_reads_as (type_first, text, written->hash);
      /* A dependency on seq 0 is no dependency: canonical text, but not
       * the record's. */
      g_string_replace (zero_dep, "{\"deps\":{", "{\"deps\":{\"00000000-0000-4000-8000-"
                        "000000000000\":0,", 1);
      if (strstr (text, "{\"deps\":{}") != NULL)
        g_string_replace (zero_dep, ":0,}", ":0}", 1);
      assert_reads_as (zero_dep->str, text, written->hash);
    }
  lanes_clear (&lanes);
}

/* Rules, one test each --------------------------------------------------------- */

static void
set_type_unknown (JsonObject *record, JsonObject *payload)
{
  json_object_set_string_member (record, "type", "SaleTeleported");
}

static void
test_reject_unknown_type (void)
{
  Lanes lanes;
  g_autofree char *bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) payload = product_payload ("A", "A", 1);

  lanes_init (&lanes);
  bad = edit_record (lanes_find (&lanes, "ProductCreated"), set_type_unknown, TRUE);
  assert_refused (&lanes, bad, TN_ERROR_UNKNOWN_TYPE, "SaleTeleported");

  g_assert_false (validate_node (TN_EVENT_N_TYPES, payload, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE);
  lanes_clear (&lanes);
}

static const char *removed_member;

static void
remove_member (JsonObject *record, JsonObject *payload)
{
  json_object_remove_member (record, removed_member);
}

static void
test_reject_missing_field (void)
{
  static const char *fields[] = {
    "deps", "event_id", "hash", "hlc", "origin", "payload", "seq", "store", "type",
  };
  Lanes lanes;

  lanes_init (&lanes);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *bad = NULL;

      removed_member = fields[i];
      /* Without "hash" there is nothing to rehash into: the edit is the
       * missing member either way. */
      bad = edit_record (lanes_find (&lanes, "SaleCreated"), remove_member,
                         strcmp (fields[i], "hash") != 0);
      assert_refused (&lanes, bad, TN_ERROR_MISSING_FIELD, fields[i]);
    }
  lanes_clear (&lanes);
}

static void
remove_total (JsonObject *record, JsonObject *payload)
{
  json_object_remove_member (payload, "total");
}

static void
remove_line_qty (JsonObject *record, JsonObject *payload)
{
  JsonArray *lines = json_object_get_array_member (payload, "lines");

  json_object_remove_member (json_array_get_object_element (lines, 1), "qty");
}

static void
remove_fiscal_number (JsonObject *record, JsonObject *payload)
{
  json_object_remove_member (json_object_get_object_member (payload, "fiscal"), "number");
}

static void
test_reject_missing_payload_field (void)
{
  Lanes lanes;
  const char *sale;
  g_autofree char *no_total = NULL;
  g_autofree char *no_qty = NULL;
  g_autofree char *no_number = NULL;

  lanes_init (&lanes);
  sale = lanes_find (&lanes, "SaleCreated");
  no_total = edit_record (sale, remove_total, TRUE);
  assert_refused (&lanes, no_total, TN_ERROR_MISSING_FIELD, "“total”");
  no_qty = edit_record (sale, remove_line_qty, TRUE);
  assert_refused (&lanes, no_qty, TN_ERROR_MISSING_FIELD, "“qty”");
  no_number = edit_record (sale, remove_fiscal_number, TRUE);
  assert_refused (&lanes, no_number, TN_ERROR_MISSING_FIELD, "“number”");

  /* The payload validator on its own, as tn_event_new uses it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) root = parse_loose (sale);
    JsonNode *payload = json_object_get_member (json_node_get_object (root), "payload");

    g_assert_true (validate_node (TN_EVENT_SALE_CREATED, payload, &error));
    g_assert_no_error (error);
    json_object_remove_member (json_node_get_object (payload), "total");
    g_assert_false (validate_node (TN_EVENT_SALE_CREATED, payload, &error));
    g_assert_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD);
    g_assert_nonnull (strstr (error->message, "total"));
  }
  lanes_clear (&lanes);
}

static void
float_total (JsonObject *record, JsonObject *payload)
{
  json_object_set_double_member (payload, "total", 1.5);
}

static void
float_qty (JsonObject *record, JsonObject *payload)
{
  JsonArray *lines = json_object_get_array_member (payload, "lines");

  json_object_set_double_member (json_array_get_object_element (lines, 0), "qty", 1.5);
}

static void
float_price (JsonObject *record, JsonObject *payload)
{
  json_object_set_double_member (payload, "price", 2.5);
}

static void
test_reject_float_money (void)
{
  Lanes lanes;
  g_autofree char *bad = NULL;
  g_autofree char *bad_price = NULL;

  lanes_init (&lanes);
  bad = edit_record (lanes_find (&lanes, "SaleCreated"), float_total, TRUE);
  g_assert_nonnull (strstr (bad, "\"total\":1.5"));
  assert_refused (&lanes, bad, TN_ERROR_NOT_INTEGER, "“total”");
  bad_price = edit_record (lanes_find (&lanes, "ProductCreated"), float_price, TRUE);
  assert_refused (&lanes, bad_price, TN_ERROR_NOT_INTEGER, "“price”");

  /* A lane cannot create one either. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *origin = g_uuid_string_random ();
    JsonNode *payload = product_payload ("A", "A", 1);
    g_autoptr(TnEvent) event = NULL;

    json_object_set_double_member (json_node_get_object (payload), "price", 0.5);
    event = tn_event_new ("test-store", origin, 1, TN_EVENT_PRODUCT_CREATED, 1,
                          tn_version_vector_new (), payload, &error);
    g_assert_null (event);
    g_assert_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER);
  }
  lanes_clear (&lanes);
}

static void
test_reject_float_qty (void)
{
  Lanes lanes;
  g_autofree char *bad = NULL;

  lanes_init (&lanes);
  bad = edit_record (lanes_find (&lanes, "SaleCreated"), float_qty, TRUE);
  g_assert_nonnull (strstr (bad, "\"qty\":1.5"));
  assert_refused (&lanes, bad, TN_ERROR_NOT_INTEGER, "“qty”");
  lanes_clear (&lanes);
}

static void
flip_hash_digit (JsonObject *record, JsonObject *payload)
{
  g_autofree char *hash = g_strdup (json_object_get_string_member (record, "hash"));

  hash[17] = hash[17] == '0' ? '1' : '0';
  json_object_set_string_member (record, "hash", hash);
}

static void
upper_hash (JsonObject *record, JsonObject *payload)
{
  g_autofree char *hash = g_ascii_strup (json_object_get_string_member (record, "hash"), -1);

  json_object_set_string_member (record, "hash", hash);
}

static void
change_price (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (payload, "price", 1);
}

static void
test_reject_bad_hash (void)
{
  Lanes lanes;
  g_autofree char *flipped = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *tampered = NULL;

  lanes_init (&lanes);
  flipped = edit_record (lanes_find (&lanes, "SaleCreated"), flip_hash_digit, FALSE);
  assert_refused (&lanes, flipped, TN_ERROR_BAD_HASH, "hash");
  upper = edit_record (lanes_find (&lanes, "ProductCreated"), upper_hash, FALSE);
  assert_refused (&lanes, upper, TN_ERROR_BAD_HASH, "hash");
  /* Content changed, hash left as it was. */
  tampered = edit_record (lanes_find (&lanes, "ProductCreated"), change_price, FALSE);
  assert_refused (&lanes, tampered, TN_ERROR_BAD_HASH, "hash");
  lanes_clear (&lanes);
}

static gsize filler_size;

static void
add_filler (JsonObject *record, JsonObject *payload)
{
  g_autofree char *filler = g_strnfill (filler_size, 'x');

  json_object_set_string_member (payload, "zz_note", filler);
}

static void
test_reject_too_large (void)
{
  Lanes lanes;
  g_autofree char *origin = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  const char *product;

  lanes_init (&lanes);
  product = lanes_find (&lanes, "ProductCreated");

  /* A payload of exactly 256 KiB passes; one byte more does not. */
  {
    g_autoptr(JsonNode) root = parse_loose (product);
    g_autofree char *payload_text = NULL;
    g_autofree char *at_limit = NULL;
    g_autofree char *over_limit = NULL;
    g_autoptr(TnEvent) event = NULL;
    gsize base;

    filler_size = 0;
    add_filler (NULL, json_object_get_object_member (json_node_get_object (root), "payload"));
    payload_text = to_canonical (json_object_get_member (json_node_get_object (root), "payload"));
    base = strlen (payload_text);
    filler_size = TN_EVENT_MAX_PAYLOAD - base;
    at_limit = edit_record (product, add_filler, TRUE);
    event = tn_event_from_json (at_limit, -1, "test-store", &error);
    g_assert_no_error (error);
    g_assert_nonnull (event);

    filler_size++;
    over_limit = edit_record (product, add_filler, TRUE);
    assert_refused (&lanes, over_limit, TN_ERROR_TOO_LARGE, "256 KiB");
  }

  /* A record of megabytes is refused before it is parsed. */
  {
    g_autofree char *huge = NULL;

    filler_size = 4 * 1024 * 1024;
    huge = edit_record (product, add_filler, TRUE);
    assert_refused (&lanes, huge, TN_ERROR_TOO_LARGE, "256 KiB");
  }

  /* And a lane cannot create one. */
  {
    JsonNode *payload = product_payload ("A", "A", 1);
    g_autofree char *filler = g_strnfill (TN_EVENT_MAX_PAYLOAD, 'x');
    g_autoptr(TnEvent) event = NULL;

    json_object_set_string_member (json_node_get_object (payload), "zz_note", filler);
    event = tn_event_new ("test-store", origin, 1, TN_EVENT_PRODUCT_CREATED, 1,
                          tn_version_vector_new (), payload, &error);
    g_assert_null (event);
    g_assert_error (error, TN_ERROR, TN_ERROR_TOO_LARGE);
  }
  lanes_clear (&lanes);
}

static void
test_reject_wrong_store (void)
{
  Lanes lanes;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnStore) other = NULL;
  g_autoptr(GPtrArray) texts = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(TnTestSnapshot) before = NULL;
  TnApplyResult result = { 0, };
  TnStoreIdentity identity = { .store_id = "other-store", .terminal = "L9", .currency = "USD",
                               .decimals = 2 };
  TnEvent *event;

  lanes_init (&lanes);
  other = tn_test_store_new_custom (lanes.dir, "other", &identity);
  tn_test_add_product (other, "FOREIGN", 100, 0);
  texts = tn_store_read_events (other, tn_store_get_replica_id (other), 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (texts->len, ==, 1);

  /* Checked while parsing, when the receiver says which store it is. */
  assert_refused (&lanes, texts->pdata[0], TN_ERROR_WRONG_STORE, "other-store");

  /* And by the store itself, for events parsed without that check: a
   * good event in the same batch is not applied either. */
  before = tn_test_snapshot_take (lanes.target);
  event = tn_event_from_json (lanes.texts->pdata[1], -1, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (batch, event);
  event = tn_event_from_json (texts->pdata[0], -1, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (batch, event);
  g_assert_false (tn_store_apply_remote (lanes.target, batch, TN_APPLY_FLAGS_NONE, &result,
                                         &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_WRONG_STORE);
  g_assert_nonnull (strstr (error->message, "other-store"));
  tn_test_snapshot_assert_unchanged (lanes.target, before);
  g_assert_cmpint (tn_store_count_held_back (lanes.target), ==, 0);
  g_assert_cmpint (tn_test_sql_int (lanes.target, "SELECT count(*) FROM products"), ==, 0);

  g_clear_object (&other);
  lanes_clear (&lanes);
}

static void
add_unknown_field (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (record, "priority", 1);
}

static void
test_reject_unknown_field (void)
{
  Lanes lanes;
  g_autofree char *bad = NULL;

  lanes_init (&lanes);
  bad = edit_record (lanes_find (&lanes, "ProductCreated"), add_unknown_field, TRUE);
  assert_refused (&lanes, bad, TN_ERROR_INVALID, "priority");
  lanes_clear (&lanes);
}

static const char *bad_value;
static const char *bad_member;

static void
set_bad_string (JsonObject *record, JsonObject *payload)
{
  json_object_set_string_member (record, bad_member, bad_value);
}

/* New ids are UUID v7: valid, and later ones sort later (the index
 * locality replication depends on). */
static void
test_new_ids_time_ordered (void)
{
  g_autofree char *previous = NULL;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = tn_uuid_new ();

      g_assert_true (tn_is_uuid (id));
      g_assert_cmpint (id[14], ==, '7');
      g_assert_true (strchr ("89ab", id[19]) != NULL);
      if (previous != NULL)
        g_assert_cmpstr (previous, <, id);
      g_clear_pointer (&previous, g_free);
      previous = g_steal_pointer (&id);
      g_usleep (2000);   /* the next millisecond */
    }
}

static void
test_reject_bad_uuid (void)
{
  static const struct { const char *member, *value; } cases[] = {
    { "event_id", "not-a-uuid" },
    { "event_id", "" },
    { "event_id", "1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B" },
    { "event_id", "1b4e28ba2fa14d3ba3f5ef19b5a7633b" },
    { "origin", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633" },
    { "origin", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633bb" },
    { "origin", "1b4e28ba-2fa1-4d3b-a3f5_ef19b5a7633b" },
    { "origin", "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633g" },
  };
  Lanes lanes;

  lanes_init (&lanes);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *bad = NULL;

      bad_member = cases[i].member;
      bad_value = cases[i].value;
      bad = edit_record (lanes_find (&lanes, "ProductCreated"), set_bad_string, TRUE);
      assert_refused (&lanes, bad, TN_ERROR_INVALID, "UUID");
    }
  lanes_clear (&lanes);
}

static void
set_hlc_number (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (record, "hlc", 12345);
}

static void
test_reject_bad_hlc (void)
{
  static const char *values[] = {
    "12345", "", "0000018b2f6c1a2B0", "0000018B2F6C1A2B", "0000018b2f6c1a2", "0x00018b2f6c1a2b",
    "-000018b2f6c1a2b", " 000018b2f6c1a2b",
  };
  Lanes lanes;
  g_autofree char *number = NULL;

  lanes_init (&lanes);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *bad = NULL;

      bad_member = "hlc";
      bad_value = values[i];
      bad = edit_record (lanes_find (&lanes, "ProductCreated"), set_bad_string, TRUE);
      assert_refused (&lanes, bad, TN_ERROR_INVALID, "clock");
    }
  number = edit_record (lanes_find (&lanes, "ProductCreated"), set_hlc_number, TRUE);
  assert_refused (&lanes, number, TN_ERROR_INVALID, "hlc");
  lanes_clear (&lanes);
}

static JsonNode *seq_value;

static void
set_seq (JsonObject *record, JsonObject *payload)
{
  json_object_set_member (record, "seq", json_node_copy (seq_value));
}

static void
test_reject_seq_zero (void)
{
  Lanes lanes;
  g_autoptr(JsonNode) zero = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) negative = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) text = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) fraction = json_node_new (JSON_NODE_VALUE);
  JsonNode *values[4];

  json_node_set_int (zero, 0);
  json_node_set_int (negative, -1);
  json_node_set_string (text, "1");
  json_node_set_double (fraction, 1.5);
  values[0] = zero;
  values[1] = negative;
  values[2] = text;
  values[3] = fraction;

  lanes_init (&lanes);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *bad = NULL;

      seq_value = values[i];
      bad = edit_record (lanes_find (&lanes, "ProductCreated"), set_seq, TRUE);
      assert_refused (&lanes, bad, TN_ERROR_INVALID, "seq");
    }
  lanes_clear (&lanes);
}

static void
deps_own_future (JsonObject *record, JsonObject *payload)
{
  JsonObject *deps = json_object_get_object_member (record, "deps");

  json_object_set_int_member (deps, json_object_get_string_member (record, "origin"),
                              json_object_get_int_member (record, "seq"));
}

static void
deps_bad_key (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (json_object_get_object_member (record, "deps"), "L1", 1);
}

static void
deps_negative (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (json_object_get_object_member (record, "deps"), OTHER_ORIGIN, -2);
}

static void
deps_not_object (JsonObject *record, JsonObject *payload)
{
  json_object_set_array_member (record, "deps", json_array_new ());
}

static void
test_reject_deps_future (void)
{
  Lanes lanes;
  const char *sale;
  g_autofree char *own = NULL;
  g_autofree char *key = NULL;
  g_autofree char *negative = NULL;
  g_autofree char *array = NULL;

  lanes_init (&lanes);
  sale = lanes_find (&lanes, "SaleCreated");
  own = edit_record (sale, deps_own_future, TRUE);
  assert_refused (&lanes, own, TN_ERROR_INVALID, "deps");
  key = edit_record (sale, deps_bad_key, TRUE);
  assert_refused (&lanes, key, TN_ERROR_INVALID, "L1");
  negative = edit_record (sale, deps_negative, TRUE);
  assert_refused (&lanes, negative, TN_ERROR_INVALID, NULL);
  array = edit_record (sale, deps_not_object, TRUE);
  assert_refused (&lanes, array, TN_ERROR_INVALID, NULL);
  lanes_clear (&lanes);
}

static void
test_reject_malformed_json (void)
{
  Lanes lanes;
  const char *good;
  g_autofree char *truncated = NULL;
  g_autofree char *trailing = NULL;
  g_autofree char *comma = NULL;
  g_autofree char *bad_utf8 = NULL;
  const char *not_objects[] = { "[]", "null", "\"event\"", "42" };

  lanes_init (&lanes);
  good = lanes_find (&lanes, "ProductCreated");
  truncated = g_strndup (good, strlen (good) - 1);
  assert_refused (&lanes, truncated, TN_ERROR_INVALID, "JSON");
  trailing = g_strconcat (good, "{}", NULL);
  assert_refused (&lanes, trailing, TN_ERROR_INVALID, "JSON");
  comma = g_strndup (good, strlen (good) - 1);
  {
    g_autofree char *with_comma = g_strconcat (comma, ",}", NULL);
    assert_refused (&lanes, with_comma, TN_ERROR_INVALID, "JSON");
  }
  /* Invalid UTF-8 in a string. */
  bad_utf8 = g_strdup (good);
  {
    char *name = strstr (bad_utf8, "Product COFFEE");
    g_assert_nonnull (name);
    name[0] = '\xff';
  }
  assert_refused (&lanes, bad_utf8, TN_ERROR_INVALID, NULL);
  assert_refused (&lanes, "", TN_ERROR_INVALID, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
    assert_refused (&lanes, not_objects[i], TN_ERROR_INVALID, "object");
  lanes_clear (&lanes);
}

static char *
insert_after (const char *text,
              const char *anchor,
              const char *insert)
{
  const char *at = strstr (text, anchor);

  g_assert_nonnull (at);
  at += strlen (anchor);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, insert, at);
}

static void
test_reject_duplicate_member (void)
{
  Lanes lanes;
  const char *good;
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *top_same = NULL;
  g_autofree char *top_other = NULL;
  g_autofree char *in_payload = NULL;
  g_autofree char *seq_member = NULL;

  lanes_init (&lanes);
  good = lanes_find (&lanes, "ProductCreated");
  event = tn_event_from_json (good, -1, NULL, &error);
  g_assert_no_error (error);

  /* The same member twice with the same value: still ambiguous to
   * other readers, refused. */
  seq_member = g_strdup_printf ("\"seq\":%" G_GINT64_FORMAT ",", event->seq);
  top_same = insert_after (good, "{", seq_member);
  assert_refused (&lanes, top_same, TN_ERROR_INVALID, "seq");
  /* A second "type" that one parser would see and another would not. */
  top_other = insert_after (good, "{", "\"type\":\"StockAdjusted\",");
  assert_refused (&lanes, top_other, TN_ERROR_INVALID, "type");
  in_payload = insert_after (good, "\"payload\":{", "\"price\":1,");
  assert_refused (&lanes, in_payload, TN_ERROR_INVALID, "price");
  lanes_clear (&lanes);
}

static void
line_total_off (JsonObject *record, JsonObject *payload)
{
  JsonObject *line = json_array_get_object_element (json_object_get_array_member (payload,
                                                                                  "lines"), 0);

  json_object_set_int_member (line, "total", json_object_get_int_member (line, "total") + 1);
}

static void
subtotal_off (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (payload, "subtotal",
                              json_object_get_int_member (payload, "subtotal") - 1);
}

static void
total_off (JsonObject *record, JsonObject *payload)
{
  json_object_set_int_member (payload, "total", json_object_get_int_member (payload, "total") + 1);
}

static void
payment_off (JsonObject *record, JsonObject *payload)
{
  JsonObject *payment = json_array_get_object_element (
      json_object_get_array_member (payload, "payments"), 0);

  json_object_set_int_member (payment, "amount_base",
                              json_object_get_int_member (payment, "amount_base") - 1);
}

static void
no_lines (JsonObject *record, JsonObject *payload)
{
  json_object_set_array_member (payload, "lines", json_array_new ());
}

static void
test_reject_sale_totals (void)
{
  static const struct { EditFunc edit; const char *names; } cases[] = {
    { line_total_off, "line 1" },
    { subtotal_off, "subtotal" },
    { total_off, "total" },
    { payment_off, "payments" },
    { no_lines, "line" },
  };
  Lanes lanes;

  lanes_init (&lanes);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *bad = edit_record (lanes_find (&lanes, "SaleCreated"), cases[i].edit,
                                          TRUE);
      assert_refused (&lanes, bad, TN_ERROR_INVALID, cases[i].names);
    }
  lanes_clear (&lanes);
}

/* JSON null is not a value of any payload field: a reader that took it
 * for "absent" and one that took it for 0 or false would disagree. */
static void
null_price_update (JsonObject *record, JsonObject *payload)
{
  g_autofree char *event_id = g_uuid_string_random ();
  JsonObject *update = json_object_new ();

  json_object_set_string_member (update, "sku", json_object_get_string_member (payload, "sku"));
  json_object_set_null_member (update, "price");
  json_object_set_string_member (record, "event_id", event_id);
  json_object_set_string_member (record, "type", "ProductUpdated");
  json_object_set_object_member (record, "payload", update);
}

static void
null_total (JsonObject *record, JsonObject *payload)
{
  json_object_set_null_member (payload, "total");
}

static void
test_reject_null_member (void)
{
  static const struct { TnEventType type; const char *payload, *names; } cases[] = {
    { TN_EVENT_PRODUCT_UPDATED, "{\"sku\":\"A\",\"price\":null}", "price" },
    { TN_EVENT_PRODUCT_UPDATED, "{\"sku\":\"A\",\"name\":null}", "name" },
    { TN_EVENT_PRODUCT_CREATED,
      "{\"sku\":\"A\",\"name\":\"A\",\"price\":1,\"tax_bp\":0,\"active\":null}", "active" },
  };
  Lanes lanes;
  g_autofree char *bad = NULL;
  g_autofree char *null_total_text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) payload = parse_loose (cases[i].payload);

      if (validate_node (cases[i].type, payload, &error))
        {
          g_test_fail_printf ("%s accepted as a %s payload", cases[i].payload,
                              tn_event_type_to_string (cases[i].type));
          continue;
        }
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].names));
    }

  /* End to end: a price update to null from a peer. */
  lanes_init (&lanes);
  bad = edit_record (lanes_find (&lanes, "ProductCreated"), null_price_update, TRUE);
  assert_refused (&lanes, bad, TN_ERROR_INVALID, "price");
  /* A required member that is null: missing or invalid, either way
   * refused. */
  null_total_text = edit_record (lanes_find (&lanes, "SaleCreated"), null_total, TRUE);
  assert_refused (&lanes, null_total_text, ANY_CODE, "“total”");
  lanes_clear (&lanes);
}

/* Continuity -------------------------------------------------------------- */

static GPtrArray *
parse_events (Lanes       *lanes,
              const guint *indexes,
              guint        n)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      TnEvent *event = tn_event_from_json (lanes->texts->pdata[indexes[i]], -1, "test-store",
                                          &error);
      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  return events;
}

static void
test_seq_gap_strict (void)
{
  Lanes lanes;
  static const guint skip[] = { 0, 2 };
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;
  g_autoptr(TnTestSnapshot) before = NULL;
  TnApplyResult result = { 0, };

  lanes_init (&lanes);
  before = tn_test_snapshot_take (lanes.target);
  events = parse_events (&lanes, skip, G_N_ELEMENTS (skip));
  g_assert_false (tn_store_apply_remote (lanes.target, events, TN_APPLY_FLAGS_STRICT, &result,
                                         &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_SEQ_GAP);
  g_assert_nonnull (strstr (error->message, tn_store_get_replica_id (lanes.source)));
  vv = store_vv (lanes.target);
  g_assert_cmpuint (tn_version_vector_size (vv), ==, 0);
  g_assert_cmpint (tn_test_sql_int (lanes.target, "SELECT count(*) FROM events"), ==, 0);
  g_assert_cmpint (tn_store_count_held_back (lanes.target), ==, 0);
  tn_test_snapshot_assert_unchanged (lanes.target, before);
  lanes_clear (&lanes);
}

static void
test_seq_gap_held_back (void)
{
  Lanes lanes;
  static const guint first_third[] = { 0, 2 };
  static const guint second[] = { 1 };
  g_autoptr(GPtrArray) batch1 = NULL;
  g_autoptr(GPtrArray) batch2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;
  const char *origin;
  TnApplyResult result = { 0, };

  lanes_init (&lanes);
  origin = tn_store_get_replica_id (lanes.source);

  batch1 = parse_events (&lanes, first_third, G_N_ELEMENTS (first_third));
  g_assert_true (tn_store_apply_remote (lanes.target, batch1, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 1);
  g_assert_cmpuint (result.held_back, ==, 1);
  g_assert_cmpuint (result.duplicates, ==, 0);
  g_assert_cmpint (tn_store_count_held_back (lanes.target), ==, 1);
  vv = store_vv (lanes.target);
  g_assert_cmpint (tn_version_vector_get (vv, origin), ==, 1);
  g_clear_pointer (&vv, tn_version_vector_free);

  batch2 = parse_events (&lanes, second, G_N_ELEMENTS (second));
  memset (&result, 0, sizeof result);
  g_assert_true (tn_store_apply_remote (lanes.target, batch2, TN_APPLY_FLAGS_NONE, &result,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.applied, ==, 2);
  g_assert_cmpuint (result.held_back, ==, 0);
  g_assert_cmpint (tn_store_count_held_back (lanes.target), ==, 0);
  vv = store_vv (lanes.target);
  g_assert_cmpint (tn_version_vector_get (vv, origin), ==, 3);

  /* The rest in one batch: the receiver now holds what the sender holds. */
  {
    g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);

    for (guint i = 3; i < lanes.texts->len; i++)
      {
        TnEvent *event = tn_event_from_json (lanes.texts->pdata[i], -1, "test-store", &error);
        g_assert_no_error (error);
        g_ptr_array_add (rest, event);
      }
    memset (&result, 0, sizeof result);
    g_assert_true (tn_store_apply_remote (lanes.target, rest, TN_APPLY_FLAGS_NONE, &result,
                                          &error));
    g_assert_no_error (error);
    g_assert_cmpuint (result.applied, ==, lanes.texts->len - 3);
  }
  tn_test_assert_same_state (lanes.source, lanes.target);
  lanes_clear (&lanes);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event/canonical/roundtrip", test_roundtrip);
  g_test_add_func ("/event/canonical/store-records", test_roundtrip_store);
  g_test_add_func ("/event/canonical/as-received", test_as_received);
  g_test_add_func ("/event/reject/unknown-type", test_reject_unknown_type);
  g_test_add_func ("/event/reject/missing-field", test_reject_missing_field);
  g_test_add_func ("/event/reject/missing-payload-field", test_reject_missing_payload_field);
  g_test_add_func ("/event/reject/float-money", test_reject_float_money);
  g_test_add_func ("/event/reject/float-qty", test_reject_float_qty);
  g_test_add_func ("/event/reject/bad-hash", test_reject_bad_hash);
  g_test_add_func ("/event/reject/too-large", test_reject_too_large);
  g_test_add_func ("/event/reject/wrong-store", test_reject_wrong_store);
  g_test_add_func ("/event/reject/unknown-field", test_reject_unknown_field);
  g_test_add_func ("/event/ids/time-ordered", test_new_ids_time_ordered);
  g_test_add_func ("/event/reject/bad-uuid", test_reject_bad_uuid);
  g_test_add_func ("/event/reject/bad-hlc", test_reject_bad_hlc);
  g_test_add_func ("/event/reject/seq-zero", test_reject_seq_zero);
  g_test_add_func ("/event/reject/deps-future", test_reject_deps_future);
  g_test_add_func ("/event/reject/malformed-json", test_reject_malformed_json);
  g_test_add_func ("/event/reject/duplicate-member", test_reject_duplicate_member);
  g_test_add_func ("/event/reject/sale-totals", test_reject_sale_totals);
  g_test_add_func ("/event/reject/null-member", test_reject_null_member);
  g_test_add_func ("/event/continuity/seq-gap-strict", test_seq_gap_strict);
  g_test_add_func ("/event/continuity/seq-gap-held-back", test_seq_gap_held_back);

  return g_test_run ();
}
