/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <string.h>

#include "tn-fault-proxy.h"
#include "tn-test-server.h"

/* The fault campaign's proxy does what its modes say, against a small
 * echo server on its own thread: the campaign's results are only as good
 * as its faults. */

typedef struct
{
  TnTestServer *server;
  gint          n_connections;   /* atomic */
} Echo;

static gboolean
echo_incoming_cb (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  gpointer           user_data)
{
  Echo *echo = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_atomic_int_inc (&echo->n_connections);
  /* Echo everything back; splicing the stream's input into its output. */
  g_output_stream_splice_async (out, g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_set_data_full (G_OBJECT (out), "connection", g_object_ref (connection),
                          g_object_unref);
  return TRUE;
}

static Echo *
echo_start (void)
{
  Echo *echo = g_new0 (Echo, 1);

  echo->server = tn_test_server_start ("echo", G_CALLBACK (echo_incoming_cb), echo);
  return echo;
}

static void
echo_stop (Echo *echo)
{
  tn_test_server_stop (echo->server);
  g_free (echo);
}

static GSocketConnection *
dial (TnFaultProxy *proxy)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection =
    g_socket_client_connect_to_host (client, "127.0.0.1", tn_fault_proxy_get_port (proxy),
                                     NULL, &error);

  g_assert_no_error (error);
  /* A safety net: a test that waits for nothing fails, not hangs. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 10);
  return connection;
}

/* Sends @text and reads as many bytes back: TRUE if they came back
 * intact, FALSE if the connection ended (or timed out after @timeout s). */
static gboolean
round_trip (GSocketConnection *connection,
            const char        *text,
            guint              timeout)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  char buffer[64] = { 0 };
  gsize length = strlen (text);
  gsize got = 0;

  g_socket_set_timeout (socket, timeout);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  text, length, NULL, NULL, NULL))
    return FALSE;
  if (!g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                buffer, length, &got, NULL, NULL) || got != length)
    return FALSE;
  return memcmp (buffer, text, length) == 0;
}

static void
test_modes (void)
{
  Echo *echo = echo_start ();
  TnFaultProxy *proxy = tn_fault_proxy_new ("test", tn_test_server_get_port (echo->server));
  g_autoptr(GSocketConnection) first = dial (proxy);
  g_autoptr(GSocketConnection) refused = NULL;
  g_autoptr(GSocketConnection) second = NULL;
  g_autoptr(GSocketConnection) third = NULL;

  /* PASS */
  g_assert_true (round_trip (first, "hello", 10));
  g_assert_cmpuint (tn_fault_proxy_get_n_forwarded (proxy), ==, 1);

  /* cut (): the live connection ends. */
  tn_fault_proxy_cut (proxy);
  g_assert_false (round_trip (first, "again", 10));

  /* REFUSE: new connections end at once, without reaching the target. */
  tn_fault_proxy_set_mode (proxy, TN_FAULT_REFUSE);
  refused = dial (proxy);
  g_assert_false (round_trip (refused, "no", 10));
  g_assert_cmpuint (tn_fault_proxy_get_n_forwarded (proxy), ==, 1);

  /* BLACKHOLE: accepted, silent; after it the connection that lost bytes
   * ends rather than resume with a hole. */
  tn_fault_proxy_set_mode (proxy, TN_FAULT_PASS);
  second = dial (proxy);
  g_assert_true (round_trip (second, "before", 10));
  tn_fault_proxy_set_mode (proxy, TN_FAULT_BLACKHOLE);
  g_assert_false (round_trip (second, "lost", 1));
  tn_fault_proxy_set_mode (proxy, TN_FAULT_PASS);
  g_assert_false (round_trip (second, "after", 10));

  /* Delay with jitter: bytes still arrive whole and in order. */
  tn_fault_proxy_set_delay (proxy, 20, 50);
  third = dial (proxy);
  for (guint i = 0; i < 5; i++)
    g_assert_true (round_trip (third, "slow and steady", 10));
  tn_fault_proxy_set_delay (proxy, 0, 0);

  /* Replay: the last client stream reaches the target on a new
   * connection. */
  {
    gint before = g_atomic_int_get (&echo->n_connections);

    g_assert_true (tn_fault_proxy_replay (proxy));
    while (g_atomic_int_get (&echo->n_connections) == before)
      g_usleep (10 * 1000);
  }

  tn_fault_proxy_free (proxy);
  echo_stop (echo);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fault-proxy/modes", test_modes);
  return g_test_run ();
}
