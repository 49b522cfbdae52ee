/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tn-store.h"

G_BEGIN_DECLS

/* Real lanes for the sync benchmarks: `tendero --headless` ($TN_LANE)
 * and `tendero-ctl` ($TN_CTL), which bench/meson.build sets to the
 * built programs. */

typedef struct
{
  char        *dir;
  char        *terminal;
  guint        port;
  GSubprocess *process;
  gpointer     watch_db;     /* sqlite3 *, read-only, for polling vv */
} TnBenchLane;

/* A base for this process's ports: 40000 + 10 × (pid mod 2000), so runs
 * in parallel do not clash; a benchmark uses base … base + 9. */
guint       tn_bench_port_base        (void);
char       *tn_bench_peer_url         (guint         port);
/* Writes a random store key to @root/store.key; returns the path. */
char       *tn_bench_write_key        (const char   *root);

/* `tendero-ctl init` of @terminal in @root/@terminal, listening on @port,
 * dialing @peer_urls (NULL-terminated, may be NULL), with a 200 ms
 * reconnect base (as the integration tests use). */
void        tn_bench_lane_init        (TnBenchLane  *lane,
                                       const char   *root,
                                       const char   *terminal,
                                       guint         port,
                                       const char * const *peer_urls,
                                       const char   *key_file,
                                       gboolean      fiscal_authority);
char       *tn_bench_lane_db_path     (TnBenchLane  *lane);
void        tn_bench_lane_start       (TnBenchLane  *lane);
/* SIGTERM and wait; returns the exit status (-1: killed by a signal). */
int         tn_bench_lane_stop        (TnBenchLane  *lane);
void        tn_bench_lane_clear       (TnBenchLane  *lane);

/* Runs tendero-ctl on @lane (dies on failure); returns stdout. */
char       *tn_bench_ctl              (TnBenchLane  *lane,
                                       const char   *first,
                                       ...) G_GNUC_NULL_TERMINATED;
JsonObject *tn_bench_lane_status      (TnBenchLane  *lane);

/* The lane's version vector read straight from its database (read-only,
 * cheap enough to poll every few ms): "origin:seq,…" in origin order. */
char       *tn_bench_lane_read_vv     (TnBenchLane  *lane);
gint64      tn_bench_lane_read_seq    (TnBenchLane  *lane,
                                       const char   *origin);
gint64      tn_bench_vv_text_total    (const char   *vv_text);

/* From @lane's peers.json: the state of the peer whose "peer" is @label
 * (or the first, with @label NULL), or NULL. */
char       *tn_bench_lane_peer_state  (TnBenchLane  *lane,
                                       const char   *label);

/* Polls until every lane's vv equals @want (every @interval_us); returns
 * the seconds since @start_us, or -1 after @timeout_s. */
double      tn_bench_wait_vv          (TnBenchLane **lanes,
                                       guint         n,
                                       const char   *want,
                                       gint64        start_us,
                                       gint64        interval_us,
                                       double        timeout_s);
/* Polls until all lanes hold the same vv; returns it (seconds in
 * @out_seconds, -1 on timeout). */
char       *tn_bench_wait_same_vv     (TnBenchLane **lanes,
                                       guint         n,
                                       gint64        start_us,
                                       gint64        interval_us,
                                       double        timeout_s,
                                       double       *out_seconds);

/* Model helpers: write histories straight into a lane's database before
 * its lane starts. */

/* The lane's store, synchronous=OFF (a lane never runs like this; it is
 * for generating histories fast). */
TnStore    *tn_bench_lane_open_store  (TnBenchLane  *lane);
/* @n five-line sales of the products "P00000"… (tn_bench_add_products),
 * one transaction each; prints progress every 10 % when @label is set. */
void        tn_bench_sell_many        (TnStore      *store,
                                       guint         n,
                                       guint         n_products,
                                       GRand        *rand,
                                       const char   *label);
/* What @from holds that @to lacks, origin by origin, as peers send it. */
void        tn_bench_copy_events      (TnStore      *from,
                                       TnStore      *to);


/* Polls every @interval_us until all @n lanes hold the same vv with at
 * least @min_total events (each poll opens a read transaction on every
 * lane: at 2 ms it took most of a core from the lanes it measures); returns the seconds since @start_us (-1 after
 * @timeout_s) and the vv in @out_vv. */
double      tn_bench_wait_converged   (TnBenchLane **lanes,
                                       guint         n,
                                       gint64        min_total,
                                       gint64        start_us,
                                       gint64        interval_us,
                                       double        timeout_s,
                                       char        **out_vv);
/* Runs `status --json` on every lane: TRUE if all digests are equal
 * (and held_back is 0); prints the digest and how long status took. */
gboolean    tn_bench_check_digests    (TnBenchLane **lanes,
                                       guint         n);
/* Removes @path and everything under it. */
void        tn_bench_rmtree           (const char   *path);


/* CPU seconds (user + system) the running lane used so far; -1 if not
 * running.  Tells a busy lane from one that waits. */
double      tn_bench_lane_cpu_seconds (TnBenchLane  *lane);

G_END_DECLS
