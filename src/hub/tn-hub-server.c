/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Routing, authentication and limits of the hub API.  The main thread
 * owns the SoupServer: it routes, checks sizes while the body arrives,
 * pauses the message and hands the request to a worker thread; the
 * worker (own PostgreSQL connection) authenticates, decodes, does the
 * database work and sends the answer back to the main context, which
 * unpauses the message. */

#include "config.h"

#include "tn-hub-server.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <libsoup/soup.h>
#include <string.h>

#include "tn-canonical-json.h"
#include "tn-event.h"
#include "tn-hub-db.h"
#include "tn-hub-error.h"
#include "tn-hub-fiscal.h"
#include "tn-hub-ingest.h"
#include "tn-hub-keys.h"
#include "tn-hub-metrics.h"
#include "tn-hub-products.h"
#include "tn-json-strict.h"

struct _TnHubServer
{
  GObject       parent_instance;

  char         *conninfo;
  SoupServer   *server;        /* main thread */
  GThreadPool  *workers;
  GMainContext *main_context;
};

G_DEFINE_FINAL_TYPE (TnHubServer, tn_hub_server, G_TYPE_OBJECT)

typedef enum
{
  ROUTE_HEALTHZ,
  ROUTE_BATCH,
  ROUTE_VV,
  ROUTE_PULL,
  ROUTE_REJECTIONS,
  ROUTE_FISCAL,
  ROUTE_PRODUCTS,
} Route;

/* A request on its way through a worker.  Everything but the answer is
 * set on the main thread before the push. */
typedef struct
{
  TnHubServer       *self;
  SoupServerMessage *msg;
  Route              route;
  char              *store;
  char              *key;
  GBytes            *body;
  gboolean           gzip;
  char              *origin;
  gint64             after;
  guint              limit;

  guint              status;   /* the answer, set by the worker */
  char              *response;

  gulong             disconnected_id;  /* main thread */
  gboolean           disconnected;     /* main thread: the client is gone */
} Job;

/* The body of a POST as it arrives: kept only up to the limit, so an
 * oversized upload costs no memory. */
typedef struct
{
  GByteArray *data;
  gboolean    too_large;
} Upload;

/* Each worker thread's connection, closed when the thread ends. */
static GPrivate worker_db = G_PRIVATE_INIT ((GDestroyNotify) tn_hub_db_free);

static void
upload_free (Upload *upload)
{
  g_byte_array_unref (upload->data);
  g_free (upload);
}

static void
job_free (Job *job)
{
  g_clear_signal_handler (&job->disconnected_id, job->msg);
  g_object_unref (job->self);
  g_object_unref (job->msg);
  g_free (job->store);
  g_free (job->key);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_free (job->origin);
  g_free (job->response);
  g_free (job);
}

static char *
json_string (const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  GString *out = g_string_new (NULL);

  json_node_set_string (node, text);
  if (!tn_canonical_json_append (node, out, NULL))
    g_string_assign (out, "\"\"");
  return g_string_free (out, FALSE);
}

static char *
error_body (const char *code,
            const char *message,
            const char *vv_json)
{
  g_autofree char *text = json_string (message);

  if (vv_json != NULL)
    return g_strdup_printf ("{\"error\":\"%s\",\"message\":%s,\"vv\":%s}", code, text, vv_json);
  return g_strdup_printf ("{\"error\":\"%s\",\"message\":%s}", code, text);
}

static void
respond (SoupServerMessage *msg,
         guint              status,
         const char        *content_type,
         char              *body)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *code,
               const char        *message)
{
  respond (msg, status, "application/json", error_body (code, message, NULL));
}

static void
job_set_error (Job          *job,
               const GError *error,
               const char   *vv_json)
{
  job->status = tn_hub_error_http_status (error);
  g_free (job->response);
  job->response = error_body (tn_hub_error_api_code (error), error->message, vv_json);
  if (job->status >= 500)
    g_message ("%s %s: %s", soup_server_message_get_method (job->msg),
               g_uri_get_path (soup_server_message_get_uri (job->msg)), error->message);
}

