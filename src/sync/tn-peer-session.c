/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-session.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-digest.h"
#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-queries.h"
#include "tn-sync-auth.h"
#include "tn-sync-protocol.h"
#include "tn-sync-util.h"

/* Frames sent and not yet acked before we wait for the peer. */
#define MAX_IN_FLIGHT          4
/* Events read from the log per origin at a time (never the whole log). */
#define CURSOR_CHUNK           128
#define HANDSHAKE_TIMEOUT_MS   10000
#define DIGEST_IDLE_MS         1000
#define DIGEST_PERIOD_S        600
#define FISCAL_REQUEST_GAP_US  (5 * G_USEC_PER_SEC)
#define KEEPALIVE_S            15

/* An event read from the log, waiting in its origin's cursor. */
typedef struct
{
  char   hlc[17];   /* 16 hex digits: string order is clock order */
  gint64 seq;
  char  *text;
} Pending;

struct _TnPeerSession
{
  GObject parent_instance;

  /* Every field belongs to the sync worker thread that created the
   * session (asserted in the entry points). */
  GThread                 *owner;
  TnStore                 *store;          /* borrowed: the worker's */
  GBytes                  *key;
  SoupWebsocketConnection *connection;
  TnPeerRole               role;
  char                    *label;
  TnPeerSessionState       state;
  gboolean                 auth_failed;

  char                    *our_nonce;
  char                    *peer_nonce;
  char                    *peer_replica;
  char                    *peer_terminal;
  TnVersionVector         *peer_vv;        /* what the peer is known to hold */
  TnVersionVector         *sent_vv;        /* peer_vv + what we sent it here */
  TnVersionVector         *recv_vv;        /* what it sent us here, held back too */
  GHashTable              *cursors;        /* origin → GQueue of Pending */
  guint                    in_flight;
  gint64                   acked_own;      /* our seq the peer acked, for the outbox */
  TnVersionVector         *digest_vv;      /* vv of the last digest sent */
  char                    *peer_digest;    /* its state_hash while we ask for buckets */
  gint64                   last_seen;
  gint64                   last_fiscal_request;

  guint                    hello_source;
  guint                    handshake_timeout_source;
  guint                    digest_source;
  guint                    periodic_digest_source;
};

G_DEFINE_FINAL_TYPE (TnPeerSession, tn_peer_session, G_TYPE_OBJECT)

enum
{
  SIGNAL_READY,
  SIGNAL_CLOSED,
  SIGNAL_STORE_CHANGED,
  SIGNAL_DIVERGENCE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

/* Helpers ---------------------------------------------------------------- */

static void
pending_free (Pending *pending)
{
  g_free (pending->text);
  g_free (pending);
}

static void
cursor_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) pending_free);
}

/* The record's clock.  Canonical JSON sorts the members, and the only
 * members before "hlc" are "deps" (UUID keys, integers), "event_id" and
 * "hash" (hex), so the first "hlc" is the record's own. */
static void
extract_hlc (const char *text,
             char        out[17])
{
  const char *found = strstr (text, "\"hlc\":\"");

  memset (out, 0, 17);
  if (found != NULL && strlen (found + 7) >= 16)
    memcpy (out, found + 7, 16);
}

static void
send_text (TnPeerSession *self,
           const char    *text)
{
  if (self->connection != NULL &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (self->connection, text);
}

static void
stop_timers (TnPeerSession *self)
{
  tn_sync_clear_source (&self->hello_source);
  tn_sync_clear_source (&self->handshake_timeout_source);
  tn_sync_clear_source (&self->digest_source);
  tn_sync_clear_source (&self->periodic_digest_source);
}

/* Sends an error frame, then closes with the code for @error. */
static void
fail (TnPeerSession *self,
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
  send_text (self, frame);
  stop_timers (self);
  if (soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, code, NULL);
}

static TnVersionVector *
local_vv (TnPeerSession  *self,
          GError        **error)
{
  return tn_store_get_version_vector (self->store, error);
}

static void
send_hello (TnPeerSession *self,
            const char    *mac)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = local_vv (self, &error);
  g_autofree char *frame = NULL;

  if (vv == NULL)
    {
      fail (self, error);
      return;
    }
  frame = tn_sync_encode_hello (tn_store_get_store_id (self->store),
                                tn_store_get_replica_id (self->store),
                                tn_store_get_terminal (self->store),
                                self->our_nonce, vv, mac);
  send_text (self, frame);
}

