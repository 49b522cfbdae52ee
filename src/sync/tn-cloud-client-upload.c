/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-cloud"

#include "config.h"

#include "tn-cloud-client-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-error.h"
#include "tn-json-strict.h"

/* The upload half of a cycle: batches of what the hub's vv lacks, read
 * from the log origin by origin, and the hub's answer applied — refused
 * events to the dead letters, the outbox to cloud_ack, a gap resent
 * from the hub's vv. */

/* The hub takes 4 MiB compressed, 8 MiB raw: stay well under. */
#define MAX_BATCH_BYTES (6 * 1024 * 1024)

typedef struct _TnCloudBatch Batch;

struct _TnCloudBatch
{
  GPtrArray *events;    /* canonical JSON */
  GPtrArray *origins;   /* per event */
  GArray    *seqs;      /* gint64 per event */
};

void
tn_cloud_batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->events);
  g_ptr_array_unref (batch->origins);
  g_array_unref (batch->seqs);
  g_free (batch);
}

static char *
event_id_of (const char *canonical)
{
  g_autoptr(JsonNode) node = tn_json_parse_strict (canonical, -1, NULL);
  JsonObject *object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  if (object == NULL || !json_object_has_member (object, "event_id"))
    return NULL;
  return g_strdup (json_object_get_string_member (object, "event_id"));
}

/* Records the rejected events and moves the outbox, in one transaction. */
static gboolean
apply_results (TnCloudClient  *self,
               Batch          *batch,
               JsonObject     *root,
               guint          *n_rejected,
               GError        **error)
{
  g_autoptr(TnVersionVector) vv = NULL;
  JsonNode *results_node = json_object_get_member (root, "results");
  JsonArray *results;

  if (!tn_cloud_read_vv (root, &vv, error))
    return FALSE;
  if (results_node == NULL || !JSON_NODE_HOLDS_ARRAY (results_node) ||
      json_array_get_length (json_node_get_array (results_node)) != batch->events->len)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("the answer does not have one result per event sent"));
      return FALSE;
    }
  results = json_node_get_array (results_node);
  if (!tn_store_begin (self->store, error))
    return FALSE;
  for (guint i = 0; i < batch->events->len; i++)
    {
      JsonNode *item = json_array_get_element (results, i);
      JsonObject *result = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
      const char *status = result ? json_object_get_string_member_with_default (result, "status",
                                                                                 NULL) : NULL;
      g_autofree char *event_id = NULL;
      g_autofree char *reason = NULL;

      if (g_strcmp0 (status, "stored") == 0 || g_strcmp0 (status, "duplicate") == 0)
        continue;
      if (g_strcmp0 (status, "rejected") != 0)
        {
          tn_store_rollback (self->store);
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("result %u of the answer has no known status"), i + 1);
          return FALSE;
        }
      event_id = event_id_of (batch->events->pdata[i]);
      reason = tn_cloud_hub_message (NULL);
      if (json_object_has_member (result, "reason"))
        {
          g_autoptr(JsonObject) wrapped = json_object_new ();

          json_object_set_member (wrapped, "message",
                                  json_node_copy (json_object_get_member (result, "reason")));
          g_free (reason);
          reason = tn_cloud_hub_message (wrapped);
        }
      g_message ("The hub refused event %s (%s #%" G_GINT64_FORMAT "): %s", event_id,
                 (char *) batch->origins->pdata[i], g_array_index (batch->seqs, gint64, i),
                 reason);
      if (event_id == NULL ||
          !tn_store_add_dead_letter (self->store, event_id, batch->origins->pdata[i],
                                     g_array_index (batch->seqs, gint64, i), reason, error))
        {
          tn_store_rollback (self->store);
          if (error != NULL && *error == NULL)
            g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("an event in the log is unreadable"));
          return FALSE;
        }
      (*n_rejected)++;
    }
  if (tn_store_outbox_advance (self->store, vv, TN_OUTBOX_CLOUD_ACK, error) < 0 ||
      !tn_store_commit (self->store, error))
    {
      tn_store_rollback (self->store);
      return FALSE;
    }
  tn_cloud_client_set_hub_vv (self, g_steal_pointer (&vv));
  return TRUE;
}

/* The outbox keeps count of the attempts on this lane's own events. */
static void
note_batch_failure (TnCloudClient *self,
                    Batch         *batch,
                    const char    *message)
{
  const char *own = tn_store_get_replica_id (self->store);
  g_autoptr(GError) error = NULL;
  gint64 first = 0, last = 0;

  for (guint i = 0; batch != NULL && i < batch->events->len; i++)
    if (g_strcmp0 (batch->origins->pdata[i], own) == 0)
      {
        gint64 seq = g_array_index (batch->seqs, gint64, i);

        first = first == 0 ? seq : MIN (first, seq);
        last = MAX (last, seq);
      }
  if (last > 0 && tn_store_outbox_note_failure (self->store, first, last, message, &error) < 0)
    g_warning ("Cannot update the outbox: %s", error->message);
}

