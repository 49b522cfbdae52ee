/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-ws-deflate.h"

#include <glib/gi18n.h>
#include <nettle/sha2.h>
#include <string.h>

#include "tn-sync-protocol.h"

/* RFC 7692 §7.2.1: a message ends with an empty stored block, which the
 * sender strips and the receiver puts back. */
static const guint8 flush_tail[4] = { 0x00, 0x00, 0xff, 0xff };

#define HEADER_FIN        0x80
#define HEADER_RSV1       0x40
#define HEADER_CONTROL    0x08
#define FULL_WINDOW_BITS  15

struct _TnWsDeflate
{
  SoupWebsocketExtension parent_instance;

  /* Set by configure: a connection owns its extension and uses it from
   * the one thread that runs the connection. */
  GConverter *deflater;
  GConverter *inflater;
  gboolean    reset_after_message;   /* we promised no context takeover */
  char       *response_params;       /* as the server: what we accepted */

  /* A compressed message arriving in several frames. */
  gboolean    inflating;
  gsize       inflated;
};

G_DEFINE_FINAL_TYPE (TnWsDeflate, tn_ws_deflate, SOUP_TYPE_WEBSOCKET_EXTENSION)

static GConverter *
new_deflater (void)
{
  /* Level 1: a lane streaming its history spends most of its time here,
   * and higher levels gain a few per cent of bytes on this JSON. */
  return G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 1));
}

/* Negotiation ------------------------------------------------------------- */

typedef struct
{
  gboolean server_no_context_takeover;
  gboolean client_no_context_takeover;
  guint    server_max_window_bits;   /* 0: not given */
  guint    client_max_window_bits;   /* 0: not given; 15 when given bare */
} Params;

static gboolean
refuse (GError    **error,
        const char *param)
{
  g_set_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
               _("permessage-deflate: parameter “%s” is unknown or has a bad value"),
               param);
  return FALSE;
}

static gboolean
parse_window_bits (const char *value,
                   guint      *out)
{
  guint64 bits;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 8, 15, &bits, NULL))
    return FALSE;
  *out = bits;
  return TRUE;
}

static gboolean
parse_params (GHashTable  *table,
              Params      *params,
              GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (table == NULL)
    return TRUE;
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *name = key;

      if (strcmp (name, "server_no_context_takeover") == 0 && value == NULL)
        params->server_no_context_takeover = TRUE;
      else if (strcmp (name, "client_no_context_takeover") == 0 && value == NULL)
        params->client_no_context_takeover = TRUE;
      else if (strcmp (name, "server_max_window_bits") == 0)
        {
          if (!parse_window_bits (value, &params->server_max_window_bits))
            return refuse (error, name);
        }
      else if (strcmp (name, "client_max_window_bits") == 0)
        {
          if (value == NULL)
            params->client_max_window_bits = FULL_WINDOW_BITS;
          else if (!parse_window_bits (value, &params->client_max_window_bits))
            return refuse (error, name);
        }
      else
        return refuse (error, name);
    }
  return TRUE;
}

/* Parses @table for @side and checks we can honour it. */
static gboolean
acceptable_params (GHashTable  *table,
                   gboolean     server,
                   Params      *params,
                   GError     **error)
{
  guint our_window;

  if (!parse_params (table, params, error))
    return FALSE;
  /* The window we may compress with is the one named for our side;
   * GZlibCompressor always uses the full one. */
  our_window = server ? params->server_max_window_bits : params->client_max_window_bits;
  if (our_window != 0 && our_window < FULL_WINDOW_BITS)
    {
      g_set_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                   _("permessage-deflate: cannot compress with a %u-bit window"), our_window);
      return FALSE;
    }
  return TRUE;
}

static gboolean
tn_ws_deflate_configure (SoupWebsocketExtension      *extension,
                         SoupWebsocketConnectionType  connection_type,
                         GHashTable                  *table,
                         GError                     **error)
{
  TnWsDeflate *self = TN_WS_DEFLATE (extension);
  Params params = { 0 };
  gboolean server = connection_type == SOUP_WEBSOCKET_CONNECTION_SERVER;
  GString *response;

  if (!acceptable_params (table, server, &params, error))
    return FALSE;
  self->reset_after_message = server ? params.server_no_context_takeover
                                     : params.client_no_context_takeover;

  /* Accepting an offer repeats the parameters that bind us (§7.1). */
  response = g_string_new (NULL);
  if (params.server_no_context_takeover)
    g_string_append (response, "; server_no_context_takeover");
  if (params.client_no_context_takeover)
    g_string_append (response, "; client_no_context_takeover");
  if (params.server_max_window_bits != 0)
    g_string_append_printf (response, "; server_max_window_bits=%u",
                            params.server_max_window_bits);
  g_free (self->response_params);
  self->response_params = g_string_free (response, response->len == 0);

  /* The raw inflater takes any window up to 15 bits. */
  g_clear_object (&self->deflater);
  g_clear_object (&self->inflater);
  self->deflater = new_deflater ();
  self->inflater = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW));
  self->inflating = FALSE;
  self->inflated = 0;
  return TRUE;
}