/* Worker side -------------------------------------------------------------- */

static GBytes *
gunzip (GBytes  *compressed,
        GError **error)
{
  g_autoptr(GZlibDecompressor) decompressor =
    g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize in_size, in_done = 0;
  const guint8 *in = g_bytes_get_data (compressed, &in_size);
  guint8 buffer[64 * 1024];

  while (TRUE)
    {
      g_autoptr(GError) local_error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (G_CONVERTER (decompressor), in + in_done, in_size - in_done,
                                    buffer, sizeof buffer, G_CONVERTER_INPUT_AT_END,
                                    &read, &written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                       _("The gzip body is corrupt: %s"), local_error->message);
          return NULL;
        }
      in_done += read;
      g_byte_array_append (out, buffer, written);
      if (out->len > TN_HUB_MAX_BODY)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_TOO_LARGE,
                       _("The request body is over 8 MiB once decompressed: send smaller "
                       "batches"));
          return NULL;
        }
      if (result == G_CONVERTER_FINISHED)
        break;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The JSON body of a POST, decompressed and parsed strictly. */
static JsonNode *
job_parse_body (Job     *job,
                GError **error)
{
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  gsize size;
  const char *data;

  if (job->gzip)
    {
      plain = gunzip (job->body, error);
      if (plain == NULL)
        return NULL;
    }
  else
    plain = g_bytes_ref (job->body);
  data = g_bytes_get_data (plain, &size);
  if (size > TN_HUB_MAX_BODY)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_TOO_LARGE,
                   _("The request body is over 8 MiB: send smaller batches"));
      return NULL;
    }
  root = tn_json_parse_strict (data != NULL ? data : "", size, &local_error);
  if (root == NULL)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("The body is not valid JSON: %s"), local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      json_node_unref (root);
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("The body must be a JSON object"));
      return NULL;
    }
  return root;
}

static char *
job_batch (Job      *job,
           TnHubDb  *db,
           char    **gap_vv,
           GError  **error)
{
  g_autoptr(JsonNode) root = job_parse_body (job, error);
  JsonObject *object;
  JsonNode *events;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  events = json_object_get_member (object, "events");
  if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events) || json_object_get_size (object) != 1)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("The body must be {\"events\": [ … ]} and nothing else"));
      return NULL;
    }
  if (json_array_get_length (json_node_get_array (events)) > TN_HUB_MAX_BATCH_EVENTS)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_TOO_LARGE,
                   _("The batch has %u events; the limit is %u: send smaller batches"),
                   json_array_get_length (json_node_get_array (events)),
                   TN_HUB_MAX_BATCH_EVENTS);
      return NULL;
    }
  return tn_hub_ingest_batch (db, job->store, json_node_get_array (events), gap_vv, error);
}

static char *
job_fiscal (Job      *job,
            TnHubDb  *db,
            GError  **error)
{
  g_autoptr(JsonNode) root = job_parse_body (job, error);
  JsonObject *object;
  const char *device, *replica = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    if (strcmp (name, "device") != 0 && strcmp (name, "replica") != 0)
      {
        g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                     _("Unknown field “%s”: send {\"device\": \"<terminal>\"}"), name);
        return NULL;
      }
  device = json_object_get_string_member_with_default (object, "device", NULL);
  if (device == NULL || !tn_validate_terminal (device, NULL))
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("“device” must be the lane’s terminal name, like L2"));
      return NULL;
    }
  if (json_object_has_member (object, "replica"))
    {
      replica = json_object_get_string_member_with_default (object, "replica", NULL);
      if (replica == NULL || !tn_is_uuid (replica))
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                       _("“replica” must be the lane’s replica id (a lowercase UUID)"));
          return NULL;
        }
    }
  return tn_hub_fiscal_grant (db, job->store, device, replica, error);
}

