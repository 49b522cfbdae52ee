/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-link.h"

#include <glib/gi18n.h>

#include "tn-backoff.h"
#include "tn-sync-util.h"
#include "tn-tls-pinning.h"
#include "tn-ws-deflate.h"

#define CONNECT_TIMEOUT_S 10

struct _TnPeerLink
{
  GObject parent_instance;

  /* Every field belongs to the sync worker thread. */
  GThread         *owner;
  TnStore         *store;        /* borrowed: the worker's */
  GBytes          *key;
  char            *url;
  SoupSession     *soup;
  GCancellable    *cancellable;  /* of the attempt in progress */
  SoupMessage     *message;      /* of the attempt in progress */
  GStrv            pins;         /* certificate fingerprints a wss:// peer may have */
  TnPeerSession   *session;
  TnBackoff        backoff;
  TnPeerLinkState  state;
  char            *last_error;
  guint            retry_source;
  gboolean         stopped;
  gboolean         standby;
};

G_DEFINE_FINAL_TYPE (TnPeerLink, tn_peer_link, G_TYPE_OBJECT)

enum
{
  SIGNAL_SESSION_OPENED,
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

static void connect_now (TnPeerLink *self);

/* On standby, dial again after this long even if nothing resumed us. */
#define STANDBY_RETRY_S 60

/* One connection attempt.  Its callback may run after the link was
 * stopped and started again: it must then leave the newer attempt's
 * cancellable, message and state alone. */
typedef struct
{
  TnPeerLink   *link;
  GCancellable *cancellable;
  SoupMessage  *message;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->link);
  g_object_unref (attempt->cancellable);
  g_object_unref (attempt->message);
  g_free (attempt);
}

/* Helpers ---------------------------------------------------------------- */

static void
set_state (TnPeerLink      *self,
           TnPeerLinkState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static gboolean
retry_cb (gpointer user_data)
{
  TnPeerLink *self = user_data;

  self->retry_source = 0;
  self->standby = FALSE;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (TnPeerLink *self)
{
  guint delay;

  if (self->stopped)
    return;
  delay = tn_backoff_next_delay (&self->backoff, NULL);
  g_debug ("Next attempt to reach %s in %u ms", self->url, delay);
  tn_sync_clear_source (&self->retry_source);
  self->retry_source = tn_sync_timeout_add (delay, retry_cb, self);
  set_state (self, TN_PEER_LINK_WAITING);
}

/* Callbacks -------------------------------------------------------------- */

static void
session_ready_cb (TnPeerSession *session,
                  gpointer       user_data)
{
  TnPeerLink *self = user_data;

  tn_backoff_reset (&self->backoff);
  g_clear_pointer (&self->last_error, g_free);
  set_state (self, TN_PEER_LINK_CONNECTED);
}

static void
session_closed_cb (TnPeerSession *session,
                   gpointer       user_data)
{
  TnPeerLink *self = user_data;

  g_signal_handlers_disconnect_by_data (session, self);
  if (tn_peer_session_get_auth_failed (session))
    {
      g_free (self->last_error);
      self->last_error = g_strdup (_("The peer refused this lane’s store key, or holds "
                                     "another store"));
    }
  if (tn_peer_session_get_superseded (session))
    {
      /* The peer's connection to us carries the sync.  The worker
       * resumes us when a session closes; the long retry is a safety
       * net in case that never comes. */
      g_clear_object (&self->session);
      g_clear_pointer (&self->last_error, g_free);
      self->standby = TRUE;
      tn_sync_clear_source (&self->retry_source);
      self->retry_source = tn_sync_timeout_add (STANDBY_RETRY_S * 1000, retry_cb, self);
      set_state (self, TN_PEER_LINK_STANDBY);
      return;
    }
  g_clear_object (&self->session);
  schedule_retry (self);
}

static void
connect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Attempt *attempt = user_data;
  g_autoptr(TnPeerLink) self = g_object_ref (attempt->link);
  g_autoptr(SoupMessage) message = g_object_ref (attempt->message);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) connection = NULL;
  g_autoptr(GError) tls_error = NULL;
  gboolean current;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  /* Stopped, or stopped and started again since: not ours any more. */
  current = !self->stopped && attempt->cancellable == self->cancellable;
  attempt_free (attempt);
  if (!current)
    {
      if (connection != NULL)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }
  g_clear_object (&self->cancellable);
  if (!tn_tls_pinning_check_message (message, connection != NULL, &tls_error))
    {
      if (connection != NULL)
        soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
                                         NULL);
      g_clear_object (&connection);
      g_clear_error (&error);
      error = g_steal_pointer (&tls_error);
    }
  g_clear_object (&self->message);
  if (connection == NULL)
    {
      if (self->last_error == NULL || !g_str_equal (self->last_error, error->message))
        g_message ("Cannot reach peer %s: %s", self->url, error->message);
      g_free (self->last_error);
      self->last_error = g_strdup (error->message);
      schedule_retry (self);
      return;
    }

  self->session = tn_peer_session_new (self->store, self->key, connection,
                                       TN_PEER_ROLE_CLIENT, self->url);
  g_signal_connect (self->session, "ready", G_CALLBACK (session_ready_cb), self);
  g_signal_connect (self->session, "closed", G_CALLBACK (session_closed_cb), self);
  set_state (self, TN_PEER_LINK_HANDSHAKE);
  g_signal_emit (self, signals[SIGNAL_SESSION_OPENED], 0, self->session);
  if (self->session != NULL)
    tn_peer_session_start (self->session, 0);
}

