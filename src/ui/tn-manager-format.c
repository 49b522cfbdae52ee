/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-manager-format.h"

#include <glib/gi18n.h>

#include "tn-hlc.h"
#include "tn-money.h"
#include "tn-queries.h"

char *
tn_manager_format_money (TnStore    *store,
                         gint64      minor,
                         const char *currency)
{
  g_autofree char *amount = NULL;

  if (currency == NULL)
    currency = tn_store_get_currency (store);
  amount = tn_money_format (minor, tn_store_get_currency_decimals (store, currency));
  /* Like the checkout: "USD 12.50". */
  return g_strdup_printf ("%s %s", currency, amount);
}

char *
tn_manager_format_ms (gint64      ms,
                      const char *format)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (ms <= 0)
    return g_strdup ("—");
  utc = g_date_time_new_from_unix_utc (ms / 1000);
  if (utc == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, format);
}

char *
tn_manager_format_ago (gint64 ms,
                       gint64 now_ms)
{
  gint64 seconds;

  if (ms <= 0)
    return g_strdup (_("never"));
  seconds = MAX (0, (now_ms - ms) / 1000);
  if (seconds < 2)
    return g_strdup (_("just now"));
  if (seconds < 60)
    return g_strdup_printf (_("%d s ago"), (int) seconds);
  if (seconds < 3600)
    return g_strdup_printf (_("%d min ago"), (int) (seconds / 60));
  if (seconds < 48 * 3600)
    return g_strdup_printf (_("%d h ago"), (int) (seconds / 3600));
  return g_strdup_printf (ngettext ("%d day ago", "%d days ago", (gulong) (seconds / 86400)),
                          (int) (seconds / 86400));
}

gint64
tn_manager_today_start_hlc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                         g_date_time_get_month (now),
                                                         g_date_time_get_day_of_month (now),
                                                         0, 0, 0);

  return (gint64) tn_hlc_make (g_date_time_to_unix (midnight) * 1000, 0);
}

void
tn_manager_show_error (GtkLabel   *label,
                       const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}
