/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-sync-protocol.h"
#include "tn-sync-protocol-private.h"

/* The sync protocol, reading side: a frame's text is parsed strictly
 * and every member of every message checked before anything acts on
 * it.  Encoding is in tn-sync-protocol-encode.c. */

#include <glib/gi18n.h>
#include <inttypes.h>

#include <string.h>

#include "tn-canonical-json.h"
#include "tn-error.h"
#include "tn-json-doc.h"

/* Integers a JSON reader holds exactly (2^53 − 1); also the bound of
 * an inventory quantity. */
#define MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)
#define MAX_QTY          TN_SYNC_MAX_QTY

/* Reads the members of one message type into @message. */
typedef gboolean DecodeFunc (TnJsonDoc          *doc,
                             const TnJsonValue  *object,
                             TnSyncMessage      *message,
                             const char         *expected_store,
                             GError            **error);

static DecodeFunc decode_hello;
static DecodeFunc decode_welcome;
static DecodeFunc decode_events;
static DecodeFunc decode_vv_only;
static DecodeFunc decode_digest;
static DecodeFunc decode_buckets;
static DecodeFunc decode_fiscal_block_request;
static DecodeFunc decode_inventory_request;
static DecodeFunc decode_inventory_response;
static DecodeFunc decode_error;

/* Every member a message may have besides "type": anything else is
 * refused, so that a peer that means something we do not understand is
 * told so instead of being half-obeyed.  (A new member means a new
 * protocol version.) */
static const struct
{
  const char *name;
  const char *members[8];
  DecodeFunc *decode;
} message_types[TN_SYNC_MESSAGE_N_TYPES] = {
  [TN_SYNC_MESSAGE_HELLO] =
    { "hello", { "proto", "store", "replica", "terminal", "nonce", "vv", "mac", NULL },
      decode_hello },
  [TN_SYNC_MESSAGE_WELCOME] = { "welcome", { "mac", NULL }, decode_welcome },
  [TN_SYNC_MESSAGE_EVENTS] = { "events", { "events", NULL }, decode_events },
  [TN_SYNC_MESSAGE_ACK] = { "ack", { "vv", NULL }, decode_vv_only },
  [TN_SYNC_MESSAGE_DIGEST] = { "digest", { "vv", "state_hash", NULL }, decode_digest },
  [TN_SYNC_MESSAGE_BUCKETS_REQUEST] = { "buckets_request", { "vv", NULL }, decode_vv_only },
  [TN_SYNC_MESSAGE_BUCKETS] = { "buckets", { "vv", "buckets", NULL }, decode_buckets },
  [TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST] =
    { "fiscal_block_request", { "device", "terminal", NULL }, decode_fiscal_block_request },
  [TN_SYNC_MESSAGE_INVENTORY_REQUEST] =
    { "inventory_request", { "skus", NULL }, decode_inventory_request },
  [TN_SYNC_MESSAGE_INVENTORY_RESPONSE] =
    { "inventory_response", { "items", NULL }, decode_inventory_response },
  [TN_SYNC_MESSAGE_ERROR] = { "error", { "code", "message", NULL }, decode_error },
};

/* Strings ---------------------------------------------------------------- */

typedef enum
{
  S_HEX64,
  S_UUID,
  S_STORE,      /* tn_validate_store_id () */
  S_TERMINAL,   /* tn_validate_terminal () */
  S_SKU,        /* what an event accepts as "sku": 1–1024 bytes */
  S_MESSAGE,    /* ≤ TN_SYNC_MAX_ERROR_MESSAGE bytes, may be empty */
} StringKind;

gboolean
tn_sync_is_lower_hex64 (const char *s)
{
  gsize i;

  for (i = 0; s[i] != '\0' && i < 64; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return i == 64 && s[i] == '\0';
}

static gboolean
string_is_valid (const char *s,
                 StringKind  kind)
{
  switch (kind)
    {
    case S_HEX64:
      return tn_sync_is_lower_hex64 (s);
    case S_UUID:
      return tn_is_uuid (s);
    case S_STORE:
      return tn_validate_store_id (s, NULL);
    case S_TERMINAL:
      return tn_validate_terminal (s, NULL);
    case S_SKU:
      return tn_sync_is_sku (s);
    case S_MESSAGE:
      return strlen (s) <= TN_SYNC_MAX_ERROR_MESSAGE;
    }
  g_assert_not_reached ();
}

/* @what is the message type, @name the member (or "member item N"). */
static void
set_string_error (GError     **error,
                  const char  *what,
                  const char  *name,
                  StringKind   kind)
{
  switch (kind)
    {
    case S_HEX64:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be 64 lowercase hex digits"), what, name);
      return;
    case S_UUID:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be a lowercase UUID"), what, name);
      return;
    case S_STORE:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” is not a store id (1–64 letters, digits, “-”, “_” or “.”)"),
                   what, name);
      return;
    case S_TERMINAL:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” is not a terminal name (1–32 letters, digits, “-” or “_”)"),
                   what, name);
      return;
    case S_SKU:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be a SKU of 1 to 1024 bytes"), what, name);
      return;
    case S_MESSAGE:
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("%s: “%s” is longer than %d bytes"), what, name,
                   TN_SYNC_MAX_ERROR_MESSAGE);
      return;
    }
  g_assert_not_reached ();
}

