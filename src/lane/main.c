/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "tn-cloud-client.h"
#include "tn-application.h"
#include "tn-config.h"
#include "tn-sync-auth.h"
#include "tn-sync-service.h"

/* `tendero`: a checkout lane.  Without options it runs the checkout
 * application (TnApplication).  `--headless` runs the lane's sync service
 * only (DESIGN §7), with no display (GTK is never initialised on that
 * path), logging to stderr, until SIGTERM or SIGINT. */

typedef struct
{
  GMainLoop *loop;
  int        status;
} Lane;

static GLogWriterOutput
log_to_stderr (GLogLevelFlags   level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = NULL;
  g_autofree char *text = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  text = g_log_writer_format_fields (level, fields, n_fields, isatty (STDERR_FILENO));
  fprintf (stderr, "%s\n", text);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Lane *lane = user_data;

  g_message (_("Stopping"));
  g_main_loop_quit (lane->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_app_quit_signal (gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_CONTINUE;
}

static void
on_state_changed (TnSyncService *service,
                  guint          state,
                  const char    *message,
                  gpointer       user_data)
{
  Lane *lane = user_data;

  if (state == TN_SYNC_STATE_FAILED)
    {
      g_printerr (_("tendero: lane sync cannot run: %s\n"), message);
      lane->status = 1;
      g_main_loop_quit (lane->loop);
    }
}

static void
on_peer_changed (TnSyncService *service,
                 const char    *peer,
                 const char    *terminal,
                 const char    *state,
                 gpointer       user_data)
{
  g_message (_("Peer %s%s%s: %s"), peer, terminal ? _(", terminal ") : "",
             terminal ? terminal : "", state);
}

static void
on_conflict_detected (TnSyncService *service,
                      gint64         open_conflicts,
                      gpointer       user_data)
{
  g_message (_("%" PRId64 " conflicts wait for a manager"), open_conflicts);
}

static void
on_fiscal_alert (TnSyncService *service,
                 guint          priority,
                 gint64         count,
                 gpointer       user_data)
{
  g_message (_("Fiscal alert: %" PRId64 " unacknowledged urgent alerts"), count);
}

static void
on_cloud_changed (TnSyncService *service,
                  gpointer       user_data)
{
  const TnCloudStatus *cloud = tn_sync_service_get_cloud_status (service);

  if (cloud != NULL)
    g_debug ("Hub %s: %s, breaker %s, %" PRId64 " events waiting", cloud->url, cloud->state,
             cloud->breaker, cloud->pending);
}

static int
run_headless (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(GBytes) key = NULL;
  g_autofree char *hub_key = NULL;
  g_autoptr(TnSyncService) service = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Lane lane = { loop, 0 };
  guint term_id, int_id;

  config = tn_config_load (data_dir, &error);
  if (config == NULL)
    {
      g_printerr ("tendero: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; config->unknown_settings && config->unknown_settings[i]; i++)
    {
      g_autofree char *path = tn_config_file_path (data_dir);

      g_message (_("%s: unknown setting %s is ignored: check its spelling"), path,
                 config->unknown_settings[i]);
    }
  key = tn_sync_auth_load_key (config->store_key_file, &error);
  if (key == NULL)
    {
      g_printerr (_("tendero: no store key: %s\n"), error->message);
      return 1;
    }

  /* A lane without its hub key still sells and syncs with its peers;
   * the cloud state says what is missing. */
  if (config->hub_url != NULL)
    {
      hub_key = tn_cloud_load_key (config->hub_key_file, &error);
      if (hub_key == NULL)
        {
          g_message (_("Not uploading to the hub %s: %s"), config->hub_url, error->message);
          g_clear_error (&error);
        }
    }

  service = tn_sync_service_new (data_dir, key);
  tn_sync_service_set_hub_key (service, hub_key);
  g_signal_connect (service, "cloud-changed", G_CALLBACK (on_cloud_changed), &lane);
  g_signal_connect (service, "state-changed", G_CALLBACK (on_state_changed), &lane);
  g_signal_connect (service, "peer-changed", G_CALLBACK (on_peer_changed), &lane);
  g_signal_connect (service, "conflict-detected", G_CALLBACK (on_conflict_detected), &lane);
  g_signal_connect (service, "fiscal-alert", G_CALLBACK (on_fiscal_alert), &lane);
  if (!tn_sync_service_start (service, &error))
    {
      g_printerr ("tendero: %s\n", error->message);
      return 1;
    }

  term_id = g_unix_signal_add (SIGTERM, on_quit_signal, &lane);
  int_id = g_unix_signal_add (SIGINT, on_quit_signal, &lane);
  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);

  tn_sync_service_stop (service);
  g_signal_handlers_disconnect_by_data (service, &lane);
  return lane.status;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  gboolean headless = FALSE;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("The lane’s data directory (default: $TENDERO_DATA_DIR)"), N_("DIR") },
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless,
      N_("Run the sync service only, with no window"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* TENDERO_LOCALEDIR: the UI tests and `build-aux/dev run` use the
   * catalogues in the build tree, as tendero-ctl does. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("TENDERO_LOCALEDIR") ? g_getenv ("TENDERO_LOCALEDIR")
                                                                   : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("tendero");
  g_log_set_writer_func (log_to_stderr, NULL, NULL);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("A checkout lane of Tendero."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tendero: %s\n", error->message);
      return 2;
    }
  if (!headless)
    {
      g_autoptr(TnApplication) app = tn_application_new (data_dir);
      char *app_argv[] = { argv[0], NULL };
      guint term_id, int_id;
      int status;

      /* SIGTERM (a session ending, a test stopping the lane) quits like
       * Ctrl+Q: the sync service stops cleanly. */
      term_id = g_unix_signal_add (SIGTERM, on_app_quit_signal, app);
      int_id = g_unix_signal_add (SIGINT, on_app_quit_signal, app);
      /* The options are parsed above; GApplication sees none. */
      status = g_application_run (G_APPLICATION (app), 1, app_argv);
      g_source_remove (term_id);
      g_source_remove (int_id);
      return status;
    }
  if (data_dir == NULL)
    data_dir = g_strdup (g_getenv ("TENDERO_DATA_DIR"));
  if (data_dir == NULL)
    {
      g_printerr (_("tendero: which lane? Pass --data-dir DIR (or set TENDERO_DATA_DIR).\n"));
      return 2;
    }
  return run_headless (data_dir);
}
