/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tn-application-private.h"
#include "tn-first-run-view.h"
#include "tn-login-view.h"
#include "tn-ui-util.h"
#include "tn-window-private.h"

/* app-manager's header widgets; until they are in the tree the header
 * goes without them. */
#if __has_include("tn-sync-indicator.h")
# include "tn-sync-indicator.h"
# define HAVE_SYNC_INDICATOR 1
#endif
#if __has_include("tn-conflict-button.h")
# include "tn-conflict-button.h"
# define HAVE_CONFLICT_BUTTON 1
#endif
#if __has_include("tn-fiscal-banner.h")
# include "tn-fiscal-banner.h"
# define HAVE_FISCAL_BANNER 1
#endif

/* A lane left alone this long locks itself. */
#define IDLE_LOCK_MINUTES 10

G_DEFINE_FINAL_TYPE (TnWindow, tn_window, GTK_TYPE_APPLICATION_WINDOW)

static void
update_page (TnWindow *self)
{
  const char *cashier = tn_application_get_cashier_id (self->app);
  const char *name = tn_application_get_cashier_name (self->app);
  const char *page;

  if (tn_application_get_store (self->app) == NULL)
    page = "first-run";
  else if (cashier == NULL)
    page = "login";
  else
    page = "checkout";

  tn_ui_label_set_text (self->cashier_label, name, _("Cashier"));
  gtk_widget_set_visible (GTK_WIDGET (self->cashier_label), cashier != NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), page) != 0)
    gtk_stack_set_visible_child_name (self->stack, page);

  /* Put the keyboard where the cashier types next. */
  if (g_str_equal (page, "login"))
    tn_login_view_reset (TN_LOGIN_VIEW (self->login_view));
  else if (g_str_equal (page, "checkout"))
    tn_checkout_view_focus_search (self->checkout_view);
  else
    tn_first_run_view_focus (TN_FIRST_RUN_VIEW (self->first_run_view));
  tn_window_update_actions (self);
}

static void
update_problem (TnWindow *self)
{
  const char *problem = tn_application_get_problem (self->app);

  tn_ui_label_set_text (self->problem_label, problem, _("Lane problem"));
  gtk_revealer_set_reveal_child (self->problem_revealer, problem != NULL);
}

static void
on_cashier_changed (TnWindow *self)
{
  update_page (self);
}

static void
on_store_changed (TnWindow *self)
{
  /* Only the first run → login move: other commits leave the page. */
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "first-run") == 0)
    update_page (self);
}

static gboolean
on_idle_check (gpointer user_data)
{
  TnWindow *self = user_data;
  gint64 idle = g_get_monotonic_time () - self->last_activity;

  if (tn_application_get_cashier_id (self->app) != NULL &&
      idle > (gint64) IDLE_LOCK_MINUTES * 60 * G_USEC_PER_SEC &&
      tn_checkout_view_is_empty (self->checkout_view))
    tn_application_lock (self->app);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_any_event (GtkEventControllerLegacy *controller,
              GdkEvent                 *event,
              gpointer                  user_data)
{
  TnWindow *self = user_data;
  GdkEventType type = gdk_event_get_event_type (event);

  if (type == GDK_KEY_PRESS || type == GDK_BUTTON_PRESS || type == GDK_TOUCH_BEGIN)
    self->last_activity = g_get_monotonic_time ();
  return GDK_EVENT_PROPAGATE;
}

static void
save_window_state (TnWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)))
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static void
pack_header_widgets (TnWindow *self)
{
#ifdef HAVE_SYNC_INDICATOR
  self->sync_indicator = tn_sync_indicator_new (self->app);
  gtk_box_append (self->header_end_box, self->sync_indicator);
#endif
#ifdef HAVE_CONFLICT_BUTTON
  gtk_box_append (self->header_end_box, tn_conflict_button_new (self->app));
#endif
#ifdef HAVE_FISCAL_BANNER
  gtk_box_append (self->banner_box, tn_fiscal_banner_new (self->app));
#endif
}

/* After construction: GtkWindow's "application" is not a construct
 * property, so it is only known once g_object_new () returns. */
static void
setup (TnWindow      *self,
       TnApplication *app)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  self->app = app;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APPLICATION_ID, TRUE);
  if (schema != NULL)
    {
      self->settings = g_settings_new_full (schema, NULL, NULL);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  self->first_run_view = tn_first_run_view_new (self->app);
  gtk_stack_add_named (self->stack, self->first_run_view, "first-run");
  self->login_view = tn_login_view_new (self->app);
  gtk_stack_add_named (self->stack, self->login_view, "login");
  self->checkout_view = TN_CHECKOUT_VIEW (tn_checkout_view_new (self->app, self->settings));
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->checkout_view), "checkout");
  g_signal_connect_object (self->checkout_view, "notify::lines-editable",
                           G_CALLBACK (tn_window_update_actions), self, G_CONNECT_SWAPPED);

  pack_header_widgets (self);

  g_signal_connect_object (self->app, "notify::cashier-id",
                           G_CALLBACK (on_cashier_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->app, "store-changed",
                           G_CALLBACK (on_store_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->app, "notify::problem",
                           G_CALLBACK (update_problem), self, G_CONNECT_SWAPPED);

  self->last_activity = g_get_monotonic_time ();
  self->idle_source = g_timeout_add_seconds (30, on_idle_check, self);

  update_problem (self);
  update_page (self);
}

static void
tn_window_dispose (GObject *object)
{
  TnWindow *self = TN_WINDOW (object);

  g_clear_handle_id (&self->idle_source, g_source_remove);
  /* Ctrl+Q destroys the window without a close request. */
  save_window_state (self);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_WINDOW);
  G_OBJECT_CLASS (tn_window_parent_class)->dispose (object);
}

static void
tn_window_class_init (TnWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tendero/Tendero/tn-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnWindow, cashier_label);
  gtk_widget_class_bind_template_child (widget_class, TnWindow, header_end_box);
  gtk_widget_class_bind_template_child (widget_class, TnWindow, banner_box);
  gtk_widget_class_bind_template_child (widget_class, TnWindow, problem_revealer);
  gtk_widget_class_bind_template_child (widget_class, TnWindow, problem_label);
  gtk_widget_class_bind_template_child (widget_class, TnWindow, stack);

  tn_window_install_actions (widget_class);
}

static void
tn_window_init (TnWindow *self)
{
  GtkEventController *legacy = gtk_event_controller_legacy_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_event_controller_set_propagation_phase (legacy, GTK_PHASE_CAPTURE);
  g_signal_connect (legacy, "event", G_CALLBACK (on_any_event), self);
  gtk_widget_add_controller (GTK_WIDGET (self), legacy);
}

TnWindow *
tn_window_new (TnApplication *app)
{
  TnWindow *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  self = g_object_new (TN_TYPE_WINDOW, "application", app, NULL);
  setup (self, app);
  return self;
}
