/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-bench-relay.h"

#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define PUMP_BUFFER 65536

typedef struct
{
  TnBenchRelay      *relay;
  guint              index;
  GSocketConnection *sides[2];   /* [TO_SERVER] the listener, [TO_CLIENT] the dialer */
  gint64             bytes[2];
  GByteArray        *capture[2]; /* NULL unless capturing */
} Connection;

struct _TnBenchRelay
{
  guint16          target_port;
  guint16          port;
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  GSocketService  *service;
  GMutex           lock;         /* guards connections, captures, totals */
  GPtrArray       *connections;  /* Connection*, by index */
  gint64           bytes[2];
  gint64           last_activity;
  gboolean         capture;
  GError          *start_error;
  GCond            started_cond;
  gboolean         started;
};

/* Forwarding ------------------------------------------------------------ */

typedef struct
{
  Connection            *connection;
  TnBenchRelayDirection  direction;
} Pump;

/* Copies one direction until EOF or an error, then half-closes the
 * other side so the far end sees the EOF too. */
static gpointer
pump_thread (gpointer user_data)
{
  Pump *pump = user_data;
  Connection *connection = pump->connection;
  TnBenchRelay *relay = connection->relay;
  TnBenchRelayDirection direction = pump->direction;
  /* TO_SERVER reads what the dialer wrote and writes it to the listener. */
  GSocketConnection *from = connection->sides[direction == TN_BENCH_RELAY_TO_SERVER
                                              ? TN_BENCH_RELAY_TO_CLIENT
                                              : TN_BENCH_RELAY_TO_SERVER];
  GSocketConnection *to = connection->sides[direction];
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (from));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (to));
  g_autofree guint8 *buffer = g_malloc (PUMP_BUFFER);

  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, PUMP_BUFFER, NULL, NULL);

      if (n <= 0)
        break;
      g_mutex_lock (&relay->lock);
      connection->bytes[direction] += n;
      relay->bytes[direction] += n;
      relay->last_activity = g_get_monotonic_time ();
      if (connection->capture[direction] != NULL)
        g_byte_array_append (connection->capture[direction], buffer, (guint) n);
      g_mutex_unlock (&relay->lock);
      if (!g_output_stream_write_all (out, buffer, (gsize) n, NULL, NULL, NULL))
        break;
    }
  g_socket_shutdown (g_socket_connection_get_socket (to), FALSE, TRUE, NULL);
  g_free (pump);
  return NULL;
}

static gboolean
run_cb (GThreadedSocketService *service,
        GSocketConnection      *client,
        GObject                *source_object,
        gpointer                user_data)
{
  TnBenchRelay *relay = user_data;
  g_autoptr(GSocketClient) dialer = g_socket_client_new ();
  g_autoptr(GSocketConnection) server = NULL;
  Connection *connection;
  GThread *threads[2];

  server = g_socket_client_connect_to_host (dialer, "127.0.0.1", relay->target_port, NULL,
                                            NULL);
  if (server == NULL)
    return TRUE;   /* the listener is not up: the dialer sees a closed connection */
  g_socket_set_option (g_socket_connection_get_socket (server), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  g_socket_set_option (g_socket_connection_get_socket (client), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);

  connection = g_new0 (Connection, 1);
  connection->relay = relay;
  connection->sides[TN_BENCH_RELAY_TO_SERVER] = g_object_ref (server);
  connection->sides[TN_BENCH_RELAY_TO_CLIENT] = g_object_ref (client);
  g_mutex_lock (&relay->lock);
  connection->index = relay->connections->len;
  if (relay->capture)
    for (guint d = 0; d < 2; d++)
      connection->capture[d] = g_byte_array_new ();
  g_ptr_array_add (relay->connections, connection);
  g_mutex_unlock (&relay->lock);

  for (guint d = 0; d < 2; d++)
    {
      Pump *pump = g_new0 (Pump, 1);

      pump->connection = connection;
      pump->direction = d;
      threads[d] = g_thread_new ("tn-bench-relay-pump", pump_thread, pump);
    }
  for (guint d = 0; d < 2; d++)
    g_thread_join (threads[d]);
  g_io_stream_close (G_IO_STREAM (server), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (client), NULL, NULL);
  return TRUE;
}

static gpointer
relay_thread (gpointer user_data)
{
  TnBenchRelay *relay = user_data;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, relay->port);
  g_autoptr(GSocketAddress) bound = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (relay->context);
  relay->service = g_threaded_socket_service_new (16);
  g_signal_connect (relay->service, "run", G_CALLBACK (run_cb), relay);
  if (g_socket_listener_add_address (G_SOCKET_LISTENER (relay->service), address,
                                     G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                     &bound, &error))
    {
      relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_socket_service_start (relay->service);
    }

  g_mutex_lock (&relay->lock);
  relay->start_error = error;
  relay->started = TRUE;
  g_cond_signal (&relay->started_cond);
  g_mutex_unlock (&relay->lock);

  if (error == NULL)
    g_main_loop_run (relay->loop);
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_main_context_pop_thread_default (relay->context);
  return NULL;
}

