/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-cloud"

#include "config.h"

#include "tn-cloud-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-error.h"
#include "tn-fiscal.h"

/* The second half of a cycle: fetch what the hub holds that this lane
 * lacks (through the same validation and causal apply as events from
 * peers), then ask for fiscal blocks while the reserve is low. */

#define PULL_LIMIT 500
/* A fresh lane needs its current block and two in reserve. */
#define MAX_FISCAL_REQUESTS (TN_FISCAL_RESERVE_BLOCKS + 2)

static void pull_next (TnCloudClient *self);

/* Parses and applies @array (events of the hub); returns the highest
 * seq in it through @last_seq. */
static gboolean
apply_events (TnCloudClient  *self,
              JsonArray      *array,
              gint64         *last_seq,
              GError        **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  TnApplyResult result = { 0 };
  TnVersionVector *hub_vv;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      TnEvent *event = tn_event_from_node (json_array_get_element (array, i),
                                           tn_store_get_store_id (self->store), error);

      if (event == NULL)
        {
          g_prefix_error (error, _("event %u: "), i + 1);
          return FALSE;
        }
      *last_seq = MAX (*last_seq, event->seq);
      g_ptr_array_add (events, event);
    }
  if (events->len == 0)
    return TRUE;
  if (!tn_store_apply_remote (self->store, events, TN_APPLY_FLAGS_NONE, &result, error))
    return FALSE;
  /* What came from the hub, the hub holds (a grant is newer than the vv
   * this cycle started with): not "waiting for the hub". */
  hub_vv = tn_version_vector_copy (self->hub_vv);
  for (guint i = 0; i < events->len; i++)
    {
      const TnEvent *event = events->pdata[i];

      tn_version_vector_merge_one (hub_vv, event->origin, event->seq);
    }
  tn_cloud_client_set_hub_vv (self, hub_vv);
  g_debug ("From the hub: %u applied, %u duplicates, %u held back", result.applied,
           result.duplicates, result.held_back);
  if (result.applied > 0)
    tn_cloud_client_emit_store_changed (self, result.applied);
  return TRUE;
}

static void
pull_answer_cb (TnCloudClient       *self,
                const TnCloudAnswer *answer)
{
  g_autoptr(GError) error = NULL;
  const char *origin = self->pull_origins->pdata[self->pull_index];
  JsonNode *events;
  gint64 last_seq = self->pull_after;
  gboolean more;

  if (answer->outcome != TN_CLOUD_OK)
    {
      tn_cloud_client_fail_cycle (self, answer, answer->message);
      return;
    }
  events = json_object_get_member (answer->root, "events");
  if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events))
    g_set_error (&error, TN_ERROR, TN_ERROR_INVALID, _("the answer has no “events” list"));
  else
    apply_events (self, json_node_get_array (events), &last_seq, &error);
  if (error != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("Events from the hub for lane %s cannot be stored (%s); nothing "
                           "was changed"), origin, error->message);

      tn_cloud_client_fail_cycle (self, answer, message);
      return;
    }
  tn_circuit_breaker_success (self->breaker);
  more = json_object_get_boolean_member_with_default (answer->root, "more", FALSE);
  /* Rejected seqs leave holes at the hub: page on by what arrived. */
  if (more && last_seq > self->pull_after &&
      last_seq < tn_version_vector_get (self->hub_vv, origin))
    self->pull_after = last_seq;
  else
    {
      self->pull_index++;
      self->pull_after = -1;
    }
  pull_next (self);
}

static void
pull_next (TnCloudClient *self)
{
  g_autofree char *path = NULL;

  if (self->pull_index >= self->pull_origins->len)
    {
      tn_cloud_client_fiscal (self);
      return;
    }
  if (self->pull_after < 0)
    {
      g_autoptr(TnVersionVector) local = tn_store_get_version_vector (self->store, NULL);

      self->pull_after = local ? tn_version_vector_get (local,
                                                        self->pull_origins->pdata[self->pull_index])
                               : 0;
    }
  path = g_strdup_printf ("/events?origin=%s&after=%" G_GINT64_FORMAT "&limit=%d",
                          (char *) self->pull_origins->pdata[self->pull_index],
                          self->pull_after, PULL_LIMIT);
  tn_cloud_client_request (self, "GET", path, NULL, pull_answer_cb);
}

void
tn_cloud_client_pull (TnCloudClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) local = tn_store_get_version_vector (self->store, &error);
  g_autoptr(GPtrArray) origins = NULL;

  if (local == NULL)
    {
      tn_cloud_client_fail_cycle (self, NULL, error->message);
      return;
    }
  g_clear_pointer (&self->pull_origins, g_ptr_array_unref);
  self->pull_origins = g_ptr_array_new_with_free_func (g_free);
  origins = tn_version_vector_origins (self->hub_vv);
  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = origins->pdata[i];

      /* This lane's own log is the truth for its origin. */
      if (g_strcmp0 (origin, tn_store_get_replica_id (self->store)) != 0 &&
          tn_version_vector_get (self->hub_vv, origin) > tn_version_vector_get (local, origin))
        g_ptr_array_add (self->pull_origins, g_strdup (origin));
    }
  self->pull_index = 0;
  self->pull_after = -1;
  pull_next (self);
}

/* Fiscal blocks ---------------------------------------------------------- */

static void
fiscal_answer_cb (TnCloudClient       *self,
                  const TnCloudAnswer *answer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *event;
  gint64 seq = 0;

  if (answer->outcome != TN_CLOUD_OK)
    {
      tn_cloud_client_fail_cycle (self, answer, answer->message);
      return;
    }
  event = json_object_get_member (answer->root, "event");
  if (event == NULL)
    g_set_error (&error, TN_ERROR, TN_ERROR_INVALID, _("the answer has no “event”"));
  else
    {
      json_array_add_element (array, json_node_copy (event));
      apply_events (self, array, &seq, &error);
    }
  if (error != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The fiscal block from the hub cannot be stored (%s)"),
                         error->message);

      tn_cloud_client_fail_cycle (self, answer, message);
      return;
    }
  tn_circuit_breaker_success (self->breaker);
  g_message ("The hub granted a fiscal block");
  /* Held back behind earlier hub events: fetch them, then look again. */
  if (tn_store_count_held_back (self->store) > 0)
    tn_cloud_client_restart (self);
  else
    tn_cloud_client_fiscal (self);
}

void
tn_cloud_client_fiscal (TnCloudClient *self)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) body = NULL;
  char *text;

  /* A lane marked fiscal authority grants its own; otherwise the hub
   * is the authority whenever it is configured. */
  if (tn_store_is_fiscal_authority (self->store) ||
      self->fiscal_requests >= MAX_FISCAL_REQUESTS ||
      !tn_fiscal_wants_block (self->store))
    {
      tn_cloud_client_finish_cycle (self);
      return;
    }
  self->fiscal_requests++;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, tn_store_get_terminal (self->store));
  /* The grant names the device by replica id; a lane that has sold
   * nothing yet is unknown to the hub by terminal alone. */
  json_builder_set_member_name (builder, "replica");
  json_builder_add_string_value (builder, tn_store_get_replica_id (self->store));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  body = g_bytes_new_take (text, strlen (text));
  tn_cloud_client_request (self, "POST", "/fiscal/blocks", body, fiscal_answer_cb);
}
