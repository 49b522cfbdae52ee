/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-peer-session-private.h"

#include <string.h>

#include "tn-digest.h"
#include "tn-sync-util.h"

/* An event read from the log, waiting in its origin's cursor. */
typedef struct
{
  char   hlc[17];   /* 16 hex digits: string order is clock order */
  gint64 seq;
  char  *text;
} Pending;

/* Helpers ---------------------------------------------------------------- */

static void
pending_free (Pending *pending)
{
  g_free (pending->text);
  g_free (pending);
}

void
tn_peer_session_cursor_free_internal (GQueue *queue)
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

/* Relaying a third lane's events (RELAY_PAUSE_MS) ------------------------ */

/* What we know of a third lane's origin for this peer.  With no entry
 * yet, it gets a probe. */
typedef struct
{
  gint64   until;        /* monotonic µs: not relayed before this */
  gboolean probe_sent;   /* a probe went out: its ack decides, or a new
                          * probe goes at @until */
  guint    quiet_probes; /* acks of probes that showed nobody else feeds it */
  gboolean relaying;     /* RELAY_QUIET_PROBES of them in a row */
} RelayState;

static gboolean
relay_resume_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  self->relay_resume_source = 0;
  tn_peer_session_pump_internal (self);
  return G_SOURCE_REMOVE;
}

/* How many events of the third lane's @origin this frame may carry: a
 * probe at first, any number once relaying, none while paused (and then
 * we look again when the pause ends), a probe after that. */
static guint
relay_allowance (TnPeerSession *self,
                 const char    *origin,
                 gint64         now)
{
  RelayState *state = g_hash_table_lookup (self->relays, origin);

  if (state == NULL)
    return RELAY_PROBE_EVENTS;
  if (state->relaying)
    return G_MAXUINT;
  if (state->until > now)
    {
      if (self->relay_resume_source == 0)
        self->relay_resume_source = tn_sync_timeout_add ((state->until - now) / 1000 + 1,
                                                         relay_resume_cb, self);
      return 0;
    }
  return RELAY_PROBE_EVENTS;
}

static RelayState *
relay_state (TnPeerSession *self,
             const char    *origin)
{
  RelayState *state = g_hash_table_lookup (self->relays, origin);

  if (state == NULL)
    {
      state = g_new0 (RelayState, 1);
      g_hash_table_insert (self->relays, g_strdup (origin), state);
    }
  return state;
}

/* After a frame: @origin went in it, as a probe unless already relaying. */
static void
relay_sent (TnPeerSession *self,
            const char    *origin,
            gint64         now)
{
  RelayState *state = relay_state (self, origin);

  if (state->relaying)
    return;
  state->probe_sent = TRUE;
  state->until = now + RELAY_PAUSE_MS * G_TIME_SPAN_MILLISECOND;
}

void
tn_peer_session_note_ack_internal (TnPeerSession   *self,
                                   TnVersionVector *vv)
{
  const char *own = tn_store_get_replica_id (self->store);
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (vv);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = origins->pdata[i];
      gint64 acked = tn_version_vector_get (vv, origin);
      gint64 sent = tn_version_vector_get (self->sent_vv, origin);
      RelayState *state = g_hash_table_lookup (self->relays, origin);

      /* Only third lanes' origins are relayed. */
      if (strcmp (origin, own) == 0 || g_strcmp0 (origin, self->peer_replica) == 0)
        continue;
      if (acked > sent)
        {
          /* Another lane feeds it: leave this origin to that lane. */
          state = relay_state (self, origin);
          state->relaying = FALSE;
          state->probe_sent = FALSE;
          state->quiet_probes = 0;
          state->until = now + RELAY_PAUSE_MS * G_TIME_SPAN_MILLISECOND;
        }
      else if (acked == sent && state != NULL && state->probe_sent)
        {
          /* It took our probe and nothing more.  Once may be chance (the
           * other lane's stream had not reached it yet); a second time,
           * a pause later, we are its source. */
          state->probe_sent = FALSE;
          state->relaying = ++state->quiet_probes >= RELAY_QUIET_PROBES;
        }
    }
}

/* The next "events" frames: what the peer lacks, merged across origins
 * in clock order (a causal order, so the peer never has to hold an
 * event back for a predecessor we have not sent yet), each origin in seq
 * order.  Returns an empty array when the peer has everything. */
