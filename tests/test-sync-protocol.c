/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The lane-to-lane wire protocol (DESIGN §4): every message survives a
 * round trip, every malformed frame is refused with the error code that
 * picks the right close code, the events batcher keeps its limits, the
 * handshake MAC matches RFC 4231, key files are guarded, and reconnect
 * delays stay within their bounds. */

#include <glib/gstdio.h>
#include <string.h>

#include "tn-backoff.h"
#include "tn-error.h"
#include "tn-event.h"
#include "tn-operations.h"
#include "tn-sync-auth.h"
#include "tn-sync-protocol.h"
#include "tn-test-util.h"

#define REPLICA_A "0f0e0d0c-0b0a-4908-8706-050403020100"
#define REPLICA_B "11111111-2222-4333-8444-555555555555"
#define HASH_A    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NONCE_A   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* Helpers ---------------------------------------------------------------- */

/* Lane L1 of "test-store" with two products and a sale: real events. */
typedef struct
{
  char      *dir;
  TnStore   *store;
  GPtrArray *texts;      /* canonical records, seq order */
} Lane;

static void
lane_init (Lane *lane)
{
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;

  lane->dir = tn_test_mkdtemp ();
  lane->store = tn_test_store_new (lane->dir, "L1", TRUE, TRUE);
  /* A second currency puts the optional "second" object in the sales,
   * so the frames carry the richest payload there is. */
  tn_store_set_exchange_rate (lane->store, "VES", 36500000, 2, &error);
  g_assert_no_error (error);
  tn_test_add_product (lane->store, "COFFEE", 250, 1600);
  tn_test_add_product (lane->store, "TEA", 199, 800);
  tn_sale_request_add_line (request, "COFFEE", 2000);
  tn_sale_request_add_line (request, "TEA", 1500);
  receipt = tn_store_sell (lane->store, request, &error);
  g_assert_no_error (error);

  lane->texts = tn_store_read_events (lane->store, tn_store_get_replica_id (lane->store), 0,
                                      100000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lane->texts->len, >=, 3);
}

static void
lane_reload (Lane *lane)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&lane->texts, g_ptr_array_unref);
  lane->texts = tn_store_read_events (lane->store, tn_store_get_replica_id (lane->store), 0,
                                      100000, &error);
  g_assert_no_error (error);
}

static void
lane_clear (Lane *lane)
{
  g_clear_object (&lane->store);
  g_clear_pointer (&lane->texts, g_ptr_array_unref);
  tn_test_rmdir (lane->dir);
  g_clear_pointer (&lane->dir, g_free);
}

/* The first record of event type @type. */
static const char *
lane_find (Lane       *lane,
           const char *type)
{
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"}", type);

  for (guint i = 0; i < lane->texts->len; i++)
    if (g_str_has_suffix (lane->texts->pdata[i], needle))
      return lane->texts->pdata[i];
  g_assert_not_reached ();
}

static TnVersionVector *
sample_vv (void)
{
  TnVersionVector *vv = tn_version_vector_new ();

  tn_version_vector_set (vv, REPLICA_A, 42);
  tn_version_vector_set (vv, REPLICA_B, 7);
  return vv;
}

static TnSyncMessage *
decode_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  TnSyncMessage *message = tn_sync_message_decode (text, strlen (text), "test-store", &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

/* Decodes @text, checks the type, and that encoding it again gives the
 * same text (the encoders write canonical JSON). */
static TnSyncMessage *
roundtrip (const char        *text,
           TnSyncMessageType  type)
{
  TnSyncMessage *message = decode_ok (text);
  g_autofree char *again = NULL;

  g_assert_cmpint (message->type, ==, type);
  again = tn_sync_message_encode (message);
  g_assert_cmpstr (again, ==, text);
  return message;
}

/* Checks that @text (@length bytes, -1 for strlen) is refused with
 * @code, that it maps to @close_code, and that the message mentions
 * @names. */
static void
assert_refused_len (const char *text,
                    gssize      length,
                    const char *expected_store,
                    TnError     code,
                    guint16     close_code,
                    const char *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSyncMessage) message = NULL;
  g_autofree char *frame = NULL;
  g_autoptr(TnSyncMessage) reply = NULL;

  message = tn_sync_message_decode (text, length < 0 ? strlen (text) : (gsize) length,
                                    expected_store, &error);
  g_assert_null (message);
  g_assert_error (error, TN_ERROR, (gint) code);
  g_assert_cmpuint (tn_sync_close_code_for_error (error), ==, close_code);
  if (names != NULL && strstr (error->message, names) == NULL)
    g_error ("“%s” not in the error message “%s”", names, error->message);

  /* The error frame we would send back is itself a valid message. */
  frame = tn_sync_encode_error_from_gerror (error);
  reply = decode_ok (frame);
  g_assert_cmpint (reply->type, ==, TN_SYNC_MESSAGE_ERROR);
  g_assert_cmpint (reply->code, ==, close_code);
  g_assert_cmpuint (strlen (reply->message), <=, TN_SYNC_MAX_ERROR_MESSAGE);
}

static void
assert_refused (const char *text,
                TnError     code,
                guint16     close_code,
                const char *names)
{
  assert_refused_len (text, -1, "test-store", code, close_code, names);
}

static char *
hello_with (const char *member,
            const char *json_value)
{
  return g_strdup_printf ("{\"nonce\":\"" NONCE_A "\",\"proto\":1,\"replica\":\"" REPLICA_A "\","
                          "\"store\":\"test-store\",\"terminal\":\"L1\",\"type\":\"hello\","
                          "\"vv\":{},\"%s\":%s}", member, json_value);
}

/* Replaces the first @from in @text with @to. */
static char *
replace_once (const char *text,
              const char *from,
              const char *to)
{
  const char *at = strstr (text, from);

  g_assert_nonnull (at);
  return g_strdup_printf ("%.*s%s%s", (int) (at - text), text, to, at + strlen (from));
}

/* Round trips ------------------------------------------------------------ */

