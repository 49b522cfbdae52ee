/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-application-private.h"
#include "tn-cloud-client.h"
#include "tn-error.h"
#include "tn-keyring.h"
#include "tn-operations.h"
#include "tn-preferences-window.h"
#include "tn-sync-auth.h"
#include "tn-ui-resources.h"
#include "tn-window.h"

struct _TnApplication
{
  GtkApplication  parent_instance;

  char           *data_dir;
  TnConfig       *config;        /* NULL before the first run */
  TnStore        *store;         /* main-thread connection */
  TnSyncService  *sync_service;  /* NULL until started */

  char           *cashier_id;    /* NULL when locked */
  char           *cashier_name;
  gboolean        cashier_is_manager;

  char           *problem;
  GCancellable   *key_cancellable;   /* the keyring lookup in progress */
};

G_DEFINE_FINAL_TYPE (TnApplication, tn_application, GTK_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_CASHIER_ID,
  PROP_PROBLEM,
  PROP_SYNC_SERVICE,
  N_PROPS
};

enum {
  STORE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The window's accelerators; the shortcuts window lists the same. */
static const struct {
  const char *action;
  const char *accels[3];
} app_accels[] = {
  { "win.focus-search", { "F2", "<Control>f", NULL } },
  { "win.pay", { "F12", NULL } },
  { "win.remove-line", { "Delete", NULL } },
  { "win.increase-qty", { "plus", "KP_Add", NULL } },
  { "win.decrease-qty", { "minus", "KP_Subtract", NULL } },
  { "win.cancel-sale", { "<Control>Delete", NULL } },
  { "win.lock", { "<Control>l", NULL } },
  { "win.history", { "<Control>h", NULL } },
  { "win.cash", { "<Control><Shift>k", NULL } },
  { "win.stock", { "<Control><Shift>s", NULL } },
  { "win.conflicts", { "<Control><Shift>x", NULL } },
  { "win.sync-details", { "<Control><Shift>y", NULL } },
  { "app.preferences", { "<Control>comma", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
  { "app.quit", { "<Control>q", NULL } },
};

static void
set_problem (TnApplication *self,
             const char    *problem)
{
  if (g_strcmp0 (self->problem, problem) == 0)
    return;
  g_free (self->problem);
  self->problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

static void
set_cashier (TnApplication *self,
             const char    *id,
             const char    *name,
             gboolean       manager)
{
  g_free (self->cashier_id);
  g_free (self->cashier_name);
  self->cashier_id = g_strdup (id);
  self->cashier_name = g_strdup (name);
  self->cashier_is_manager = manager;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CASHIER_ID]);
}

static void
stop_sync_service (TnApplication *self)
{
  if (self->sync_service == NULL)
    return;
  tn_sync_service_stop (self->sync_service);
  g_clear_object (&self->sync_service);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_SERVICE]);
}

static void
on_sync_state_changed (TnSyncService *service,
                       guint          state,
                       const char    *message,
                       gpointer       user_data)
{
  TnApplication *self = user_data;

  if (state == TN_SYNC_STATE_FAILED)
    {
      g_autofree char *text = g_strdup_printf (_("Sync cannot run: %s"), message);

      g_message ("%s", text);
      set_problem (self, text);
    }
}

static void
on_store_committed (TnStore       *store,
                    TnApplication *self)
{
  if (self->sync_service != NULL)
    tn_sync_service_notify_commit (self->sync_service);
}

static void
start_sync_service (TnApplication *self,
                    GBytes        *key,
                    const char    *hub_key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnSyncService) service = tn_sync_service_new (self->data_dir, key);

  g_signal_connect_object (service, "state-changed",
                           G_CALLBACK (on_sync_state_changed), self, 0);
  /* Without its hub key the lane still sells and syncs with its peers;
   * the sync popover shows the hub as "no key". */
  if (self->config->hub_url != NULL)
    tn_sync_service_set_hub_key (service, hub_key);
  if (!tn_sync_service_start (service, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Sync cannot run: %s"), error->message);

      g_message ("%s", text);
      set_problem (self, text);
      return;
    }
  self->sync_service = g_steal_pointer (&service);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_SERVICE]);
  set_problem (self, NULL);
}

