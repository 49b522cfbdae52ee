/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-money.h"
#include "tn-operations.h"

/* `rate set`: the exchange rate of the second currency the store
 * accepts, in base-currency units per unit of it (DESIGN §6). */

gboolean
tn_ctl_cmd_rate_set (TnCtl   *ctl,
                     int      argc,
                     char   **argv,
                     GError **error)
{
  g_autofree char *currency = NULL;
  g_autofree char *rate_text = NULL;
  int decimals = 2;
  gint64 rate_micro;
  GError *rate_error = NULL;
  const GOptionEntry entries[] = {
    { "currency", 0, 0, G_OPTION_ARG_STRING, &currency,
      N_("The second currency, ISO 4217"), N_("CODE") },
    { "rate", 0, 0, G_OPTION_ARG_STRING, &rate_text,
      N_("Base-currency units per unit of it, up to 6 decimals"), N_("36.5") },
    { "decimals", 0, 0, G_OPTION_ARG_INT, &decimals,
      N_("Decimals of the second currency (default 2)"), N_("N") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Sets the exchange rate of a second currency."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (currency, "--currency", error) ||
      !tn_ctl_require (rate_text, "--rate", error))
    return FALSE;
  if (!tn_rate_parse (rate_text, &rate_micro, &rate_error))
    return tn_ctl_option_value_error (error, "--rate", rate_error);
  if (decimals < 0 || decimals > 4)
    return tn_ctl_usage_error (error, _("Invalid --decimals: %d (a currency has 0 to 4 "
                                        "decimals)"), decimals);
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;
  if (g_strcmp0 (currency, tn_store_get_currency (ctl->store)) == 0)
    return tn_ctl_usage_error (error, _("Invalid --currency: %s is the store’s base currency; "
                                        "name the second currency"), currency);

  if (!tn_store_set_exchange_rate (ctl->store, currency, rate_micro, (guint) decimals, error))
    return FALSE;

  g_print (_("1 %s = %s %s from now on.\n"), currency, rate_text,
           tn_store_get_currency (ctl->store));
  return TRUE;
}
