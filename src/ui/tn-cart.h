/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tn-cart-line.h"
#include "tn-operations.h"

G_BEGIN_DECLS

/* The cart being rung up: a GListModel of TnCartLine, one line per SKU
 * (adding a SKU already there adds to its quantity).  Property
 * "n-items" is notified with every change. */

#define TN_TYPE_CART (tn_cart_get_type ())
G_DECLARE_FINAL_TYPE (TnCart, tn_cart, TN, CART, GObject)

TnCart        *tn_cart_new           (void);
/* Adds @line (taking it) or, when its SKU is already in the cart, adds
 * its quantity to that line.  Returns the position of the line. */
guint          tn_cart_add_line      (TnCart      *self,
                                      TnCartLine  *line);
TnCartLine    *tn_cart_get_line      (TnCart      *self,
                                      guint        position);
/* A quantity of zero removes the line.  FALSE (nothing changed) for a
 * position outside the cart or a negative quantity. */
gboolean       tn_cart_set_quantity  (TnCart      *self,
                                      guint        position,
                                      gint64       qty_milli);
/* Adds @delta_milli to the line's quantity; at zero or below the line
 * goes. */
gboolean       tn_cart_change_quantity (TnCart    *self,
                                      guint        position,
                                      gint64       delta_milli);
gboolean       tn_cart_remove        (TnCart      *self,
                                      guint        position);
void           tn_cart_clear         (TnCart      *self);
/* Updates the line of @sku to a new price (and tax); TRUE if a line
 * changed. */
gboolean       tn_cart_reprice       (TnCart      *self,
                                      const char  *sku,
                                      gint64       unit_price,
                                      gint         tax_bp);
/* The sale request for the cart's lines (no payments yet). */
TnSaleRequest *tn_cart_to_request    (TnCart      *self);

G_END_DECLS
