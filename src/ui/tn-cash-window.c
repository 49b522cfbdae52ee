/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-cash-window.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "tn-manager-format.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-print.h"
#include "tn-ui-util.h"

struct _TnCashWindow
{
  GtkWindow       parent_instance;

  TnApplication  *app;
  char           *report_text;   /* the last Z report, for printing */
  char           *report_doc;

  GtkLabel       *state_label;
  GtkLabel       *error_label;
  GtkStack       *stack;
  GtkEditable    *float_entry;
  GtkEditable    *move_amount_entry;
  GtkEditable    *move_reason_entry;
  GtkCheckButton *blind_check;
  GtkLabel       *expected_label;
  GtkEditable    *counted_entry;
  GtkLabel       *report_label;
  GtkLabel       *report_status;
  GtkWidget      *done_button;
};

G_DEFINE_FINAL_TYPE (TnCashWindow, tn_cash_window, GTK_TYPE_WINDOW)

/* Reads a base-currency amount from @entry; shows the error inline and
 * focuses the entry when it does not parse. */
static gboolean
read_amount (TnCashWindow *self,
             TnStore      *store,
             GtkEditable  *entry,
             gint64       *out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  /* Keypads often send a decimal comma. */
  g_strdelimit (text, ",", '.');
  if (*text == '\0')
    {
      tn_manager_show_error (self->error_label, _("Type an amount"));
      gtk_widget_grab_focus (GTK_WIDGET (entry));
      return FALSE;
    }
  if (!tn_money_parse (text, tn_store_get_decimals (store), FALSE, out, &error))
    {
      tn_manager_show_error (self->error_label, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (entry));
      return FALSE;
    }
  return TRUE;
}

/* Shows the page for the session's state: "closed" or "open" (the
 * report page stays until Done). */
static void
refresh (TnCashWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnZReport) preview = NULL;
  g_autofree char *session = NULL;
  g_autofree char *text = NULL;
  g_autofree char *amount = NULL;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "report") == 0)
    return;
  if (store == NULL)
    {
      tn_ui_label_set_text (self->state_label, _("This lane has no store yet"),
                            _("Cash session state"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->stack), FALSE);
      return;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->stack), TRUE);
  session = tn_store_get_open_session (store, &error);
  if (error != NULL)
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  if (session == NULL)
    {
      text = g_strdup_printf (_("No cash session is open on terminal %s"),
                              tn_store_get_terminal (store));
      tn_ui_label_set_text (self->state_label, text, _("Cash session state"));
      gtk_stack_set_visible_child_name (self->stack, "closed");
      return;
    }
  preview = tn_store_preview_cash_session (store, &error);
  if (preview == NULL)
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  amount = tn_manager_format_money (store, preview->float_amount, NULL);
  text = g_strdup_printf (_("A cash session is open on terminal %s, with a float of %s"),
                          tn_store_get_terminal (store), amount);
  tn_ui_label_set_text (self->state_label, text, _("Cash session state"));
  g_clear_pointer (&amount, g_free);
  g_clear_pointer (&text, g_free);
  /* A blind count shows nothing expected before counting. */
  amount = tn_manager_format_money (store, preview->expected, NULL);
  text = g_strdup_printf (_("Expected in the drawer: %s"), amount);
  tn_ui_label_set_text (self->expected_label, text, _("Expected cash"));
  gtk_widget_set_visible (GTK_WIDGET (self->expected_label),
                          !gtk_check_button_get_active (self->blind_check));
  gtk_stack_set_visible_child_name (self->stack, "open");
}

static void
committed (TnCashWindow *self)
{
  tn_manager_show_error (self->error_label, NULL);
  tn_application_notify_store_changed (self->app);
  refresh (self);
}

static void
on_open_clicked (GtkWidget    *widget,
                 TnCashWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *session = NULL;
  gint64 amount;

  if (store == NULL || !read_amount (self, store, self->float_entry, &amount))
    return;
  session = tn_store_open_cash_session (store, amount, tn_application_get_cashier_id (self->app),
                                        &error);
  if (session == NULL)
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  gtk_editable_set_text (self->float_entry, "");
  committed (self);
}

static void
move_cash (TnCashWindow *self,
           gboolean      cash_in)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  gint64 amount;

  if (store == NULL || !read_amount (self, store, self->move_amount_entry, &amount))
    return;
  reason = g_strstrip (g_strdup (gtk_editable_get_text (self->move_reason_entry)));
  if (*reason == '\0')
    {
      tn_manager_show_error (self->error_label, _("Give a reason for the cash movement"));
      gtk_widget_grab_focus (GTK_WIDGET (self->move_reason_entry));
      return;
    }
  if (!tn_store_move_cash (store, cash_in, amount, reason, &error))
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  gtk_editable_set_text (self->move_amount_entry, "");
  gtk_editable_set_text (self->move_reason_entry, "");
  committed (self);
}

static void
on_cash_in_clicked (GtkButton    *button,
                    TnCashWindow *self)
{
  move_cash (self, TRUE);
}

