/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-sync-worker.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "tn-config.h"
#include "tn-error.h"
#include "tn-operations.h"
#include "tn-peer-link.h"
#include "tn-peer-server.h"
#include "tn-queries.h"
#include "tn-sync-util.h"
#include "tn-tls-pinning.h"

/* The log is checked for commits by other processes (tendero-ctl)
 * every sync-watch-interval-ms (100 by default): a running lane must
 * notice them within 250 ms.  The app's own commits come at once
 * through tn_sync_worker_notify_commit (). */
#define HEALTH_INTERVAL_MS  1000

struct _TnSyncWorker
{
  GObject parent_instance;

  /* Set before the thread starts, then read-only (any thread). */
  char             *data_dir;
  char             *listen_address;
  GBytes           *key;
  char             *hub_key;
  GMainContext     *report_context;
  TnSyncReportFunc  report_func;
  GObject          *target;
  GMainContext     *context;        /* the worker's; thread-safe itself */

  /* The thread that called tn_sync_worker_start (). */
  GThread          *thread;

  /* The worker thread only (asserted). */
  GThread          *worker_thread;
  GMainLoop        *loop;
  TnConfig         *config;
  TnStore          *store;
  sqlite3          *watch_db;       /* PRAGMA data_version: sees other processes' commits */
  gint64            data_version;
  TnVersionVector  *last_vv;
  gint64            last_conflicts;
  gint64            last_p0_alerts;
  TnPeerServer     *server;
  TnCloudClient    *cloud;          /* NULL without a hub URL */
  GPtrArray        *links;          /* TnPeerLink* */
  GPtrArray        *sessions;       /* TnPeerSession*, both directions */
  GHashTable       *divergences;    /* already reported "peer|local|peer hash" */
  char             *last_peers_summary;
  guint             watch_source;
  guint             health_source;
};

G_DEFINE_FINAL_TYPE (TnSyncWorker, tn_sync_worker, G_TYPE_OBJECT)

#define ASSERT_WORKER(self) g_assert ((self)->worker_thread == g_thread_self ())

/* Reports ---------------------------------------------------------------- */

void
tn_sync_peer_status_free (TnSyncPeerStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->label);
  g_free (status->state);
  g_free (status->terminal);
  g_free (status->replica);
  g_free (status->last_error);
  g_free (status);
}

void
tn_sync_report_free (TnSyncReport *report)
{
  if (report == NULL)
    return;
  g_free (report->message);
  g_clear_pointer (&report->peers, g_ptr_array_unref);
  g_clear_pointer (&report->cloud, tn_cloud_status_free);
  g_free (report);
}

typedef struct
{
  TnSyncReportFunc  func;
  GObject          *target;
  TnSyncReport     *report;
} ReportHolder;

static gboolean
deliver_report_cb (gpointer user_data)
{
  ReportHolder *holder = user_data;

  holder->func (holder->target, holder->report);
  return G_SOURCE_REMOVE;
}

static void
report_holder_free (gpointer user_data)
{
  ReportHolder *holder = user_data;

  g_object_unref (holder->target);
  tn_sync_report_free (holder->report);
  g_free (holder);
}

/* Takes @report. */
static void
post_report (TnSyncWorker *self,
             TnSyncReport *report)
{
  ReportHolder *holder = g_new0 (ReportHolder, 1);

  holder->func = self->report_func;
  holder->target = g_object_ref (self->target);
  holder->report = report;
  g_main_context_invoke_full (self->report_context, G_PRIORITY_DEFAULT, deliver_report_cb,
                              holder, report_holder_free);
}

static void
post_state (TnSyncWorker *self,
            TnSyncState   state,
            const char   *message)
{
  TnSyncReport *report = g_new0 (TnSyncReport, 1);

  report->kind = TN_SYNC_REPORT_STATE;
  report->state = state;
  report->message = g_strdup (message);
  post_report (self, report);
}

