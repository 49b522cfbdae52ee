/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-conflict-button.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "tn-conflicts-window.h"
#include "tn-operations.h"
#include "tn-sync-follow.h"
#include "tn-ui-util.h"

struct _TnConflictButton
{
  GtkWidget       parent_instance;

  TnApplication  *app;
  TnSyncService  *service;   /* weak: the one whose signals we hear */

  GtkButton      *button;
  GtkLabel       *count_label;
};

G_DEFINE_FINAL_TYPE (TnConflictButton, tn_conflict_button, GTK_TYPE_WIDGET)

static void
on_clicked (GtkButton        *button,
            TnConflictButton *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  tn_conflicts_window_present (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->app);
}

static const TnSyncHandler sync_handlers[] = {
  { "conflict-detected", G_CALLBACK (tn_conflict_button_refresh) },
  { "events-applied", G_CALLBACK (tn_conflict_button_refresh) },
};

static void
tn_conflict_button_dispose (GObject *object)
{
  TnConflictButton *self = TN_CONFLICT_BUTTON (object);

  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_CONFLICT_BUTTON);
  G_OBJECT_CLASS (tn_conflict_button_parent_class)->dispose (object);
}

static void
tn_conflict_button_class_init (TnConflictButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_conflict_button_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-conflict-button.ui");
  gtk_widget_class_bind_template_child (widget_class, TnConflictButton, button);
  gtk_widget_class_bind_template_child (widget_class, TnConflictButton, count_label);
  gtk_widget_class_bind_template_callback (widget_class, on_clicked);
}

static void
tn_conflict_button_init (TnConflictButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tn_conflict_button_new (TnApplication *app)
{
  TnConflictButton *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);

  self = g_object_new (TN_TYPE_CONFLICT_BUTTON, NULL);
  self->app = g_object_ref (app);
  g_signal_connect_object (app, "store-changed", G_CALLBACK (tn_conflict_button_refresh), self,
                           G_CONNECT_SWAPPED);
  tn_sync_follow (G_OBJECT (self), app, &self->service, sync_handlers,
                  G_N_ELEMENTS (sync_handlers), G_CALLBACK (tn_conflict_button_refresh));
  tn_conflict_button_refresh (self);
  return GTK_WIDGET (self);
}

void
tn_conflict_button_refresh (TnConflictButton *self)
{
  TnStore *store;
  gint64 count = 0;
  g_autofree char *text = NULL;

  g_return_if_fail (TN_IS_CONFLICT_BUTTON (self));

  store = tn_application_get_store (self->app);
  if (store != NULL)
    count = MAX (0, tn_store_count_conflicts (store));
  text = g_strdup_printf ("%" PRId64, count);
  tn_ui_label_set_text (self->count_label, text, _("Conflict count"));
  gtk_widget_set_visible (GTK_WIDGET (self), count > 0);
}
