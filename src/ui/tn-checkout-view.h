/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"

G_BEGIN_DECLS

/* Ringing up a sale: the search field (barcode, SKU or name), quick keys,
 * the cart and its totals, and Pay.
 *
 * Property "lines-editable": whether Delete, plus and minus act on the
 * cart (the search field is empty) rather than being typed. */

#define TN_TYPE_CHECKOUT_VIEW (tn_checkout_view_get_type ())
G_DECLARE_FINAL_TYPE (TnCheckoutView, tn_checkout_view, TN, CHECKOUT_VIEW, GtkWidget)

/* @settings: the application's GSettings (quick keys), or NULL. */
GtkWidget *tn_checkout_view_new                 (TnApplication  *app,
                                                 GSettings      *settings);
void       tn_checkout_view_focus_search        (TnCheckoutView *self);
void       tn_checkout_view_pay                 (TnCheckoutView *self);
void       tn_checkout_view_remove_line         (TnCheckoutView *self);
void       tn_checkout_view_change_quantity     (TnCheckoutView *self,
                                                 gint64          delta_milli);
void       tn_checkout_view_cancel_sale         (TnCheckoutView *self);
gboolean   tn_checkout_view_get_lines_editable  (TnCheckoutView *self);
gboolean   tn_checkout_view_is_empty            (TnCheckoutView *self);

G_END_DECLS
