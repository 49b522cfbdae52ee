/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-bench-lane.h"

#include "tn-bench-util.h"
#include "tn-operations.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
program (const char *variable)
{
  const char *path = g_getenv (variable);

  if (path == NULL)
    {
      fprintf (stderr, "Set %s to the built program (meson benchmark does it)\n", variable);
      exit (1);
    }
  return path;
}

guint
tn_bench_port_base (void)
{
  return 40000 + 10 * (guint) (getpid () % 2000);
}

char *
tn_bench_peer_url (guint port)
{
  return g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync", port);
}

char *
tn_bench_write_key (const char *root)
{
  char *path = g_build_filename (root, "store.key", NULL);
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < 32; i++)
    g_string_append_printf (text, "%02x", (guint) g_random_int_range (0, 256));
  if (!g_file_set_contents_full (path, text->str, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    {
      fprintf (stderr, "Cannot write %s: %s\n", path, error->message);
      exit (1);
    }
  g_string_free (text, TRUE);
  return path;
}

static char *
run_ctl (TnBenchLane         *lane,
         const char * const  *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status;

  g_ptr_array_add (argv, (char *) program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, lane->dir);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                     &err, &status, &error))
    {
      fprintf (stderr, "Cannot run tendero-ctl: %s\n", error->message);
      exit (1);
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      fprintf (stderr, "tendero-ctl %s on %s failed: %s\n", args[0], lane->terminal, err);
      exit (1);
    }
  return out;
}

char *
tn_bench_ctl (TnBenchLane *lane,
              const char  *first,
              ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  return run_ctl (lane, (const char * const *) args->pdata);
}

JsonObject *
tn_bench_lane_status (TnBenchLane *lane)
{
  g_autofree char *out = tn_bench_ctl (lane, "status", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, out, -1, &error))
    {
      fprintf (stderr, "tendero-ctl status printed no JSON: %s\n", error->message);
      exit (1);
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

void
tn_bench_lane_init (TnBenchLane         *lane,
                    const char          *root,
                    const char          *terminal,
                    guint                port,
                    const char * const  *peer_urls,
                    const char          *key_file,
                    gboolean             fiscal_authority)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;

  lane->terminal = g_strdup (terminal);
  lane->dir = g_build_filename (root, terminal, NULL);
  lane->port = port;

  g_ptr_array_add (args, g_strdup ("init"));
  g_ptr_array_add (args, g_strdup ("--store"));
  g_ptr_array_add (args, g_strdup ("bench-store"));
  g_ptr_array_add (args, g_strdup ("--terminal"));
  g_ptr_array_add (args, g_strdup (terminal));
  g_ptr_array_add (args, g_strdup ("--port"));
  g_ptr_array_add (args, g_strdup_printf ("%u", port));
  g_ptr_array_add (args, g_strdup ("--store-key-file"));
  g_ptr_array_add (args, g_strdup (key_file));
  for (guint i = 0; peer_urls != NULL && peer_urls[i] != NULL; i++)
    {
      g_ptr_array_add (args, g_strdup ("--peer"));
      g_ptr_array_add (args, g_strdup (peer_urls[i]));
    }
  if (fiscal_authority)
    g_ptr_array_add (args, g_strdup ("--fiscal-authority"));
  g_ptr_array_add (args, NULL);
  g_free (run_ctl (lane, (const char * const *) args->pdata));

  config = g_build_filename (lane->dir, "config.ini", NULL);
  if (!g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error))
    {
      fprintf (stderr, "Cannot read %s: %s\n", config, error->message);
      exit (1);
    }
  g_key_file_set_integer (keyfile, "lane", "sync-backoff-base-ms", 200);
  if (!g_key_file_save_to_file (keyfile, config, &error))
    {
      fprintf (stderr, "Cannot write %s: %s\n", config, error->message);
      exit (1);
    }
}

char *
tn_bench_lane_db_path (TnBenchLane *lane)
{
  return g_build_filename (lane->dir, "tendero.db", NULL);
}

void
tn_bench_lane_start (TnBenchLane *lane)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *log = g_strdup_printf ("%s.log", lane->dir);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  lane->process = g_subprocess_launcher_spawn (launcher, &error, program ("TN_LANE"),
                                               "--data-dir", lane->dir, "--headless", NULL);
  if (lane->process == NULL)
    {
      fprintf (stderr, "Cannot start lane %s: %s\n", lane->terminal, error->message);
      exit (1);
    }
}

int
tn_bench_lane_stop (TnBenchLane *lane)
{
  int status = -1;

  if (lane->process == NULL)
    return 0;
  g_subprocess_send_signal (lane->process, SIGTERM);
  g_subprocess_wait (lane->process, NULL, NULL);
  if (g_subprocess_get_if_exited (lane->process))
    status = g_subprocess_get_exit_status (lane->process);
  g_clear_object (&lane->process);
  return status;
}

