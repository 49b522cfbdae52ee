/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-catalog-import.h"
#include "tn-error.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-queries.h"

/* The catalogue: `product add|set-price|update|list` and
 * `catalog import`. */

gboolean
tn_ctl_cmd_product_add (TnCtl   *ctl,
                        int      argc,
                        char   **argv,
                        GError **error)
{
  g_autofree char *sku = NULL;
  g_autofree char *name = NULL;
  g_autofree char *price_text = NULL;
  g_autofree char *barcode = NULL;
  g_autofree char *tax_text = NULL;
  g_autofree char *price_shown = NULL;
  g_autofree char *tax_shown = NULL;
  GError *model_error = NULL;
  TnProductSpec spec = { 0 };
  const GOptionEntry entries[] = {
    { "sku", 0, 0, G_OPTION_ARG_STRING, &sku, N_("Stock-keeping unit, unique"), N_("SKU") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name shown on receipts"), N_("NAME") },
    { "price", 0, 0, G_OPTION_ARG_STRING, &price_text,
      N_("Unit price in the base currency"), N_("1.50") },
    { "barcode", 0, 0, G_OPTION_ARG_STRING, &barcode, N_("Barcode (EAN, UPC …)"), N_("CODE") },
    { "tax", 0, 0, G_OPTION_ARG_STRING, &tax_text, N_("Tax rate in percent (default 0)"),
      N_("16") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Adds a product to the catalogue."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (sku, "--sku", error) ||
      !tn_ctl_require (name, "--name", error) ||
      !tn_ctl_require (price_text, "--price", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--price", price_text, FALSE, &spec.price, error) ||
      (tax_text != NULL && !tn_ctl_parse_tax ("--tax", tax_text, &spec.tax_bp, error)))
    return FALSE;

  spec.sku = sku;
  spec.name = name;
  spec.barcode = barcode;
  if (!tn_store_add_product (ctl->store, &spec, &model_error))
    {
      if (g_error_matches (model_error, TN_ERROR, TN_ERROR_EXISTS))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                       _("The SKU “%s” is already in the catalogue: change it with "
                         "“tendero-ctl --data-dir %s product set-price” or “product update”."),
                       sku, ctl->data_dir);
          g_error_free (model_error);
        }
      else
        g_propagate_error (error, model_error);
      return FALSE;
    }

  price_shown = tn_ctl_format_money (ctl, spec.price);
  tax_shown = tn_ctl_format_tax (spec.tax_bp);
  g_print (_("Added %s “%s” at %s %s, tax %s %%.\n"), sku, name, price_shown,
           tn_store_get_currency (ctl->store), tax_shown);
  return TRUE;
}

gboolean
tn_ctl_cmd_product_set_price (TnCtl   *ctl,
                              int      argc,
                              char   **argv,
                              GError **error)
{
  g_autofree char *sku = NULL;
  g_autofree char *price_text = NULL;
  g_autofree char *price_shown = NULL;
  g_autofree char *employee = NULL;
  GError *model_error = NULL;
  gint64 price;
  const GOptionEntry entries[] = {
    { "sku", 0, 0, G_OPTION_ARG_STRING, &sku, N_("The product"), N_("SKU") },
    { "price", 0, 0, G_OPTION_ARG_STRING, &price_text,
      N_("New unit price in the base currency"), N_("2.00") },
    { "employee", 0, 0, G_OPTION_ARG_STRING, &employee,
      N_("The employee making the change (shown in price conflicts)"), N_("ID") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Changes a product’s price."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (sku, "--sku", error) ||
      !tn_ctl_require (price_text, "--price", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--price", price_text, FALSE, &price, error))
    return FALSE;

  if (employee != NULL && !tn_store_get_employee (ctl->store, employee, NULL, NULL, &model_error))
    {
      g_propagate_prefixed_error (error, model_error, "--employee: ");
      return FALSE;
    }
  if (!tn_store_set_price_by (ctl->store, sku, price, employee, &model_error))
    return tn_ctl_explain_sku_error (ctl, sku, error, model_error);

  price_shown = tn_ctl_format_money (ctl, price);
  g_print (_("The price of %s is now %s %s.\n"), sku, price_shown,
           tn_store_get_currency (ctl->store));
  return TRUE;
}

static gboolean
parse_yes_no (const char  *option,
              const char  *text,
              gint        *out,
              GError     **error)
{
  if (text == NULL)
    *out = -1;
  else if (g_ascii_strcasecmp (text, "yes") == 0 || g_str_equal (text, "1") ||
           g_ascii_strcasecmp (text, "true") == 0)
    *out = 1;
  else if (g_ascii_strcasecmp (text, "no") == 0 || g_str_equal (text, "0") ||
           g_ascii_strcasecmp (text, "false") == 0)
    *out = 0;
  else
    return tn_ctl_usage_error (error, _("Invalid %s: “%s” is not yes or no"), option, text);
  return TRUE;
}

gboolean
tn_ctl_cmd_product_update (TnCtl   *ctl,
                           int      argc,
                           char   **argv,
                           GError **error)
{
  g_autofree char *sku = NULL;
  g_autofree char *name = NULL;
  g_autofree char *barcode = NULL;
  g_autofree char *tax_text = NULL;
  g_autofree char *active_text = NULL;
  GError *model_error = NULL;
  gint tax_bp = -1;
  gint active = -1;
  const GOptionEntry entries[] = {
    { "sku", 0, 0, G_OPTION_ARG_STRING, &sku, N_("The product"), N_("SKU") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("New name"), N_("NAME") },
    { "barcode", 0, 0, G_OPTION_ARG_STRING, &barcode, N_("New barcode"), N_("CODE") },
    { "tax", 0, 0, G_OPTION_ARG_STRING, &tax_text, N_("New tax rate in percent"), N_("16") },
    { "active", 0, 0, G_OPTION_ARG_STRING, &active_text,
      N_("Whether the product can be sold"), N_("yes|no") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Changes a product’s name, barcode, tax rate or active flag."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (sku, "--sku", error) ||
      (tax_text != NULL && !tn_ctl_parse_tax ("--tax", tax_text, &tax_bp, error)) ||
      !parse_yes_no ("--active", active_text, &active, error))
    return FALSE;
  if (name == NULL && barcode == NULL && tax_bp < 0 && active < 0)
    return tn_ctl_usage_error (error, _("Nothing to change: pass --name, --barcode, --tax "
                                        "or --active"));
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  if (!tn_store_update_product (ctl->store, sku, name, barcode, tax_bp, active, &model_error))
    return tn_ctl_explain_sku_error (ctl, sku, error, model_error);

  g_print (_("Updated %s.\n"), sku);
  return TRUE;
}

/* product list ----------------------------------------------------------- */

typedef struct
{
  TnCtl     *ctl;
  JsonArray *json;     /* with --json */
  GPtrArray *table;    /* GStrv rows, without */
} ProductList;

static void
add_product_row (ProductList          *list,
                 const TnProductInfo  *row)
{
  gboolean has_price = row->price >= 0;   /* no price while it is in conflict */
  g_autofree char *price = has_price ? tn_ctl_format_money (list->ctl, row->price)
                                     : g_strdup (_("(conflict)"));
  g_autofree char *stock = tn_quantity_format (row->stock);
  g_autofree char *tax = tn_ctl_format_tax (row->tax_bp);

  if (list->json != NULL)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "sku", row->sku);
      if (row->name != NULL)
        json_object_set_string_member (object, "name", row->name);
      else
        json_object_set_null_member (object, "name");
      if (row->barcode != NULL)
        json_object_set_string_member (object, "barcode", row->barcode);
      else
        json_object_set_null_member (object, "barcode");
      if (has_price)
        {
          json_object_set_int_member (object, "price", row->price);
          json_object_set_string_member (object, "price_text", price);
        }
      else
        {
          json_object_set_null_member (object, "price");
          json_object_set_null_member (object, "price_text");
        }
      json_object_set_int_member (object, "tax_bp", row->tax_bp);
      json_object_set_boolean_member (object, "active", row->active);
      json_object_set_int_member (object, "stock_milli", row->stock);
      json_object_set_string_member (object, "stock_text", stock);
      json_object_set_boolean_member (object, "conflict", row->in_conflict);
      json_array_add_object_element (list->json, object);
    }
  else
    {
      GStrvBuilder *builder = g_strv_builder_new ();
      g_autoptr(GString) flags = g_string_new (NULL);

      if (row->in_conflict)
        g_string_append (flags, _("price conflict"));
      if (!row->active)
        g_string_append_printf (flags, "%s%s", flags->len ? ", " : "", _("inactive"));
      if (row->stock < 0)
        g_string_append_printf (flags, "%s%s", flags->len ? ", " : "", _("oversold"));
      g_strv_builder_add_many (builder, row->sku, row->name ? row->name : "", price,
                               tax, stock, flags->str, NULL);
      g_ptr_array_add (list->table, g_strv_builder_end (builder));
      g_strv_builder_unref (builder);
    }
}

gboolean
tn_ctl_cmd_product_list (TnCtl   *ctl,
                         int      argc,
                         char   **argv,
                         GError **error)
{
  gboolean json = FALSE;
  ProductList list = { .ctl = ctl };
  g_autoptr(JsonArray) products = NULL;
  g_autoptr(GPtrArray) table = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Lists the catalogue with prices, tax, stock and conflicts."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_open_store (ctl, error))
    return FALSE;

  if (json)
    list.json = products = json_array_new ();
  else
    {
      GStrvBuilder *header = g_strv_builder_new ();

      list.table = table = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
      g_strv_builder_add_many (header, _("SKU"), _("NAME"), _("PRICE"), _("TAX %"),
                               _("STOCK"), "", NULL);
      g_ptr_array_add (table, g_strv_builder_end (header));
      g_strv_builder_unref (header);
    }

  rows = tn_store_list_products (ctl->store, NULL, 0, error);
  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    add_product_row (&list, rows->pdata[i]);

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "currency", tn_store_get_currency (ctl->store));
      json_object_set_array_member (object, "products", g_steal_pointer (&products));
      json_node_take_object (root, object);
      tn_ctl_print_json (root);
    }
  else if (table->len == 1)
    g_print (_("The catalogue is empty: add products with “tendero-ctl --data-dir %s product "
               "add” or “catalog import”.\n"), ctl->data_dir);
  else
    tn_ctl_print_table (table);
  return TRUE;
}

/* catalog import --------------------------------------------------------- */

gboolean
tn_ctl_cmd_catalog_import (TnCtl   *ctl,
                           int      argc,
                           char   **argv,
                           GError **error)
{
  TnImportResult result = { 0 };

  if (!tn_ctl_parse_options (ctl, NULL, "FILE.csv",
                             N_("Imports a CSV catalogue with the header "
                                "sku,name,price,barcode,tax. A bad row imports nothing."),
                             &argc, &argv, 1, error))
    return FALSE;
  if (argc < 2)
    return tn_ctl_usage_error (error, _("Which file? Pass the CSV catalogue to import"));
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  /* The model's message already says that nothing was imported. */
  if (!tn_catalog_import_file (ctl->store, argv[1], &result, error))
    return FALSE;

  g_print (_("Imported %s: %u new, %u updated, %u unchanged.\n"), argv[1],
           result.created, result.updated, result.unchanged);
  return TRUE;
}
