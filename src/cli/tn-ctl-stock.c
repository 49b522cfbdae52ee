/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-money.h"
#include "tn-operations.h"

/* Stock movements: `stock adjust` (counts, shrinkage) and `stock
 * receive` (deliveries).  Stock is a PN-counter: each command adds one
 * movement. */

static void
print_stock (TnCtl      *ctl,
             const char *sku)
{
  gint64 stock;

  if (tn_store_get_stock (ctl->store, sku, &stock, NULL))
    {
      g_autofree char *text = tn_quantity_format (stock);

      g_print (_("Stock of %s is now %s.\n"), sku, text);
    }
}

gboolean
tn_ctl_cmd_stock_adjust (TnCtl   *ctl,
                         int      argc,
                         char   **argv,
                         GError **error)
{
  g_autofree char *sku = NULL;
  g_autofree char *delta_text = NULL;
  g_autofree char *reason = NULL;
  GError *model_error = NULL;
  gint64 delta;
  const GOptionEntry entries[] = {
    { "sku", 0, 0, G_OPTION_ARG_STRING, &sku, N_("The product"), N_("SKU") },
    { "delta", 0, 0, G_OPTION_ARG_STRING, &delta_text,
      N_("Units to add (negative to remove), e.g. -2 or 0.5"), N_("N") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("Why, for the audit trail (count, damage, theft …)"), N_("TEXT") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Corrects the stock of a product."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (sku, "--sku", error) ||
      !tn_ctl_require (delta_text, "--delta", error) ||
      !tn_ctl_require (reason, "--reason", error) ||
      !tn_ctl_parse_quantity ("--delta", delta_text, TRUE, &delta, error))
    return FALSE;
  if (delta == 0)
    return tn_ctl_usage_error (error, _("Invalid --delta: “%s” changes nothing; use a "
                                        "positive number to add stock or a negative one to "
                                        "remove it"), delta_text);
  if (g_strstrip (reason)[0] == '\0')
    return tn_ctl_usage_error (error, _("Invalid --reason: say why the stock changes"));
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  if (!tn_store_adjust_stock (ctl->store, sku, delta, reason, &model_error))
    return tn_ctl_explain_sku_error (ctl, sku, error, model_error);
  print_stock (ctl, sku);
  return TRUE;
}

gboolean
tn_ctl_cmd_stock_receive (TnCtl   *ctl,
                          int      argc,
                          char   **argv,
                          GError **error)
{
  g_autofree char *sku = NULL;
  g_autofree char *qty_text = NULL;
  g_autofree char *reason = NULL;
  GError *model_error = NULL;
  gint64 qty;
  const GOptionEntry entries[] = {
    { "sku", 0, 0, G_OPTION_ARG_STRING, &sku, N_("The product"), N_("SKU") },
    { "qty", 0, 0, G_OPTION_ARG_STRING, &qty_text, N_("Units received, e.g. 24"), N_("N") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &reason,
      N_("A note, e.g. the delivery note number"), N_("TEXT") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Records goods received."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (sku, "--sku", error) ||
      !tn_ctl_require (qty_text, "--qty", error) ||
      !tn_ctl_parse_quantity ("--qty", qty_text, FALSE, &qty, error))
    return FALSE;
  if (qty == 0)
    return tn_ctl_usage_error (error, _("Invalid --qty: “%s”; receive at least 0.001 "
                                        "units"), qty_text);
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;

  if (!tn_store_receive_stock (ctl->store, sku, qty, reason, &model_error))
    return tn_ctl_explain_sku_error (ctl, sku, error, model_error);
  print_stock (ctl, sku);
  return TRUE;
}
