/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-money.h"

#include <string.h>

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-error.h"

/* Line amounts and conversions multiply two gint64 values; a 128-bit
 * intermediate holds any such product exactly. */
#ifndef __SIZEOF_INT128__
# error "tn-money.c needs a compiler with __int128 (GCC or Clang on a 64-bit target)"
#endif

typedef __int128 TnWide;

#define QTY_DECIMALS  3
#define TAX_DECIMALS  2
#define RATE_DECIMALS 6
#define BP_ONE        10000   /* 100 % in basis points */

/* Inputs are not quoted in full when they are absurdly long. */
#define QUOTE_MAX_CHARS 40

typedef enum
{
  DECIMAL_OK,
  DECIMAL_MALFORMED,       /* not -?DIGITS(.DIGITS)? */
  DECIMAL_NEGATIVE,        /* a '-' where none is allowed */
  DECIMAL_TOO_PRECISE,     /* more fraction digits than allowed */
  DECIMAL_TOO_LARGE,       /* does not fit in a gint64 once scaled */
} DecimalStatus;

/* 10^@n for @n ≤ TN_MONEY_MAX_DECIMALS. */
static gint64
power_of_ten (guint n)
{
  gint64 p = 1;

  g_assert (n <= TN_MONEY_MAX_DECIMALS);

  while (n-- > 0)
    p *= 10;
  return p;
}

/* 10^@n for @n ≤ 38. */
static TnWide
wide_power_of_ten (guint n)
{
  TnWide p = 1;

  g_assert (n <= 38);

  while (n-- > 0)
    p *= 10;
  return p;
}

/* The one rounding rule of the money code: half away from zero, for any
 * sign of @num; @den > 0.  Fails when the quotient does not fit in a
 * gint64. */
static gboolean
wide_div_round (TnWide  num,
                TnWide  den,
                gint64 *out)
{
  TnWide q = num / den;
  TnWide r = num % den;       /* carries the sign of num */
  TnWide abs_r = r < 0 ? -r : r;

  /* |r| ≥ den / 2, written so that it cannot overflow */
  if (abs_r >= den - abs_r)
    q += num < 0 ? -1 : 1;

  if (q < G_MININT64 || q > G_MAXINT64)
    return FALSE;

  *out = (gint64) q;
  return TRUE;
}

/* Parses -?DIGITS(.DIGITS)? in the C locale into value × 10^@scale.
 * Leading zeros are accepted ("007", "0.50"); nothing else is: no
 * spaces, no '+', no exponent, no grouping, at least one digit on each
 * side of the point.  G_MININT64 itself is representable. */
static DecimalStatus
parse_decimal (const char *text,
               guint       scale,
               gboolean    allow_negative,
               gint64     *out)
{
  const char *p = text;
  const char *int_digits;
  const char *frac_digits = NULL;
  gsize int_len;
  gsize frac_len = 0;
  gboolean negative = FALSE;
  guint64 limit;
  guint64 value = 0;

  g_assert (scale <= TN_MONEY_MAX_DECIMALS);

  if (*p == '-')
    {
      negative = TRUE;
      p++;
    }

  int_digits = p;
  while (g_ascii_isdigit (*p))
    p++;
  int_len = p - int_digits;
  if (int_len == 0)
    return DECIMAL_MALFORMED;

  if (*p == '.')
    {
      frac_digits = ++p;
      while (g_ascii_isdigit (*p))
        p++;
      frac_len = p - frac_digits;
      if (frac_len == 0)
        return DECIMAL_MALFORMED;
    }

  if (*p != '\0')
    return DECIMAL_MALFORMED;
  if (negative && !allow_negative)
    return DECIMAL_NEGATIVE;
  if (frac_len > scale)
    return DECIMAL_TOO_PRECISE;

  /* Accumulate the magnitude, the fraction padded with zeros up to
   * @scale digits, refusing anything past what the sign allows. */
  limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  for (gsize i = 0; i < int_len + scale; i++)
    {
      guint digit;

      if (i < int_len)
        digit = int_digits[i] - '0';
      else if (i - int_len < frac_len)
        digit = frac_digits[i - int_len] - '0';
      else
        digit = 0;

      if (value > (limit - digit) / 10)
        return DECIMAL_TOO_LARGE;
      value = value * 10 + digit;
    }

  if (!negative)
    *out = (gint64) value;
  else if (value == (guint64) G_MAXINT64 + 1)
    *out = G_MININT64;
  else
    *out = -(gint64) value;

  return DECIMAL_OK;
}

/* The input as it goes into an error message: valid UTF-8, and cut
 * short if someone pasted a novel into the price field. */
static char *
quote_input (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);

  if (g_utf8_strlen (valid, -1) > QUOTE_MAX_CHARS)
    {
      const char *end = g_utf8_offset_to_pointer (valid, QUOTE_MAX_CHARS);

      return g_strdup_printf ("%.*s…", (int) (end - valid), valid);
    }

  return g_steal_pointer (&valid);
}

