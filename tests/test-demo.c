/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

/* `build-aux/dev demo` (build-aux/demo.py on this build): it must finish,
 * say that the lanes converged, name the conflict with both candidate
 * prices and the command that resolves it, show it closed everywhere,
 * hold the hub to the same events, and leave no temporary directory
 * behind — also when interrupted with Ctrl+C or killed. */

static const char *
demo_script (void)
{
  const char *script = g_getenv ("TN_DEMO");

  if (script == NULL || g_getenv ("TN_BUILD_DIR") == NULL)
    g_error ("TN_DEMO and TN_BUILD_DIR must be set (run the test through meson test)");
  if (!g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE))
    g_error ("The demo needs /usr/bin/python3: install the Debian package python3");
  return script;
}

/* If this test dies (a timeout), the demo gets SIGTERM and cleans up. */
static void
term_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The temporary directory the demo announced on its first line. */
static char *
demo_dir (const char *out)
{
  const char *start = strstr (out, "Tendero demo in ");
  const char *end;

  g_assert_nonnull (start);
  start += strlen ("Tendero demo in ");
  end = strchr (start, '\n');
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

/* How many processes name @dir on their command line: lanes, the hub
 * and PostgreSQL the demo left behind. */
static guint
processes_in (const char *dir)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize length;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i + 1 < length; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (strstr (cmdline, dir) != NULL)
        {
          g_test_message ("Left behind: %s", cmdline);
          n++;
        }
    }
  return n;
}

static void
test_demo_runs (void)
{
  const char *argv[] = { "/usr/bin/python3", demo_script (), "--build-dir",
                         g_getenv ("TN_BUILD_DIR"), NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, term_with_parent, NULL, &out,
                &err, &status, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  g_assert_nonnull (strstr (out, "Converged: every lane has the same events"));
  g_assert_nonnull (strstr (out, "COFFEE-250/price: the price of COFFEE-250"));
  g_assert_nonnull (strstr (out, "4.75 from L1, 4.95 from L3"));
  g_assert_nonnull (strstr (out, "conflicts resolve COFFEE-250/price --value 4.85"));
  g_assert_nonnull (strstr (out, "Resolved COFFEE-250/price: 4.85"));
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *line = g_strdup_printf ("L%u sells COFFEE-250 at 4.85\n", i);

      g_assert_nonnull (strstr (out, line));
    }
  /* PostgreSQL is a dependency of the build (build-aux/dev deps): the
   * demo must have run the hub. */
  if (strstr (out, "PostgreSQL is not installed") != NULL)
    g_error ("The demo ran without a hub: install the Debian package postgresql");
  g_assert_nonnull (strstr (out, "events — the same as every lane"));
  g_assert_nonnull (strstr (out, "the conflict is closed on every lane"));

  dir = demo_dir (out);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (processes_in (dir), ==, 0);
}

static gboolean
line_seen (GDataInputStream *in,
           const char       *fragment,
           GString          *seen)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        return FALSE;
      g_string_append_printf (seen, "%s\n", line);
      if (strstr (line, fragment) != NULL)
        return TRUE;
    }
}

/* Starts the demo and reads its output (into @seen) up to the line
 * that contains @fragment; *@in is the rest of its output. */
static GSubprocess *
start_demo_until (const char        *fragment,
                  GString           *seen,
                  GDataInputStream **in)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *demo;

  g_subprocess_launcher_set_child_setup (launcher, term_with_parent, NULL, NULL);
  demo = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", demo_script (),
                                      "--build-dir", g_getenv ("TN_BUILD_DIR"), NULL);
  g_assert_no_error (error);
  *in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (demo));
  g_assert_true (line_seen (*in, fragment, seen));
  return demo;
}

/* Ctrl+C in the middle (lanes, hub and PostgreSQL running): exit 130,
 * the directory gone, no lane left listening in it. */
static void
test_demo_interrupted (void)
{
  g_autoptr(GSubprocess) demo = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *dir = NULL;

  demo = start_demo_until ("Cutting L3 off", seen, &in);
  g_subprocess_send_signal (demo, SIGINT);
  rest = g_data_input_stream_read_upto (in, "\x01", 1, NULL, NULL, NULL);
  g_subprocess_wait (demo, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", seen->str, rest ? rest : "");

  g_assert_true (g_subprocess_get_if_exited (demo));
  g_assert_cmpint (g_subprocess_get_exit_status (demo), ==, 130);
  g_assert_nonnull (rest);
  g_assert_nonnull (strstr (rest, "Interrupted: stopping everything."));
  dir = demo_dir (seen->str);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (processes_in (dir), ==, 0);
}

/* kill -9 in the middle: nothing can clean up in the demo itself, yet
 * its lanes and hub die with it and a guard stops PostgreSQL and removes
 * the directory. */
static void
test_demo_killed (void)
{
  g_autoptr(GSubprocess) demo = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  gint64 deadline;

  demo = start_demo_until ("Cutting L3 off", seen, &in);
  g_test_message ("%s", seen->str);
  dir = demo_dir (seen->str);
  g_subprocess_force_exit (demo);
  g_subprocess_wait (demo, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (demo));

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (processes_in (dir) > 0 || g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("30 s after kill -9 the demo's processes or %s are still there", dir);
      g_usleep (100 * 1000);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo/runs", test_demo_runs);
  g_test_add_func ("/demo/interrupted", test_demo_interrupted);
  g_test_add_func ("/demo/killed", test_demo_killed);
  return g_test_run ();
}
