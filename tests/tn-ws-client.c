/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "tn-config.h"
#include "tn-store.h"
#include "tn-sync-auth.h"
#include "tn-sync-protocol.h"
#include "tn-ws-client.h"

static void
client_message_cb (SoupWebsocketConnection *connection,
                   gint                     type,
                   GBytes                  *data,
                   gpointer                 user_data)
{
  TnWsClient *client = user_data;
  gsize length;
  const char *text = g_bytes_get_data (data, &length);

  if (client->first_message_at == 0)
    client->first_message_at = g_get_monotonic_time ();
  g_queue_push_tail (&client->messages, g_strndup (text, length));
}

static void
client_closed_cb (SoupWebsocketConnection *connection,
                  gpointer                 user_data)
{
  TnWsClient *client = user_data;

  client->closed = TRUE;
}

static void
client_error_cb (SoupWebsocketConnection *connection,
                 GError                  *error,
                 gpointer                 user_data)
{
  g_test_message ("Test client: connection error: %s", error->message);
}

static void
client_connect_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TnWsClient *client = user_data;

  client->connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                              &client->error);
  client->connected = TRUE;
  if (client->connection == NULL)
    return;
  soup_websocket_connection_set_max_incoming_payload_size (client->connection, 0);
  g_signal_connect (client->connection, "message", G_CALLBACK (client_message_cb), client);
  g_signal_connect (client->connection, "closed", G_CALLBACK (client_closed_cb), client);
  g_signal_connect (client->connection, "error", G_CALLBACK (client_error_cb), client);
}

static TnWsClient *
open_async (TnLane     *lane,
            const char *local_address,
            gboolean    deflate)
{
  TnWsClient *client = g_new0 (TnWsClient, 1);
  g_autoptr(GInetSocketAddress) local = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync", lane->port);

  client->context = g_main_context_ref_thread_default ();
  client->started_at = g_get_monotonic_time ();
  g_queue_init (&client->messages);
  if (local_address != NULL)
    local = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (local_address, 0));
  client->session = soup_session_new_with_options ("local-address", local, NULL);
  if (deflate)
    {
      soup_session_add_feature_by_type (client->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
      soup_session_add_feature_by_type (client->session, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
    }
  msg = soup_message_new (SOUP_METHOD_GET, url);
  soup_session_websocket_connect_async (client->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, client_connect_cb, client);
  return client;
}

TnWsClient *
tn_ws_client_open_async (TnLane     *lane,
                         const char *local_address)
{
  return open_async (lane, local_address, FALSE);
}

gboolean
tn_ws_iterate_until (GMainContext   *context,
                     const gboolean *flag,
                     guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (context, FALSE))
      g_usleep (1000);
  return *flag;
}

static TnWsClient *
open_and_wait (TnLane     *lane,
               const char *local_address,
               gboolean    deflate)
{
  TnWsClient *client = open_async (lane, local_address, deflate);

  g_assert_true (tn_ws_iterate_until (client->context, &client->connected, 10000));
  g_assert_no_error (client->error);
  return client;
}

TnWsClient *
tn_ws_client_open (TnLane     *lane,
                   const char *local_address)
{
  return open_and_wait (lane, local_address, FALSE);
}

TnWsClient *
tn_ws_client_open_deflate (TnLane *lane)
{
  TnWsClient *client = open_and_wait (lane, NULL, TRUE);

  /* One accepted, whatever the number offered. */
  g_assert_cmpuint (g_list_length (soup_websocket_connection_get_extensions (client->connection)),
                    ==, 1);
  return client;
}

char *
tn_ws_client_next (TnWsClient *client,
                   guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_queue_is_empty (&client->messages) && !client->closed &&
         g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (client->context, FALSE))
      g_usleep (1000);
  return g_queue_pop_head (&client->messages);
}

guint16
tn_ws_client_close_code (TnWsClient *client)
{
  g_assert_true (tn_ws_iterate_until (client->context, &client->closed, 10000));
  return soup_websocket_connection_get_close_code (client->connection);
}