static char *
tn_ws_deflate_get_request_params (SoupWebsocketExtension *extension)
{
  /* A bare offer: the server must then leave our window at 15 bits. */
  return NULL;
}

static char *
tn_ws_deflate_get_response_params (SoupWebsocketExtension *extension)
{
  return g_strdup (TN_WS_DEFLATE (extension)->response_params);
}

/* Compressing ------------------------------------------------------------- */

/* Compresses @length bytes with a sync flush and strips the flush tail
 * (RFC 7692 §7.2.1).  NULL if the compressor failed; it then needs a
 * reset. */
static GBytes *
deflate_message (GConverter   *deflater,
                 const guint8 *data,
                 gsize         length)
{
  gsize consumed = 0, used = 0, size = length / 2 + 64;
  g_autofree guint8 *out = g_malloc (size);

  for (;;)
    {
      gsize read = 0, written = 0, room;
      GConverterResult result;

      if (used == size)
        {
          size *= 2;
          out = g_realloc (out, size);
        }
      room = size - used;
      result = g_converter_convert (deflater, data + consumed, length - consumed,
                                    out + used, room, G_CONVERTER_FLUSH,
                                    &read, &written, NULL);
      if (result == G_CONVERTER_ERROR)
        break;
      consumed += read;
      used += written;
      /* A sync flush is complete once it leaves room unused; FLUSHED
       * means there was nothing left to write. */
      if (result == G_CONVERTER_FLUSHED || (consumed == length && written < room))
        break;
    }
  if (consumed != length || used < sizeof flush_tail ||
      memcmp (out + used - sizeof flush_tail, flush_tail, sizeof flush_tail) != 0)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&out), used - sizeof flush_tail);
}

/* Large messages are catch-up batches, and peers catching up from us at
 * the same time ask for the same ones, though one may run dozens of
 * batches ahead of another.  Each is compressed once, with a fresh
 * stream so that the bytes suit any connection, and kept a while:
 * compressing was two thirds of a sending lane's work, once per peer. */
#define SHARED_MIN_BYTES  (64 * 1024)
#define SHARED_MAX_BYTES  (8 * 1024 * 1024)       /* compressed, all kept */
#define SHARED_IDLE_US    (30 * G_USEC_PER_SEC)   /* then catch-up is over */

typedef struct
{
  guint8  digest[SHA256_DIGEST_SIZE];
  gsize   length;
  GBytes *compressed;
} SharedMessage;

static GMutex shared_lock;
static GQueue shared_messages = G_QUEUE_INIT;   /* oldest first */
static gsize shared_bytes;
static gint64 shared_last_use;

static void
shared_message_free (SharedMessage *message)
{
  g_bytes_unref (message->compressed);
  g_free (message);
}

/* Called with the lock held. */
static void
drop_oldest_shared (void)
{
  SharedMessage *oldest = g_queue_pop_head (&shared_messages);

  shared_bytes -= g_bytes_get_size (oldest->compressed);
  shared_message_free (oldest);
}

/* Frees what catch-ups left once they are over, at the next message. */
static void
expire_shared (void)
{
  g_mutex_lock (&shared_lock);
  if (shared_messages.length > 0 && g_get_monotonic_time () - shared_last_use > SHARED_IDLE_US)
    while (shared_messages.length > 0)
      drop_oldest_shared ();
  g_mutex_unlock (&shared_lock);
}

static GBytes *
deflate_shared (const guint8 *data,
                gsize         length)
{
  guint8 digest[SHA256_DIGEST_SIZE];
  struct sha256_ctx sum;
  g_autoptr(GConverter) deflater = NULL;
  GBytes *compressed = NULL;
  SharedMessage *message;

  sha256_init (&sum);
  sha256_update (&sum, length, data);
  sha256_digest (&sum, sizeof digest, digest);

  g_mutex_lock (&shared_lock);
  shared_last_use = g_get_monotonic_time ();
  for (GList *l = shared_messages.tail; compressed == NULL && l != NULL; l = l->prev)
    {
      message = l->data;
      if (message->length == length && memcmp (message->digest, digest, sizeof digest) == 0)
        compressed = g_bytes_ref (message->compressed);
    }
  g_mutex_unlock (&shared_lock);
  if (compressed != NULL)
    return compressed;

  deflater = new_deflater ();
  compressed = deflate_message (deflater, data, length);
  if (compressed == NULL)
    return NULL;
  message = g_new0 (SharedMessage, 1);
  memcpy (message->digest, digest, sizeof digest);
  message->length = length;
  message->compressed = g_bytes_ref (compressed);
  g_mutex_lock (&shared_lock);
  g_queue_push_tail (&shared_messages, message);
  shared_bytes += g_bytes_get_size (compressed);
  while (shared_bytes > SHARED_MAX_BYTES)
    drop_oldest_shared ();
  g_mutex_unlock (&shared_lock);
  return compressed;
}

