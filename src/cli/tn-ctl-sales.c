/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-error.h"
#include "tn-money.h"
#include "tn-operations.h"

/* Selling and voiding: `sell` and `void`. */

/* sell's command line ----------------------------------------------------- */

/* `--qty` counts the `--sku` before it, which GOptionContext cannot
 * pair up, so sell reads its arguments itself. */
typedef struct
{
  GPtrArray *skus;        /* char * */
  GPtrArray *qty_texts;   /* char *, NULL where --qty was not given */
  char      *pay;
  char      *amount;
  char      *cashier_pin;
  gboolean   json;
  gboolean   help;
} SellArgs;

static void
sell_args_clear (SellArgs *args)
{
  g_clear_pointer (&args->skus, g_ptr_array_unref);
  g_clear_pointer (&args->qty_texts, g_ptr_array_unref);
  g_clear_pointer (&args->pay, g_free);
  g_clear_pointer (&args->amount, g_free);
  g_clear_pointer (&args->cashier_pin, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SellArgs, sell_args_clear)

static void
print_sell_help (void)
{
  g_print ("%s\n  tendero-ctl --data-dir DIR sell --sku SKU [--qty N] [--sku SKU [--qty N]]… "
           "[--pay cash|card|transfer] [--amount X] [--cashier-pin PIN] [--json]\n\n%s\n\n",
           _("Usage:"), _("Records a sale, priced from the catalogue."));
  g_print ("  --sku SKU            %s\n", _("A product to sell (repeatable)"));
  g_print ("  --qty N              %s\n", _("Units of the --sku before it (default 1; 0.5 …)"));
  g_print ("  --pay METHOD         %s\n", _("cash (default), card or transfer"));
  g_print ("  --amount X           %s\n", _("Amount tendered (default: exactly the total)"));
  g_print ("  --cashier-pin PIN    %s\n", _("Sign the sale as this cashier"));
  g_print ("  --json               %s\n", _("Print the receipt as one JSON object"));
  g_print ("  --data-dir DIR       %s\n", _("The lane’s data directory"));
}

/* Reads "--name value" or "--name=value" at argv[*i]; TRUE if it is
 * option @name, with its value in @out. */
static gboolean
take_value (int          argc,
            char       **argv,
            int         *i,
            const char  *name,
            char       **out,
            GError     **error)
{
  const char *arg = argv[*i];
  gsize len = strlen (name);

  if (strncmp (arg, name, len) != 0 || (arg[len] != '\0' && arg[len] != '='))
    return FALSE;
  g_free (*out);
  if (arg[len] == '=')
    *out = g_strdup (arg + len + 1);
  else if (*i + 1 < argc)
    *out = g_strdup (argv[++*i]);
  else
    {
      *out = NULL;
      tn_ctl_usage_error (error, _("%s needs a value (see “tendero-ctl sell --help”)"), name);
    }
  return TRUE;
}

static gboolean
parse_sell_args (TnCtl     *ctl,
                 int        argc,
                 char     **argv,
                 SellArgs  *args,
                 GError   **error)
{
  args->skus = g_ptr_array_new_with_free_func (g_free);
  args->qty_texts = g_ptr_array_new_with_free_func (g_free);

  for (int i = 1; i < argc; i++)
    {
      g_autofree char *value = NULL;
      GError *local_error = NULL;

      if (g_str_equal (argv[i], "--json"))
        args->json = TRUE;
      else if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        args->help = TRUE;
      else if (take_value (argc, argv, &i, "--sku", &value, &local_error))
        {
          if (value == NULL)
            goto failed;
          g_ptr_array_add (args->skus, g_steal_pointer (&value));
          g_ptr_array_add (args->qty_texts, NULL);
        }
      else if (take_value (argc, argv, &i, "--qty", &value, &local_error))
        {
          guint last = args->skus->len;

          if (value == NULL)
            goto failed;
          if (last == 0)
            return tn_ctl_usage_error (error, _("--qty %s comes before any --sku: put it after "
                                                "the --sku it counts"), value);
          if (args->qty_texts->pdata[last - 1] != NULL)
            return tn_ctl_usage_error (error, _("--sku %s has two quantities: give --qty once "
                                                "after each --sku"),
                                       (char *) args->skus->pdata[last - 1]);
          args->qty_texts->pdata[last - 1] = g_steal_pointer (&value);
        }
      else if (take_value (argc, argv, &i, "--pay", &args->pay, &local_error) ||
               take_value (argc, argv, &i, "--amount", &args->amount, &local_error) ||
               take_value (argc, argv, &i, "--cashier-pin", &args->cashier_pin,
                           &local_error) ||
               take_value (argc, argv, &i, "--data-dir", &ctl->data_dir, &local_error))
        {
          if (local_error != NULL)
            goto failed;
        }
      else if (argv[i][0] == '-')
        return tn_ctl_usage_error (error, _("Unknown option %s (see “tendero-ctl sell "
                                            "--help”)"), argv[i]);
      else
        return tn_ctl_usage_error (error, _("Unexpected argument “%s”: give each product as "
                                            "--sku SKU"), argv[i]);
      continue;

    failed:
      g_propagate_error (error, local_error);
      return FALSE;
    }

  if (args->help)
    return TRUE;
  if (args->skus->len == 0)
    return tn_ctl_usage_error (error, _("Nothing to sell: give at least one --sku"));
  if (args->pay != NULL && !g_str_equal (args->pay, "cash") && !g_str_equal (args->pay, "card") &&
      !g_str_equal (args->pay, "transfer"))
    return tn_ctl_usage_error (error, _("Invalid --pay: “%s”; use cash, card or transfer"),
                               args->pay);
  return TRUE;
}

/* Turns the arguments into a sale request; needs the open store. */
static TnSaleRequest *
build_request (TnCtl     *ctl,
               SellArgs  *args,
               GError   **error)
{
  g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
  g_autofree char *cashier = NULL;
  const char *method = args->pay ? args->pay : "cash";
  gint64 amount;

  for (guint i = 0; i < args->skus->len; i++)
    {
      const char *qty_text = args->qty_texts->pdata[i];
      gint64 qty = TN_QTY_ONE;

      if (qty_text != NULL && !tn_ctl_parse_quantity ("--qty", qty_text, FALSE, &qty, error))
        return NULL;
      if (qty == 0)
        {
          tn_ctl_usage_error (error, _("Invalid --qty: “%s” for %s; sell at least 0.001 "
                                       "units"), qty_text, (char *) args->skus->pdata[i]);
          return NULL;
        }
      tn_sale_request_add_line (request, args->skus->pdata[i], qty);
    }

  if (args->amount != NULL)
    {
      if (!tn_ctl_parse_money (ctl, "--amount", args->amount, FALSE, &amount, error))
        return NULL;
      tn_sale_request_add_payment (request, method, NULL, amount);
    }
  else if (!g_str_equal (method, "cash"))
    {
      /* Exactly the total, by card or transfer. */
      tn_sale_request_add_payment (request, method, NULL, TN_SALE_PAY_REST);
    }

  if (!tn_ctl_check_pin (ctl, args->cashier_pin, FALSE, &cashier, error))
    return NULL;
  if (cashier != NULL)
    tn_sale_request_set_cashier (request, cashier);
  return g_steal_pointer (&request);
}

/* sell's output ------------------------------------------------------------ */

static void
print_receipt_json (TnCtl         *ctl,
                    TnSaleReceipt *receipt)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *total_text = tn_ctl_format_money (ctl, receipt->total);
  g_autofree char *change_text = tn_ctl_format_money (ctl, receipt->change);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sale_id");
  json_builder_add_string_value (builder, receipt->sale_id);
  json_builder_set_member_name (builder, "event_id");
  json_builder_add_string_value (builder, receipt->event_id);
  json_builder_set_member_name (builder, "fiscal_doc");
  json_builder_add_string_value (builder, receipt->fiscal_doc);
  json_builder_set_member_name (builder, "fiscal_number");
  json_builder_add_int_value (builder, receipt->fiscal_number);
  json_builder_set_member_name (builder, "contingency");
  json_builder_add_boolean_value (builder, receipt->contingency);
  json_builder_set_member_name (builder, "currency");
  json_builder_add_string_value (builder, receipt->currency);
  json_builder_set_member_name (builder, "subtotal");
  json_builder_add_int_value (builder, receipt->subtotal);
  json_builder_set_member_name (builder, "tax");
  json_builder_add_int_value (builder, receipt->tax);
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, receipt->total);
  json_builder_set_member_name (builder, "total_text");
  json_builder_add_string_value (builder, total_text);
  json_builder_set_member_name (builder, "paid");
  json_builder_add_int_value (builder, receipt->paid);
  json_builder_set_member_name (builder, "change");
  json_builder_add_int_value (builder, receipt->change);
  json_builder_set_member_name (builder, "change_text");
  json_builder_add_string_value (builder, change_text);
  if (receipt->second_currency != NULL)
    {
      g_autofree char *second_text = tn_money_format (receipt->second_total,
                                                      receipt->second_decimals);

      json_builder_set_member_name (builder, "second_currency");
      json_builder_add_string_value (builder, receipt->second_currency);
      json_builder_set_member_name (builder, "second_total");
      json_builder_add_int_value (builder, receipt->second_total);
      json_builder_set_member_name (builder, "second_total_text");
      json_builder_add_string_value (builder, second_text);
    }
  json_builder_set_member_name (builder, "oversold");
  json_builder_begin_array (builder);
  for (guint i = 0; receipt->oversold != NULL && receipt->oversold[i] != NULL; i++)
    json_builder_add_string_value (builder, receipt->oversold[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  tn_ctl_print_json (root);
}

static void
print_receipt (TnCtl         *ctl,
               TnSaleReceipt *receipt)
{
  g_autofree char *subtotal = tn_ctl_format_money (ctl, receipt->subtotal);
  g_autofree char *tax = tn_ctl_format_money (ctl, receipt->tax);
  g_autofree char *total = tn_ctl_format_money (ctl, receipt->total);
  g_autofree char *paid = tn_ctl_format_money (ctl, receipt->paid);
  g_autofree char *change = tn_ctl_format_money (ctl, receipt->change);

  g_print (_("Sale %s, document %s\n"), receipt->sale_id, receipt->fiscal_doc);
  if (receipt->contingency)
    g_print (_("  (a contingency number: no fiscal number block was available)\n"));
  g_print (_("  Subtotal %s, tax %s, total %s %s\n"), subtotal, tax, total, receipt->currency);
  if (receipt->second_currency != NULL)
    {
      g_autofree char *second = tn_money_format (receipt->second_total,
                                                 receipt->second_decimals);

      g_print (_("  Total in %s: %s\n"), receipt->second_currency, second);
    }
  g_print (_("  Paid %s, change %s\n"), paid, change);
  if (receipt->oversold != NULL && receipt->oversold[0] != NULL)
    {
      g_autofree char *skus = g_strjoinv (", ", receipt->oversold);

      g_print (_("  Stock is now below zero for: %s (count it and adjust)\n"), skus);
    }
}

gboolean
tn_ctl_cmd_sell (TnCtl   *ctl,
                 int      argc,
                 char   **argv,
                 GError **error)
{
  g_auto(SellArgs) args = { 0 };
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) receipt = NULL;
  GError *model_error = NULL;

  if (!parse_sell_args (ctl, argc, argv, &args, error))
    return FALSE;
  if (args.help)
    {
      print_sell_help ();
      return TRUE;
    }
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  request = build_request (ctl, &args, error);
  if (request == NULL)
    return FALSE;

  receipt = tn_store_sell (ctl->store, request, &model_error);
  if (receipt == NULL)
    {
      /* Name the SKU the model could not find. */
      if (g_error_matches (model_error, TN_ERROR, TN_ERROR_NOT_FOUND))
        for (guint i = 0; i < args.skus->len; i++)
          if (strstr (model_error->message, args.skus->pdata[i]) != NULL)
            return tn_ctl_explain_sku_error (ctl, args.skus->pdata[i], error, model_error);
      g_propagate_error (error, model_error);
      return FALSE;
    }

  if (args.json)
    print_receipt_json (ctl, receipt);
  else
    print_receipt (ctl, receipt);
  return TRUE;
}

