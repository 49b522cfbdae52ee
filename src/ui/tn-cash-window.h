/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* The terminal's cash session: open with a float, cash in and out,
 * close with a (blind) count, and the Z report on screen and printed. */

#define TN_TYPE_CASH_WINDOW (tn_cash_window_get_type ())
G_DECLARE_FINAL_TYPE (TnCashWindow, tn_cash_window, TN, CASH_WINDOW, GtkWindow)

/* Presents the window for @app (one per application), transient for
 * @parent. */
void tn_cash_window_present (GtkWindow     *parent,
                             TnApplication *app);

G_END_DECLS
