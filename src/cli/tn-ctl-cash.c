/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-money.h"
#include "tn-operations.h"
#include "tn-queries.h"

/* The cash drawer of this terminal: `cash open|in|out|close`.  Closing
 * prints the Z report, itself a chained fiscal document. */

gboolean
tn_ctl_cmd_cash_open (TnCtl   *ctl,
                      int      argc,
                      char   **argv,
                      GError **error)
{
  g_autofree char *float_text = NULL;
  g_autofree char *cashier_pin = NULL;
  g_autofree char *cashier = NULL;
  g_autofree char *session = NULL;
  g_autofree char *shown = NULL;
  gint64 float_amount;
  const GOptionEntry entries[] = {
    { "float", 0, 0, G_OPTION_ARG_STRING, &float_text,
      N_("Cash in the drawer at the start"), N_("X") },
    { "cashier-pin", 0, 0, G_OPTION_ARG_STRING, &cashier_pin,
      N_("Open the session as this cashier"), N_("PIN") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Opens this terminal’s cash session with a float."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (float_text, "--float", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--float", float_text, FALSE, &float_amount, error) ||
      !tn_ctl_check_pin (ctl, cashier_pin, FALSE, &cashier, error))
    return FALSE;

  session = tn_store_open_cash_session (ctl->store, float_amount, cashier, error);
  if (session == NULL)
    return FALSE;

  shown = tn_ctl_format_money (ctl, float_amount);
  g_print (_("Opened cash session %s on terminal %s with a float of %s %s.\n"), session,
           tn_store_get_terminal (ctl->store), shown, tn_store_get_currency (ctl->store));
  return TRUE;
}

static gboolean
move_cash (TnCtl       *ctl,
           gboolean     cash_in,
           int          argc,
           char       **argv,
           GError     **error)
{
  g_autofree char *amount_text = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *shown = NULL;
  gint64 amount;
  const GOptionEntry entries[] = {
    { "amount", 0, 0, G_OPTION_ARG_STRING, &amount_text, N_("How much"), N_("X") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason, N_("Why, for the audit trail"),
      N_("TEXT") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             cash_in ? N_("Puts cash into the drawer.")
                                     : N_("Takes cash out of the drawer."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (amount_text, "--amount", error) ||
      !tn_ctl_require (reason, "--reason", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--amount", amount_text, FALSE, &amount, error))
    return FALSE;
  if (amount == 0)
    return tn_ctl_usage_error (error, _("Invalid --amount: it must be more than zero"));

  if (!tn_store_move_cash (ctl->store, cash_in, amount, reason, error))
    return FALSE;

  shown = tn_ctl_format_money (ctl, amount);
  g_print (cash_in ? _("Put %s %s into the drawer.\n") : _("Took %s %s out of the drawer.\n"),
           shown, tn_store_get_currency (ctl->store));
  return TRUE;
}

gboolean
tn_ctl_cmd_cash_in (TnCtl   *ctl,
                    int      argc,
                    char   **argv,
                    GError **error)
{
  return move_cash (ctl, TRUE, argc, argv, error);
}

gboolean
tn_ctl_cmd_cash_out (TnCtl   *ctl,
                     int      argc,
                     char   **argv,
                     GError **error)
{
  return move_cash (ctl, FALSE, argc, argv, error);
}

/* The Z report ------------------------------------------------------------- */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* "method/CUR" keys, sorted for stable output (transfer container). */
static GPtrArray *
sorted_total_keys (TnZReport *report)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, report->totals);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings);
  return keys;
}

static void
print_z_report_json (TnCtl     *ctl,
                     TnZReport *report,
                     gboolean   blind)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GPtrArray) keys = sorted_total_keys (report);
  JsonObject *object = json_object_new ();
  JsonObject *totals = json_object_new ();

  json_object_set_string_member (object, "session_id", report->session_id);
  json_object_set_string_member (object, "z_doc", report->z_doc);
  json_object_set_string_member (object, "terminal", tn_store_get_terminal (ctl->store));
  json_object_set_string_member (object, "currency", tn_store_get_currency (ctl->store));
  json_object_set_int_member (object, "float", report->float_amount);
  json_object_set_int_member (object, "cash_sales", report->cash_sales);
  json_object_set_int_member (object, "cash_in", report->cash_in);
  json_object_set_int_member (object, "cash_out", report->cash_out);
  json_object_set_int_member (object, "expected", report->expected);
  json_object_set_int_member (object, "counted", report->counted);
  json_object_set_int_member (object, "variance", report->variance);
  json_object_set_boolean_member (object, "blind", blind);
  json_object_set_int_member (object, "sales_count", report->sales_count);
  json_object_set_int_member (object, "voids_count", report->voids_count);
  for (guint i = 0; i < keys->len; i++)
    json_object_set_int_member (totals, keys->pdata[i],
                                *(gint64 *) g_hash_table_lookup (report->totals, keys->pdata[i]));
  json_object_set_object_member (object, "totals", totals);
  json_node_take_object (root, object);
  tn_ctl_print_json (root);
}

