/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-cash-window.h"

#include <glib/gi18n.h>

struct _TnCashWindow
{
  GtkWindow       parent_instance;

  TnApplication  *app;

  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (TnCashWindow, tn_cash_window, GTK_TYPE_WINDOW)

static void
tn_cash_window_dispose (GObject *object)
{
  TnCashWindow *self = TN_CASH_WINDOW (object);

  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_CASH_WINDOW);
  G_OBJECT_CLASS (tn_cash_window_parent_class)->dispose (object);
}

static void
tn_cash_window_class_init (TnCashWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_cash_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-cash-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, error_label);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_cash_window_init (TnCashWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
tn_cash_window_present (GtkWindow     *parent,
                        TnApplication *app)
{
  TnCashWindow *self;

  g_return_if_fail (TN_IS_APPLICATION (app));

  self = g_object_new (TN_TYPE_CASH_WINDOW, "application", app, "transient-for", parent, NULL);
  self->app = g_object_ref (app);
  gtk_label_set_text (self->error_label, _("This screen is not available yet."));
  gtk_window_present (GTK_WINDOW (self));
}
