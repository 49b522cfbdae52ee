/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-error.h"
#include "tn-money.h"
#include "tn-ui-format.h"

char *
tn_ui_format_money (gint64      minor,
                    guint       decimals,
                    const char *currency)
{
  g_autofree char *amount = tn_money_format (minor, decimals);

  if (currency == NULL || *currency == '\0')
    return g_steal_pointer (&amount);
  return g_strdup_printf ("%s %s", currency, amount);
}

gboolean
tn_ui_parse_search (const char  *text,
                    gint64      *out_qty_milli,
                    char       **out_query,
                    GError     **error)
{
  const char *star;
  g_autofree char *qty_text = NULL;
  g_autofree char *query = NULL;
  gint64 qty = TN_QTY_ONE;

  g_return_val_if_fail (text != NULL, FALSE);

  star = strchr (text, '*');
  if (star != NULL)
    {
      qty_text = g_strstrip (g_strndup (text, star - text));
      query = g_strstrip (g_strdup (star + 1));
      if (!tn_quantity_parse (qty_text, FALSE, &qty, error))
        return FALSE;
      if (qty == 0)
        {
          g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                               _("A quantity must be more than zero"));
          return FALSE;
        }
    }
  else
    query = g_strstrip (g_strdup (text));

  *out_qty_milli = qty;
  *out_query = g_steal_pointer (&query);
  return TRUE;
}

gboolean
tn_ui_parse_amount (const char  *text,
                    guint        decimals,
                    gboolean    *out_given,
                    gint64      *out_minor,
                    GError     **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (*copy == '\0')
    {
      *out_given = FALSE;
      *out_minor = 0;
      return TRUE;
    }
  g_strdelimit (copy, ",", '.');
  if (!tn_money_parse (copy, decimals, FALSE, out_minor, error))
    return FALSE;
  *out_given = TRUE;
  return TRUE;
}

char *
tn_ui_short_hash (const char *hash,
                  guint       length)
{
  if (hash == NULL)
    return g_strdup ("");
  return g_strndup (hash, length);
}
