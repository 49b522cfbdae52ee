/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-checkout-view.h"
#include "tn-window.h"

G_BEGIN_DECLS

/* Shared by tn-window.c and tn-window-actions.c. */
struct _TnWindow
{
  GtkApplicationWindow  parent_instance;

  TnApplication        *app;
  GSettings            *settings;          /* NULL when the schema is not installed */

  /* Template children */
  GtkLabel             *cashier_label;
  GtkBox               *header_end_box;
  GtkBox               *banner_box;
  GtkRevealer          *problem_revealer;
  GtkLabel             *problem_label;
  GtkStack             *stack;

  GtkWidget            *first_run_view;
  GtkWidget            *login_view;
  TnCheckoutView       *checkout_view;
  GtkWidget            *sync_indicator;   /* app-manager's, may be NULL */

  gint64                last_activity;    /* monotonic µs */
  guint                 idle_source;
};

void tn_window_install_actions (GtkWidgetClass *widget_class);
/* Enables the actions that make sense on the current page. */
void tn_window_update_actions  (TnWindow       *self);

G_END_DECLS
