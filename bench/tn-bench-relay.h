/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A TCP relay for sync benchmarks: listens on 127.0.0.1 and forwards
 * every connection to 127.0.0.1:@target_port, both directions, counting
 * the bytes (TCP payload: HTTP upgrade + WebSocket frames; not the
 * TCP/IP headers).  It runs on threads of its own, so the benchmark may
 * block, sleep and spawn processes meanwhile.  A dialing lane's --peer
 * names the relay's port instead of the listener's. */

typedef struct _TnBenchRelay TnBenchRelay;

typedef enum
{
  TN_BENCH_RELAY_TO_SERVER = 0,   /* from the dialing lane */
  TN_BENCH_RELAY_TO_CLIENT = 1,   /* from the listening lane */
} TnBenchRelayDirection;

/* @listen_port 0 picks a free one. */
TnBenchRelay *tn_bench_relay_new            (guint16        listen_port,
                                             guint16        target_port,
                                             GError       **error);
void          tn_bench_relay_free           (TnBenchRelay  *relay);
guint16       tn_bench_relay_get_port       (TnBenchRelay  *relay);

/* Keep every byte of connections accepted from now on, to decode them
 * with tn_bench_relay_print_messages(). */
void          tn_bench_relay_set_capture    (TnBenchRelay  *relay,
                                             gboolean       capture);

/* Totals over every connection since the relay started. */
gint64        tn_bench_relay_get_bytes      (TnBenchRelay  *relay,
                                             TnBenchRelayDirection direction);
/* Connections accepted so far (the index of the next one). */
guint         tn_bench_relay_get_n_connections (TnBenchRelay *relay);
/* Monotonic time of the last byte forwarded, 0 if none yet. */
gint64        tn_bench_relay_get_last_activity (TnBenchRelay *relay);

/* Bytes captured so far on connection @index in @direction. */
gsize         tn_bench_relay_get_captured   (TnBenchRelay  *relay,
                                             guint          index,
                                             TnBenchRelayDirection direction);

/* Decodes the captured stream of connection @index (HTTP upgrade, then
 * WebSocket frames, inflating permessage-deflate) and prints, per
 * direction and message type, how many there were and their bytes on
 * the wire, counting only what starts at or after @from (per direction;
 * NULL: from the start).  With @list, one line per message too. */
void          tn_bench_relay_print_messages (TnBenchRelay  *relay,
                                             guint          index,
                                             const gsize   *from,
                                             gboolean       list);


/* How many messages of @type ("digest", "(ping)", …) connection @index
 * carried so far, both directions (captured connections only). */
guint         tn_bench_relay_count_messages (TnBenchRelay  *relay,
                                             guint          index,
                                             const char    *type);

/* Bytes of the HTTP upgrade request and response of connection @index
 * (captured connections only; 0 if not captured). */
gsize         tn_bench_relay_get_http_bytes (TnBenchRelay  *relay,
                                             guint          index);

G_END_DECLS
