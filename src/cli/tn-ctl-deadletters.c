/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <inttypes.h>

/* `deadletters list`: events the hub refused for good, with its reason
 * (DESIGN §5).  They stay in the lane's log and in its state; only the
 * hub lacks them. */

static JsonObject *
letter_to_json (const TnDeadLetter *letter)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "event_id", letter->event_id);
  json_object_set_string_member (object, "origin", letter->origin);
  json_object_set_int_member (object, "seq", letter->seq);
  json_object_set_string_member (object, "reason", letter->reason);
  json_object_set_int_member (object, "created_at", letter->created_at);
  return object;
}

gboolean
tn_ctl_cmd_deadletters_list (TnCtl   *ctl,
                             int      argc,
                             char   **argv,
                             GError **error)
{
  g_autoptr(GPtrArray) letters = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Lists the events the hub refused, newest first, with the "
                                "hub’s reason."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_open_store (ctl, error))
    return FALSE;

  letters = tn_store_list_dead_letters (ctl->store, 0, error);
  if (letters == NULL)
    return FALSE;

  if (json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < letters->len; i++)
        json_array_add_object_element (array, letter_to_json (letters->pdata[i]));
      json_object_set_array_member (object, "dead_letters", array);
      json_node_take_object (root, object);
      tn_ctl_print_json (root);
      return TRUE;
    }
  if (letters->len == 0)
    {
      g_print (_("The hub has refused no event.\n"));
      return TRUE;
    }
  for (guint i = 0; i < letters->len; i++)
    {
      const TnDeadLetter *letter = letters->pdata[i];
      g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (letter->created_at / 1000);
      g_autofree char *when = g_date_time_format (time, "%Y-%m-%d %H:%M:%S");

      g_print (_("%s  event %s (lane %s, #%" PRId64 ")\n    refused: %s\n"), when,
               letter->event_id, letter->origin, letter->seq, letter->reason);
    }
  g_print (_("These events stay in this lane’s records; the hub will not take them. "
             "Report them to support.\n"));
  return TRUE;
}
