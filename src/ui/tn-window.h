/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"

G_BEGIN_DECLS

/* The lane's main window: header bar (who is selling, lock, sync status,
 * conflicts, menu), banners, and a stack of first run / login /
 * checkout. */

#define TN_TYPE_WINDOW (tn_window_get_type ())
G_DECLARE_FINAL_TYPE (TnWindow, tn_window, TN, WINDOW, GtkApplicationWindow)

TnWindow  *tn_window_new (TnApplication *app);

G_END_DECLS
