/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-session-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-digest.h"
#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-queries.h"
#include "tn-sync-util.h"

/* Message handlers ------------------------------------------------------- */

static gboolean
handle_events (TnPeerSession  *self,
               TnSyncMessage  *message,
               GError        **error)
{
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, error);
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
  self->events_received += message->events->len;
  self->events_duplicate += result.duplicates;

  for (guint i = 0; i < message->events->len; i++)
    {
      const TnEvent *event = message->events->pdata[i];

      tn_version_vector_merge_one (self->peer_vv, event->origin, event->seq);
    }

  after = tn_peer_session_local_vv_internal (self, error);
  if (after == NULL)
    return FALSE;
  ack = tn_sync_encode_ack (after);
  tn_peer_session_send_text_internal (self, ack);
  if (result.applied > 0)
    g_signal_emit (self, tn_peer_session_signals[SIGNAL_STORE_CHANGED], 0, result.applied);
  /* Caught up now?  pump () arms the digest once the link goes quiet. */
  if (self->state == TN_PEER_SESSION_READY)
    tn_peer_session_pump_internal (self);
  return TRUE;
}

static gboolean
handle_ack (TnPeerSession  *self,
            TnSyncMessage  *message,
            GError        **error)
{
  const char *own = tn_store_get_replica_id (self->store);
  gint64 acked_own = tn_version_vector_get (message->vv, own);

  tn_peer_session_note_ack_internal (self, message->vv);
  tn_version_vector_merge (self->peer_vv, message->vv);
  self->acked_any = TRUE;
  if (self->in_flight > 0)
    self->in_flight--;
  if (acked_own > self->acked_own)
    {
      if (tn_store_outbox_advance (self->store, message->vv, TN_OUTBOX_PEER_ACK, error) < 0)
        return FALSE;
      self->acked_own = acked_own;
    }
  tn_peer_session_pump_internal (self);
  return TRUE;
}

static gboolean
handle_digest (TnPeerSession  *self,
               TnSyncMessage  *message,
               GError        **error)
{
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  g_autofree char *frame = NULL;

  if (vv == NULL)
    return FALSE;
  tn_version_vector_merge (self->peer_vv, message->vv);
  /* Different histories are not comparable yet; catch-up continues. */
  if (!tn_version_vector_equal (vv, message->vv))
    {
      tn_peer_session_pump_internal (self);
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
  tn_peer_session_send_text_internal (self, frame);
  return TRUE;
}

static gboolean
handle_buckets_request (TnPeerSession  *self,
                        TnSyncMessage  *message,
                        GError        **error)
{
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  const char *buckets[TN_DIGEST_BUCKETS];
  g_autofree char *frame = NULL;

  if (vv == NULL || !tn_store_compute_digest (self->store, digest, error))
    return FALSE;
  for (guint i = 0; i < TN_DIGEST_BUCKETS; i++)
    buckets[i] = digest->buckets[i];
  frame = tn_sync_encode_buckets (vv, buckets);
  tn_peer_session_send_text_internal (self, frame);
  return TRUE;
}

static gboolean
handle_buckets (TnPeerSession  *self,
                TnSyncMessage  *message,
                GError        **error)
{
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, error);
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
  g_signal_emit (self, tn_peer_session_signals[SIGNAL_DIVERGENCE], 0, vv_text, digest->state_hash,
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
      g_signal_emit (self, tn_peer_session_signals[SIGNAL_STORE_CHANGED], 0, 0u);
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
  tn_peer_session_send_text_internal (self, frame);
  return TRUE;
}

gboolean
tn_peer_session_handle_message_internal (TnPeerSession  *self,
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
    return tn_peer_session_handle_handshake_internal (self, message, error);

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
