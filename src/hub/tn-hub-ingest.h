/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-event.h"
#include "tn-hub-db.h"

G_BEGIN_DECLS

#define TN_HUB_MAX_BATCH_EVENTS 1000

/* POST /v1/stores/{store}/events:batch: validates every event of
 * @events with the model (tn_event_from_node), then stores the batch in
 * one transaction under the locks of its origins.  Returns the 200 body
 * {"results":[…],"vv":{…}}.  A gap fails with TN_HUB_ERROR_GAP, nothing
 * stored, and @gap_vv set to the hub's vv as JSON text. */
char *tn_hub_ingest_batch   (TnHubDb      *db,
                             const char   *store,
                             JsonArray    *events,
                             char        **gap_vv,
                             GError      **error);

/* GET /v1/stores/{store}/events?origin=…&after=…&limit=…: the body
 * {"events":[…],"more":…}. */
char *tn_hub_pull_events    (TnHubDb      *db,
                             const char   *store,
                             const char   *origin,
                             gint64        after,
                             guint         limit,
                             GError      **error);

/* GET /v1/stores/{store}/events/rejections. */
char *tn_hub_list_rejections (TnHubDb     *db,
                              const char  *store,
                              GError     **error);

/* Inside the lock of its origin: stores @event (already validated, the next
 * seq of its origin) and advances the vv.  For the hub's own events. */
gboolean tn_hub_store_event (TnHubDb       *db,
                             const TnEvent *event,
                             GError       **error);

G_END_DECLS
