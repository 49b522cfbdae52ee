/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tn-application-private.h"
#include "tn-login-view.h"
#include "tn-ui-util.h"

struct _TnLoginView
{
  GtkWidget      parent_instance;

  TnApplication *app;
  GCancellable  *cancellable;   /* the login in progress, or NULL */

  GtkEntry      *pin_entry;
  GtkLabel      *error_label;
  GtkGrid       *pad;
};

G_DEFINE_FINAL_TYPE (TnLoginView, tn_login_view, GTK_TYPE_WIDGET)

static void
set_busy (TnLoginView *self,
          gboolean     busy)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->pad), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_entry), !busy);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TnLoginView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tn_application_log_in_finish (TN_APPLICATION (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      set_busy (self, FALSE);
      tn_ui_label_set_text (self->error_label, error->message, _("Login error"));
      gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
      return;
    }
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
}

static void
on_pin_activated (TnLoginView *self)
{
  const char *pin = gtk_editable_get_text (GTK_EDITABLE (self->pin_entry));

  if (self->cancellable != NULL)
    return;
  if (*pin == '\0')
    {
      tn_ui_label_set_text (self->error_label, _("Type your PIN first"), _("Login error"));
      return;
    }
  tn_ui_label_set_text (self->error_label, _("Checking…"), _("Login error"));
  set_busy (self, TRUE);
  self->cancellable = g_cancellable_new ();
  tn_application_log_in_async (self->app, pin, self->cancellable, on_logged_in,
                               g_object_ref (self));
}

static void
on_digit_clicked (GtkButton   *button,
                  TnLoginView *self)
{
  int position = -1;

  gtk_editable_insert_text (GTK_EDITABLE (self->pin_entry), gtk_button_get_label (button), -1,
                            &position);
  tn_ui_label_set_text (self->error_label, "", _("Login error"));
}

static void
on_clear_clicked (TnLoginView *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  tn_ui_label_set_text (self->error_label, "", _("Login error"));
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}

static GtkWidget *
pad_button (const char *label)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  /* The entry keeps the keyboard while the pad is used. */
  gtk_widget_set_focus_on_click (button, FALSE);
  return button;
}

static void
build_pad (TnLoginView *self)
{
  GtkWidget *button;

  for (int digit = 1; digit <= 10; digit++)
    {
      char label[2] = { (char) ('0' + digit % 10), '\0' };
      int row = digit == 10 ? 3 : (digit - 1) / 3;
      int column = digit == 10 ? 1 : (digit - 1) % 3;

      button = pad_button (label);
      g_signal_connect (button, "clicked", G_CALLBACK (on_digit_clicked), self);
      gtk_grid_attach (self->pad, button, column, row, 1, 1);
    }
  button = pad_button (_("Clear"));
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_clear_clicked), self);
  gtk_grid_attach (self->pad, button, 0, 3, 1, 1);
  button = pad_button (_("Log In"));
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect_swapped (button, "clicked", G_CALLBACK (on_pin_activated), self);
  gtk_grid_attach (self->pad, button, 2, 3, 1, 1);
}

static void
tn_login_view_dispose (GObject *object)
{
  TnLoginView *self = TN_LOGIN_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_LOGIN_VIEW);
  /* The template's top box has no id: unparent it here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (tn_login_view_parent_class)->dispose (object);
}

static void
tn_login_view_class_init (TnLoginViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_login_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-login-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TnLoginView, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, TnLoginView, error_label);
  gtk_widget_class_bind_template_child (widget_class, TnLoginView, pad);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tn_login_view_init (TnLoginView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_pad (self);
}

GtkWidget *
tn_login_view_new (TnApplication *app)
{
  TnLoginView *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  self = g_object_new (TN_TYPE_LOGIN_VIEW, NULL);
  self->app = app;
  return GTK_WIDGET (self);
}

void
tn_login_view_reset (TnLoginView *self)
{
  g_return_if_fail (TN_IS_LOGIN_VIEW (self));
  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  tn_ui_label_set_text (self->error_label, "", _("Login error"));
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}
