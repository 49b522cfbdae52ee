/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manager screens' logic that needs no display: the Z report's text,
 * the sales history's search, "seen … ago" and the start of the day. */
#include "config.h"

#include <string.h>

#include "tn-history-item.h"
#include "tn-hlc.h"
#include "tn-manager-format.h"
#include "tn-operations.h"
#include "tn-test-util.h"

static void
test_history_search (void)
{
  g_autoptr(TnHistoryItem) item = tn_history_item_new ("sale-1", "14:05:09", "00000123",
                                                       "Ana Pérez", "USD 12.50", FALSE);
  struct { const char *search; gboolean matches; } cases[] = {
    { "", TRUE },
    { "00000123", TRUE },
    { "123", TRUE },
    { "ana", TRUE },
    { "ANA PÉREZ", TRUE },
    { "pérez 123", TRUE },
    { "12.50", TRUE },
    { "14:05", TRUE },
    { "anabel", FALSE },
    { "123 luis", FALSE },
    { "sale-1", FALSE },   /* the id is not shown, so not searched */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *folded = g_utf8_casefold (cases[i].search, -1);

      g_assert_cmpint (tn_history_item_matches (item, folded), ==, cases[i].matches);
    }
  g_assert_cmpstr (tn_history_item_get_sale_id (item), ==, "sale-1");
  g_assert_false (tn_history_item_get_voided (item));
}

