/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-event.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include <string.h>

#include <nettle/sha2.h>

#include "tn-canonical-json.h"
#include "tn-error.h"
#include "tn-json-strict.h"

/* Hashing and the canonical record ------------------------------------- */

/* SHA-256 of @a then @b, as lowercase hex.  Nettle rather than GChecksum:
 * it uses the CPU's SHA instructions, and every event received is
 * hashed again to check it. */
static char *
sha256_hex2 (const void *a,
             gsize       a_len,
             const void *b,
             gsize       b_len)
{
  static const char digits[] = "0123456789abcdef";
  struct sha256_ctx ctx;
  guint8 digest[SHA256_DIGEST_SIZE];
  char *hex = g_malloc (2 * SHA256_DIGEST_SIZE + 1);

  sha256_init (&ctx);
  sha256_update (&ctx, a_len, a);
  if (b_len > 0)
    sha256_update (&ctx, b_len, b);
  sha256_digest (&ctx, SHA256_DIGEST_SIZE, digest);
  for (guint i = 0; i < SHA256_DIGEST_SIZE; i++)
    {
      hex[2 * i] = digits[digest[i] >> 4];
      hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
  hex[2 * SHA256_DIGEST_SIZE] = '\0';
  return hex;
}

char *
tn_sha256_hex (const void *data,
               gsize       length)
{
  return sha256_hex2 (data, length, NULL, 0);
}

/* Builds the canonical record by hand: the top-level members are fixed,
 * so their order is known, and "hash" slots in between "event_id" and
 * "hlc".  The payload and deps go through the canonicaliser. */
static gboolean
event_build_canonical (TnEvent  *event,
                       GError  **error)
{
  g_autoptr(GString) head = g_string_sized_new (256);
  g_autoptr(GString) tail = g_string_sized_new (1024);
  gsize payload_start, payload_len;
  char hlc[17];

  g_string_append (head, "{\"deps\":");
  tn_version_vector_append_canonical (event->deps, head);
  g_string_append (head, ",\"event_id\":");
  if (!tn_canonical_json_append_string (head, event->event_id, error))
    return FALSE;

  tn_hlc_format (event->hlc, hlc);
  g_string_append_printf (tail, ",\"hlc\":\"%s\",\"origin\":", hlc);
  if (!tn_canonical_json_append_string (tail, event->origin, error))
    return FALSE;
  g_string_append (tail, ",\"payload\":");
  payload_start = tail->len;
  if (!tn_canonical_json_append_value (event->payload, tail, error))
    return FALSE;
  payload_len = tail->len - payload_start;
  if (payload_len > TN_EVENT_MAX_PAYLOAD)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The payload is %zu bytes; the limit is 256 KiB"),
                   payload_len);
      return FALSE;
    }
  g_string_append_printf (tail, ",\"seq\":%" PRId64 ",\"store\":", event->seq);
  if (!tn_canonical_json_append_string (tail, event->store, error))
    return FALSE;
  g_string_append (tail, ",\"type\":");
  tn_canonical_json_append_string (tail, tn_event_type_to_string (event->type), NULL);
  g_string_append_c (tail, '}');

  g_free (event->hash);
  event->hash = sha256_hex2 (head->str, head->len, tail->str, tail->len);

  g_string_append (head, ",\"hash\":\"");
  g_string_append (head, event->hash);
  g_string_append_c (head, '"');
  g_string_append_len (head, tail->str, tail->len);
  g_free (event->canonical);
  event->canonical = g_string_free (g_steal_pointer (&head), FALSE);
  return TRUE;
}

/* A peer sends records as it stored them, canonical already: when the
 * parser saw canonical text, hash and keep that text rather than write
 * the record again (a fifth of decoding a sale).  Canonical text of the
 * nine members puts "hash" right after "event_id", and every member
 * but deps reads back unchanged (the callers checked each); deps drops
 * entries of 0, so it must have kept them all.  FALSE if the text
 * cannot be used as it is; the record is then built. */