/* Pads by characters, not bytes: labels are translated. */
static void
print_z_line (const char *label,
              const char *amount)
{
  glong width = g_utf8_strlen (label, -1) + (glong) strlen (amount);

  g_print ("  %s", label);
  for (glong i = width; i < 44; i++)
    g_print (" ");
  g_print (" %s\n", amount);
}

static void
print_z_report (TnCtl     *ctl,
                TnZReport *report)
{
  g_autoptr(GPtrArray) keys = sorted_total_keys (report);
  const struct { const char *label; gint64 amount; } lines[] = {
    { N_("Float"), report->float_amount },
    { N_("Cash sales (less change)"), report->cash_sales },
    { N_("Cash in"), report->cash_in },
    { N_("Cash out"), report->cash_out },
    { N_("Expected in the drawer"), report->expected },
    { N_("Counted"), report->counted },
    { N_("Variance (counted − expected)"), report->variance },
  };

  g_print (_("Z report %s — terminal %s, session %s\n"), report->z_doc,
           tn_store_get_terminal (ctl->store), report->session_id);
  g_print (_("  Sales: %" PRId64 ", voids: %" PRId64 "\n"),
           report->sales_count, report->voids_count);
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autofree char *amount = tn_ctl_format_money (ctl, lines[i].amount);

      print_z_line (_(lines[i].label), amount);
    }
  if (keys->len > 0)
    g_print (_("  Totals by payment method:\n"));
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = keys->pdata[i];
      const char *slash = strchr (key, '/');
      guint decimals = tn_store_get_currency_decimals (ctl->store,
                                                       slash ? slash + 1 : NULL);
      g_autofree char *amount = tn_money_format (*(gint64 *) g_hash_table_lookup (report->totals,
                                                                                  key),
                                                 decimals);

      print_z_line (key, amount);
    }
}

gboolean
tn_ctl_cmd_cash_close (TnCtl   *ctl,
                       int      argc,
                       char   **argv,
                       GError **error)
{
  g_autofree char *counted_text = NULL;
  g_autoptr(TnZReport) report = NULL;
  gboolean blind = FALSE;
  gboolean json = FALSE;
  gint64 counted;
  const GOptionEntry entries[] = {
    { "counted", 0, 0, G_OPTION_ARG_STRING, &counted_text,
      N_("Cash counted in the drawer"), N_("X") },
    { "blind", 0, 0, G_OPTION_ARG_NONE, &blind,
      N_("The count was made without seeing the expected sum"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the Z report as one JSON object"),
      NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Closes this terminal’s cash session and prints the Z report."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (counted_text, "--counted", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--counted", counted_text, FALSE, &counted, error))
    return FALSE;

  report = tn_store_close_cash_session (ctl->store, counted, blind, error);
  if (report == NULL)
    return FALSE;

  if (json)
    print_z_report_json (ctl, report, blind);
  else
    print_z_report (ctl, report);
  return TRUE;
}