/* Decoding ---------------------------------------------------------------- */

typedef struct
{
  guint  count;
  gint64 wire;
  gint64 text;
  gint64 events;
} TypeTotals;

typedef struct
{
  GHashTable *totals;            /* type → TypeTotals */
  GPtrArray  *order;             /* types in first-seen order */
} Summary;

static void
summary_add (Summary    *summary,
             const char *type,
             gint64      wire,
             gint64      text,
             gint64      events)
{
  TypeTotals *totals = g_hash_table_lookup (summary->totals, type);

  if (totals == NULL)
    {
      totals = g_new0 (TypeTotals, 1);
      g_hash_table_insert (summary->totals, g_strdup (type), totals);
      g_ptr_array_add (summary->order, g_strdup (type));
    }
  totals->count++;
  totals->wire += wire;
  totals->text += text;
  totals->events += events;
}

/* "hello", "events", … from a message's JSON, and how many events. */
static char *
message_type (const char *text,
              gsize       length,
              gint64     *events)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  *events = 0;
  if (!json_parser_load_from_data (parser, text, (gssize) length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return g_strdup ("(not JSON)");
  object = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (object, "events") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "events")))
    *events = json_array_get_length (json_object_get_array_member (object, "events"));
  return g_strdup (json_object_get_string_member_with_default (object, "type", "(no type)"));
}

static gsize
http_head_length (const GByteArray *data)
{
  for (gsize i = 0; i + 3 < data->len; i++)
    if (memcmp (data->data + i, "\r\n\r\n", 4) == 0)
      return i + 4;
  return 0;
}

