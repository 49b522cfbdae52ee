/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-pg-harness.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <libsoup/soup.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define PG_DEFAULT_BINDIR "/usr/lib/postgresql/15/bin"
#define HUB_START_TIMEOUT_US (30 * G_USEC_PER_SEC)

static void
child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

/* Servers still running, so that a failed assertion (abort) does not
 * leave them behind: SIGQUIT is PostgreSQL's immediate shutdown and
 * kill() is safe in a signal handler. */
#define MAX_CLUSTERS 16
static volatile pid_t running_postmasters[MAX_CLUSTERS];

static void
crash_handler (int sig)
{
  for (guint i = 0; i < MAX_CLUSTERS; i++)
    if (running_postmasters[i] > 0)
      kill (running_postmasters[i], SIGQUIT);
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
track_postmaster (const char *data_dir,
                  gboolean    running)
{
  static gsize handlers_installed = 0;
  g_autofree char *pid_file = g_build_filename (data_dir, "postmaster.pid", NULL);
  g_autofree char *text = NULL;
  pid_t pid;

  if (g_once_init_enter (&handlers_installed))
    {
      signal (SIGABRT, crash_handler);
      signal (SIGTRAP, crash_handler);
      signal (SIGSEGV, crash_handler);
      g_once_init_leave (&handlers_installed, 1);
    }
  if (!g_file_get_contents (pid_file, &text, NULL, NULL))
    return;
  pid = (pid_t) g_ascii_strtoll (text, NULL, 10);
  for (guint i = 0; i < MAX_CLUSTERS; i++)
    if (running ? running_postmasters[i] == 0 : running_postmasters[i] == pid)
      {
        running_postmasters[i] = running ? pid : 0;
        break;
      }
}

static const char *
pg_bindir (void)
{
  const char *dir = g_getenv ("TN_PG_BINDIR");

  return dir != NULL ? dir : PG_DEFAULT_BINDIR;
}

static char *
pg_program (const char *name)
{
  char *path = g_build_filename (pg_bindir (), name, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("%s not found: install the Debian packages postgresql-15 and libpq-dev "
             "(build-aux/dev deps) or set TN_PG_BINDIR", path);
  return path;
}

static const char *
env_program (const char *variable)
{
  const char *path = g_getenv (variable);

  if (path == NULL || *path == '\0')
    g_error ("Set %s (tests/meson.build does it for meson test)", variable);
  return path;
}

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* Runs a PostgreSQL tool, as the postgres user when we are root (the
 * server refuses to run as root). */
static void
run_pg_tool (const char *const *args,
             const char        *what)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (getuid () == 0)
    {
      g_ptr_array_add (argv, "runuser");
      g_ptr_array_add (argv, "-u");
      g_ptr_array_add (argv, "postgres");
      g_ptr_array_add (argv, "--");
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* pg_ctl start leaves the server running with our pipes open unless
   * its output goes to a file: callers pass -l. */
  g_spawn_sync ("/", (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, child_setup, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s%s", what, out, err);
}

static void
chown_to_postgres (const char *path)
{
  struct passwd *pw;

  if (getuid () != 0)
    return;
  pw = getpwnam ("postgres");
  if (pw == NULL)
    g_error ("No “postgres” user: install the Debian package postgresql-15 "
             "(build-aux/dev deps)");
  if (chown (path, pw->pw_uid, pw->pw_gid) != 0)
    g_error ("Cannot give %s to the postgres user: %s", path, g_strerror (errno));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;

      while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

          if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
            remove_tree (child);
          else
            g_unlink (child);
          g_object_unref (info);
        }
    }
  g_rmdir (path);
}

TnPgCluster *
tn_pg_cluster_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *initdb = pg_program ("initdb");
  g_autofree char *pg_ctl = pg_program ("pg_ctl");
  g_autofree char *log_path = NULL;
  g_autofree char *options = NULL;
  TnPgCluster *cluster = g_new0 (TnPgCluster, 1);

  cluster->dir = g_dir_make_tmp ("tendero-pg-XXXXXX", &error);
  g_assert_no_error (error);
  chown_to_postgres (cluster->dir);
  cluster->data_dir = g_build_filename (cluster->dir, "data", NULL);
  cluster->socket_dir = g_build_filename (cluster->dir, "sock", NULL);
  g_mkdir (cluster->socket_dir, 0700);
  chown_to_postgres (cluster->socket_dir);
  log_path = g_build_filename (cluster->dir, "server.log", NULL);

  {
    const char *args[] = { initdb, "-D", cluster->data_dir, "-U", "postgres",
                           "--auth=trust", "--encoding=UTF8", "--locale=C",
                           "--no-sync", NULL };
    run_pg_tool (args, "initdb");
  }

  /* A port may be taken between our probe and the server's bind; try a
   * few. */
  for (guint attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      cluster->port = free_port ();
      g_free (options);
      options = g_strdup_printf ("-k %s -p %u -c listen_addresses=127.0.0.1 "
                                 "-c fsync=off -c synchronous_commit=off "
                                 "-c full_page_writes=off -c max_connections=200",
                                 cluster->socket_dir, cluster->port);
      if (getuid () == 0)
        {
          g_ptr_array_add (argv, "runuser");
          g_ptr_array_add (argv, "-u");
          g_ptr_array_add (argv, "postgres");
          g_ptr_array_add (argv, "--");
        }
      g_ptr_array_add (argv, pg_ctl);
      g_ptr_array_add (argv, "start");
      g_ptr_array_add (argv, "-w");
      g_ptr_array_add (argv, "-t");
      g_ptr_array_add (argv, "60");
      g_ptr_array_add (argv, "-D");
      g_ptr_array_add (argv, cluster->data_dir);
      g_ptr_array_add (argv, "-l");
      g_ptr_array_add (argv, log_path);
      g_ptr_array_add (argv, "-o");
      g_ptr_array_add (argv, options);
      g_ptr_array_add (argv, NULL);
      g_spawn_sync ("/", (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                    &out, &err, &status, &error);
      g_assert_no_error (error);
      if (g_spawn_check_wait_status (status, NULL))
        {
          track_postmaster (cluster->data_dir, TRUE);
          cluster->conninfo = g_strdup_printf ("postgresql:///postgres?host=%s&port=%u"
                                               "&user=postgres",
                                               cluster->socket_dir, cluster->port);
          return cluster;
        }
      g_test_message ("pg_ctl start failed (attempt %u): %s%s", attempt + 1, out, err);
    }
  {
    g_autofree char *log = NULL;
    g_file_get_contents (log_path, &log, NULL, NULL);
    g_error ("PostgreSQL did not start in %s: %s", cluster->dir, log ? log : "");
  }
  return NULL;
}

void
tn_pg_cluster_stop (TnPgCluster *cluster)
{
  g_autofree char *pg_ctl = NULL;

  if (cluster == NULL)
    return;
  pg_ctl = pg_program ("pg_ctl");
  track_postmaster (cluster->data_dir, FALSE);
  {
    const char *args[] = { pg_ctl, "stop", "-m", "immediate", "-w", "-D", cluster->data_dir,
                           NULL };
    run_pg_tool (args, "pg_ctl stop");
  }
  remove_tree (cluster->dir);
  g_free (cluster->dir);
  g_free (cluster->data_dir);
  g_free (cluster->socket_dir);
  g_free (cluster->conninfo);
  g_free (cluster);
}

char *
tn_pg_query (TnPgCluster *cluster,
             const char  *sql)
{
  PGconn *conn = PQconnectdb (cluster->conninfo);
  PGresult *result;
  char *value = NULL;

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test cluster: %s", PQerrorMessage (conn));
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK && PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  if (PQresultStatus (result) == PGRES_TUPLES_OK && PQntuples (result) > 0 &&
      !PQgetisnull (result, 0, 0))
    value = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  PQfinish (conn);
  return value;
}

gint64
tn_pg_query_int (TnPgCluster *cluster,
                 const char  *sql)
{
  g_autofree char *text = tn_pg_query (cluster, sql);

  return text != NULL ? g_ascii_strtoll (text, NULL, 10) : 0;
}

static GPtrArray *
hub_argv (TnPgCluster *cluster)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) env_program ("TN_HUB"));
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, cluster->conninfo);
  g_ptr_array_add (argv, "--migrations-dir");
  g_ptr_array_add (argv, (char *) env_program ("TN_HUB_MIGRATIONS"));
  return argv;
}