static void
test_roundtrip_hello (void)
{
  g_autoptr(TnVersionVector) vv = sample_vv ();
  g_autofree char *server = tn_sync_encode_hello ("test-store", REPLICA_A, "L1", NONCE_A, vv,
                                                  NULL);
  g_autofree char *client = tn_sync_encode_hello ("test-store", REPLICA_B, "L-2_b", NONCE_A,
                                                  vv, HASH_A);
  g_autoptr(TnSyncMessage) s = roundtrip (server, TN_SYNC_MESSAGE_HELLO);
  g_autoptr(TnSyncMessage) c = roundtrip (client, TN_SYNC_MESSAGE_HELLO);

  g_assert_cmpint (s->proto, ==, TN_SYNC_PROTO_VERSION);
  g_assert_cmpstr (s->store, ==, "test-store");
  g_assert_cmpstr (s->replica, ==, REPLICA_A);
  g_assert_cmpstr (s->terminal, ==, "L1");
  g_assert_cmpstr (s->nonce, ==, NONCE_A);
  g_assert_null (s->mac);
  g_assert_true (tn_version_vector_equal (s->vv, vv));
  g_assert_cmpstr (c->replica, ==, REPLICA_B);
  g_assert_cmpstr (c->terminal, ==, "L-2_b");
  g_assert_cmpstr (c->mac, ==, HASH_A);

  /* Without an expected store, any well-formed store id is taken. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TnSyncMessage) any = tn_sync_message_decode (server, strlen (server), NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (any->store, ==, "test-store");
  }
}

static void
test_roundtrip_small (void)
{
  g_autoptr(TnVersionVector) vv = sample_vv ();
  g_autoptr(TnVersionVector) empty = tn_version_vector_new ();
  g_autofree char *welcome = tn_sync_encode_welcome (HASH_A);
  g_autofree char *ack = tn_sync_encode_ack (vv);
  g_autofree char *ack_empty = tn_sync_encode_ack (empty);
  g_autofree char *digest = tn_sync_encode_digest (vv, HASH_A);
  g_autofree char *buckets_request = tn_sync_encode_buckets_request (vv);
  g_autofree char *fiscal = tn_sync_encode_fiscal_block_request (REPLICA_B, "L2");
  g_autoptr(TnSyncMessage) m = NULL;

  m = roundtrip (welcome, TN_SYNC_MESSAGE_WELCOME);
  g_assert_cmpstr (m->mac, ==, HASH_A);
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (ack, TN_SYNC_MESSAGE_ACK);
  g_assert_true (tn_version_vector_equal (m->vv, vv));
  g_assert_cmpstr (ack, ==, "{\"type\":\"ack\",\"vv\":{\"" REPLICA_A "\":42,\"" REPLICA_B "\":7}}");
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (ack_empty, TN_SYNC_MESSAGE_ACK);
  g_assert_cmpuint (tn_version_vector_size (m->vv), ==, 0);
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (digest, TN_SYNC_MESSAGE_DIGEST);
  g_assert_true (tn_version_vector_equal (m->vv, vv));
  g_assert_cmpstr (m->state_hash, ==, HASH_A);
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (buckets_request, TN_SYNC_MESSAGE_BUCKETS_REQUEST);
  g_assert_true (tn_version_vector_equal (m->vv, vv));
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (fiscal, TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST);
  g_assert_cmpstr (m->device, ==, REPLICA_B);
  g_assert_cmpstr (m->terminal, ==, "L2");
}

static void
test_roundtrip_buckets (void)
{
  g_autoptr(TnVersionVector) vv = sample_vv ();
  g_autoptr(GPtrArray) buckets = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_autoptr(TnSyncMessage) m = NULL;

  for (guint i = 0; i < TN_SYNC_BUCKETS; i++)
    g_ptr_array_add (buckets, g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                           (const guchar *) &i, sizeof i));
  g_ptr_array_add (buckets, NULL);
  text = tn_sync_encode_buckets (vv, (const char * const *) buckets->pdata);
  m = roundtrip (text, TN_SYNC_MESSAGE_BUCKETS);
  g_assert_cmpuint (g_strv_length (m->buckets), ==, TN_SYNC_BUCKETS);
  for (guint i = 0; i < TN_SYNC_BUCKETS; i++)
    g_assert_cmpstr (m->buckets[i], ==, buckets->pdata[i]);
}

static void
test_roundtrip_inventory (void)
{
  const char *skus[] = { "COFFEE", "TÉ-verde", "x", NULL };
  const char *none[] = { NULL };
  TnSyncInventoryItem items[] = {
    { (char *) "COFFEE", 12000 },
    { (char *) "TEA", -1500 },          /* oversold */
    { (char *) "Ñandú", G_GINT64_CONSTANT (1000000000000000) },
  };
  g_autofree char *request = tn_sync_encode_inventory_request (skus);
  g_autofree char *request_all = tn_sync_encode_inventory_request (NULL);
  g_autofree char *request_none = tn_sync_encode_inventory_request (none);
  g_autofree char *response = tn_sync_encode_inventory_response (items, G_N_ELEMENTS (items));
  g_autofree char *response_empty = tn_sync_encode_inventory_response (NULL, 0);
  g_autoptr(TnSyncMessage) m = NULL;

  m = roundtrip (request, TN_SYNC_MESSAGE_INVENTORY_REQUEST);
  g_assert_true (g_strv_equal ((const char * const *) m->skus, skus));
  g_clear_pointer (&m, tn_sync_message_free);

  /* No "skus" means every SKU; an empty list means none. */
  m = roundtrip (request_all, TN_SYNC_MESSAGE_INVENTORY_REQUEST);
  g_assert_null (m->skus);
  g_clear_pointer (&m, tn_sync_message_free);
  m = roundtrip (request_none, TN_SYNC_MESSAGE_INVENTORY_REQUEST);
  g_assert_nonnull (m->skus);
  g_assert_cmpuint (g_strv_length (m->skus), ==, 0);
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (response, TN_SYNC_MESSAGE_INVENTORY_RESPONSE);
  g_assert_cmpuint (m->items->len, ==, G_N_ELEMENTS (items));
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      TnSyncInventoryItem *item = &g_array_index (m->items, TnSyncInventoryItem, i);

      g_assert_cmpstr (item->sku, ==, items[i].sku);
      g_assert_cmpint (item->qty, ==, items[i].qty);
    }
  g_clear_pointer (&m, tn_sync_message_free);

  m = roundtrip (response_empty, TN_SYNC_MESSAGE_INVENTORY_RESPONSE);
  g_assert_cmpuint (m->items->len, ==, 0);
}

