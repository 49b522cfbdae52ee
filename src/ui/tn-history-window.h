/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* The day's sales, newest first, with search and voids. */

#define TN_TYPE_HISTORY_WINDOW (tn_history_window_get_type ())
G_DECLARE_FINAL_TYPE (TnHistoryWindow, tn_history_window, TN, HISTORY_WINDOW, GtkWindow)

/* Presents the window for @app (one per application), transient for
 * @parent. */
void tn_history_window_present (GtkWindow     *parent,
                             TnApplication *app);

G_END_DECLS
