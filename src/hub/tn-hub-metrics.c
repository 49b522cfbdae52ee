/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-metrics.h"

static const char *const names[TN_HUB_METRIC_N] = {
  [TN_HUB_METRIC_EVENTS_INGESTED] = "tendero_hub_events_ingested_total",
  [TN_HUB_METRIC_EVENTS_DUPLICATE] = "tendero_hub_events_duplicate_total",
  [TN_HUB_METRIC_EVENTS_REJECTED] = "tendero_hub_events_rejected_total",
  [TN_HUB_METRIC_FISCAL_BLOCKS_GRANTED] = "tendero_hub_fiscal_blocks_granted_total",
  [TN_HUB_METRIC_DB_ERRORS] = "tendero_hub_db_errors_total",
};

static const char *const help[TN_HUB_METRIC_N] = {
  [TN_HUB_METRIC_EVENTS_INGESTED] = "Events stored from uploaded batches.",
  [TN_HUB_METRIC_EVENTS_DUPLICATE] = "Uploaded events the hub already held.",
  [TN_HUB_METRIC_EVENTS_REJECTED] = "Uploaded events refused by validation or as conflicting copies.",
  [TN_HUB_METRIC_FISCAL_BLOCKS_GRANTED] = "Fiscal number blocks granted by this process.",
  [TN_HUB_METRIC_DB_ERRORS] = "PostgreSQL errors and lost connections.",
};

static gint64 counters[TN_HUB_METRIC_N];

/* The HTTP statuses an events:batch can answer. */
static const guint batch_codes[] = { 200, 400, 401, 404, 409, 413, 500, 503 };
static gint64 batch_counters[G_N_ELEMENTS (batch_codes)];
static GMutex lock;

void
tn_hub_metrics_add (TnHubMetric metric,
                    gint64      n)
{
  g_return_if_fail (metric < TN_HUB_METRIC_N);
  g_mutex_lock (&lock);
  counters[metric] += n;
  g_mutex_unlock (&lock);
}

void
tn_hub_metrics_count_batch (guint status)
{
  g_mutex_lock (&lock);
  for (guint i = 0; i < G_N_ELEMENTS (batch_codes); i++)
    if (batch_codes[i] == status)
      batch_counters[i]++;
  g_mutex_unlock (&lock);
}

char *
tn_hub_metrics_render (void)
{
  GString *out = g_string_new (NULL);

  g_mutex_lock (&lock);
  for (guint i = 0; i < TN_HUB_METRIC_N; i++)
    g_string_append_printf (out, "# HELP %s %s\n# TYPE %s counter\n%s %" G_GINT64_FORMAT "\n",
                            names[i], help[i], names[i], names[i], counters[i]);
  g_string_append (out, "# HELP tendero_hub_batches_total Event batches answered, by HTTP status.\n"
                   "# TYPE tendero_hub_batches_total counter\n");
  for (guint i = 0; i < G_N_ELEMENTS (batch_codes); i++)
    g_string_append_printf (out, "tendero_hub_batches_total{code=\"%u\"} %" G_GINT64_FORMAT "\n",
                            batch_codes[i], batch_counters[i]);
  g_mutex_unlock (&lock);
  return g_string_free (out, FALSE);
}
