/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"
#include "tn-cart.h"

G_BEGIN_DECLS

/* The receipt of a completed sale: fiscal number, a short excerpt of its
 * hash, the lines, totals in both currencies; Print, Save as PDF and New
 * Sale (which closes it). */

#define TN_TYPE_RECEIPT_WINDOW (tn_receipt_window_get_type ())
G_DECLARE_FINAL_TYPE (TnReceiptWindow, tn_receipt_window, TN, RECEIPT_WINDOW, GtkWindow)

/* @cart: the lines as sold (read now; the cart may be emptied after);
 * @payments: how it was paid, or NULL. */
GtkWindow *tn_receipt_window_new (GtkWindow           *parent,
                                  TnApplication       *app,
                                  const TnSaleReceipt *receipt,
                                  TnCart              *cart,
                                  const char          *payments);

/* The receipt as Pango markup for a monospace layout (shown and
 * printed); @cashier (who sold) and @payments (how it was paid) may be
 * NULL. */
char      *tn_receipt_format_markup (TnStore             *store,
                                     const TnSaleReceipt *receipt,
                                     TnCart              *cart,
                                     const char          *cashier,
                                     const char          *payments);

G_END_DECLS