void
tn_bench_lane_clear (TnBenchLane *lane)
{
  tn_bench_lane_stop (lane);
  g_clear_pointer ((sqlite3 **) &lane->watch_db, sqlite3_close);
  g_clear_pointer (&lane->dir, g_free);
  g_clear_pointer (&lane->terminal, g_free);
}

static sqlite3 *
watch_db (TnBenchLane *lane)
{
  if (lane->watch_db == NULL)
    {
      g_autofree char *path = tn_bench_lane_db_path (lane);
      sqlite3 *db = NULL;

      if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        {
          fprintf (stderr, "Cannot open %s: %s\n", path, sqlite3_errmsg (db));
          exit (1);
        }
      sqlite3_busy_timeout (db, 5000);
      lane->watch_db = db;
    }
  return lane->watch_db;
}

char *
tn_bench_lane_read_vv (TnBenchLane *lane)
{
  sqlite3_stmt *stmt = NULL;
  GString *text = g_string_new (NULL);

  if (sqlite3_prepare_v2 (watch_db (lane), "SELECT origin, seq FROM vv ORDER BY origin", -1,
                          &stmt, NULL) != SQLITE_OK)
    {
      fprintf (stderr, "Cannot read the vv of %s: %s\n", lane->terminal,
               sqlite3_errmsg (watch_db (lane)));
      exit (1);
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (text, "%s%s:%lld", text->len ? "," : "",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (long long) sqlite3_column_int64 (stmt, 1));
  sqlite3_finalize (stmt);
  return g_string_free (text, FALSE);
}

gint64
tn_bench_lane_read_seq (TnBenchLane *lane,
                        const char  *origin)
{
  sqlite3_stmt *stmt = NULL;
  gint64 seq = 0;

  if (sqlite3_prepare_v2 (watch_db (lane), "SELECT seq FROM vv WHERE origin = ?", -1, &stmt,
                          NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_text (stmt, 1, origin, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return seq;
}

gint64
tn_bench_vv_text_total (const char *vv_text)
{
  g_auto(GStrv) parts = g_strsplit (vv_text, ",", -1);
  gint64 total = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *colon = strrchr (parts[i], ':');

      if (colon != NULL)
        total += g_ascii_strtoll (colon + 1, NULL, 10);
    }
  return total;
}

char *
tn_bench_lane_peer_state (TnBenchLane *lane,
                          const char  *label)
{
  g_autofree char *path = g_build_filename (lane->dir, "peers.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonArray *peers;

  if (!json_parser_load_from_file (parser, path, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (root, "peers"))
    return NULL;
  peers = json_object_get_array_member (root, "peers");
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);

      if (label == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (peer, "peer", ""), label) == 0)
        return g_strdup (json_object_get_string_member_with_default (peer, "state", "?"));
    }
  return NULL;
}

double
tn_bench_wait_vv (TnBenchLane **lanes,
                  guint         n,
                  const char   *want,
                  gint64        start_us,
                  gint64        interval_us,
                  double        timeout_s)
{
  for (;;)
    {
      gboolean all = TRUE;
      double seconds;

      for (guint i = 0; i < n && all; i++)
        {
          g_autofree char *vv = tn_bench_lane_read_vv (lanes[i]);

          all = g_str_equal (vv, want);
        }
      seconds = (g_get_monotonic_time () - start_us) / 1e6;
      if (all)
        return seconds;
      if (seconds > timeout_s)
        return -1;
      g_usleep (interval_us);
    }
}

char *
tn_bench_wait_same_vv (TnBenchLane **lanes,
                       guint         n,
                       gint64        start_us,
                       gint64        interval_us,
                       double        timeout_s,
                       double       *out_seconds)
{
  for (;;)
    {
      g_autofree char *first = tn_bench_lane_read_vv (lanes[0]);
      gboolean same = TRUE;
      double seconds;

      for (guint i = 1; i < n && same; i++)
        {
          g_autofree char *vv = tn_bench_lane_read_vv (lanes[i]);

          same = g_str_equal (vv, first);
        }
      seconds = (g_get_monotonic_time () - start_us) / 1e6;
      if (same || seconds > timeout_s)
        {
          *out_seconds = same ? seconds : -1;
          return g_steal_pointer (&first);
        }
      g_usleep (interval_us);
    }
}

/* Model helpers ----------------------------------------------------------- */

TnStore *
tn_bench_lane_open_store (TnBenchLane *lane)
{
  g_autofree char *path = tn_bench_lane_db_path (lane);
  g_autoptr(GError) error = NULL;
  TnStore *store = tn_store_open (path, TN_STORE_FLAGS_NO_SYNC, &error);

  tn_bench_check (error, "Opening a lane's store");
  return store;
}

void
tn_bench_sell_many (TnStore    *store,
                    guint       n,
                    guint       n_products,
                    GRand      *rand,
                    const char *label)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;
      g_autoptr(GError) error = NULL;

      for (guint l = 0; l < 5; l++)
        {
          char sku[16];

          g_snprintf (sku, sizeof sku, "P%05d", g_rand_int_range (rand, 0, (gint32) n_products));
          tn_sale_request_add_line (request, sku, 1000 * g_rand_int_range (rand, 1, 4));
        }
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale");
      if (label != NULL && n >= 10 && (i + 1) % (n / 10) == 0)
        {
          printf ("  %s: %u sales (%.0f/s)\n", label, i + 1,
                  (i + 1) / tn_bench_seconds (start));
          fflush (stdout);
        }
    }
}

