/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Stock is a PN-counter: the sum of its movements.  Each movement is a
 * row of inventory_changes (the audit trail) keyed by its source, so it
 * counts once whatever order or how often it arrives. */

#include "tn-projection.h"

gboolean
tn_projection_apply_stock (TnStore        *store,
                           const TnEvent  *event,
                           GError        **error)
{
  const char *sku = tn_event_get_string (event, "sku");

  if (event->type == TN_EVENT_STOCK_RECEIVED)
    return tn_projection_move_stock (store, event->event_id, 0, sku,
                                     tn_event_get_int (event, "qty", 0), "receive",
                                     tn_event_get_string (event, "reason"), event, error);

  return tn_projection_move_stock (store, event->event_id, 0, sku,
                                   tn_event_get_int (event, "delta", 0), "adjust",
                                   tn_event_get_string (event, "reason"), event, error);
}