char *
tn_hub_run (TnPgCluster  *cluster,
            char        **err_out,
            int          *exit_status,
            const char   *first,
            ...)
{
  g_autoptr(GPtrArray) argv = hub_argv (cluster);
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  char *err = NULL;
  int status;
  va_list args;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, child_setup, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  if (err_out != NULL)
    *err_out = err;
  else
    g_free (err);
  return out;
}

char *
tn_hub_create_key (TnPgCluster *cluster,
                   const char  *store)
{
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  int status;

  out = tn_hub_run (cluster, &err, &status, "keys", "create", "--store", store, NULL);
  if (status != 0)
    g_error ("tendero-hub keys create failed: %s", err);
  return g_strdup (g_strstrip (out));
}

char *
tn_hub_request (TnHubProcess *hub,
                const char   *method,
                const char   *path,
                const char   *key,
                const char   *body,
                gssize        body_length,
                gboolean      gzip,
                guint        *status)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autofree char *url = g_strconcat (hub->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  if (key != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", key, NULL);
      soup_message_headers_replace (headers, "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = NULL;

      if (body_length < 0)
        body_length = strlen (body);
      if (gzip)
        {
          g_autoptr(GZlibCompressor) compressor =
            g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
          g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
          g_autoptr(GOutputStream) out =
            g_converter_output_stream_new (memory, G_CONVERTER (compressor));

          g_output_stream_write_all (out, body, body_length, NULL, NULL, &error);
          g_assert_no_error (error);
          g_output_stream_close (out, NULL, &error);
          g_assert_no_error (error);
          bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
          soup_message_headers_replace (headers, "Content-Encoding", "gzip");
        }
      else
        bytes = g_bytes_new (body, body_length);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  return g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
}

TnHubProcess *
tn_hub_spawn (TnPgCluster        *cluster,
              const char *const  *extra_args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = hub_argv (cluster);
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = NULL;
  TnHubProcess *hub = g_new0 (TnHubProcess, 1);
  int fd;

  hub->port = free_port ();
  hub->base_url = g_strdup_printf ("http://127.0.0.1:%u", hub->port);
  hub->log_path = g_strdup_printf ("%s/hub-%u.log", cluster->dir, hub->port);
  listen = g_strdup_printf ("127.0.0.1:%u", hub->port);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, listen);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  fd = g_open (hub->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  hub->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                               &error);
  g_assert_no_error (error);
  return hub;
}

void
tn_hub_wait_healthy (TnHubProcess *hub)
{
  gint64 deadline = g_get_monotonic_time () + HUB_START_TIMEOUT_US;

  while (TRUE)
    {
      g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
      g_autofree char *url = g_strconcat (hub->base_url, "/healthz", NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

      if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
        return;
      if (g_subprocess_get_identifier (hub->process) == NULL ||
          g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = NULL;
          g_file_get_contents (hub->log_path, &log, NULL, NULL);
          g_error ("tendero-hub did not become healthy on port %u: %s", hub->port,
                   log ? log : "");
        }
      g_usleep (50 * 1000);
    }
}

TnHubProcess *
tn_hub_start_full (TnPgCluster        *cluster,
                   const char *const  *extra_args)
{
  TnHubProcess *hub = tn_hub_spawn (cluster, extra_args);

  tn_hub_wait_healthy (hub);
  return hub;
}

TnHubProcess *
tn_hub_start (TnPgCluster *cluster)
{
  return tn_hub_start_full (cluster, NULL);
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

int
tn_hub_stop (TnHubProcess *hub)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gboolean done = FALSE;
  int status = -1;

  if (hub == NULL)
    return 0;
  g_main_context_push_thread_default (context);
  g_subprocess_send_signal (hub->process, SIGTERM);
  g_subprocess_wait_async (hub->process, NULL, wait_done_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, FALSE) || (g_usleep (10 * 1000), TRUE);
  if (!done)
    {
      g_subprocess_force_exit (hub->process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }
  else if (g_subprocess_get_if_exited (hub->process))
    status = g_subprocess_get_exit_status (hub->process);
  g_main_context_pop_thread_default (context);

  g_object_unref (hub->process);
  g_free (hub->base_url);
  g_free (hub->log_path);
  g_free (hub);
  return status;
}

JsonNode *
tn_hub_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("Not JSON (%s): %.200s", error->message, text);
  return json_node_copy (json_parser_get_root (parser));
}
