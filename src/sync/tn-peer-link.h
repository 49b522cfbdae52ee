/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-peer-session.h"

G_BEGIN_DECLS

/* Dials one configured peer and keeps dialing: exponential backoff with
 * full jitter between attempts (DESIGN §4), reset after a good
 * handshake.  Lives on the sync worker thread; "session-opened" is
 * emitted there for each connection it makes. */

#define TN_TYPE_PEER_LINK (tn_peer_link_get_type ())
G_DECLARE_FINAL_TYPE (TnPeerLink, tn_peer_link, TN, PEER_LINK, GObject)

typedef enum
{
  TN_PEER_LINK_IDLE,
  TN_PEER_LINK_CONNECTING,
  TN_PEER_LINK_HANDSHAKE,
  TN_PEER_LINK_CONNECTED,
  TN_PEER_LINK_WAITING,     /* backing off before the next attempt */
  TN_PEER_LINK_STANDBY,     /* the peer dialed us and that connection carries the sync */
} TnPeerLinkState;

TnPeerLink      *tn_peer_link_new            (TnStore     *store,
                                              GBytes      *key,
                                              const char  *url,
                                              guint        backoff_base_ms);
/* Before starting: the SHA-256 fingerprints (normalised) a wss:// peer's
 * certificate may have; any other certificate is refused. */
void             tn_peer_link_set_pinned_fingerprints (TnPeerLink         *self,
                                                       const char * const *pins);
void             tn_peer_link_start          (TnPeerLink  *self);
/* Cancels any attempt and closes the connection; no more attempts. */
void             tn_peer_link_stop           (TnPeerLink  *self);
/* A session with a peer closed: a link on standby dials again now. */
void             tn_peer_link_resume         (TnPeerLink  *self);

const char      *tn_peer_link_get_url        (TnPeerLink  *self);
TnPeerLinkState  tn_peer_link_get_state      (TnPeerLink  *self);
/* Why the last attempt failed, or NULL. */
const char      *tn_peer_link_get_last_error (TnPeerLink  *self);
/* The current connection, or NULL. */
TnPeerSession   *tn_peer_link_get_session    (TnPeerLink  *self);

const char      *tn_peer_link_state_to_string (TnPeerLinkState state);

G_END_DECLS
