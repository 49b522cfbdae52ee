/* SPDX-License-Identifier: GPL-3.0-or-later */

/* tendero-hub ingest, pulls and refusals, through real hub processes on
 * a throw-away PostgreSQL cluster.  Each test uses its own store, so one
 * cluster and two hubs serve them all. */

#include <inttypes.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tn-event.h"
#include "tn-pg-harness.h"
#include "tn-test-util.h"

static TnPgCluster *cluster;
static TnHubProcess *hubs[2];

/* A valid StockAdjusted event: seq @seq of @origin in @store. */
static TnEvent *
make_event (const char *store,
            const char *origin,
            gint64      seq)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = json_object_new ();
  JsonNode *payload = json_node_new (JSON_NODE_OBJECT);
  TnVersionVector *deps = tn_version_vector_new ();
  TnEvent *event;

  json_object_set_string_member (object, "sku", "COFFEE");
  json_object_set_int_member (object, "delta", seq * 1000);
  json_object_set_string_member (object, "reason", "count");
  json_node_take_object (payload, object);
  if (seq > 1)
    tn_version_vector_set (deps, origin, seq - 1);
  event = tn_event_new (store, origin, seq, TN_EVENT_STOCK_ADJUSTED,
                        tn_hlc_make (1700000000000 + seq, 0), deps, payload, &error);
  g_assert_no_error (error);
  return event;
}

/* Events @first … @last of @origin. */
static GPtrArray *
make_events (const char *store,
             const char *origin,
             gint64      first,
             gint64      last)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);

  for (gint64 seq = first; seq <= last; seq++)
    g_ptr_array_add (events, make_event (store, origin, seq));
  return events;
}

static char *
batch_body (GPtrArray *events)
{
  GString *body = g_string_new ("{\"events\":[");

  for (guint i = 0; i < events->len; i++)
    {
      TnEvent *event = events->pdata[i];
      if (i > 0)
        g_string_append_c (body, ',');
      g_string_append (body, event->canonical);
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static char *
post_batch (TnHubProcess *hub,
            const char   *store,
            const char   *key,
            const char   *body,
            guint        *status)
{
  g_autofree char *path = g_strdup_printf ("/v1/stores/%s/events:batch", store);

  return tn_hub_request (hub, "POST", path, key, body, -1, TRUE, status);
}

/* A POST with a Content-Encoding the body does not match. */
static guint
post_raw (TnHubProcess *hub,
          const char   *path,
          const char   *key,
          const char   *encoding,
          const char   *body,
          char        **answer)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (hub->base_url, path, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", key, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Encoding",
                                encoding);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *answer = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  return soup_message_get_status (msg);
}

static gint64
count_events (const char *store,
              const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM %s WHERE store = '%s'",
                                          table, store);
  return tn_pg_query_int (cluster, sql);
}

static void
assert_statuses (JsonObject *answer,
                 const char *expected)
{
  JsonArray *results = json_object_get_array_member (answer, "results");

  g_assert_cmpuint (json_array_get_length (results), ==, strlen (expected));
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      const char *status = json_object_get_string_member (
          json_array_get_object_element (results, i), "status");
      char want = expected[i];

      g_assert_cmpstr (status, ==, want == 's' ? "stored" : want == 'd' ? "duplicate"
                                                                            : "rejected");
    }
}

static gint64
vv_get (JsonObject *answer,
        const char *origin)
{
  JsonObject *vv = json_object_get_object_member (answer, "vv");

  return json_object_get_int_member_with_default (vv, origin, 0);
}

/* How many migrations the source tree has. */
static gint64
count_migration_files (void)
{
  g_autoptr(GDir) dir = g_dir_open (g_getenv ("TN_HUB_MIGRATIONS"), 0, NULL);
  const char *name;
  gint64 n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_suffix (name, ".sql");
  g_assert_cmpint (n, >, 0);
  return n;
}