static void
post_count (TnSyncWorker     *self,
            TnSyncReportKind  kind,
            gint64            count)
{
  TnSyncReport *report = g_new0 (TnSyncReport, 1);

  report->kind = kind;
  report->count = count;
  post_report (self, report);
}

/* Health ----------------------------------------------------------------- */

static gint64
wall_ms_from_monotonic (gint64 monotonic_us)
{
  if (monotonic_us == 0)
    return 0;
  return (g_get_real_time () - (g_get_monotonic_time () - monotonic_us)) / 1000;
}

static void
fill_from_session (TnSyncPeerStatus      *status,
                   TnPeerSession         *session,
                   const TnVersionVector *local)
{
  const TnVersionVector *peer = tn_peer_session_get_peer_vv (session);
  g_autoptr(GPtrArray) mine = tn_version_vector_origins (local);
  g_autoptr(GPtrArray) theirs = tn_version_vector_origins (peer);

  status->terminal = g_strdup (tn_peer_session_get_peer_terminal (session));
  status->replica = g_strdup (tn_peer_session_get_peer_replica (session));
  status->last_seen = wall_ms_from_monotonic (tn_peer_session_get_last_seen (session));
  status->compressed = tn_peer_session_is_compressed (session);
  tn_peer_session_get_received (session, &status->received, &status->duplicates);
  for (guint i = 0; i < mine->len; i++)
    status->lag += MAX (0, tn_version_vector_get (local, mine->pdata[i]) -
                           tn_version_vector_get (peer, mine->pdata[i]));
  for (guint i = 0; i < theirs->len; i++)
    status->behind += MAX (0, tn_version_vector_get (peer, theirs->pdata[i]) -
                              tn_version_vector_get (local, theirs->pdata[i]));
}

static GPtrArray *
collect_peers (TnSyncWorker          *self,
               const TnVersionVector *local)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_sync_peer_status_free);

  for (guint i = 0; i < self->links->len; i++)
    {
      TnPeerLink *link = self->links->pdata[i];
      TnPeerSession *session = tn_peer_link_get_session (link);
      TnSyncPeerStatus *status = g_new0 (TnSyncPeerStatus, 1);

      status->label = g_strdup (tn_peer_link_get_url (link));
      status->outgoing = TRUE;
      status->state = g_strdup (tn_peer_link_state_to_string (tn_peer_link_get_state (link)));
      status->last_error = g_strdup (tn_peer_link_get_last_error (link));
      if (session != NULL)
        fill_from_session (status, session, local);
      g_ptr_array_add (peers, status);
    }
  for (guint i = 0; i < self->sessions->len; i++)
    {
      TnPeerSession *session = self->sessions->pdata[i];
      TnSyncPeerStatus *status;

      if (tn_peer_session_get_role (session) != TN_PEER_ROLE_SERVER)
        continue;
      status = g_new0 (TnSyncPeerStatus, 1);
      status->label = g_strdup (tn_peer_session_get_label (session));
      status->state = g_strdup (tn_peer_session_get_state (session) == TN_PEER_SESSION_READY
                                ? "connected" : "handshake");
      fill_from_session (status, session, local);
      g_ptr_array_add (peers, status);
    }
  return peers;
}