/* Streaming -------------------------------------------------------------- */

/* Makes sure the cursor of @origin holds the next events past what was
 * sent, reading one chunk from the log when it ran dry. */
static gboolean
fill_cursor (TnPeerSession  *self,
             const char     *origin,
             gint64          have,
             GQueue         *queue,
             GError        **error)
{
  gint64 after = tn_version_vector_get (self->sent_vv, origin);
  g_autoptr(GPtrArray) texts = NULL;

  /* The peer may have learnt events from elsewhere (its acks say so). */
  while (!g_queue_is_empty (queue) && ((Pending *) g_queue_peek_head (queue))->seq <= after)
    pending_free (g_queue_pop_head (queue));
  if (!g_queue_is_empty (queue) || after >= have)
    return TRUE;

  texts = tn_store_read_events (self->store, origin, after, CURSOR_CHUNK, error);
  if (texts == NULL)
    return FALSE;
  for (guint i = 0; i < texts->len; i++)
    {
      Pending *pending = g_new0 (Pending, 1);

      /* Every origin's log is gap-free: the i-th record is after + 1 + i. */
      pending->seq = after + 1 + i;
      pending->text = g_steal_pointer (&texts->pdata[i]);
      extract_hlc (pending->text, pending->hlc);
      g_queue_push_tail (queue, pending);
    }
  return TRUE;
}

/* The next "events" frames: what the peer lacks, merged across origins
 * in clock order (a causal order, so the peer never has to hold an
 * event back for a predecessor we have not sent yet), each origin in seq
 * order.  Returns an empty array when the peer has everything. */
static GPtrArray *
build_frames (TnPeerSession  *self,
              GError        **error)
{
  g_autoptr(TnVersionVector) vv = local_vv (self, error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) origins = NULL;
  gsize bytes = 0;

  if (vv == NULL)
    return NULL;
  tn_version_vector_merge (self->sent_vv, self->peer_vv);
  origins = tn_version_vector_origins (vv);

  while (batch->len < TN_SYNC_MAX_BATCH_EVENTS)
    {
      const char *best_origin = NULL;
      GQueue *best = NULL;
      Pending *pending;

      for (guint i = 0; i < origins->len; i++)
        {
          const char *origin = origins->pdata[i];
          gint64 have = tn_version_vector_get (vv, origin);
          GQueue *queue;

          if (have <= tn_version_vector_get (self->sent_vv, origin))
            continue;
          queue = g_hash_table_lookup (self->cursors, origin);
          if (queue == NULL)
            {
              queue = g_queue_new ();
              g_hash_table_insert (self->cursors, g_strdup (origin), queue);
            }
          if (!fill_cursor (self, origin, have, queue, error))
            return NULL;
          if (g_queue_is_empty (queue))
            continue;
          if (best == NULL ||
              strcmp (((Pending *) g_queue_peek_head (queue))->hlc,
                      ((Pending *) g_queue_peek_head (best))->hlc) < 0)
            {
              best = queue;
              best_origin = origin;
            }
        }
      if (best == NULL)
        break;
      pending = g_queue_peek_head (best);
      if (batch->len > 0 && bytes + strlen (pending->text) + 1 > TN_SYNC_MAX_BATCH_BYTES - 1024)
        break;
      g_queue_pop_head (best);
      bytes += strlen (pending->text) + 1;
      tn_version_vector_merge_one (self->sent_vv, best_origin, pending->seq);
      g_ptr_array_add (batch, g_steal_pointer (&pending->text));
      pending_free (pending);
    }

  if (batch->len == 0)
    return g_ptr_array_new_with_free_func (g_free);
  return tn_sync_encode_event_batches (batch);
}

static gboolean
digest_idle_cb (gpointer user_data);

/* The digest goes out once both sides hold the same events and the link
 * has been quiet for DIGEST_IDLE_MS: any traffic re-arms the timer, and
 * a digest of a state the peer is still catching up to is worthless (it
 * costs a pass over every projection row). */