static void
connect_now (TnPeerLink *self)
{
  g_autoptr(SoupMessage) msg = NULL;
  Attempt *attempt;

  if (self->stopped || self->session != NULL || self->cancellable != NULL)
    return;
  msg = soup_message_new (SOUP_METHOD_GET, self->url);
  if (msg == NULL)
    {
      g_free (self->last_error);
      self->last_error = g_strdup_printf (_("“%s” is not a valid peer address"), self->url);
      set_state (self, TN_PEER_LINK_IDLE);
      return;
    }
  tn_tls_pinning_watch_message (msg, (const char * const *) self->pins);
  g_set_object (&self->message, msg);
  self->cancellable = g_cancellable_new ();
  attempt = g_new0 (Attempt, 1);
  attempt->link = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->cancellable);
  attempt->message = g_object_ref (msg);
  set_state (self, TN_PEER_LINK_CONNECTING);
  soup_session_websocket_connect_async (self->soup, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connect_done_cb, attempt);
}

/* Overrides -------------------------------------------------------------- */

static void
tn_peer_link_dispose (GObject *object)
{
  TnPeerLink *self = TN_PEER_LINK (object);

  self->stopped = TRUE;
  tn_sync_clear_source (&self->retry_source);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->message);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_clear_object (&self->session);
    }
  g_clear_object (&self->soup);
  G_OBJECT_CLASS (tn_peer_link_parent_class)->dispose (object);
}

static void
tn_peer_link_finalize (GObject *object)
{
  TnPeerLink *self = TN_PEER_LINK (object);

  g_clear_pointer (&self->key, g_bytes_unref);
  g_free (self->url);
  g_free (self->last_error);
  g_strfreev (self->pins);
  G_OBJECT_CLASS (tn_peer_link_parent_class)->finalize (object);
}

static void
tn_peer_link_class_init (TnPeerLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tn_peer_link_dispose;
  object_class->finalize = tn_peer_link_finalize;

  /* Worker thread: a new outgoing session, before its handshake. */
  signals[SIGNAL_SESSION_OPENED] = g_signal_new ("session-opened", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, TN_TYPE_PEER_SESSION);
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 0);
}

static void
tn_peer_link_init (TnPeerLink *self)
{
  self->owner = g_thread_self ();
}

/* Public API ------------------------------------------------------------- */

TnPeerLink *
tn_peer_link_new (TnStore    *store,
                  GBytes     *key,
                  const char *url,
                  guint       backoff_base_ms)
{
  TnPeerLink *self;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (TN_TYPE_PEER_LINK, NULL);
  self->store = store;
  self->key = g_bytes_ref (key);
  self->url = g_strdup (url);
  /* Created on the worker thread: the session uses its context. */
  self->soup = soup_session_new_with_options ("timeout", CONNECT_TIMEOUT_S,
                                              "user-agent", "tendero-sync ", NULL);
  tn_ws_deflate_use_in_session (self->soup);
  tn_backoff_init (&self->backoff, backoff_base_ms, TN_BACKOFF_DEFAULT_CAP_MS);
  return self;
}

void
tn_peer_link_set_pinned_fingerprints (TnPeerLink         *self,
                                      const char * const *pins)
{
  g_return_if_fail (TN_IS_PEER_LINK (self));
  ASSERT_OWNER (self);

  g_strfreev (self->pins);
  self->pins = g_strdupv ((char **) pins);
}

void
tn_peer_link_start (TnPeerLink *self)
{
  g_return_if_fail (TN_IS_PEER_LINK (self));
  ASSERT_OWNER (self);

  self->stopped = FALSE;
  connect_now (self);
}

void
tn_peer_link_stop (TnPeerLink *self)
{
  g_return_if_fail (TN_IS_PEER_LINK (self));
  ASSERT_OWNER (self);

  self->stopped = TRUE;
  self->standby = FALSE;
  tn_sync_clear_source (&self->retry_source);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->message);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      tn_peer_session_close (self->session);
      g_clear_object (&self->session);
    }
  set_state (self, TN_PEER_LINK_IDLE);
}

void
tn_peer_link_resume (TnPeerLink *self)
{
  g_return_if_fail (TN_IS_PEER_LINK (self));
  ASSERT_OWNER (self);

  if (!self->standby || self->stopped)
    return;
  self->standby = FALSE;
  tn_sync_clear_source (&self->retry_source);
  connect_now (self);
}

const char *
tn_peer_link_get_url (TnPeerLink *self)
{
  g_return_val_if_fail (TN_IS_PEER_LINK (self), NULL);
  return self->url;
}

TnPeerLinkState
tn_peer_link_get_state (TnPeerLink *self)
{
  g_return_val_if_fail (TN_IS_PEER_LINK (self), TN_PEER_LINK_IDLE);
  return self->state;
}

const char *
tn_peer_link_get_last_error (TnPeerLink *self)
{
  g_return_val_if_fail (TN_IS_PEER_LINK (self), NULL);
  return self->last_error;
}

TnPeerSession *
tn_peer_link_get_session (TnPeerLink *self)
{
  g_return_val_if_fail (TN_IS_PEER_LINK (self), NULL);
  return self->session;
}

const char *
tn_peer_link_state_to_string (TnPeerLinkState state)
{
  switch (state)
    {
    case TN_PEER_LINK_IDLE:
      return "idle";
    case TN_PEER_LINK_CONNECTING:
      return "connecting";
    case TN_PEER_LINK_HANDSHAKE:
      return "handshake";
    case TN_PEER_LINK_CONNECTED:
      return "connected";
    case TN_PEER_LINK_WAITING:
      return "waiting";
    case TN_PEER_LINK_STANDBY:
      return "standby";
    default:
      return "unknown";
    }
}
