/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Counters of this process, for GET /metrics (Prometheus text).  Any
 * thread may count. */
typedef enum
{
  TN_HUB_METRIC_EVENTS_INGESTED,
  TN_HUB_METRIC_EVENTS_DUPLICATE,
  TN_HUB_METRIC_EVENTS_REJECTED,
  TN_HUB_METRIC_FISCAL_BLOCKS_GRANTED,
  TN_HUB_METRIC_DB_ERRORS,
  TN_HUB_METRIC_N
} TnHubMetric;

void  tn_hub_metrics_add         (TnHubMetric metric,
                                  gint64      n);
/* One events:batch answer with HTTP status @status. */
void  tn_hub_metrics_count_batch (guint       status);
char *tn_hub_metrics_render      (void);

G_END_DECLS