static void
maybe_schedule_digest (TnPeerSession   *self,
                       TnVersionVector *vv)
{
  if (self->digest_vv != NULL && tn_version_vector_equal (self->digest_vv, vv))
    return;
  tn_sync_clear_source (&self->digest_source);
  self->digest_source = tn_sync_timeout_add (DIGEST_IDLE_MS, digest_idle_cb, self);
}

static void
pump (TnPeerSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;

  if (self->state != TN_PEER_SESSION_READY)
    return;
  while (self->in_flight < MAX_IN_FLIGHT)
    {
      g_autoptr(GPtrArray) frames = build_frames (self, &error);

      if (frames == NULL)
        {
          fail (self, error);
          return;
        }
      if (frames->len == 0)
        break;
      for (guint i = 0; i < frames->len; i++)
        {
          send_text (self, frames->pdata[i]);
          self->in_flight++;
        }
    }
  if (self->in_flight > 0)
    return;
  /* Caught up: tell the peer what our state is once things settle. */
  vv = local_vv (self, NULL);
  if (vv != NULL && tn_version_vector_equal (self->peer_vv, vv))
    maybe_schedule_digest (self, vv);
}

static void
send_digest (TnPeerSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = local_vv (self, &error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  g_autofree char *frame = NULL;

  if (vv == NULL || !tn_store_compute_digest (self->store, digest, &error))
    {
      fail (self, error);
      return;
    }
  frame = tn_sync_encode_digest (vv, digest->state_hash);
  send_text (self, frame);
  g_clear_pointer (&self->digest_vv, tn_version_vector_free);
  self->digest_vv = g_steal_pointer (&vv);
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
  send_text (self, frame);
}

static void
become_ready (TnPeerSession *self)
{
  tn_sync_clear_source (&self->handshake_timeout_source);
  self->state = TN_PEER_SESSION_READY;
  g_message ("Synchronising with terminal %s (%s, %s)", self->peer_terminal, self->label,
             self->role == TN_PEER_ROLE_SERVER ? "incoming" : "outgoing");
  g_signal_emit (self, signals[SIGNAL_READY], 0);
  if (self->state != TN_PEER_SESSION_READY)
    return;
  pump (self);
  maybe_request_block (self);
}

/* Message handlers ------------------------------------------------------- */

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

static gboolean
handle_handshake (TnPeerSession  *self,
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
      send_text (self, frame);
      become_ready (self);
      return TRUE;
    }

  g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE,
               _("Unexpected “%s” message during the handshake"),
               tn_sync_message_type_to_string (message->type));
  return FALSE;
}

static gboolean
handle_events (TnPeerSession  *self,
               TnSyncMessage  *message,
               GError        **error)
{
  g_autoptr(TnVersionVector) vv = local_vv (self, error);
  g_autoptr(TnVersionVector) after = NULL;
  g_autofree char *ack = NULL;
  TnApplyResult result = { 0 };

  if (vv == NULL)
    return FALSE;
  /* Traffic: the link is not idle, so no digest yet (pump re-arms it). */
  tn_sync_clear_source (&self->digest_source);

  /* A peer streams each origin in seq order, continuing from what we
   * hold or what it already sent: a skip is a broken peer.  (Events may
   * still wait for predecessors another peer is sending us, so the store
   * is asked to hold those back rather than refuse them.) */
  for (guint i = 0; i < message->events->len; i++)
    {
      const TnEvent *event = message->events->pdata[i];
      gint64 expected = MAX (tn_version_vector_get (vv, event->origin),
                             tn_version_vector_get (self->recv_vv, event->origin)) + 1;

      if (event->seq > expected)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_SEQ_GAP,
                       _("Events of replica %s skip from seq %" PRId64 " to %" PRId64
                         "; nothing from this batch was stored"),
                       event->origin, expected - 1, event->seq);
          return FALSE;
        }
      tn_version_vector_merge_one (self->recv_vv, event->origin, event->seq);
    }

  if (!tn_store_apply_remote (self->store, message->events, TN_APPLY_FLAGS_NONE, &result,
                              error))
    return FALSE;

  for (guint i = 0; i < message->events->len; i++)
    {
      const TnEvent *event = message->events->pdata[i];

      tn_version_vector_merge_one (self->peer_vv, event->origin, event->seq);
    }

  after = local_vv (self, error);
  if (after == NULL)
    return FALSE;
  ack = tn_sync_encode_ack (after);
  send_text (self, ack);
  if (result.applied > 0)
    g_signal_emit (self, signals[SIGNAL_STORE_CHANGED], 0, result.applied);
  /* Caught up now?  pump () arms the digest once the link goes quiet. */
  if (self->state == TN_PEER_SESSION_READY)
    pump (self);
  return TRUE;
}

