/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-server.h"

#include <glib/gi18n.h>

#include "tn-sync-protocol.h"
#include "tn-ws-deflate.h"

/* Failed handshakes an address may have before its hellos are delayed,
 * and before it is refused outright; a quiet period forgives it.
 *
 * Handshakes still in progress count too: otherwise many connections
 * opened at once from one address would all get the delay in force when
 * they opened and could make many guesses before the refusal applied.
 * An address may have at most MAX_HANDSHAKES_IN_PROGRESS at a time; each
 * connection refused for going over that counts as a failure (a lane
 * opens one connection to a peer at a time, so more is guessing), and
 * failures + handshakes in progress together meet REFUSE_AFTER_FAILURES. */
#define SLOW_AFTER_FAILURES         3
#define REFUSE_AFTER_FAILURES       20
#define MAX_HANDSHAKES_IN_PROGRESS  4
#define MAX_HELLO_DELAY_MS          30000
#define FORGET_AFTER_US             (10 * 60 * G_USEC_PER_SEC)

/* Session data: set while the session counts in its address's in_progress. */
#define HANDSHAKING_KEY "tn-handshaking"

typedef struct
{
  guint  failures;
  gint64 last_failure;   /* monotonic µs */
  guint  in_progress;    /* handshakes accepted and not yet over */
} AddressRecord;

struct _TnPeerServer
{
  GObject parent_instance;

  /* Every field belongs to the sync worker thread. */
  GThread    *owner;
  TnStore    *store;       /* borrowed: the worker's */
  GBytes     *key;
  SoupServer *server;
  GHashTable *addresses;   /* host → AddressRecord; dropped once it counts nothing */
  guint       port;
  SoupServerListenOptions listen_options;   /* HTTPS once it has a certificate */
};

