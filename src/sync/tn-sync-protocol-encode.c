/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The sync protocol, writing side: every message as canonical JSON,
 * event batches cut to the frame limits, and the close code for an
 * error.  Reading and validating is in tn-sync-protocol.c. */

#include "tn-sync-protocol.h"
#include "tn-sync-protocol-private.h"

#include <string.h>

#include "tn-canonical-json.h"
#include "tn-error.h"

/* Encoding ---------------------------------------------------------------- */

static JsonObject *
message_new (TnSyncMessageType type)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "type", tn_sync_message_type_to_string (type));
  return object;
}

static void
set_vv (JsonObject            *object,
        const TnVersionVector *vv)
{
  json_object_set_member (object, "vv", tn_version_vector_to_json (vv));
}

/* Takes @object.  Canonical JSON is compact and stable, which keeps
 * frames comparable in tests and logs. */
static char *
message_finish (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(GError) error = NULL;
  char *text;

  json_object_unref (object);
  text = tn_canonical_json_to_string (node, &error);
  if (text == NULL)
    g_critical ("Cannot encode a sync message: %s", error->message);
  return text;
}

char *
tn_sync_encode_hello (const char            *store,
                      const char            *replica,
                      const char            *terminal,
                      const char            *nonce,
                      const TnVersionVector *vv,
                      const char            *mac)
{
  JsonObject *object;

  g_return_val_if_fail (store != NULL && tn_validate_store_id (store, NULL), NULL);
  g_return_val_if_fail (tn_is_uuid (replica), NULL);
  g_return_val_if_fail (terminal != NULL && tn_validate_terminal (terminal, NULL), NULL);
  g_return_val_if_fail (nonce != NULL && tn_sync_is_lower_hex64 (nonce), NULL);
  g_return_val_if_fail (vv != NULL, NULL);
  g_return_val_if_fail (mac == NULL || tn_sync_is_lower_hex64 (mac), NULL);

  object = message_new (TN_SYNC_MESSAGE_HELLO);
  json_object_set_int_member (object, "proto", TN_SYNC_PROTO_VERSION);
  json_object_set_string_member (object, "store", store);
  json_object_set_string_member (object, "replica", replica);
  json_object_set_string_member (object, "terminal", terminal);
  json_object_set_string_member (object, "nonce", nonce);
  set_vv (object, vv);
  if (mac != NULL)
    json_object_set_string_member (object, "mac", mac);
  return message_finish (object);
}

char *
tn_sync_encode_welcome (const char *mac)
{
  JsonObject *object;

  g_return_val_if_fail (mac != NULL && tn_sync_is_lower_hex64 (mac), NULL);

  object = message_new (TN_SYNC_MESSAGE_WELCOME);
  json_object_set_string_member (object, "mac", mac);
  return message_finish (object);
}

static char *
encode_vv_only (TnSyncMessageType      type,
                const TnVersionVector *vv)
{
  JsonObject *object;

  g_return_val_if_fail (vv != NULL, NULL);

  object = message_new (type);
  set_vv (object, vv);
  return message_finish (object);
}

char *
tn_sync_encode_ack (const TnVersionVector *vv)
{
  return encode_vv_only (TN_SYNC_MESSAGE_ACK, vv);
}

char *
tn_sync_encode_buckets_request (const TnVersionVector *vv)
{
  return encode_vv_only (TN_SYNC_MESSAGE_BUCKETS_REQUEST, vv);
}

char *
tn_sync_encode_digest (const TnVersionVector *vv,
                       const char            *state_hash)
{
  JsonObject *object;

  g_return_val_if_fail (vv != NULL, NULL);
  g_return_val_if_fail (state_hash != NULL && tn_sync_is_lower_hex64 (state_hash), NULL);

  object = message_new (TN_SYNC_MESSAGE_DIGEST);
  set_vv (object, vv);
  json_object_set_string_member (object, "state_hash", state_hash);
  return message_finish (object);
}

char *
tn_sync_encode_buckets (const TnVersionVector *vv,
                        const char * const    *buckets)
{
  JsonObject *object;
  JsonArray *array;

  g_return_val_if_fail (vv != NULL, NULL);
  g_return_val_if_fail (buckets != NULL, NULL);
  for (guint i = 0; i < TN_SYNC_BUCKETS; i++)
    g_return_val_if_fail (buckets[i] != NULL && tn_sync_is_lower_hex64 (buckets[i]), NULL);

  object = message_new (TN_SYNC_MESSAGE_BUCKETS);
  set_vv (object, vv);
  array = json_array_sized_new (TN_SYNC_BUCKETS);
  for (guint i = 0; i < TN_SYNC_BUCKETS; i++)
    json_array_add_string_element (array, buckets[i]);
  json_object_set_array_member (object, "buckets", array);
  return message_finish (object);
}