static void
test_roundtrip_error (void)
{
  g_autoptr(GString) longer = g_string_new (NULL);
  g_autofree char *text = tn_sync_encode_error (TN_SYNC_CLOSE_AUTH, "Wrong store key");
  g_autofree char *cut = NULL;
  g_autoptr(TnSyncMessage) m = roundtrip (text, TN_SYNC_MESSAGE_ERROR);

  g_assert_cmpint (m->code, ==, 4401);
  g_assert_cmpstr (m->message, ==, "Wrong store key");
  g_clear_pointer (&m, tn_sync_message_free);

  /* A long message is cut on a character boundary, within the limit. */
  g_string_append (longer, "x");
  while (longer->len < 3000)
    g_string_append (longer, "ñ");
  cut = tn_sync_encode_error (TN_SYNC_CLOSE_INVALID, longer->str);
  m = decode_ok (cut);
  g_assert_cmpuint (strlen (m->message), ==, TN_SYNC_MAX_ERROR_MESSAGE - 1);
  g_assert_true (g_utf8_validate (m->message, -1, NULL));
  g_assert_true (g_str_has_prefix (longer->str, m->message));
  g_clear_pointer (&m, tn_sync_message_free);

  /* Invalid UTF-8 from some library message is made valid, not sent raw. */
  g_clear_pointer (&cut, g_free);
  cut = tn_sync_encode_error (TN_SYNC_CLOSE_INTERNAL, "disk \xff full");
  m = decode_ok (cut);
  g_assert_true (g_str_has_prefix (m->message, "disk "));
}

static void
test_roundtrip_events (void)
{
  Lane lane = { NULL, };
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(TnSyncMessage) m = NULL;

  lane_init (&lane);
  frames = tn_sync_encode_event_batches (lane.texts);
  g_assert_cmpuint (frames->len, ==, 1);
  m = roundtrip (frames->pdata[0], TN_SYNC_MESSAGE_EVENTS);
  g_assert_cmpuint (m->events->len, ==, lane.texts->len);
  for (guint i = 0; i < lane.texts->len; i++)
    {
      TnEvent *event = m->events->pdata[i];

      g_assert_cmpstr (event->canonical, ==, lane.texts->pdata[i]);
      g_assert_cmpstr (event->store, ==, "test-store");
      g_assert_cmpint (event->seq, ==, i + 1);
    }

  /* Whitespace between the records is fine on the wire. */
  {
    g_autofree char *spaced = g_strdup_printf ("  {\"type\" : \"events\",\n \"events\" : [ %s ]}\n",
                                               (char *) lane.texts->pdata[0]);
    g_autoptr(TnSyncMessage) s = decode_ok (spaced);

    g_assert_cmpuint (s->events->len, ==, 1);
  }

  /* No records, no frames. */
  {
    g_autoptr(GPtrArray) none = g_ptr_array_new ();
    g_autoptr(GPtrArray) no_frames = tn_sync_encode_event_batches (none);

    g_assert_cmpuint (no_frames->len, ==, 0);
  }
  lane_clear (&lane);
}

/* Rejections ------------------------------------------------------------- */

static void
test_reject_malformed (void)
{
  assert_refused ("{\"type\":\"ack\",", TN_ERROR_INVALID, 1007, "not valid JSON");
  assert_refused ("", TN_ERROR_INVALID, 1007, "not valid JSON");
  assert_refused ("{\"type\":\"ack\",\"vv\":{}} x", TN_ERROR_INVALID, 1007, "not valid JSON");
  assert_refused ("{\"type\":\"ack\",\"vv\":{}}{}", TN_ERROR_INVALID, 1007, NULL);
  assert_refused ("{\"type\":\"ack\",\"type\":\"ack\",\"vv\":{}}", TN_ERROR_INVALID, 1007, NULL);
  assert_refused ("{'type':'ack'}", TN_ERROR_INVALID, 1007, NULL);
  assert_refused_len ("{\"type\":\"ack\",\"vv\":{}}\0", 23, "test-store", TN_ERROR_INVALID, 1007,
                      NULL);
  assert_refused ("{\"type\":\"ack\xc3\",\"vv\":{}}", TN_ERROR_INVALID, 1007, "UTF-8");
  assert_refused ("[{\"type\":\"ack\"}]", TN_ERROR_INVALID, 1007, "JSON object");
  assert_refused ("\"ack\"", TN_ERROR_INVALID, 1007, "JSON object");
}

static void
test_reject_type (void)
{
  assert_refused ("{\"type\":\"snapshot\"}", TN_ERROR_UNKNOWN_TYPE, 1008, "snapshot");
  assert_refused ("{\"type\":\"Hello\"}", TN_ERROR_UNKNOWN_TYPE, 1008, "Hello");
  assert_refused ("{\"vv\":{}}", TN_ERROR_MISSING_FIELD, 1007, "type");
  assert_refused ("{\"type\":1}", TN_ERROR_INVALID, 1007, "type");
  assert_refused ("{\"type\":null}", TN_ERROR_INVALID, 1007, "type");

  /* A peer's long type name is not echoed whole. */
  {
    g_autofree char *name = g_strnfill (5000, 'z');
    g_autofree char *text = g_strdup_printf ("{\"type\":\"%s\"}", name);
    g_autoptr(GError) error = NULL;
    g_autoptr(TnSyncMessage) m = tn_sync_message_decode (text, strlen (text), NULL, &error);

    g_assert_null (m);
    g_assert_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE);
    g_assert_cmpuint (strlen (error->message), <, 200);
  }
}

