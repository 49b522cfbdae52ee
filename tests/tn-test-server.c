/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-test-server.h"

struct _TnTestServer
{
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  GCallback       incoming_cb;
  gpointer        user_data;
  guint           port;
  GMutex          lock;
  GCond           ready;
};

static gpointer
server_thread (gpointer data)
{
  TnTestServer *self = data;
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_main_context_push_thread_default (self->context);
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", self->incoming_cb, self->user_data);
  g_socket_service_start (service);
  g_mutex_lock (&self->lock);
  self->port = port;
  g_cond_signal (&self->ready);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  g_clear_object (&service);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

TnTestServer *
tn_test_server_start (const char *name,
                      GCallback   incoming_cb,
                      gpointer    user_data)
{
  TnTestServer *self = g_new0 (TnTestServer, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->ready);
  self->incoming_cb = incoming_cb;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new (name, server_thread, self);
  g_mutex_lock (&self->lock);
  while (self->port == 0)
    g_cond_wait (&self->ready, &self->lock);
  g_mutex_unlock (&self->lock);
  return self;
}

guint
tn_test_server_get_port (TnTestServer *self)
{
  return self->port;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (((TnTestServer *) data)->loop);
  return G_SOURCE_REMOVE;
}

void
tn_test_server_stop (TnTestServer *self)
{
  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->ready);
  g_free (self);
}