static gboolean
event_adopt_canonical (TnEvent            *event,
                       const TnJsonValue  *object,
                       const TnJsonValue  *deps,
                       const char         *hash,
                       GError            **error)
{
  static const char deps_key[] = "{\"deps\":";
  static const char event_id_key[] = ",\"event_id\":\"";
  static const char hash_key[] = ",\"hash\":\"";
  const char *text, *deps_text, *payload_text, *hash_at;
  gsize length, deps_len, payload_len, head_len, hash_len = strlen (hash);

  text = tn_json_doc_canonical_text (event->doc, object, &length);
  if (text == NULL)
    return FALSE;
  deps_text = tn_json_doc_canonical_text (event->doc, deps, &deps_len);
  payload_text = tn_json_doc_canonical_text (event->doc, event->payload, &payload_len);
  if (deps_text == NULL || payload_text == NULL ||
      tn_version_vector_size (event->deps) != deps->length)
    return FALSE;

  head_len = strlen (deps_key) + deps_len + strlen (event_id_key) + strlen (event->event_id) + 1;
  hash_at = text + head_len;
  if (head_len + strlen (hash_key) + hash_len + 1 > length ||
      deps_text != text + strlen (deps_key) ||
      memcmp (text, deps_key, strlen (deps_key)) != 0 ||
      memcmp (deps_text + deps_len, event_id_key, strlen (event_id_key)) != 0 ||
      memcmp (hash_at, hash_key, strlen (hash_key)) != 0 ||
      memcmp (hash_at + strlen (hash_key), hash, hash_len) != 0 ||
      hash_at[strlen (hash_key) + hash_len] != '"')
    return FALSE;

  if (payload_len > TN_EVENT_MAX_PAYLOAD)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The payload is %zu bytes; the limit is 256 KiB"), payload_len);
      return FALSE;
    }
  {
    const char *tail = hash_at + strlen (hash_key) + hash_len + 1;

    event->hash = sha256_hex2 (text, head_len, tail, text + length - tail);
  }
  event->canonical = g_strndup (text, length);
  return TRUE;
}

gboolean
tn_validate_store_id (const char  *store,
                      GError     **error)
{
  gsize len = store ? strlen (store) : 0;

  if (len == 0 || len > 64)
    goto bad;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (store[i]) && store[i] != '-' && store[i] != '_' && store[i] != '.')
      goto bad;
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("“%s” is not a store id: use 1–64 letters, digits, “-”, “_” or “.”"),
               store ? store : "");
  return FALSE;
}

gboolean
tn_validate_terminal (const char  *terminal,
                      GError     **error)
{
  gsize len = terminal ? strlen (terminal) : 0;

  if (len == 0 || len > 32)
    goto bad;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (terminal[i]) && terminal[i] != '-' && terminal[i] != '_')
      goto bad;
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("“%s” is not a terminal name: use 1–32 letters, digits, “-” or “_”, like L1"),
               terminal ? terminal : "");
  return FALSE;
}

TnEvent *
tn_event_new (const char      *store,
              const char      *origin,
              gint64           seq,
              TnEventType      type,
              TnHlc            hlc,
              TnVersionVector *deps,
              JsonNode        *payload,
              GError         **error)
{
  g_autoptr(TnEvent) event = g_new0 (TnEvent, 1);

  event->event_id = tn_uuid_new ();
  event->store = g_strdup (store);
  event->origin = g_strdup (origin);
  event->seq = seq;
  event->type = type;
  event->hlc = hlc;
  event->deps = deps;
  event->doc = tn_json_doc_new_from_node (payload, error);
  json_node_unref (payload);
  if (event->doc == NULL)
    return NULL;
  event->payload = tn_json_doc_get_root (event->doc);

  if (!tn_validate_store_id (store, error))
    return NULL;
  if (!tn_event_validate_payload (type, event->payload, error))
    return NULL;
  if (!event_build_canonical (event, error))
    return NULL;
  return g_steal_pointer (&event);
}

static const char *
member_string (const TnJsonValue  *object,
               const char         *name,
               GError            **error)
{
  const TnJsonValue *node = tn_json_value_member (object, name);

  if (node == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD,
                   _("The event has no “%s” field"), name);
      return NULL;
    }
  if (node->kind != TN_JSON_STRING)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The event’s “%s” field must be a string"), name);
      return NULL;
    }
  return node->string;
}