char *
tn_sync_encode_fiscal_block_request (const char *device,
                                     const char *terminal)
{
  JsonObject *object;

  g_return_val_if_fail (tn_is_uuid (device), NULL);
  g_return_val_if_fail (terminal != NULL && tn_validate_terminal (terminal, NULL), NULL);

  object = message_new (TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST);
  json_object_set_string_member (object, "device", device);
  json_object_set_string_member (object, "terminal", terminal);
  return message_finish (object);
}

char *
tn_sync_encode_inventory_request (const char * const *skus)
{
  JsonObject *object;

  g_return_val_if_fail (skus == NULL ||
                        g_strv_length ((char **) skus) <= TN_SYNC_MAX_INVENTORY_SKUS, NULL);

  object = message_new (TN_SYNC_MESSAGE_INVENTORY_REQUEST);
  if (skus != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; skus[i] != NULL; i++)
        {
          if (!tn_sync_is_sku (skus[i]))
            {
              g_critical ("%s: “%s” is not a SKU", G_STRFUNC, skus[i]);
              json_array_unref (array);
              json_object_unref (object);
              return NULL;
            }
          json_array_add_string_element (array, skus[i]);
        }
      json_object_set_array_member (object, "skus", array);
    }
  return message_finish (object);
}

char *
tn_sync_encode_inventory_response (const TnSyncInventoryItem *items,
                                   gsize                      n_items)
{
  JsonObject *object;
  JsonArray *array;

  g_return_val_if_fail (items != NULL || n_items == 0, NULL);

  object = message_new (TN_SYNC_MESSAGE_INVENTORY_RESPONSE);
  array = json_array_sized_new (n_items);
  for (gsize i = 0; i < n_items; i++)
    {
      JsonObject *entry;

      if (items[i].sku == NULL || !tn_sync_is_sku (items[i].sku) ||
          items[i].qty < -TN_SYNC_MAX_QTY || items[i].qty > TN_SYNC_MAX_QTY)
        {
          g_critical ("%s: item %zu has no valid SKU or quantity",
                      G_STRFUNC, i);
          json_array_unref (array);
          json_object_unref (object);
          return NULL;
        }
      entry = json_object_new ();
      json_object_set_string_member (entry, "sku", items[i].sku);
      json_object_set_int_member (entry, "qty", items[i].qty);
      json_array_add_object_element (array, entry);
    }
  json_object_set_array_member (object, "items", array);
  return message_finish (object);
}

char *
tn_sync_encode_error (guint16     code,
                      const char *message)
{
  g_autofree char *valid = g_utf8_make_valid (message != NULL ? message : "", -1);
  JsonObject *object;

  g_return_val_if_fail (code >= 1000 && code <= 4999, NULL);

  /* Cut on a character boundary: the peer checks the length. */
  if (strlen (valid) > TN_SYNC_MAX_ERROR_MESSAGE)
    {
      char *end = valid + TN_SYNC_MAX_ERROR_MESSAGE;

      while (end > valid && ((guchar) *end & 0xc0) == 0x80)
        end--;
      *end = '\0';
    }

  object = message_new (TN_SYNC_MESSAGE_ERROR);
  json_object_set_int_member (object, "code", code);
  json_object_set_string_member (object, "message", valid);
  return message_finish (object);
}

char *
tn_sync_encode_error_from_gerror (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return tn_sync_encode_error (tn_sync_close_code_for_error (error), error->message);
}

#define BATCH_HEAD "{\"events\":["
#define BATCH_TAIL "],\"type\":\"events\"}"

GPtrArray *
tn_sync_encode_event_batches (GPtrArray *canonical_bodies)
{
  GPtrArray *frames;
  GString *frame = NULL;
  guint count = 0;

  g_return_val_if_fail (canonical_bodies != NULL, NULL);

  frames = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < canonical_bodies->len; i++)
    {
      const char *body = canonical_bodies->pdata[i];
      gsize len = strlen (body);

      /* The whole frame, comma and tail included, stays within the
       * byte limit: stricter than what the receiver counts. */
      if (frame != NULL &&
          (count == TN_SYNC_MAX_BATCH_EVENTS ||
           frame->len + 1 + len + strlen (BATCH_TAIL) > TN_SYNC_MAX_BATCH_BYTES))
        {
          g_string_append (frame, BATCH_TAIL);
          g_ptr_array_add (frames, g_string_free (frame, FALSE));
          frame = NULL;
        }
      if (frame == NULL)
        {
          frame = g_string_sized_new (MIN (TN_SYNC_MAX_BATCH_BYTES, 64 * 1024));
          g_string_append (frame, BATCH_HEAD);
          count = 0;
        }
      else
        {
          g_string_append_c (frame, ',');
        }
      g_string_append_len (frame, body, len);
      count++;
    }
  if (frame != NULL)
    {
      g_string_append (frame, BATCH_TAIL);
      g_ptr_array_add (frames, g_string_free (frame, FALSE));
    }
  return frames;
}