/* A peer's text quoted in an error message: short, and still UTF-8
 * (the parser checked it) so that the message can be sent back. */
static char *
shorten (const char *text)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (text, -1) <= 64)
    return g_strdup (text);
  head = g_utf8_substring (text, 0, 63);
  return g_strconcat (head, "…", NULL);
}

static gboolean
node_is_string (const TnJsonValue *node)
{
  return node->kind == TN_JSON_STRING;
}

/* Members ---------------------------------------------------------------- */

/* Returns the member, or NULL: with @error set when it is required.
 * JSON null counts as a value of the wrong type, not as absent. */
static const TnJsonValue *
get_member (const TnJsonValue  *object,
            const char         *what,
            const char         *name,
            gboolean            required,
            GError            **error)
{
  const TnJsonValue *node = tn_json_value_member (object, name);

  if (node == NULL && required)
    g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD,
                 _("%s: the required field “%s” is missing"), what, name);
  return node;
}

/* Reads string member @name into @out (NULL when optional and absent). */
static gboolean
read_string (const TnJsonValue  *object,
             const char         *what,
             const char         *name,
             gboolean            required,
             StringKind          kind,
             char              **out,
             GError            **error)
{
  const TnJsonValue *node = get_member (object, what, name, required, error);

  if (node == NULL)
    return !required;
  if (!node_is_string (node))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be a string"), what, name);
      return FALSE;
    }
  if (!string_is_valid (node->string, kind))
    {
      set_string_error (error, what, name, kind);
      return FALSE;
    }
  *out = g_strdup (node->string);
  return TRUE;
}

static gboolean
check_integer (const TnJsonValue  *node,
               const char  *what,
               const char  *name,
               gint64       min,
               gint64       max,
               gint64      *out,
               GError     **error)
{
  gint64 n;

  /* The strict parser reads integers beyond gint64 as doubles too. */
  if (node->kind == TN_JSON_DOUBLE)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INTEGER,
                   _("%s: “%s” must be a whole number between %" PRId64
                     " and %" PRId64), what, name, min, max);
      return FALSE;
    }
  if (node->kind != TN_JSON_INT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be an integer"), what, name);
      return FALSE;
    }
  n = node->integer;
  if (n < min || n > max)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be between %" PRId64 " and %" PRId64),
                   what, name, min, max);
      return FALSE;
    }
  *out = n;
  return TRUE;
}

static gboolean
read_integer (const TnJsonValue  *object,
              const char  *what,
              const char  *name,
              gint64       min,
              gint64       max,
              gint64      *out,
              GError     **error)
{
  const TnJsonValue *node = get_member (object, what, name, TRUE, error);

  return node != NULL && check_integer (node, what, name, min, max, out, error);
}

static gboolean
read_vv (const TnJsonValue  *object,
         const char         *what,
         TnVersionVector   **out,
         GError            **error)
{
  const TnJsonValue *node = get_member (object, what, "vv", TRUE, error);
  GError *local_error = NULL;

  if (node == NULL)
    return FALSE;
  *out = tn_version_vector_from_value (node, &local_error);
  if (*out == NULL)
    {
      g_propagate_prefixed_error (error, local_error, _("%s: “vv”: "), what);
      return FALSE;
    }
  /* Beyond 2^53 a JSON reader (and our canonical writer) rounds. */
  {
    g_autoptr(GPtrArray) origins = tn_version_vector_origins (*out);

    for (guint i = 0; i < origins->len; i++)
      if (tn_version_vector_get (*out, origins->pdata[i]) > MAX_SAFE_INTEGER)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s: “vv”: the entry for %s is beyond 2^53"), what,
                       (const char *) origins->pdata[i]);
          return FALSE;
        }
  }
  return TRUE;
}

