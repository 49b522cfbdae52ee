/* SPDX-License-Identifier: GPL-3.0-or-later */

/* libFuzzer target for everything a peer can send us: sync frames
 * (tn_sync_message_decode) and bare event records (tn_event_from_json).
 * Besides "no crash, no leak, no critical", it checks properties:
 *  - what we accept, we encode to a frame we accept again, identically;
 *  - what we refuse gets an error frame that is itself valid;
 *  - an accepted event's canonical record is accepted as it is;
 *  - a parsed document and its json-glib copy have one canonical form,
 *    which reads back to itself. */

#include <stdint.h>
#include <string.h>

#include "tn-canonical-json.h"
#include "tn-error.h"
#include "tn-event.h"
#include "tn-fuzz.h"
#include "tn-json-doc.h"
#include "tn-json-strict.h"
#include "tn-sync-protocol.h"

#define STORE "test-store"

int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

static void
check_frame (const char *text,
             gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSyncMessage) message = tn_sync_message_decode (text, size, STORE, &error);

  if (message != NULL)
    {
      g_autoptr(GError) again_error = NULL;
      g_autoptr(TnSyncMessage) again = NULL;
      g_autofree char *encoded = tn_sync_message_encode (message);
      g_autofree char *encoded_again = NULL;

      if (error != NULL)
        tn_fuzz_fail ("a decoded message came with an error", error->message);
      if (encoded == NULL)
        tn_fuzz_fail ("cannot encode a decoded message", NULL);
      again = tn_sync_message_decode (encoded, strlen (encoded), STORE, &again_error);
      if (again == NULL)
        tn_fuzz_fail ("our encoding of an accepted message is refused", again_error->message);
      if (again->type != message->type)
        tn_fuzz_fail ("the type changed in a round trip", encoded);
      encoded_again = tn_sync_message_encode (again);
      if (g_strcmp0 (encoded, encoded_again) != 0)
        tn_fuzz_fail ("encoding is not stable", encoded);
    }
  else
    {
      g_autoptr(GError) reply_error = NULL;
      g_autoptr(TnSyncMessage) reply = NULL;
      g_autofree char *frame = NULL;

      if (error == NULL || error->domain != TN_ERROR)
        tn_fuzz_fail ("refused without a TN_ERROR", NULL);
      if (tn_sync_close_code_for_error (error) == TN_SYNC_CLOSE_NORMAL)
        tn_fuzz_fail ("a refusal maps to a normal close", error->message);
      frame = tn_sync_encode_error_from_gerror (error);
      if (frame == NULL)
        tn_fuzz_fail ("cannot encode the error frame", error->message);
      reply = tn_sync_message_decode (frame, strlen (frame), STORE, &reply_error);
      if (reply == NULL)
        tn_fuzz_fail ("our error frame is refused", reply_error->message);
    }
}

static void
check_event (const char *text,
             gsize       size)
{
  g_autoptr(JsonNode) root = tn_json_parse_strict (text, size, NULL);
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(TnEvent) again = NULL;
  g_autoptr(GError) error = NULL;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  event = tn_event_from_json (text, size, STORE, NULL);
  if (event == NULL)
    return;
  again = tn_event_from_json (event->canonical, -1, STORE, &error);
  if (again == NULL)
    tn_fuzz_fail ("an accepted event's canonical record is refused", error->message);
  if (strcmp (again->canonical, event->canonical) != 0 || strcmp (again->hash, event->hash) != 0)
    tn_fuzz_fail ("an event's canonical record is not a fixed point", event->canonical);
}

static char *
canonical_of_value (const TnJsonValue *value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  if (!tn_canonical_json_append_value (value, out, NULL))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Every container the parser marks canonical writes back as its text:
 * events are hashed from that text as it came. */
static void
check_canonical_marks (TnJsonDoc *doc)
{
  const TnJsonValue *root = tn_json_doc_get_root (doc);

  for (guint32 i = 0; i < root->size; i++)
    {
      gsize length = 0;
      const char *text = tn_json_doc_canonical_text (doc, root + i, &length);
      g_autofree char *written = NULL;

      if (text == NULL)
        continue;
      written = canonical_of_value (root + i);
      if (written == NULL || strlen (written) != length || memcmp (written, text, length) != 0)
        tn_fuzz_fail ("a value marked canonical is written otherwise", written);
    }
}

static void
check_document (const char *text,
                gsize       size)
{
  g_autoptr(TnJsonDoc) doc = tn_json_doc_parse (text, size, NULL);
  g_autoptr(JsonNode) copy = NULL;
  g_autofree char *from_doc = NULL;
  g_autofree char *from_copy = NULL;
  g_autofree char *again = NULL;

  if (doc == NULL)
    return;
  check_canonical_marks (doc);
  copy = tn_json_value_to_node (tn_json_doc_get_root (doc));
  from_doc = canonical_of_value (tn_json_doc_get_root (doc));
  from_copy = tn_canonical_json_to_string (copy, NULL);
  /* Both fail alike on numbers beyond a double (1e999). */
  if (g_strcmp0 (from_doc, from_copy) != 0)
    tn_fuzz_fail ("a document and its json-glib copy canonicalise differently", from_doc);
  if (from_doc == NULL)
    return;
  again = tn_canonical_json_from_text (from_doc, -1, NULL);
  if (g_strcmp0 (again, from_doc) != 0)
    tn_fuzz_fail ("a canonical text is not a fixed point", from_doc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* Not NUL-terminated on purpose: an over-read is an ASan report. */
  const char *text = size > 0 ? (const char *) data : "";

  check_frame (text, size);
  check_event (text, size);
  check_document (text, size);
  return 0;
}
