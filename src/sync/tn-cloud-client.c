/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-cloud"

#include "config.h"

#include "tn-cloud-client-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-error.h"
#include "tn-json-strict.h"
#include "tn-sync-auth.h"
#include "tn-sync-util.h"

/* The hub takes 4 MiB compressed, 8 MiB raw: stay well under. */
#define MIN_BATCH         10
#define MAX_KEY_LENGTH    512
#define MAX_MESSAGE_CHARS 300
#define JITTER            0.2

G_DEFINE_FINAL_TYPE (TnCloudClient, tn_cloud_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_STORE_CHANGED,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void run_cycle (TnCloudClient *self);

/* Status ----------------------------------------------------------------- */

void
tn_cloud_status_free (TnCloudStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->url);
  g_free (status->state);
  g_free (status->breaker);
  g_free (status->last_error);
  g_clear_pointer (&status->hub_vv, tn_version_vector_free);
  g_free (status);
}

TnCloudStatus *
tn_cloud_status_copy (const TnCloudStatus *status)
{
  TnCloudStatus *copy = g_memdup2 (status, sizeof *status);

  copy->url = g_strdup (status->url);
  copy->state = g_strdup (status->state);
  copy->breaker = g_strdup (status->breaker);
  copy->last_error = g_strdup (status->last_error);
  copy->hub_vv = status->hub_vv ? tn_version_vector_copy (status->hub_vv) : NULL;
  return copy;
}

JsonNode *
tn_cloud_status_to_json (const TnCloudStatus *status)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "url", status->url);
  json_object_set_string_member (object, "state", status->state);
  json_object_set_string_member (object, "breaker", status->breaker);
  json_object_set_int_member (object, "last_success", status->last_success);
  json_object_set_int_member (object, "last_attempt", status->last_attempt);
  if (status->last_error != NULL)
    json_object_set_string_member (object, "last_error", status->last_error);
  else
    json_object_set_null_member (object, "last_error");
  json_object_set_int_member (object, "pending", status->pending);
  json_object_set_int_member (object, "dead_letters", status->dead_letters);
  json_object_set_int_member (object, "batch_size", status->batch_size);
  if (status->hub_vv != NULL)
    json_object_set_member (object, "hub_vv", tn_version_vector_to_json (status->hub_vv));
  else
    json_object_set_null_member (object, "hub_vv");
  json_node_take_object (node, object);
  return node;
}

/* Keys ------------------------------------------------------------------- */

gboolean
tn_cloud_validate_key (const char  *key,
                       GError     **error)
{
  gsize len = key != NULL ? strlen (key) : 0;

  if (len < TN_SYNC_MIN_KEY_BYTES || len > MAX_KEY_LENGTH)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The hub key must be %d to %d characters long, as “tendero-hub keys "
                     "create” prints it"), TN_SYNC_MIN_KEY_BYTES, MAX_KEY_LENGTH);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    if (key[i] <= ' ' || key[i] > '~')
      {
        g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                     _("The hub key holds a character that is not printable ASCII: copy it "
                       "exactly as “tendero-hub keys create” printed it"));
        return FALSE;
      }
  return TRUE;
}

char *
tn_cloud_load_key (const char  *key_file,
                   GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *key = NULL;

  if (key_file != NULL)
    {
      gsize len;
      const char *data;

      /* The same file rules as the store key (private, trimmed). */
      bytes = tn_sync_auth_load_key (key_file, error);
      if (bytes == NULL)
        {
          g_prefix_error (error, _("Hub key: "));
          return NULL;
        }
      data = g_bytes_get_data (bytes, &len);
      key = g_strndup (data, len);
    }
  else
    {
      const char *env = g_getenv ("TENDERO_HUB_KEY");

      if (env == NULL || *env == '\0')
        {
          g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                       _("No hub key: give “tendero-ctl init” --hub-key-file FILE or set "
                         "TENDERO_HUB_KEY"));
          return NULL;
        }
      key = g_strstrip (g_strdup (env));
    }
  if (!tn_cloud_validate_key (key, error))
    {
      g_prefix_error (error, "%s: ", key_file != NULL ? key_file : "TENDERO_HUB_KEY");
      return NULL;
    }
  return g_steal_pointer (&key);
}

