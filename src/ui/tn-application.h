/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-config.h"
#include "tn-store.h"
#include "tn-sync-service.h"

G_BEGIN_DECLS

/* The checkout application: owns the lane's main-thread store
 * connection, its configuration, the sync service and who is selling.
 *
 * Properties "cashier-id" (notified when someone logs in or the lane
 * locks) and "sync-service" (notified when it starts or stops).  Signal "store-changed" after any local commit made through
 * the UI; views refresh on it and on TnSyncService::events-applied. */

#define TN_TYPE_APPLICATION (tn_application_get_type ())
G_DECLARE_FINAL_TYPE (TnApplication, tn_application, TN, APPLICATION, GtkApplication)

TnApplication  *tn_application_new               (const char *data_dir);   /* NULL: default dir */
const char     *tn_application_get_data_dir      (TnApplication *self);
TnStore        *tn_application_get_store         (TnApplication *self);   /* main-thread connection; NULL before first run finished */
TnSyncService  *tn_application_get_sync_service  (TnApplication *self);   /* NULL until started */
const TnConfig *tn_application_get_config        (TnApplication *self);
const char     *tn_application_get_cashier_id    (TnApplication *self);   /* NULL when locked */
const char     *tn_application_get_cashier_name  (TnApplication *self);
gboolean        tn_application_cashier_is_manager (TnApplication *self);
void            tn_application_lock              (TnApplication *self);
void            tn_application_notify_store_changed (TnApplication *self);

G_END_DECLS