void
tn_bench_copy_events (TnStore *from,
                      TnStore *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) have = tn_store_get_version_vector (to, &error);
  g_autoptr(TnVersionVector) offer = tn_store_get_version_vector (from, &error);
  g_autoptr(GPtrArray) origins = NULL;

  tn_bench_check (error, "Reading version vectors");
  origins = tn_version_vector_origins (offer);
  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = origins->pdata[i];
      gint64 after = tn_version_vector_get (have, origin);

      while (after < tn_version_vector_get (offer, origin))
        {
          g_autoptr(GPtrArray) bodies = tn_store_read_events (from, origin, after, 512, &error);
          g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
          TnApplyResult result;

          tn_bench_check (error, "Reading events");
          for (guint j = 0; j < bodies->len; j++)
            {
              TnEvent *event = tn_event_from_json (bodies->pdata[j], -1, NULL, &error);

              tn_bench_check (error, "Parsing an event");
              g_ptr_array_add (events, event);
            }
          tn_store_apply_remote (to, events, TN_APPLY_FLAGS_NONE, &result, &error);
          tn_bench_check (error, "Applying events");
          after += bodies->len;
        }
    }
}

double
tn_bench_wait_converged (TnBenchLane **lanes,
                         guint         n,
                         gint64        min_total,
                         gint64        start_us,
                         gint64        interval_us,
                         double        timeout_s,
                         char        **out_vv)
{
  for (;;)
    {
      g_autofree char *first = tn_bench_lane_read_vv (lanes[0]);
      gboolean same = tn_bench_vv_text_total (first) >= min_total;
      double seconds;

      for (guint i = 1; i < n && same; i++)
        {
          g_autofree char *vv = tn_bench_lane_read_vv (lanes[i]);

          same = g_str_equal (vv, first);
        }
      seconds = (g_get_monotonic_time () - start_us) / 1e6;
      if (same || seconds > timeout_s)
        {
          if (out_vv != NULL)
            *out_vv = g_steal_pointer (&first);
          return same ? seconds : -1;
        }
      g_usleep (interval_us);
    }
}

gboolean
tn_bench_check_digests (TnBenchLane **lanes,
                        guint         n)
{
  g_autofree char *first = NULL;
  gboolean same = TRUE;

  for (guint i = 0; i < n; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(JsonObject) status = tn_bench_lane_status (lanes[i]);
      const char *digest = json_object_get_string_member (status, "digest");
      gint64 held = json_object_get_int_member (status, "held_back");

      JsonArray *peers = json_object_get_array_member (status, "peers");
      gint64 received = 0, duplicates = 0;

      for (guint p = 0; peers != NULL && p < json_array_get_length (peers); p++)
        {
          JsonObject *peer = json_array_get_object_element (peers, p);

          received += json_object_get_int_member_with_default (peer, "received", 0);
          duplicates += json_object_get_int_member_with_default (peer, "duplicates", 0);
        }
      printf ("  %s: %" G_GINT64_FORMAT " events, %" G_GINT64_FORMAT " held back, digest %.16s… "
              "(status --json took %.2f s); from peers: %" G_GINT64_FORMAT " events received, "
              "%" G_GINT64_FORMAT " of them already held\n", lanes[i]->terminal,
              json_object_get_int_member (status, "events"), held, digest,
              tn_bench_seconds (start), received, duplicates);
      if (first == NULL)
        first = g_strdup (digest);
      else if (!g_str_equal (first, digest))
        same = FALSE;
      if (held != 0)
        same = FALSE;
    }
  return same;
}

void
tn_bench_rmtree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          tn_bench_rmtree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

double
tn_bench_lane_cpu_seconds (TnBenchLane *lane)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (lane->process == NULL)
    return -1;
  path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (lane->process));
  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return -1;
  /* After "pid (comm)": state is field 3; utime and stime are 14 and 15. */
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}
