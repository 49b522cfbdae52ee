/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

typedef struct
{
  const char *signal;
  GCallback   callback;   /* connected swapped: it receives the owner first */
} TnSyncHandler;

/* Connects @owner's @handlers to the sync service @app runs, now and
 * whenever it changes: the service starts after the window opens and is
 * replaced when the preferences change.  *@service follows it (a weak
 * pointer); @changed (void (*) (gpointer owner)), if not NULL, runs
 * after each change.  Undo with
 * tn_sync_unfollow () in dispose. */
void tn_sync_follow   (GObject              *owner,
                       TnApplication        *app,
                       TnSyncService       **service,
                       const TnSyncHandler  *handlers,
                       guint                 n_handlers,
                       GCallback             changed);
void tn_sync_unfollow (GObject              *owner,
                       TnApplication        *app,
                       TnSyncService       **service);

G_END_DECLS