static gboolean
handle_ack (TnPeerSession  *self,
            TnSyncMessage  *message,
            GError        **error)
{
  const char *own = tn_store_get_replica_id (self->store);
  gint64 acked_own = tn_version_vector_get (message->vv, own);

  tn_version_vector_merge (self->peer_vv, message->vv);
  if (self->in_flight > 0)
    self->in_flight--;
  if (acked_own > self->acked_own)
    {
      if (tn_store_outbox_advance (self->store, message->vv, TN_OUTBOX_PEER_ACK, error) < 0)
        return FALSE;
      self->acked_own = acked_own;
    }
  pump (self);
  return TRUE;
}

static gboolean
handle_digest (TnPeerSession  *self,
               TnSyncMessage  *message,
               GError        **error)
{
  g_autoptr(TnVersionVector) vv = local_vv (self, error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  g_autofree char *frame = NULL;

  if (vv == NULL)
    return FALSE;
  tn_version_vector_merge (self->peer_vv, message->vv);
  /* Different histories are not comparable yet; catch-up continues. */
  if (!tn_version_vector_equal (vv, message->vv))
    {
      pump (self);
      return TRUE;
    }
  if (!tn_store_compute_digest (self->store, digest, error))
    return FALSE;
  if (g_str_equal (digest->state_hash, message->state_hash))
    return TRUE;

  g_message ("Terminal %s holds the same events as this lane but a different state "
             "(%s ≠ %s): locating the difference", self->peer_terminal,
             message->state_hash, digest->state_hash);
  g_free (self->peer_digest);
  self->peer_digest = g_strdup (message->state_hash);
  frame = tn_sync_encode_buckets_request (vv);
  send_text (self, frame);
  return TRUE;
}

static gboolean
handle_buckets_request (TnPeerSession  *self,
                        TnSyncMessage  *message,
                        GError        **error)
{
  g_autoptr(TnVersionVector) vv = local_vv (self, error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  const char *buckets[TN_DIGEST_BUCKETS];
  g_autofree char *frame = NULL;

  if (vv == NULL || !tn_store_compute_digest (self->store, digest, error))
    return FALSE;
  for (guint i = 0; i < TN_DIGEST_BUCKETS; i++)
    buckets[i] = digest->buckets[i];
  frame = tn_sync_encode_buckets (vv, buckets);
  send_text (self, frame);
  return TRUE;
}

static gboolean
handle_buckets (TnPeerSession  *self,
                TnSyncMessage  *message,
                GError        **error)
{
  g_autoptr(TnVersionVector) vv = local_vv (self, error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *vv_text = NULL;

  if (vv == NULL)
    return FALSE;
  if (self->peer_digest == NULL || !tn_version_vector_equal (vv, message->vv))
    return TRUE;   /* the histories moved on: the next digest tells */
  if (!tn_store_compute_digest (self->store, digest, error))
    return FALSE;
  for (guint i = 0; i < TN_DIGEST_BUCKETS; i++)
    {
      g_autoptr(GPtrArray) in_bucket = NULL;

      if (g_str_equal (digest->buckets[i], message->buckets[i]))
        continue;
      in_bucket = tn_store_bucket_entities (self->store, i, error);
      if (in_bucket == NULL)
        return FALSE;
      if (in_bucket->len == 0)
        g_ptr_array_add (entities, g_strdup_printf ("bucket:%u", i));
      for (guint j = 0; j < in_bucket->len; j++)
        g_ptr_array_add (entities, g_strdup (in_bucket->pdata[j]));
    }
  g_ptr_array_add (entities, NULL);
  vv_text = tn_version_vector_to_string (vv);
  g_signal_emit (self, signals[SIGNAL_DIVERGENCE], 0, vv_text, digest->state_hash,
                 self->peer_digest, (GStrv) entities->pdata);
  g_clear_pointer (&self->peer_digest, g_free);
  return TRUE;
}

/* The authority tops the asking device up to a full reserve. */
static gboolean
handle_fiscal_block_request (TnPeerSession  *self,
                             TnSyncMessage  *message,
                             GError        **error)
{
  guint granted = 0;

  if (!tn_store_is_fiscal_authority (self->store))
    {
      g_debug ("Ignoring a fiscal block request from %s: not the fiscal authority",
               self->label);
      return TRUE;
    }
  if (g_strcmp0 (message->device, self->peer_replica) != 0)
    {
      g_message ("Terminal %s asked for fiscal numbers for another device (%s); ignored",
                 self->peer_terminal, message->device);
      return TRUE;
    }

  for (guint i = 0; i < TN_FISCAL_RESERVE_BLOCKS + 1; i++)
    {
      g_autoptr(TnEvent) grant = NULL;
      if (!tn_fiscal_device_wants_block (self->store, message->device))
        break;
      grant = tn_fiscal_grant_block_now (self->store, message->device, message->terminal,
                                         error);
      if (grant == NULL)
        return FALSE;
      granted++;
    }
  if (granted > 0)
    {
      g_message ("Granted %u fiscal blocks to terminal %s", granted, message->terminal);
      g_signal_emit (self, signals[SIGNAL_STORE_CHANGED], 0, 0u);
    }
  return TRUE;
}

static gboolean
handle_inventory_request (TnPeerSession  *self,
                          TnSyncMessage  *message,
                          GError        **error)
{
  g_autoptr(GPtrArray) products = tn_store_list_products (self->store, NULL, 0, error);
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (TnSyncInventoryItem));
  g_autofree char *frame = NULL;

  if (products == NULL)
    return FALSE;
  for (guint i = 0; i < products->len && items->len < TN_SYNC_MAX_INVENTORY_SKUS; i++)
    {
      TnProductInfo *info = products->pdata[i];
      TnSyncInventoryItem item = { info->sku, info->stock };

      if (message->skus == NULL || g_strv_contains ((const char * const *) message->skus,
                                                    info->sku))
        g_array_append_val (items, item);
    }
  frame = tn_sync_encode_inventory_response ((TnSyncInventoryItem *) items->data, items->len);
  send_text (self, frame);
  return TRUE;
}

static gboolean
handle_message (TnPeerSession  *self,
                TnSyncMessage  *message,
                GError        **error)
{
  if (message->type == TN_SYNC_MESSAGE_ERROR)
    {
      g_message ("Terminal %s (%s) reported an error %d: %s",
                 self->peer_terminal ? self->peer_terminal : "?", self->label, message->code,
                 message->message);
      return TRUE;   /* its close follows */
    }
  if (self->state == TN_PEER_SESSION_HANDSHAKE)
    return handle_handshake (self, message, error);

  switch (message->type)
    {
    case TN_SYNC_MESSAGE_EVENTS:
      return handle_events (self, message, error);
    case TN_SYNC_MESSAGE_ACK:
      return handle_ack (self, message, error);
    case TN_SYNC_MESSAGE_DIGEST:
      return handle_digest (self, message, error);
    case TN_SYNC_MESSAGE_BUCKETS_REQUEST:
      return handle_buckets_request (self, message, error);
    case TN_SYNC_MESSAGE_BUCKETS:
      return handle_buckets (self, message, error);
    case TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST:
      return handle_fiscal_block_request (self, message, error);
    case TN_SYNC_MESSAGE_INVENTORY_REQUEST:
      return handle_inventory_request (self, message, error);
    case TN_SYNC_MESSAGE_INVENTORY_RESPONSE:
      g_debug ("Inventory from %s: %u SKUs", self->label, message->items->len);
      return TRUE;
    case TN_SYNC_MESSAGE_HELLO:
    case TN_SYNC_MESSAGE_WELCOME:
    case TN_SYNC_MESSAGE_ERROR:
    case TN_SYNC_MESSAGE_N_TYPES:
    default:
      g_set_error (error, TN_ERROR, TN_ERROR_UNKNOWN_TYPE,
                   _("Unexpected “%s” message after the handshake"),
                   tn_sync_message_type_to_string (message->type));
      return FALSE;
    }
}

/* Callbacks -------------------------------------------------------------- */

static void
connection_message_cb (SoupWebsocketConnection *connection,
                       gint                     type,
                       GBytes                  *data,
                       gpointer                 user_data)
{
  TnPeerSession *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSyncMessage) message = NULL;
  g_autoptr(TnPeerSession) hold = g_object_ref (self);
  gsize length;
  const char *text = g_bytes_get_data (data, &length);

  ASSERT_OWNER (self);
  if (self->state == TN_PEER_SESSION_CLOSED)
    return;
  self->last_seen = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_set_error (&error, TN_ERROR, TN_ERROR_INVALID,
                   _("The sync protocol uses text frames only"));
      fail (self, error);
      return;
    }
  message = tn_sync_message_decode (text, length, tn_store_get_store_id (self->store), &error);
  if (message == NULL || !handle_message (self, message, &error))
    fail (self, error);
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
  if (self->state == TN_PEER_SESSION_READY || self->auth_failed)
    g_message ("Connection with %s%s%s closed (%u)", self->label,
               self->peer_terminal ? ", terminal " : "",
               self->peer_terminal ? self->peer_terminal : "", code);
  self->state = TN_PEER_SESSION_CLOSED;
  stop_timers (self);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0);
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
  fail (self, error);
  return G_SOURCE_REMOVE;
}

