/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Headless lanes ($TN_LANE) on loopback, driven and inspected with
 * tendero-ctl ($TN_CTL) as a store's scripts would, for the multi-process
 * sync tests.  Every process started here dies with the thread that
 * started it (PR_SET_PDEATHSIG), so a failed assertion leaves none
 * behind. */

#define TN_LANE_MAX 4
#define TN_LANE_CONVERGE_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define TN_LANE_POLL_INTERVAL_US    (100 * 1000)
/* How long a lane may take to exit after SIGTERM before a test calls it
 * hung.  Not a speed target (tests assert no wall-clock figures; the
 * benchmarks print the stop time): under ASan, with tests in parallel
 * on two cores, the exit's leak scan alone can pass a second. */
#define TN_LANE_STOP_LIMIT_US       (10 * G_USEC_PER_SEC)

typedef struct
{
  char        *dir;
  char        *terminal;
  guint        port;
  GSubprocess *process;
  char       **env;       /* for the lane and its tendero-ctl; NULL: ours */
} TnLane;

typedef struct
{
  char   *root;
  char   *key_file;
  char   *bad_key_file;
  TnLane  lanes[TN_LANE_MAX];
  guint   n_lanes;
} TnLaneFixture;

const char *tn_lane_program        (const char    *variable);
guint       tn_lane_free_port      (void);
void        tn_lane_write_key      (const char    *path);
/* Runs in a child before exec: it dies with the thread that spawned it. */
void        tn_lane_child_setup    (gpointer       data);

/* Sets @variable for the lane process and every tendero-ctl run on it. */
void        tn_lane_setenv         (TnLane        *lane,
                                    const char    *variable,
                                    const char    *value);

/* Runs tendero-ctl on @lane; returns stdout, failing the test if it
 * fails.  tn_lane_ctl_json () parses the stdout of up to five arguments. */
char       *tn_lane_ctl            (TnLane        *lane,
                                    const char    *first,
                                    ...) G_GNUC_NULL_TERMINATED;
JsonObject *tn_lane_ctl_json       (TnLane        *lane,
                                    const char    *first,
                                    ...) G_GNUC_NULL_TERMINATED;
/* Runs tendero-ctl on @lane with @args (NULL-terminated) whatever the
 * outcome, for tests of refusals: returns the exit code, asserting that
 * it exited (no crash, no critical); @out and @err (may be NULL) receive
 * stdout and stderr. */
int         tn_lane_ctl_run        (TnLane             *lane,
                                    const char  *const *args,
                                    char              **out,
                                    char              **err);

/* `init`s lane @index (terminal L<index+1>) dialling lane @peer_index,
 * with a short reconnection backoff. */
void        tn_lane_init           (TnLaneFixture *fixture,
                                    guint          index,
                                    const char    *key_file,
                                    gboolean       authority,
                                    int            peer_index);
/* Starts the lane; its stderr is appended to <dir>.log. */
void        tn_lane_start          (TnLane        *lane);
/* Prints <dir>.log as a test message: call it before a fatal g_error (),
 * after which the fixture's teardown, which prints it too, never runs. */
void        tn_lane_print_log      (TnLane        *lane);
/* SIGTERM, then the lane must be gone within @limit_us; returns its exit
 * status (-1 if it had to be killed). */
int         tn_lane_stop           (TnLane        *lane,
                                    gint64         limit_us);
/* SIGKILL, reaped. */
void        tn_lane_kill           (TnLane        *lane);

void        tn_lane_fixture_setup    (TnLaneFixture *fixture,
                                      gconstpointer  data);
void        tn_lane_fixture_teardown (TnLaneFixture *fixture,
                                      gconstpointer  data);
/* The three lanes of a ring: L1 (the fiscal authority) dials L2, L2
 * dials L3, L3 dials L1; all started. */
void        tn_lane_start_ring     (TnLaneFixture *fixture);

char       *tn_lane_vv_text        (JsonObject    *status);
/* Polls `status --json` on the first @n lanes until they hold the same
 * events and state digest (and nothing held back); fails after
 * @timeout_us. */
void        tn_lane_wait_converged (TnLaneFixture *fixture,
                                    guint          n,
                                    gint64         timeout_us);
/* A member of `status --json` (of its object @object unless NULL). */
gint64      tn_lane_status_int     (TnLane        *lane,
                                    const char    *object,
                                    const char    *member);
JsonObject *tn_lane_read_peers     (TnLane        *lane);
void        tn_lane_sell           (TnLane        *lane,
                                    const char    *sku,
                                    guint          times);

/* Waits until `status --json` shows @lane with an unused store number. */
void     tn_lane_wait_fiscal_numbers (TnLane *lane);

/* Fails the test program unless meson told it where the binaries are. */
void     tn_lane_require_binaries    (void);

G_END_DECLS