static void
test_reject_fields (void)
{
  struct
  {
    const char *member;
    const char *value;
    TnError     code;
    const char *names;
  } cases[] = {
    { "mac", "\"" HASH_A "0\"", TN_ERROR_INVALID, "mac" },
    { "mac", "null", TN_ERROR_INVALID, "mac" },
    { "mac", "42", TN_ERROR_INVALID, "mac" },
    { "extra", "1", TN_ERROR_INVALID, "extra" },
  };
  g_autofree char *hello = hello_with ("mac", "\"" HASH_A "\"");
  g_autoptr(TnSyncMessage) ok = decode_ok (hello);

  g_assert_cmpstr (ok->mac, ==, HASH_A);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = hello_with (cases[i].member, cases[i].value);
      assert_refused (text, cases[i].code, 1007, cases[i].names);
    }

  /* Missing members, wrong types, bad formats. */
  {
    struct
    {
      const char *from;
      const char *to;
      TnError     code;
      const char *names;
    } edits[] = {
      { "\"proto\":1,", "", TN_ERROR_MISSING_FIELD, "proto" },
      { "\"proto\":1,", "\"proto\":\"1\",", TN_ERROR_INVALID, "proto" },
      { "\"proto\":1,", "\"proto\":1.0,", TN_ERROR_NOT_INTEGER, "proto" },
      { "\"proto\":1,", "\"proto\":0,", TN_ERROR_INVALID, "proto" },
      { "\"proto\":1,", "\"proto\":2,", TN_ERROR_INVALID, "protocol 2" },
      { "\"proto\":1,", "\"proto\":99999999999999999999,", TN_ERROR_NOT_INTEGER, "proto" },
      { "\"replica\":\"" REPLICA_A "\",", "", TN_ERROR_MISSING_FIELD, "replica" },
      { REPLICA_A, "0F0E0D0C-0B0A-4908-8706-050403020100", TN_ERROR_INVALID, "replica" },
      { REPLICA_A, "not-a-uuid", TN_ERROR_INVALID, "replica" },
      { "\"terminal\":\"L1\"", "\"terminal\":\"\"", TN_ERROR_INVALID, "terminal" },
      { "\"terminal\":\"L1\"", "\"terminal\":\"L 1\"", TN_ERROR_INVALID, "terminal" },
      { "\"terminal\":\"L1\"", "\"terminal\":[\"L1\"]", TN_ERROR_INVALID, "terminal" },
      { "\"store\":\"test-store\"", "\"store\":\"test store\"", TN_ERROR_INVALID, "store" },
      { "\"store\":\"test-store\",", "", TN_ERROR_MISSING_FIELD, "store" },
      { "\"vv\":{}", "\"vv\":[]", TN_ERROR_INVALID, "vv" },
      { "\"vv\":{}", "\"vv\":{\"L1\":3}", TN_ERROR_INVALID, "vv" },
      { "\"vv\":{}", "\"vv\":{\"" REPLICA_B "\":1.5}", TN_ERROR_NOT_INTEGER, "vv" },
      { "\"vv\":{}", "\"vv\":{\"" REPLICA_B "\":-1}", TN_ERROR_INVALID, "vv" },
      { "\"vv\":{},", "", TN_ERROR_MISSING_FIELD, "vv" },
      { "\"vv\":{}", "\"vv\":{\"" REPLICA_B "\":9007199254740992}", TN_ERROR_INVALID, "2^53" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (edits); i++)
      {
        g_autofree char *text = replace_once (hello, edits[i].from, edits[i].to);
        assert_refused (text, edits[i].code, 1007, edits[i].names);
      }
  }

  /* The other messages. */
  assert_refused ("{\"type\":\"welcome\"}", TN_ERROR_MISSING_FIELD, 1007, "mac");
  assert_refused ("{\"type\":\"ack\",\"vv\":{},\"seq\":1}", TN_ERROR_INVALID, 1007, "seq");
  assert_refused ("{\"type\":\"digest\",\"vv\":{}}", TN_ERROR_MISSING_FIELD, 1007, "state_hash");
  assert_refused ("{\"type\":\"digest\",\"vv\":{},\"state_hash\":\"abc\"}", TN_ERROR_INVALID,
                  1007, "state_hash");
  assert_refused ("{\"type\":\"buckets_request\"}", TN_ERROR_MISSING_FIELD, 1007, "vv");
  assert_refused ("{\"type\":\"fiscal_block_request\",\"device\":\"x\",\"terminal\":\"L1\"}",
                  TN_ERROR_INVALID, 1007, "device");
  assert_refused ("{\"type\":\"fiscal_block_request\",\"device\":\"" REPLICA_A "\"}",
                  TN_ERROR_MISSING_FIELD, 1007, "terminal");
  assert_refused ("{\"type\":\"inventory_request\",\"skus\":\"COFFEE\"}", TN_ERROR_INVALID, 1007,
                  "skus");
  assert_refused ("{\"type\":\"inventory_request\",\"skus\":[\"A\",\"\"]}", TN_ERROR_INVALID, 1007,
                  "skus[1]");
  assert_refused ("{\"type\":\"inventory_request\",\"skus\":[1]}", TN_ERROR_INVALID, 1007,
                  "skus[0]");
  assert_refused ("{\"type\":\"inventory_response\"}", TN_ERROR_MISSING_FIELD, 1007, "items");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"sku\":\"A\",\"qty\":1.5}]}",
                  TN_ERROR_NOT_INTEGER, 1007, "qty");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"sku\":\"A\","
                  "\"qty\":1000000000000001}]}", TN_ERROR_INVALID, 1007, "qty");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"sku\":\"A\"}]}",
                  TN_ERROR_MISSING_FIELD, 1007, "qty");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"qty\":1}]}",
                  TN_ERROR_MISSING_FIELD, 1007, "sku");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[1]}",
                  TN_ERROR_INVALID, 1007, "item 0");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"sku\":\"A\",\"qty\":1,"
                  "\"name\":\"x\"}]}", TN_ERROR_INVALID, 1007, "name");
  assert_refused ("{\"type\":\"inventory_response\",\"items\":[{\"sku\":\"A\",\"qty\":1},"
                  "{\"sku\":\"A\",\"qty\":2}]}", TN_ERROR_INVALID, 1007, "twice");
  assert_refused ("{\"type\":\"error\",\"code\":999,\"message\":\"\"}", TN_ERROR_INVALID, 1007,
                  "code");
  assert_refused ("{\"type\":\"error\",\"code\":1007}", TN_ERROR_MISSING_FIELD, 1007, "message");
  {
    g_autofree char *big = g_strnfill (TN_SYNC_MAX_ERROR_MESSAGE + 1, 'x');
    g_autofree char *text =
      g_strdup_printf ("{\"type\":\"error\",\"code\":1007,\"message\":\"%s\"}", big);
    assert_refused (text, TN_ERROR_TOO_LARGE, 1009, "message");
  }
}

static void
test_reject_nonce (void)
{
  const char *bad[] = {
    "\"" "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef" "\"",    /* 63 */
    "\"" NONCE_A "0\"",                                                           /* 65 */
    "\"" "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff" "\"",   /* upper */
    "\"" "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" "\"",   /* not hex */
    "\"\"",
    "12",
  };
  g_autofree char *hello = hello_with ("mac", "\"" HASH_A "\"");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *value = g_strdup_printf ("\"nonce\":%s", bad[i]);
      g_autofree char *text = replace_once (hello, "\"nonce\":\"" NONCE_A "\"", value);
      assert_refused (text, TN_ERROR_INVALID, 1007, "nonce");
    }
}

static void
test_reject_buckets (void)
{
  g_autoptr(GString) text = g_string_new ("{\"type\":\"buckets\",\"vv\":{},\"buckets\":[");
  g_autofree char *with_256 = NULL;
  g_autofree char *bad_item = NULL;

  for (guint i = 0; i < 255; i++)
    g_string_append_printf (text, "%s\"%s\"", i ? "," : "", HASH_A);
  g_string_append (text, "]}");
  assert_refused (text->str, TN_ERROR_INVALID, 1007, "255");

  with_256 = replace_once (text->str, "]}", ",\"" HASH_A "\"]}");
  {
    g_autoptr(TnSyncMessage) m = decode_ok (with_256);
    g_assert_cmpuint (g_strv_length (m->buckets), ==, 256);
  }
  bad_item = replace_once (with_256, "\"" HASH_A "\"", "\"" HASH_A "a\"");
  assert_refused (bad_item, TN_ERROR_INVALID, 1007, "buckets[0]");
  g_clear_pointer (&bad_item, g_free);
  bad_item = replace_once (with_256, "\"" HASH_A "\"", "null");
  assert_refused (bad_item, TN_ERROR_INVALID, 1007, "buckets[0]");
}