static const TnJsonValue *
read_array (const TnJsonValue  *object,
            const char         *what,
            const char         *name,
            gboolean            required,
            GError            **error)
{
  const TnJsonValue *node = get_member (object, what, name, required, error);

  if (node == NULL)
    return NULL;
  if (node->kind != TN_JSON_ARRAY)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: “%s” must be an array"), what, name);
      return NULL;
    }
  return node;
}

/* The items of @array, each a string of @kind, as a NULL-terminated
 * vector; NULL with @error set at the first that is not. */
static char **
read_string_items (const TnJsonValue  *array,
                   const char         *what,
                   const char         *name,
                   StringKind          kind,
                   GError            **error)
{
  g_auto(GStrv) items = g_new0 (char *, array->length + 1);
  guint i = 0;

  tn_json_value_foreach (item, array)
    {
      if (!node_is_string (item) || !string_is_valid (item->string, kind))
        {
          g_autofree char *label = g_strdup_printf ("%s[%u]", name, i);

          set_string_error (error, what, label, kind);
          return NULL;
        }
      items[i++] = g_strdup (item->string);
    }
  return g_steal_pointer (&items);
}

static gboolean
check_members (const TnJsonValue  *object,
               guint               type,
               GError            **error)
{
  tn_json_value_foreach (member, object)
    {
      const char *name = member->name;
      gboolean known = strcmp (name, "type") == 0;

      for (guint i = 0; !known && message_types[type].members[i] != NULL; i++)
        known = strcmp (name, message_types[type].members[i]) == 0;
      if (!known)
        {
          g_autofree char *shown = shorten (name);

          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s: unknown field “%s”"), message_types[type].name, shown);
          return FALSE;
        }
    }
  return TRUE;
}

/* Decoders --------------------------------------------------------------- */

/* Checked before anything else, so that a peer of another version hears
 * that, rather than about a member it added. */
static gboolean
check_proto (const TnJsonValue  *object,
             TnSyncMessage      *message,
             GError            **error)
{
  if (!read_integer (object, "hello", "proto", 1, G_MAXINT64, &message->proto, error))
    return FALSE;
  if (message->proto != TN_SYNC_PROTO_VERSION)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("hello: the peer speaks sync protocol %" PRId64
                     " and this lane speaks %d; install the same Tendero version on both"),
                   message->proto, TN_SYNC_PROTO_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_hello (TnJsonDoc          *doc,
              const TnJsonValue  *object,
              TnSyncMessage      *message,
              const char         *expected_store,
              GError            **error)
{
  if (!read_string (object, "hello", "store", TRUE, S_STORE, &message->store, error))
    return FALSE;
  if (expected_store != NULL && strcmp (message->store, expected_store) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_WRONG_STORE,
                   _("hello: the peer belongs to store “%s”, this lane to “%s”"),
                   message->store, expected_store);
      return FALSE;
    }
  return read_string (object, "hello", "replica", TRUE, S_UUID, &message->replica, error) &&
         read_string (object, "hello", "terminal", TRUE, S_TERMINAL, &message->terminal, error) &&
         read_string (object, "hello", "nonce", TRUE, S_HEX64, &message->nonce, error) &&
         read_vv (object, "hello", &message->vv, error) &&
         read_string (object, "hello", "mac", FALSE, S_HEX64, &message->mac, error);
}

static gboolean
decode_welcome (TnJsonDoc          *doc,
                const TnJsonValue  *object,
                TnSyncMessage      *message,
                const char         *expected_store,
                GError            **error)
{
  return read_string (object, "welcome", "mac", TRUE, S_HEX64, &message->mac, error);
}