static void
on_hub_key_looked_up (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TnApplication *self = g_task_get_source_object (task);
  GBytes *key = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hub_key = tn_keyring_lookup_finish (result, &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->key_cancellable);
  if (hub_key == NULL)
    g_message (_("Not uploading to the hub %s: %s"), self->config->hub_url, error->message);
  else
    text = g_strndup (g_bytes_get_data (hub_key, NULL), g_bytes_get_size (hub_key));
  start_sync_service (self, key, text);
}

/* The hub key, only when a hub is configured: the key file named in
 * config.ini, else $TENDERO_HUB_KEY (as the headless lane), else the 0600
 * file Preferences wrote where there was no keyring, else the keyring
 * (asynchronously); then sync starts with @key, the store key. */
static void
load_hub_key_and_start_sync (TnApplication *self,
                             GBytes        *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hub_key = NULL;
  g_autofree char *fallback = NULL;
  GTask *task;

  if (self->config->hub_url == NULL)
    {
      start_sync_service (self, key, NULL);
      return;
    }
  hub_key = tn_cloud_load_key (self->config->hub_key_file, &error);
  if (hub_key == NULL && g_error_matches (error, TN_ERROR, TN_ERROR_NOT_FOUND))
    {
      fallback = tn_keyring_key_file_path (TN_KEYRING_HUB_KEY, self->data_dir);
      if (!g_file_test (fallback, G_FILE_TEST_EXISTS))
        {
          self->key_cancellable = g_cancellable_new ();
          task = g_task_new (self, NULL, NULL, NULL);
          g_task_set_task_data (task, g_bytes_ref (key), (GDestroyNotify) g_bytes_unref);
          tn_keyring_lookup_async (TN_KEYRING_HUB_KEY, self->config->store_id,
                                   self->key_cancellable, on_hub_key_looked_up, task);
          return;
        }
      g_clear_error (&error);
      hub_key = tn_cloud_load_key (fallback, &error);
    }
  if (hub_key == NULL)
    g_message (_("Not uploading to the hub %s: %s"), self->config->hub_url, error->message);
  start_sync_service (self, key, hub_key);
}

static void
on_key_looked_up (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TnApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = tn_keyring_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->key_cancellable);
  if (key == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("This lane works alone: no store key (%s). "
                                                 "Enter it in Preferences."),
                                               error->message);
      g_message ("%s", text);
      set_problem (self, text);
      return;
    }
  load_hub_key_and_start_sync (self, key);
}

/* The store key: the key file named in config.ini, else
 * $TENDERO_STORE_KEY, else the 0600 file the first run wrote where there
 * was no keyring, else the keyring (asynchronously: it may have to be
 * unlocked). */
static void
load_key_and_start_sync (TnApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *fallback = tn_keyring_key_file_path (TN_KEYRING_STORE_KEY, self->data_dir);
  const char *key_file = self->config->store_key_file;

  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);

  if (key_file == NULL && g_getenv ("TENDERO_STORE_KEY") == NULL &&
      g_file_test (fallback, G_FILE_TEST_EXISTS))
    key_file = fallback;
  if (key_file == NULL && g_getenv ("TENDERO_STORE_KEY") == NULL)
    {
      self->key_cancellable = g_cancellable_new ();
      tn_keyring_lookup_async (TN_KEYRING_STORE_KEY, self->config->store_id,
                               self->key_cancellable, on_key_looked_up, g_object_ref (self));
      return;
    }
  key = tn_sync_auth_load_key (key_file, &error);
  if (key == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("This lane works alone: no store key (%s)"),
                                               error->message);
      g_message ("%s", text);
      set_problem (self, text);
      return;
    }
  load_hub_key_and_start_sync (self, key);
}

static void
on_preferences_activated (GSimpleAction *action,
                          GVariant      *param,
                          gpointer       user_data)
{
  TnApplication *self = user_data;

  tn_preferences_window_present (gtk_application_get_active_window (GTK_APPLICATION (self)),
                                 self);
}

static void
on_quit_activated (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "preferences", on_preferences_activated },
  { "quit", on_quit_activated },
};