static char *
job_products (Job      *job,
              TnHubDb  *db,
              GError  **error)
{
  g_autoptr(JsonNode) root = job_parse_body (job, error);
  g_auto(TnHubProductChange) change = { 0 };

  if (root == NULL || !tn_hub_product_change_from_json (root, &change, error))
    return NULL;
  return tn_hub_product_set (db, job->store, &change, error);
}

static char *
job_vv (Job      *job,
        TnHubDb  *db,
        GError  **error)
{
  g_autoptr(TnVersionVector) vv = tn_hub_db_load_vv (db, job->store, NULL, error);
  g_autofree char *text = NULL;

  if (vv == NULL)
    return NULL;
  text = tn_hub_vv_to_json (vv);
  return g_strdup_printf ("{\"vv\":%s}", text);
}

static void
job_process (Job     *job,
             TnHubDb *db)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *gap_vv = NULL;
  char *answer = NULL;

  if (job->route == ROUTE_HEALTHZ)
    {
      if (tn_hub_db_ping (db, &error))
        answer = g_strdup ("{\"status\":\"ok\"}");
    }
  else if (tn_hub_keys_check (db, job->store, job->key, &error))
    {
      switch (job->route)
        {
        case ROUTE_BATCH:
          answer = job_batch (job, db, &gap_vv, &error);
          break;
        case ROUTE_VV:
          answer = job_vv (job, db, &error);
          break;
        case ROUTE_PULL:
          answer = tn_hub_pull_events (db, job->store, job->origin, job->after, job->limit,
                                       &error);
          break;
        case ROUTE_REJECTIONS:
          answer = tn_hub_list_rejections (db, job->store, &error);
          break;
        case ROUTE_FISCAL:
          answer = job_fiscal (job, db, &error);
          break;
        case ROUTE_PRODUCTS:
          answer = job_products (job, db, &error);
          break;
        case ROUTE_HEALTHZ:
        default:
          g_assert_not_reached ();
        }
    }

  if (answer != NULL)
    {
      job->status = SOUP_STATUS_OK;
      job->response = answer;
    }
  else
    job_set_error (job, error, gap_vv);
}

static gboolean
job_finish_cb (gpointer data)
{
  Job *job = data;

  if (job->route == ROUTE_BATCH)
    tn_hub_metrics_count_batch (job->status);
  /* A client that gave up (a lane's timeout) has no message to answer. */
  if (!job->disconnected)
    {
      respond (job->msg, job->status, "application/json", g_steal_pointer (&job->response));
      soup_server_message_unpause (job->msg);
    }
  job_free (job);
  return G_SOURCE_REMOVE;
}

static void
message_disconnected_cb (SoupServerMessage *msg,
                         gpointer           user_data)
{
  Job *job = user_data;

  job->disconnected = TRUE;
}

static void
worker_run (gpointer data,
            gpointer user_data)
{
  Job *job = data;
  TnHubServer *self = user_data;
  TnHubDb *db = g_private_get (&worker_db);
  g_autoptr(GError) error = NULL;

  if (db == NULL)
    {
      db = tn_hub_db_connect (self->conninfo, &error);
      if (db != NULL)
        g_private_set (&worker_db, db);
    }
  if (db != NULL)
    job_process (job, db);
  else
    job_set_error (job, error, NULL);
  g_main_context_invoke (self->main_context, job_finish_cb, job);
}

/* Main thread ---------------------------------------------------------------- */

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  Upload *upload = user_data;
  gsize size = g_bytes_get_size (chunk);

  if (upload->too_large || upload->data->len + size > TN_HUB_MAX_BODY)
    {
      upload->too_large = TRUE;
      g_byte_array_set_size (upload->data, 0);
      return;
    }
  g_byte_array_append (upload->data, g_bytes_get_data (chunk, NULL), size);
}

static gboolean
is_gzip (SoupServerMessage *msg,
         gboolean          *unknown)
{
  const char *encoding = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                       "Content-Encoding");

  *unknown = FALSE;
  if (encoding == NULL || g_ascii_strcasecmp (encoding, "identity") == 0)
    return FALSE;
  if (g_ascii_strcasecmp (encoding, "gzip") == 0)
    return TRUE;
  *unknown = TRUE;
  return FALSE;
}

