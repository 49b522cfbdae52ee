/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-peer-session.h"

G_BEGIN_DECLS

/* Listens for other lanes at TN_PEER_SYNC_PATH and makes a server-side
 * TnPeerSession for each.  Addresses that keep failing the handshake
 * are slowed down, then refused for a while.  Lives on the sync worker
 * thread; "session-opened" is emitted there. */

#define TN_TYPE_PEER_SERVER (tn_peer_server_get_type ())
G_DECLARE_FINAL_TYPE (TnPeerServer, tn_peer_server, TN, PEER_SERVER, GObject)

TnPeerServer *tn_peer_server_new      (TnStore       *store,
                                       GBytes        *key);
/* @address NULL listens on every interface (0.0.0.0 and ::); @port 0
 * picks a free one. */
gboolean      tn_peer_server_listen   (TnPeerServer  *self,
                                       const char    *address,
                                       guint          port,
                                       GError       **error);
/* Before tn_peer_server_listen(): listen on wss:// with @certificate
 * (which holds its private key). */
void          tn_peer_server_set_tls_certificate (TnPeerServer    *self,
                                                  GTlsCertificate *certificate);
/* The port listened on, or 0. */
guint         tn_peer_server_get_port (TnPeerServer  *self);
void          tn_peer_server_stop     (TnPeerServer  *self);

G_END_DECLS