TnEvent *
tn_event_from_value (TnJsonDoc          *doc,
                     const TnJsonValue  *object,
                     const char         *expected_store,
                     GError            **error)
{
  static const char *known[] = {
    "deps", "event_id", "hash", "hlc", "origin", "payload", "seq", "store", "type",
  };
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *event_id, *store, *origin, *type_name, *hlc_text, *hash;
  const TnJsonValue *seq_node, *deps, *payload;

  if (object == NULL || object->kind != TN_JSON_OBJECT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("An event must be a JSON object"));
      return NULL;
    }
  tn_json_value_foreach (member, object)
    {
      gboolean ok = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (known) && !ok; i++)
        ok = strcmp (known[i], member->name) == 0;
      if (!ok)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("The event has an unknown field “%s”"), member->name);
          return NULL;
        }
    }

  if (!(event_id = member_string (object, "event_id", error)) ||
      !(store = member_string (object, "store", error)) ||
      !(origin = member_string (object, "origin", error)) ||
      !(type_name = member_string (object, "type", error)) ||
      !(hlc_text = member_string (object, "hlc", error)) ||
      !(hash = member_string (object, "hash", error)))
    return NULL;

  event = g_new0 (TnEvent, 1);
  if (!tn_event_type_from_string (type_name, &event->type))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE,
                   _("Unknown event type “%s”"), type_name);
      return NULL;
    }
  if (!tn_is_uuid (event_id) || !tn_is_uuid (origin))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The event’s event_id and origin must be lowercase UUIDs"));
      return NULL;
    }
  if (!tn_validate_store_id (store, error))
    return NULL;
  if (expected_store != NULL && strcmp (store, expected_store) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_WRONG_STORE,
                   _("The event belongs to store “%s”, not “%s”"), store, expected_store);
      return NULL;
    }
  if (!tn_hlc_parse (hlc_text, &event->hlc, error))
    return NULL;

  seq_node = tn_json_value_member (object, "seq");
  if (seq_node == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD, _("The event has no “seq” field"));
      return NULL;
    }
  if (seq_node->kind != TN_JSON_INT ||
      seq_node->integer < 1 || seq_node->integer > TN_MAX_SAFE_INTEGER)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The event’s “seq” must be an integer between 1 and 2^53 − 1"));
      return NULL;
    }
  event->seq = seq_node->integer;

  deps = tn_json_value_member (object, "deps");
  if (deps == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD, _("The event has no “deps” field"));
      return NULL;
    }
  event->deps = tn_version_vector_from_value (deps, error);
  if (event->deps == NULL)
    return NULL;
  /* A store has a handful of lanes; thousands of origins is an attack on
   * our memory, not a store. */
  if (tn_version_vector_size (event->deps) > 4096)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The event’s deps name more than 4096 replicas"));
      return NULL;
    }
  /* An event cannot depend on itself or on its own future. */
  if (tn_version_vector_get (event->deps, origin) >= event->seq)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The event’s deps claim seq %" PRId64 " of its own origin, "
                   "but it is seq %" PRId64),
                   tn_version_vector_get (event->deps, origin), event->seq);
      return NULL;
    }

  payload = tn_json_value_member (object, "payload");
  if (payload == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD, _("The event has no “payload” field"));
      return NULL;
    }
  if (!tn_event_validate_payload (event->type, payload, error))
    return NULL;

  event->event_id = g_strdup (event_id);
  event->store = g_strdup (store);
  event->origin = g_strdup (origin);
  event->doc = tn_json_doc_ref (doc);
  event->payload = payload;
  if (!event_adopt_canonical (event, object, deps, hash, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!event_build_canonical (event, error))
        return NULL;
    }
  if (strcmp (event->hash, hash) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_BAD_HASH,
                   _("Event %s has a wrong hash: it says %s, its content hashes to %s"),
                   event_id, hash, event->hash);
      return NULL;
    }
  return g_steal_pointer (&event);
}

TnEvent *
tn_event_from_node (JsonNode    *node,
                    const char  *expected_store,
                    GError     **error)
{
  g_autoptr(TnJsonDoc) doc = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return tn_event_from_value (NULL, NULL, expected_store, error);
  doc = tn_json_doc_new_from_node (node, error);
  if (doc == NULL)
    return NULL;
  return tn_event_from_value (doc, tn_json_doc_get_root (doc), expected_store, error);
}

TnEvent *
tn_event_from_json (const char  *text,
                    gssize       length,
                    const char  *expected_store,
                    GError     **error)
{
  g_autoptr(TnJsonDoc) doc = NULL;
  g_autoptr(GError) local_error = NULL;

  if (length < 0)
    length = strlen (text);
  /* The whole record may not exceed the payload limit by more than the
   * envelope needs; refuse before parsing megabytes. */
  if ((gsize) length > TN_EVENT_MAX_PAYLOAD + 64 * 1024)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The event is %zd bytes; the payload limit is 256 KiB"),
                   length);
      return NULL;
    }
  doc = tn_json_doc_parse (text, length, &local_error);
  if (doc == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The event is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  return tn_event_from_value (doc, tn_json_doc_get_root (doc), expected_store, error);
}

void
tn_event_free (TnEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->event_id);
  g_free (event->store);
  g_free (event->origin);
  g_clear_pointer (&event->deps, tn_version_vector_free);
  g_clear_pointer (&event->doc, tn_json_doc_unref);
  g_free (event->hash);
  g_free (event->canonical);
  g_free (event);
}

const TnJsonValue *
tn_event_get_payload (const TnEvent *event)
{
  return event->payload;
}

const char *
tn_event_get_string (const TnEvent *event,
                     const char    *member)
{
  return tn_json_value_get_string (event->payload, member);
}

gint64
tn_event_get_int (const TnEvent *event,
                  const char    *member,
                  gint64         default_value)
{
  return tn_json_value_get_int (event->payload, member, default_value);
}