static void
test_migrations (void)
{
  gint64 n_migrations = count_migration_files ();
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *conninfo = NULL;
  g_autoptr(GError) error = NULL;
  GSubprocess *runs[3];
  int status;

  /* Already applied when the hubs started: nothing more to do. */
  out = tn_hub_run (cluster, &err, &status, "migrate", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT count (*) FROM schema_migrations"), ==,
                   n_migrations);

  /* Three hubs migrating an empty database at once: each migration once. */
  g_free (tn_pg_query (cluster, "CREATE DATABASE fresh"));
  conninfo = g_strdup_printf ("postgresql:///fresh?host=%s&port=%u&user=postgres",
                              cluster->socket_dir, cluster->port);
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      runs[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                  g_getenv ("TN_HUB"), "--db", conninfo, "--migrations-dir",
                                  g_getenv ("TN_HUB_MIGRATIONS"), "migrate", NULL);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *stderr_text = NULL;

      g_subprocess_communicate_utf8 (runs[i], NULL, NULL, NULL, &stderr_text, &error);
      g_assert_no_error (error);
      if (!g_subprocess_get_successful (runs[i]))
        g_error ("migrate %u failed: %s", i, stderr_text);
      g_object_unref (runs[i]);
    }
  {
    TnPgCluster fresh = *cluster;
    fresh.conninfo = conninfo;
    g_assert_cmpint (tn_pg_query_int (&fresh, "SELECT count (*) FROM schema_migrations"), ==,
                     n_migrations);
    g_assert_cmpint (tn_pg_query_int (&fresh, "SELECT count (*) FROM pg_views "
                                      "WHERE viewname LIKE 'report_%'"), ==, 4);
  }

  /* Two hubs starting at once on another empty database: both serve. */
  {
    TnPgCluster other = *cluster;
    TnHubProcess *started[2];

    g_free (tn_pg_query (cluster, "CREATE DATABASE fresh2"));
    other.conninfo = g_strdup_printf ("postgresql:///fresh2?host=%s&port=%u&user=postgres",
                                      cluster->socket_dir, cluster->port);
    for (guint i = 0; i < 2; i++)
      started[i] = tn_hub_spawn (&other, NULL);
    for (guint i = 0; i < 2; i++)
      tn_hub_wait_healthy (started[i]);
    g_assert_cmpint (tn_pg_query_int (&other, "SELECT count (*) FROM schema_migrations"), ==,
                     n_migrations);
    for (guint i = 0; i < 2; i++)
      g_assert_cmpint (tn_hub_stop (started[i]), ==, 0);
    g_free (other.conninfo);
  }

  /* A bad migrations directory is an error a person can act on. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *argv[] = { g_getenv ("TN_HUB"), "--db", cluster->conninfo,
                           "--migrations-dir", "/nonexistent", "migrate", NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (err, "--migrations-dir"));
  }
}

static void
test_upload_and_pull (void)
{
  const char *store = "upload";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *origin = g_uuid_string_random ();
  g_autoptr(GPtrArray) events = make_events (store, origin, 1, 10);
  g_autofree char *body = batch_body (events);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *pulled;
  guint status;

  text = post_batch (hubs[0], store, key, body, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  assert_statuses (json_node_get_object (answer), "ssssssssss");
  g_assert_cmpint (vv_get (json_node_get_object (answer), origin), ==, 10);
  g_assert_cmpint (count_events (store, "events"), ==, 10);

  /* The same batch again, through the other hub: all duplicates. */
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = post_batch (hubs[1], store, key, body, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  assert_statuses (json_node_get_object (answer), "dddddddddd");
  g_assert_cmpint (count_events (store, "events"), ==, 10);

  /* Identity encoding works too; overlapping batch: duplicates then new. */
  {
    g_autoptr(GPtrArray) more = make_events (store, origin, 11, 12);
    g_autofree char *more_body = NULL;
    g_autofree char *more_path = g_strdup_printf ("/v1/stores/%s/events:batch", store);

    g_ptr_array_insert (more, 0, tn_event_from_json (((TnEvent *) events->pdata[9])->canonical,
                                                     -1, store, NULL));
    g_ptr_array_insert (more, 0, tn_event_from_json (((TnEvent *) events->pdata[8])->canonical,
                                                     -1, store, NULL));
    more_body = batch_body (more);

    g_clear_pointer (&text, g_free);
    g_clear_pointer (&answer, json_node_unref);
    text = tn_hub_request (hubs[0], "POST", more_path, key, more_body, -1, FALSE, &status);
    g_assert_cmpuint (status, ==, 200);
    answer = tn_hub_parse_json (text);
    assert_statuses (json_node_get_object (answer), "ddss");
    g_assert_cmpint (vv_get (json_node_get_object (answer), origin), ==, 12);
  }

  path = g_strdup_printf ("/v1/stores/%s/vv", store);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = tn_hub_request (hubs[1], "GET", path, key, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  g_assert_cmpint (vv_get (json_node_get_object (answer), origin), ==, 12);

  /* Pull: the exact bytes that were uploaded, in seq order. */
  g_free (path);
  path = g_strdup_printf ("/v1/stores/%s/events?origin=%s&after=3&limit=4", store, origin);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = tn_hub_request (hubs[0], "GET", path, key, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (text, ((TnEvent *) events->pdata[3])->canonical));
  answer = tn_hub_parse_json (text);
  pulled = json_object_get_array_member (json_node_get_object (answer), "events");
  g_assert_cmpuint (json_array_get_length (pulled), ==, 4);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (answer), "more"));
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TnEvent) event = tn_event_from_node (json_array_get_element (pulled, i),
                                                      store, &error);
      g_assert_no_error (error);
      g_assert_cmpint (event->seq, ==, 4 + i);
      g_assert_cmpstr (event->canonical, ==, ((TnEvent *) events->pdata[3 + i])->canonical);
    }

  g_free (path);
  path = g_strdup_printf ("/v1/stores/%s/events?origin=%s&after=10", store, origin);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = tn_hub_request (hubs[1], "GET", path, key, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  pulled = json_object_get_array_member (json_node_get_object (answer), "events");
  g_assert_cmpuint (json_array_get_length (pulled), ==, 2);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (answer), "more"));

  /* Bad query parameters. */
  {
    const char *bad[] = { "origin=nope", "after=-1&origin=%s", "limit=0&origin=%s",
                          "limit=1001&origin=%s", "after=x&origin=%s" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *query = g_strdup_printf (bad[i], origin);
        g_autofree char *bad_path = g_strdup_printf ("/v1/stores/%s/events?%s", store, query);
        g_autofree char *bad_text = tn_hub_request (hubs[0], "GET", bad_path, key, NULL, 0,
                                                    FALSE, &status);
        g_assert_cmpuint (status, ==, 400);
        g_assert_nonnull (strstr (bad_text, "\"bad_request\""));
      }
  }
}

