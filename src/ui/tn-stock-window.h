/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* Stock and products: receive and adjust stock, add and edit products. */

#define TN_TYPE_STOCK_WINDOW (tn_stock_window_get_type ())
G_DECLARE_FINAL_TYPE (TnStockWindow, tn_stock_window, TN, STOCK_WINDOW, GtkWindow)

/* Presents the window for @app (one per application), transient for
 * @parent. */
void tn_stock_window_present (GtkWindow     *parent,
                             TnApplication *app);

G_END_DECLS
