/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-peer-session.h"
#include "tn-sync-protocol.h"

G_BEGIN_DECLS

/* What the parts of TnPeerSession share: tn-peer-session.c (the object,
 * its state, the handshake and the public API), tn-peer-session-stream.c
 * (catch-up frames, in-flight accounting, digests) and
 * tn-peer-session-handlers.c (incoming messages). */

/* Frames sent and not yet acked before we wait for the peer; one until
 * its first ack.  Two lanes that dial each other hold two sessions until
 * both handshakes are over, and then close one: what that one streamed
 * the other streams again. */
#define MAX_IN_FLIGHT          4
/* Frames received and not handled yet.  A peer keeping to the protocol
 * has at most MAX_IN_FLIGHT "events" frames unacknowledged, besides
 * small messages; one that sends far more is flooding us. */
#define INBOX_MAX_FRAMES       256
#define INBOX_MAX_BYTES        ((gsize) (MAX_IN_FLIGHT + 2) * TN_SYNC_MAX_FRAME)
/* Events read from the log per origin at a time (never the whole log). */
#define CURSOR_CHUNK           128
/* Frames end before seq 1 + k·this of an origin (build_frames). */
#define FRAME_ALIGN_EVENTS     2048
#define HANDSHAKE_TIMEOUT_MS   10000
#define DIGEST_IDLE_MS         1000
#define DIGEST_PERIOD_S        600
#define FISCAL_REQUEST_GAP_US  (5 * G_USEC_PER_SEC)
#define KEEPALIVE_S            15
/* A peer that sent nothing, not even a pong, for this many keepalive
 * intervals is gone (a cable pulled, a lane frozen): close the session
 * so that the link dials again instead of waiting on a dead socket. */
#define DEAD_PEER_KEEPALIVES   3
/* Relaying a third lane's events.  After a partition every lane would
 * relay everything to everyone, and each event would arrive twice or
 * more.  So a third lane's origin goes to the peer as probes of a few
 * events, RELAY_PAUSE_MS apart; once the acks of RELAY_QUIET_PROBES in a
 * row show the peer took them and nothing more, we relay that origin in
 * full.  An ack that shows the peer holding more of it than we sent means
 * another lane feeds it: we leave the origin to that lane for
 * RELAY_PAUSE_MS, then probe again (our idea of what the peer holds is
 * only as new as its last ack). */
#define RELAY_PAUSE_MS         500
#define RELAY_PROBE_EVENTS     8
#define RELAY_QUIET_PROBES     2

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
  gboolean                 superseded;

  char                    *our_nonce;
  char                    *peer_nonce;
  char                    *peer_replica;
  char                    *peer_terminal;
  TnVersionVector         *peer_vv;        /* what the peer is known to hold */
  TnVersionVector         *sent_vv;        /* peer_vv + what we sent it here */
  TnVersionVector         *recv_vv;        /* what it sent us here, held back too */
  GHashTable              *cursors;        /* origin → GQueue of Pending */
  GHashTable              *relays;         /* origin → RelayState (tn-peer-session-stream.c) */
  guint                    in_flight;
  gboolean                 acked_any;      /* an ack came: the full window */
  gint64                   events_received;
  gint64                   events_duplicate;   /* of those, already held */
  gint64                   acked_own;      /* our seq the peer acked, for the outbox */
  TnVersionVector         *digest_vv;      /* vv of the last digest sent */
  char                    *peer_digest;    /* its state_hash while we ask for buckets */
  gint64                   last_seen;      /* monotonic µs of any frame or pong */
  guint                    keepalive_s;
  gint64                   last_fiscal_request;
  GQueue                   inbox;          /* GBytes: frames not handled yet */
  gsize                    inbox_bytes;

  guint                    hello_source;
  guint                    handshake_timeout_source;
  guint                    digest_source;
  guint                    periodic_digest_source;
  guint                    liveness_source;
  guint                    relay_resume_source;
  guint                    inbox_source;
};

enum
{
  SIGNAL_READY,
  SIGNAL_CLOSED,
  SIGNAL_STORE_CHANGED,
  SIGNAL_DIVERGENCE,
  N_SIGNALS
};

extern guint tn_peer_session_signals[N_SIGNALS];

/* tn-peer-session.c */
void             tn_peer_session_send_text_internal        (TnPeerSession   *self,
                                                            const char      *text);
void             tn_peer_session_fail_internal             (TnPeerSession   *self,
                                                            const GError    *error);
TnVersionVector *tn_peer_session_local_vv_internal         (TnPeerSession   *self,
                                                            GError         **error);
gboolean         tn_peer_session_handle_handshake_internal (TnPeerSession   *self,
                                                            TnSyncMessage   *message,
                                                            GError         **error);

/* tn-peer-session-stream.c */
void             tn_peer_session_cursor_free_internal      (GQueue          *queue);
void             tn_peer_session_pump_internal             (TnPeerSession   *self);
/* Before merging an ack's @vv: what it tells of the third lanes' origins
 * we relay to the peer (RELAY_PAUSE_MS). */
void             tn_peer_session_note_ack_internal         (TnPeerSession   *self,
                                                            TnVersionVector *vv);
/* @always: also when this peer already had this very digest from us. */
void             tn_peer_session_send_digest_internal      (TnPeerSession   *self,
                                                            gboolean         always);

/* tn-peer-session-handlers.c */
gboolean         tn_peer_session_handle_message_internal   (TnPeerSession   *self,
                                                            TnSyncMessage   *message,
                                                            GError         **error);

G_END_DECLS