typedef struct
{
  TnHubProcess *hub;
  const char   *store;
  const char   *key;
  GPtrArray    *bodies;
  gint64        stored;
} Uploader;

static gpointer
upload_thread (gpointer data)
{
  Uploader *uploader = data;

  for (guint i = 0; i < uploader->bodies->len; i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) answer = NULL;
      JsonArray *results;
      guint status;

      text = post_batch (uploader->hub, uploader->store, uploader->key,
                         uploader->bodies->pdata[i], &status);
      if (status != 200)
        g_error ("batch %u answered %u: %s", i, status, text);
      answer = tn_hub_parse_json (text);
      results = json_object_get_array_member (json_node_get_object (answer), "results");
      for (guint j = 0; j < json_array_get_length (results); j++)
        uploader->stored += g_strcmp0 (json_object_get_string_member (
            json_array_get_object_element (results, j), "status"), "stored") == 0;
    }
  return NULL;
}

static void
test_concurrent_upload (void)
{
  const char *store = "concurrent";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *origin_a = g_uuid_string_random ();
  g_autofree char *origin_b = g_uuid_string_random ();
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  Uploader uploaders[4];
  GThread *threads[4];
  gint64 stored = 0;

  /* Five batches of 200 events, alternating two origins. */
  for (guint i = 0; i < 5; i++)
    {
      const char *origin = i % 2 ? origin_b : origin_a;
      gint64 first = (i / 2) * 200 + 1;
      g_autoptr(GPtrArray) events = make_events (store, origin, first, first + 199);
      g_ptr_array_add (bodies, batch_body (events));
    }

  /* Four uploaders through two hubs send the same batches at once. */
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      uploaders[i] = (Uploader) { hubs[i % 2], store, key, bodies, 0 };
      threads[i] = g_thread_new ("uploader", upload_thread, &uploaders[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      stored += uploaders[i].stored;
    }

  g_assert_cmpint (stored, ==, 1000);
  g_assert_cmpint (count_events (store, "events"), ==, 1000);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT count (DISTINCT (origin, seq)) FROM events "
                                    "WHERE store = 'concurrent'"), ==, 1000);
  g_assert_cmpint (tn_pg_query_int (cluster, "SELECT sum (seq) FROM version_vectors "
                                    "WHERE store = 'concurrent'"), ==, 1000);
}

