/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-session.h"
#include "tn-peer-session-private.h"

#include <string.h>

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-sync-auth.h"
#include "tn-sync-protocol.h"
#include "tn-sync-util.h"

G_DEFINE_FINAL_TYPE (TnPeerSession, tn_peer_session, G_TYPE_OBJECT)

guint tn_peer_session_signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

/* Helpers ---------------------------------------------------------------- */

void
tn_peer_session_send_text_internal (TnPeerSession *self,
                                    const char    *text)
{
  if (self->connection != NULL &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (self->connection, text);
}

/* The session is ending: no timer fires and no received frame is
 * handled any more. */
static void
stop_sources (TnPeerSession *self)
{
  tn_sync_clear_source (&self->hello_source);
  tn_sync_clear_source (&self->handshake_timeout_source);
  tn_sync_clear_source (&self->digest_source);
  tn_sync_clear_source (&self->periodic_digest_source);
  tn_sync_clear_source (&self->liveness_source);
  tn_sync_clear_source (&self->relay_resume_source);
  tn_sync_clear_source (&self->inbox_source);
  g_queue_clear_full (&self->inbox, (GDestroyNotify) g_bytes_unref);
  self->inbox_bytes = 0;
}

/* The keepalive interval: KEEPALIVE_S, or TENDERO_SYNC_KEEPALIVE_S
 * (1–3600) so that tests see a dead peer detected in seconds. */
static guint
keepalive_interval (void)
{
  const char *env = g_getenv ("TENDERO_SYNC_KEEPALIVE_S");
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint) value;
  return KEEPALIVE_S;
}

/* Sends an error frame, then closes with the code for @error. */
void
tn_peer_session_fail_internal (TnPeerSession *self,
                               const GError  *error)
{
  guint16 code = tn_sync_close_code_for_error (error);
  g_autofree char *frame = tn_sync_encode_error_from_gerror (error);

  if (self->state == TN_PEER_SESSION_CLOSED)
    return;
  g_message ("Sync with %s%s%s failed (closing with %u): %s", self->label,
             self->peer_terminal ? " " : "", self->peer_terminal ? self->peer_terminal : "",
             code, error->message);
  if (code == TN_SYNC_CLOSE_AUTH)
    self->auth_failed = TRUE;
  tn_peer_session_send_text_internal (self, frame);
  stop_sources (self);
  /* Only a server may close with 1011 (RFC 6455): libsoup refuses it
   * from a client with a critical and leaves the connection open.  The
   * error frame above carries the real code. */
  if (code == TN_SYNC_CLOSE_INTERNAL && self->role != TN_PEER_ROLE_SERVER)
    code = SOUP_WEBSOCKET_CLOSE_GOING_AWAY;
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, code, NULL);
}

TnVersionVector *
tn_peer_session_local_vv_internal (TnPeerSession  *self,
                                   GError        **error)
{
  return tn_store_get_version_vector (self->store, error);
}

static void
send_hello (TnPeerSession *self,
            const char    *mac)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, &error);
  g_autofree char *frame = NULL;

  if (vv == NULL)
    {
      tn_peer_session_fail_internal (self, error);
      return;
    }
  frame = tn_sync_encode_hello (tn_store_get_store_id (self->store),
                                tn_store_get_replica_id (self->store),
                                tn_store_get_terminal (self->store),
                                self->our_nonce, vv, mac);
  tn_peer_session_send_text_internal (self, frame);
}

static void
maybe_request_block (TnPeerSession *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *frame = NULL;

  if (self->state != TN_PEER_SESSION_READY ||
      tn_store_is_fiscal_authority (self->store) ||
      (self->last_fiscal_request != 0 &&
       now - self->last_fiscal_request < FISCAL_REQUEST_GAP_US) ||
      !tn_fiscal_wants_block (self->store))
    return;
  self->last_fiscal_request = now;
  frame = tn_sync_encode_fiscal_block_request (tn_store_get_replica_id (self->store),
                                               tn_store_get_terminal (self->store));
  g_debug ("Asking %s for a fiscal block", self->label);
  tn_peer_session_send_text_internal (self, frame);
}