static JsonNode *
peers_to_json (TnSyncWorker *self,
               GPtrArray    *peers,
               gboolean      with_volatile)
{
  JsonBuilder *builder = json_builder_new ();
  JsonNode *root;

  json_builder_begin_object (builder);
  if (with_volatile)
    {
      json_builder_set_member_name (builder, "updated_at");
      json_builder_add_int_value (builder, g_get_real_time () / 1000);
      json_builder_set_member_name (builder, "pid");
      json_builder_add_int_value (builder, getpid ());
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, tn_peer_server_get_port (self->server));
      json_builder_set_member_name (builder, "held_back");
      json_builder_add_int_value (builder, tn_store_count_held_back (self->store));
      if (self->cloud != NULL)
        {
          g_autoptr(TnCloudStatus) cloud = tn_cloud_client_get_status (self->cloud);

          json_builder_set_member_name (builder, "cloud");
          json_builder_add_value (builder, tn_cloud_status_to_json (cloud));
        }
    }
  json_builder_set_member_name (builder, "peers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < peers->len; i++)
    {
      TnSyncPeerStatus *status = peers->pdata[i];

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "peer");
      json_builder_add_string_value (builder, status->label);
      json_builder_set_member_name (builder, "direction");
      json_builder_add_string_value (builder, status->outgoing ? "outgoing" : "incoming");
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, status->state);
      json_builder_set_member_name (builder, "terminal");
      json_builder_add_string_value (builder, status->terminal);
      json_builder_set_member_name (builder, "replica");
      json_builder_add_string_value (builder, status->replica);
      json_builder_set_member_name (builder, "last_error");
      json_builder_add_string_value (builder, status->last_error);
      if (with_volatile)
        {
          json_builder_set_member_name (builder, "last_seen");
          json_builder_add_int_value (builder, status->last_seen);
          json_builder_set_member_name (builder, "lag");
          json_builder_add_int_value (builder, status->lag);
          json_builder_set_member_name (builder, "behind");
          json_builder_add_int_value (builder, status->behind);
          json_builder_set_member_name (builder, "compressed");
          json_builder_add_boolean_value (builder, status->compressed);
          json_builder_set_member_name (builder, "received");
          json_builder_add_int_value (builder, status->received);
          json_builder_set_member_name (builder, "duplicates");
          json_builder_add_int_value (builder, status->duplicates);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  g_object_unref (builder);
  return root;
}

/* Replaces @path at once for readers, without waiting for the disk: it
 * is rewritten every second, and a sync thread stalled on fsync under
 * heavy writes stalls every link it serves. */
static gboolean
write_status_file (const char  *path,
                   const char  *text,
                   GError     **error)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);

  if (!g_file_set_contents_full (partial, text, -1, G_FILE_SET_CONTENTS_NONE, 0644, error))
    return FALSE;
  if (g_rename (partial, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Cannot replace %s: %s"), path, g_strerror (saved));
      g_unlink (partial);
      return FALSE;
    }
  return TRUE;
}

