/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-lane-harness.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tn-test-util.h"

const char *
tn_lane_program (const char *variable)
{
  const char *path = g_getenv (variable);

  if (path == NULL)
    g_error ("Set %s to the built binary", variable);
  return path;
}

guint
tn_lane_free_port (void)
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

void
tn_lane_write_key (const char *path)
{
  g_autofree char *hex = NULL;
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < 32; i++)
    g_string_append_printf (text, "%02x", (guint) g_random_int_range (0, 256));
  hex = g_string_free (text, FALSE);
  g_file_set_contents_full (path, hex, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
}

void
tn_lane_child_setup (gpointer data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

void
tn_lane_setenv (TnLane     *lane,
                const char *variable,
                const char *value)
{
  if (lane->env == NULL)
    lane->env = g_get_environ ();
  lane->env = g_environ_setenv (lane->env, variable, value, TRUE);
}

static char *
ctl_argv (TnLane     *lane,
          const char *first,
          va_list     args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  int status;

  g_ptr_array_add (argv, (char *) tn_lane_program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, lane->dir);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, lane->env, G_SPAWN_DEFAULT, tn_lane_child_setup,
                NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tendero-ctl %s on %s failed: %s", first, lane->terminal, err);
  return g_steal_pointer (&out);
}

char *
tn_lane_ctl (TnLane     *lane,
             const char *first,
             ...)
{
  va_list args;
  char *out;

  va_start (args, first);
  out = ctl_argv (lane, first, args);
  va_end (args);
  return out;
}

int
tn_lane_ctl_run (TnLane             *lane,
                 const char  *const *args,
                 char              **out,
                 char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (char *) tn_lane_program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, lane->dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, lane->env, G_SPAWN_DEFAULT, tn_lane_child_setup,
                NULL, &stdout_text, &stderr_text, &status, &error);
  g_assert_no_error (error);
  /* A crash, or an abort on a critical under fatal-warnings, is never an
   * acceptable way to refuse. */
  if (!WIFEXITED (status) || strstr (stderr_text, "CRITICAL") != NULL)
    g_error ("tendero-ctl %s on %s crashed: %s", args[0], lane->terminal, stderr_text);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return WEXITSTATUS (status);
}

JsonObject *
tn_lane_ctl_json (TnLane     *lane,
                  const char *first,
                  ...)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *args[6] = { first, NULL };
  va_list ap;

  va_start (ap, first);
  for (guint i = 1; i < G_N_ELEMENTS (args) - 1; i++)
    if ((args[i] = va_arg (ap, const char *)) == NULL)
      break;
  va_end (ap);
  out = tn_lane_ctl (lane, args[0], args[1], args[2], args[3], args[4], NULL);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
tn_lane_init (TnLaneFixture *fixture,
              guint          index,
              const char    *key_file,
              gboolean       authority,
              int            peer_index)
{
  TnLane *lane = &fixture->lanes[index];
  g_autofree char *port = NULL;
  g_autofree char *peer = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  lane->terminal = g_strdup_printf ("L%u", index + 1);
  lane->dir = g_build_filename (fixture->root, lane->terminal, NULL);
  port = g_strdup_printf ("%u", lane->port);
  peer = g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync",
                          fixture->lanes[peer_index].port);
  out = tn_lane_ctl (lane, "init", "--store", "S", "--terminal", lane->terminal, "--port",
                     port, "--peer", peer, "--store-key-file", key_file,
                     authority ? "--fiscal-authority" : NULL, NULL);

  /* Reconnect faster than a real store would, to keep the tests short. */
  config = g_build_filename (lane->dir, "config.ini", NULL);
  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "lane", "sync-backoff-base-ms", 200);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
  fixture->n_lanes = MAX (fixture->n_lanes, index + 1);
}

void
tn_lane_start (TnLane *lane)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *log = g_strdup_printf ("%s.log", lane->dir);
  g_autoptr(GError) error = NULL;
  int fd = g_open (log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_null (lane->process);
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  g_subprocess_launcher_set_child_setup (launcher, tn_lane_child_setup, NULL, NULL);
  if (lane->env != NULL)
    g_subprocess_launcher_set_environ (launcher, lane->env);
  lane->process = g_subprocess_launcher_spawn (launcher, &error,
                                               tn_lane_program ("TN_LANE"),
                                               "--data-dir", lane->dir, "--headless", NULL);
  g_assert_no_error (error);
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
tn_lane_stop (TnLane *lane,
              gint64  limit_us)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + limit_us;
  int status = -1;

  if (lane->process == NULL)
    return 0;
  g_main_context_push_thread_default (context);
  g_subprocess_send_signal (lane->process, SIGTERM);
  g_subprocess_wait_async (lane->process, NULL, wait_done_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (2000);
    }
  if (!done)
    {
      g_subprocess_force_exit (lane->process);
      while (!done)
        g_main_context_iteration (context, TRUE);
    }
  else if (g_subprocess_get_if_exited (lane->process))
    status = g_subprocess_get_exit_status (lane->process);
  g_main_context_pop_thread_default (context);
  g_clear_object (&lane->process);
  return status;
}

