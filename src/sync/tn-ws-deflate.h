/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* permessage-deflate (RFC 7692) for the sync connections, used instead
 * of libsoup's own for two reasons:
 *
 * - it compresses at zlib's fastest level.  libsoup's fixed default
 *   level spent most of a sending lane's CPU, once per peer;
 * - it stops inflating a message at TN_SYNC_MAX_WIRE_MESSAGE.  libsoup
 *   3.2 inflates whatever arrives before any size check, so a few MiB
 *   of deflated zeros from anyone on the LAN became gigabytes.
 *
 * The wire format is the standard one: it talks to libsoup's extension
 * (older lanes) both ways.  It compresses with a 15-bit window only, so
 * it refuses an offer that asks for a smaller one. */

#define TN_TYPE_WS_DEFLATE (tn_ws_deflate_get_type ())
G_DECLARE_FINAL_TYPE (TnWsDeflate, tn_ws_deflate, TN, WS_DEFLATE, SoupWebsocketExtension)

/* Offer (client) or accept (server) this extension, not libsoup's. */
void tn_ws_deflate_use_in_session (SoupSession *session);
void tn_ws_deflate_use_in_server  (SoupServer  *server);

G_END_DECLS