static gboolean
digest_idle_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  g_autoptr(TnVersionVector) vv = NULL;

  self->digest_source = 0;
  if (self->state != TN_PEER_SESSION_READY || self->in_flight != 0)
    return G_SOURCE_REMOVE;
  vv = local_vv (self, NULL);
  if (vv != NULL && tn_version_vector_equal (self->peer_vv, vv))
    send_digest (self);
  return G_SOURCE_REMOVE;
}

static gboolean
periodic_digest_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  if (self->state == TN_PEER_SESSION_READY)
    send_digest (self);
  return G_SOURCE_CONTINUE;
}

/* Overrides -------------------------------------------------------------- */

static void
tn_peer_session_dispose (GObject *object)
{
  TnPeerSession *self = TN_PEER_SESSION (object);

  stop_timers (self);
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
  G_OBJECT_CLASS (tn_peer_session_parent_class)->finalize (object);
}

static void
tn_peer_session_class_init (TnPeerSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tn_peer_session_dispose;
  object_class->finalize = tn_peer_session_finalize;

  /* Worker-thread signals (see the header). */
  signals[SIGNAL_READY] = g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
  /* The local store gained events (@applied from the peer; 0 for our own
   * fiscal grants). */
  signals[SIGNAL_STORE_CHANGED] = g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_UINT);
  /* vv text, local hash, peer hash, entities. */
  signals[SIGNAL_DIVERGENCE] = g_signal_new ("divergence", G_TYPE_FROM_CLASS (klass),
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
                                         (GDestroyNotify) cursor_free);
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
   * Past twice the limit libsoup still drops it, unread. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, 2 * TN_SYNC_MAX_FRAME);
  soup_websocket_connection_set_keepalive_interval (connection, KEEPALIVE_S);
  g_signal_connect (connection, "message", G_CALLBACK (connection_message_cb), self);
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

  pump (self);
  maybe_request_block (self);
}

void
tn_peer_session_close (TnPeerSession *self)
{
  g_return_if_fail (TN_IS_PEER_SESSION (self));
  ASSERT_OWNER (self);

  stop_timers (self);
  if (self->connection != NULL &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
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

gboolean
tn_peer_session_is_compressed (TnPeerSession *self)
{
  g_return_val_if_fail (TN_IS_PEER_SESSION (self), FALSE);
  return self->connection != NULL &&
         soup_websocket_connection_get_extensions (self->connection) != NULL;
}
