/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include <libsoup/soup.h>

#include "tn-sync-protocol.h"
#include "tn-ws-deflate.h"

#define TEXT_FRAME   0x81   /* FIN | text */
#define PING_FRAME   0x89

/* An extension of @type configured for @side with the parameters of
 * @params ("name" or "name=value", NULL-terminated). */
static SoupWebsocketExtension *
configured (GType                        type,
            SoupWebsocketConnectionType  side,
            const char                 **params,
            GError                     **error)
{
  g_autoptr(SoupWebsocketExtension) extension = g_object_new (type, NULL);
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; params != NULL && params[i] != NULL; i++)
    {
      const char *eq = strchr (params[i], '=');

      if (eq == NULL)
        g_hash_table_insert (table, g_strdup (params[i]), NULL);
      else
        g_hash_table_insert (table, g_strndup (params[i], eq - params[i]), g_strdup (eq + 1));
    }
  if (!soup_websocket_extension_configure (extension, side, table, error))
    return NULL;
  return g_steal_pointer (&extension);
}

static SoupWebsocketExtension *
ours (SoupWebsocketConnectionType side)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketExtension *extension = configured (TN_TYPE_WS_DEFLATE, side, NULL, &error);

  g_assert_no_error (error);
  return extension;
}

static GBytes *
compress (SoupWebsocketExtension *extension,
          guint8                 *header,
          const void             *data,
          gsize                   length)
{
  g_autoptr(GError) error = NULL;
  GBytes *out = soup_websocket_extension_process_outgoing_message (extension, header,
                                                                   g_bytes_new (data, length),
                                                                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  return out;
}

static GBytes *
inflate (SoupWebsocketExtension  *extension,
         guint8                  *header,
         GBytes                  *payload,
         GError                 **error)
{
  return soup_websocket_extension_process_incoming_message (extension, header,
                                                            g_bytes_ref (payload), error);
}

/* Event-like JSON: what the lanes send. */
static char *
sample_json (guint events)
{
  GString *text = g_string_new ("{\"type\":\"events\",\"events\":[");

  for (guint i = 0; i < events; i++)
    g_string_append_printf (text, "%s{\"event_id\":\"%08x-0000-4000-8000-%012x\",\"type\":"
                            "\"SaleCreated\",\"payload\":{\"lines\":[{\"sku\":\"SKU-%u\","
                            "\"qty\":%u,\"unit_price\":%u}]},\"seq\":%u}",
                            i ? "," : "", g_random_int (), i, i % 97, 1 + i % 5,
                            100 + i % 1000, i + 1);
  g_string_append (text, "]}");
  return g_string_free (text, FALSE);
}

/* Sends @text from @sender to @receiver as one frame; asserts it arrives
 * whole, compressed on the wire, with RSV1 set and then cleared. */
static gsize
assert_passes (SoupWebsocketExtension *sender,
               SoupWebsocketExtension *receiver,
               const char             *text)
{
  guint8 header[2] = { TEXT_FRAME, 0 };
  g_autoptr(GBytes) wire = compress (sender, header, text, strlen (text));
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data;

  g_assert_cmphex (header[0], ==, TEXT_FRAME | 0x40);
  back = inflate (receiver, header, wire, &error);
  g_assert_no_error (error);
  g_assert_cmphex (header[0], ==, TEXT_FRAME);
  data = g_bytes_get_data (back, &length);
  g_assert_cmpmem (data, length, text, strlen (text));
  return g_bytes_get_size (wire);
}

static void
test_round_trip (void)
{
  g_autoptr(SoupWebsocketExtension) client = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
  g_autofree char *small = sample_json (1);
  /* Under 64 KiB: larger messages go through the shared compressor. */
  g_autofree char *batch = sample_json (200);
  g_autofree char *huge = sample_json (40000);
  gsize first, again;

  g_assert_cmpstr (soup_websocket_extension_get_request_params (client), ==, NULL);
  g_assert_cmpstr (soup_websocket_extension_get_response_params (server), ==, NULL);

  /* Both ways, several messages over one context. */
  first = assert_passes (client, server, batch);
  g_assert_cmpuint (first, <, strlen (batch) / 3);
  assert_passes (server, client, batch);
  assert_passes (client, server, small);
  assert_passes (server, client, "x");
  g_test_message ("A 200-event batch: %zu bytes, %zu deflated", strlen (batch), first);
  /* The window carries over: the same batch again costs less. */
  again = assert_passes (client, server, batch);
  g_assert_cmpuint (again, <, first);
  g_assert_cmpuint (strlen (huge), >, 4 * 1024 * 1024);
  assert_passes (client, server, huge);
}

/* A large message is compressed once for every connection that sends
 * it, and each connection's own stream starts afresh after it. */
static void
test_large_shared (void)
{
  g_autoptr(SoupWebsocketExtension) a = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
  g_autoptr(SoupWebsocketExtension) b = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
  g_autoptr(SoupWebsocketExtension) peer_a = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autoptr(SoupWebsocketExtension) peer_b = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autofree char *small = sample_json (3);
  g_autofree char *large = sample_json (2000);
  guint8 header_a[2] = { TEXT_FRAME, 0 }, header_b[2] = { TEXT_FRAME, 0 };
  g_autoptr(GBytes) wire_a = NULL;
  g_autoptr(GBytes) wire_b = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data;

  g_assert_cmpuint (strlen (large), >, 64 * 1024);
  /* Different histories on the two connections… */
  assert_passes (a, peer_a, small);
  assert_passes (b, peer_b, "{\"type\":\"hello\"}");
  /* …and the same bytes for the same large message. */
  wire_a = compress (a, header_a, large, strlen (large));
  wire_b = compress (b, header_b, large, strlen (large));
  g_assert_true (g_bytes_equal (wire_a, wire_b));
  g_assert_cmpuint (g_bytes_get_size (wire_a), <, strlen (large) / 3);
  back = inflate (peer_a, header_a, wire_a, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (back, &length);
  g_assert_cmpmem (data, length, large, strlen (large));
  g_clear_pointer (&back, g_bytes_unref);
  back = inflate (peer_b, header_b, wire_b, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (back, &length);
  g_assert_cmpmem (data, length, large, strlen (large));
  /* The small message again: a stream that remembered it would refer
   * back past the large one, out of the peer's window. */
  assert_passes (a, peer_a, small);
  assert_passes (b, peer_b, small);
}

/* Older lanes run libsoup's extension: either side may be either. */
static void
test_interoperates (void)
{
  g_autofree char *batch = sample_json (300);

  for (guint we_are_client = 0; we_are_client < 2; we_are_client++)
    {
      g_autoptr(GError) error = NULL;
      SoupWebsocketConnectionType our_side = we_are_client ? SOUP_WEBSOCKET_CONNECTION_CLIENT
                                                           : SOUP_WEBSOCKET_CONNECTION_SERVER;
      SoupWebsocketConnectionType their_side = we_are_client ? SOUP_WEBSOCKET_CONNECTION_SERVER
                                                             : SOUP_WEBSOCKET_CONNECTION_CLIENT;
      g_autoptr(SoupWebsocketExtension) us = ours (our_side);
      g_autoptr(SoupWebsocketExtension) them =
        configured (SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE, their_side, NULL, &error);

      g_assert_no_error (error);
      for (guint i = 0; i < 3; i++)
        {
          assert_passes (us, them, "{\"type\":\"hello\",\"v\":1}");
          assert_passes (them, us, "{\"type\":\"hello\",\"v\":1}");
          assert_passes (us, them, batch);
          assert_passes (them, us, batch);
        }
    }
}

/* With no context takeover each message inflates on its own. */
static void
test_no_context_takeover (void)
{
  const char *params[] = { "server_no_context_takeover", "server_max_window_bits=15", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketExtension) server =
    configured (TN_TYPE_WS_DEFLATE, SOUP_WEBSOCKET_CONNECTION_SERVER, params, &error);
  g_autofree char *response = NULL;
  g_autofree char *batch = sample_json (100);

  g_assert_no_error (error);
  response = soup_websocket_extension_get_response_params (server);
  g_assert_cmpstr (response, ==, "; server_no_context_takeover; server_max_window_bits=15");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SoupWebsocketExtension) fresh = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);

      assert_passes (server, fresh, batch);
    }
}

