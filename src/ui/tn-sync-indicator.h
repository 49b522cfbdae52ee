/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* The header bar's sync status: a "Sync status" button whose "Sync
 * summary" label reads "Online: N peers" or "Offline", and a popover
 * with each peer, the outbox, the hub and the events still waiting.
 * The action "sync-indicator.popup", gtk_widget_activate () or
 * tn_sync_indicator_popup () open the popover, for win.sync-details. */

#define TN_TYPE_SYNC_INDICATOR (tn_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (TnSyncIndicator, tn_sync_indicator, TN, SYNC_INDICATOR, GtkWidget)

GtkWidget *tn_sync_indicator_new   (TnApplication   *app);
void       tn_sync_indicator_popup (TnSyncIndicator *self);

G_END_DECLS