static GBytes *
tn_ws_deflate_process_outgoing_message (SoupWebsocketExtension  *extension,
                                        guint8                  *header,
                                        GBytes                  *payload,
                                        GError                 **error)
{
  TnWsDeflate *self = TN_WS_DEFLATE (extension);
  const guint8 *data;
  gsize length;
  GBytes *compressed;

  data = g_bytes_get_data (payload, &length);
  if (self->deflater == NULL || (header[0] & HEADER_CONTROL) != 0 || length == 0)
    return payload;

  expire_shared ();
  if (length >= SHARED_MIN_BYTES)
    {
      compressed = deflate_shared (data, length);
      /* The peer's window now ends with this message, which our own
       * stream never saw: it must not refer back past it. */
      g_converter_reset (self->deflater);
    }
  else
    {
      compressed = deflate_message (self->deflater, data, length);
      if (compressed == NULL || self->reset_after_message)
        g_converter_reset (self->deflater);
    }
  g_bytes_unref (payload);
  if (compressed == NULL)
    {
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
                           _("permessage-deflate: could not compress a message"));
      return NULL;
    }
  header[0] |= HEADER_RSV1;
  return compressed;
}

/* Inflating --------------------------------------------------------------- */

/* Inflates @length bytes into *@out (of *@size, *@used filled), growing
 * it up to @limit + 1 bytes.  FALSE with @error set on bad data or when
 * the output passes @limit. */
static gboolean
inflate_into (TnWsDeflate   *self,
              const guint8  *data,
              gsize          length,
              guint8       **out,
              gsize         *size,
              gsize         *used,
              gsize          limit,
              GError       **error)
{
  gsize consumed = 0;

  for (;;)
    {
      gsize read = 0, written = 0, room;
      GConverterResult result;

      if (*used == *size)
        {
          *size = MIN (*size * 2, limit + 1);
          *out = g_realloc (*out, *size);
        }
      room = *size - *used;
      result = g_converter_convert (self->inflater, data + consumed, length - consumed,
                                    *out + *used, room, G_CONVERTER_FLUSH,
                                    &read, &written, NULL);
      if (result == G_CONVERTER_ERROR)
        {
          g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_BAD_DATA,
                               _("permessage-deflate: a message is not valid deflate data"));
          return FALSE;
        }
      consumed += read;
      *used += written;
      if (*used > limit)
        {
          g_set_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                       _("permessage-deflate: a message inflates to more than %zu bytes"),
                       (gsize) TN_SYNC_MAX_WIRE_MESSAGE);
          return FALSE;
        }
      /* The sender ended a deflate stream (BFINAL); what follows is a
       * new one. */
      if (result == G_CONVERTER_FINISHED)
        g_converter_reset (self->inflater);
      if (result == G_CONVERTER_FLUSHED || (consumed == length && written < room))
        return TRUE;
    }
}

static GBytes *
tn_ws_deflate_process_incoming_message (SoupWebsocketExtension  *extension,
                                        guint8                  *header,
                                        GBytes                  *payload,
                                        GError                 **error)
{
  TnWsDeflate *self = TN_WS_DEFLATE (extension);
  gboolean compressed = (header[0] & HEADER_RSV1) != 0;
  gboolean fin = (header[0] & HEADER_FIN) != 0;
  const guint8 *data;
  gsize length, used = 0, size, limit;
  g_autofree guint8 *out = NULL;
  gboolean ok;

  if (self->inflater == NULL || (header[0] & HEADER_CONTROL) != 0 ||
      (!compressed && !self->inflating))
    return payload;
  if (compressed && self->inflating)
    {
      g_bytes_unref (payload);
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
                           _("permessage-deflate: a continuation frame is marked compressed"));
      return NULL;
    }
  header[0] &= ~HEADER_RSV1;

  data = g_bytes_get_data (payload, &length);
  if (data == NULL)
    data = flush_tail;   /* an empty frame: no pointer arithmetic on NULL */
  limit = TN_SYNC_MAX_WIRE_MESSAGE - self->inflated;
  size = MIN (4 * length + 1024, limit + 1);
  out = g_malloc (size);
  ok = inflate_into (self, data, length, &out, &size, &used, limit, error) &&
       (!fin || inflate_into (self, flush_tail, sizeof flush_tail,
                              &out, &size, &used, limit, error));
  g_bytes_unref (payload);
  if (!ok || fin)
    {
      /* After an error the connection closes; either way the next
       * message starts afresh. */
      self->inflating = FALSE;
      self->inflated = 0;
    }
  else
    {
      self->inflating = TRUE;
      self->inflated += used;
    }
  if (!ok)
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&out), used);
}

