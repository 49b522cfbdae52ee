/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-fault-proxy.h"

#include <gio/gio.h>

/* See tn-fault-proxy.h.  Each connection is a Pair of sockets with two
 * Pumps (client → target, target → client); a pump reads one chunk,
 * waits the delay, writes it and reads again, so each direction keeps
 * its order.  Everything but the public setters runs on the proxy's
 * thread. */

#define CHUNK       16384
#define CAPTURE_MAX (256 * 1024)
#define DRAIN_US    (5 * G_USEC_PER_SEC)

struct _TnFaultProxy
{
  char           *name;
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  GSocketService *service;
  guint           port;
  gint            target_port;   /* atomic */
  gint            mode;          /* atomic TnFaultMode */
  gint            delay_base;    /* atomic, ms */
  gint            delay_jitter;  /* atomic, ms */
  gint            n_forwarded;   /* atomic */
  GMutex          lock;
  GCond           cond;
  GList          *pairs;         /* proxy thread */
  GByteArray     *capture;       /* proxy thread: the last client stream */
  GRand          *rand;          /* proxy thread */
};

typedef struct
{
  TnFaultProxy      *proxy;
  int                refs;
  GSocketConnection *client;
  GSocketConnection *upstream;
  GCancellable      *cancellable;
  GByteArray        *capture;
  gboolean           dropped;     /* the blackhole ate some of its bytes */
} Pair;

typedef struct
{
  Pair          *pair;
  GInputStream  *in;
  GOutputStream *out;
  gboolean       from_client;
  gsize          length;
  guint8         buffer[CHUNK];
} Pump;

static void pump_read (Pump *pump);

static void
pair_unref (Pair *pair)
{
  if (--pair->refs > 0)
    return;
  pair->proxy->pairs = g_list_remove (pair->proxy->pairs, pair);
  g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
  g_io_stream_close (G_IO_STREAM (pair->upstream), NULL, NULL);
  g_object_unref (pair->client);
  g_object_unref (pair->upstream);
  g_object_unref (pair->cancellable);
  g_byte_array_unref (pair->capture);
  g_free (pair);
}

static void
pair_cut (Pair *pair)
{
  g_cancellable_cancel (pair->cancellable);
  /* Both ends see the connection end now, not when the callbacks run. */
  g_socket_shutdown (g_socket_connection_get_socket (pair->client), TRUE, TRUE, NULL);
  g_socket_shutdown (g_socket_connection_get_socket (pair->upstream), TRUE, TRUE, NULL);
}

static void
pump_end (Pump *pump)
{
  Pair *pair = pump->pair;

  pair_cut (pair);
  g_free (pump);
  pair_unref (pair);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Pump *pump = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    pump_end (pump);
  else
    pump_read (pump);
}

static void
pump_write (Pump *pump)
{
  if (g_cancellable_is_cancelled (pump->pair->cancellable))
    {
      pump_end (pump);
      return;
    }
  g_output_stream_write_all_async (pump->out, pump->buffer, pump->length, G_PRIORITY_DEFAULT,
                                   pump->pair->cancellable, write_cb, pump);
}

static gboolean
delay_done_cb (gpointer user_data)
{
  pump_write (user_data);
  return G_SOURCE_REMOVE;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Pump *pump = user_data;
  TnFaultProxy *proxy = pump->pair->proxy;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  guint delay;

  if (n <= 0)
    {
      pump_end (pump);
      return;
    }
  pump->length = n;
  if (pump->from_client && pump->pair->capture->len < CAPTURE_MAX)
    g_byte_array_append (pump->pair->capture, pump->buffer,
                         MIN ((gsize) n, CAPTURE_MAX - pump->pair->capture->len));
  if (g_atomic_int_get (&proxy->mode) == TN_FAULT_BLACKHOLE)
    {
      pump->pair->dropped = TRUE;
      pump_read (pump);
      return;
    }
  if (pump->pair->dropped)
    {
      /* TCP never delivers a stream with a hole: the connection that
       * lost bytes ends (as it would by timeout) rather than resume. */
      pump_end (pump);
      return;
    }
  delay = g_atomic_int_get (&proxy->delay_base);
  if (g_atomic_int_get (&proxy->delay_jitter) > 0)
    delay += g_rand_int_range (proxy->rand, 0, g_atomic_int_get (&proxy->delay_jitter) + 1);
  if (delay == 0)
    {
      pump_write (pump);
      return;
    }
  {
    GSource *timeout = g_timeout_source_new (delay);

    g_source_set_callback (timeout, delay_done_cb, pump, NULL);
    g_source_attach (timeout, proxy->context);
    g_source_unref (timeout);
  }
}