/* One direction's frames into @summary; @reset_each: no context takeover. */
static void
decode_frames (const GByteArray *data,
               gsize             start,
               gsize             from,
               gboolean          reset_each,
               const char       *arrow,
               gboolean          list,
               Summary          *summary)
{
  z_stream zs = { 0 };
  g_autoptr(GByteArray) message = g_byte_array_new ();
  gboolean compressed = FALSE;
  gsize message_start = start;
  gint64 message_wire = 0;
  gsize pos = start;

  inflateInit2 (&zs, -15);
  while (pos + 2 <= data->len)
    {
      const guint8 *p = data->data + pos;
      gboolean fin = (p[0] & 0x80) != 0;
      gboolean rsv1 = (p[0] & 0x40) != 0;
      guint opcode = p[0] & 0x0f;
      gboolean masked = (p[1] & 0x80) != 0;
      guint64 length = p[1] & 0x7f;
      gsize head = 2;
      guint8 mask[4] = { 0 };

      if (length == 126)
        {
          if (pos + 4 > data->len)
            break;
          length = ((guint64) p[2] << 8) | p[3];
          head = 4;
        }
      else if (length == 127)
        {
          if (pos + 10 > data->len)
            break;
          length = 0;
          for (guint i = 0; i < 8; i++)
            length = (length << 8) | p[2 + i];
          head = 10;
        }
      if (masked)
        {
          if (pos + head + 4 > data->len)
            break;
          memcpy (mask, p + head, 4);
          head += 4;
        }
      if (pos + head + length > data->len)
        break;   /* cut short (still in flight when captured) */

      if (opcode >= 0x8)
        {
          static const char *names[] = { "close", "ping", "pong" };
          const char *name = opcode <= 0xa ? names[opcode - 0x8] : "control?";
          g_autofree char *label = g_strdup_printf ("(%s)", name);

          if (pos >= from)
            {
              summary_add (summary, label, (gint64) (head + length), (gint64) length, 0);
              if (list)
                printf ("    %s %-18s %6" G_GUINT64_FORMAT " bytes on the wire\n", arrow, label,
                        head + length);
            }
          pos += head + length;
          continue;
        }

      if (opcode != 0)
        {
          g_byte_array_set_size (message, 0);
          compressed = rsv1;
          message_start = pos;
          message_wire = 0;
        }
      for (guint64 i = 0; i < length; i++)
        {
          guint8 byte = p[head + i] ^ (masked ? mask[i % 4] : 0);
          g_byte_array_append (message, &byte, 1);
        }
      message_wire += (gint64) (head + length);
      pos += head + length;
      if (!fin)
        continue;

      {
        g_autoptr(GByteArray) text = g_byte_array_new ();
        g_autofree char *type = NULL;
        static const guint8 tail[4] = { 0x00, 0x00, 0xff, 0xff };
        gint64 events = 0;

        if (compressed)
          {
            guint8 out[65536];

            g_byte_array_append (message, tail, 4);
            zs.next_in = message->data;
            zs.avail_in = message->len;
            do
              {
                int status;

                zs.next_out = out;
                zs.avail_out = sizeof out;
                status = inflate (&zs, Z_SYNC_FLUSH);
                g_byte_array_append (text, out, sizeof out - zs.avail_out);
                if (status != Z_OK && status != Z_BUF_ERROR)
                  break;
              }
            while (zs.avail_out == 0);
            if (reset_each)
              inflateReset (&zs);
          }
        else
          g_byte_array_append (text, message->data, message->len);

        type = message_type ((const char *) text->data, text->len, &events);
        if (message_start >= from)
          {
            summary_add (summary, type, message_wire, text->len, events);
            if (list)
              printf ("    %s %-18s %6" G_GINT64_FORMAT " bytes on the wire, %6u as text%s: "
                      "%.*s%s\n", arrow, type, message_wire, text->len,
                      compressed ? " (deflated)" : "", (int) MIN (text->len, 160u),
                      (const char *) text->data, text->len > 160 ? "…" : "");
          }
      }
    }
  inflateEnd (&zs);
}

static void
type_totals_print (Summary    *summary,
                   const char *title)
{
  gint64 wire = 0;

  printf ("  %s\n", title);
  for (guint i = 0; i < summary->order->len; i++)
    {
      const char *type = summary->order->pdata[i];
      TypeTotals *totals = g_hash_table_lookup (summary->totals, type);

      printf ("    %-20s %6u × %10" G_GINT64_FORMAT " B on the wire (%10" G_GINT64_FORMAT
              " B as text", type, totals->count, totals->wire, totals->text);
      if (totals->events > 0)
        printf (", %" G_GINT64_FORMAT " events", totals->events);
      printf (")\n");
      wire += totals->wire;
    }
  printf ("    %-20s %19" G_GINT64_FORMAT " B\n", "total", wire);
}

/* Public API ------------------------------------------------------------ */

TnBenchRelay *
tn_bench_relay_new (guint16   listen_port,
                    guint16   target_port,
                    GError  **error)
{
  TnBenchRelay *relay = g_new0 (TnBenchRelay, 1);

  relay->target_port = target_port;
  relay->port = listen_port;
  relay->context = g_main_context_new ();
  relay->loop = g_main_loop_new (relay->context, FALSE);
  relay->connections = g_ptr_array_new ();
  g_mutex_init (&relay->lock);
  g_cond_init (&relay->started_cond);
  relay->thread = g_thread_new ("tn-bench-relay", relay_thread, relay);

  g_mutex_lock (&relay->lock);
  while (!relay->started)
    g_cond_wait (&relay->started_cond, &relay->lock);
  g_mutex_unlock (&relay->lock);
  if (relay->start_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&relay->start_error));
      tn_bench_relay_free (relay);
      return NULL;
    }
  return relay;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