static void
become_ready (TnPeerSession *self)
{
  tn_sync_clear_source (&self->handshake_timeout_source);
  self->state = TN_PEER_SESSION_READY;
  g_message ("Synchronising with terminal %s (%s, %s)", self->peer_terminal, self->label,
             self->role == TN_PEER_ROLE_SERVER ? "incoming" : "outgoing");
  g_signal_emit (self, tn_peer_session_signals[SIGNAL_READY], 0);
  if (self->state != TN_PEER_SESSION_READY || self->superseded)
    return;
  tn_peer_session_pump_internal (self);
  maybe_request_block (self);
}

/* Handshake ------------------------------------------------------------ */

static gboolean
check_peer_identity (TnPeerSession        *self,
                     const TnSyncMessage  *message,
                     GError              **error)
{
  if (g_strcmp0 (message->replica, tn_store_get_replica_id (self->store)) == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_PERMISSION,
                   _("%s is this lane itself; remove it from the peers"), self->label);
      return FALSE;
    }
  self->peer_replica = g_strdup (message->replica);
  self->peer_terminal = g_strdup (message->terminal);
  self->peer_nonce = g_strdup (message->nonce);
  tn_version_vector_merge (self->peer_vv, message->vv);
  return TRUE;
}

gboolean
tn_peer_session_handle_handshake_internal (TnPeerSession  *self,
                                           TnSyncMessage  *message,
                                           GError        **error)
{
  const guint8 *key;
  gsize key_len;
  g_autofree char *mac = NULL;
  g_autofree char *frame = NULL;

  key = g_bytes_get_data (self->key, &key_len);

  if (self->role == TN_PEER_ROLE_CLIENT && self->peer_replica == NULL &&
      message->type == TN_SYNC_MESSAGE_HELLO)
    {
      /* The server's hello: prove we hold the key over its nonce. */
      if (!check_peer_identity (self, message, error))
        return FALSE;
      mac = tn_sync_auth_mac (key, key_len, message->nonce,
                              tn_store_get_replica_id (self->store));
      send_hello (self, mac);
      return TRUE;
    }
  if (self->role == TN_PEER_ROLE_CLIENT && self->peer_replica != NULL &&
      message->type == TN_SYNC_MESSAGE_WELCOME)
    {
      if (!tn_sync_auth_verify (key, key_len, self->our_nonce, self->peer_replica,
                                message->mac))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_PERMISSION,
                       _("Terminal %s at %s does not hold this store’s key"),
                       self->peer_terminal, self->label);
          return FALSE;
        }
      become_ready (self);
      return TRUE;
    }
  if (self->role == TN_PEER_ROLE_SERVER && self->hello_source == 0 &&
      message->type == TN_SYNC_MESSAGE_HELLO)
    {
      if (message->mac == NULL ||
          g_strcmp0 (message->replica, tn_store_get_replica_id (self->store)) == 0 ||
          !tn_sync_auth_verify (key, key_len, self->our_nonce, message->replica, message->mac))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_PERMISSION,
                       _("Terminal %s at %s does not hold this store’s key"),
                       message->terminal, self->label);
          return FALSE;
        }
      if (!check_peer_identity (self, message, error))
        return FALSE;
      mac = tn_sync_auth_mac (key, key_len, message->nonce,
                              tn_store_get_replica_id (self->store));
      frame = tn_sync_encode_welcome (mac);
      tn_peer_session_send_text_internal (self, frame);
      become_ready (self);
      return TRUE;
    }

  g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE,
               _("Unexpected “%s” message during the handshake"),
               tn_sync_message_type_to_string (message->type));
  return FALSE;
}

/* Callbacks -------------------------------------------------------------- */

static void
handle_frame (TnPeerSession *self,
              GBytes        *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSyncMessage) message = NULL;
  gsize length;
  const char *text = g_bytes_get_data (data, &length);

  message = tn_sync_message_decode (text, length, tn_store_get_store_id (self->store), &error);
  if (message == NULL || !tn_peer_session_handle_message_internal (self, message, &error))
    tn_peer_session_fail_internal (self, error);
}