static void
test_reject_too_large (void)
{
  gsize size = 5 * 1024 * 1024;
  g_autofree char *huge = g_malloc (size);
  const char *ack = "{\"type\":\"ack\",\"vv\":{}}";
  gsize ack_len = strlen (ack);

  /* 5 MiB of a valid frame: refused for its size alone. */
  memset (huge, ' ', size);
  memcpy (huge, ack, ack_len);
  assert_refused_len (huge, size, "test-store", TN_ERROR_TOO_LARGE, 1009, "4 MiB");
  assert_refused_len (huge, TN_SYNC_MAX_FRAME + 1, "test-store", TN_ERROR_TOO_LARGE, 1009, NULL);

  /* Exactly 4 MiB is still a frame. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TnSyncMessage) m = tn_sync_message_decode (huge, TN_SYNC_MAX_FRAME, "test-store",
                                                         &error);
    g_assert_no_error (error);
    g_assert_cmpint (m->type, ==, TN_SYNC_MESSAGE_ACK);
  }

  /* More than 1000 SKUs in one inventory request. */
  {
    g_autoptr(GString) text = g_string_new ("{\"type\":\"inventory_request\",\"skus\":[");
    for (guint i = 0; i <= TN_SYNC_MAX_INVENTORY_SKUS; i++)
      g_string_append_printf (text, "%s\"S%u\"", i ? "," : "", i);
    g_string_append (text, "]}");
    assert_refused (text->str, TN_ERROR_TOO_LARGE, 1009, "1001");
  }
}

static void
test_reject_events (void)
{
  Lane lane = { NULL, };
  const char *good;
  g_autofree char *tampered = NULL;
  g_autofree char *frame = NULL;

  lane_init (&lane);
  good = lane_find (&lane, "ProductCreated");

  /* An event of another store, even with a right hash. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) payload = json_node_new (JSON_NODE_OBJECT);
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(TnEvent) foreign = NULL;

    json_object_set_string_member (object, "sku", "COFFEE");
    json_object_set_int_member (object, "delta", -1000);
    json_object_set_string_member (object, "reason", "broken");
    json_node_set_object (payload, object);
    foreign = tn_event_new ("other-store", REPLICA_A, 1, TN_EVENT_STOCK_ADJUSTED,
                            tn_hlc_make (1700000000000, 0), tn_version_vector_new (),
                            g_steal_pointer (&payload), &error);
    g_assert_no_error (error);
    frame = g_strdup_printf ("{\"type\":\"events\",\"events\":[%s,%s]}", good, foreign->canonical);
    assert_refused (frame, TN_ERROR_WRONG_STORE, 4401, "event 2 of 2");
    assert_refused (frame, TN_ERROR_WRONG_STORE, 4401, "other-store");

    /* Without an expected store the codec takes it (the caller decides). */
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(TnSyncMessage) m = tn_sync_message_decode (frame, strlen (frame), NULL,
                                                           &local_error);
      g_assert_no_error (local_error);
      g_assert_cmpuint (m->events->len, ==, 2);
    }
  }

  /* A hello from another store. */
  {
    g_autofree char *hello = hello_with ("mac", "\"" HASH_A "\"");
    g_autofree char *other = replace_once (hello, "test-store", "other-store");
    assert_refused (other, TN_ERROR_WRONG_STORE, 4401, "other-store");
  }

  /* A changed payload under the old hash. */
  g_clear_pointer (&frame, g_free);
  tampered = replace_once (good, "\"sku\":\"COFFEE\"", "\"sku\":\"COFFEX\"");
  frame = g_strdup_printf ("{\"type\":\"events\",\"events\":[%s]}", tampered);
  assert_refused (frame, TN_ERROR_BAD_HASH, 1007, "event 1 of 1");

  /* Other broken records keep the event's own error code. */
  g_clear_pointer (&frame, g_free);
  frame = g_strdup_printf ("{\"type\":\"events\",\"events\":[%s,42]}", good);
  assert_refused (frame, TN_ERROR_INVALID, 1007, "event 2 of 2");
  g_clear_pointer (&tampered, g_free);
  g_clear_pointer (&frame, g_free);
  tampered = replace_once (good, "\"type\":\"ProductCreated\"", "\"type\":\"ProductDeleted\"");
  frame = g_strdup_printf ("{\"type\":\"events\",\"events\":[%s]}", tampered);
  assert_refused (frame, TN_ERROR_UNKNOWN_TYPE, 1008, "event 1 of 1");

  assert_refused ("{\"type\":\"events\",\"events\":[]}", TN_ERROR_INVALID, 1007, "empty");
  assert_refused ("{\"type\":\"events\",\"events\":{}}", TN_ERROR_INVALID, 1007, "events");
  assert_refused ("{\"type\":\"events\"}", TN_ERROR_MISSING_FIELD, 1007, "events");

  /* 513 events: refused on the count, before any is parsed. */
  {
    g_autoptr(GString) text = g_string_new ("{\"type\":\"events\",\"events\":[");
    for (guint i = 0; i <= TN_SYNC_MAX_BATCH_EVENTS; i++)
      g_string_append_printf (text, "%s%s", i ? "," : "", good);
    g_string_append (text, "]}");
    assert_refused (text->str, TN_ERROR_TOO_LARGE, 1009, "513");
  }
  lane_clear (&lane);
}

static void
test_close_codes (void)
{
  struct
  {
    TnError code;
    guint16 close;
  } cases[] = {
    { TN_ERROR_TOO_LARGE, 1009 },
    { TN_ERROR_INVALID, 1007 },
    { TN_ERROR_NOT_INTEGER, 1007 },
    { TN_ERROR_MISSING_FIELD, 1007 },
    { TN_ERROR_BAD_HASH, 1007 },
    { TN_ERROR_SEQ_GAP, 1007 },
    { TN_ERROR_UNKNOWN_TYPE, 1008 },
    { TN_ERROR_WRONG_STORE, 4401 },
    { TN_ERROR_PERMISSION, 4401 },
    { TN_ERROR_DATABASE, 1011 },
    { TN_ERROR_DISK_FULL, 1011 },
    { TN_ERROR_FAILED, 1011 },
    { TN_ERROR_EXISTS, 1011 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (TN_ERROR, cases[i].code, "x");
      g_assert_cmpuint (tn_sync_close_code_for_error (error), ==, cases[i].close);
    }
  {
    g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "x");
    g_assert_cmpuint (tn_sync_close_code_for_error (error), ==, 1011);
  }
  g_assert_cmpuint (tn_sync_close_code_for_error (NULL), ==, 1000);
  g_assert_cmpuint (TN_SYNC_CLOSE_AUTH, ==, 4401);
}