tn_bench_relay_free (TnBenchRelay *relay)
{
  if (relay == NULL)
    return;
  g_main_context_invoke (relay->context, quit_cb, relay->loop);
  g_thread_join (relay->thread);
  /* Connections still open end with the process; their pumps own them. */
  g_mutex_lock (&relay->lock);
  for (guint i = 0; i < relay->connections->len; i++)
    {
      Connection *connection = relay->connections->pdata[i];

      for (guint d = 0; d < 2; d++)
        {
          g_socket_shutdown (g_socket_connection_get_socket (connection->sides[d]), TRUE, TRUE,
                             NULL);
          g_clear_pointer (&connection->capture[d], g_byte_array_unref);
        }
    }
  g_mutex_unlock (&relay->lock);
}

guint16
tn_bench_relay_get_port (TnBenchRelay *relay)
{
  return relay->port;
}

void
tn_bench_relay_set_capture (TnBenchRelay *relay,
                            gboolean      capture)
{
  g_mutex_lock (&relay->lock);
  relay->capture = capture;
  g_mutex_unlock (&relay->lock);
}

gint64
tn_bench_relay_get_bytes (TnBenchRelay          *relay,
                          TnBenchRelayDirection  direction)
{
  gint64 bytes;

  g_mutex_lock (&relay->lock);
  bytes = relay->bytes[direction];
  g_mutex_unlock (&relay->lock);
  return bytes;
}

guint
tn_bench_relay_get_n_connections (TnBenchRelay *relay)
{
  guint n;

  g_mutex_lock (&relay->lock);
  n = relay->connections->len;
  g_mutex_unlock (&relay->lock);
  return n;
}

gint64
tn_bench_relay_get_last_activity (TnBenchRelay *relay)
{
  gint64 last;

  g_mutex_lock (&relay->lock);
  last = relay->last_activity;
  g_mutex_unlock (&relay->lock);
  return last;
}

gsize
tn_bench_relay_get_captured (TnBenchRelay          *relay,
                             guint                  index,
                             TnBenchRelayDirection  direction)
{
  gsize n = 0;

  g_mutex_lock (&relay->lock);
  if (index < relay->connections->len)
    {
      Connection *connection = relay->connections->pdata[index];

      if (connection->capture[direction] != NULL)
        n = connection->capture[direction]->len;
    }
  g_mutex_unlock (&relay->lock);
  return n;
}

/* Decodes connection @index into @summaries (per direction); FALSE if it
 * was not captured. */
