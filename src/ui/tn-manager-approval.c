/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-manager-approval.h"

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-manager-format.h"
#include "tn-operations.h"

struct _TnManagerApproval
{
  GtkWindow      parent_instance;

  TnApplication *app;
  GTask         *task;          /* until answered; NULL after */
  GCancellable  *cancellable;
  gulong         cancelled_id;
  guint          failures;      /* wrong PINs in a row */
  guint          pause_id;      /* while typing is paused after too many */

  GtkLabel      *what_label;
  GtkEditable   *pin_entry;
  GtkLabel      *error_label;
};

G_DEFINE_FINAL_TYPE (TnManagerApproval, tn_manager_approval, GTK_TYPE_WINDOW)

/* Guessing a manager's PIN takes time: after this many wrong PINs the
 * window waits PAUSE_SECONDS before taking another. */
#define MAX_FAILURES  5
#define PAUSE_SECONDS 30

/* Answers the request once: with @employee_id, else @error. */
static void
answer (TnManagerApproval *self,
        char              *employee_id,
        GError            *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (task == NULL)
    {
      g_free (employee_id);
      g_clear_error (&error);
    }
  else if (employee_id != NULL)
    g_task_return_pointer (task, employee_id, g_free);
  else
    g_task_return_error (task, error);
}

static GError *
cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                              _("The manager approval was cancelled"));
}

/* The window goes first, then the answer: the caller's callback may run
 * at once and rebuild or close the parent, which must not happen under a
 * modal window still on screen (GTK 4.8's AT-SPI code was seen querying
 * widgets of such a half-torn-down pair).  @self is gone on return. */
static void
finish (TnManagerApproval *self,
        char              *employee_id,
        GError            *error)
{
  g_autoptr(TnManagerApproval) keep = g_object_ref (self);
  GTask *task = g_steal_pointer (&self->task);

  gtk_window_destroy (GTK_WINDOW (self));
  self->task = task;
  answer (self, employee_id, error);
}

static void
cancel (TnManagerApproval *self)
{
  finish (self, NULL, cancelled_error ());
}

static gboolean
on_pause_over (gpointer user_data)
{
  TnManagerApproval *self = user_data;

  self->pause_id = 0;
  self->failures = 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->pin_entry), TRUE);
  tn_manager_show_error (self->error_label, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
  return G_SOURCE_REMOVE;
}

static void
pause_typing (TnManagerApproval *self)
{
  g_autofree char *text = g_strdup_printf (_("Too many wrong PINs: wait %d seconds"),
                                           PAUSE_SECONDS);

  tn_manager_show_error (self->error_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pin_entry), FALSE);
  self->pause_id = g_timeout_add_seconds (PAUSE_SECONDS, on_pause_over, self);
}

static void
approve (TnManagerApproval *self)
{
  g_autoptr(GError) error = NULL;
  TnStore *store = tn_application_get_store (self->app);
  const char *pin = gtk_editable_get_text (self->pin_entry);
  char *employee_id;

  if (self->pause_id != 0)
    return;
  if (pin == NULL || *pin == '\0')
    {
      tn_manager_show_error (self->error_label, _("Type a manager's PIN"));
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
      return;
    }
  if (store == NULL)
    {
      tn_manager_show_error (self->error_label, _("This lane has no store yet"));
      return;
    }
  employee_id = tn_store_check_pin (store, pin, TRUE, &error);
  if (employee_id == NULL)
    {
      gtk_editable_set_text (self->pin_entry, "");
      if (++self->failures >= MAX_FAILURES)
        {
          pause_typing (self);
          return;
        }
      /* Wrong PIN or not a manager: say so and let them type again. */
      tn_manager_show_error (self->error_label,
                             error != NULL ? error->message
                                           : _("That PIN does not belong to a manager"));
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
      return;
    }
  finish (self, employee_id, NULL);
}

static void
on_pin_activate (GtkEditable       *entry,
                 TnManagerApproval *self)
{
  approve (self);
}

static void
on_pin_changed (GtkEditable       *entry,
                TnManagerApproval *self)
{
  if (*gtk_editable_get_text (entry) != '\0')
    tn_manager_show_error (self->error_label, NULL);
}

static void
on_approve_clicked (GtkButton         *button,
                    TnManagerApproval *self)
{
  approve (self);
}

static void
on_cancel_clicked (GtkButton         *button,
                   TnManagerApproval *self)
{
  cancel (self);
}

static void
on_cancelled (GCancellable      *cancellable,
              TnManagerApproval *self)
{
  cancel (self);
}

static gboolean
tn_manager_approval_close_request (GtkWindow *window)
{
  TnManagerApproval *self = TN_MANAGER_APPROVAL (window);

  if (self->task != NULL)
    {
      cancel (self);   /* destroys the window */
      return TRUE;
    }
  return GTK_WINDOW_CLASS (tn_manager_approval_parent_class)->close_request (window);
}

static void
tn_manager_approval_dispose (GObject *object)
{
  TnManagerApproval *self = TN_MANAGER_APPROVAL (object);

  g_clear_handle_id (&self->pause_id, g_source_remove);
  /* Destroyed from outside (the application quits): still answer. */
  answer (self, NULL, cancelled_error ());
  if (self->cancellable != NULL)
    g_clear_signal_handler (&self->cancelled_id, self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_MANAGER_APPROVAL);
  G_OBJECT_CLASS (tn_manager_approval_parent_class)->dispose (object);
}

static void
tn_manager_approval_class_init (TnManagerApprovalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tn_manager_approval_dispose;
  window_class->close_request = tn_manager_approval_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-manager-approval.ui");
  gtk_widget_class_bind_template_child (widget_class, TnManagerApproval, what_label);
  gtk_widget_class_bind_template_child (widget_class, TnManagerApproval, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, TnManagerApproval, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_pin_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_approve_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_manager_approval_init (TnManagerApproval *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
tn_manager_approval_request (GtkWindow           *parent,
                             TnApplication       *app,
                             const char          *what,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  TnManagerApproval *self;
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (TN_IS_APPLICATION (app));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, tn_manager_approval_request);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The manager approval was cancelled"));
      return;
    }

  self = g_object_new (TN_TYPE_MANAGER_APPROVAL,
                       "transient-for", parent,
                       "application", app,
                       NULL);
  self->app = g_object_ref (app);
  self->task = g_steal_pointer (&task);
  gtk_label_set_text (self->what_label,
                      what != NULL ? what : _("A manager must approve this."));
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      self->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                             G_CALLBACK (on_cancelled), self);
    }
  gtk_window_present (GTK_WINDOW (self));
  /* A keyboard (or xdotool) types the PIN straight away. */
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}

char *
tn_manager_approval_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tn_manager_approval_request,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