static gboolean
health_cb (gpointer user_data)
{
  TnSyncWorker *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) local = tn_store_get_version_vector (self->store, &error);
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(JsonNode) full = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autofree char *text = NULL;
  g_autofree char *summary_text = NULL;
  g_autofree char *path = NULL;

  ASSERT_WORKER (self);
  if (local == NULL)
    {
      g_warning ("Cannot read the version vector: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  peers = collect_peers (self, local);
  full = peers_to_json (self, peers, TRUE);
  text = json_to_string (full, TRUE);
  path = g_build_filename (self->data_dir, TN_SYNC_PEERS_FILE, NULL);
  if (!write_status_file (path, text, &error))
    g_warning ("Cannot write %s: %s", path, error->message);

  /* The UI hears about connections coming and going, not every tick. */
  summary = peers_to_json (self, peers, FALSE);
  summary_text = json_to_string (summary, FALSE);
  if (g_strcmp0 (summary_text, self->last_peers_summary) != 0)
    {
      TnSyncReport *report = g_new0 (TnSyncReport, 1);

      report->kind = TN_SYNC_REPORT_PEERS;
      report->peers = g_steal_pointer (&peers);
      post_report (self, report);
      g_free (self->last_peers_summary);
      self->last_peers_summary = g_steal_pointer (&summary_text);
    }
  return G_SOURCE_CONTINUE;
}

/* Change detection ------------------------------------------------------- */

/* The store may have changed (our own apply, a grant, or a commit by
 * another process): push what grew to every peer and tell the UI. */
static void
local_store_changed (TnSyncWorker *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_store_get_version_vector (self->store, &error);
  g_autoptr(GPtrArray) sessions = NULL;
  gint64 conflicts, alerts[3];

  ASSERT_WORKER (self);
  if (vv == NULL)
    {
      g_warning ("Cannot read the version vector: %s", error->message);
      return;
    }
  if (self->last_vv != NULL && tn_version_vector_equal (vv, self->last_vv))
    return;
  g_clear_pointer (&self->last_vv, tn_version_vector_free);
  self->last_vv = g_steal_pointer (&vv);

  /* A session may close (and leave the array) while it sends. */
  sessions = g_ptr_array_new_full (self->sessions->len, g_object_unref);
  for (guint i = 0; i < self->sessions->len; i++)
    g_ptr_array_add (sessions, g_object_ref (self->sessions->pdata[i]));
  for (guint i = 0; i < sessions->len; i++)
    tn_peer_session_local_changed (sessions->pdata[i]);
  if (self->cloud != NULL)
    tn_cloud_client_local_changed (self->cloud);

  conflicts = tn_store_count_conflicts (self->store);
  if (conflicts > self->last_conflicts)
    post_count (self, TN_SYNC_REPORT_CONFLICTS, conflicts);
  self->last_conflicts = conflicts;
  if (tn_store_count_alerts (self->store, alerts, NULL))
    {
      if (alerts[TN_ALERT_P0] > self->last_p0_alerts)
        post_count (self, TN_SYNC_REPORT_FISCAL_ALERT, alerts[TN_ALERT_P0]);
      self->last_p0_alerts = alerts[TN_ALERT_P0];
    }
}

static gint64
read_data_version (TnSyncWorker *self)
{
  sqlite3_stmt *stmt = NULL;
  gint64 version = -1;

  if (sqlite3_prepare_v2 (self->watch_db, "PRAGMA data_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
watch_cb (gpointer user_data)
{
  TnSyncWorker *self = user_data;
  gint64 version = read_data_version (self);

  if (version != self->data_version)
    {
      self->data_version = version;
      local_store_changed (self);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
watch_now_cb (gpointer user_data)
{
  watch_cb (user_data);
  return G_SOURCE_REMOVE;
}

/* Divergence ------------------------------------------------------------- */

static void
record_divergence_row (TnSyncWorker *self,
                       const char   *peer,
                       const char   *vv_text,
                       const char   *local_hash,
                       const char   *peer_hash,
                       const char   *entities_json)
{
  g_autoptr(GError) error = NULL;

  if (!tn_store_record_divergence (self->store, peer, vv_text, local_hash, peer_hash,
                                   entities_json, &error))
    g_warning ("Cannot record a divergence: %s", error->message);
}

/* The first @max of @items joined with commas, "…" if there are more. */
static char *
list_some (GStrv items,
           guint max)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; items[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      if (i == max)
        {
          g_string_append (text, "…");
          break;
        }
      g_string_append (text, items[i]);
    }
  return g_string_free (text, FALSE);
}

static void
session_divergence_cb (TnPeerSession *session,
                       const char    *vv_text,
                       const char    *local_hash,
                       const char    *peer_hash,
                       GStrv          entities,
                       gpointer       user_data)
{
  TnSyncWorker *self = user_data;
  const char *peer = tn_peer_session_get_peer_replica (session);
  g_autofree char *key = g_strdup_printf ("%s|%s|%s", peer, local_hash, peer_hash);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *entities_json = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  guint n = g_strv_length (entities);

  ASSERT_WORKER (self);
  if (!g_hash_table_add (self->divergences, g_steal_pointer (&key)))
    return;
  for (guint i = 0; i < n; i++)
    json_array_add_string_element (array, entities[i]);
  json_node_set_array (node, array);
  entities_json = json_to_string (node, FALSE);
  listed = list_some (entities, 10);
  message = g_strdup_printf (_("This lane and terminal %s hold the same events but their "
                               "states differ in %u records (%s). Report this to support."),
                             tn_peer_session_get_peer_terminal (session), n, listed);
  g_message ("%s", message);
  if (!tn_store_raise_alert (self->store, TN_ALERT_P1, "divergence", NULL, message, &error))
    g_warning ("Cannot record the divergence alert: %s", error->message);
  record_divergence_row (self, peer, vv_text, local_hash, peer_hash, entities_json);
}

/* The hub ---------------------------------------------------------------- */

static void
cloud_store_changed_cb (TnCloudClient *cloud,
                        guint          applied,
                        gpointer       user_data)
{
  TnSyncWorker *self = user_data;

  ASSERT_WORKER (self);
  post_count (self, TN_SYNC_REPORT_EVENTS_APPLIED, applied);
  local_store_changed (self);
}

static void
cloud_status_changed_cb (TnCloudClient *cloud,
                         gpointer       user_data)
{
  TnSyncWorker *self = user_data;
  TnSyncReport *report = g_new0 (TnSyncReport, 1);

  ASSERT_WORKER (self);
  report->kind = TN_SYNC_REPORT_CLOUD;
  report->cloud = tn_cloud_client_get_status (cloud);
  post_report (self, report);
}

/* Sessions --------------------------------------------------------------- */

static void
session_store_changed_cb (TnPeerSession *session,
                          guint          applied,
                          gpointer       user_data)
{
  TnSyncWorker *self = user_data;

  if (applied > 0)
    post_count (self, TN_SYNC_REPORT_EVENTS_APPLIED, applied);
  local_store_changed (self);
}

static void
session_closed_cb (TnPeerSession *session,
                   gpointer       user_data)
{
  TnSyncWorker *self = user_data;

  ASSERT_WORKER (self);
  g_signal_handlers_disconnect_by_data (session, self);
  g_ptr_array_remove (self->sessions, session);
  /* A session that carried the sync closed: a link on standby may be
   * needed now (tn-peer-link.h). */
  if (!tn_peer_session_get_superseded (session))
    for (guint i = 0; i < self->links->len; i++)
      tn_peer_link_resume (self->links->pdata[i]);
}

/* Two lanes that dial each other: keep one session (tn-peer-session.h). */
static void
session_ready_cb (TnPeerSession *session,
                  gpointer       user_data)
{
  TnSyncWorker *self = user_data;
  TnPeerSession *redundant;

  ASSERT_WORKER (self);
  redundant = tn_peer_session_find_superseded (session, self->sessions);
  if (redundant != NULL)
    tn_peer_session_close_superseded (redundant);
}

static void
session_opened_cb (GObject       *source,
                   TnPeerSession *session,
                   gpointer       user_data)
{
  TnSyncWorker *self = user_data;

  ASSERT_WORKER (self);
  g_ptr_array_add (self->sessions, g_object_ref (session));
  g_signal_connect (session, "store-changed", G_CALLBACK (session_store_changed_cb), self);
  g_signal_connect (session, "closed", G_CALLBACK (session_closed_cb), self);
  g_signal_connect (session, "ready", G_CALLBACK (session_ready_cb), self);
  g_signal_connect (session, "divergence", G_CALLBACK (session_divergence_cb), self);
}

/* The thread ------------------------------------------------------------- */

static gboolean
worker_setup (TnSyncWorker  *self,
              GError       **error)
{
  g_autofree char *db_path = NULL;

  self->config = tn_config_load (self->data_dir, error);
  if (self->config == NULL)
    return FALSE;
  db_path = tn_config_db_path (self->data_dir);
  self->store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, error);
  if (self->store == NULL)
    return FALSE;
  if (!tn_store_is_initialized (self->store))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                   _("%s holds no store yet: run “tendero-ctl --data-dir %s init” first"),
                   self->data_dir, self->data_dir);
      return FALSE;
    }
  if (!tn_config_check_store (self->config, self->data_dir,
                              tn_store_get_store_id (self->store), error))
    return FALSE;
  /* This connection takes in every peer's batches: a checkpoint's disk
   * flushes must not stall it (nor the links it serves). */
  if (!tn_store_checkpoint_in_background (self->store, error))
    return FALSE;
  if (sqlite3_open_v2 (db_path, &self->watch_db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Cannot open %s: %s"), db_path,
                   sqlite3_errmsg (self->watch_db));
      return FALSE;
    }
  sqlite3_busy_timeout (self->watch_db, 5000);
  self->data_version = read_data_version (self);
  self->last_conflicts = tn_store_count_conflicts (self->store);

  self->server = tn_peer_server_new (self->store, self->key);
  g_signal_connect (self->server, "session-opened", G_CALLBACK (session_opened_cb), self);
  if (self->config->tls_certificate_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        tn_tls_load_server_certificate (self->config->tls_certificate_file,
                                        self->config->tls_key_file, error);

      if (certificate == NULL)
        return FALSE;
      tn_peer_server_set_tls_certificate (self->server, certificate);
    }
  if (!tn_peer_server_listen (self->server, self->listen_address, self->config->port, error))
    return FALSE;
  g_message ("Terminal %s of store “%s” listening for lanes on port %u",
             tn_store_get_terminal (self->store), tn_store_get_store_id (self->store),
             tn_peer_server_get_port (self->server));

  for (char **url = self->config->peers; url != NULL && *url != NULL; url++)
    {
      TnPeerLink *link = tn_peer_link_new (self->store, self->key, *url,
                                           self->config->sync_backoff_base_ms);

      tn_peer_link_set_pinned_fingerprints (link,
          (const char * const *) self->config->peer_fingerprints);
      g_signal_connect (link, "session-opened", G_CALLBACK (session_opened_cb), self);
      g_ptr_array_add (self->links, link);
      tn_peer_link_start (link);
    }

  if (self->config->hub_url != NULL)
    {
      self->cloud = tn_cloud_client_new (self->store, self->config, self->hub_key);
      g_signal_connect (self->cloud, "store-changed", G_CALLBACK (cloud_store_changed_cb), self);
      g_signal_connect (self->cloud, "status-changed", G_CALLBACK (cloud_status_changed_cb),
                        self);
      tn_cloud_client_start (self->cloud);
    }

  self->watch_source = tn_sync_timeout_add (self->config->sync_watch_interval_ms, watch_cb,
                                            self);
  self->health_source = tn_sync_timeout_add (HEALTH_INTERVAL_MS, health_cb, self);
  local_store_changed (self);
  health_cb (self);
  return TRUE;
}

static void
worker_teardown (TnSyncWorker *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, TN_SYNC_PEERS_FILE, NULL);

  tn_sync_clear_source (&self->watch_source);
  tn_sync_clear_source (&self->health_source);
  if (self->cloud != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->cloud, self);
      tn_cloud_client_stop (self->cloud);
    }
  for (guint i = 0; i < self->links->len; i++)
    tn_peer_link_stop (self->links->pdata[i]);
  while (self->sessions->len > 0)
    {
      TnPeerSession *session = g_ptr_array_steal_index (self->sessions,
                                                        self->sessions->len - 1);

      g_signal_handlers_disconnect_by_data (session, self);
      tn_peer_session_close (session);
      g_object_unref (session);
    }
  if (self->server != NULL)
    tn_peer_server_stop (self->server);
  g_ptr_array_set_size (self->links, 0);
  g_clear_object (&self->server);
  /* Let close frames and cancellations run, without waiting on peers. */
  for (guint i = 0; i < 100 && g_main_context_iteration (self->context, FALSE); i++)
    ;
  g_unlink (path);
  g_clear_object (&self->cloud);
  g_clear_pointer (&self->watch_db, sqlite3_close);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, tn_config_free);
  g_clear_pointer (&self->last_vv, tn_version_vector_free);
}

