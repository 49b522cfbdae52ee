/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* Open conflicts, each candidate value side by side; a manager picks one. */

#define TN_TYPE_CONFLICTS_WINDOW (tn_conflicts_window_get_type ())
G_DECLARE_FINAL_TYPE (TnConflictsWindow, tn_conflicts_window, TN, CONFLICTS_WINDOW, GtkWindow)

/* Presents the window for @app (one per application), transient for
 * @parent. */
void tn_conflicts_window_present (GtkWindow     *parent,
                             TnApplication *app);

G_END_DECLS