static void
assert_error (const char *text,
              guint       status,
              guint       want_status,
              const char *want_code)
{
  g_autoptr(JsonNode) answer = tn_hub_parse_json (text);
  JsonObject *object = json_node_get_object (answer);

  if (status != want_status)
    g_error ("Expected %u, got %u: %s", want_status, status, text);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, want_code);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), !=, "");
}

static void
test_refusals (void)
{
  const char *store = "refusals";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *other_key = tn_hub_create_key (cluster, "refusals-other");
  g_autofree char *origin = g_uuid_string_random ();
  g_autoptr(GPtrArray) events = make_events (store, origin, 1, 3);
  g_autofree char *body = batch_body (events);
  g_autofree char *path = g_strdup_printf ("/v1/stores/%s/events:batch", store);
  g_autofree char *text = NULL;
  guint status;

  /* Wrong, missing and other store's keys. */
  text = post_batch (hubs[0], store, "0123456789abcdef", body, &status);
  assert_error (text, status, 401, "unauthorized");
  g_free (text);
  text = post_batch (hubs[1], store, NULL, body, &status);
  assert_error (text, status, 401, "unauthorized");
  g_free (text);
  text = post_batch (hubs[0], store, other_key, body, &status);
  assert_error (text, status, 401, "unauthorized");
  g_free (text);
  text = tn_hub_request (hubs[0], "GET", "/v1/stores/refusals/vv", other_key, NULL, 0, FALSE,
                         &status);
  assert_error (text, status, 401, "unauthorized");

  /* Malformed bodies. */
  {
    const char *bad[] = { "{", "[]", "{\"events\":5}", "{\"events\":[],\"more\":1}",
                          "{\"events\":[]} x", "\xff\xfe" };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_free (text);
        text = post_batch (hubs[i % 2], store, key, bad[i], &status);
        assert_error (text, status, 400, "bad_request");
      }
    /* Not what the Content-Encoding says. */
    g_free (text);
    status = post_raw (hubs[0], path, key, "gzip", body, &text);
    assert_error (text, status, 400, "bad_request");
    g_free (text);
    status = post_raw (hubs[1], path, key, "br", body, &text);
    assert_error (text, status, 400, "bad_request");
  }

  /* Over the limits: 1001 events; 8 MiB of JSON once decompressed; a
   * declared length over 8 MiB. */
  {
    g_autoptr(GPtrArray) many = make_events (store, origin, 1, 1001);
    g_autofree char *many_body = batch_body (many);
    g_autoptr(GString) huge = g_string_new ("{\"events\":[],\"pad\":\"");

    g_free (text);
    text = post_batch (hubs[0], store, key, many_body, &status);
    assert_error (text, status, 413, "too_large");
    while (huge->len < 9 * 1024 * 1024)
      g_string_append (huge, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    g_string_append (huge, "\"}");
    g_free (text);
    text = post_batch (hubs[1], store, key, huge->str, &status);
    assert_error (text, status, 413, "too_large");
    g_free (text);
    text = tn_hub_request (hubs[0], "POST", path, key, huge->str, huge->len, FALSE, &status);
    assert_error (text, status, 413, "too_large");
  }

  /* Under 8 MiB once decompressed but over 4 MiB compressed (random
   * base64 hardly compresses). */
  {
    gsize n_random = 5 * 1024 * 1024;
    g_autofree guint32 *random = g_new (guint32, n_random / 4);
    g_autofree char *encoded = NULL;
    g_autofree char *padded = NULL;

    for (gsize i = 0; i < n_random / 4; i++)
      random[i] = g_random_int ();
    encoded = g_base64_encode ((const guchar *) random, n_random);
    padded = g_strdup_printf ("{\"events\":[],\"pad\":\"%s\"}", encoded);
    g_assert_cmpuint (strlen (padded), <, 8 * 1024 * 1024);
    g_free (text);
    text = post_batch (hubs[0], store, key, padded, &status);
    assert_error (text, status, 413, "too_large");
  }

  /* A gap: seq 2 and 3 without 1. */
  {
    g_autoptr(GPtrArray) later = make_events (store, origin, 2, 3);
    g_autofree char *later_body = batch_body (later);
    g_autoptr(JsonNode) answer = NULL;

    g_free (text);
    text = post_batch (hubs[0], store, key, later_body, &status);
    assert_error (text, status, 409, "gap");
    answer = tn_hub_parse_json (text);
    g_assert_true (json_object_has_member (json_node_get_object (answer), "vv"));
    g_assert_cmpint (vv_get (json_node_get_object (answer), origin), ==, 0);
  }

  /* Every refusal stored nothing. */
  g_assert_cmpint (count_events (store, "events"), ==, 0);
  g_assert_cmpint (count_events (store, "rejections"), ==, 0);
  g_assert_cmpint (count_events (store, "version_vectors"), ==, 0);

  /* A gap later in a batch rolls back the events before it too. */
  {
    g_autoptr(GPtrArray) mixed = make_events (store, origin, 1, 2);
    g_autofree char *mixed_body = NULL;

    g_ptr_array_add (mixed, make_event (store, origin, 5));
    mixed_body = batch_body (mixed);
    g_free (text);
    text = post_batch (hubs[1], store, key, mixed_body, &status);
    assert_error (text, status, 409, "gap");
    g_assert_cmpint (count_events (store, "events"), ==, 0);
  }

  /* Unknown endpoint, bad store id. */
  g_free (text);
  text = tn_hub_request (hubs[0], "GET", "/v1/stores/refusals/nothing", key, NULL, 0, FALSE,
                         &status);
  assert_error (text, status, 404, "not_found");
  g_free (text);
  text = tn_hub_request (hubs[0], "GET", "/v1/stores/bad%20store/vv", key, NULL, 0, FALSE,
                         &status);
  assert_error (text, status, 400, "bad_request");
}