static gpointer
worker_thread_func (gpointer user_data)
{
  TnSyncWorker *self = user_data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (self->context);
  self->worker_thread = g_thread_self ();

  if (worker_setup (self, &error))
    {
      post_state (self, TN_SYNC_STATE_RUNNING, NULL);
      g_main_loop_run (self->loop);
      worker_teardown (self);
      post_state (self, TN_SYNC_STATE_STOPPED, NULL);
    }
  else
    {
      g_message ("Lane sync cannot start: %s", error->message);
      worker_teardown (self);
      post_state (self, TN_SYNC_STATE_FAILED, error->message);
    }

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_cb (gpointer user_data)
{
  TnSyncWorker *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

/* Overrides -------------------------------------------------------------- */

static void
tn_sync_worker_dispose (GObject *object)
{
  TnSyncWorker *self = TN_SYNC_WORKER (object);

  tn_sync_worker_stop (self);
  G_OBJECT_CLASS (tn_sync_worker_parent_class)->dispose (object);
}

static void
tn_sync_worker_finalize (GObject *object)
{
  TnSyncWorker *self = TN_SYNC_WORKER (object);

  g_free (self->data_dir);
  g_free (self->listen_address);
  g_free (self->last_peers_summary);
  if (self->hub_key != NULL)
    memset (self->hub_key, 0, strlen (self->hub_key));
  g_free (self->hub_key);
  g_clear_pointer (&self->key, g_bytes_unref);
  g_clear_pointer (&self->report_context, g_main_context_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_pointer (&self->divergences, g_hash_table_unref);
  G_OBJECT_CLASS (tn_sync_worker_parent_class)->finalize (object);
}

static void
tn_sync_worker_class_init (TnSyncWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tn_sync_worker_dispose;
  object_class->finalize = tn_sync_worker_finalize;
}

static void
tn_sync_worker_init (TnSyncWorker *self)
{
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->links = g_ptr_array_new_with_free_func (g_object_unref);
  self->sessions = g_ptr_array_new_with_free_func (g_object_unref);
  self->divergences = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Public API ------------------------------------------------------------- */

TnSyncWorker *
tn_sync_worker_new (const char       *data_dir,
                    GBytes           *key,
                    GMainContext     *report_context,
                    TnSyncReportFunc  report_func,
                    GObject          *target)
{
  TnSyncWorker *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (report_func != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (target), NULL);

  self = g_object_new (TN_TYPE_SYNC_WORKER, NULL);
  self->data_dir = g_strdup (data_dir);
  self->key = g_bytes_ref (key);
  self->report_context = report_context ? g_main_context_ref (report_context)
                                        : g_main_context_ref_thread_default ();
  self->report_func = report_func;
  /* Not a reference: the target owns the worker.  Each report in
   * flight holds one instead. */
  self->target = target;
  return self;
}

void
tn_sync_worker_set_hub_key (TnSyncWorker *self,
                            const char   *key)
{
  g_return_if_fail (TN_IS_SYNC_WORKER (self));
  g_return_if_fail (self->thread == NULL);

  g_free (self->hub_key);
  self->hub_key = g_strdup (key);
}

void
tn_sync_worker_set_listen_address (TnSyncWorker *self,
                                   const char   *address)
{
  g_return_if_fail (TN_IS_SYNC_WORKER (self));
  g_return_if_fail (self->thread == NULL);

  g_free (self->listen_address);
  self->listen_address = g_strdup (address);
}

gboolean
tn_sync_worker_start (TnSyncWorker  *self,
                      GError       **error)
{
  g_return_val_if_fail (TN_IS_SYNC_WORKER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  post_state (self, TN_SYNC_STATE_STARTING, NULL);
  self->thread = g_thread_try_new ("tn-sync-worker", worker_thread_func, self, error);
  return self->thread != NULL;
}

void
tn_sync_worker_notify_commit (TnSyncWorker *self)
{
  g_autoptr(GSource) source = NULL;

  g_return_if_fail (TN_IS_SYNC_WORKER (self));

  if (self->thread == NULL)
    return;
  /* A source, not g_main_context_invoke (), which would run it on this
   * thread while the worker does not hold its context (at start-up).
   * No reference: only the worker thread dispatches it, and stop joins
   * that thread before the worker can be finalized. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, watch_now_cb, self, NULL);
  g_source_set_static_name (source, "[tendero] local commit");
  g_source_attach (source, self->context);
}

void
tn_sync_worker_stop (TnSyncWorker *self)
{
  g_return_if_fail (TN_IS_SYNC_WORKER (self));

  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, quit_cb, self);
  g_thread_join (g_steal_pointer (&self->thread));
}
