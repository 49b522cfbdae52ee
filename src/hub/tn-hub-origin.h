/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-event.h"
#include "tn-hub-db.h"

G_BEGIN_DECLS

/* The events the hub itself creates (fiscal grants, head-office product
 * changes) come from the store's hub replica: one UUID per store in
 * hub_stores, shared by every hub process. */

typedef struct
{
  char   *replica;      /* the hub replica's UUID */
  gint64  fiscal_next;  /* the store's fiscal counter */
} TnHubStoreRow;

/* Begins a transaction, creates the store's row if needed, locks it FOR
 * UPDATE, and takes the hub replica's origin lock (the one ingest takes
 * for that origin), so the hub replica's seqs stay gap-free and unique
 * across hub processes. */
gboolean  tn_hub_origin_begin      (TnHubDb        *db,
                                    const char     *store,
                                    TnHubStoreRow  *row,
                                    GError        **error);
void      tn_hub_store_row_clear   (TnHubStoreRow  *row);

/* Inside tn_hub_origin_begin (): builds the hub replica's next event
 * (seq, clock later than everything the hub holds for the store), with
 * deps = the hub's whole vv when @deps_whole_vv, else only the hub
 * replica's previous seq, and stores it.  Takes @payload. */
TnEvent  *tn_hub_origin_append     (TnHubDb        *db,
                                    const char     *store,
                                    TnHubStoreRow  *row,
                                    TnEventType     type,
                                    JsonNode       *payload,
                                    gboolean        deps_whole_vv,
                                    GError        **error);

/* {"event": <canonical event>} */
char     *tn_hub_event_answer      (const TnEvent  *event);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TnHubStoreRow, tn_hub_store_row_clear)

G_END_DECLS
