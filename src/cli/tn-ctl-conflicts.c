/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-money.h"
#include "tn-operations.h"

/* `conflicts list|resolve`: the concurrent price edits no rule can
 * decide (DESIGN §3), for a manager to settle. */

static JsonObject *
conflict_to_json (TnCtl      *ctl,
                  TnConflict *conflict)
{
  JsonObject *object = json_object_new ();
  JsonArray *candidates = json_array_new ();
  g_autofree char *opened = tn_ctl_format_hlc_time ((guint64) conflict->opened_hlc);

  json_object_set_string_member (object, "id", conflict->id);
  json_object_set_string_member (object, "sku", conflict->sku);
  json_object_set_string_member (object, "field", conflict->field);
  if (conflict->product_name != NULL)
    json_object_set_string_member (object, "product", conflict->product_name);
  else
    json_object_set_null_member (object, "product");
  json_object_set_string_member (object, "opened", opened);
  for (guint i = 0; i < conflict->candidates->len; i++)
    {
      TnConflictCandidate *candidate = conflict->candidates->pdata[i];
      JsonObject *c = json_object_new ();
      g_autofree char *value_text = tn_ctl_format_money (ctl, candidate->value);
      g_autofree char *when = tn_ctl_format_hlc_time ((guint64) candidate->hlc);

      json_object_set_string_member (c, "event_id", candidate->event_id);
      json_object_set_string_member (c, "origin", candidate->origin);
      if (candidate->terminal != NULL)
        json_object_set_string_member (c, "terminal", candidate->terminal);
      else
        json_object_set_null_member (c, "terminal");
      json_object_set_string_member (c, "created", when);
      json_object_set_int_member (c, "value", candidate->value);
      json_object_set_string_member (c, "value_text", value_text);
      json_array_add_object_element (candidates, c);
    }
  json_object_set_array_member (object, "candidates", candidates);
  return object;
}

static void
print_conflict (TnCtl      *ctl,
                TnConflict *conflict)
{
  g_print (_("%s — %s of %s\n"), conflict->id, conflict->field,
           conflict->product_name ? conflict->product_name : conflict->sku);
  for (guint i = 0; i < conflict->candidates->len; i++)
    {
      TnConflictCandidate *candidate = conflict->candidates->pdata[i];
      g_autofree char *value = tn_ctl_format_money (ctl, candidate->value);
      g_autofree char *when = tn_ctl_format_hlc_time ((guint64) candidate->hlc);

      g_print (_("    %s %s, set on %s at %s\n"), value, tn_store_get_currency (ctl->store),
               candidate->terminal ? candidate->terminal : candidate->origin, when);
    }
}

gboolean
tn_ctl_cmd_conflicts_list (TnCtl   *ctl,
                           int      argc,
                           char   **argv,
                           GError **error)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL, N_("Lists open conflicts, oldest first."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_open_store (ctl, error))
    return FALSE;

  conflicts = tn_store_list_conflicts (ctl->store, error);
  if (conflicts == NULL)
    return FALSE;

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < conflicts->len; i++)
        json_array_add_object_element (array, conflict_to_json (ctl, conflicts->pdata[i]));
      json_object_set_array_member (object, "conflicts", array);
      json_node_take_object (root, object);
      tn_ctl_print_json (root);
    }
  else if (conflicts->len == 0)
    g_print (_("No open conflicts.\n"));
  else
    {
      for (guint i = 0; i < conflicts->len; i++)
        print_conflict (ctl, conflicts->pdata[i]);
      g_print (_("Settle one with “tendero-ctl --data-dir %s conflicts resolve ID --value "
                 "X”.\n"), ctl->data_dir);
    }
  return TRUE;
}

gboolean
tn_ctl_cmd_conflicts_resolve (TnCtl   *ctl,
                              int      argc,
                              char   **argv,
                              GError **error)
{
  g_autofree char *value_text = NULL;
  g_autofree char *manager_pin = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *shown = NULL;
  gint64 value;
  const GOptionEntry entries[] = {
    { "value", 0, 0, G_OPTION_ARG_STRING, &value_text,
      N_("The value that wins (a price, like 2.00)"), N_("V") },
    { "manager-pin", 0, 0, G_OPTION_ARG_STRING, &manager_pin,
      N_("Authorise as this manager"), N_("PIN") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, "ID",
                             N_("Resolves a conflict (ID as listed, or a bare SKU)."),
                             &argc, &argv, 1, error))
    return FALSE;
  if (argc < 2)
    return tn_ctl_usage_error (error, _("Which conflict? Give its id (“tendero-ctl conflicts "
                                        "list” shows them)"));
  if (!tn_ctl_require (value_text, "--value", error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_ctl_parse_money (ctl, "--value", value_text, FALSE, &value, error) ||
      !tn_ctl_check_pin (ctl, manager_pin, TRUE, &manager, error) ||
      !tn_store_resolve_conflict (ctl->store, argv[1], value, manager, error))
    return FALSE;

  shown = tn_ctl_format_money (ctl, value);
  g_print (_("Resolved %s: %s %s.\n"), argv[1], shown, tn_store_get_currency (ctl->store));
  return TRUE;
}