/* Helpers ---------------------------------------------------------------- */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gint64
count_pending (TnCloudClient         *self,
               const TnVersionVector *local)
{
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (local);
  gint64 pending = 0;

  for (guint i = 0; i < origins->len; i++)
    pending += MAX (0, tn_version_vector_get (local, origins->pdata[i]) -
                       (self->hub_vv ? tn_version_vector_get (self->hub_vv,
                                                             origins->pdata[i]) : 0));
  return pending;
}

static char *
status_summary (const TnCloudStatus *status)
{
  return g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT "|%s|%" G_GINT64_FORMAT "|%"
                          G_GINT64_FORMAT, status->state, status->breaker,
                          status->last_success, status->last_error ? status->last_error : "",
                          status->pending, status->dead_letters);
}

void
tn_cloud_client_notify_status (TnCloudClient *self)
{
  g_autoptr(TnCloudStatus) status = tn_cloud_client_get_status (self);
  g_autofree char *summary = status_summary (status);

  if (g_strcmp0 (summary, self->last_summary) == 0)
    return;
  g_free (self->last_summary);
  self->last_summary = g_steal_pointer (&summary);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0);
}

static void
set_state (TnCloudClient *self,
           const char    *state)
{
  g_free (self->state);
  self->state = g_strdup (state);
}

void
tn_cloud_client_set_hub_vv (TnCloudClient   *self,
                            TnVersionVector *vv)
{
  g_autofree char *text = tn_version_vector_to_string (vv);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->hub_vv, tn_version_vector_free);
  self->hub_vv = vv;
  if (!tn_store_set_setting (self->store, TN_CLOUD_SETTING_HUB_VV, text, &error))
    g_warning ("Cannot remember the hub’s version vector: %s", error->message);
}

static void
schedule (TnCloudClient *self,
          guint          delay_ms);