/* Before the body is read: refuse what is too large by its declared
 * length, and keep the rest ourselves within the limit. */
static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);
  gboolean unknown;
  gsize limit = is_gzip (msg, &unknown) ? TN_HUB_MAX_COMPRESSED_BODY : TN_HUB_MAX_BODY;
  Upload *upload;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    return;
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > (goffset) limit)
    {
      respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                     _("The request body is larger than the hub accepts (8 MiB, or 4 MiB "
                     "compressed): send smaller batches"));
      if (g_str_has_suffix (path, "/events:batch"))
        tn_hub_metrics_count_batch (SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      return;
    }
  upload = g_new0 (Upload, 1);
  upload->data = g_byte_array_new ();
  g_object_set_data_full (G_OBJECT (msg), "tn-upload", upload, (GDestroyNotify) upload_free);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), upload);
}

static gboolean
parse_int_param (GHashTable  *query,
                 const char  *name,
                 gint64       fallback,
                 gint64       min,
                 gint64       max,
                 gint64      *out,
                 char       **message)
{
  const char *text = query ? g_hash_table_lookup (query, name) : NULL;
  guint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      *message = g_strdup_printf (_("“%s” must be an integer from %" PRId64 " to %" PRId64),
                                  name, min, max);
      return FALSE;
    }
  *out = (gint64) value;
  return TRUE;
}

/* Reads the route; FALSE when the answer is already set. */
static gboolean
route_request (SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               Job               *job)
{
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *store = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  const char *rest, *slash;
  struct { const char *name; const char *method; Route route; } routes[] = {
    { "events:batch", "POST", ROUTE_BATCH },
    { "vv", "GET", ROUTE_VV },
    { "events", "GET", ROUTE_PULL },
    { "events/rejections", "GET", ROUTE_REJECTIONS },
    { "fiscal/blocks", "POST", ROUTE_FISCAL },
    { "products", "POST", ROUTE_PRODUCTS },
  };

  if (strcmp (path, "/healthz") == 0 && strcmp (method, "GET") == 0)
    {
      job->route = ROUTE_HEALTHZ;
      return TRUE;
    }
  if (!g_str_has_prefix (path, "/v1/stores/"))
    goto not_found;
  rest = path + strlen ("/v1/stores/");
  slash = strchr (rest, '/');
  if (slash == NULL)
    goto not_found;
  store = g_strndup (rest, slash - rest);
  rest = slash + 1;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (strcmp (rest, routes[i].name) == 0 && strcmp (method, routes[i].method) == 0)
      {
        job->route = routes[i].route;
        if (!tn_validate_store_id (store, &error))
          {
            respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
            return FALSE;
          }
        job->store = g_steal_pointer (&store);
        if (job->route == ROUTE_PULL)
          {
            gint64 limit;
            job->origin = g_strdup (query ? g_hash_table_lookup (query, "origin") : NULL);
            if (job->origin == NULL || !tn_is_uuid (job->origin))
              message = g_strdup (_("“origin” must be a replica id (a lowercase UUID)"));
            else if (parse_int_param (query, "after", 0, 0, TN_MAX_SAFE_INTEGER, &job->after,
                                      &message) &&
                     parse_int_param (query, "limit", 500, 1, TN_HUB_MAX_BATCH_EVENTS, &limit,
                                      &message))
              job->limit = (guint) limit;
            if (message != NULL)
              {
                respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", message);
                return FALSE;
              }
          }
        return TRUE;
      }

not_found:
  message = g_strdup_printf (_("No such endpoint: %s %s"), method, path);
  respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", message);
  return FALSE;
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TnHubServer *self = user_data;
  Upload *upload;
  Job *job;
  const char *auth;
  gboolean unknown;

  /* Already refused by the early handler. */
  if (soup_server_message_get_status (msg) != 0)
    return;

  if (strcmp (path, "/metrics") == 0 &&
      strcmp (soup_server_message_get_method (msg), "GET") == 0)
    {
      respond (msg, SOUP_STATUS_OK, "text/plain; version=0.0.4", tn_hub_metrics_render ());
      return;
    }

  job = g_new0 (Job, 1);
  job->self = g_object_ref (self);
  job->msg = g_object_ref (msg);
  if (!route_request (msg, path, query, job))
    {
      if (g_str_has_suffix (path, "/events:batch"))
        tn_hub_metrics_count_batch (soup_server_message_get_status (msg));
      job_free (job);
      return;
    }

  auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                       "Authorization");
  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    job->key = g_strstrip (g_strdup (auth + 7));

  upload = g_object_get_data (G_OBJECT (msg), "tn-upload");
  if (upload != NULL)
    {
      job->gzip = is_gzip (msg, &unknown);
      if (upload->too_large ||
          (job->gzip && upload->data->len > TN_HUB_MAX_COMPRESSED_BODY))
        {
          job->status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
          job->response = error_body ("too_large",
                                      _("The request body is larger than the hub accepts "
                                      "(8 MiB, or 4 MiB compressed): send smaller batches"),
                                      NULL);
        }
      else if (unknown)
        {
          job->status = SOUP_STATUS_BAD_REQUEST;
          job->response = error_body ("bad_request",
                                      _("Unsupported Content-Encoding: send gzip or identity"),
                                      NULL);
        }
      job->body = g_bytes_new (upload->data->data, upload->data->len);
    }
  else
    job->body = g_bytes_new (NULL, 0);

  if (job->status != 0)
    {
      if (job->route == ROUTE_BATCH)
        tn_hub_metrics_count_batch (job->status);
      respond (msg, job->status, "application/json", g_steal_pointer (&job->response));
      job_free (job);
      return;
    }
  soup_server_message_pause (msg);
  job->disconnected_id = g_signal_connect (msg, "disconnected",
                                           G_CALLBACK (message_disconnected_cb), job);
  g_thread_pool_push (self->workers, job, NULL);
}