/* Batching --------------------------------------------------------------- */

/* Decodes every frame, checks its limits and returns the records in the
 * order the frames carry them. */
static GPtrArray *
decode_frames (GPtrArray *frames,
               gboolean   check_size)
{
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);

  for (guint f = 0; f < frames->len; f++)
    {
      const char *frame = frames->pdata[f];
      g_autoptr(TnSyncMessage) m = decode_ok (frame);

      g_assert_cmpint (m->type, ==, TN_SYNC_MESSAGE_EVENTS);
      g_assert_cmpuint (m->events->len, >=, 1);
      g_assert_cmpuint (m->events->len, <=, TN_SYNC_MAX_BATCH_EVENTS);
      if (check_size)
        g_assert_cmpuint (strlen (frame), <=, TN_SYNC_MAX_BATCH_BYTES);
      for (guint i = 0; i < m->events->len; i++)
        g_ptr_array_add (seen, g_strdup (((TnEvent *) m->events->pdata[i])->canonical));
    }
  return seen;
}

static void
assert_same_records (GPtrArray *seen,
                     GPtrArray *texts)
{
  g_assert_cmpuint (seen->len, ==, texts->len);
  for (guint i = 0; i < texts->len; i++)
    g_assert_cmpstr (seen->pdata[i], ==, texts->pdata[i]);
}

static void
test_batch_many_small (void)
{
  Lane lane = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  guint base;

  lane_init (&lane);
  base = lane.texts->len;
  g_assert_true (tn_store_begin (lane.store, &error));
  for (guint i = 0; i < 2000 - base; i++)
    {
      g_autoptr(JsonObject) payload = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autoptr(TnEvent) event = NULL;

      json_object_set_string_member (payload, "sku", "COFFEE");
      json_object_set_int_member (payload, "delta", 1000 + i);
      json_object_set_string_member (payload, "reason", "count");
      json_node_set_object (node, payload);
      event = tn_store_append (lane.store, TN_EVENT_STOCK_ADJUSTED, g_steal_pointer (&node),
                               &error);
      g_assert_no_error (error);
    }
  g_assert_true (tn_store_commit (lane.store, &error));
  lane_reload (&lane);
  g_assert_cmpuint (lane.texts->len, ==, 2000);

  frames = tn_sync_encode_event_batches (lane.texts);
  g_assert_cmpuint (frames->len, ==, 4);       /* 512 + 512 + 512 + 464 */
  seen = decode_frames (frames, TRUE);
  assert_same_records (seen, lane.texts);
  {
    g_autoptr(TnSyncMessage) last = decode_ok (frames->pdata[3]);
    g_assert_cmpuint (last->events->len, ==, 2000 - 3 * 512);
  }
  lane_clear (&lane);
}

static void
test_batch_large (void)
{
  Lane lane = { NULL, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  gsize largest = 0;

  lane_init (&lane);
  /* Sales of 1000 lines (the most a sale may have): records of ~110 KB,
   * four to a frame. */
  for (guint s = 0; s < 16; s++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      for (guint i = 0; i < 1000; i++)
        tn_sale_request_add_line (request, i % 2 ? "COFFEE" : "TEA", 1000 + i);
      receipt = tn_store_sell (lane.store, request, &error);
      g_assert_no_error (error);
    }
  lane_reload (&lane);
  for (guint i = 0; i < lane.texts->len; i++)
    largest = MAX (largest, strlen (lane.texts->pdata[i]));
  g_test_message ("largest record: %" G_GSIZE_FORMAT " bytes", largest);
  g_assert_cmpuint (largest, >, 100 * 1000);

  frames = tn_sync_encode_event_batches (lane.texts);
  g_assert_cmpuint (frames->len, >=, 4);
  seen = decode_frames (frames, TRUE);
  assert_same_records (seen, lane.texts);

  /* Two full frames glued together: the receiver refuses the bytes. */
  {
    const char *a = frames->pdata[0];
    const char *b = frames->pdata[1];
    g_autofree char *head = g_strndup (a, strlen (a) - strlen ("],\"type\":\"events\"}"));
    g_autofree char *glued = g_strconcat (head, ",", b + strlen ("{\"events\":["), NULL);

    assert_refused (glued, TN_ERROR_TOO_LARGE, 1009, "bytes");
  }

  /* A record over the limit on its own gets its own frame, not lost. */
  {
    g_autoptr(GPtrArray) bodies = g_ptr_array_new ();
    g_autofree char *big = g_strnfill (TN_SYNC_MAX_BATCH_BYTES + 10, 'x');
    g_autoptr(GPtrArray) out = NULL;

    g_ptr_array_add (bodies, lane.texts->pdata[0]);
    g_ptr_array_add (bodies, big);
    g_ptr_array_add (bodies, lane.texts->pdata[1]);
    out = tn_sync_encode_event_batches (bodies);
    g_assert_cmpuint (out->len, ==, 3);
    g_assert_nonnull (strstr (out->pdata[1], big));
  }
  lane_clear (&lane);
}

/* Authentication --------------------------------------------------------- */

static char *
hex_of (const char *data,
        gsize       len)
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", (guchar) data[i]);
  return g_string_free (hex, FALSE);
}

