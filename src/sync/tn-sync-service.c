/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-sync-service.h"

#include <string.h>

struct _TnSyncService
{
  GObject parent_instance;

  /* Every field belongs to the thread that created the service. */
  GThread      *owner;
  char         *data_dir;
  GBytes       *key;
  char         *hub_key;
  TnSyncWorker *worker;
  TnSyncState   state;
  GPtrArray    *peers;        /* TnSyncPeerStatus*, latest report */
  GHashTable   *peer_states;  /* label → state, to emit changes only */
  TnCloudStatus *cloud;       /* latest report, or NULL */
};

G_DEFINE_FINAL_TYPE (TnSyncService, tn_sync_service, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_PEER_CHANGED,
  SIGNAL_EVENTS_APPLIED,
  SIGNAL_CONFLICT_DETECTED,
  SIGNAL_FISCAL_ALERT,
  SIGNAL_CLOUD_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define ASSERT_OWNER(self) g_assert ((self)->owner == g_thread_self ())

/* Callbacks -------------------------------------------------------------- */

static void
update_peers (TnSyncService *self,
              GPtrArray     *peers)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  g_clear_pointer (&self->peers, g_ptr_array_unref);
  self->peers = g_ptr_array_ref (peers);
  for (guint i = 0; i < peers->len; i++)
    {
      TnSyncPeerStatus *status = peers->pdata[i];
      const char *before = g_hash_table_lookup (self->peer_states, status->label);

      g_hash_table_add (seen, status->label);
      if (g_strcmp0 (before, status->state) == 0)
        continue;
      g_hash_table_insert (self->peer_states, g_strdup (status->label),
                           g_strdup (status->state));
      g_signal_emit (self, signals[SIGNAL_PEER_CHANGED], 0, status->label, status->terminal,
                     status->state);
    }
  /* Incoming connections that went away. */
  g_hash_table_iter_init (&iter, self->peer_states);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (seen, key))
      {
        g_autofree char *label = g_strdup (key);

        g_hash_table_iter_remove (&iter);
        g_signal_emit (self, signals[SIGNAL_PEER_CHANGED], 0, label, NULL, "disconnected");
      }
}

/* Runs on our thread: the worker delivers here with
 * g_main_context_invoke_full (). */
static void
worker_report_cb (GObject            *target,
                  const TnSyncReport *report)
{
  TnSyncService *self = TN_SYNC_SERVICE (target);

  ASSERT_OWNER (self);
  if (self->worker == NULL && report->kind != TN_SYNC_REPORT_STATE)
    return;   /* stopped meanwhile */

  switch (report->kind)
    {
    case TN_SYNC_REPORT_STATE:
      if (self->state != report->state)
        {
          self->state = report->state;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
        }
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint) report->state,
                     report->message);
      break;
    case TN_SYNC_REPORT_PEERS:
      update_peers (self, report->peers);
      break;
    case TN_SYNC_REPORT_EVENTS_APPLIED:
      g_signal_emit (self, signals[SIGNAL_EVENTS_APPLIED], 0, (guint) report->count);
      break;
    case TN_SYNC_REPORT_CONFLICTS:
      g_signal_emit (self, signals[SIGNAL_CONFLICT_DETECTED], 0, report->count);
      break;
    case TN_SYNC_REPORT_FISCAL_ALERT:
      g_signal_emit (self, signals[SIGNAL_FISCAL_ALERT], 0, 0u, report->count);
      break;
    case TN_SYNC_REPORT_CLOUD:
      g_clear_pointer (&self->cloud, tn_cloud_status_free);
      self->cloud = tn_cloud_status_copy (report->cloud);
      g_signal_emit (self, signals[SIGNAL_CLOUD_CHANGED], 0);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Overrides -------------------------------------------------------------- */