static gboolean
inbox_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;
  g_autoptr(TnPeerSession) hold = g_object_ref (self);
  g_autoptr(GBytes) data = g_queue_pop_head (&self->inbox);

  ASSERT_OWNER (self);
  self->inbox_bytes -= g_bytes_get_size (data);
  handle_frame (self, data);
  /* Ending the session (a bad frame) emptied the inbox and removed us. */
  if (self->inbox_source != 0 && g_queue_is_empty (&self->inbox))
    {
      self->inbox_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* libsoup reads a connection for as long as its peer keeps sending and
 * handles each frame inside that read, so a lane applying one peer's
 * stream (some 15 ms a frame) handled nothing from its other peers, and
 * sent them nothing, until that stream paused: after a partition, the
 * lanes' streams ran one after another.  Frames therefore wait in the
 * inbox and are handled one per turn of the worker's loop, in order,
 * taking turns with every connection's reads and writes. */
static void
connection_message_cb (SoupWebsocketConnection *connection,
                       gint                     type,
                       GBytes                  *data,
                       gpointer                 user_data)
{
  TnPeerSession *self = user_data;
  g_autoptr(TnPeerSession) hold = g_object_ref (self);
  g_autoptr(GError) error = NULL;

  ASSERT_OWNER (self);
  if (self->state == TN_PEER_SESSION_CLOSED)
    return;
  self->last_seen = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_set_error (&error, TN_ERROR, TN_ERROR_INVALID,
                   _("The sync protocol uses text frames only"));
      tn_peer_session_fail_internal (self, error);
      return;
    }
  if (self->inbox.length >= INBOX_MAX_FRAMES ||
      self->inbox_bytes + g_bytes_get_size (data) > INBOX_MAX_BYTES)
    {
      g_set_error (&error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("The peer sent more than the sync protocol lets it send before "
                     "an acknowledgement (%u frames, %u KiB waiting)"),
                   self->inbox.length + 1,
                   (guint) ((self->inbox_bytes + g_bytes_get_size (data)) / 1024));
      tn_peer_session_fail_internal (self, error);
      return;
    }
  g_queue_push_tail (&self->inbox, g_bytes_ref (data));
  self->inbox_bytes += g_bytes_get_size (data);
  if (self->inbox_source == 0)
    self->inbox_source = tn_sync_idle_add (inbox_cb, self);
}

static void
connection_closed_cb (SoupWebsocketConnection *connection,
                      gpointer                 user_data)
{
  TnPeerSession *self = user_data;
  g_autoptr(TnPeerSession) hold = g_object_ref (self);
  guint16 code = soup_websocket_connection_get_close_code (connection);

  ASSERT_OWNER (self);
  if (self->state == TN_PEER_SESSION_CLOSED)
    return;
  if (code == TN_SYNC_CLOSE_AUTH)
    self->auth_failed = TRUE;
  if (code == TN_SYNC_CLOSE_SUPERSEDED)
    self->superseded = TRUE;
  if (self->state == TN_PEER_SESSION_READY || self->auth_failed)
    g_message ("Connection with %s%s%s closed (%u)", self->label,
               self->peer_terminal ? ", terminal " : "",
               self->peer_terminal ? self->peer_terminal : "", code);
  self->state = TN_PEER_SESSION_CLOSED;
  stop_sources (self);
  g_signal_emit (self, tn_peer_session_signals[SIGNAL_CLOSED], 0);
}

static void
connection_error_cb (SoupWebsocketConnection *connection,
                     GError                  *error,
                     gpointer                 user_data)
{
  TnPeerSession *self = user_data;

  g_debug ("WebSocket error with %s: %s", self->label, error->message);
}

static gboolean
send_hello_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  self->hello_source = 0;
  send_hello (self, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;
  g_autoptr(GError) error = NULL;

  self->handshake_timeout_source = 0;
  g_set_error (&error, TN_ERROR, TN_ERROR_PERMISSION,
               _("The handshake with %s did not finish in time"), self->label);
  tn_peer_session_fail_internal (self, error);
  return G_SOURCE_REMOVE;
}

static void
connection_pong_cb (SoupWebsocketConnection *connection,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  TnPeerSession *self = user_data;

  ASSERT_OWNER (self);
  self->last_seen = g_get_monotonic_time ();
}

/* libsoup pings every keepalive interval and a live peer pongs; one
 * that stays silent much longer is closed (DEAD_PEER_KEEPALIVES). */