static void
test_refused_params (void)
{
  const char *refused[][2] = {
    { "server_max_window_bits=10", NULL },   /* we compress with 15 bits only */
    { "server_max_window_bits=16", NULL },
    { "server_max_window_bits", NULL },
    { "client_max_window_bits=big", NULL },
    { "server_no_context_takeover=1", NULL },
    { "compress_harder", NULL },
  };
  const char *accepted[] = { "client_max_window_bits", "client_no_context_takeover", NULL };
  g_autoptr(SoupWebsocketExtension) extension = NULL;
  g_autoptr(GError) ok_error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SoupWebsocketExtension) refused_one =
        configured (TN_TYPE_WS_DEFLATE, SOUP_WEBSOCKET_CONNECTION_SERVER, refused[i], &error);

      g_assert_null (refused_one);
      g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE);
      g_test_message ("%s: %s", refused[i][0], error->message);
    }
  /* A server asking a client of ours for a smaller window. */
  {
    const char *small[] = { "client_max_window_bits=9", NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(SoupWebsocketExtension) client =
      configured (TN_TYPE_WS_DEFLATE, SOUP_WEBSOCKET_CONNECTION_CLIENT, small, &error);

    g_assert_null (client);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE);
  }
  extension = configured (TN_TYPE_WS_DEFLATE, SOUP_WEBSOCKET_CONNECTION_SERVER, accepted, &ok_error);
  g_assert_no_error (ok_error);
  g_assert_nonnull (extension);
}