static void
on_cash_out_clicked (GtkButton    *button,
                     TnCashWindow *self)
{
  move_cash (self, FALSE);
}

static void
on_blind_toggled (GtkCheckButton *check,
                  TnCashWindow   *self)
{
  refresh (self);
}

static void
on_close_clicked (GtkWidget    *widget,
                  TnCashWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnZReport) report = NULL;
  gint64 counted;

  if (store == NULL || !read_amount (self, store, self->counted_entry, &counted))
    return;
  report = tn_store_close_cash_session (store, counted,
                                        gtk_check_button_get_active (self->blind_check), &error);
  if (report == NULL)
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  g_free (self->report_text);
  g_free (self->report_doc);
  self->report_text = tn_manager_z_report_text (store, report);
  self->report_doc = g_strdup (report->z_doc);
  gtk_label_set_text (self->report_status, "");
  tn_ui_label_set_text (self->report_label, self->report_text, _("Z report"));
  gtk_editable_set_text (self->counted_entry, "");
  tn_ui_label_set_text (self->state_label, _("The session is closed; its Z report:"),
                        _("Cash session state"));
  gtk_stack_set_visible_child_name (self->stack, "report");
  /* Not the report itself: focusing a selectable label selects it all. */
  gtk_widget_grab_focus (self->done_button);
  tn_manager_show_error (self->error_label, NULL);
  tn_application_notify_store_changed (self->app);
}

static void
on_print_clicked (GtkButton    *button,
                  TnCashWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *title = NULL;

  if (self->report_text == NULL)
    return;
  markup = g_markup_escape_text (self->report_text, -1);
  title = g_strdup_printf (_("Z report %s"), self->report_doc);
  if (!tn_print_text_document (GTK_WINDOW (self), title, markup, NULL, &error))
    tn_manager_show_error (self->error_label, error->message);
}

/* Z reports go to the Documents folder (Tendero/Z reports), named by
 * their number, like the receipts. */
static void
on_save_pdf_clicked (GtkButton    *button,
                     TnCashWindow *self)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autofree char *dir = g_build_filename (documents != NULL ? documents : g_get_home_dir (),
                                           "Tendero", "Z reports", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *markup = NULL;
  g_autofree char *title = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;

  if (self->report_text == NULL)
    return;
  name = g_strdup_printf ("z-report-%s.pdf", self->report_doc);
  g_strdelimit (name, "/\\", '-');
  path = g_build_filename (dir, name, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      text = g_strdup_printf (_("Could not create the folder %s: %s"), dir, g_strerror (errno));
      gtk_label_set_text (self->report_status, text);
      return;
    }
  markup = g_markup_escape_text (self->report_text, -1);
  title = g_strdup_printf (_("Z report %s"), self->report_doc);
  if (!tn_print_text_document (GTK_WINDOW (self), title, markup, path, &error))
    {
      gtk_label_set_text (self->report_status, error->message);
      return;
    }
  text = g_strdup_printf (_("Saved to %s"), path);
  gtk_label_set_text (self->report_status, text);
}

static void
on_done_clicked (GtkButton    *button,
                 TnCashWindow *self)
{
  gtk_stack_set_visible_child_name (self->stack, "closed");
  refresh (self);
  /* The Done button went away with its page: the next thing typed is
   * the next session's float (as when the window opens). */
  gtk_widget_grab_focus (GTK_WIDGET (self->float_entry));
}

static void
tn_cash_window_dispose (GObject *object)
{
  TnCashWindow *self = TN_CASH_WINDOW (object);

  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_CASH_WINDOW);
  G_OBJECT_CLASS (tn_cash_window_parent_class)->dispose (object);
}

static void
tn_cash_window_finalize (GObject *object)
{
  TnCashWindow *self = TN_CASH_WINDOW (object);

  g_free (self->report_text);
  g_free (self->report_doc);
  G_OBJECT_CLASS (tn_cash_window_parent_class)->finalize (object);
}

static void
tn_cash_window_class_init (TnCashWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_cash_window_dispose;
  object_class->finalize = tn_cash_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-cash-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, float_entry);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, move_amount_entry);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, move_reason_entry);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, blind_check);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, expected_label);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, counted_entry);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, report_label);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, done_button);
  gtk_widget_class_bind_template_child (widget_class, TnCashWindow, report_status);
  gtk_widget_class_bind_template_callback (widget_class, on_open_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cash_in_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cash_out_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_blind_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_close_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_print_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_pdf_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_done_clicked);
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
  gboolean created;

  g_return_if_fail (TN_IS_APPLICATION (app));

  /* Sales change what the drawer should hold: refresh on store changes. */
  self = TN_CASH_WINDOW (tn_manager_window_get (app, TN_TYPE_CASH_WINDOW,
                                                G_CALLBACK (refresh), &created));
  if (created)
    self->app = g_object_ref (app);
  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  refresh (self);
  gtk_window_present (GTK_WINDOW (self));
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "closed") == 0)
    gtk_widget_grab_focus (GTK_WIDGET (self->float_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->counted_entry));
}