void
tn_lane_kill (TnLane *lane)
{
  if (lane->process == NULL)
    return;
  g_subprocess_force_exit (lane->process);
  g_subprocess_wait (lane->process, NULL, NULL);
  g_clear_object (&lane->process);
}

void
tn_lane_fixture_setup (TnLaneFixture *fixture,
                       gconstpointer  data)
{
  fixture->root = tn_test_mkdtemp ();
  fixture->key_file = g_build_filename (fixture->root, "store.key", NULL);
  fixture->bad_key_file = g_build_filename (fixture->root, "wrong.key", NULL);
  tn_lane_write_key (fixture->key_file);
  tn_lane_write_key (fixture->bad_key_file);
  for (guint i = 0; i < G_N_ELEMENTS (fixture->lanes); i++)
    fixture->lanes[i].port = tn_lane_free_port ();
}

void
tn_lane_print_log (TnLane *lane)
{
  g_autofree char *log = g_strdup_printf ("%s.log", lane->dir);
  g_autofree char *text = NULL;

  if (g_file_get_contents (log, &text, NULL, NULL))
    g_test_message ("%s log:\n%s", lane->terminal, text);
}

void
tn_lane_fixture_teardown (TnLaneFixture *fixture,
                          gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->lanes); i++)
    {
      TnLane *lane = &fixture->lanes[i];
      gboolean running = lane->process != NULL;
      int status = tn_lane_stop (lane, TN_LANE_STOP_LIMIT_US);

      /* A clean stop (and, under ASan, no leak). */
      if (running && !g_test_failed ())
        g_assert_cmpint (status, ==, 0);
      if (g_test_failed () && lane->dir != NULL)
        tn_lane_print_log (lane);
      g_free (lane->dir);
      g_free (lane->terminal);
      g_strfreev (lane->env);
    }
  tn_test_rmdir (fixture->root);
  g_free (fixture->root);
  g_free (fixture->key_file);
  g_free (fixture->bad_key_file);
}

void
tn_lane_start_ring (TnLaneFixture *fixture)
{
  tn_lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  tn_lane_init (fixture, 1, fixture->key_file, FALSE, 2);
  tn_lane_init (fixture, 2, fixture->key_file, FALSE, 0);
  for (guint i = 0; i < 3; i++)
    tn_lane_start (&fixture->lanes[i]);
}

char *
tn_lane_vv_text (JsonObject *status)
{
  JsonNode *vv = json_object_get_member (status, "vv");

  return json_to_string (vv, FALSE);
}

void
tn_lane_wait_converged (TnLaneFixture *fixture,
                        guint          n,
                        gint64         timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  g_autofree char *last = NULL;

  while (TRUE)
    {
      g_autofree char *first_vv = NULL;
      g_autofree char *first_digest = NULL;
      gboolean same = TRUE;

      for (guint i = 0; i < n && same; i++)
        {
          g_autoptr(JsonObject) status = tn_lane_ctl_json (&fixture->lanes[i], "status",
                                                           "--json", NULL);
          g_autofree char *vv = tn_lane_vv_text (status);
          const char *digest = json_object_get_string_member (status, "digest");

          if (json_object_get_int_member (status, "held_back") != 0)
            same = FALSE;
          else if (first_vv == NULL)
            {
              first_vv = g_steal_pointer (&vv);
              first_digest = g_strdup (digest);
            }
          else if (!g_str_equal (vv, first_vv) || !g_str_equal (digest, first_digest))
            {
              g_free (last);
              last = g_strdup_printf ("%s: %s %s vs %s %s", fixture->lanes[i].terminal, vv,
                                      digest, first_vv, first_digest);
              same = FALSE;
            }
        }
      if (same)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          for (guint i = 0; i < n; i++)
            tn_lane_print_log (&fixture->lanes[i]);
          g_error ("Lanes did not converge within %" G_GINT64_FORMAT " s (%s)",
                   timeout_us / G_USEC_PER_SEC, last ? last : "held back");
        }
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
}

gint64
tn_lane_status_int (TnLane     *lane,
                    const char *object,
                    const char *member)
{
  g_autoptr(JsonObject) status = tn_lane_ctl_json (lane, "status", "--json", NULL);

  if (object != NULL)
    return json_object_get_int_member (json_object_get_object_member (status, object),
                                       member);
  return json_object_get_int_member (status, member);
}

JsonObject *
tn_lane_read_peers (TnLane *lane)
{
  g_autofree char *path = g_build_filename (lane->dir, "peers.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
tn_lane_sell (TnLane     *lane,
              const char *sku,
              guint       times)
{
  for (guint i = 0; i < times; i++)
    g_free (tn_lane_ctl (lane, "sell", "--sku", sku, "--json", NULL));
}

/* Waits until `status --json` shows @lane with an unused store number. */
void
tn_lane_wait_fiscal_numbers (TnLane *lane)
{
  gint64 deadline = g_get_monotonic_time () + TN_LANE_CONVERGE_TIMEOUT_US;

  while (tn_lane_status_int (lane, "fiscal", "unused") == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
}

void
tn_lane_require_binaries (void)
{
  if (g_getenv ("TN_LANE") == NULL || g_getenv ("TN_CTL") == NULL)
    g_error ("TN_LANE and TN_CTL must name the built tendero and tendero-ctl "
             "(run the test through meson test)");
}