static void
upload_answer_cb (TnCloudClient       *self,
                  const TnCloudAnswer *answer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  Batch *batch = self->batch;
  guint rejected = 0;

  if (answer->outcome == TN_CLOUD_OK)
    {
      if (!apply_results (self, batch, answer->root, &rejected, &error))
        {
          message = g_strdup_printf (_("The hub’s answer to an upload cannot be used (%s); "
                                       "the events stay pending"), error->message);
          note_batch_failure (self, batch, message);
          tn_cloud_client_fail_cycle (self, answer, message);
          return;
        }
      g_debug ("Hub took %u events (%u refused)", batch->events->len, rejected);
      tn_circuit_breaker_success (self->breaker);
      self->gaps = 0;
      self->batch_size = MIN (self->batch_max, self->batch_size * 2);
      tn_cloud_client_notify_status (self);
      tn_cloud_client_upload_next (self);
      return;
    }
  if (answer->outcome == TN_CLOUD_HTTP && answer->status == SOUP_STATUS_CONFLICT &&
      self->gaps < 3)
    {
      g_autoptr(TnVersionVector) vv = NULL;

      /* The hub lacks something before the batch: resend from its vv. */
      if (tn_cloud_read_vv (answer->root, &vv, &error))
        {
          self->gaps++;
          tn_cloud_client_set_hub_vv (self, g_steal_pointer (&vv));
          tn_cloud_client_upload_next (self);
          return;
        }
    }
  note_batch_failure (self, batch, answer->message);
  tn_cloud_client_fail_cycle (self, answer, answer->message);
}

/* What the hub lacks, origin by origin from its vv, up to batch_size
 * events; read from the log, never all at once. */
static Batch *
build_batch (TnCloudClient  *self,
             GError        **error)
{
  g_autoptr(TnVersionVector) local = tn_store_get_version_vector (self->store, error);
  g_autoptr(GPtrArray) origins = NULL;
  Batch *batch;
  gsize bytes = 0;

  if (local == NULL)
    return NULL;
  batch = g_new0 (Batch, 1);
  batch->events = g_ptr_array_new_with_free_func (g_free);
  batch->origins = g_ptr_array_new_with_free_func (g_free);
  batch->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  origins = tn_version_vector_origins (local);
  for (guint i = 0; i < origins->len && batch->events->len < self->batch_size; i++)
    {
      const char *origin = origins->pdata[i];
      gint64 after = self->hub_vv ? tn_version_vector_get (self->hub_vv, origin) : 0;
      g_autoptr(GPtrArray) events = NULL;

      if (tn_version_vector_get (local, origin) <= after)
        continue;
      events = tn_store_read_events (self->store, origin, after,
                                     self->batch_size - batch->events->len, error);
      if (events == NULL)
        {
          tn_cloud_batch_free (batch);
          return NULL;
        }
      for (guint j = 0; j < events->len; j++)
        {
          gsize len = strlen (events->pdata[j]);
          gint64 seq = after + 1 + j;

          if (batch->events->len > 0 && bytes + len > MAX_BATCH_BYTES)
            return batch;
          bytes += len + 1;
          g_ptr_array_add (batch->events, g_steal_pointer (&events->pdata[j]));
          g_ptr_array_add (batch->origins, g_strdup (origin));
          g_array_append_val (batch->seqs, seq);
        }
    }
  return batch;
}

void
tn_cloud_client_upload_next (TnCloudClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  Batch *batch = build_batch (self, &error);

  if (batch == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot read the log to upload: %s"),
                                                  error->message);

      tn_cloud_client_fail_cycle (self, NULL, message);
      return;
    }
  g_clear_pointer (&self->batch, tn_cloud_batch_free);
  self->batch = batch;
  if (batch->events->len == 0)
    {
      tn_cloud_client_pull (self);
      return;
    }
  body = g_string_new ("{\"events\":[");
  for (guint i = 0; i < batch->events->len; i++)
    {
      if (i > 0)
        g_string_append_c (body, ',');
      g_string_append (body, batch->events->pdata[i]);
    }
  g_string_append (body, "]}");
  bytes = g_string_free_to_bytes (g_steal_pointer (&body));
  tn_cloud_client_request (self, "POST", "/events:batch", bytes, upload_answer_cb);
}
