/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Money is gint64 minor units; quantities are gint64 thousandths
 * ("milli-units"); tax rates are basis points (1600 = 16 %); exchange
 * rates are micro-units of base currency per unit of the other.
 *
 * Every rounding is half away from zero, for both signs, so a return
 * (negative quantity) mirrors the sale exactly.
 *
 * The parsers are strict and ignore the locale: an optional '-' (only
 * where allowed), digits, then optionally '.' and digits.  At least one
 * digit on each side of the point ("1." and ".5" are refused); no
 * spaces, '+', exponents or thousands separators.  They fail with
 * TN_ERROR_INVALID, or TN_ERROR_TOO_LARGE when the value does not fit
 * in a gint64; the message quotes the input and says what is expected.
 * On failure the out argument is left untouched.
 *
 * The arithmetic fails with TN_ERROR_TOO_LARGE on overflow. */

#define TN_QTY_ONE 1000

/* The largest amount (minor units) or quantity (thousandths) an event
 * may carry, either sign: far from overflow when summed.  The parsers
 * refuse larger ones as too large, so a command fails with that clear
 * message instead of at event validation. */
#define TN_AMOUNT_MAX G_GINT64_CONSTANT (1000000000000000)

/* The most decimals a currency may have (10^18 still fits in a gint64;
 * ISO 4217 currencies have 0 to 4).  Larger values are programming
 * errors. */
#define TN_MONEY_MAX_DECIMALS 18

/* Divides and rounds half away from zero: (5, 10) → 1, (-5, 10) → -1,
 * (-15, 10) → -2.  Exact for every @num, G_MININT64 included.  @den must
 * be > 0. */
gint64   tn_money_div_round      (gint64        num,
                                  gint64        den);

/* "1.50" with 2 decimals → 150.  Rejects more decimals than the
 * currency has ("1.505", also "1.500"), signs where @allow_negative is
 * FALSE, garbage and overflow, with an error that quotes the input.
 * G_MININT64 itself ("-92233720368547758.08" with 2 decimals) parses. */
gboolean tn_money_parse          (const char   *text,
                                  guint         decimals,
                                  gboolean      allow_negative,
                                  gint64       *out_minor,
                                  GError      **error);

/* 150 with 2 decimals → "1.50", -5 → "-0.05", 7 with 0 decimals → "7"
 * (C locale, no grouping).  tn_money_parse() reads it back. */
char    *tn_money_format         (gint64        minor,
                                  guint         decimals);

/* "2", "0.5", "-3" → thousandths.  At most 3 decimals.  Zero ("0",
 * "0.000") is accepted: whether a zero quantity makes sense is for the
 * caller to decide. */
gboolean tn_quantity_parse       (const char   *text,
                                  gboolean      allow_negative,
                                  gint64       *out_milli,
                                  GError      **error);

/* 1500 → "1.5", 2000 → "2", 1 → "0.001": no trailing zeros. */
char    *tn_quantity_format      (gint64        milli);

/* "16", "16.5" or "16.25" percent → basis points (1600, 1650, 1625);
 * 0 … 100 %, at most 2 decimals.  Out of range is TN_ERROR_INVALID. */
gboolean tn_tax_parse            (const char   *text,
                                  gint          *out_bp,
                                  GError      **error);

/* "36.5" → 36500000 micro-units; at most 6 decimals; must be > 0. */
gboolean tn_rate_parse           (const char   *text,
                                  gint64       *out_micro,
                                  GError      **error);

/* A sale line: net = unit_price × qty / 1000, tax = net × bp / 10000,
 * total = net + tax, each rounded half away from zero.  With
 * @tax_inclusive the unit price already contains the tax:
 * total = round(price × qty / 1000), net = round(total × 10000 /
 * (10000 + bp)), tax = total − net.  Intermediates are 128-bit, so only
 * a result beyond gint64 fails (TN_ERROR_TOO_LARGE); @tax_bp outside
 * 0 … 10000 is TN_ERROR_INVALID. */
typedef struct
{
  gint64 net;
  gint64 tax;
  gint64 total;
} TnLineAmounts;

gboolean tn_money_line_amounts   (gint64          unit_price,
                                  gint64          qty_milli,
                                  gint            tax_bp,
                                  gboolean        tax_inclusive,
                                  TnLineAmounts  *out,
                                  GError        **error);

/* Converts @amount (minor units of the base currency, @from_decimals)
 * into the second currency (minor units, @to_decimals) at @rate_micro
 * base units per unit of the second currency:
 *   amount × 10^to_decimals × 10^6 / (rate_micro × 10^from_decimals)
 * computed exactly in 128 bits and rounded once, half away from zero.
 * 3650 VES (2 decimals) at 36500000 → 100 (1.00 USD).  Fails with
 * TN_ERROR_INVALID when @rate_micro ≤ 0 and TN_ERROR_TOO_LARGE on
 * overflow. */
gboolean tn_money_convert        (gint64        amount,
                                  guint         from_decimals,
                                  gint64        rate_micro,
                                  guint         to_decimals,
                                  gint64       *out,
                                  GError      **error);

/* Overflow-checked addition for running totals. */
gboolean tn_money_add            (gint64        a,
                                  gint64        b,
                                  gint64       *out,
                                  GError      **error);

G_END_DECLS