static void
test_control_frames_stay_plain (void)
{
  g_autoptr(SoupWebsocketExtension) client = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
  g_autoptr(GBytes) ping = g_bytes_new_static ("keepalive", 9);
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GBytes) received = NULL;
  g_autoptr(GError) error = NULL;
  guint8 header[2] = { PING_FRAME, 0 };

  sent = soup_websocket_extension_process_outgoing_message (client, header, g_bytes_ref (ping),
                                                            &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sent, ping));
  g_assert_cmphex (header[0], ==, PING_FRAME);
  received = inflate (server, header, sent, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (received, ping));

  /* An empty compressed frame is an empty message. */
  {
    guint8 empty_header[2] = { TEXT_FRAME | 0x40, 0 };
    g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr(GBytes) out = inflate (server, empty_header, empty, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (out), ==, 0);
  }
  /* An uncompressed data frame passes too (RSV1 clear). */
  {
    guint8 plain_header[2] = { TEXT_FRAME, 0 };
    g_autoptr(GBytes) plain = g_bytes_new_static ("{}", 2);
    g_autoptr(GBytes) out = inflate (server, plain_header, plain, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (out, plain));
  }
}

/* Splits a compressed message into @n frames as a peer may. */
static void
test_fragments (void)
{
  g_autoptr(SoupWebsocketExtension) client = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
  g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
  g_autofree char *batch = sample_json (200);
  guint8 header[2] = { TEXT_FRAME, 0 };
  g_autoptr(GBytes) wire = compress (client, header, batch, strlen (batch));
  g_autoptr(GString) joined = g_string_new (NULL);
  gsize length, third;
  const guint8 *data = g_bytes_get_data (wire, &length);

  third = length / 3;
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) part = g_bytes_new (data + i * third, i < 2 ? third : length - 2 * third);
      g_autoptr(GBytes) out = NULL;
      g_autoptr(GError) error = NULL;
      /* First: text with RSV1, no FIN; then continuations; the last has FIN. */
      guint8 frame[2] = { i == 0 ? 0x41 : (i == 2 ? 0x80 : 0x00), 0 };

      out = inflate (server, frame, part, &error);
      g_assert_no_error (error);
      g_string_append_len (joined, g_bytes_get_data (out, NULL), g_bytes_get_size (out));
    }
  g_assert_cmpstr (joined->str, ==, batch);

  /* A continuation frame may not claim compression of its own. */
  {
    g_autoptr(GBytes) first = g_bytes_new (data, third);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;
    guint8 start[2] = { 0x41, 0 };
    guint8 bad[2] = { 0x40, 0 };

    g_bytes_unref (inflate (server, start, first, &error));
    g_assert_no_error (error);
    out = inflate (server, bad, first, &error);
    g_assert_null (out);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
  }
}

/* A few KiB that inflate past the limit are refused before the rest is
 * inflated; exactly the limit still passes. */
