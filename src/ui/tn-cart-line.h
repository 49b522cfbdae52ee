/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One line of the cart being rung up: a product and how many.  Prices
 * here are for showing only; the sale is priced by tn_store_quote_sale ()
 * and tn_store_sell () from the catalogue.
 *
 * Properties: "quantity" (gint64 thousandths, notified) and
 * "quantity-text", "total-text" (for list rows). */

#define TN_TYPE_CART_LINE (tn_cart_line_get_type ())
G_DECLARE_FINAL_TYPE (TnCartLine, tn_cart_line, TN, CART_LINE, GObject)

TnCartLine *tn_cart_line_new            (const char *sku,
                                         const char *name,
                                         gint64      unit_price,
                                         gint        tax_bp,
                                         guint       decimals,
                                         gboolean    tax_inclusive,
                                         gint64      qty_milli);
const char *tn_cart_line_get_sku        (TnCartLine *self);
const char *tn_cart_line_get_name       (TnCartLine *self);
gint64      tn_cart_line_get_unit_price (TnCartLine *self);
gint        tn_cart_line_get_tax_bp     (TnCartLine *self);
/* Another lane changed the price while the sale is rung up. */
void        tn_cart_line_set_unit_price (TnCartLine *self,
                                         gint64      unit_price,
                                         gint        tax_bp);
gint64      tn_cart_line_get_quantity   (TnCartLine *self);
void        tn_cart_line_set_quantity   (TnCartLine *self,
                                         gint64      qty_milli);
/* The line's total with tax in minor units, or -1 if it overflows. */
gint64      tn_cart_line_get_total      (TnCartLine *self);
char       *tn_cart_line_dup_quantity_text (TnCartLine *self);
char       *tn_cart_line_dup_total_text (TnCartLine *self);

G_END_DECLS