char *
tn_sync_message_encode (const TnSyncMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  switch (message->type)
    {
    case TN_SYNC_MESSAGE_HELLO:
      return tn_sync_encode_hello (message->store, message->replica, message->terminal,
                                   message->nonce, message->vv, message->mac);
    case TN_SYNC_MESSAGE_WELCOME:
      return tn_sync_encode_welcome (message->mac);
    case TN_SYNC_MESSAGE_EVENTS:
      {
        g_autoptr(GPtrArray) bodies = NULL;
        g_autoptr(GPtrArray) frames = NULL;

        g_return_val_if_fail (message->events != NULL && message->events->len > 0, NULL);
        bodies = g_ptr_array_sized_new (message->events->len);
        for (guint i = 0; i < message->events->len; i++)
          g_ptr_array_add (bodies, ((TnEvent *) message->events->pdata[i])->canonical);
        frames = tn_sync_encode_event_batches (bodies);
        if (frames->len != 1)
          {
            g_critical ("%s: the events do not fit in one batch", G_STRFUNC);
            return NULL;
          }
        return g_strdup (frames->pdata[0]);
      }
    case TN_SYNC_MESSAGE_ACK:
      return tn_sync_encode_ack (message->vv);
    case TN_SYNC_MESSAGE_DIGEST:
      return tn_sync_encode_digest (message->vv, message->state_hash);
    case TN_SYNC_MESSAGE_BUCKETS_REQUEST:
      return tn_sync_encode_buckets_request (message->vv);
    case TN_SYNC_MESSAGE_BUCKETS:
      g_return_val_if_fail (message->buckets != NULL &&
                            g_strv_length (message->buckets) == TN_SYNC_BUCKETS, NULL);
      return tn_sync_encode_buckets (message->vv, (const char * const *) message->buckets);
    case TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST:
      return tn_sync_encode_fiscal_block_request (message->device, message->terminal);
    case TN_SYNC_MESSAGE_INVENTORY_REQUEST:
      return tn_sync_encode_inventory_request ((const char * const *) message->skus);
    case TN_SYNC_MESSAGE_INVENTORY_RESPONSE:
      g_return_val_if_fail (message->items != NULL, NULL);
      return tn_sync_encode_inventory_response ((TnSyncInventoryItem *) message->items->data,
                                                message->items->len);
    case TN_SYNC_MESSAGE_ERROR:
      g_return_val_if_fail (message->code >= 1000 && message->code <= 4999, NULL);
      return tn_sync_encode_error (message->code, message->message);
    case TN_SYNC_MESSAGE_N_TYPES:
      break;
    }
  g_return_val_if_reached (NULL);
}

guint16
tn_sync_close_code_for_error (const GError *error)
{
  if (error == NULL)
    return TN_SYNC_CLOSE_NORMAL;
  if (error->domain != TN_ERROR)
    return TN_SYNC_CLOSE_INTERNAL;

  switch ((TnError) error->code)
    {
    case TN_ERROR_TOO_LARGE:
      return TN_SYNC_CLOSE_TOO_LARGE;

    case TN_ERROR_INVALID:
    case TN_ERROR_MISSING_FIELD:
    case TN_ERROR_NOT_INTEGER:
    case TN_ERROR_BAD_HASH:
    case TN_ERROR_SEQ_GAP:
      return TN_SYNC_CLOSE_INVALID;

    case TN_ERROR_UNKNOWN_TYPE:
      return TN_SYNC_CLOSE_POLICY;

    case TN_ERROR_WRONG_STORE:
    case TN_ERROR_PERMISSION:
      return TN_SYNC_CLOSE_AUTH;

    case TN_ERROR_FAILED:
    case TN_ERROR_NOT_FOUND:
    case TN_ERROR_EXISTS:
    case TN_ERROR_DATABASE:
    case TN_ERROR_NEWER_SCHEMA:
    case TN_ERROR_NOT_INITIALIZED:
    case TN_ERROR_DISK_FULL:
    case TN_ERROR_FISCAL:
    default:
      return TN_SYNC_CLOSE_INTERNAL;
    }
}
