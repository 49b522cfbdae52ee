/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stdarg.h>

#include "tn-fault-proxy.h"
#include "tn-lane-harness.h"
#include "tn-pg-harness.h"

G_BEGIN_DECLS

/* One seed of the fault campaign (test-fault-campaign.c): the lanes, the
 * hub, the proxies on every link, and the history the checks
 * (tn-fault-checks.c) compare the end state with. */

typedef struct
{
  char    *sale_id;
  guint    lane;
  guint    product;   /* P<product> */
  guint    qty;
  gboolean voided;
} TnFaultSale;

typedef struct
{
  guint          seed;
  GRand         *rand;
  gint64         start_us;
  guint          n_lanes;
  TnLaneFixture  lanes;
  TnPgCluster   *pg;
  TnHubProcess  *hub;
  char          *hub_key_file;
  /* Lane i dials lane (i+1) % n through peer_links[i], the hub through
   * hub_links[i]. */
  TnFaultProxy  *peer_links[TN_LANE_MAX];
  TnFaultProxy  *hub_links[TN_LANE_MAX];
  GPtrArray     *history;     /* char *: one line per operation or fault */
  GPtrArray     *sales;       /* TnFaultSale *: every sale reported committed */
  GPtrArray     *maybe_sales; /* TnFaultSale * (no id): `sell` killed mid-way */
  guint          n_refused_sales;
  guint          n_products;
  gint64         received[16];    /* units of P<k> received, opening stock included */
  GPtrArray     *conflict_skus;   /* char *: edited concurrently */
  gboolean       lane_disk_full[TN_LANE_MAX];   /* the running lane's, by prlimit () */
  int            full_disk_lane;  /* -1: not done */
  int            full_disk_status;
  char          *full_disk_message;
  GPtrArray     *problems;    /* char *: what the checks found */
} TnCampaign;

void tn_campaign_log     (TnCampaign *campaign,
                          const char *format,
                          ...) G_GNUC_PRINTF (2, 3);
void tn_campaign_problem (TnCampaign *campaign,
                          const char *format,
                          ...) G_GNUC_PRINTF (2, 3);

/* Runs tendero-ctl on lane @index without failing the test: returns the
 * exit status (0 = success) with stdout and stderr. */
int  tn_campaign_ctl     (TnCampaign  *campaign,
                          guint        index,
                          char       **out,
                          char       **err,
                          const char  *first,
                          ...) G_GNUC_NULL_TERMINATED;

/* The same with a va_list, and on a full disk (a 1 KiB file-size limit,
 * SIGXFSZ ignored) when @full_disk. */
int  tn_campaign_ctl_va  (TnCampaign  *campaign,
                          guint        index,
                          gboolean     full_disk,
                          char       **out,
                          char       **err,
                          const char  *first,
                          va_list      args);
int  tn_campaign_ctl_full (TnCampaign  *campaign,
                           guint        index,
                           gboolean     full_disk,
                           char       **out,
                           char       **err,
                           const char  *first,
                           ...) G_GNUC_NULL_TERMINATED;

/* Polls every lane and the hub (bounded) until they hold the same
 * events and state and nothing waits to be sent; FALSE (with a problem
 * saying what differs) if they never do. */
gboolean tn_fault_wait_quiet (TnCampaign *campaign);

/* The Jepsen-style checks on the healed, quiescent and stopped lanes and
 * the hub; each failure is added to campaign->problems. */
void tn_fault_check_all  (TnCampaign *campaign);

G_END_DECLS