/* GObject ----------------------------------------------------------------- */

static void
tn_ws_deflate_finalize (GObject *object)
{
  TnWsDeflate *self = TN_WS_DEFLATE (object);

  g_clear_object (&self->deflater);
  g_clear_object (&self->inflater);
  g_free (self->response_params);
  G_OBJECT_CLASS (tn_ws_deflate_parent_class)->finalize (object);
}

static void
tn_ws_deflate_class_init (TnWsDeflateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SoupWebsocketExtensionClass *extension_class = SOUP_WEBSOCKET_EXTENSION_CLASS (klass);

  object_class->finalize = tn_ws_deflate_finalize;
  extension_class->name = "permessage-deflate";
  extension_class->configure = tn_ws_deflate_configure;
  extension_class->get_request_params = tn_ws_deflate_get_request_params;
  extension_class->get_response_params = tn_ws_deflate_get_response_params;
  extension_class->process_outgoing_message = tn_ws_deflate_process_outgoing_message;
  extension_class->process_incoming_message = tn_ws_deflate_process_incoming_message;
}

static void
tn_ws_deflate_init (TnWsDeflate *self)
{
}

/* Public API -------------------------------------------------------------- */

void
tn_ws_deflate_use_in_session (SoupSession *session)
{
  g_return_if_fail (SOUP_IS_SESSION (session));

  /* libsoup 3.2's sessions come without the extension manager, despite
   * its documentation; newer ones have it, with libsoup's deflate. */
  if (!soup_session_has_feature (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER))
    soup_session_add_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  if (soup_session_has_feature (session, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE))
    soup_session_remove_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_session_add_feature_by_type (session, TN_TYPE_WS_DEFLATE);
}

/* Whether @offer ("permessage-deflate; params") is one we accept. */
static gboolean
offer_acceptable (const char *offer)
{
  const char *semicolon = strchr (offer, ';');
  g_autoptr(GHashTable) table = NULL;
  Params params = { 0 };

  if (semicolon == NULL)
    return TRUE;
  table = soup_header_parse_semi_param_list_strict (semicolon + 1);
  return table != NULL && acceptable_params (table, TRUE, &params, NULL);
}

static gboolean
is_deflate_offer (const char *offer)
{
  gsize name_length = strcspn (offer, "; \t");

  return name_length == strlen ("permessage-deflate") &&
         g_ascii_strncasecmp (offer, "permessage-deflate", name_length) == 0;
}

/* RFC 7692 §5: a client may send several offers, the later ones being
 * fallbacks, and the server accepts at most one.  libsoup accepts every
 * offer it supports, and two accepted deflates compress every message
 * twice; so only the first offer we can honour is left for it. */
static void
request_read_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_list (headers, "Sec-WebSocket-Extensions");
  g_autoptr(GString) kept = NULL;
  gboolean chosen = FALSE, dropped = FALSE;
  GSList *offers;

  if (value == NULL)
    return;
  kept = g_string_new (NULL);
  offers = soup_header_parse_list (value);
  for (GSList *l = offers; l != NULL; l = l->next)
    {
      const char *offer = l->data;

      while (g_ascii_isspace (*offer))
        offer++;
      if (is_deflate_offer (offer))
        {
          if (chosen || !offer_acceptable (offer))
            {
              dropped = TRUE;
              continue;
            }
          chosen = TRUE;
        }
      g_string_append_printf (kept, "%s%s", kept->len > 0 ? ", " : "", offer);
    }
  soup_header_free_list (offers);
  if (!dropped)
    return;
  if (kept->len > 0)
    soup_message_headers_replace (headers, "Sec-WebSocket-Extensions", kept->str);
  else
    soup_message_headers_remove (headers, "Sec-WebSocket-Extensions");
}

void
tn_ws_deflate_use_in_server (SoupServer *server)
{
  g_return_if_fail (SOUP_IS_SERVER (server));

  soup_server_remove_websocket_extension (server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_extension (server, TN_TYPE_WS_DEFLATE);
  g_signal_connect (server, "request-read", G_CALLBACK (request_read_cb), NULL);
}