/* "1", "1.5", "1.50", "1.500" …: an example amount with @decimals. */
static char *
example_amount (guint decimals)
{
  GString *s = g_string_new ("1");

  if (decimals > 0)
    {
      g_string_append (s, ".5");
      for (guint i = 1; i < decimals; i++)
        g_string_append_c (s, '0');
    }

  return g_string_free (s, FALSE);
}

static void
set_too_large (GError **error)
{
  g_set_error_literal (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                       _("The amount is too large to compute"));
}

gint64
tn_money_div_round (gint64 num,
                    gint64 den)
{
  gint64 q;
  gint64 r;
  guint64 abs_r;

  g_return_val_if_fail (den > 0, 0);

  /* den > 0, so neither operation can overflow (only G_MININT64 / -1
   * does), and r has the sign of num. */
  q = num / den;
  r = num % den;
  abs_r = r < 0 ? -(guint64) r : (guint64) r;

  /* |r| ≥ den / 2 without computing 2 × |r|.  When this adds one,
   * den ≥ 2 and so |q| ≤ 2^62: no overflow either. */
  if (abs_r >= (guint64) den - abs_r)
    q += num < 0 ? -1 : 1;

  return q;
}

gboolean
tn_money_parse (const char  *text,
                guint        decimals,
                gboolean     allow_negative,
                gint64      *out_minor,
                GError     **error)
{
  g_autofree char *quoted = NULL;
  g_autofree char *example = NULL;
  DecimalStatus status;
  gint64 value = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (decimals <= TN_MONEY_MAX_DECIMALS, FALSE);
  g_return_val_if_fail (out_minor != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  status = parse_decimal (text, decimals, allow_negative, &value);
  if (status == DECIMAL_OK)
    {
      *out_minor = value;
      return TRUE;
    }

  quoted = quote_input (text);
  example = example_amount (decimals);

  switch (status)
    {
    case DECIMAL_NEGATIVE:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid amount: it cannot be negative"), quoted);
      break;

    case DECIMAL_TOO_PRECISE:
      if (decimals == 0)
        g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                     _("“%s” is not a valid amount: this currency has no decimals, "
                       "use a whole number like %s"),
                     quoted, example);
      else
        g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                     ngettext ("“%s” is not a valid amount: use at most %u decimal, like %s",
                               "“%s” is not a valid amount: use at most %u decimals, like %s",
                               decimals),
                     quoted, decimals, example);
      break;

    case DECIMAL_TOO_LARGE:
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("“%s” is too large for an amount"), quoted);
      break;

    case DECIMAL_MALFORMED:
    case DECIMAL_OK:
    default:
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid amount: use digits and an optional decimal "
                     "point, like %s"),
                   quoted, example);
      break;
    }

  return FALSE;
}

char *
tn_money_format (gint64 minor,
                 guint  decimals)
{
  /* -(guint64) is well defined for every value, G_MININT64 included */
  guint64 magnitude = minor < 0 ? -(guint64) minor : (guint64) minor;
  const char *sign = minor < 0 ? "-" : "";
  guint64 scale;

  g_return_val_if_fail (decimals <= TN_MONEY_MAX_DECIMALS, NULL);

  if (decimals == 0)
    return g_strdup_printf ("%s%" PRIu64, sign, magnitude);

  scale = power_of_ten (decimals);
  return g_strdup_printf ("%s%" PRIu64 ".%0*" PRIu64,
                          sign, magnitude / scale, (int) decimals, magnitude % scale);
}

gboolean
tn_quantity_parse (const char  *text,
                   gboolean     allow_negative,
                   gint64      *out_milli,
                   GError     **error)
{
  g_autofree char *quoted = NULL;
  gint64 value = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_milli != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (parse_decimal (text, QTY_DECIMALS, allow_negative, &value))
    {
    case DECIMAL_OK:
      *out_milli = value;
      return TRUE;

    case DECIMAL_NEGATIVE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid quantity: it cannot be negative"), quoted);
      return FALSE;

    case DECIMAL_TOO_PRECISE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid quantity: use at most 3 decimals, like 0.125"),
                   quoted);
      return FALSE;

    case DECIMAL_TOO_LARGE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("“%s” is too large for a quantity"), quoted);
      return FALSE;

    case DECIMAL_MALFORMED:
    default:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid quantity: use digits and an optional decimal "
                     "point, like 2 or 0.5"),
                   quoted);
      return FALSE;
    }
}

char *
tn_quantity_format (gint64 milli)
{
  char *text = tn_money_format (milli, QTY_DECIMALS);
  gsize len = strlen (text);

  /* "1.500" → "1.5", "2.000" → "2" */
  while (text[len - 1] == '0')
    text[--len] = '\0';
  if (text[len - 1] == '.')
    text[--len] = '\0';

  return text;
}