/* GObject ------------------------------------------------------------------- */

static void
tn_hub_server_finalize (GObject *object)
{
  TnHubServer *self = TN_HUB_SERVER (object);

  /* Every job holds a reference: none is left to wait for. */
  g_thread_pool_free (self->workers, FALSE, TRUE);
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_free (self->conninfo);
  G_OBJECT_CLASS (tn_hub_server_parent_class)->finalize (object);
}

static void
tn_hub_server_class_init (TnHubServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tn_hub_server_finalize;
}

static void
tn_hub_server_init (TnHubServer *self)
{
}

TnHubServer *
tn_hub_server_new (const char *conninfo,
                   guint       n_workers)
{
  TnHubServer *self = g_object_new (TN_TYPE_HUB_SERVER, NULL);

  self->conninfo = g_strdup (conninfo);
  self->main_context = g_main_context_ref_thread_default ();
  self->server = soup_server_new ("server-header", "tendero-hub/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->server, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);
  /* Each worker thread keeps its connection (worker_db) for the
   * threads' lifetime. */
  self->workers = g_thread_pool_new (worker_run, self, MAX (n_workers, 1), FALSE, NULL);
  return self;
}

gboolean
tn_hub_server_listen (TnHubServer  *self,
                      const char   *address,
                      GError      **error)
{
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *host = NULL;
  const char *colon = address ? strrchr (address, ':') : NULL;
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    goto bad;
  host = g_strndup (address, colon - address);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);
      g_free (host);
      host = inner;
    }
  socket_address = g_inet_socket_address_new_from_string (host, (guint) port);
  if (socket_address == NULL)
    goto bad;
  return soup_server_listen (self->server, socket_address, 0, error);

bad:
  g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
               _("“%s” is not an address to listen on: use HOST:PORT, like 127.0.0.1:8080"),
               address ? address : "");
  return FALSE;
}
