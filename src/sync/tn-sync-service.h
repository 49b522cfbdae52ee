/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "tn-sync-worker.h"

G_BEGIN_DECLS

/* What the UI (or the headless lane) talks to: owns the sync worker and
 * re-emits what it reports, on the thread that created the service (the
 * main thread) and only there.
 *
 * Signals:
 *   state-changed (guint TnSyncState, const char *message or NULL)
 *   peer-changed (const char *peer, const char *terminal or NULL, const char *state)
 *   events-applied (guint count)            events from other lanes stored
 *   conflict-detected (gint64 open_conflicts)
 *   fiscal-alert (guint priority, gint64 unacknowledged)
 *   cloud-changed ()                         the hub client's state changed: read
 *                                            tn_sync_service_get_cloud_status () */

#define TN_TYPE_SYNC_SERVICE (tn_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (TnSyncService, tn_sync_service, TN, SYNC_SERVICE, GObject)

/* @key: the store key (see tn_sync_auth_load_key ()). */
TnSyncService *tn_sync_service_new       (const char    *data_dir,
                                          GBytes        *key);
/* The hub key as a string (the GUI reads it from the keyring; headless
 * lanes with tn_cloud_load_key ()); before start.  NULL: none. */
void           tn_sync_service_set_hub_key (TnSyncService *self,
                                          const char    *key);
gboolean       tn_sync_service_start     (TnSyncService *self,
                                          GError       **error);
/* Stops the worker and waits for it (well under a second). */
void           tn_sync_service_stop      (TnSyncService *self);
/* The app committed to the lane's database (a sale, an edit): its
 * events go to the peers now, not at the sync thread's next poll. */
void           tn_sync_service_notify_commit (TnSyncService *self);
TnSyncState    tn_sync_service_get_state (TnSyncService *self);
/* The latest health snapshot (TnSyncPeerStatus*, transfer none), or NULL. */
GPtrArray     *tn_sync_service_get_peers (TnSyncService *self);
/* The latest state of the hub client (transfer none), or NULL when no
 * hub is configured or nothing was reported yet. */
const TnCloudStatus *tn_sync_service_get_cloud_status (TnSyncService *self);

G_END_DECLS