gboolean
tn_tax_parse (const char  *text,
              gint        *out_bp,
              GError     **error)
{
  g_autofree char *quoted = NULL;
  DecimalStatus status;
  gint64 value = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_bp != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  status = parse_decimal (text, TAX_DECIMALS, FALSE, &value);
  if (status == DECIMAL_OK && value <= BP_ONE)
    {
      *out_bp = (gint) value;
      return TRUE;
    }

  quoted = quote_input (text);
  if (status == DECIMAL_TOO_PRECISE)
    g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                 _("“%s” is not a valid tax rate: use at most 2 decimals, like 16.25"),
                 quoted);
  else
    g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                 _("“%s” is not a valid tax rate: use a percentage from 0 to 100, "
                   "like 16 or 16.5"),
                 quoted);

  return FALSE;
}

gboolean
tn_rate_parse (const char  *text,
               gint64      *out_micro,
               GError     **error)
{
  g_autofree char *quoted = NULL;
  gint64 value = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out_micro != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (parse_decimal (text, RATE_DECIMALS, FALSE, &value))
    {
    case DECIMAL_OK:
      if (value > 0)
        {
          *out_micro = value;
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;

    case DECIMAL_NEGATIVE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid exchange rate: it must be greater than zero"),
                   quoted);
      return FALSE;

    case DECIMAL_TOO_PRECISE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid exchange rate: use at most 6 decimals, "
                     "like 36.123456"),
                   quoted);
      return FALSE;

    case DECIMAL_TOO_LARGE:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_TOO_LARGE,
                   _("“%s” is too large for an exchange rate"), quoted);
      return FALSE;

    case DECIMAL_MALFORMED:
    default:
      quoted = quote_input (text);
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a valid exchange rate: use digits and an optional "
                     "decimal point, like 36.5"),
                   quoted);
      return FALSE;
    }
}

gboolean
tn_money_line_amounts (gint64          unit_price,
                       gint64          qty_milli,
                       gint            tax_bp,
                       gboolean        tax_inclusive,
                       TnLineAmounts  *out,
                       GError        **error)
{
  gint64 gross;
  gint64 net;
  gint64 tax;
  gint64 total;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (tax_bp < 0 || tax_bp > BP_ONE)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("A tax rate of %d basis points is outside 0 to 100 %%"), tax_bp);
      return FALSE;
    }

  /* |price × qty| < 2^126: exact in 128 bits. */
  if (!wide_div_round ((TnWide) unit_price * qty_milli, TN_QTY_ONE, &gross))
    {
      set_too_large (error);
      return FALSE;
    }

  if (!tax_inclusive)
    {
      net = gross;
      /* |tax| ≤ |net|: always fits */
      if (!wide_div_round ((TnWide) net * tax_bp, BP_ONE, &tax) ||
          __builtin_add_overflow (net, tax, &total))
        {
          set_too_large (error);
          return FALSE;
        }
    }
  else
    {
      total = gross;
      /* |net| ≤ |total| and both have the same sign, so neither the
       * division nor the subtraction can overflow. */
      if (!wide_div_round ((TnWide) total * BP_ONE, BP_ONE + tax_bp, &net))
        {
          set_too_large (error);
          return FALSE;
        }
      tax = total - net;
    }

  out->net = net;
  out->tax = tax;
  out->total = total;

  return TRUE;
}

gboolean
tn_money_convert (gint64   amount,
                  guint    from_decimals,
                  gint64   rate_micro,
                  guint    to_decimals,
                  gint64  *out,
                  GError **error)
{
  TnWide num = amount;
  TnWide den = rate_micro;
  int exponent;

  g_return_val_if_fail (from_decimals <= TN_MONEY_MAX_DECIMALS, FALSE);
  g_return_val_if_fail (to_decimals <= TN_MONEY_MAX_DECIMALS, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (rate_micro <= 0)
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                           _("The exchange rate must be greater than zero"));
      return FALSE;
    }

  /* result = amount × 10^to × 10^6 / (rate × 10^from); only the net
   * power of ten, -18 … +24, is applied, on one side or the other. */
  exponent = (int) to_decimals + RATE_DECIMALS - (int) from_decimals;

  if (exponent >= 0)
    {
      /* If |amount| × 10^exponent overflows 128 bits, dividing it by a
       * rate below 2^63 would leave more than 2^64: too large anyway. */
      if (__builtin_mul_overflow (num, wide_power_of_ten (exponent), &num))
        {
          set_too_large (error);
          return FALSE;
        }
    }
  else
    {
      /* < 2^63 × 10^12: fits */
      den *= wide_power_of_ten (-exponent);
    }

  if (!wide_div_round (num, den, out))
    {
      set_too_large (error);
      return FALSE;
    }

  return TRUE;
}

gboolean
tn_money_add (gint64   a,
              gint64   b,
              gint64  *out,
              GError **error)
{
  gint64 sum;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (__builtin_add_overflow (a, b, &sum))
    {
      set_too_large (error);
      return FALSE;
    }

  *out = sum;
  return TRUE;
}