static gboolean
decode_events (TnJsonDoc          *doc,
               const TnJsonValue  *object,
               TnSyncMessage      *message,
               const char         *expected_store,
               GError            **error)
{
  const TnJsonValue *array = read_array (object, "events", "events", TRUE, error);
  gsize bytes = 0;
  guint len, i = 0;

  if (array == NULL)
    return FALSE;
  len = array->length;
  if (len == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("events: the batch is empty"));
      return FALSE;
    }
  if (len > TN_SYNC_MAX_BATCH_EVENTS)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("events: the batch has %u events; the limit is %d"),
                   len, TN_SYNC_MAX_BATCH_EVENTS);
      return FALSE;
    }

  message->events = g_ptr_array_new_full (len, (GDestroyNotify) tn_event_free);
  for (const TnJsonValue *item = tn_json_value_first (array); item != NULL;
       item = tn_json_value_next (array, item), i++)
    {
      GError *local_error = NULL;
      TnEvent *event = tn_event_from_value (doc, item, expected_store, &local_error);
      gsize size;

      if (event == NULL)
        {
          /* Keeps the code: a wrong store stays TN_ERROR_WRONG_STORE. */
          g_propagate_prefixed_error (error, local_error, _("events: event %u of %u: "),
                                      i + 1, len);
          return FALSE;
        }
      g_ptr_array_add (message->events, event);

      /* tn_event_from_value () bounds the payload but not the deps. */
      size = strlen (event->canonical);
      if (size > TN_SYNC_MAX_EVENT_BYTES)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                       _("events: event %u of %u is %zu bytes; "
                         "the limit is %d"), i + 1, len, size, TN_SYNC_MAX_EVENT_BYTES);
          return FALSE;
        }
      /* Canonical bytes: a frame from our batcher holds fewer. */
      bytes += size;
      if (bytes > TN_SYNC_MAX_BATCH_BYTES)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                       _("events: the batch holds more than %d bytes of events "
                         "(at event %u of %u)"), TN_SYNC_MAX_BATCH_BYTES, i + 1, len);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
decode_vv_only (TnJsonDoc          *doc,
                const TnJsonValue  *object,
                TnSyncMessage      *message,
                const char         *expected_store,
                GError            **error)
{
  return read_vv (object, message_types[message->type].name, &message->vv, error);
}

static gboolean
decode_digest (TnJsonDoc          *doc,
               const TnJsonValue  *object,
               TnSyncMessage      *message,
               const char         *expected_store,
               GError            **error)
{
  return read_vv (object, "digest", &message->vv, error) &&
         read_string (object, "digest", "state_hash", TRUE, S_HEX64, &message->state_hash, error);
}

static gboolean
decode_buckets (TnJsonDoc          *doc,
                const TnJsonValue  *object,
                TnSyncMessage      *message,
                const char         *expected_store,
                GError            **error)
{
  const TnJsonValue *array;
  guint len;

  if (!read_vv (object, "buckets", &message->vv, error))
    return FALSE;
  array = read_array (object, "buckets", "buckets", TRUE, error);
  if (array == NULL)
    return FALSE;
  len = array->length;
  if (len != TN_SYNC_BUCKETS)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("buckets: “buckets” must hold exactly %d bucket hashes, not %u"),
                   TN_SYNC_BUCKETS, len);
      return FALSE;
    }
  message->buckets = read_string_items (array, "buckets", "buckets", S_HEX64, error);
  return message->buckets != NULL;
}

static gboolean
decode_fiscal_block_request (TnJsonDoc          *doc,
                             const TnJsonValue  *object,
                             TnSyncMessage      *message,
                             const char         *expected_store,
                             GError            **error)
{
  return read_string (object, "fiscal_block_request", "device", TRUE, S_UUID,
                      &message->device, error) &&
         read_string (object, "fiscal_block_request", "terminal", TRUE, S_TERMINAL,
                      &message->terminal, error);
}

static gboolean
decode_inventory_request (TnJsonDoc          *doc,
                          const TnJsonValue  *object,
                          TnSyncMessage      *message,
                          const char         *expected_store,
                          GError            **error)
{
  const TnJsonValue *array;

  if (tn_json_value_member (object, "skus") == NULL)
    return TRUE;     /* every SKU */
  array = read_array (object, "inventory_request", "skus", TRUE, error);
  if (array == NULL)
    return FALSE;
  if (array->length > TN_SYNC_MAX_INVENTORY_SKUS)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("inventory_request: “skus” has %u items; the limit is %d"),
                   array->length, TN_SYNC_MAX_INVENTORY_SKUS);
      return FALSE;
    }
  message->skus = read_string_items (array, "inventory_request", "skus", S_SKU, error);
  return message->skus != NULL;
}

static void
inventory_item_clear (gpointer data)
{
  TnSyncInventoryItem *item = data;

  g_clear_pointer (&item->sku, g_free);
}