static GPtrArray *
build_frames (TnPeerSession  *self,
              GError        **error)
{
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, error);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) origins = NULL;
  /* origin (borrowed from @origins) → events of it in this frame */
  g_autoptr(GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;
  const char *own = tn_store_get_replica_id (self->store);
  gsize bytes = 0;
  gint64 now;

  if (vv == NULL)
    return NULL;
  tn_version_vector_merge (self->sent_vv, self->peer_vv);
  origins = tn_version_vector_origins (vv);
  now = g_get_monotonic_time ();

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

          if (have <= tn_version_vector_get (self->sent_vv, origin) ||
              (strcmp (origin, own) != 0 &&
               GPOINTER_TO_UINT (g_hash_table_lookup (taken, origin)) >=
               relay_allowance (self, origin, now)))
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
      /* A frame also ends before seq 1 + k·FRAME_ALIGN_EVENTS of an
       * origin.  Peers streamed the same events from different points,
       * or after a relay probe shifted one stream, then soon get the
       * same frames again, which are compressed once for all of them
       * (tn-ws-deflate.c). */
      if (batch->len > 0 && pending->seq % FRAME_ALIGN_EVENTS == 1)
        break;
      g_queue_pop_head (best);
      g_hash_table_insert (taken, (gpointer) best_origin,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (taken, best_origin)) + 1));
      bytes += strlen (pending->text) + 1;
      tn_version_vector_merge_one (self->sent_vv, best_origin, pending->seq);
      g_ptr_array_add (batch, g_steal_pointer (&pending->text));
      pending_free (pending);
    }

  g_hash_table_iter_init (&iter, taken);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (strcmp (key, own) != 0)
      relay_sent (self, key, now);
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

void
tn_peer_session_pump_internal (TnPeerSession *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;

  if (self->state != TN_PEER_SESSION_READY || self->superseded)
    return;
  while (self->in_flight < (self->acked_any ? MAX_IN_FLIGHT : 1))
    {
      g_autoptr(GPtrArray) frames = build_frames (self, &error);

      if (frames == NULL)
        {
          tn_peer_session_fail_internal (self, error);
          return;
        }
      if (frames->len == 0)
        break;
      for (guint i = 0; i < frames->len; i++)
        {
          tn_peer_session_send_text_internal (self, frames->pdata[i]);
          self->in_flight++;
        }
    }
  if (self->in_flight > 0)
    return;
  /* Caught up: tell the peer what our state is once things settle. */
  vv = tn_peer_session_local_vv_internal (self, NULL);
  if (vv != NULL && tn_version_vector_equal (self->peer_vv, vv))
    maybe_schedule_digest (self, vv);
}

void
tn_peer_session_send_digest_internal (TnPeerSession *self,
                                      gboolean       always)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_peer_session_local_vv_internal (self, &error);
  g_autofree TnDigest *digest = g_new0 (TnDigest, 1);
  g_autofree char *frame = NULL;
  g_autofree char *vv_text = NULL;
  g_autofree char *key = NULL;
  g_autofree char *sent = NULL;
  g_autofree char *now = NULL;

  if (vv == NULL || !tn_store_compute_digest (self->store, digest, &error))
    {
      tn_peer_session_fail_internal (self, error);
      return;
    }
  /* After a reconnect, the digest this peer already had from us (same
   * events, same state) tells it nothing: skip it.  Any change on
   * either side changes that side's digest, which then goes out, so a
   * divergence is still found; the periodic digest always goes. */
  vv_text = tn_version_vector_to_string (vv);
  key = g_strconcat ("digest_sent:", self->peer_replica, NULL);
  now = g_strconcat (digest->state_hash, " ", vv_text, NULL);
  sent = tn_store_get_setting (self->store, key);
  if (always || g_strcmp0 (sent, now) != 0)
    {
      frame = tn_sync_encode_digest (vv, digest->state_hash);
      tn_peer_session_send_text_internal (self, frame);
      if (g_strcmp0 (sent, now) != 0 && !tn_store_set_setting (self->store, key, now, &error))
        g_message ("Cannot remember the digest sent to %s: %s", self->label, error->message);
    }
  g_clear_pointer (&self->digest_vv, tn_version_vector_free);
  self->digest_vv = g_steal_pointer (&vv);
}

/* Callbacks -------------------------------------------------------------- */

static gboolean
digest_idle_cb (gpointer user_data)
{
  TnPeerSession *self = user_data;

  g_autoptr(TnVersionVector) vv = NULL;

  self->digest_source = 0;
  if (self->state != TN_PEER_SESSION_READY || self->in_flight != 0)
    return G_SOURCE_REMOVE;
  vv = tn_peer_session_local_vv_internal (self, NULL);
  if (vv != NULL && tn_version_vector_equal (self->peer_vv, vv))
    tn_peer_session_send_digest_internal (self, FALSE);
  return G_SOURCE_REMOVE;
}