/* @canonical with its event id replaced by @event_id and its hash
 * recomputed (the hash covers the record without "hash"), so that the
 * model accepts it. */
static char *
reuse_event_id (const char *canonical,
                const char *event_id)
{
  const char *id_at = strstr (canonical, "\"event_id\":\"") + strlen ("\"event_id\":\"");
  const char *hash_at = strstr (canonical, ",\"hash\":\"");
  g_autofree char *head = g_strndup (canonical, id_at - canonical);
  const char *after_hash = hash_at + strlen (",\"hash\":\"") + 64 + 1;
  g_autofree char *unhashed = g_strconcat (head, event_id, "\"", after_hash, NULL);
  g_autofree char *hash = tn_sha256_hex (unhashed, strlen (unhashed));

  g_assert_true (hash_at == id_at + 36 + 1);
  return g_strconcat (head, event_id, "\",\"hash\":\"", hash, "\"", after_hash, NULL);
}

static void
test_rejected_event (void)
{
  const char *store = "rejects";
  g_autofree char *key = tn_hub_create_key (cluster, store);
  g_autofree char *origin = g_uuid_string_random ();
  g_autoptr(GPtrArray) events = make_events (store, origin, 1, 4);
  TnEvent *tampered = events->pdata[1];
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonArray *results, *rejections;
  char *mark;
  guint status;

  /* Seq 2 says it adjusted by 2 units but its hash says otherwise. */
  mark = strstr (tampered->canonical, "\"delta\":2000");
  g_assert_nonnull (mark);
  mark[9] = '3';
  body = batch_body (events);

  text = post_batch (hubs[0], store, key, body, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  assert_statuses (json_node_get_object (answer), "srss");
  results = json_object_get_array_member (json_node_get_object (answer), "results");
  g_assert_nonnull (strstr (json_object_get_string_member (
      json_array_get_object_element (results, 1), "reason"), "hash"));
  g_assert_cmpint (vv_get (json_node_get_object (answer), origin), ==, 4);
  g_assert_cmpint (count_events (store, "events"), ==, 3);
  g_assert_cmpint (count_events (store, "rejections"), ==, 1);

  /* Listed for operators. */
  path = g_strdup_printf ("/v1/stores/%s/events/rejections", store);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = tn_hub_request (hubs[1], "GET", path, key, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  answer = tn_hub_parse_json (text);
  rejections = json_object_get_array_member (json_node_get_object (answer), "rejections");
  g_assert_cmpuint (json_array_get_length (rejections), ==, 1);
  {
    JsonObject *row = json_array_get_object_element (rejections, 0);
    g_assert_cmpstr (json_object_get_string_member (row, "origin"), ==, origin);
    g_assert_cmpint (json_object_get_int_member (row, "seq"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (row, "event_id"), ==, tampered->event_id);
    g_assert_nonnull (strstr (json_object_get_string_member (row, "reason"), "hash"));
    g_assert_true (json_object_has_member (row, "received_at"));
  }

  /* A different event claiming seq 3 is a conflicting copy: refused,
   * logged, the first copy stays. */
  {
    g_autoptr(GPtrArray) impostor = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
    g_autofree char *impostor_body = NULL;
    g_autoptr(JsonNode) impostor_answer = NULL;

    g_ptr_array_add (impostor, make_event (store, origin, 3));
    impostor_body = batch_body (impostor);
    g_clear_pointer (&text, g_free);
    text = post_batch (hubs[0], store, key, impostor_body, &status);
    g_assert_cmpuint (status, ==, 200);
    impostor_answer = tn_hub_parse_json (text);
    assert_statuses (json_node_get_object (impostor_answer), "r");
    results = json_object_get_array_member (json_node_get_object (impostor_answer), "results");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 0),
                                                    "reason"),
                     ==, "conflicting copy of origin/seq");
    g_assert_cmpint (count_events (store, "events"), ==, 3);
  }

  /* Another origin's event reusing seq 1's event id (with a hash that
   * matches its content): refused, its slot counted. */
  {
    g_autofree char *other_origin = g_uuid_string_random ();
    g_autoptr(TnEvent) other = make_event (store, other_origin, 1);
    g_autofree char *reused = reuse_event_id (other->canonical,
                                              ((TnEvent *) events->pdata[0])->event_id);
    g_autofree char *reused_body = g_strdup_printf ("{\"events\":[%s]}", reused);
    g_autoptr(JsonNode) reused_answer = NULL;

    g_clear_pointer (&text, g_free);
    text = post_batch (hubs[1], store, key, reused_body, &status);
    g_assert_cmpuint (status, ==, 200);
    reused_answer = tn_hub_parse_json (text);
    assert_statuses (json_node_get_object (reused_answer), "r");
    results = json_object_get_array_member (json_node_get_object (reused_answer), "results");
    g_assert_nonnull (strstr (json_object_get_string_member (
        json_array_get_object_element (results, 0), "reason"), "event id"));
    g_assert_cmpint (vv_get (json_node_get_object (reused_answer), other_origin), ==, 1);
    g_assert_cmpint (count_events (store, "events"), ==, 3);
    g_assert_cmpint (count_events (store, "rejections"), ==, 2);
  }

  /* A pull skips the rejected seq. */
  g_free (path);
  path = g_strdup_printf ("/v1/stores/%s/events?origin=%s", store, origin);
  g_clear_pointer (&text, g_free);
  g_clear_pointer (&answer, json_node_unref);
  text = tn_hub_request (hubs[0], "GET", path, key, NULL, 0, FALSE, &status);
  answer = tn_hub_parse_json (text);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
      json_node_get_object (answer), "events")), ==, 3);
}

