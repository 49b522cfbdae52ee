/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib.h>

#include "tn-error.h"
#include "tn-money.h"

/* Shared by every reject table: the error has the expected code and
 * its message quotes the input, “like this”. */
static void
assert_rejected (const char *text,
                 GError     *error,
                 gint        code)
{
  g_autofree char *quoted = g_strdup_printf ("“%s”", text);

  g_test_message ("rejected “%s”: %s", text, error ? error->message : "(no error)");
  g_assert_error (error, TN_ERROR, code);
  g_assert_nonnull (strstr (error->message, quoted));
}

static void
test_div_round_table (void)
{
  static const struct
  {
    gint64 num;
    gint64 den;
    gint64 expected;
  } cases[] = {
    { 5, 10, 1 },
    { -5, 10, -1 },
    { 4, 10, 0 },
    { -4, 10, 0 },
    { 6, 10, 1 },
    { -6, 10, -1 },
    { 15, 10, 2 },
    { -15, 10, -2 },
    { 25, 10, 3 },
    { -25, 10, -3 },
    { 0, 7, 0 },
    { 7, 1, 7 },
    { -7, 1, -7 },
    { 1, 2, 1 },
    { -1, 2, -1 },
    { 1, 3, 0 },
    { 2, 3, 1 },
    { -2, 3, -1 },
    { 9552, 100, 96 },
    /* extremes: no overflow anywhere */
    { G_MININT64, 1, G_MININT64 },
    { G_MAXINT64, 1, G_MAXINT64 },
    { G_MININT64, 2, -(G_GINT64_CONSTANT (1) << 62) },
    { G_MININT64, 3, G_GINT64_CONSTANT (-3074457345618258603) },
    { G_MAXINT64, 2, G_GINT64_CONSTANT (4611686018427387904) },
    { G_MININT64, G_MAXINT64, -1 },
    { G_MAXINT64, G_MAXINT64, 1 },
    { G_MININT64 + 1, G_MAXINT64, -1 },
    { G_MAXINT64 - 1, G_MAXINT64, 1 },
    /* remainder of exactly den / 2 cannot occur for odd den; check
     * both sides of it */
    { G_GINT64_CONSTANT (1) << 62, G_MAXINT64, 1 },
    { (G_GINT64_CONSTANT (1) << 62) - 1, G_MAXINT64, 0 },
    { -(G_GINT64_CONSTANT (1) << 62), G_MAXINT64, -1 },
    { -(G_GINT64_CONSTANT (1) << 62) + 1, G_MAXINT64, 0 },
    /* remainder of exactly den / 2 for an even den near the top */
    { G_MAXINT64 / 2, G_MAXINT64 - 1, 1 },
    { -(G_MAXINT64 / 2), G_MAXINT64 - 1, -1 },
    { G_MININT64, G_MAXINT64 - 1, -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("div_round (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                      cases[i].num, cases[i].den);
      g_assert_cmpint (tn_money_div_round (cases[i].num, cases[i].den), ==, cases[i].expected);
    }
}

/* Small values against libm's round(), which also rounds half away
 * from zero; here every quotient and every half is exact in a double. */
static void
test_div_round_exhaustive (void)
{
  for (gint64 den = 1; den <= 64; den++)
    for (gint64 num = -2000; num <= 2000; num++)
      {
        gint64 expected = (gint64) round ((double) num / (double) den);

        if (tn_money_div_round (num, den) != expected)
          {
            g_test_message ("div_round (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")", num, den);
            g_assert_cmpint (tn_money_div_round (num, den), ==, expected);
          }
        /* symmetric: returns mirror sales */
        g_assert_cmpint (tn_money_div_round (-num, den), ==, -tn_money_div_round (num, den));
      }
}

static void
test_money_parse_accept (void)
{
  static const struct
  {
    const char *text;
    guint decimals;
    gboolean allow_negative;
    gint64 expected;
  } cases[] = {
    { "0", 2, FALSE, 0 },
    { "1", 2, FALSE, 100 },
    { "1.5", 2, FALSE, 150 },
    { "1.50", 2, FALSE, 150 },
    { "0.05", 2, FALSE, 5 },
    { "0.5", 2, FALSE, 50 },
    { "007", 2, FALSE, 700 },
    { "1234567.89", 2, FALSE, 123456789 },
    { "-1.25", 2, TRUE, -125 },
    { "-0.05", 2, TRUE, -5 },
    { "-0", 2, TRUE, 0 },
    { "1.25", 2, TRUE, 125 },
    { "7", 0, FALSE, 7 },
    { "-7", 0, TRUE, -7 },
    { "1.234", 3, FALSE, 1234 },
    { "1.2", 3, FALSE, 1200 },
    { "1.2345", 4, FALSE, 12345 },
    { "92233720368547758.07", 2, FALSE, G_MAXINT64 },
    { "-92233720368547758.07", 2, TRUE, -G_MAXINT64 },
    { "-92233720368547758.08", 2, TRUE, G_MININT64 },
    { "9223372036854775807", 0, FALSE, G_MAXINT64 },
    { "-9223372036854775808", 0, TRUE, G_MININT64 },
    { "000000000000000000000000000001", 0, FALSE, 1 },
    { "0.000000000000000001", 18, FALSE, 1 },
    { "9.223372036854775807", 18, FALSE, G_MAXINT64 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = 42;

      g_test_message ("parse “%s” with %u decimals", cases[i].text, cases[i].decimals);
      g_assert_true (tn_money_parse (cases[i].text, cases[i].decimals,
                                     cases[i].allow_negative, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, cases[i].expected);
    }
}

static void
test_money_parse_reject (void)
{
  static const struct
  {
    const char *text;
    guint decimals;
    gboolean allow_negative;
    gint code;
  } cases[] = {
    { "", 2, TRUE, TN_ERROR_INVALID },
    { " 1", 2, TRUE, TN_ERROR_INVALID },
    { "1 ", 2, TRUE, TN_ERROR_INVALID },
    { "1\n", 2, TRUE, TN_ERROR_INVALID },
    { "+1", 2, TRUE, TN_ERROR_INVALID },
    { "1.", 2, TRUE, TN_ERROR_INVALID },
    { ".5", 2, TRUE, TN_ERROR_INVALID },
    { "-.5", 2, TRUE, TN_ERROR_INVALID },
    { ".", 2, TRUE, TN_ERROR_INVALID },
    { "-", 2, TRUE, TN_ERROR_INVALID },
    { "--1", 2, TRUE, TN_ERROR_INVALID },
    { "- 1", 2, TRUE, TN_ERROR_INVALID },
    { "1e3", 2, TRUE, TN_ERROR_INVALID },
    { "1E3", 2, TRUE, TN_ERROR_INVALID },
    { "0x10", 2, TRUE, TN_ERROR_INVALID },
    { "1,000", 2, TRUE, TN_ERROR_INVALID },
    { "1,50", 2, TRUE, TN_ERROR_INVALID },
    { "1 000", 2, TRUE, TN_ERROR_INVALID },
    { "1'000", 2, TRUE, TN_ERROR_INVALID },
    { "1.000.000", 2, TRUE, TN_ERROR_INVALID },
    { "1.2.3", 2, TRUE, TN_ERROR_INVALID },
    { "1.5x", 2, TRUE, TN_ERROR_INVALID },
    { "$1", 2, TRUE, TN_ERROR_INVALID },
    { "abc", 2, TRUE, TN_ERROR_INVALID },
    { "NaN", 2, TRUE, TN_ERROR_INVALID },
    { "inf", 2, TRUE, TN_ERROR_INVALID },
    { "١٢", 2, TRUE, TN_ERROR_INVALID },           /* Arabic-Indic digits */
    { "１", 2, TRUE, TN_ERROR_INVALID },            /* fullwidth digit */
    { "1.505", 2, TRUE, TN_ERROR_INVALID },
    { "1.500", 2, TRUE, TN_ERROR_INVALID },
    { "1.5", 0, TRUE, TN_ERROR_INVALID },
    { "1.0", 0, TRUE, TN_ERROR_INVALID },
    { "1.2345", 3, TRUE, TN_ERROR_INVALID },
    { "-1", 2, FALSE, TN_ERROR_INVALID },
    { "-0", 2, FALSE, TN_ERROR_INVALID },
    { "92233720368547758.08", 2, TRUE, TN_ERROR_TOO_LARGE },
    { "-92233720368547758.09", 2, TRUE, TN_ERROR_TOO_LARGE },
    { "9223372036854775808", 0, TRUE, TN_ERROR_TOO_LARGE },
    { "99999999999999999999999999999999", 0, TRUE, TN_ERROR_TOO_LARGE },
    { "10", 18, TRUE, TN_ERROR_TOO_LARGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = 42;

      g_assert_false (tn_money_parse (cases[i].text, cases[i].decimals,
                                      cases[i].allow_negative, &value, &error));
      assert_rejected (cases[i].text, error, cases[i].code);
      g_assert_cmpint (value, ==, 42);
    }
}

static void
test_money_parse_messages (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_input = g_strnfill (200, '7');
  gint64 value;

  g_assert_false (tn_money_parse ("1.505", 2, FALSE, &value, &error));
  g_assert_cmpstr (error->message, ==,
                   "“1.505” is not a valid amount: use at most 2 decimals, like 1.50");
  g_clear_error (&error);

  g_assert_false (tn_money_parse ("1.5", 0, FALSE, &value, &error));
  g_assert_cmpstr (error->message, ==,
                   "“1.5” is not a valid amount: this currency has no decimals, "
                   "use a whole number like 1");
  g_clear_error (&error);

  g_assert_false (tn_money_parse ("-3", 2, FALSE, &value, &error));
  g_assert_cmpstr (error->message, ==, "“-3” is not a valid amount: it cannot be negative");
  g_clear_error (&error);

  g_assert_false (tn_money_parse ("1,50", 2, FALSE, &value, &error));
  g_assert_cmpstr (error->message, ==,
                   "“1,50” is not a valid amount: use digits and an optional decimal "
                   "point, like 1.50");
  g_clear_error (&error);

  /* an absurdly long input is cut short in the message */
  g_assert_false (tn_money_parse (long_input, 2, FALSE, &value, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_TOO_LARGE);
  g_assert_cmpuint (strlen (error->message), <, 100);
  g_assert_nonnull (strstr (error->message, "7777…”"));
  g_clear_error (&error);

  /* invalid UTF-8 never reaches the message */
  g_assert_false (tn_money_parse ("1\xff", 2, FALSE, &value, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_money_format (void)
{
  static const struct
  {
    gint64 minor;
    guint decimals;
    const char *expected;
  } cases[] = {
    { 150, 2, "1.50" },
    { -5, 2, "-0.05" },
    { 7, 0, "7" },
    { -7, 0, "-7" },
    { 0, 2, "0.00" },
    { 0, 0, "0" },
    { 5, 2, "0.05" },
    { 100, 2, "1.00" },
    { 123456789, 2, "1234567.89" },
    { 1234, 3, "1.234" },
    { 1, 4, "0.0001" },
    { G_MAXINT64, 2, "92233720368547758.07" },
    { G_MININT64, 2, "-92233720368547758.08" },
    { G_MININT64, 0, "-9223372036854775808" },
    { G_MAXINT64, 18, "9.223372036854775807" },
    { G_MININT64, 18, "-9.223372036854775808" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tn_money_format (cases[i].minor, cases[i].decimals);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_money_round_trip (void)
{
  static const gint64 values[] = {
    0, 1, -1, 9, 10, 99, 100, 101, 150, -150, 999999, 1000000, 123456789,
    G_MAXINT64, G_MININT64, G_MAXINT64 - 1, G_MININT64 + 1,
  };

  for (guint decimals = 0; decimals <= TN_MONEY_MAX_DECIMALS; decimals++)
    for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *text = tn_money_format (values[i], decimals);
        gint64 back = 0;

        g_assert_true (tn_money_parse (text, decimals, TRUE, &back, &error));
        g_assert_no_error (error);
        g_assert_cmpint (back, ==, values[i]);
      }
}

/* The user's locale must change neither parsing nor formatting. */
static void
test_money_locale (void)
{
  static const char *locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "es_VE.UTF-8", "C.UTF-8" };
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  gboolean tried = FALSE;

  for (gsize i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      gint64 value = 0;

      if (setlocale (LC_ALL, locales[i]) == NULL)
        continue;
      tried = TRUE;

      text = tn_money_format (123456789, 2);
      g_assert_cmpstr (text, ==, "1234567.89");
      g_assert_true (tn_money_parse ("1234567.89", 2, FALSE, &value, &error));
      g_assert_cmpint (value, ==, 123456789);
      g_assert_false (tn_money_parse ("1234567,89", 2, FALSE, &value, NULL));
    }

  setlocale (LC_ALL, saved);

  if (!tried)
    g_error ("No other locale is installed: run build-aux/dev deps");
}

static void
test_quantity_parse (void)
{
  static const struct
  {
    const char *text;
    gboolean allow_negative;
    gint64 expected;
  } accept[] = {
    { "2", FALSE, 2000 },
    { "0.5", FALSE, 500 },
    { "1.5", FALSE, 1500 },
    { "0.001", FALSE, 1 },
    { "0.125", FALSE, 125 },
    { "0", FALSE, 0 },          /* zero is for the caller to refuse */
    { "0.000", FALSE, 0 },
    { "-3", TRUE, -3000 },
    { "-0.5", TRUE, -500 },
    { "9223372036854775.807", FALSE, G_MAXINT64 },
    { "-9223372036854775.808", TRUE, G_MININT64 },
  };
  static const struct
  {
    const char *text;
    gboolean allow_negative;
    gint code;
  } reject[] = {
    { "", TRUE, TN_ERROR_INVALID },
    { "1.2345", TRUE, TN_ERROR_INVALID },
    { "0.0001", TRUE, TN_ERROR_INVALID },
    { "-3", FALSE, TN_ERROR_INVALID },
    { "1.", TRUE, TN_ERROR_INVALID },
    { ".5", TRUE, TN_ERROR_INVALID },
    { "+2", TRUE, TN_ERROR_INVALID },
    { "2 ", TRUE, TN_ERROR_INVALID },
    { "1/2", TRUE, TN_ERROR_INVALID },
    { "1e3", TRUE, TN_ERROR_INVALID },
    { "1,5", TRUE, TN_ERROR_INVALID },
    { "9223372036854775.808", TRUE, TN_ERROR_TOO_LARGE },
    { "9223372036854776", TRUE, TN_ERROR_TOO_LARGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accept); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = 42;

      g_test_message ("quantity “%s”", accept[i].text);
      g_assert_true (tn_quantity_parse (accept[i].text, accept[i].allow_negative,
                                        &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, accept[i].expected);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (reject); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 value = 42;

      g_assert_false (tn_quantity_parse (reject[i].text, reject[i].allow_negative,
                                         &value, &error));
      assert_rejected (reject[i].text, error, reject[i].code);
      g_assert_cmpint (value, ==, 42);
    }
}

static void
test_quantity_format (void)
{
  static const struct
  {
    gint64 milli;
    const char *expected;
  } cases[] = {
    { 1500, "1.5" },
    { 2000, "2" },
    { 1, "0.001" },
    { 0, "0" },
    { 10, "0.01" },
    { 125, "0.125" },
    { 10000, "10" },
    { 10500, "10.5" },
    { -500, "-0.5" },
    { -2000, "-2" },
    { G_MAXINT64, "9223372036854775.807" },
    { G_MININT64, "-9223372036854775.808" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = tn_quantity_format (cases[i].milli);
      gint64 back = 0;

      g_assert_cmpstr (text, ==, cases[i].expected);
      g_assert_true (tn_quantity_parse (text, TRUE, &back, &error));
      g_assert_cmpint (back, ==, cases[i].milli);
    }
}

static void
test_tax_parse (void)
{
  static const struct
  {
    const char *text;
    gint expected;
  } accept[] = {
    { "16", 1600 },
    { "16.5", 1650 },
    { "16.25", 1625 },
    { "0", 0 },
    { "0.01", 1 },
    { "100", 10000 },
    { "100.00", 10000 },
    { "8", 800 },
  };
  static const char *reject[] = {
    "", "16.255", "100.01", "101", "-1", "-0", "16%", " 16", "16 ", "+16", "16.", ".5",
    "1e1", "16,5", "99999999999999999999999",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accept); i++)
    {
      g_autoptr(GError) error = NULL;
      gint bp = 42;

      g_assert_true (tn_tax_parse (accept[i].text, &bp, &error));
      g_assert_no_error (error);
      g_assert_cmpint (bp, ==, accept[i].expected);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (reject); i++)
    {
      g_autoptr(GError) error = NULL;
      gint bp = 42;

      g_assert_false (tn_tax_parse (reject[i], &bp, &error));
      assert_rejected (reject[i], error, TN_ERROR_INVALID);
      g_assert_cmpint (bp, ==, 42);
    }
}

static void
test_rate_parse (void)
{
  static const struct
  {
    const char *text;
    gint64 expected;
  } accept[] = {
    { "36.5", 36500000 },
    { "1", 1000000 },
    { "0.000001", 1 },
    { "36.123456", 36123456 },
    { "0.5", 500000 },
    { "9223372036854.775807", G_MAXINT64 },
  };
  static const struct
  {
    const char *text;
    gint code;
  } reject[] = {
    { "0", TN_ERROR_INVALID },
    { "0.000000", TN_ERROR_INVALID },
    { "-1", TN_ERROR_INVALID },
    { "-36.5", TN_ERROR_INVALID },
    { "36.1234567", TN_ERROR_INVALID },
    { "", TN_ERROR_INVALID },
    { "36,5", TN_ERROR_INVALID },
    { "1e3", TN_ERROR_INVALID },
    { "36.5 ", TN_ERROR_INVALID },
    { ".5", TN_ERROR_INVALID },
    { "9223372036854.775808", TN_ERROR_TOO_LARGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (accept); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 micro = 42;

      g_assert_true (tn_rate_parse (accept[i].text, &micro, &error));
      g_assert_no_error (error);
      g_assert_cmpint (micro, ==, accept[i].expected);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (reject); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 micro = 42;

      g_assert_false (tn_rate_parse (reject[i].text, &micro, &error));
      assert_rejected (reject[i].text, error, reject[i].code);
      g_assert_cmpint (micro, ==, 42);
    }
}

typedef struct
{
  gint64 price;
  gint64 qty;
  gint bp;
  gint64 net;
  gint64 tax;
  gint64 total;
} LineCase;

static void
check_lines (const LineCase *cases,
             gsize           n_cases,
             gboolean        inclusive)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;
      TnLineAmounts amounts = { 0, };

      g_test_message ("%s line %" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " at %d bp",
                      inclusive ? "inclusive" : "exclusive",
                      cases[i].price, cases[i].qty, cases[i].bp);
      g_assert_true (tn_money_line_amounts (cases[i].price, cases[i].qty, cases[i].bp,
                                            inclusive, &amounts, &error));
      g_assert_no_error (error);
      g_assert_cmpint (amounts.net, ==, cases[i].net);
      g_assert_cmpint (amounts.tax, ==, cases[i].tax);
      g_assert_cmpint (amounts.total, ==, cases[i].total);
      g_assert_cmpint (amounts.net + amounts.tax, ==, amounts.total);
    }
}

static void
test_line_exclusive (void)
{
  static const LineCase cases[] = {
    /* 1.99 × 3 at 16 %: tax 95.52 → 96 */
    { 199, 3000, 1600, 597, 96, 693 },
    /* 1.99 × 0.5 = 0.995 → 1.00; tax 16 exactly */
    { 199, 500, 1600, 100, 16, 116 },
    /* returns mirror sales */
    { 199, -3000, 1600, -597, -96, -693 },
    { 199, -500, 1600, -100, -16, -116 },
    /* halves, both signs */
    { 3, 500, 0, 2, 0, 2 },
    { 3, -500, 0, -2, 0, -2 },
    { 25, 1000, 1000, 25, 3, 28 },        /* tax 2.5 → 3 */
    { 25, -1000, 1000, -25, -3, -28 },
    { 15, 1000, 1000, 15, 2, 17 },        /* tax 1.5 → 2 */
    { 14, 1000, 1000, 14, 1, 15 },        /* tax 1.4 → 1 */
    { 150, 1000, 0, 150, 0, 150 },
    { 1000, 1, 1600, 1, 0, 1 },           /* 0.001 of 10.00 */
    { 100, 1000, 10000, 100, 100, 200 },  /* 100 % */
    { 0, 5000, 1600, 0, 0, 0 },
    { 199, 0, 1600, 0, 0, 0 },
    /* price × qty overflows 64 bits, the result does not */
    { G_GINT64_CONSTANT (1000000000000000), 1000000, 0,
      G_GINT64_CONSTANT (1000000000000000000), 0, G_GINT64_CONSTANT (1000000000000000000) },
    { G_MAXINT64, 1000, 0, G_MAXINT64, 0, G_MAXINT64 },
    { G_MININT64, 1000, 0, G_MININT64, 0, G_MININT64 },
  };

  check_lines (cases, G_N_ELEMENTS (cases), FALSE);
}

static void
test_line_inclusive (void)
{
  static const LineCase cases[] = {
    { 116, 1000, 1600, 100, 16, 116 },
    /* 5.97 incl. 16 %: net 514.655… → 515 */
    { 199, 3000, 1600, 515, 82, 597 },
    { 199, -3000, 1600, -515, -82, -597 },
    /* 0.995 → 1.00 first, then net 0.862… → 86 */
    { 199, 500, 1600, 86, 14, 100 },
    { 199, -500, 1600, -86, -14, -100 },
    { 100, 1000, 0, 100, 0, 100 },
    /* net exactly 10.5 → 11, both signs */
    { 21, 1000, 10000, 11, 10, 21 },
    { 21, -1000, 10000, -11, -10, -21 },
    { 150, 1000, 10000, 75, 75, 150 },
    { G_MAXINT64, 1000, 1600, G_GINT64_CONSTANT (7951182790392048109),
      G_GINT64_CONSTANT (1272189246462727698), G_MAXINT64 },
  };

  check_lines (cases, G_N_ELEMENTS (cases), TRUE);
}

static void
test_line_errors (void)
{
  static const struct
  {
    gint64 price;
    gint64 qty;
    gint bp;
    gboolean inclusive;
    gint code;
  } cases[] = {
    { G_MAXINT64, 2000, 0, FALSE, TN_ERROR_TOO_LARGE },
    { G_MAXINT64, 2000, 0, TRUE, TN_ERROR_TOO_LARGE },
    { G_MININT64, 2000, 1600, FALSE, TN_ERROR_TOO_LARGE },
    { G_MAXINT64, G_MAXINT64, 0, FALSE, TN_ERROR_TOO_LARGE },
    { G_MININT64, G_MININT64, 0, FALSE, TN_ERROR_TOO_LARGE },
    /* the net fits, net + tax does not */
    { G_MAXINT64, 1000, 1600, FALSE, TN_ERROR_TOO_LARGE },
    { G_MININT64, 1000, 1, FALSE, TN_ERROR_TOO_LARGE },
    { 100, 1000, -1, FALSE, TN_ERROR_INVALID },
    { 100, 1000, 10001, TRUE, TN_ERROR_INVALID },
    { 100, 1000, G_MININT, FALSE, TN_ERROR_INVALID },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      TnLineAmounts amounts = { 1, 2, 3 };

      g_assert_false (tn_money_line_amounts (cases[i].price, cases[i].qty, cases[i].bp,
                                             cases[i].inclusive, &amounts, &error));
      g_assert_error (error, TN_ERROR, cases[i].code);
      g_assert_cmpint (amounts.net, ==, 1);
      g_assert_cmpint (amounts.tax, ==, 2);
      g_assert_cmpint (amounts.total, ==, 3);
    }
}

static void
test_convert (void)
{
  static const struct
  {
    gint64 amount;
    guint from_decimals;
    gint64 rate_micro;
    guint to_decimals;
    gint64 expected;
  } cases[] = {
    /* 36.50 VES at 36.5 VES/USD = 1.00 USD */
    { 3650, 2, 36500000, 2, 100 },
    /* 10.00 VES at 36.5 = 0.27397… USD → 0.27 */
    { 1000, 2, 36500000, 2, 27 },
    { -1000, 2, 36500000, 2, -27 },
    /* 1000.00 VES at the full-precision 36.123456 → 27.6827… → 27.68
     * (the display rate 36.12 would give 27.69) */
    { 100000, 2, 36123456, 2, 2768 },
    { 100000, 2, 36120000, 2, 2769 },
    /* exactly half a cent, both signs */
    { 1, 2, 2000000, 2, 1 },
    { -1, 2, 2000000, 2, -1 },
    { 3, 2, 2000000, 2, 2 },
    /* rounded once: 2.45 → 2 (rounding to 2.5 first would give 3) */
    { 245, 2, 1000000, 0, 2 },
    { -245, 2, 1000000, 0, -2 },
    /* into a 3-decimal currency: 1.00 / 3 = 0.333, 2.00 / 3 = 0.667 */
    { 100, 2, 3000000, 3, 333 },
    { 200, 2, 3000000, 3, 667 },
    /* from a 0-decimal currency: 100 at 0.5 per unit = 200.00 */
    { 100, 0, 500000, 2, 20000 },
    /* a negative exponent: 1.0 (18 decimals) at 0.000001 = 1000000 */
    { G_GINT64_CONSTANT (1000000000000000000), 18, 1, 0, 1000000 },
    { 0, 2, 36500000, 2, 0 },
    /* extremes that fit */
    { G_MAXINT64, 2, 1000000, 2, G_MAXINT64 },
    { G_MININT64, 2, 1000000, 2, G_MININT64 },
    /* rate and amount both huge: 92233720368547758.07 / 9223372036854.775807 */
    { G_MAXINT64, 2, G_MAXINT64, 2, 1000000 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 result = 42;

      g_test_message ("convert %" G_GINT64_FORMAT " (%u) at %" G_GINT64_FORMAT " to %u decimals",
                      cases[i].amount, cases[i].from_decimals,
                      cases[i].rate_micro, cases[i].to_decimals);
      g_assert_true (tn_money_convert (cases[i].amount, cases[i].from_decimals,
                                       cases[i].rate_micro, cases[i].to_decimals,
                                       &result, &error));
      g_assert_no_error (error);
      g_assert_cmpint (result, ==, cases[i].expected);
    }
}

static void
test_convert_errors (void)
{
  static const struct
  {
    gint64 amount;
    guint from_decimals;
    gint64 rate_micro;
    guint to_decimals;
    gint code;
  } cases[] = {
    { 100, 2, 0, 2, TN_ERROR_INVALID },
    { 100, 2, -36500000, 2, TN_ERROR_INVALID },
    { G_MAXINT64, 2, 1, 2, TN_ERROR_TOO_LARGE },
    { G_MININT64, 2, 999999, 2, TN_ERROR_TOO_LARGE },
    /* amount × 10^24 does not even fit in 128 bits */
    { G_MAXINT64, 0, 1000000, 18, TN_ERROR_TOO_LARGE },
    { G_MININT64, 0, G_MAXINT64, 18, TN_ERROR_TOO_LARGE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 result = 42;

      g_assert_false (tn_money_convert (cases[i].amount, cases[i].from_decimals,
                                        cases[i].rate_micro, cases[i].to_decimals,
                                        &result, &error));
      g_assert_error (error, TN_ERROR, cases[i].code);
      g_assert_cmpint (result, ==, 42);
    }
}

static void
test_add (void)
{
  g_autoptr(GError) error = NULL;
  gint64 sum = 42;

  g_assert_true (tn_money_add (150, 250, &sum, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sum, ==, 400);

  g_assert_true (tn_money_add (G_MAXINT64, G_MININT64, &sum, &error));
  g_assert_cmpint (sum, ==, -1);

  g_assert_true (tn_money_add (G_MAXINT64 - 1, 1, &sum, &error));
  g_assert_cmpint (sum, ==, G_MAXINT64);

  sum = 42;
  g_assert_false (tn_money_add (G_MAXINT64, 1, &sum, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_TOO_LARGE);
  g_assert_cmpint (sum, ==, 42);
  g_clear_error (&error);

  g_assert_false (tn_money_add (G_MININT64, -1, &sum, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_TOO_LARGE);
  g_assert_cmpint (sum, ==, 42);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/money/div-round/table", test_div_round_table);
  g_test_add_func ("/money/div-round/exhaustive", test_div_round_exhaustive);
  g_test_add_func ("/money/parse/accept", test_money_parse_accept);
  g_test_add_func ("/money/parse/reject", test_money_parse_reject);
  g_test_add_func ("/money/parse/messages", test_money_parse_messages);
  g_test_add_func ("/money/format", test_money_format);
  g_test_add_func ("/money/round-trip", test_money_round_trip);
  g_test_add_func ("/money/locale", test_money_locale);
  g_test_add_func ("/money/quantity/parse", test_quantity_parse);
  g_test_add_func ("/money/quantity/format", test_quantity_format);
  g_test_add_func ("/money/tax/parse", test_tax_parse);
  g_test_add_func ("/money/rate/parse", test_rate_parse);
  g_test_add_func ("/money/line/exclusive", test_line_exclusive);
  g_test_add_func ("/money/line/inclusive", test_line_inclusive);
  g_test_add_func ("/money/line/errors", test_line_errors);
  g_test_add_func ("/money/convert/values", test_convert);
  g_test_add_func ("/money/convert/errors", test_convert_errors);
  g_test_add_func ("/money/add", test_add);

  return g_test_run ();
}
