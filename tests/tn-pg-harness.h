/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A throw-away PostgreSQL cluster and real `tendero-hub` processes for
 * the multi-process hub tests (lane cloud client tests use it too).
 *
 *   TnPgCluster *pg = tn_pg_cluster_start ();     // initdb + pg_ctl start -w
 *   TnHubProcess *hub = tn_hub_start (pg);        // free port, waits for /healthz
 *   g_autofree char *key = tn_hub_create_key (pg, "test-store");
 *   … tn_hub_request (hub, "GET", "/v1/stores/test-store/vv", key, NULL, 0, FALSE, &status) …
 *   tn_hub_stop (hub); tn_pg_cluster_stop (pg);
 *
 * The server binaries come from /usr/lib/postgresql/15/bin (or
 * $TN_PG_BINDIR); as root, initdb and the server run as the `postgres`
 * user.  The cluster listens on a private unix socket directory and a
 * free loopback TCP port, with fsync off (tests, not durability).
 * `tendero-hub` is $TN_HUB, its migrations $TN_HUB_MIGRATIONS (both set
 * by tests/meson.build).  Missing binaries fail the test with what to
 * install.  Every process started here dies with the thread that started
 * it (PR_SET_PDEATHSIG). */

typedef struct
{
  char  *dir;          /* temporary directory: data/, sock/, server log */
  char  *data_dir;
  char  *socket_dir;
  guint  port;
  char  *conninfo;     /* postgresql:///postgres?host=…&port=…&user=postgres */
} TnPgCluster;

TnPgCluster *tn_pg_cluster_start   (void);
/* pg_ctl stop -m immediate, then removes the directory. */
void         tn_pg_cluster_stop    (TnPgCluster  *cluster);

/* Runs @sql on the cluster (libpq), failing the test on error; returns
 * the first column of the first row as text (NULL without a row). */
char        *tn_pg_query           (TnPgCluster  *cluster,
                                    const char   *sql);
/* The same as an integer (0 without a row or for NULL). */
gint64       tn_pg_query_int       (TnPgCluster  *cluster,
                                    const char   *sql);

typedef struct
{
  GSubprocess *process;
  guint        port;
  char        *base_url;   /* http://127.0.0.1:<port> */
  char        *log_path;   /* the hub's stderr */
} TnHubProcess;

/* Starts $TN_HUB on a free loopback port over @cluster and waits (up to
 * 30 s) until GET /healthz answers 200. */
TnHubProcess *tn_hub_start         (TnPgCluster  *cluster);
/* The same with extra arguments before the subcommand-less run (may be
 * NULL); for tests of options. */
TnHubProcess *tn_hub_start_full    (TnPgCluster  *cluster,
                                    const char  *const *extra_args);
/* The two halves of tn_hub_start_full (): start without waiting (to
 * start several at once), then wait for /healthz. */
TnHubProcess *tn_hub_spawn         (TnPgCluster  *cluster,
                                    const char  *const *extra_args);
void          tn_hub_wait_healthy  (TnHubProcess *hub);
/* SIGTERM, waits; kills after 10 s.  Returns the exit status (-1 when it
 * had to be killed). */
int           tn_hub_stop          (TnHubProcess *hub);

/* Runs `tendero-hub --db … [extra…]` to completion; returns stdout and
 * sets @exit_status; stderr goes to @err_out (may be NULL). */
char         *tn_hub_run           (TnPgCluster  *cluster,
                                    char        **err_out,
                                    int          *exit_status,
                                    const char   *first,
                                    ...) G_GNUC_NULL_TERMINATED;

/* `tendero-hub keys create --store @store`, asserting success: the key. */
char         *tn_hub_create_key    (TnPgCluster  *cluster,
                                    const char   *store);

/* One HTTP request to @hub: @key (may be NULL) as a bearer token, @body
 * (may be NULL) as JSON, gzip-compressed when @gzip.  Returns the
 * response body (never NULL) and its status in @status. */
char         *tn_hub_request       (TnHubProcess *hub,
                                    const char   *method,
                                    const char   *path,
                                    const char   *key,
                                    const char   *body,
                                    gssize        body_length,
                                    gboolean      gzip,
                                    guint        *status);

/* Parses a JSON answer, failing the test if it is not JSON. */
JsonNode     *tn_hub_parse_json    (const char   *text);

G_END_DECLS
