/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-fiscal.h"

/* `fiscal verify|grant`: checking the chained fiscal documents, and the
 * fiscal authority handing a block of numbers to a lane by hand. */

gboolean
tn_ctl_cmd_fiscal_verify (TnCtl   *ctl,
                          int      argc,
                          char   **argv,
                          GError **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  gboolean json = FALSE;
  guint n_documents = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Checks every terminal’s chain of fiscal documents: hashes, "
                                "links, numbers from granted blocks, no duplicates."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_open_store (ctl, error) ||
      !tn_fiscal_verify (ctl->store, problems, &n_documents, error))
    return FALSE;

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < problems->len; i++)
        json_array_add_string_element (array, problems->pdata[i]);
      json_object_set_int_member (object, "documents", n_documents);
      json_object_set_boolean_member (object, "ok", problems->len == 0);
      json_object_set_array_member (object, "problems", array);
      json_node_take_object (root, object);
      tn_ctl_print_json (root);
    }
  else if (problems->len == 0)
    g_print (g_dngettext (GETTEXT_PACKAGE, "%u document verified, chains intact\n",
                          "%u documents verified, chains intact\n", n_documents),
             n_documents);
  else
    for (guint i = 0; i < problems->len; i++)
      g_print ("%s\n", (char *) problems->pdata[i]);

  if (problems->len > 0)
    {
      g_set_error (error, TN_CTL_ERROR, TN_CTL_ERROR_FAILED,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u problem in %u fiscal documents. Keep this data directory "
                                "as it is and report it to the store’s fiscal contact.",
                                "%u problems in %u fiscal documents. Keep this data directory "
                                "as it is and report it to the store’s fiscal contact.",
                                problems->len),
                   problems->len, n_documents);
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_ctl_cmd_fiscal_grant (TnCtl   *ctl,
                         int      argc,
                         char   **argv,
                         GError **error)
{
  g_autofree char *device = NULL;
  g_autofree char *terminal = NULL;
  g_autoptr(TnEvent) grant = NULL;
  gint64 first, count;
  const GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_STRING, &device,
      N_("The lane’s replica id (its “tendero-ctl status” shows it)"), N_("UUID") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &terminal, N_("The lane’s terminal name"),
      N_("NAME") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Grants the next block of fiscal numbers to a lane. Only "
                                "on the fiscal authority."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_require (device, "--device", error) ||
      !tn_ctl_require (terminal, "--terminal", error))
    return FALSE;
  if (!tn_is_uuid (device))
    return tn_ctl_usage_error (error, _("Invalid --device: “%s” is not a replica id; it looks "
                                        "like 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"), device);
  if (!tn_ctl_open_store (ctl, error))
    return FALSE;
  if (!tn_store_is_fiscal_authority (ctl->store))
    {
      g_set_error (error, TN_CTL_ERROR, TN_CTL_ERROR_FAILED,
                   _("Terminal %s is not the store’s fiscal authority: grant blocks from the "
                     "authority lane (or the hub)."), tn_store_get_terminal (ctl->store));
      return FALSE;
    }

  grant = tn_fiscal_grant_block_now (ctl->store, device, terminal, error);
  if (grant == NULL)
    return FALSE;

  first = tn_event_get_int (grant, "first", 0);
  count = tn_event_get_int (grant, "count", 0);
  g_print (_("Granted fiscal numbers %" PRId64 "–%" PRId64
             " to terminal %s (%s).\n"), first, first + count - 1, terminal, device);
  return TRUE;
}
