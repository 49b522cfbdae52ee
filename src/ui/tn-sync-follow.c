/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-sync-follow.h"

#define FOLLOW_KEY "tn-sync-follow"

typedef struct
{
  TnApplication        *app;       /* not a reference: the owner holds one */
  TnSyncService       **service;
  const TnSyncHandler  *handlers;
  guint                 n_handlers;
  GCallback             changed;     /* void (*) (gpointer owner) */
} Follow;

static void
switch_service (GObject *owner)
{
  Follow *follow = g_object_get_data (owner, FOLLOW_KEY);
  TnSyncService *service = tn_application_get_sync_service (follow->app);

  if (service == *follow->service)
    return;
  if (*follow->service != NULL)
    g_signal_handlers_disconnect_by_data (*follow->service, owner);
  g_set_weak_pointer (follow->service, service);
  if (service != NULL)
    for (guint i = 0; i < follow->n_handlers; i++)
      g_signal_connect_object (service, follow->handlers[i].signal, follow->handlers[i].callback,
                               owner, G_CONNECT_SWAPPED);
  if (follow->changed != NULL)
    ((void (*) (gpointer)) follow->changed) (owner);
}

void
tn_sync_follow (GObject              *owner,
                TnApplication        *app,
                TnSyncService       **service,
                const TnSyncHandler  *handlers,
                guint                 n_handlers,
                GCallback             changed)
{
  Follow *follow = g_new0 (Follow, 1);

  g_return_if_fail (G_IS_OBJECT (owner));
  g_return_if_fail (TN_IS_APPLICATION (app));

  follow->app = app;
  follow->service = service;
  follow->handlers = handlers;
  follow->n_handlers = n_handlers;
  follow->changed = changed;
  g_object_set_data_full (owner, FOLLOW_KEY, follow, g_free);
  g_signal_connect_object (app, "notify::sync-service", G_CALLBACK (switch_service), owner,
                           G_CONNECT_SWAPPED);
  switch_service (owner);
}

void
tn_sync_unfollow (GObject         *owner,
                  TnApplication   *app,
                  TnSyncService  **service)
{
  if (app != NULL)
    g_signal_handlers_disconnect_by_func (app, switch_service, owner);
  if (*service != NULL)
    g_signal_handlers_disconnect_by_data (*service, owner);
  g_clear_weak_pointer (service);
}
