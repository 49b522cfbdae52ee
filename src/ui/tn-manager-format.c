/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-manager-format.h"

#include <inttypes.h>
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

const char *
tn_manager_method_name (const char *method)
{
  if (g_strcmp0 (method, "cash") == 0)
    return _("Cash");
  if (g_strcmp0 (method, "card") == 0)
    return _("Card");
  if (g_strcmp0 (method, "transfer") == 0)
    return _("Transfer");
  return method;
}

static void
append_line (GString    *text,
             const char *label,
             const char *value)
{
  /* Labels are padded by characters, not bytes, for accented text. */
  glong pad = 28 - g_utf8_strlen (label, -1);

  g_string_append (text, label);
  for (glong i = 0; i < MAX (pad, 1); i++)
    g_string_append_c (text, ' ');
  g_string_append_printf (text, "%s\n", value);
}

static void
append_money (GString    *text,
              TnStore    *store,
              const char *label,
              gint64      amount,
              const char *currency)
{
  g_autofree char *value = tn_manager_format_money (store, amount, currency);
  g_autofree char *indented = g_strdup_printf ("  %s", label);

  append_line (text, indented, value);
}

char *
tn_manager_z_report_text (TnStore         *store,
                          const TnZReport *report)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) keys = NULL;
  g_autofree char *sales = g_strdup_printf ("%" PRId64, report->sales_count);
  g_autofree char *voids = g_strdup_printf ("%" PRId64, report->voids_count);

  append_line (text, _("Z report"), report->z_doc != NULL ? report->z_doc : _("(not closed)"));
  append_line (text, _("Terminal"), tn_store_get_terminal (store));
  append_line (text, _("Sales"), sales);
  append_line (text, _("Voided sales"), voids);
  g_string_append_printf (text, "\n%s\n", _("Totals by payment method"));
  keys = g_list_sort (g_hash_table_get_keys (report->totals), (GCompareFunc) g_strcmp0);
  if (keys == NULL)
    g_string_append_printf (text, "  %s\n", _("No payments"));
  for (GList *l = keys; l != NULL; l = l->next)
    {
      g_auto(GStrv) parts = g_strsplit (l->data, "/", 2);
      const gint64 *amount = g_hash_table_lookup (report->totals, l->data);

      if (parts[0] == NULL || parts[1] == NULL)
        continue;
      append_money (text, store, tn_manager_method_name (parts[0]), *amount, parts[1]);
    }
  g_string_append_printf (text, "\n%s\n", _("Cash drawer"));
  append_money (text, store, _("Float"), report->float_amount, NULL);
  append_money (text, store, _("Cash sales"), report->cash_sales, NULL);
  append_money (text, store, _("Cash in"), report->cash_in, NULL);
  append_money (text, store, _("Cash out"), report->cash_out, NULL);
  append_money (text, store, _("Expected"), report->expected, NULL);
  append_money (text, store, _("Counted"), report->counted, NULL);
  append_money (text, store, _("Variance"), report->variance, NULL);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Names for the members of the cloud state the sync worker reports; a
 * member not listed shows under its own key. */
static const char *
cloud_member_label (const char *key)
{
  static const struct { const char *key; const char *label; } labels[] = {
    { "state", N_("State") },
    { "breaker", N_("Circuit breaker") },
    { "last_success", N_("Last sync") },
    { "last_attempt", N_("Last attempt") },
    { "last_error", N_("Last error") },
    { "pending", N_("Waiting for the hub") },
    { "dead_letters", N_("Dead letters") },
    { "batch_size", N_("Batch size") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (key, labels[i].key))
      return _(labels[i].label);
  return key;
}

/* Times in the cloud state are ms since the epoch under keys that say so. */
static gboolean
is_time_key (const char *key)
{
  return g_str_has_prefix (key, "last_") || g_str_has_suffix (key, "_at") ||
         g_str_has_suffix (key, "_ms");
}

char *
tn_manager_cloud_state_text (JsonObject *cloud,
                             const char *hub_url)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) members = json_object_get_members (cloud);

  g_string_append_printf (text, _("Hub: %s"), hub_url);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (cloud, key);
      g_autofree char *value = NULL;

      if (g_str_equal (key, "url") || !JSON_NODE_HOLDS_VALUE (node))
        continue;
      if (json_node_get_value_type (node) == G_TYPE_INT64 && is_time_key (key))
        value = tn_manager_format_ms (json_node_get_int (node), "%x %X");
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        value = g_strdup_printf ("%" PRId64, json_node_get_int (node));
      else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        value = g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
      else if (json_node_get_value_type (node) == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (node));
      else
        continue;
      g_string_append_printf (text, "\n%s: %s", cloud_member_label (key), value);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

void
tn_manager_load_css (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) css = NULL;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "tn-manager-css") != NULL)
    return;
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/tendero/Tendero/tn-manager.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "tn-manager-css", g_steal_pointer (&css),
                          g_object_unref);
}

static void
forget_window (GtkWidget     *window,
               TnApplication *app)
{
  g_object_set_data (G_OBJECT (app), G_OBJECT_TYPE_NAME (window), NULL);
}

GtkWindow *
tn_manager_window_get (TnApplication *app,
                       GType          type,
                       GCallback      refresh,
                       gboolean      *created)
{
  GtkWindow *window = g_object_get_data (G_OBJECT (app), g_type_name (type));

  *created = window == NULL;
  if (window != NULL)
    return window;
  tn_manager_load_css (gdk_display_get_default ());
  window = g_object_new (type, "application", app, NULL);
  g_object_set_data (G_OBJECT (app), g_type_name (type), window);
  g_signal_connect (window, "destroy", G_CALLBACK (forget_window), app);
  g_signal_connect_object (app, "store-changed", refresh, window, G_CONNECT_SWAPPED);
  return window;
}

void
tn_manager_show_error (GtkLabel   *label,
                       const char *message)
{
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}