static gboolean
decode_inventory_response (TnJsonDoc          *doc,
                           const TnJsonValue  *object,
                           TnSyncMessage      *message,
                           const char         *expected_store,
                           GError            **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const TnJsonValue *array = read_array (object, "inventory_response", "items", TRUE, error);
  guint i = 0;

  if (array == NULL)
    return FALSE;
  message->items = g_array_sized_new (FALSE, TRUE, sizeof (TnSyncInventoryItem), array->length);
  g_array_set_clear_func (message->items, inventory_item_clear);
  for (const TnJsonValue *entry = tn_json_value_first (array); entry != NULL;
       entry = tn_json_value_next (array, entry), i++)
    {
      g_autofree char *what = g_strdup_printf (_("inventory_response: item %u"), i);
      TnSyncInventoryItem item = { NULL, 0 };

      if (entry->kind != TN_JSON_OBJECT)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("%s must be an object"), what);
          return FALSE;
        }
      tn_json_value_foreach (member, entry)
        if (strcmp (member->name, "sku") != 0 && strcmp (member->name, "qty") != 0)
          {
            g_autofree char *shown = shorten (member->name);

            g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                         _("%s: unknown field “%s”"), what, shown);
            return FALSE;
          }
      if (!read_integer (entry, what, "qty", -MAX_QTY, MAX_QTY, &item.qty, error) ||
          !read_string (entry, what, "sku", TRUE, S_SKU, &item.sku, error))
        return FALSE;
      g_array_append_val (message->items, item);
      if (!g_hash_table_add (seen, item.sku))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s: SKU “%s” is listed twice"), what, item.sku);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
decode_error (TnJsonDoc          *doc,
              const TnJsonValue  *object,
              TnSyncMessage      *message,
              const char         *expected_store,
              GError            **error)
{
  gint64 code;

  /* The code is the close code that follows: 1000–4999 (RFC 6455). */
  if (!read_integer (object, "error", "code", 1000, 4999, &code, error))
    return FALSE;
  message->code = (gint) code;
  return read_string (object, "error", "message", TRUE, S_MESSAGE, &message->message, error);
}

/* Public: decoding ------------------------------------------------------- */

const char *
tn_sync_message_type_to_string (TnSyncMessageType type)
{
  g_return_val_if_fail (type < TN_SYNC_MESSAGE_N_TYPES, NULL);
  return message_types[type].name;
}

TnSyncMessage *
tn_sync_message_decode (const char  *text,
                        gsize        length,
                        const char  *expected_store,
                        GError     **error)
{
  g_autoptr(TnSyncMessage) message = NULL;
  g_autoptr(TnJsonDoc) doc = NULL;
  GError *local_error = NULL;
  const TnJsonValue *object;
  const TnJsonValue *type_node;
  const char *type_name;
  guint type;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Refused before parsing: a peer must not make us build a huge tree. */
  if (length > TN_SYNC_MAX_FRAME)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The frame is %zu bytes; the limit is 4 MiB"), length);
      return NULL;
    }

  doc = tn_json_doc_parse (text != NULL ? text : "", length, &local_error);
  if (doc == NULL)
    {
      g_propagate_prefixed_error (error, local_error, _("The frame is not valid JSON: "));
      return NULL;
    }
  object = tn_json_doc_get_root (doc);
  if (object->kind != TN_JSON_OBJECT)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("A frame must be a JSON object with a “type” member"));
      return NULL;
    }

  type_node = tn_json_value_member (object, "type");
  if (type_node == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_MISSING_FIELD,
                   _("The frame has no “type” member"));
      return NULL;
    }
  if (!node_is_string (type_node))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The frame’s “type” must be a string"));
      return NULL;
    }
  type_name = type_node->string;
  for (type = 0; type < TN_SYNC_MESSAGE_N_TYPES; type++)
    if (strcmp (type_name, message_types[type].name) == 0)
      break;
  if (type == TN_SYNC_MESSAGE_N_TYPES)
    {
      g_autofree char *shown = shorten (type_name);

      g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE,
                   _("Unknown message type “%s”"), shown);
      return NULL;
    }

  message = g_new0 (TnSyncMessage, 1);
  message->type = type;
  if (type == TN_SYNC_MESSAGE_HELLO && !check_proto (object, message, error))
    return NULL;
  if (!check_members (object, type, error))
    return NULL;
  if (!message_types[type].decode (doc, object, message, expected_store, error))
    return NULL;
  return g_steal_pointer (&message);
}

void
tn_sync_message_free (TnSyncMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->store);
  g_free (message->replica);
  g_free (message->nonce);
  g_free (message->terminal);
  g_free (message->mac);
  g_clear_pointer (&message->vv, tn_version_vector_free);
  g_free (message->state_hash);
  g_strfreev (message->buckets);
  g_clear_pointer (&message->events, g_ptr_array_unref);
  g_free (message->device);
  g_strfreev (message->skus);
  g_clear_pointer (&message->items, g_array_unref);
  g_free (message->message);
  g_free (message);
}