static void
tn_sync_service_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TnSyncService *self = TN_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_uint (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_sync_service_dispose (GObject *object)
{
  TnSyncService *self = TN_SYNC_SERVICE (object);

  if (self->worker != NULL)
    tn_sync_worker_stop (self->worker);
  g_clear_object (&self->worker);
  G_OBJECT_CLASS (tn_sync_service_parent_class)->dispose (object);
}

static void
tn_sync_service_finalize (GObject *object)
{
  TnSyncService *self = TN_SYNC_SERVICE (object);

  g_free (self->data_dir);
  g_clear_pointer (&self->key, g_bytes_unref);
  g_clear_pointer (&self->peers, g_ptr_array_unref);
  g_clear_pointer (&self->peer_states, g_hash_table_unref);
  g_clear_pointer (&self->cloud, tn_cloud_status_free);
  if (self->hub_key != NULL)
    memset (self->hub_key, 0, strlen (self->hub_key));
  g_free (self->hub_key);
  G_OBJECT_CLASS (tn_sync_service_parent_class)->finalize (object);
}

static void
tn_sync_service_class_init (TnSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->get_property = tn_sync_service_get_property;
  object_class->dispose = tn_sync_service_dispose;
  object_class->finalize = tn_sync_service_finalize;

  properties[PROP_STATE] = g_param_spec_uint ("state", NULL, NULL, 0, TN_SYNC_STATE_FAILED,
                                              TN_SYNC_STATE_STOPPED,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                              G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_PEER_CHANGED] =
    g_signal_new ("peer-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_EVENTS_APPLIED] =
    g_signal_new ("events-applied", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_CONFLICT_DETECTED] =
    g_signal_new ("conflict-detected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_FISCAL_ALERT] =
    g_signal_new ("fiscal-alert", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_INT64);
  signals[SIGNAL_CLOUD_CHANGED] =
    g_signal_new ("cloud-changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tn_sync_service_init (TnSyncService *self)
{
  self->owner = g_thread_self ();
  self->peer_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Public API ------------------------------------------------------------- */

TnSyncService *
tn_sync_service_new (const char *data_dir,
                     GBytes     *key)
{
  TnSyncService *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  self = g_object_new (TN_TYPE_SYNC_SERVICE, NULL);
  self->data_dir = g_strdup (data_dir);
  self->key = g_bytes_ref (key);
  return self;
}

void
tn_sync_service_set_hub_key (TnSyncService *self,
                             const char    *key)
{
  g_return_if_fail (TN_IS_SYNC_SERVICE (self));
  ASSERT_OWNER (self);

  g_free (self->hub_key);
  self->hub_key = g_strdup (key);
}

gboolean
tn_sync_service_start (TnSyncService  *self,
                       GError        **error)
{
  g_return_val_if_fail (TN_IS_SYNC_SERVICE (self), FALSE);
  g_return_val_if_fail (self->worker == NULL, FALSE);
  ASSERT_OWNER (self);

  self->worker = tn_sync_worker_new (self->data_dir, self->key,
                                     g_main_context_get_thread_default (),
                                     worker_report_cb, G_OBJECT (self));
  tn_sync_worker_set_hub_key (self->worker, self->hub_key);
  if (!tn_sync_worker_start (self->worker, error))
    {
      g_clear_object (&self->worker);
      return FALSE;
    }
  return TRUE;
}

void
tn_sync_service_stop (TnSyncService *self)
{
  g_return_if_fail (TN_IS_SYNC_SERVICE (self));
  ASSERT_OWNER (self);

  if (self->worker == NULL)
    return;
  tn_sync_worker_stop (self->worker);
  g_clear_object (&self->worker);
}

void
tn_sync_service_notify_commit (TnSyncService *self)
{
  g_return_if_fail (TN_IS_SYNC_SERVICE (self));
  ASSERT_OWNER (self);

  if (self->worker != NULL)
    tn_sync_worker_notify_commit (self->worker);
}

TnSyncState
tn_sync_service_get_state (TnSyncService *self)
{
  g_return_val_if_fail (TN_IS_SYNC_SERVICE (self), TN_SYNC_STATE_STOPPED);
  return self->state;
}

GPtrArray *
tn_sync_service_get_peers (TnSyncService *self)
{
  g_return_val_if_fail (TN_IS_SYNC_SERVICE (self), NULL);
  return self->peers;
}

const TnCloudStatus *
tn_sync_service_get_cloud_status (TnSyncService *self)
{
  g_return_val_if_fail (TN_IS_SYNC_SERVICE (self), NULL);
  return self->cloud;
}
