/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"
#include "tn-cart.h"

G_BEGIN_DECLS

/* Taking the payment for the cart: cash (with change), card, cash and
 * card, or cash in the second currency; then tn_store_sell ().
 *
 * Signal "sale-completed" (TnSaleReceipt *receipt, transfer none; const
 * char *payments, how it was paid, for the receipt): the sale is
 * committed; the window closes right after. */

#define TN_TYPE_PAYMENT_WINDOW (tn_payment_window_get_type ())
G_DECLARE_FINAL_TYPE (TnPaymentWindow, tn_payment_window, TN, PAYMENT_WINDOW, GtkWindow)

/* NULL (with the reason shown on the cart) when the cart cannot be
 * priced. */
TnPaymentWindow *tn_payment_window_new (GtkWindow     *parent,
                                        TnApplication *app,
                                        TnCart        *cart);

G_END_DECLS