void
tn_ws_client_send_burst (TnWsClient *client,
                         const char *text,
                         guint       count)
{
  GIOStream *stream = soup_websocket_connection_get_io_stream (client->connection);
  g_autoptr(GByteArray) burst = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize length = strlen (text);
  /* FIN + text; masked (as every client frame must be) with a zero key. */
  const guint8 head[] = { 0x81, 0x80 | length, 0, 0, 0, 0 };

  g_assert_cmpuint (length, <=, 125);
  for (guint i = 0; i < count; i++)
    {
      g_byte_array_append (burst, head, sizeof head);
      g_byte_array_append (burst, (const guint8 *) text, length);
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (stream), burst->data, burst->len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

void
tn_ws_client_free (TnWsClient *client)
{
  if (client->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (client->connection, client);
      if (soup_websocket_connection_get_state (client->connection) ==
          SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL,
                                         NULL);
      g_clear_object (&client->connection);
    }
  g_clear_object (&client->session);
  /* Let the close and the session's clean-up run. */
  for (guint i = 0; i < 50 && g_main_context_iteration (client->context, FALSE); i++)
    ;
  g_queue_clear_full (&client->messages, g_free);
  g_clear_error (&client->error);
  g_main_context_unref (client->context);
  g_free (client);
}

static GBytes *
load_key (const char *path)
{
  g_autoptr(GError) error = NULL;
  GBytes *key = tn_sync_auth_load_key (path, &error);

  g_assert_no_error (error);
  return key;
}

gboolean
tn_ws_client_handshake (TnWsClient  *client,
                        const char  *key_file,
                        const char  *store,
                        gboolean     expect_welcome,
                        char       **sent_hello)
{
  g_autofree char *replica = g_uuid_string_random ();

  return tn_ws_client_handshake_as (client, key_file, store, replica, expect_welcome,
                                    sent_hello);
}

gboolean
tn_ws_client_handshake_as (TnWsClient  *client,
                           const char  *key_file,
                           const char  *store,
                           const char  *replica,
                           gboolean     expect_welcome,
                           char       **sent_hello)
{
  g_autoptr(GBytes) key = load_key (key_file);
  g_autofree char *text = tn_ws_client_next (client, 40000);
  g_autoptr(TnSyncMessage) hello = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *nonce = tn_sync_auth_nonce ();
  g_autofree char *mac = NULL;
  g_autofree char *frame = NULL;
  g_autofree char *welcome = NULL;
  gsize key_len;
  const guint8 *key_data = g_bytes_get_data (key, &key_len);

  if (text == NULL)
    return FALSE;
  /* The lane's hello names its own store: decode it as that store. */
  hello = tn_sync_message_decode (text, strlen (text), "S", &error);
  if (hello == NULL || hello->type != TN_SYNC_MESSAGE_HELLO)
    return FALSE;   /* the "too many failures" error frame */
  mac = tn_sync_auth_mac (key_data, key_len, hello->nonce, replica);
  /* We claim to hold what the lane holds: it has nothing to send us. */
  frame = tn_sync_encode_hello (store, replica, "X9", nonce, hello->vv, mac);
  g_assert_cmpint (soup_websocket_connection_get_state (client->connection), ==,
                   SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (client->connection, frame);
  if (sent_hello != NULL)
    *sent_hello = g_strdup (frame);
  if (!expect_welcome)
    return TRUE;
  welcome = tn_ws_client_next (client, 10000);
  g_assert_nonnull (welcome);
  g_assert_nonnull (strstr (welcome, "\"welcome\""));
  return TRUE;
}

GPtrArray *
tn_ws_unseen_events (const char *root,
                     const char *key_file,
                     const char *store_id,
                     const char *terminal)
{
  g_autofree char *name = g_strdup_printf ("%s-%s", store_id, terminal);
  g_autofree char *dir = g_build_filename (root, name, NULL);
  TnLane other = { .dir = dir, .terminal = (char *) terminal };
  g_autofree char *db_path = tn_config_db_path (dir);
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *texts;

  g_free (tn_lane_ctl (&other, "init", "--store", store_id, "--terminal", terminal,
                       "--store-key-file", key_file, NULL));
  g_free (tn_lane_ctl (&other, "product", "add", "--sku", "FAKE", "--name", "Fake", "--price",
                       "2.50", NULL));
  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  texts = tn_store_read_events (store, tn_store_get_replica_id (store), 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (texts->len, >, 0);
  return texts;
}