static void
test_health_and_metrics (void)
{
  g_autofree char *text = NULL;
  guint status;

  text = tn_hub_request (hubs[0], "GET", "/healthz", NULL, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (text, ==, "{\"status\":\"ok\"}");

  g_free (text);
  text = tn_hub_request (hubs[0], "GET", "/metrics", NULL, NULL, 0, FALSE, &status);
  g_assert_cmpuint (status, ==, 200);
  {
    const char *names[] = { "tendero_hub_events_ingested_total ",
                            "tendero_hub_events_duplicate_total ",
                            "tendero_hub_events_rejected_total ",
                            "tendero_hub_batches_total{code=\"200\"} ",
                            "tendero_hub_batches_total{code=\"409\"} ",
                            "tendero_hub_fiscal_blocks_granted_total ",
                            "tendero_hub_db_errors_total " };
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      g_assert_nonnull (strstr (text, names[i]));
  }

  /* The database gone: 503, and the failures counted. */
  {
    TnPgCluster *lonely = tn_pg_cluster_start ();
    TnHubProcess *hub = tn_hub_start (lonely);
    g_autofree char *down = NULL;
    g_autofree char *metrics = NULL;

    tn_pg_cluster_stop (lonely);
    down = tn_hub_request (hub, "GET", "/healthz", NULL, NULL, 0, FALSE, &status);
    assert_error (down, status, 503, "unavailable");
    metrics = tn_hub_request (hub, "GET", "/metrics", NULL, NULL, 0, FALSE, &status);
    g_assert_cmpuint (status, ==, 200);
    g_assert_null (strstr (metrics, "tendero_hub_db_errors_total 0\n"));
    g_assert_cmpint (tn_hub_stop (hub), ==, 0);
  }
}

int
main (int    argc,
      char **argv)
{
  int result;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (tn_test_log_writer_hide_alerts, NULL, NULL);

  cluster = tn_pg_cluster_start ();
  hubs[0] = tn_hub_start (cluster);
  hubs[1] = tn_hub_start (cluster);

  g_test_add_func ("/hub/migrations", test_migrations);
  g_test_add_func ("/hub/upload-and-pull", test_upload_and_pull);
  g_test_add_func ("/hub/concurrent-upload", test_concurrent_upload);
  g_test_add_func ("/hub/refusals", test_refusals);
  g_test_add_func ("/hub/rejected-event", test_rejected_event);
  g_test_add_func ("/hub/health-and-metrics", test_health_and_metrics);
  result = g_test_run ();

  g_assert_cmpint (tn_hub_stop (hubs[0]), ==, 0);
  g_assert_cmpint (tn_hub_stop (hubs[1]), ==, 0);
  tn_pg_cluster_stop (cluster);
  return result;
}
