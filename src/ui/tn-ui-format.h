/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the checkout shows money and reads what the cashier types.  Plain
 * functions, unit-tested in tests/test-ui-format.c. */

/* "USD 12.50": the currency code, a space, tn_money_format ().  A NULL
 * or empty @currency gives the amount alone. */
char     *tn_ui_format_money      (gint64       minor,
                                   guint        decimals,
                                   const char  *currency);

/* Splits what was typed in the search field into a quantity and the
 * rest: "3*7501234567890" → 3000 and "7501234567890", "0.5 * COFFEE" →
 * 500 and "COFFEE"; without a '*' the quantity is one.  FALSE with an
 * error for a bad or zero quantity ("x*COFFEE", "0*COFFEE"). */
gboolean  tn_ui_parse_search      (const char  *text,
                                   gint64      *out_qty_milli,
                                   char       **out_query,
                                   GError     **error);

/* The amount typed into "Amount received": empty means "not given"
 * (@out_given FALSE); otherwise it must parse with @decimals.  A decimal
 * comma is taken as a point, since that is what many keypads send. */
gboolean  tn_ui_parse_amount      (const char  *text,
                                   guint        decimals,
                                   gboolean    *out_given,
                                   gint64      *out_minor,
                                   GError     **error);

/* The first @length characters of a document hash, for the receipt. */
char     *tn_ui_short_hash        (const char  *hash,
                                   guint        length);

G_END_DECLS