static void
pump_read (Pump *pump)
{
  g_input_stream_read_async (pump->in, pump->buffer, CHUNK, G_PRIORITY_DEFAULT,
                             pump->pair->cancellable, read_cb, pump);
}

static void
pump_start (Pair         *pair,
            GIOStream    *from,
            GIOStream    *to,
            gboolean      from_client)
{
  Pump *pump = g_new0 (Pump, 1);

  pump->pair = pair;
  pump->in = g_io_stream_get_input_stream (from);
  pump->out = g_io_stream_get_output_stream (to);
  pump->from_client = from_client;
  pair->refs++;
  pump_read (pump);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  TnFaultProxy *proxy = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  gint target = g_atomic_int_get (&proxy->target_port);
  Pair *pair;

  if (g_atomic_int_get (&proxy->mode) != TN_FAULT_REFUSE && target != 0)
    upstream = g_socket_client_connect_to_host (client, "127.0.0.1", target, NULL, NULL);
  if (upstream == NULL)
    {
      /* As a partitioned or stopped target would: it ends at once. */
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  g_atomic_int_inc (&proxy->n_forwarded);
  pair = g_new0 (Pair, 1);
  pair->proxy = proxy;
  pair->client = g_object_ref (connection);
  pair->upstream = g_steal_pointer (&upstream);
  pair->cancellable = g_cancellable_new ();
  pair->capture = g_byte_array_new ();
  g_clear_pointer (&proxy->capture, g_byte_array_unref);
  proxy->capture = g_byte_array_ref (pair->capture);
  proxy->pairs = g_list_prepend (proxy->pairs, pair);
  pair->refs = 1;
  pump_start (pair, G_IO_STREAM (pair->client), G_IO_STREAM (pair->upstream), TRUE);
  pump_start (pair, G_IO_STREAM (pair->upstream), G_IO_STREAM (pair->client), FALSE);
  pair_unref (pair);
  return TRUE;
}

static gpointer
proxy_thread (gpointer user_data)
{
  TnFaultProxy *proxy = user_data;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_main_context_push_thread_default (proxy->context);
  proxy->service = g_socket_service_new ();
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (proxy->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (incoming_cb), proxy);
  g_socket_service_start (proxy->service);
  g_mutex_lock (&proxy->lock);
  proxy->port = port;
  g_cond_signal (&proxy->cond);
  g_mutex_unlock (&proxy->lock);
  g_main_loop_run (proxy->loop);
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
  for (GList *l = proxy->pairs; l != NULL; l = l->next)
    pair_cut (l->data);
  while (proxy->pairs != NULL)
    g_main_context_iteration (proxy->context, TRUE);
  while (g_main_context_iteration (proxy->context, FALSE))
    ;
  g_main_context_pop_thread_default (proxy->context);
  return NULL;
}

TnFaultProxy *
tn_fault_proxy_new (const char *name,
                    guint       target_port)
{
  TnFaultProxy *proxy = g_new0 (TnFaultProxy, 1);

  proxy->name = g_strdup (name);
  g_mutex_init (&proxy->lock);
  g_cond_init (&proxy->cond);
  proxy->target_port = target_port;
  proxy->rand = g_rand_new_with_seed (target_port);
  proxy->context = g_main_context_new ();
  proxy->loop = g_main_loop_new (proxy->context, FALSE);
  proxy->thread = g_thread_new ("fault-proxy", proxy_thread, proxy);
  g_mutex_lock (&proxy->lock);
  while (proxy->port == 0)
    g_cond_wait (&proxy->cond, &proxy->lock);
  g_mutex_unlock (&proxy->lock);
  return proxy;
}

/* Runs @func on the proxy's thread and waits for its answer. */
typedef struct
{
  TnFaultProxy *proxy;
  gboolean    (*func) (TnFaultProxy *proxy);
  gboolean      done;
  gboolean      result;
} Call;

static gboolean
call_cb (gpointer user_data)
{
  Call *call = user_data;
  gboolean result = call->func (call->proxy);

  g_mutex_lock (&call->proxy->lock);
  call->result = result;
  call->done = TRUE;
  g_cond_broadcast (&call->proxy->cond);
  g_mutex_unlock (&call->proxy->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
call_sync (TnFaultProxy *proxy,
           gboolean    (*func) (TnFaultProxy *proxy))
{
  Call call = { proxy, func, FALSE, FALSE };

  g_main_context_invoke (proxy->context, call_cb, &call);
  g_mutex_lock (&proxy->lock);
  while (!call.done)
    g_cond_wait (&proxy->cond, &proxy->lock);
  g_mutex_unlock (&proxy->lock);
  return call.result;
}

static gboolean
quit_on_thread (TnFaultProxy *proxy)
{
  g_main_loop_quit (proxy->loop);
  return TRUE;
}

void
tn_fault_proxy_free (TnFaultProxy *proxy)
{
  if (proxy == NULL)
    return;
  call_sync (proxy, quit_on_thread);
  g_thread_join (proxy->thread);
  g_main_loop_unref (proxy->loop);
  g_main_context_unref (proxy->context);
  g_clear_pointer (&proxy->capture, g_byte_array_unref);
  g_rand_free (proxy->rand);
  g_mutex_clear (&proxy->lock);
  g_cond_clear (&proxy->cond);
  g_free (proxy->name);
  g_free (proxy);
}

guint
tn_fault_proxy_get_port (TnFaultProxy *proxy)
{
  return proxy->port;
}

const char *
tn_fault_proxy_get_name (TnFaultProxy *proxy)
{
  return proxy->name;
}

guint
tn_fault_proxy_get_n_forwarded (TnFaultProxy *proxy)
{
  return g_atomic_int_get (&proxy->n_forwarded);
}

void
tn_fault_proxy_set_target (TnFaultProxy *proxy,
                           guint         target_port)
{
  g_atomic_int_set (&proxy->target_port, target_port);
}

void
tn_fault_proxy_set_mode (TnFaultProxy *proxy,
                         TnFaultMode   mode)
{
  g_atomic_int_set (&proxy->mode, mode);
}

void
tn_fault_proxy_set_delay (TnFaultProxy *proxy,
                          guint         base_ms,
                          guint         jitter_ms)
{
  g_atomic_int_set (&proxy->delay_base, base_ms);
  g_atomic_int_set (&proxy->delay_jitter, jitter_ms);
}

static gboolean
cut_on_thread (TnFaultProxy *proxy)
{
  for (GList *l = proxy->pairs; l != NULL; l = l->next)
    pair_cut (l->data);
  return TRUE;
}

void
tn_fault_proxy_cut (TnFaultProxy *proxy)
{
  call_sync (proxy, cut_on_thread);
}

/* A replayed conversation: its answer is read and dropped until the
 * target closes it or DRAIN_US pass. */
typedef struct
{
  GSocketConnection *connection;
  guint8             buffer[CHUNK];
  gint64             deadline;
} Drain;

static void
drain_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Drain *drain = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0 && g_get_monotonic_time () < drain->deadline)
    {
      g_input_stream_read_async (G_INPUT_STREAM (source), drain->buffer, CHUNK,
                                 G_PRIORITY_DEFAULT, NULL, drain_cb, drain);
      return;
    }
  g_io_stream_close (G_IO_STREAM (drain->connection), NULL, NULL);
  g_object_unref (drain->connection);
  g_free (drain);
}

static gboolean
replay_on_thread (TnFaultProxy *proxy)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GSocketConnection *connection;
  GOutputStream *out;
  Drain *drain;

  if (proxy->capture == NULL || proxy->capture->len == 0)
    return FALSE;
  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                g_atomic_int_get (&proxy->target_port),
                                                NULL, NULL);
  if (connection == NULL)
    return FALSE;
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 5);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, proxy->capture->data, proxy->capture->len, NULL, NULL, NULL);
  drain = g_new0 (Drain, 1);
  drain->connection = connection;
  drain->deadline = g_get_monotonic_time () + DRAIN_US;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             drain->buffer, CHUNK, G_PRIORITY_DEFAULT, NULL, drain_cb, drain);
  return TRUE;
}

gboolean
tn_fault_proxy_replay (TnFaultProxy *proxy)
{
  return call_sync (proxy, replay_on_thread);
}