static gboolean
liveness_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;
  gint64 silent_s = (g_get_monotonic_time () - self->last_seen) / G_USEC_PER_SEC;

  if (self->state == TN_PEER_SESSION_CLOSED)
    {
      self->liveness_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (silent_s < (gint64) DEAD_PEER_KEEPALIVES * self->keepalive_s)
    return G_SOURCE_CONTINUE;

  self->liveness_source = 0;
  g_message ("Sync with %s%s%s: no answer for %" G_GINT64_FORMAT " s; closing to reconnect",
             self->label, self->peer_terminal ? " " : "",
             self->peer_terminal ? self->peer_terminal : "", silent_s);
  stop_sources (self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, TN_SYNC_CLOSE_GOING_AWAY, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
periodic_digest_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  if (self->state == TN_PEER_SESSION_READY)
    tn_peer_session_send_digest_internal (self, TRUE);
  return G_SOURCE_CONTINUE;
}

/* Overrides -------------------------------------------------------------- */

static void
tn_peer_session_dispose (GObject *object)
{
  TnPeerSession *self = TN_PEER_SESSION (object);

  stop_sources (self);
  if (self->connection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         NULL);
      g_clear_object (&self->connection);
    }
  G_OBJECT_CLASS (tn_peer_session_parent_class)->dispose (object);
}

static void
tn_peer_session_finalize (GObject *object)
{
  TnPeerSession *self = TN_PEER_SESSION (object);

  g_clear_pointer (&self->key, g_bytes_unref);
  g_free (self->label);
  g_free (self->our_nonce);
  g_free (self->peer_nonce);
  g_free (self->peer_replica);
  g_free (self->peer_terminal);
  g_free (self->peer_digest);
  g_clear_pointer (&self->peer_vv, tn_version_vector_free);
  g_clear_pointer (&self->sent_vv, tn_version_vector_free);
  g_clear_pointer (&self->recv_vv, tn_version_vector_free);
  g_clear_pointer (&self->digest_vv, tn_version_vector_free);
  g_clear_pointer (&self->cursors, g_hash_table_unref);
  g_clear_pointer (&self->relays, g_hash_table_unref);
  G_OBJECT_CLASS (tn_peer_session_parent_class)->finalize (object);
}

static void
tn_peer_session_class_init (TnPeerSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tn_peer_session_dispose;
  object_class->finalize = tn_peer_session_finalize;

  /* Worker-thread signals (see the header). */
  tn_peer_session_signals[SIGNAL_READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  tn_peer_session_signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* The local store gained events (@applied from the peer; 0 for our own
   * fiscal grants). */
  tn_peer_session_signals[SIGNAL_STORE_CHANGED] =
    g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
  /* vv text, local hash, peer hash, entities. */
  tn_peer_session_signals[SIGNAL_DIVERGENCE] =
    g_signal_new ("divergence", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING, G_TYPE_STRV);
}

static void
tn_peer_session_init (TnPeerSession *self)
{
  self->owner = g_thread_self ();
  self->peer_vv = tn_version_vector_new ();
  self->sent_vv = tn_version_vector_new ();
  self->recv_vv = tn_version_vector_new ();
  self->cursors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) tn_peer_session_cursor_free_internal);
  self->relays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->our_nonce = tn_sync_auth_nonce ();
}

/* Public API ------------------------------------------------------------- */

TnPeerSession *
tn_peer_session_new (TnStore                 *store,
                     GBytes                  *key,
                     SoupWebsocketConnection *connection,
                     TnPeerRole               role,
                     const char              *label)
{
  TnPeerSession *self;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection), NULL);

  self = g_object_new (TN_TYPE_PEER_SESSION, NULL);
  self->store = store;
  self->key = g_bytes_ref (key);
  self->connection = g_object_ref (connection);
  self->role = role;
  self->label = g_strdup (label);

  /* Frames a little over the limit reach tn_sync_message_decode (), which
   * refuses them with an error frame and 1009 as DESIGN §4 asks: libsoup
   * would drop the connection mid-frame, so the peer never learns why.
   * Past twice the limit libsoup still drops it, unread, as TnWsDeflate
   * does a message that inflates past it.  libsoup 3.8 adds a limit of
   * its own for whole messages, whose server default is not ours. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, TN_SYNC_MAX_WIRE_MESSAGE);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (connection), "max-total-message-size"))
    g_object_set (connection, "max-total-message-size", (guint64) TN_SYNC_MAX_WIRE_MESSAGE, NULL);
  self->keepalive_s = keepalive_interval ();
  soup_websocket_connection_set_keepalive_interval (connection, self->keepalive_s);
  g_signal_connect (connection, "message", G_CALLBACK (connection_message_cb), self);
  g_signal_connect (connection, "pong", G_CALLBACK (connection_pong_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (connection_closed_cb), self);
  g_signal_connect (connection, "error", G_CALLBACK (connection_error_cb), self);
  return self;
}

void
tn_peer_session_start (TnPeerSession *self,
                       guint          hello_delay_ms)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  self->handshake_timeout_source = tn_sync_timeout_add (HANDSHAKE_TIMEOUT_MS + hello_delay_ms,
                                                        handshake_timeout_cb, self);
  self->periodic_digest_source = tn_sync_timeout_add (DIGEST_PERIOD_S * 1000,
                                                      periodic_digest_cb, self);
  self->last_seen = g_get_monotonic_time ();
  self->liveness_source = tn_sync_timeout_add (self->keepalive_s * 1000, liveness_cb, self);
  if (self->role == TN_PEER_ROLE_SERVER)
    {
      if (hello_delay_ms > 0)
        self->hello_source = tn_sync_timeout_add (hello_delay_ms, send_hello_cb, self);
      else
        send_hello (self, NULL);
    }
}

void
tn_peer_session_local_changed (TnPeerSession *self)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  tn_peer_session_pump_internal (self);
  maybe_request_block (self);
}

void
tn_peer_session_close (TnPeerSession *self)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  stop_sources (self);
  if (self->connection != NULL &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
}

/* The replica id of the lane that dialed @self. */
static const char *
dialer_of (TnPeerSession *self)
{
  return self->role == TN_PEER_ROLE_CLIENT ? tn_store_get_replica_id (self->store)
                                           : self->peer_replica;
}

