/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One sale in the Sales History list: what its row shows, already
 * formatted, and what a search matches.  Property "voided". */

#define TN_TYPE_HISTORY_ITEM (tn_history_item_get_type ())
G_DECLARE_FINAL_TYPE (TnHistoryItem, tn_history_item, TN, HISTORY_ITEM, GObject)

TnHistoryItem *tn_history_item_new            (const char    *sale_id,
                                               const char    *time,
                                               const char    *fiscal_doc,
                                               const char    *cashier,
                                               const char    *total,
                                               gboolean       voided);
const char    *tn_history_item_get_sale_id    (TnHistoryItem *self);
const char    *tn_history_item_get_time       (TnHistoryItem *self);
const char    *tn_history_item_get_fiscal_doc (TnHistoryItem *self);
const char    *tn_history_item_get_cashier    (TnHistoryItem *self);
const char    *tn_history_item_get_total      (TnHistoryItem *self);
gboolean       tn_history_item_get_voided     (TnHistoryItem *self);
/* Notifies "voided" when it changes. */
void           tn_history_item_set_voided     (TnHistoryItem *self,
                                               gboolean       voided);
/* Whether every word of @search (already case-folded) is in the
 * fiscal number, cashier, time or total. */
gboolean       tn_history_item_matches        (TnHistoryItem *self,
                                               const char    *folded_search);

G_END_DECLS
