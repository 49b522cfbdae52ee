/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "tn-store.h"

G_BEGIN_DECLS

/* One lane-to-lane connection (DESIGN §4): the handshake, then streaming
 * what the peer lacks, acks, digests, fiscal block requests and
 * inventory queries over one SoupWebsocketConnection, for either side.
 *
 * A session lives on the sync worker thread, the thread that created it,
 * and uses the worker's TnStore.  Its signals are emitted there and only
 * the worker's objects connect to them; nothing on the UI thread does. */

#define TN_TYPE_PEER_SESSION (tn_peer_session_get_type ())
G_DECLARE_FINAL_TYPE (TnPeerSession, tn_peer_session, TN, PEER_SESSION, GObject)

/* The path the peer server answers on. */
#define TN_PEER_SYNC_PATH "/tendero/v1/sync"

typedef enum
{
  TN_PEER_ROLE_SERVER,   /* we accepted the connection */
  TN_PEER_ROLE_CLIENT,   /* we dialed it */
} TnPeerRole;

typedef enum
{
  TN_PEER_SESSION_HANDSHAKE,
  TN_PEER_SESSION_READY,
  TN_PEER_SESSION_CLOSED,
} TnPeerSessionState;

/* @store and @key are the worker's; both must outlive the session.
 * @label names the peer in logs and health (its URL or address). */
TnPeerSession      *tn_peer_session_new             (TnStore                 *store,
                                                     GBytes                  *key,
                                                     SoupWebsocketConnection *connection,
                                                     TnPeerRole               role,
                                                     const char              *label);
/* Starts the handshake; a server waits @hello_delay_ms before its hello
 * (the brake on addresses that keep failing it). */
void                tn_peer_session_start           (TnPeerSession           *self,
                                                     guint                    hello_delay_ms);
/* The local log grew (a sale here, another peer's events): stream what
 * this peer lacks and ask for a fiscal block if one is wanted. */
void                tn_peer_session_local_changed   (TnPeerSession           *self);
/* Closes with 1001 (going away). */
void                tn_peer_session_close           (TnPeerSession           *self);

/* Two lanes that dial each other get two sessions; both lanes keep the
 * one dialed by the lower replica id (of two dialed by the same lane,
 * the newer).  Returns the session of @sessions (or @session itself)
 * that @session, just ready, makes redundant; NULL if none. */
TnPeerSession      *tn_peer_session_find_superseded (TnPeerSession           *session,
                                                     GPtrArray               *sessions);
/* Closes a redundant session with TN_SYNC_CLOSE_SUPERSEDED. */
void                tn_peer_session_close_superseded (TnPeerSession          *self);
/* TRUE if either side closed this session as redundant. */
gboolean            tn_peer_session_get_superseded  (TnPeerSession           *self);

TnPeerSessionState  tn_peer_session_get_state       (TnPeerSession           *self);
TnPeerRole          tn_peer_session_get_role        (TnPeerSession           *self);
const char         *tn_peer_session_get_label       (TnPeerSession           *self);
/* Known after the peer's hello, else NULL. */
const char         *tn_peer_session_get_peer_replica  (TnPeerSession         *self);
const char         *tn_peer_session_get_peer_terminal (TnPeerSession         *self);
/* Monotonic µs of the last frame from the peer (0: none yet). */
gint64              tn_peer_session_get_last_seen   (TnPeerSession           *self);
/* What the peer is known to hold (hello, acks, what it sent us). */
const TnVersionVector *tn_peer_session_get_peer_vv  (TnPeerSession           *self);
/* TRUE when the handshake failed on the key or the store. */
gboolean            tn_peer_session_get_auth_failed (TnPeerSession           *self);
/* Whether permessage-deflate was negotiated. */
gboolean            tn_peer_session_is_compressed   (TnPeerSession           *self);
/* Events this session received, and how many of them we already held. */
void                tn_peer_session_get_received    (TnPeerSession           *self,
                                                     gint64                  *received,
                                                     gint64                  *duplicates);

G_END_DECLS