TnPeerSession *
tn_peer_session_find_superseded (TnPeerSession *session,
                                 GPtrArray     *sessions)
{
  const char *own;
  const char *preferred;

  g_return_val_if_fail (TN_IS_PEER_SESSION (session), NULL);
  ASSERT_OWNER (session);

  if (session->state != TN_PEER_SESSION_READY || session->superseded ||
      session->peer_replica == NULL)
    return NULL;
  own = tn_store_get_replica_id (session->store);
  preferred = strcmp (own, session->peer_replica) < 0 ? own : session->peer_replica;

  for (guint i = 0; i < sessions->len; i++)
    {
      TnPeerSession *other = sessions->pdata[i];

      if (other == session || other->state != TN_PEER_SESSION_READY || other->superseded ||
          g_strcmp0 (other->peer_replica, session->peer_replica) != 0)
        continue;
      /* Both lanes see the same two connections and pick the same one;
       * two from the same dialer: the older is likely a dead socket. */
      if (g_str_equal (dialer_of (other), dialer_of (session)))
        return other;
      return g_str_equal (dialer_of (session), preferred) ? other : session;
    }
  return NULL;
}

void
tn_peer_session_close_superseded (TnPeerSession *self)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  if (self->state == TN_PEER_SESSION_CLOSED || self->superseded)
    return;
  g_message ("Sync with terminal %s (%s): another connection with it carries the sync; "
             "closing this one", self->peer_terminal ? self->peer_terminal : "?", self->label);
  self->superseded = TRUE;
  stop_sources (self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, TN_SYNC_CLOSE_SUPERSEDED, NULL);
}

gboolean
tn_peer_session_get_superseded (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), FALSE);
  return self->superseded;
}

TnPeerSessionState
tn_peer_session_get_state (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), TN_PEER_SESSION_CLOSED);
  return self->state;
}

TnPeerRole
tn_peer_session_get_role (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), TN_PEER_ROLE_SERVER);
  return self->role;
}

const char *
tn_peer_session_get_label (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), NULL);
  return self->label;
}

const char *
tn_peer_session_get_peer_replica (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), NULL);
  return self->peer_replica;
}

const char *
tn_peer_session_get_peer_terminal (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), NULL);
  return self->peer_terminal;
}

gint64
tn_peer_session_get_last_seen (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), 0);
  return self->last_seen;
}

const TnVersionVector *
tn_peer_session_get_peer_vv (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), NULL);
  return self->peer_vv;
}

gboolean
tn_peer_session_get_auth_failed (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), FALSE);
  return self->auth_failed;
}

void
tn_peer_session_get_received (TnPeerSession *self,
                              gint64        *received,
                              gint64        *duplicates)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  *received = self->events_received;
  *duplicates = self->events_duplicate;
}

gboolean
tn_peer_session_is_compressed (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), FALSE);
  return self->connection != NULL &&
         soup_websocket_connection_get_extensions (self->connection) != NULL;
}