static void
test_auth_rfc4231 (void)
{
  /* Test case 2: key "Jefe", data "what do ya want for nothing?", split
   * into a raw nonce and a "replica". */
  {
    const char *data = "what do ya want for nothing?";
    g_autofree char *nonce = hex_of (data, 16);
    g_autofree char *mac = tn_sync_auth_mac ((const guint8 *) "Jefe", 4, nonce, data + 16);

    g_assert_cmpstr (mac, ==, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    g_assert_true (tn_sync_auth_verify ((const guint8 *) "Jefe", 4, nonce, data + 16, mac));
  }

  /* Test case 7: a 131-byte key and long data, with a nonce of the
   * protocol's 32 bytes. */
  {
    const char *data = "This is a test using a larger than block-size key and a larger than "
                       "block-size data. The key needs to be hashed before being used by the "
                       "HMAC algorithm.";
    guint8 key[131];
    g_autofree char *nonce = hex_of (data, TN_SYNC_NONCE_BYTES);
    g_autofree char *mac = NULL;

    memset (key, 0xaa, sizeof key);
    g_assert_cmpuint (strlen (nonce), ==, 64);
    mac = tn_sync_auth_mac (key, sizeof key, nonce, data + TN_SYNC_NONCE_BYTES);
    g_assert_cmpstr (mac, ==, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  }

  /* Nonces that are not hex. */
  g_assert_null (tn_sync_auth_mac ((const guint8 *) "Jefe", 4, "abc", "x"));
  g_assert_null (tn_sync_auth_mac ((const guint8 *) "Jefe", 4, "zz", "x"));
  g_assert_null (tn_sync_auth_mac ((const guint8 *) "Jefe", 4, "", "x"));
}

static void
test_auth_handshake (void)
{
  const guint8 *key = (const guint8 *) "store-key-0123456789";
  gsize key_len = 20;
  g_autofree char *server_nonce = tn_sync_auth_nonce ();
  g_autofree char *client_nonce = tn_sync_auth_nonce ();
  g_autofree char *client_mac = NULL;
  g_autofree char *server_mac = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *welcome = NULL;
  g_autoptr(TnVersionVector) vv = tn_version_vector_new ();
  g_autoptr(TnSyncMessage) got_hello = NULL;
  g_autoptr(TnSyncMessage) got_welcome = NULL;
  char flipped[65];

  g_assert_cmpuint (strlen (server_nonce), ==, 64);
  g_assert_cmpstr (server_nonce, !=, client_nonce);
  for (const char *p = server_nonce; *p; p++)
    g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));

  /* Client → server: hello with the MAC over the server's nonce. */
  client_mac = tn_sync_auth_mac (key, key_len, server_nonce, REPLICA_B);
  hello = tn_sync_encode_hello ("test-store", REPLICA_B, "L2", client_nonce, vv, client_mac);
  got_hello = decode_ok (hello);
  g_assert_true (tn_sync_auth_verify (key, key_len, server_nonce, got_hello->replica,
                                      got_hello->mac));

  /* Server → client: welcome with the MAC over the client's nonce. */
  server_mac = tn_sync_auth_mac (key, key_len, got_hello->nonce, REPLICA_A);
  welcome = tn_sync_encode_welcome (server_mac);
  got_welcome = decode_ok (welcome);
  g_assert_true (tn_sync_auth_verify (key, key_len, client_nonce, REPLICA_A, got_welcome->mac));

  /* Every wrong ingredient fails. */
  g_assert_false (tn_sync_auth_verify ((const guint8 *) "store-key-0123456780", key_len,
                                       server_nonce, REPLICA_B, client_mac));
  g_assert_false (tn_sync_auth_verify (key, key_len, client_nonce, REPLICA_B, client_mac));
  g_assert_false (tn_sync_auth_verify (key, key_len, server_nonce, REPLICA_A, client_mac));
  memcpy (flipped, client_mac, sizeof flipped);
  flipped[63] = flipped[63] == '0' ? '1' : '0';
  g_assert_false (tn_sync_auth_verify (key, key_len, server_nonce, REPLICA_B, flipped));
  flipped[63] = '\0';
  g_assert_false (tn_sync_auth_verify (key, key_len, server_nonce, REPLICA_B, flipped));
  g_assert_false (tn_sync_auth_verify (key, key_len, server_nonce, REPLICA_B, ""));
  g_assert_false (tn_sync_auth_verify (key, key_len, server_nonce, REPLICA_B, NULL));
}

static char *
write_key_file (const char *dir,
                const char *name,
                const char *contents,
                gssize      length,
                int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
assert_key_refused (const char *path,
                    TnError     code,
                    const char *names)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = tn_sync_auth_load_key (path, &error);

  g_assert_null (key);
  g_assert_error (error, TN_ERROR, (gint) code);
  if (names != NULL && strstr (error->message, names) == NULL)
    g_error ("“%s” not in the error message “%s”", names, error->message);
}

static void
test_auth_key_file (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *good = write_key_file (dir, "good", "  store-key-0123456789\n", -1, 0600);
  g_autofree char *readonly = write_key_file (dir, "ro", "store-key-0123456789", -1, 0400);
  g_autofree char *world = write_key_file (dir, "world", "store-key-0123456789\n", -1, 0644);
  g_autofree char *group = write_key_file (dir, "group", "store-key-0123456789\n", -1, 0640);
  g_autofree char *shortkey = write_key_file (dir, "short", "0123456789abcde\n", -1, 0600);
  g_autofree char *binary = write_key_file (dir, "binary", "store-key\0-0123456789", 21, 0600);
  g_autofree char *big_text = g_strnfill (5000, 'k');
  g_autofree char *big = write_key_file (dir, "big", big_text, -1, 0600);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *chmod_hint = g_strdup_printf ("chmod 600 %s", world);
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(GBytes) key = tn_sync_auth_load_key (good, &error);
    gsize len;
    const char *data;

    g_assert_no_error (error);
    data = g_bytes_get_data (key, &len);
    g_assert_cmpmem (data, len, "store-key-0123456789", 20);
  }
  {
    g_autoptr(GBytes) key = tn_sync_auth_load_key (readonly, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (key), ==, 20);
  }

  assert_key_refused (world, TN_ERROR_PERMISSION, chmod_hint);
  assert_key_refused (group, TN_ERROR_PERMISSION, "chmod 600");
  assert_key_refused (shortkey, TN_ERROR_INVALID, "at least 16");
  assert_key_refused (binary, TN_ERROR_INVALID, NULL);
  assert_key_refused (big, TN_ERROR_INVALID, NULL);
  assert_key_refused (missing, TN_ERROR_NOT_FOUND, missing);
  assert_key_refused (dir, TN_ERROR_INVALID, "regular file");

  /* Without a file: the environment. */
  g_setenv ("TENDERO_STORE_KEY", "\tenv-key-0123456789abc ", TRUE);
  {
    g_autoptr(GBytes) key = tn_sync_auth_load_key (NULL, &error);
    gsize len;
    const char *data;

    g_assert_no_error (error);
    data = g_bytes_get_data (key, &len);
    g_assert_cmpmem (data, len, "env-key-0123456789abc", 21);
  }
  g_setenv ("TENDERO_STORE_KEY", "short", TRUE);
  assert_key_refused (NULL, TN_ERROR_INVALID, "TENDERO_STORE_KEY");
  g_unsetenv ("TENDERO_STORE_KEY");
  assert_key_refused (NULL, TN_ERROR_NOT_FOUND, "TENDERO_STORE_KEY");

  tn_test_rmdir (dir);
}

/* Backoff ---------------------------------------------------------------- */