G_DEFINE_FINAL_TYPE (TnPeerServer, tn_peer_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_SESSION_OPENED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

/* Helpers ---------------------------------------------------------------- */

/* @host's record, failures forgiven after a quiet period; with @create a
 * new one if it has none. */
static AddressRecord *
lookup_address (TnPeerServer *self,
                const char   *host,
                gboolean      create)
{
  AddressRecord *record = g_hash_table_lookup (self->addresses, host);

  if (record != NULL && record->failures > 0 &&
      g_get_monotonic_time () - record->last_failure > FORGET_AFTER_US)
    record->failures = 0;
  if (record != NULL && record->failures == 0 && record->in_progress == 0)
    {
      g_hash_table_remove (self->addresses, host);
      record = NULL;
    }
  if (record == NULL && create)
    {
      record = g_new0 (AddressRecord, 1);
      g_hash_table_insert (self->addresses, g_strdup (host), record);
    }
  return record;
}

static void
count_failure (AddressRecord *record,
               const char    *host)
{
  record->failures++;
  record->last_failure = g_get_monotonic_time ();
  if (record->failures == SLOW_AFTER_FAILURES)
    g_message ("%s failed the sync handshake %u times; slowing it down", host,
               record->failures);
}

/* The session's handshake is over (either way): it leaves in_progress,
 * once only. */
static void
end_handshake (TnPeerSession *session,
               AddressRecord *record)
{
  if (g_object_get_data (G_OBJECT (session), HANDSHAKING_KEY) == NULL)
    return;
  g_object_set_data (G_OBJECT (session), HANDSHAKING_KEY, NULL);
  g_assert (record->in_progress > 0);
  record->in_progress--;
}

static guint
hello_delay_for (AddressRecord *record)
{
  guint shift;

  if (record->failures < SLOW_AFTER_FAILURES)
    return 0;
  shift = MIN (record->failures - SLOW_AFTER_FAILURES, 6);
  return MIN (500u << shift, MAX_HELLO_DELAY_MS);
}

static void
refuse (SoupWebsocketConnection *connection,
        const char              *why)
{
  g_autofree char *frame = tn_sync_encode_error (TN_SYNC_CLOSE_AUTH, why);

  soup_websocket_connection_send_text (connection, frame);
  soup_websocket_connection_close (connection, TN_SYNC_CLOSE_AUTH, NULL);
}

/* Callbacks -------------------------------------------------------------- */

static void
session_ready_cb (TnPeerSession *session,
                  gpointer       user_data)
{
  TnPeerServer *self = user_data;
  const char *host = g_object_get_data (G_OBJECT (session), "tn-host");
  AddressRecord *record = lookup_address (self, host, TRUE);

  /* It holds the key: its address's failures are forgiven. */
  end_handshake (session, record);
  record->failures = 0;
  lookup_address (self, host, FALSE);   /* drops the record if now empty */
}

static void
session_closed_cb (TnPeerSession *session,
                   gpointer       user_data)
{
  TnPeerServer *self = user_data;
  const char *host = g_object_get_data (G_OBJECT (session), "tn-host");
  AddressRecord *record = lookup_address (self, host, TRUE);

  g_signal_handlers_disconnect_by_data (session, self);
  end_handshake (session, record);
  if (tn_peer_session_get_auth_failed (session))
    count_failure (record, host);
  lookup_address (self, host, FALSE);   /* drops the record if now empty */
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  TnPeerServer *self = user_data;
  const char *host = soup_server_message_get_remote_host (msg);
  g_autoptr(TnPeerSession) session = NULL;
  g_autofree char *label = NULL;
  AddressRecord *record;

  ASSERT_OWNER (self);
  if (host == NULL)
    host = "?";
  record = lookup_address (self, host, TRUE);
  if (record->in_progress >= MAX_HANDSHAKES_IN_PROGRESS)
    {
      /* More at once than any lane opens: a guess, refused and counted. */
      count_failure (record, host);
      refuse (connection, _("Too many handshakes at once from this address; try again later"));
      return;
    }
  /* Those in progress may all fail: count them in before the limit. */
  if (record->failures + record->in_progress >= REFUSE_AFTER_FAILURES)
    {
      refuse (connection, _("Too many failed handshakes from this address; try again later"));
      lookup_address (self, host, FALSE);   /* drops the record if empty */
      return;
    }

  label = g_strdup_printf ("%s (incoming)", host);
  session = tn_peer_session_new (self->store, self->key, connection, TN_PEER_ROLE_SERVER,
                                 label);
  g_object_set_data_full (G_OBJECT (session), "tn-host", g_strdup (host), g_free);
  /* In progress from now until ready or closed (see end_handshake ()). */
  record->in_progress++;
  g_object_set_data (G_OBJECT (session), HANDSHAKING_KEY, GINT_TO_POINTER (TRUE));
  g_signal_connect (session, "ready", G_CALLBACK (session_ready_cb), self);
  g_signal_connect (session, "closed", G_CALLBACK (session_closed_cb), self);
  g_signal_emit (self, signals[SIGNAL_SESSION_OPENED], 0, session);
  /* The delay is the one the failures counted so far call for. */
  tn_peer_session_start (session, hello_delay_for (record));
}

/* Overrides -------------------------------------------------------------- */

static void
tn_peer_server_dispose (GObject *object)
{
  TnPeerServer *self = TN_PEER_SERVER (object);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  G_OBJECT_CLASS (tn_peer_server_parent_class)->dispose (object);
}

static void
tn_peer_server_finalize (GObject *object)
{
  TnPeerServer *self = TN_PEER_SERVER (object);

  g_clear_pointer (&self->key, g_bytes_unref);
  g_clear_pointer (&self->addresses, g_hash_table_unref);
  G_OBJECT_CLASS (tn_peer_server_parent_class)->finalize (object);
}

static void
tn_peer_server_class_init (TnPeerServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tn_peer_server_dispose;
  object_class->finalize = tn_peer_server_finalize;

  /* Worker thread: a new incoming session, before its handshake. */
  signals[SIGNAL_SESSION_OPENED] = g_signal_new ("session-opened", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, TN_TYPE_PEER_SESSION);
}

static void
tn_peer_server_init (TnPeerServer *self)
{
  self->owner = g_thread_self ();
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Public API ------------------------------------------------------------- */

TnPeerServer *
tn_peer_server_new (TnStore *store,
                    GBytes  *key)
{
  TnPeerServer *self;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (TN_TYPE_PEER_SERVER, NULL);
  self->store = store;
  self->key = g_bytes_ref (key);
  self->server = soup_server_new ("server-header", "tendero-sync ", NULL);
  tn_ws_deflate_use_in_server (self->server);
  soup_server_add_websocket_handler (self->server, TN_PEER_SYNC_PATH, NULL, NULL,
                                     websocket_cb, self, NULL);
  return self;
}

gboolean
tn_peer_server_listen (TnPeerServer  *self,
                       const char    *address,
                       guint          port,
                       GError       **error)
{
  GSList *uris;
  gboolean ok;

  g_return_val_if_fail (TN_IS_PEER_SERVER (self), FALSE);
  ASSERT_OWNER (self);

  if (address == NULL)
    ok = soup_server_listen_all (self->server, port, self->listen_options, error);
  else
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
      g_autoptr(GSocketAddress) socket_address = NULL;

      if (inet == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not an IP address"), address);
          return FALSE;
        }
      socket_address = g_inet_socket_address_new (inet, port);
      ok = soup_server_listen (self->server, socket_address, self->listen_options, error);
    }
  if (!ok)
    return FALSE;

  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    self->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return TRUE;
}

void
tn_peer_server_set_tls_certificate (TnPeerServer    *self,
                                    GTlsCertificate *certificate)
{
  g_return_if_fail (TN_IS_PEER_SERVER (self));
  g_return_if_fail (G_IS_TLS_CERTIFICATE (certificate));
  ASSERT_OWNER (self);

  g_object_set (self->server, "tls-certificate", certificate, NULL);
  self->listen_options |= SOUP_SERVER_LISTEN_HTTPS;
}

guint
tn_peer_server_get_port (TnPeerServer *self)
{
  g_return_val_if_fail (TN_IS_PEER_SERVER (self), 0);
  return self->port;
}

void
tn_peer_server_stop (TnPeerServer *self)
{
  g_return_if_fail (TN_IS_PEER_SERVER (self));
  ASSERT_OWNER (self);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  self->port = 0;
}
