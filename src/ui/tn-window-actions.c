/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tn-money.h"
#include "tn-window-private.h"

/* The main window's actions (the accelerators are the application's; see
 * tn-application.c and gtk/help-overlay.ui).  The manager's windows are
 * app-manager's and join as they appear in the tree. */
#if __has_include("tn-history-window.h")
# include "tn-history-window.h"
# define HAVE_HISTORY_WINDOW 1
#endif
#if __has_include("tn-cash-window.h")
# include "tn-cash-window.h"
# define HAVE_CASH_WINDOW 1
#endif
#if __has_include("tn-stock-window.h")
# include "tn-stock-window.h"
# define HAVE_STOCK_WINDOW 1
#endif
#if __has_include("tn-sync-indicator.h")
# include "tn-sync-indicator.h"
# define HAVE_SYNC_INDICATOR 1
#endif
#if __has_include("tn-conflicts-window.h")
# include "tn-conflicts-window.h"
# define HAVE_CONFLICTS_WINDOW 1
#endif

static const char * const checkout_actions[] = {
  "win.focus-search", "win.pay", "win.cancel-sale",
};

/* Delete, plus and minus are also what people type into the search
 * field: these act on the cart only while the field is empty, and a
 * disabled action lets the key through to the entry. */
static const char * const line_actions[] = {
  "win.remove-line", "win.increase-qty", "win.decrease-qty",
};

static const char * const logged_in_actions[] = {
  "win.lock", "win.history", "win.cash", "win.stock", "win.conflicts",
};

void
tn_window_update_actions (TnWindow *self)
{
  gboolean checkout = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack),
                                 "checkout") == 0;
  gboolean logged_in = tn_application_get_cashier_id (self->app) != NULL;
  gboolean editable = checkout && tn_checkout_view_get_lines_editable (self->checkout_view);

  for (gsize i = 0; i < G_N_ELEMENTS (checkout_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), checkout_actions[i], checkout);
  for (gsize i = 0; i < G_N_ELEMENTS (line_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), line_actions[i], editable);
  for (gsize i = 0; i < G_N_ELEMENTS (logged_in_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), logged_in_actions[i], logged_in);
}

static void
focus_search_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  tn_checkout_view_focus_search (TN_WINDOW (widget)->checkout_view);
}

static void
pay_action (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  tn_checkout_view_pay (TN_WINDOW (widget)->checkout_view);
}

static void
remove_line_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  tn_checkout_view_remove_line (TN_WINDOW (widget)->checkout_view);
}

static void
increase_qty_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  tn_checkout_view_change_quantity (TN_WINDOW (widget)->checkout_view, TN_QTY_ONE);
}

static void
decrease_qty_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  tn_checkout_view_change_quantity (TN_WINDOW (widget)->checkout_view, -TN_QTY_ONE);
}

static void
cancel_sale_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  tn_checkout_view_cancel_sale (TN_WINDOW (widget)->checkout_view);
}

static void
lock_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
  tn_application_lock (TN_WINDOW (widget)->app);
}

static void
history_action (GtkWidget  *widget,
                const char *name,
                GVariant   *param)
{
#ifdef HAVE_HISTORY_WINDOW
  tn_history_window_present (GTK_WINDOW (widget), TN_WINDOW (widget)->app);
#endif
}

static void
cash_action (GtkWidget  *widget,
             const char *name,
             GVariant   *param)
{
#ifdef HAVE_CASH_WINDOW
  tn_cash_window_present (GTK_WINDOW (widget), TN_WINDOW (widget)->app);
#endif
}

static void
stock_action (GtkWidget  *widget,
              const char *name,
              GVariant   *param)
{
#ifdef HAVE_STOCK_WINDOW
  tn_stock_window_present (GTK_WINDOW (widget), TN_WINDOW (widget)->app);
#endif
}

static void
conflicts_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
#ifdef HAVE_CONFLICTS_WINDOW
  tn_conflicts_window_present (GTK_WINDOW (widget), TN_WINDOW (widget)->app);
#endif
}

static void
sync_details_action (GtkWidget  *widget,
                     const char *name,
                     GVariant   *param)
{
  TnWindow *self = TN_WINDOW (widget);

#ifdef HAVE_SYNC_INDICATOR
  if (self->sync_indicator != NULL)
    tn_sync_indicator_popup (TN_SYNC_INDICATOR (self->sync_indicator));
#endif
}

void
tn_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_action);
  gtk_widget_class_install_action (widget_class, "win.pay", NULL, pay_action);
  gtk_widget_class_install_action (widget_class, "win.remove-line", NULL, remove_line_action);
  gtk_widget_class_install_action (widget_class, "win.increase-qty", NULL, increase_qty_action);
  gtk_widget_class_install_action (widget_class, "win.decrease-qty", NULL, decrease_qty_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-sale", NULL, cancel_sale_action);
  gtk_widget_class_install_action (widget_class, "win.lock", NULL, lock_action);
  gtk_widget_class_install_action (widget_class, "win.history", NULL, history_action);
  gtk_widget_class_install_action (widget_class, "win.cash", NULL, cash_action);
  gtk_widget_class_install_action (widget_class, "win.stock", NULL, stock_action);
  gtk_widget_class_install_action (widget_class, "win.conflicts", NULL, conflicts_action);
  gtk_widget_class_install_action (widget_class, "win.sync-details", NULL, sync_details_action);
}
