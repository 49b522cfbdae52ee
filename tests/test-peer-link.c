/* SPDX-License-Identifier: GPL-3.0-or-later */

/* TnPeerLink against an in-process WebSocket server: the dialing side's
 * bookkeeping, without lanes. */

#include <libsoup/soup.h>

#include "tn-peer-link.h"
#include "tn-test-util.h"

typedef struct
{
  SoupServer *server;
  guint       port;
  guint       connections;   /* WebSocket connections the server accepted */
  GPtrArray  *held;          /* SoupWebsocketConnection *: kept open, silent */
} Server;

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  Server *s = user_data;

  s->connections++;
  g_ptr_array_add (s->held, g_object_ref (connection));
}

static void
server_start (Server *s)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  s->held = g_ptr_array_new_with_free_func (g_object_unref);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (s->server, "/tendero/v1/sync", NULL, NULL, websocket_cb,
                                     s, NULL);
  soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (s->server);
  g_assert_nonnull (uris);
  s->port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static void
server_stop (Server *s)
{
  g_ptr_array_unref (s->held);
  soup_server_disconnect (s->server);
  g_object_unref (s->server);
}

static void
iterate_until_state (TnPeerLink      *link,
                     TnPeerLinkState  state,
                     guint            timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (tn_peer_link_get_state (link) != state && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* Stopped and started again while its first attempt is still in
 * progress, a link keeps the second attempt: it connects once, with no
 * error left over from the cancelled one. */
static void
test_restart_during_connect (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GBytes) key = g_bytes_new_static ("0123456789abcdef0123456789abcdef", 32);
  g_autoptr(TnPeerLink) link = NULL;
  g_autofree char *url = NULL;
  Server server = { 0 };
  gint64 settle;

  server_start (&server);
  url = g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync", server.port);
  link = tn_peer_link_new (store, key, url, 60000);

  tn_peer_link_start (link);
  g_assert_cmpint (tn_peer_link_get_state (link), ==, TN_PEER_LINK_CONNECTING);
  tn_peer_link_stop (link);
  tn_peer_link_start (link);
  g_assert_cmpint (tn_peer_link_get_state (link), ==, TN_PEER_LINK_CONNECTING);

  iterate_until_state (link, TN_PEER_LINK_HANDSHAKE, 20);
  g_assert_cmpstr (tn_peer_link_state_to_string (tn_peer_link_get_state (link)), ==,
                   tn_peer_link_state_to_string (TN_PEER_LINK_HANDSHAKE));
  g_assert_nonnull (tn_peer_link_get_session (link));
  g_assert_null (tn_peer_link_get_last_error (link));

  /* Whatever the cancelled attempt left behind has run by now. */
  settle = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  while (g_get_monotonic_time () < settle)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_cmpint (tn_peer_link_get_state (link), ==, TN_PEER_LINK_HANDSHAKE);
  g_assert_null (tn_peer_link_get_last_error (link));
  g_assert_cmpuint (server.connections, <=, 2);

  tn_peer_link_stop (link);
  g_clear_object (&link);
  server_stop (&server);
  g_clear_object (&store);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/peer-link/restart-during-connect", test_restart_during_connect);
  return g_test_run ();
}