static gboolean
decode_connection (TnBenchRelay *relay,
                   guint         index,
                   const gsize  *from,
                   gboolean      list,
                   Summary       summaries[2],
                   char        **out_extensions)
{
  GByteArray *data[2] = { NULL, NULL };
  gsize heads[2];
  gboolean reset[2];
  g_autofree char *extensions = NULL;

  g_mutex_lock (&relay->lock);
  if (index < relay->connections->len)
    {
      Connection *connection = relay->connections->pdata[index];

      for (guint d = 0; d < 2; d++)
        if (connection->capture[d] != NULL)
          data[d] = g_byte_array_append (g_byte_array_new (), connection->capture[d]->data,
                                         connection->capture[d]->len);
    }
  g_mutex_unlock (&relay->lock);
  if (data[0] == NULL || data[1] == NULL)
    {
      g_clear_pointer (&data[0], g_byte_array_unref);
      g_clear_pointer (&data[1], g_byte_array_unref);
      return FALSE;
    }

  for (guint d = 0; d < 2; d++)
    heads[d] = http_head_length (data[d]);
  {
    g_autofree char *response = g_strndup ((const char *) data[TN_BENCH_RELAY_TO_CLIENT]->data,
                                           heads[TN_BENCH_RELAY_TO_CLIENT]);
    char *line = g_strstr_len (response, -1, "\r\n");

    /* Header names are case-insensitive. */
    for (; line != NULL; line = strstr (line + 2, "\r\n"))
      if (g_ascii_strncasecmp (line + 2, "Sec-WebSocket-Extensions:", 25) == 0)
        {
          extensions = g_strndup (line + 27, strcspn (line + 27, "\r\n"));
          break;
        }
  }
  /* Client → server messages: client_no_context_takeover; back: server_… */
  reset[TN_BENCH_RELAY_TO_SERVER] = extensions && strstr (extensions, "client_no_context_takeover");
  reset[TN_BENCH_RELAY_TO_CLIENT] = extensions && strstr (extensions, "server_no_context_takeover");

  for (guint d = 0; d < 2; d++)
    {
      const char *arrow = d == TN_BENCH_RELAY_TO_SERVER ? "dialer → listener"
                                                        : "listener → dialer";
      gsize start_at = from ? from[d] : 0;

      summaries[d].totals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      summaries[d].order = g_ptr_array_new_with_free_func (g_free);
      if (heads[d] > 0 && start_at < heads[d])
        {
          summary_add (&summaries[d],
                       d == 0 ? "(HTTP upgrade request)" : "(HTTP 101 response)",
                       (gint64) heads[d], (gint64) heads[d], 0);
          if (list)
            printf ("    %s HTTP head %" G_GSIZE_FORMAT " bytes\n", arrow, heads[d]);
        }
      if (heads[d] > 0)
        decode_frames (data[d], heads[d], start_at, reset[d], arrow, list, &summaries[d]);
      g_byte_array_unref (data[d]);
    }
  if (out_extensions != NULL)
    *out_extensions = g_steal_pointer (&extensions);
  return TRUE;
}

static void
summary_clear (Summary *summary)
{
  g_clear_pointer (&summary->totals, g_hash_table_unref);
  g_clear_pointer (&summary->order, g_ptr_array_unref);
}

void
tn_bench_relay_print_messages (TnBenchRelay *relay,
                               guint         index,
                               const gsize  *from,
                               gboolean      list)
{
  Summary summaries[2] = { { NULL, NULL }, { NULL, NULL } };
  g_autofree char *extensions = NULL;

  if (list)
    printf ("  Connection %u, message by message:\n", index);
  if (!decode_connection (relay, index, from, list, summaries, &extensions))
    {
      printf ("  (connection %u was not captured)\n", index);
      return;
    }
  printf ("  Connection %u: negotiated extensions:%s\n", index,
          extensions ? extensions : " none");
  type_totals_print (&summaries[0], "dialer → listener");
  type_totals_print (&summaries[1], "listener → dialer");
  summary_clear (&summaries[0]);
  summary_clear (&summaries[1]);
}

guint
tn_bench_relay_count_messages (TnBenchRelay *relay,
                               guint         index,
                               const char   *type)
{
  Summary summaries[2] = { { NULL, NULL }, { NULL, NULL } };
  guint count = 0;

  if (!decode_connection (relay, index, NULL, FALSE, summaries, NULL))
    return 0;
  for (guint d = 0; d < 2; d++)
    {
      TypeTotals *totals = g_hash_table_lookup (summaries[d].totals, type);

      if (totals != NULL)
        count += totals->count;
      summary_clear (&summaries[d]);
    }
  return count;
}

gsize
tn_bench_relay_get_http_bytes (TnBenchRelay *relay,
                               guint         index)
{
  gsize total = 0;

  g_mutex_lock (&relay->lock);
  if (index < relay->connections->len)
    {
      Connection *connection = relay->connections->pdata[index];

      for (guint d = 0; d < 2; d++)
        if (connection->capture[d] != NULL)
          total += http_head_length (connection->capture[d]);
    }
  g_mutex_unlock (&relay->lock);
  return total;
}
