/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-cloud-client.h"
#include "tn-digest.h"
#include "tn-fiscal.h"
#include "tn-json-strict.h"
#include "tn-operations.h"
#include "tn-queries.h"

/* `status`: what this lane holds and what needs attention — version
 * vector, outbox, held-back events, conflicts, alerts, fiscal reserve
 * and the state digest other lanes compare against. */

typedef struct
{
  TnVersionVector *vv;
  TnOutboxCounts   outbox;
  gint64           held_back;
  gint64           conflicts;
  gint64           alerts_p0;
  gint64           alerts_p1;
  TnFiscalReserve  fiscal;
  TnDigest        *digest;
} LaneStatus;

static void
lane_status_clear (LaneStatus *status)
{
  g_clear_pointer (&status->vv, tn_version_vector_free);
  g_clear_pointer (&status->digest, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LaneStatus, lane_status_clear)

static gboolean
collect_status (TnCtl       *ctl,
                LaneStatus  *status,
                GError     **error)
{
  TnStore *store = ctl->store;
  gint64 alerts[3];

  status->vv = tn_store_get_version_vector (store, error);
  if (status->vv == NULL)
    return FALSE;
  status->digest = g_new0 (TnDigest, 1);
  status->held_back = tn_store_count_held_back (store);
  status->conflicts = tn_store_count_conflicts (store);
  if (!tn_store_get_outbox_counts (store, &status->outbox, error) ||
      !tn_store_count_alerts (store, alerts, error))
    return FALSE;
  status->alerts_p0 = alerts[TN_ALERT_P0];
  status->alerts_p1 = alerts[TN_ALERT_P1];
  return tn_fiscal_get_reserve (store, tn_store_get_replica_id (store), &status->fiscal,
                                error) &&
         tn_store_compute_digest (store, status->digest, error);
}


/* DATA_DIR/peers.json, written every second by a running lane's sync
 * worker; older than 5 s means no lane is running (NULL). */
static JsonObject *
read_live_snapshot (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "peers.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *snapshot;
  gint64 updated;

  if (!json_parser_load_from_file (parser, path, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  snapshot = json_node_get_object (json_parser_get_root (parser));
  updated = json_object_get_int_member_with_default (snapshot, "updated_at", 0);
  if (g_get_real_time () / 1000 - updated > 5000)
    return NULL;
  return json_object_ref (snapshot);
}

static JsonNode *
read_live_peers (JsonObject *snapshot)
{
  if (snapshot == NULL || !json_object_has_member (snapshot, "peers") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (snapshot, "peers")))
    return json_node_init_array (json_node_alloc (), json_array_new ());
  return json_node_copy (json_object_get_member (snapshot, "peers"));
}

/* The hub client as the running lane reports it, or what the last run
 * left in the settings when no lane runs (state "stopped"). */
static JsonNode *
read_cloud (TnCtl      *ctl,
            LaneStatus *status,
            JsonObject *snapshot)
{
  TnCloudStatus cloud = { 0 };
  g_autofree char *vv_text = NULL;
  g_autofree char *success = NULL;
  g_autofree char *last_error = NULL;
  g_autoptr(JsonNode) vv_node = NULL;
  g_autoptr(GPtrArray) origins = NULL;
  JsonNode *node;

  if (ctl->config->hub_url == NULL)
    return json_node_init_null (json_node_alloc ());
  if (snapshot != NULL && json_object_has_member (snapshot, "cloud") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (snapshot, "cloud")))
    return json_node_copy (json_object_get_member (snapshot, "cloud"));

  vv_text = tn_store_get_setting (ctl->store, TN_CLOUD_SETTING_HUB_VV);
  vv_node = vv_text ? tn_json_parse_strict (vv_text, -1, NULL) : NULL;
  cloud.hub_vv = vv_node ? tn_version_vector_from_json (vv_node, NULL) : NULL;
  success = tn_store_get_setting (ctl->store, TN_CLOUD_SETTING_LAST_SUCCESS);
  last_error = tn_store_get_setting (ctl->store, TN_CLOUD_SETTING_LAST_ERROR);
  cloud.url = ctl->config->hub_url;
  cloud.state = (char *) "stopped";
  cloud.breaker = (char *) "closed";
  cloud.last_success = success ? g_ascii_strtoll (success, NULL, 10) : 0;
  cloud.last_error = last_error && *last_error ? last_error : NULL;
  cloud.dead_letters = tn_store_count_dead_letters (ctl->store);
  origins = tn_version_vector_origins (status->vv);
  for (guint i = 0; i < origins->len; i++)
    cloud.pending += MAX (0, tn_version_vector_get (status->vv, origins->pdata[i]) -
                             (cloud.hub_vv ? tn_version_vector_get (cloud.hub_vv,
                                                                   origins->pdata[i]) : 0));
  node = tn_cloud_status_to_json (&cloud);
  g_clear_pointer (&cloud.hub_vv, tn_version_vector_free);
  return node;
}

static void
print_status_json (TnCtl      *ctl,
                   LaneStatus *status,
                   JsonObject *snapshot)
{
  TnStore *store = ctl->store;
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonObject *outbox = json_object_new ();
  JsonObject *alerts = json_object_new ();
  JsonObject *fiscal = json_object_new ();

  json_object_set_string_member (object, "store", tn_store_get_store_id (store));
  json_object_set_string_member (object, "terminal", tn_store_get_terminal (store));
  json_object_set_string_member (object, "replica", tn_store_get_replica_id (store));
  json_object_set_boolean_member (object, "fiscal_authority",
                                  tn_store_is_fiscal_authority (store));
  json_object_set_int_member (object, "schema", tn_store_get_schema_version (store));
  json_object_set_string_member (object, "currency", tn_store_get_currency (store));
  json_object_set_member (object, "vv", tn_version_vector_to_json (status->vv));
  json_object_set_int_member (object, "events", tn_version_vector_total (status->vv));

  json_object_set_int_member (outbox, "pending", status->outbox.pending);
  json_object_set_int_member (outbox, "peer_ack", status->outbox.peer_ack);
  json_object_set_int_member (outbox, "cloud_ack", status->outbox.cloud_ack);
  json_object_set_object_member (object, "outbox", outbox);

  json_object_set_int_member (object, "held_back", status->held_back);
  json_object_set_int_member (object, "conflicts", status->conflicts);

  json_object_set_int_member (alerts, "p0", status->alerts_p0);
  json_object_set_int_member (alerts, "p1", status->alerts_p1);
  json_object_set_object_member (object, "alerts", alerts);

  json_object_set_int_member (fiscal, "next_number", status->fiscal.next_number);
  json_object_set_int_member (fiscal, "unused", status->fiscal.unused);
  json_object_set_int_member (fiscal, "reserve_blocks", status->fiscal.reserve_blocks);
  json_object_set_int_member (fiscal, "contingency_documents",
                              status->fiscal.contingency_documents);
  json_object_set_object_member (object, "fiscal", fiscal);

  json_object_set_string_member (object, "digest", status->digest->state_hash);
  if (ctl->config->hub_url != NULL)
    json_object_set_string_member (object, "hub", ctl->config->hub_url);
  else
    json_object_set_null_member (object, "hub");
  /* Live peer state comes from the running lane's sync service. */
  json_object_set_member (object, "peers", read_live_peers (snapshot));
  json_object_set_member (object, "cloud", read_cloud (ctl, status, snapshot));

  json_node_take_object (root, object);
  tn_ctl_print_json (root);
}

static void
print_status (TnCtl      *ctl,
              LaneStatus *status,
              JsonObject *snapshot)
{
  TnStore *store = ctl->store;
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (status->vv);

  g_print (_("Store %s, terminal %s%s\n"), tn_store_get_store_id (store),
           tn_store_get_terminal (store),
           tn_store_is_fiscal_authority (store) ? _(" (fiscal authority)") : "");
  g_print (_("  Replica        %s\n"), tn_store_get_replica_id (store));
  g_print (_("  Events         %" PRId64 " from %u lanes\n"),
           tn_version_vector_total (status->vv), tn_version_vector_size (status->vv));
  for (guint i = 0; i < origins->len; i++)
    g_print ("                   %s: %" PRId64 "\n", (char *) origins->pdata[i],
             tn_version_vector_get (status->vv, origins->pdata[i]));
  g_print (_("  Outbox         %" PRId64 " pending, %" PRId64
             " acknowledged by a lane, %" PRId64 " by the hub\n"),
           status->outbox.pending, status->outbox.peer_ack, status->outbox.cloud_ack);
  g_print (_("  Held back      %" PRId64 " (waiting for earlier events)\n"),
           status->held_back);
  g_print (_("  Conflicts      %" PRId64 " open\n"), status->conflicts);
  g_print (_("  Alerts         %" PRId64 " urgent (P0), %" PRId64
             " degraded (P1)\n"), status->alerts_p0, status->alerts_p1);
  if (status->fiscal.next_number > 0)
    g_print (_("  Fiscal         next number %" PRId64 ", %" PRId64
               " unused, %u blocks in reserve, %" PRId64 " contingency documents\n"),
             status->fiscal.next_number, status->fiscal.unused, status->fiscal.reserve_blocks,
             status->fiscal.contingency_documents);
  else
    g_print (_("  Fiscal         no store numbers left (contingency series in use), %" PRId64
               " contingency documents\n"),
             status->fiscal.contingency_documents);
  g_print (_("  Digest         %s\n"), status->digest->state_hash);
  if (ctl->config->hub_url != NULL)
    {
      g_autoptr(JsonNode) node = read_cloud (ctl, status, snapshot);
      JsonObject *cloud = json_node_get_object (node);
      gint64 success = json_object_get_int_member_with_default (cloud, "last_success", 0);
      g_autofree char *when = NULL;

      if (success > 0)
        {
          g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (success / 1000);

          when = g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
        }
      g_print (_("  Hub            %s: %s, breaker %s, %" PRId64 " events waiting, %" PRId64
                 " dead letters, last sync %s\n"), ctl->config->hub_url,
               json_object_get_string_member_with_default (cloud, "state", "?"),
               json_object_get_string_member_with_default (cloud, "breaker", "?"),
               json_object_get_int_member_with_default (cloud, "pending", 0),
               json_object_get_int_member_with_default (cloud, "dead_letters", 0),
               when ? when : _("never"));
      if (!json_object_get_null_member (cloud, "last_error") &&
          json_object_get_string_member_with_default (cloud, "last_error", NULL) != NULL)
        g_print (_("                 last error: %s\n"),
                 json_object_get_string_member (cloud, "last_error"));
    }
  for (char **peer = ctl->config->peers; peer != NULL && *peer != NULL; peer++)
    g_print (_("  Peer           %s\n"), *peer);
  if (status->conflicts > 0)
    g_print (_("Resolve conflicts with “tendero-ctl --data-dir %s conflicts list”.\n"),
             ctl->data_dir);
}

gboolean
tn_ctl_cmd_status (TnCtl   *ctl,
                   int      argc,
                   char   **argv,
                   GError **error)
{
  g_auto(LaneStatus) status = { 0 };
  g_autoptr(JsonObject) snapshot = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Shows replication, conflicts, alerts, the fiscal reserve "
                                "and the state digest."),
                             &argc, &argv, 0, error) ||
      !tn_ctl_open_store (ctl, error) ||
      !collect_status (ctl, &status, error))
    return FALSE;

  snapshot = read_live_snapshot (ctl->data_dir);
  if (json)
    print_status_json (ctl, &status, snapshot);
  else
    print_status (ctl, &status, snapshot);
  return TRUE;
}