static void
tn_application_startup (GApplication *app)
{
  TnApplication *self = TN_APPLICATION (app);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (tn_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  for (gsize i = 0; i < G_N_ELEMENTS (app_accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), app_accels[i].action,
                                           app_accels[i].accels);

  gtk_css_provider_load_from_resource (css, "/org/tendero/Tendero/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  /* A lane not set up yet is not an error: the first-run view creates
   * or joins a store. */
  if (!tn_application_open_lane (self, &error) &&
      !g_error_matches (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED))
    {
      g_message ("%s", error->message);
      set_problem (self, error->message);
    }
}

static void
tn_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (tn_window_new (TN_APPLICATION (app)));
  gtk_window_present (window);
}

static void
tn_application_shutdown (GApplication *app)
{
  TnApplication *self = TN_APPLICATION (app);

  GList *windows;

  g_cancellable_cancel (self->key_cancellable);
  /* Quitting leaves the windows alive: destroy them so they save their
   * state (and views let go of the store) before the process ends. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (self))) != NULL)
    gtk_window_destroy (GTK_WINDOW (windows->data));
  g_settings_sync ();
  stop_sync_service (self);
  G_APPLICATION_CLASS (tn_application_parent_class)->shutdown (app);
}

static void
tn_application_finalize (GObject *object)
{
  TnApplication *self = TN_APPLICATION (object);

  /* Normally stopped at shutdown; no notifications from here. */
  if (self->sync_service != NULL)
    tn_sync_service_stop (self->sync_service);
  g_clear_object (&self->sync_service);
  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  g_clear_object (&self->store);
  g_clear_pointer (&self->config, tn_config_free);
  g_free (self->data_dir);
  g_free (self->cashier_id);
  g_free (self->cashier_name);
  g_free (self->problem);
  G_OBJECT_CLASS (tn_application_parent_class)->finalize (object);
}

static void
tn_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TnApplication *self = TN_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_CASHIER_ID:
      g_value_set_string (value, self->cashier_id);
      break;
    case PROP_PROBLEM:
      g_value_set_string (value, self->problem);
      break;
    case PROP_SYNC_SERVICE:
      g_value_set_object (value, self->sync_service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_application_class_init (TnApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = tn_application_finalize;
  object_class->get_property = tn_application_get_property;
  app_class->startup = tn_application_startup;
  app_class->activate = tn_application_activate;
  app_class->shutdown = tn_application_shutdown;

  properties[PROP_CASHIER_ID] =
    g_param_spec_string ("cashier-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PROBLEM] =
    g_param_spec_string ("problem", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SYNC_SERVICE] =
    g_param_spec_object ("sync-service", NULL, NULL, TN_TYPE_SYNC_SERVICE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STORE_CHANGED] =
    g_signal_new ("store-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /* Keeps the resource object (and its registering constructor) linked
   * in from the static library. */
  g_resources_register (tn_ui_get_resource ());
}

static void
tn_application_init (TnApplication *self)
{
}

TnApplication *
tn_application_new (const char *data_dir)
{
  TnApplication *self;
  GApplicationFlags flags = G_APPLICATION_DEFAULT_FLAGS;

  /* With an explicit data directory each lane is its own instance (tests
   * and demos run several); the default lane is a single instance. */
  if (data_dir != NULL)
    flags |= G_APPLICATION_NON_UNIQUE;
  self = g_object_new (TN_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", flags,
                       "resource-base-path", "/org/tendero/Tendero",
                       NULL);
  if (data_dir != NULL)
    self->data_dir = g_strdup (data_dir);
  else if (g_getenv ("TENDERO_DATA_DIR") != NULL)
    self->data_dir = g_strdup (g_getenv ("TENDERO_DATA_DIR"));
  else
    self->data_dir = g_build_filename (g_get_user_data_dir (), "tendero", NULL);
  return self;
}

const char *
tn_application_get_data_dir (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->data_dir;
}

TnStore *
tn_application_get_store (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->store;
}

TnSyncService *
tn_application_get_sync_service (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->sync_service;
}

const TnConfig *
tn_application_get_config (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->config;
}

const char *
tn_application_get_cashier_id (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->cashier_id;
}

const char *
tn_application_get_cashier_name (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->cashier_name;
}

gboolean
tn_application_cashier_is_manager (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), FALSE);
  return self->cashier_id != NULL && self->cashier_is_manager;
}

void
tn_application_lock (TnApplication *self)
{
  g_return_if_fail (TN_IS_APPLICATION (self));
  if (self->cashier_id == NULL)
    return;
  set_cashier (self, NULL, NULL, FALSE);
}

void
tn_application_notify_store_changed (TnApplication *self)
{
  g_return_if_fail (TN_IS_APPLICATION (self));
  g_signal_emit (self, signals[STORE_CHANGED], 0);
}

typedef struct
{
  char     *db_path;
  char     *pin;
  char     *id;
  char     *name;
  gboolean  manager;
} LogIn;

static void
log_in_free (gpointer data)
{
  LogIn *log_in = data;

  g_free (log_in->db_path);
  if (log_in->pin != NULL)
    memset (log_in->pin, 0, strlen (log_in->pin));
  g_free (log_in->pin);
  g_free (log_in->id);
  g_free (log_in->name);
  g_free (log_in);
}

static void
log_in_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LogIn *log_in = task_data;
  GError *error = NULL;
  g_autoptr(TnStore) store = tn_store_open (log_in->db_path, TN_STORE_FLAGS_NONE, &error);

  if (store == NULL ||
      (log_in->id = tn_store_check_pin (store, log_in->pin, FALSE, &error)) == NULL ||
      !tn_store_get_employee (store, log_in->id, &log_in->name, &log_in->manager, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
tn_application_log_in_async (TnApplication       *self,
                             const char          *pin,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LogIn *log_in;

  g_return_if_fail (TN_IS_APPLICATION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tn_application_log_in_async);
  if (self->store == NULL)
    {
      g_task_return_new_error (task, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                               _("This lane has no store yet"));
      return;
    }
  log_in = g_new0 (LogIn, 1);
  log_in->db_path = g_strdup (tn_store_get_path (self->store));
  log_in->pin = g_strdup (pin != NULL ? pin : "");
  g_task_set_task_data (task, log_in, log_in_free);
  g_task_run_in_thread (task, log_in_thread);
}

gboolean
tn_application_log_in_finish (TnApplication  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  LogIn *log_in;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  log_in = g_task_get_task_data (G_TASK (result));
  set_cashier (self, log_in->id, log_in->name != NULL ? log_in->name : log_in->id,
               log_in->manager);
  return TRUE;
}

gboolean
tn_application_open_lane (TnApplication  *self,
                          GError        **error)
{
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autofree char *db_path = NULL;

  g_return_val_if_fail (TN_IS_APPLICATION (self), FALSE);
  config = tn_config_load (self->data_dir, error);
  if (config == NULL)
    return FALSE;
  db_path = tn_config_db_path (self->data_dir);
  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, error);
  if (store == NULL)
    return FALSE;
  if (!tn_store_is_initialized (store))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                   _("The lane in %s has no store yet"), self->data_dir);
      return FALSE;
    }
  /* Sales commit on the main thread: SQLite's automatic checkpoint there
   * would copy up to 16 MiB of the sync thread's WAL and flush the disk
   * while the cashier waits. */
  if (!tn_store_checkpoint_in_background (store, error))
    return FALSE;

  stop_sync_service (self);
  g_clear_pointer (&self->config, tn_config_free);
  self->config = g_steal_pointer (&config);
  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_store_committed, self);
  g_set_object (&self->store, store);
  g_signal_connect_object (store, "committed", G_CALLBACK (on_store_committed), self, 0);
  load_key_and_start_sync (self);
  tn_application_notify_store_changed (self);
  return TRUE;
}

gboolean
tn_application_reload_config (TnApplication  *self,
                              GError        **error)
{
  g_autoptr(TnConfig) config = NULL;

  g_return_val_if_fail (TN_IS_APPLICATION (self), FALSE);
  config = tn_config_load (self->data_dir, error);
  if (config == NULL)
    return FALSE;
  stop_sync_service (self);
  g_clear_pointer (&self->config, tn_config_free);
  self->config = g_steal_pointer (&config);
  load_key_and_start_sync (self);
  return TRUE;
}

const char *
tn_application_get_problem (TnApplication *self)
{
  g_return_val_if_fail (TN_IS_APPLICATION (self), NULL);
  return self->problem;
}
