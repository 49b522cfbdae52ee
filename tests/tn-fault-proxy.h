/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A loopback TCP proxy for the fault campaign: it listens on a free port
 * and forwards every connection to a target port (a lane's peer listener
 * or the hub), and the test can change at runtime what happens on it:
 *
 *   PASS       bytes flow (after the configured delay, if any);
 *   BLACKHOLE  connections are accepted and live ones stay open, but
 *              nothing is forwarded either way: the silent link that only
 *              a timeout detects.  A connection that lost bytes this way
 *              is ended when it would forward again (TCP never delivers
 *              a stream with a hole: it times out);
 *   REFUSE     new connections are closed at once (a partition: the
 *              dialler sees a reset); combine with cut () to end the live
 *              ones too.
 *
 * cut () closes every live connection now, whatever the mode.  The delay
 * (fixed + uniform jitter, per chunk read) keeps the byte order of each
 * direction, as TCP does.
 *
 * "Duplicate" at the TCP level cannot mean repeating bytes inside one
 * stream (that is corruption, which TCP's checksums and the TLS/WebSocket
 * framing would turn into a dropped connection, i.e. a cut).  It means
 * what a network or a confused middlebox can really do: deliver a whole
 * client conversation twice.  The proxy keeps the first bytes (up to
 * 256 KiB) that the client sent on the most recent connection, and
 * replay () opens a new connection to the target and sends them again:
 * for the peer protocol the handshake's fresh server nonce must refuse
 * it; for the hub's HTTP uploads the re-sent batch must be idempotent
 * (nothing counted twice).  The answer to a replay is read and dropped.
 *
 * The proxy runs on its own thread and GMainContext; every function here
 * may be called from the test's thread. */

typedef enum
{
  TN_FAULT_PASS,
  TN_FAULT_BLACKHOLE,
  TN_FAULT_REFUSE,
} TnFaultMode;

typedef struct _TnFaultProxy TnFaultProxy;

TnFaultProxy *tn_fault_proxy_new        (const char   *name,
                                         guint         target_port);
void          tn_fault_proxy_free       (TnFaultProxy *proxy);
guint         tn_fault_proxy_get_port   (TnFaultProxy *proxy);
const char   *tn_fault_proxy_get_name   (TnFaultProxy *proxy);
/* Where new connections go (the hub gets a new port when restarted). */
void          tn_fault_proxy_set_target (TnFaultProxy *proxy,
                                         guint         target_port);
void          tn_fault_proxy_set_mode   (TnFaultProxy *proxy,
                                         TnFaultMode   mode);
void          tn_fault_proxy_set_delay  (TnFaultProxy *proxy,
                                         guint         base_ms,
                                         guint         jitter_ms);
/* Closes every live connection; returns once they are closed. */
void          tn_fault_proxy_cut        (TnFaultProxy *proxy);
/* Replays the last captured client stream on a new connection; FALSE if
 * nothing was captured yet.  Returns once the bytes are sent. */
gboolean      tn_fault_proxy_replay     (TnFaultProxy *proxy);
/* Connections accepted and forwarded so far (for the tests' sanity). */
guint         tn_fault_proxy_get_n_forwarded (TnFaultProxy *proxy);

G_END_DECLS