static void
test_backoff_full_jitter (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  g_autoptr(GHashTable) distinct = g_hash_table_new (NULL, NULL);
  TnBackoff backoff;
  guint64 sum = 0;
  const guint n = 20000;

  tn_backoff_init (&backoff, 0, 0);
  g_assert_cmpuint (backoff.base_ms, ==, 1000);
  g_assert_cmpuint (backoff.cap_ms, ==, 60000);

  /* The ceiling doubles per attempt, up to the cap. */
  for (guint attempt = 0; attempt < 40; attempt++)
    {
      guint ceiling = attempt < 6 ? 1000u << attempt : 60000;
      guint delay;

      g_assert_cmpuint (backoff.attempt, ==, MIN (attempt, 32));   /* saturates */
      delay = tn_backoff_next_delay (&backoff, rand);
      g_assert_cmpuint (delay, <=, ceiling);
    }

  /* At the cap: uniform over [0, 60000], not a constant. */
  for (guint i = 0; i < n; i++)
    {
      guint delay = tn_backoff_next_delay (&backoff, rand);

      g_assert_cmpuint (delay, <=, 60000);
      sum += delay;
      g_hash_table_add (distinct, GUINT_TO_POINTER (delay));
    }
  g_assert_cmpuint (g_hash_table_size (distinct), >, n / 2);
  g_assert_cmpfloat ((double) sum / n, >, 28000);
  g_assert_cmpfloat ((double) sum / n, <, 32000);

  /* A good handshake starts over. */
  tn_backoff_reset (&backoff);
  g_assert_cmpuint (backoff.attempt, ==, 0);
  g_hash_table_remove_all (distinct);
  for (guint i = 0; i < 1000; i++)
    {
      tn_backoff_reset (&backoff);
      g_hash_table_add (distinct, GUINT_TO_POINTER (tn_backoff_next_delay (&backoff, rand)));
    }
  g_assert_cmpuint (g_hash_table_size (distinct), >, 300);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, distinct);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_cmpuint (GPOINTER_TO_UINT (key), <=, 1000);
  }

  /* The same seed gives the same delays (tests can rely on it). */
  {
    g_autoptr(GRand) r1 = g_rand_new_with_seed (7);
    g_autoptr(GRand) r2 = g_rand_new_with_seed (7);
    TnBackoff a, b;

    tn_backoff_init (&a, 250, 8000);
    tn_backoff_init (&b, 250, 8000);
    for (guint i = 0; i < 50; i++)
      g_assert_cmpuint (tn_backoff_next_delay (&a, r1), ==, tn_backoff_next_delay (&b, r2));
  }

  /* Extreme settings do not overflow. */
  {
    TnBackoff extreme;

    tn_backoff_init (&extreme, G_MAXUINT, G_MAXUINT);
    for (guint i = 0; i < 100; i++)
      g_assert_cmpuint (tn_backoff_next_delay (&extreme, rand), <, (guint) G_MAXINT32);
    tn_backoff_init (&extreme, 1, 0);
    for (guint i = 0; i < 100; i++)
      g_assert_cmpuint (tn_backoff_next_delay (&extreme, rand), <=, 60000);
    g_assert_cmpuint (extreme.attempt, <=, 32);
  }

  /* The global generator works too. */
  {
    TnBackoff global;

    tn_backoff_init (&global, 100, 1000);
    g_assert_cmpuint (tn_backoff_next_delay (&global, NULL), <=, 100);
  }
}

static void
test_backoff_proportional (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GHashTable) distinct = g_hash_table_new (NULL, NULL);
  TnBackoff backoff;
  double lo = G_MAXDOUBLE, hi = 0;

  tn_backoff_init (&backoff, 1000, 60000);
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      guint nominal = attempt < 6 ? 1000u << attempt : 60000;
      guint delay = tn_backoff_next_delay_proportional (&backoff, rand, 0.2);

      g_assert_cmpuint (delay, >=, (guint) (nominal * 0.8) - 1);
      g_assert_cmpuint (delay, <=, (guint) (nominal * 1.2));
    }
  for (guint i = 0; i < 5000; i++)
    {
      guint delay = tn_backoff_next_delay_proportional (&backoff, rand, 0.2);

      g_assert_cmpuint (delay, >=, 48000 - 1);
      g_assert_cmpuint (delay, <=, 72000);
      lo = MIN (lo, delay);
      hi = MAX (hi, delay);
      g_hash_table_add (distinct, GUINT_TO_POINTER (delay));
    }
  g_assert_cmpuint (g_hash_table_size (distinct), >, 1000);
  /* The spread reaches near both ends. */
  g_assert_cmpfloat (lo, <, 49000);
  g_assert_cmpfloat (hi, >, 71000);

  /* No jitter: exactly the nominal delay. */
  tn_backoff_reset (&backoff);
  g_assert_cmpuint (tn_backoff_next_delay_proportional (&backoff, rand, 0.0), ==, 1000);
  g_assert_cmpuint (tn_backoff_next_delay_proportional (&backoff, rand, 0.0), ==, 2000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-protocol/roundtrip/hello", test_roundtrip_hello);
  g_test_add_func ("/sync-protocol/roundtrip/small", test_roundtrip_small);
  g_test_add_func ("/sync-protocol/roundtrip/buckets", test_roundtrip_buckets);
  g_test_add_func ("/sync-protocol/roundtrip/inventory", test_roundtrip_inventory);
  g_test_add_func ("/sync-protocol/roundtrip/error", test_roundtrip_error);
  g_test_add_func ("/sync-protocol/roundtrip/events", test_roundtrip_events);
  g_test_add_func ("/sync-protocol/reject/malformed", test_reject_malformed);
  g_test_add_func ("/sync-protocol/reject/type", test_reject_type);
  g_test_add_func ("/sync-protocol/reject/fields", test_reject_fields);
  g_test_add_func ("/sync-protocol/reject/nonce", test_reject_nonce);
  g_test_add_func ("/sync-protocol/reject/buckets", test_reject_buckets);
  g_test_add_func ("/sync-protocol/reject/too-large", test_reject_too_large);
  g_test_add_func ("/sync-protocol/reject/events", test_reject_events);
  g_test_add_func ("/sync-protocol/close-codes", test_close_codes);
  g_test_add_func ("/sync-protocol/batch/many-small", test_batch_many_small);
  g_test_add_func ("/sync-protocol/batch/large", test_batch_large);
  g_test_add_func ("/sync-protocol/auth/rfc4231", test_auth_rfc4231);
  g_test_add_func ("/sync-protocol/auth/handshake", test_auth_handshake);
  g_test_add_func ("/sync-protocol/auth/key-file", test_auth_key_file);
  g_test_add_func ("/sync-protocol/backoff/full-jitter", test_backoff_full_jitter);
  g_test_add_func ("/sync-protocol/backoff/proportional", test_backoff_proportional);

  return g_test_run ();
}