static gboolean
timer_cb (gpointer user_data)
{
  TnCloudClient *self = user_data;

  self->timer = 0;
  run_cycle (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (TnCloudClient *self,
          guint          delay_ms)
{
  tn_sync_clear_source (&self->timer);
  if (self->started)
    self->timer = tn_sync_timeout_add (delay_ms, timer_cb, self);
}

/* Requests --------------------------------------------------------------- */

typedef struct
{
  TnCloudClient     *self;
  SoupMessage       *message;
  TnCloudAnswerFunc  func;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_object_unref (request->message);
  g_free (request);
}

static GBytes *
gzip_bytes (GBytes  *data,
            GError **error)
{
  g_autoptr(GZlibCompressor) compressor =
    g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out =
    g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  gsize len;
  const void *bytes = g_bytes_get_data (data, &len);

  if (!g_output_stream_write_all (out, bytes, len, NULL, NULL, error) ||
      !g_output_stream_close (out, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

char *
tn_cloud_hub_message (JsonObject *root)
{
  const char *message = NULL;

  if (root != NULL && json_object_has_member (root, "message") &&
      JSON_NODE_HOLDS_VALUE (json_object_get_member (root, "message")) &&
      json_node_get_value_type (json_object_get_member (root, "message")) == G_TYPE_STRING)
    message = json_object_get_string_member (root, "message");
  if (message == NULL)
    return g_strdup (_("no explanation"));
  if (g_utf8_strlen (message, -1) > MAX_MESSAGE_CHARS)
    {
      g_autofree char *start = g_utf8_substring (message, 0, MAX_MESSAGE_CHARS);

      return g_strconcat (start, "…", NULL);
    }
  return g_strdup (message);
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Request *request = user_data;
  TnCloudClient *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  g_autoptr(JsonNode) node = NULL;
  TnCloudAnswer answer = { 0 };

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || !self->started)
    {
      request_free (request);
      return;
    }
  if (body == NULL)
    {
      answer.outcome = TN_CLOUD_NETWORK;
      answer.message = g_strdup_printf (_("The hub at %s cannot be reached: %s"), self->url,
                                        error->message);
    }
  else
    {
      gsize len;
      const char *text = g_bytes_get_data (body, &len);

      answer.status = soup_message_get_status (request->message);
      node = len > 0 ? tn_json_parse_strict (text, len, NULL) : NULL;
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        answer.root = json_node_get_object (node);
      if (answer.status == SOUP_STATUS_OK)
        {
          answer.outcome = TN_CLOUD_OK;
          if (answer.root == NULL)
            {
              answer.outcome = TN_CLOUD_HTTP;
              answer.message = g_strdup_printf (_("The hub at %s answered with something that "
                                                  "is not a JSON object; is the hub address "
                                                  "right?"), self->url);
            }
        }
      else
        {
          g_autofree char *said = tn_cloud_hub_message (answer.root);

          answer.outcome = TN_CLOUD_HTTP;
          answer.message = g_strdup_printf (_("The hub at %s answered %u (%s): %s"), self->url,
                                            answer.status,
                                            soup_message_get_reason_phrase (request->message),
                                            said);
        }
    }
  request->func (self, &answer);
  g_free (answer.message);
  request_free (request);
}

void
tn_cloud_client_request (TnCloudClient     *self,
                         const char        *method,
                         const char        *path,
                         GBytes            *body,
                         TnCloudAnswerFunc  func)
{
  g_autofree char *uri = g_strconcat (self->url, self->store_path, path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", self->key, NULL);
  SoupMessage *message = soup_message_new (method, uri);
  SoupMessageHeaders *headers;
  Request *request;

  if (message == NULL)
    {
      TnCloudAnswer answer = { TN_CLOUD_HTTP, 0, NULL, NULL };

      answer.message = g_strdup_printf (_("“%s” is not a valid hub address"), uri);
      func (self, &answer);
      g_free (answer.message);
      return;
    }
  headers = soup_message_get_request_headers (message);
  soup_message_headers_replace (headers, "Authorization", authorization);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (body != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) compressed = gzip_bytes (body, &error);

      g_assert (compressed != NULL);   /* in memory: cannot fail */
      soup_message_headers_replace (headers, "Content-Encoding", "gzip");
      soup_message_set_request_body_from_bytes (message, "application/json", compressed);
    }
  request = g_new0 (Request, 1);
  request->self = g_object_ref (self);
  request->message = message;
  request->func = func;
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT,
                                    self->cancellable, request_done_cb, request);
}

/* Cycle ------------------------------------------------------------------ */

void
tn_cloud_client_emit_store_changed (TnCloudClient *self,
                                    guint          applied)
{
  g_signal_emit (self, signals[SIGNAL_STORE_CHANGED], 0, applied);
}

void
tn_cloud_client_finish_cycle (TnCloudClient *self)
{
  g_autofree char *when = NULL;
  g_autoptr(GError) error = NULL;

  self->busy = FALSE;
  self->last_success = now_ms ();
  g_clear_pointer (&self->last_error, g_free);
  set_state (self, "ok");
  tn_backoff_reset (&self->backoff);
  when = g_strdup_printf ("%" G_GINT64_FORMAT, self->last_success);
  if (!tn_store_set_setting (self->store, TN_CLOUD_SETTING_LAST_SUCCESS, when, &error) ||
      !tn_store_set_setting (self->store, TN_CLOUD_SETTING_LAST_ERROR, "", &error))
    g_warning ("Cannot note the hub sync: %s", error->message);
  schedule (self, self->again ? 0 : self->interval_ms);
  self->again = FALSE;
  tn_cloud_client_notify_status (self);
}

void
tn_cloud_client_fail_cycle (TnCloudClient       *self,
                            const TnCloudAnswer *answer,
                            const char          *message)
{
  g_autoptr(GError) error = NULL;
  guint delay;

  self->busy = FALSE;
  self->again = FALSE;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  if (answer != NULL && answer->status == SOUP_STATUS_UNAUTHORIZED)
    {
      /* Retrying with the same key cannot help: one probe per period. */
      set_state (self, "unauthorized");
      tn_circuit_breaker_trip (self->breaker);
    }
  else
    {
      set_state (self, answer == NULL || answer->outcome == TN_CLOUD_NETWORK ||
                       answer->status >= 500 ? "offline" : "refused");
      tn_circuit_breaker_failure (self->breaker);
      self->batch_size = MAX (MIN_BATCH, self->batch_size / 2);
    }
  g_message ("Hub sync failed: %s", message);
  if (!tn_store_set_setting (self->store, TN_CLOUD_SETTING_LAST_ERROR, message, &error))
    g_warning ("Cannot note the hub error: %s", error->message);
  delay = tn_backoff_next_delay_proportional (&self->backoff, NULL, JITTER);
  schedule (self, (guint) MAX ((gint64) delay, tn_circuit_breaker_get_wait_ms (self->breaker)));
  tn_cloud_client_notify_status (self);
}

gboolean
tn_cloud_read_vv (JsonObject       *root,
                  TnVersionVector **out,
                  GError          **error)
{
  if (root == NULL || !json_object_has_member (root, "vv"))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("the answer has no “vv”"));
      return FALSE;
    }
  *out = tn_version_vector_from_json (json_object_get_member (root, "vv"), error);
  return *out != NULL;
}

/* The hub holding more of this lane's own events than the lane does
 * means its database went back in time (a restored backup): its next
 * events reuse seqs the hub already has, which the hub will refuse.
 * Nothing here can mend that; a person must know, once. */
static void
check_hub_ahead (TnCloudClient *self)
{
  const char *own = tn_store_get_replica_id (self->store);
  g_autoptr(TnVersionVector) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gint64 at_hub = tn_version_vector_get (self->hub_vv, own);

  if (self->warned_hub_ahead)
    return;
  local = tn_store_get_version_vector (self->store, NULL);
  if (local == NULL || at_hub <= tn_version_vector_get (local, own))
    return;
  self->warned_hub_ahead = TRUE;
  message = g_strdup_printf (_("The hub holds events of terminal %s up to #%" PRId64 " but its "
                               "database ends at #%" PRId64 ": was it restored from a "
                               "backup? Its new events will clash with those at the hub; "
                               "call support."),
                             tn_store_get_terminal (self->store), at_hub,
                             tn_version_vector_get (local, own));
  if (!tn_store_raise_alert (self->store, TN_ALERT_P1, "hub-ahead", NULL, message, &error))
    g_warning ("Cannot record the alert: %s", error->message);
}

static void
vv_answer_cb (TnCloudClient       *self,
              const TnCloudAnswer *answer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = NULL;

  if (answer->outcome != TN_CLOUD_OK)
    {
      tn_cloud_client_fail_cycle (self, answer, answer->message);
      return;
    }
  if (!tn_cloud_read_vv (answer->root, &vv, &error))
    {
      g_autofree char *message = g_strdup_printf (_("The hub at %s sent an unusable version "
                                                    "vector: %s"), self->url, error->message);

      tn_cloud_client_fail_cycle (self, answer, message);
      return;
    }
  tn_circuit_breaker_success (self->breaker);
  tn_cloud_client_set_hub_vv (self, g_steal_pointer (&vv));
  check_hub_ahead (self);
  /* Another lane may have relayed our events meanwhile. */
  if (tn_store_outbox_advance (self->store, self->hub_vv, TN_OUTBOX_CLOUD_ACK, &error) < 0)
    g_warning ("Cannot update the outbox: %s", error->message);
  tn_cloud_client_upload_next (self);
}

void
tn_cloud_client_restart (TnCloudClient *self)
{
  tn_cloud_client_request (self, "GET", "/vv", NULL, vv_answer_cb);
}

static void
run_cycle (TnCloudClient *self)
{
  TN_CLOUD_ASSERT_OWNER (self);
  if (!self->started)
    return;
  if (self->busy)
    {
      self->again = TRUE;
      return;
    }
  tn_sync_clear_source (&self->timer);
  if (self->key == NULL)
    return;
  if (!tn_circuit_breaker_allow (self->breaker))
    {
      schedule (self, (guint) MAX (1, tn_circuit_breaker_get_wait_ms (self->breaker)));
      tn_cloud_client_notify_status (self);
      return;
    }
  self->busy = TRUE;
  self->gaps = 0;
  self->fiscal_requests = 0;
  self->last_attempt = now_ms ();
  if (g_strcmp0 (self->state, "ok") != 0)
    set_state (self, "syncing");
  tn_cloud_client_notify_status (self);
  tn_cloud_client_restart (self);
}

/* Overrides -------------------------------------------------------------- */

static void
tn_cloud_client_dispose (GObject *object)
{
  TnCloudClient *self = TN_CLOUD_CLIENT (object);

  tn_cloud_client_stop (self);
  g_clear_object (&self->session);
  g_clear_object (&self->store);
  g_clear_object (&self->breaker);
  G_OBJECT_CLASS (tn_cloud_client_parent_class)->dispose (object);
}

static void
tn_cloud_client_finalize (GObject *object)
{
  TnCloudClient *self = TN_CLOUD_CLIENT (object);

  g_free (self->url);
  g_free (self->store_path);
  if (self->key != NULL)
    memset (self->key, 0, strlen (self->key));
  g_free (self->key);
  g_free (self->state);
  g_free (self->last_error);
  g_free (self->last_summary);
  g_clear_pointer (&self->hub_vv, tn_version_vector_free);
  g_clear_pointer (&self->pull_origins, g_ptr_array_unref);
  g_clear_pointer (&self->batch, tn_cloud_batch_free);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (tn_cloud_client_parent_class)->finalize (object);
}

static void
tn_cloud_client_class_init (TnCloudClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = tn_cloud_client_dispose;
  object_class->finalize = tn_cloud_client_finalize;

  signals[SIGNAL_STORE_CHANGED] =
    g_signal_new ("store-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_STATUS_CHANGED] =
    g_signal_new ("status-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tn_cloud_client_init (TnCloudClient *self)
{
  self->state = g_strdup ("starting");
}

/* Public API ------------------------------------------------------------- */

TnCloudClient *
tn_cloud_client_new (TnStore        *store,
                     const TnConfig *config,
                     const char     *key)
{
  TnCloudClient *self;
  g_autofree char *saved_vv = NULL;
  g_autofree char *saved_success = NULL;
  g_autofree char *saved_error = NULL;
  gsize len;

  g_return_val_if_fail (TN_IS_STORE (store), NULL);
  g_return_val_if_fail (config != NULL && config->hub_url != NULL, NULL);

  self = g_object_new (TN_TYPE_CLOUD_CLIENT, NULL);
  self->store = g_object_ref (store);
  self->url = g_strdup (config->hub_url);
  len = strlen (self->url);
  while (len > 0 && self->url[len - 1] == '/')
    self->url[--len] = '\0';
  self->store_path = g_strconcat ("/v1/stores/", tn_store_get_store_id (store), NULL);
  self->key = g_strdup (key);
  self->interval_ms = config->hub_interval_ms;
  self->threshold = config->hub_upload_threshold;
  self->batch_max = CLAMP (config->hub_batch_max, MIN_BATCH, 1000);
  self->batch_size = self->batch_max;
  self->timeout_ms = config->hub_timeout_ms;
  self->breaker = tn_circuit_breaker_new (config->hub_breaker_failures,
                                          config->hub_breaker_open_ms);
  tn_backoff_init (&self->backoff, config->hub_backoff_base_ms, config->hub_backoff_cap_ms);

  /* What the last run knew, until the hub says otherwise. */
  saved_vv = tn_store_get_setting (store, TN_CLOUD_SETTING_HUB_VV);
  if (saved_vv != NULL)
    {
      g_autoptr(JsonNode) node = tn_json_parse_strict (saved_vv, -1, NULL);

      self->hub_vv = node ? tn_version_vector_from_json (node, NULL) : NULL;
    }
  saved_success = tn_store_get_setting (store, TN_CLOUD_SETTING_LAST_SUCCESS);
  if (saved_success != NULL)
    self->last_success = g_ascii_strtoll (saved_success, NULL, 10);
  saved_error = tn_store_get_setting (store, TN_CLOUD_SETTING_LAST_ERROR);
  if (saved_error != NULL && *saved_error != '\0')
    self->last_error = g_steal_pointer (&saved_error);
  if (key == NULL)
    {
      set_state (self, "no-key");
      g_free (self->last_error);
      self->last_error = g_strdup (_("No hub key: enter it in Preferences, or give "
                                     "“tendero-ctl init” --hub-key-file FILE or set "
                                     "TENDERO_HUB_KEY, then restart the lane"));
    }
  return self;
}

void
tn_cloud_client_start (TnCloudClient *self)
{
  g_return_if_fail (TN_IS_CLOUD_CLIENT (self));

  if (self->started)
    return;
  self->owner = g_thread_self ();
  self->started = TRUE;
  self->cancellable = g_cancellable_new ();
  /* Created here, on the worker thread: it runs on this context. */
  self->session = soup_session_new_with_options ("timeout", MAX (1u, self->timeout_ms / 1000),
                                                 "idle-timeout", 60,
                                                 "user-agent", "tendero/" PACKAGE_VERSION,
                                                 NULL);
  if (self->key == NULL)
    g_message ("Hub %s configured but no hub key: nothing is uploaded", self->url);
  tn_cloud_client_notify_status (self);
  schedule (self, 0);
}

void
tn_cloud_client_stop (TnCloudClient *self)
{
  g_return_if_fail (TN_IS_CLOUD_CLIENT (self));

  if (!self->started)
    return;
  self->started = FALSE;
  tn_sync_clear_source (&self->timer);
  g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    soup_session_abort (self->session);
  self->busy = FALSE;
}

void
tn_cloud_client_local_changed (TnCloudClient *self)
{
  g_autoptr(TnVersionVector) local = NULL;

  g_return_if_fail (TN_IS_CLOUD_CLIENT (self));
  TN_CLOUD_ASSERT_OWNER (self);

  if (!self->started || self->key == NULL)
    return;
  local = tn_store_get_version_vector (self->store, NULL);
  if (local == NULL)
    return;
  if (count_pending (self, local) >= self->threshold)
    {
      if (self->busy)
        self->again = TRUE;
      else if (tn_circuit_breaker_get_state (self->breaker) == TN_CIRCUIT_CLOSED &&
               self->backoff.attempt == 0)
        schedule (self, 0);
    }
  tn_cloud_client_notify_status (self);
}

TnCloudStatus *
tn_cloud_client_get_status (TnCloudClient *self)
{
  TnCloudStatus *status;
  g_autoptr(TnVersionVector) local = NULL;

  g_return_val_if_fail (TN_IS_CLOUD_CLIENT (self), NULL);
  TN_CLOUD_ASSERT_OWNER (self);

  status = g_new0 (TnCloudStatus, 1);
  local = tn_store_get_version_vector (self->store, NULL);

  status->url = g_strdup (self->url);
  status->state = g_strdup (self->state);
  status->breaker = g_strdup (tn_circuit_state_to_string (
                                tn_circuit_breaker_get_state (self->breaker)));
  status->last_success = self->last_success;
  status->last_attempt = self->last_attempt;
  status->last_error = g_strdup (self->last_error);
  status->pending = local ? count_pending (self, local) : 0;
  status->dead_letters = tn_store_count_dead_letters (self->store);
  status->batch_size = self->batch_size;
  status->hub_vv = self->hub_vv ? tn_version_vector_copy (self->hub_vv) : NULL;
  return status;
}
