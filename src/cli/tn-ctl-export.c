/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-money.h"
#include "tn-queries.h"

/* `export sales`: every sale this lane holds (its own and replicated
 * ones), oldest first, as CSV for a spreadsheet or JSON for a script. */

typedef struct
{
  TnCtl     *ctl;
  JsonArray *json;   /* --format json, else CSV straight to stdout */
} SalesExport;

static void
append_csv_field (GString    *line,
                  const char *value)
{
  if (line->len > 0)
    g_string_append_c (line, ',');
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (line, value);
      return;
    }
  g_string_append_c (line, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (line, '"');
      g_string_append_c (line, *p);
    }
  g_string_append_c (line, '"');
}

static void
append_csv_money (GString *line,
                  TnCtl   *ctl,
                  gint64   amount)
{
  g_autofree char *text = tn_ctl_format_money (ctl, amount);

  append_csv_field (line, text);
}

/* "cash 2.00 USD; card 1.00 USD" */
static char *
describe_payments (TnCtl           *ctl,
                   const GPtrArray *payments)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < payments->len; i++)
    {
      const TnPaymentInfo *payment = g_ptr_array_index (payments, i);
      guint decimals = tn_store_get_currency_decimals (ctl->store, payment->currency);
      g_autofree char *amount = tn_money_format (payment->amount, decimals);

      g_string_append_printf (text, "%s%s %s %s", i > 0 ? "; " : "", payment->method,
                              amount, payment->currency);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
export_sale (const TnSaleInfo  *row,
             gpointer           user_data,
             GError           **error)
{
  SalesExport *export = user_data;
  g_autofree char *created = tn_ctl_format_hlc_time (row->hlc);

  if (export->json != NULL)
    {
      JsonObject *sale = json_object_new ();
      JsonArray *payments = json_array_new ();

      json_object_set_string_member (sale, "sale_id", row->sale_id);
      json_object_set_string_member (sale, "created", created);
      json_object_set_string_member (sale, "terminal", row->terminal);
      json_object_set_string_member (sale, "fiscal_doc", row->fiscal_doc);
      json_object_set_string_member (sale, "currency", row->currency);
      json_object_set_int_member (sale, "subtotal", row->subtotal);
      json_object_set_int_member (sale, "tax", row->tax);
      json_object_set_int_member (sale, "total", row->total);
      json_object_set_int_member (sale, "change", row->change);
      json_object_set_boolean_member (sale, "voided", row->voided);
      for (guint i = 0; i < row->payments->len; i++)
        {
          const TnPaymentInfo *p = g_ptr_array_index (row->payments, i);
          JsonObject *payment = json_object_new ();

          json_object_set_string_member (payment, "method", p->method);
          json_object_set_string_member (payment, "currency", p->currency);
          json_object_set_int_member (payment, "amount", p->amount);
          json_array_add_object_element (payments, payment);
        }
      json_object_set_array_member (sale, "payments", payments);
      json_array_add_object_element (export->json, sale);
    }
  else
    {
      g_autoptr(GString) line = g_string_new (NULL);
      g_autofree char *payments = describe_payments (export->ctl, row->payments);

      append_csv_field (line, row->sale_id);
      append_csv_field (line, created);
      append_csv_field (line, row->terminal);
      append_csv_field (line, row->fiscal_doc);
      append_csv_money (line, export->ctl, row->subtotal);
      append_csv_money (line, export->ctl, row->tax);
      append_csv_money (line, export->ctl, row->total);
      append_csv_field (line, row->currency);
      append_csv_field (line, row->voided ? "yes" : "no");
      append_csv_field (line, payments);
      g_print ("%s\r\n", line->str);
    }
  return TRUE;
}

gboolean
tn_ctl_cmd_export_sales (TnCtl   *ctl,
                         int      argc,
                         char   **argv,
                         GError **error)
{
  g_autofree char *format = NULL;
  g_autoptr(JsonArray) sales = NULL;
  SalesExport export = { .ctl = ctl };
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("csv (default; amounts as 1.50) or json (amounts in minor units)"), N_("FORMAT") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Exports every sale this lane holds, oldest first."),
                             &argc, &argv, 0, error))
    return FALSE;
  if (format != NULL && !g_str_equal (format, "csv") && !g_str_equal (format, "json"))
    return tn_ctl_usage_error (error, _("Invalid --format: “%s”; use csv or json"), format);
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  if (g_strcmp0 (format, "json") == 0)
    export.json = sales = json_array_new ();
  else
    g_print ("sale_id,created,terminal,fiscal_doc,subtotal,tax,total,currency,voided,"
             "payments\r\n");

  if (!tn_store_foreach_sale (ctl->store, 0, export_sale, &export, error))
    return FALSE;

  if (sales != NULL)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_array_member (object, "sales", g_steal_pointer (&sales));
      json_node_take_object (root, object);
      tn_ctl_print_json (root);
    }
  return TRUE;
}