static void
test_inflate_limit (void)
{
  gsize limit = TN_SYNC_MAX_WIRE_MESSAGE;
  g_autofree char *spaces = g_malloc (3 * limit);

  memset (spaces, ' ', 3 * limit);
  {
    g_autoptr(SoupWebsocketExtension) client = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
    g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
    guint8 header[2] = { TEXT_FRAME, 0 };
    g_autoptr(GBytes) wire = compress (client, header, spaces, limit);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;

    out = inflate (server, header, wire, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (out), ==, limit);
  }
  {
    g_autoptr(SoupWebsocketExtension) client = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
    g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
    guint8 header[2] = { TEXT_FRAME, 0 };
    g_autoptr(GBytes) bomb = compress (client, header, spaces, 3 * limit);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;

    g_test_message ("%zu bytes inflate to %zu", g_bytes_get_size (bomb), 3 * limit);
    g_assert_cmpuint (g_bytes_get_size (bomb), <, limit / 20);
    out = inflate (server, header, bomb, &error);
    g_assert_null (out);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }
  /* The same from libsoup's extension, which compresses harder. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SoupWebsocketExtension) client =
      configured (SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE, SOUP_WEBSOCKET_CONNECTION_CLIENT, NULL,
                  &error);
    g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
    guint8 header[2] = { TEXT_FRAME, 0 };
    g_autoptr(GBytes) bomb = compress (client, header, spaces, 3 * limit);
    g_autoptr(GBytes) out = NULL;

    g_test_message ("libsoup: %zu bytes inflate to %zu", g_bytes_get_size (bomb), 3 * limit);
    out = inflate (server, header, bomb, &error);
    g_assert_null (out);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }
  /* The limit holds for a message across frames, each under it. */
  {
    g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
    g_autoptr(SoupWebsocketExtension) sender = ours (SOUP_WEBSOCKET_CONNECTION_CLIENT);
    guint8 header[2] = { TEXT_FRAME, 0 };
    g_autoptr(GBytes) wire = compress (sender, header, spaces, 3 * limit);
    gsize length, half;
    const guint8 *data = g_bytes_get_data (wire, &length);
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    g_autoptr(GBytes) out1 = NULL;
    g_autoptr(GBytes) out2 = NULL;
    g_autoptr(GError) error = NULL;
    guint8 start[2] = { 0x41, 0 };
    guint8 end[2] = { 0x80, 0 };

    /* Split where the first half inflates to under the limit. */
    half = length / 4;
    first = g_bytes_new (data, half);
    second = g_bytes_new (data + half, length - half);
    out1 = inflate (server, start, first, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (out1), <, limit);
    out2 = inflate (server, end, second, &error);
    g_assert_null (out2);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  }
}

static void
test_garbage (void)
{
  for (guint round = 0; round < 50; round++)
    {
      g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
      guint8 junk[256];
      guint8 header[2] = { TEXT_FRAME | 0x40, 0 };
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(GBytes) out = NULL;
      g_autoptr(GError) error = NULL;

      for (guint i = 0; i < sizeof junk; i++)
        junk[i] = g_random_int ();
      payload = g_bytes_new (junk, sizeof junk);
      out = inflate (server, header, payload, &error);
      /* Random bytes are now and then a valid stream; mostly not. */
      if (out == NULL)
        g_assert_true (g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_BAD_DATA) ||
                       g_error_matches (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG));
      else
        g_assert_no_error (error);
    }
  /* Bytes that are never deflate: a reserved block type (BTYPE 11). */
  {
    g_autoptr(SoupWebsocketExtension) server = ours (SOUP_WEBSOCKET_CONNECTION_SERVER);
    guint8 header[2] = { TEXT_FRAME | 0x40, 0 };
    g_autoptr(GBytes) payload = g_bytes_new_static ("\x07\x00\x00", 3);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;

    out = inflate (server, header, payload, &error);
    g_assert_null (out);
    g_assert_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ws-deflate/round-trip", test_round_trip);
  g_test_add_func ("/ws-deflate/large-shared", test_large_shared);
  g_test_add_func ("/ws-deflate/interoperates", test_interoperates);
  g_test_add_func ("/ws-deflate/no-context-takeover", test_no_context_takeover);
  g_test_add_func ("/ws-deflate/refused-params", test_refused_params);
  g_test_add_func ("/ws-deflate/control-frames", test_control_frames_stay_plain);
  g_test_add_func ("/ws-deflate/fragments", test_fragments);
  g_test_add_func ("/ws-deflate/inflate-limit", test_inflate_limit);
  g_test_add_func ("/ws-deflate/garbage", test_garbage);
  return g_test_run ();
}