static void
test_history_no_cashier (void)
{
  g_autoptr(TnHistoryItem) item = tn_history_item_new ("s", "10:00:00", "L1-C-000001", NULL,
                                                       "USD 1.00", TRUE);

  g_assert_cmpstr (tn_history_item_get_cashier (item), ==, "—");
  g_assert_true (tn_history_item_get_voided (item));
  g_assert_true (tn_history_item_matches (item, "l1-c"));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_history_voided_notifies (void)
{
  g_autoptr(TnHistoryItem) item = tn_history_item_new ("s", "10:00:00", "00000007", "Ana",
                                                       "USD 1.00", FALSE);
  guint notified = 0;

  g_signal_connect (item, "notify::voided", G_CALLBACK (count_notify), &notified);
  tn_history_item_set_voided (item, FALSE);
  g_assert_cmpuint (notified, ==, 0);
  tn_history_item_set_voided (item, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (tn_history_item_get_voided (item));
  tn_history_item_set_voided (item, TRUE);
  g_assert_cmpuint (notified, ==, 1);
}

static void
test_format_ago (void)
{
  gint64 now = 1700000000000;
  struct { gint64 ms; const char *expected; } cases[] = {
    { 0, "never" },
    { now, "just now" },
    { now + 5000, "just now" },   /* a peer's clock slightly ahead */
    { now - 1500, "just now" },
    { now - 5000, "5 s ago" },
    { now - 59999, "59 s ago" },
    { now - 60000, "1 min ago" },
    { now - 3599000, "59 min ago" },
    { now - 3600000, "1 h ago" },
    { now - 47 * 3600000LL, "47 h ago" },
    { now - 72 * 3600000LL, "3 days ago" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tn_manager_format_ago (cases[i].ms, now);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_today_start (void)
{
  gint64 hlc = tn_manager_today_start_hlc ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (TN_HLC_MS (hlc) / 1000);
  g_autoptr(GDateTime) start = g_date_time_to_local (utc);

  g_assert_cmpint (TN_HLC_COUNTER (hlc), ==, 0);
  g_assert_cmpint (TN_HLC_MS (hlc) % 1000, ==, 0);
  g_assert_cmpint (g_date_time_get_hour (start), ==, 0);
  g_assert_cmpint (g_date_time_get_minute (start), ==, 0);
  g_assert_cmpint (g_date_time_get_second (start), ==, 0);
  /* Today's midnight, or yesterday's if the day turned during the test. */
  g_assert_cmpint (g_date_time_to_unix (now) - g_date_time_to_unix (start), >=, 0);
  g_assert_cmpint (g_date_time_to_unix (now) - g_date_time_to_unix (start), <, 2 * 86400);
}

static void
test_method_names (void)
{
  g_assert_cmpstr (tn_manager_method_name ("cash"), ==, "Cash");
  g_assert_cmpstr (tn_manager_method_name ("card"), ==, "Card");
  g_assert_cmpstr (tn_manager_method_name ("transfer"), ==, "Transfer");
  g_assert_cmpstr (tn_manager_method_name ("voucher"), ==, "voucher");
}

/* The shape the cloud client reports (url, state, breaker, times in ms,
 * null members, the hub's version vector as an object). */
static void
test_cloud_state_text (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *when = tn_manager_format_ms (1700000000000, "%x %X");
  g_autofree char *expected = NULL;

  json_parser_load_from_data (parser,
      "{\"url\": \"https://hub.example/\", \"state\": \"backing-off\", \"breaker\": \"open\","
      " \"last_success\": 1700000000000, \"last_attempt\": 0, \"last_error\": null,"
      " \"pending\": 12, \"dead_letters\": 1, \"batch_size\": 250,"
      " \"hub_vv\": {\"a\": 3}, \"newer_member\": true}", -1, &error);
  g_assert_no_error (error);
  text = tn_manager_cloud_state_text (json_node_get_object (json_parser_get_root (parser)),
                                      "https://hub.example/");
  expected = g_strdup_printf ("Hub: https://hub.example/\n"
                              "State: backing-off\n"
                              "Circuit breaker: open\n"
                              "Last sync: %s\n"
                              "Last attempt: —\n"
                              "Waiting for the hub: 12\n"
                              "Dead letters: 1\n"
                              "Batch size: 250\n"
                              "newer_member: yes", when);
  g_assert_cmpstr (text, ==, expected);
}

/* The line of @text that starts with @label, for one comparison. */
static char *
report_line (const char *text,
             const char *label)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (lines[i]));

      if (g_str_has_prefix (stripped, label))
        {
          g_auto(GStrv) words = g_strsplit (stripped + strlen (label), " ", -1);
          g_autoptr(GString) rest = g_string_new (NULL);

          /* Collapse the alignment padding to single spaces. */
          for (guint j = 0; words[j] != NULL; j++)
            if (*words[j] != '\0')
              g_string_append_printf (rest, "%s%s", rest->len > 0 ? " " : "", words[j]);
          return g_string_free (g_steal_pointer (&rest), FALSE);
        }
    }
  return NULL;
}

static void
test_z_report_text (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(TnZReport) report = NULL;
  g_autofree char *session = NULL;
  g_autofree char *text = NULL;
  const struct { const char *label; const char *value; } expected[] = {
    { "Terminal", "L1" },
    { "Sales", "2" },
    { "Voided sales", "0" },
    { "Card", "USD 2.50" },
    { "Cash", "USD 2.50" },
    { "Float", "USD 50.00" },
    { "Cash sales", "USD 2.50" },
    { "Cash in", "USD 10.00" },
    { "Cash out", "USD 0.00" },
    { "Expected", "USD 62.50" },
    { "Counted", "USD 62.00" },
    { "Variance", "USD -0.50" },
  };

  tn_test_add_product (store, "A1", 250, 0);
  session = tn_store_open_cash_session (store, 5000, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      tn_sale_request_add_line (request, "A1", 1000);
      tn_sale_request_add_payment (request, i == 0 ? "cash" : "card", NULL, TN_SALE_PAY_REST);
      receipt = tn_store_sell (store, request, &error);
      g_assert_no_error (error);
    }
  g_assert_true (tn_store_move_cash (store, TRUE, 1000, "change", &error));
  report = tn_store_close_cash_session (store, 6200, TRUE, &error);
  g_assert_no_error (error);

  text = tn_manager_z_report_text (store, report);
  g_assert_nonnull (strstr (text, report->z_doc));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *line = report_line (text, expected[i].label);

      g_assert_cmpstr (line, ==, expected[i].value);
    }
  /* Card before Cash: the payment totals are sorted by method. */
  g_assert_true (strstr (text, "Card") < strstr (text, "Cash "));

  g_clear_object (&store);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  /* The figures are compared in English. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ui-manager/history/search", test_history_search);
  g_test_add_func ("/ui-manager/history/no-cashier", test_history_no_cashier);
  g_test_add_func ("/ui-manager/history/voided-notifies", test_history_voided_notifies);
  g_test_add_func ("/ui-manager/format/ago", test_format_ago);
  g_test_add_func ("/ui-manager/format/today-start", test_today_start);
  g_test_add_func ("/ui-manager/format/method-names", test_method_names);
  g_test_add_func ("/ui-manager/z-report/text", test_z_report_text);
  g_test_add_func ("/ui-manager/cloud-state/text", test_cloud_state_text);

  return g_test_run ();
}