/* void ---------------------------------------------------------------------- */

gboolean
tn_ctl_cmd_void (TnCtl   *ctl,
                 int      argc,
                 char   **argv,
                 GError **error)
{
  g_autofree char *reason = NULL;
  g_autofree char *manager_pin = NULL;
  g_autofree char *manager = NULL;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why the sale is void, for the audit trail"), N_("TEXT") },
    { "manager-pin", 0, 0, G_OPTION_ARG_STRING, &manager_pin,
      N_("Authorise as this manager"), N_("PIN") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, "SALE_ID",
                             N_("Voids a sale with a chained void document."),
                             &argc, &argv, 1, error))
    return FALSE;
  if (argc < 2)
    return tn_ctl_usage_error (error, _("Which sale? Give its id (“tendero-ctl export sales” "
                                        "lists them)"));
  if (!tn_ctl_require (reason, "--reason", error))
    return FALSE;
  if (g_strstrip (reason)[0] == '\0')
    return tn_ctl_usage_error (error, _("Invalid --reason: say why the sale is void"));
  if (!tn_ctl_open_store (ctl, error) ||
      !tn_ctl_check_pin (ctl, manager_pin, TRUE, &manager, error) ||
      !tn_store_void_sale (ctl->store, argv[1], reason, manager, error))
    return FALSE;

  g_print (_("Voided sale %s.\n"), argv[1]);
  return TRUE;
}
