/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checkout's money display and what it reads from the cashier. */
#include "config.h"

#include <locale.h>

#include "tn-error.h"
#include "tn-money.h"
#include "tn-ui-format.h"

static void
test_format_money (void)
{
  struct { gint64 minor; guint decimals; const char *currency; const char *expected; } cases[] = {
    { 852, 2, "USD", "USD 8.52" },
    { 0, 2, "USD", "USD 0.00" },
    { -5, 2, "EUR", "EUR -0.05" },
    { 1234, 0, "JPY", "JPY 1234" },
    { 150, 2, NULL, "1.50" },
    { 150, 2, "", "1.50" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tn_ui_format_money (cases[i].minor, cases[i].decimals,
                                                  cases[i].currency);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_format_money_ignores_locale (void)
{
  g_autofree char *text = NULL;

  /* Money must read back the same in every locale (a decimal comma
   * would not parse). */
  if (setlocale (LC_ALL, "es_ES.UTF-8") == NULL)
    {
      g_test_fail_printf ("The es_ES.UTF-8 locale is missing: run build-aux/dev deps "
                          "(it generates es_ES and de_DE)");
      return;
    }
  text = tn_ui_format_money (123456, 2, "USD");
  setlocale (LC_ALL, "C");
  g_assert_cmpstr (text, ==, "USD 1234.56");
}

static void
test_parse_search (void)
{
  struct { const char *text; gint64 qty; const char *query; } good[] = {
    { "7501234567890", 1000, "7501234567890" },
    { "  coffee  ", 1000, "coffee" },
    { "3*7501234567890", 3000, "7501234567890" },
    { "0.5 * COFFEE-250", 500, "COFFEE-250" },
    { "2*", 2000, "" },
    { "", 1000, "" },
  };
  const char *bad[] = { "x*COFFEE", "0*COFFEE", "-1*COFFEE", "1.0005*COFFEE", "*COFFEE" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *query = NULL;
      gint64 qty = 0;

      g_assert_true (tn_ui_parse_search (good[i].text, &qty, &query, &error));
      g_assert_no_error (error);
      g_assert_cmpint (qty, ==, good[i].qty);
      g_assert_cmpstr (query, ==, good[i].query);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      char *query = NULL;
      gint64 qty = -7;

      g_assert_false (tn_ui_parse_search (bad[i], &qty, &query, &error));
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_null (query);
      g_assert_cmpint (qty, ==, -7);
    }
}

static void
test_parse_amount (void)
{
  g_autoptr(GError) error = NULL;
  gboolean given = TRUE;
  gint64 minor = -1;

  g_assert_true (tn_ui_parse_amount ("", 2, &given, &minor, &error));
  g_assert_false (given);
  g_assert_true (tn_ui_parse_amount ("   ", 2, &given, &minor, &error));
  g_assert_false (given);

  g_assert_true (tn_ui_parse_amount ("20", 2, &given, &minor, &error));
  g_assert_true (given);
  g_assert_cmpint (minor, ==, 2000);
  g_assert_true (tn_ui_parse_amount ("10,50", 2, &given, &minor, &error));
  g_assert_cmpint (minor, ==, 1050);
  g_assert_true (tn_ui_parse_amount (" 7.25 ", 2, &given, &minor, &error));
  g_assert_cmpint (minor, ==, 725);
  g_assert_true (tn_ui_parse_amount ("300", 0, &given, &minor, &error));
  g_assert_cmpint (minor, ==, 300);
  g_assert_no_error (error);

  minor = 99;
  g_assert_false (tn_ui_parse_amount ("1.505", 2, &given, &minor, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tn_ui_parse_amount ("-5", 2, &given, &minor, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tn_ui_parse_amount ("ten", 2, &given, &minor, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_cmpint (minor, ==, 99);
}

static void
test_short_hash (void)
{
  g_autofree char *a = tn_ui_short_hash ("194a2a286374bd0e9f", 12);
  g_autofree char *b = tn_ui_short_hash ("abc", 12);
  g_autofree char *c = tn_ui_short_hash (NULL, 12);

  g_assert_cmpstr (a, ==, "194a2a286374");
  g_assert_cmpstr (b, ==, "abc");
  g_assert_cmpstr (c, ==, "");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/format/money", test_format_money);
  g_test_add_func ("/ui/format/money-ignores-locale", test_format_money_ignores_locale);
  g_test_add_func ("/ui/format/parse-search", test_parse_search);
  g_test_add_func ("/ui/format/parse-amount", test_parse_amount);
  g_test_add_func ("/ui/format/short-hash", test_short_hash);
  return g_test_run ();
}
