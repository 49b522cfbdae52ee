/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Lane-to-lane sync with real processes (DESIGN §4, §6, §7): headless
 * lanes ($TN_LANE) on loopback, driven and inspected with tendero-ctl
 * ($TN_CTL) exactly as a store's scripts would.  Three lanes converge;
 * a lane with the wrong key is refused; a lane that was down catches up
 * and a concurrent price edit becomes one conflict everywhere that one
 * resolution closes; non-authority lanes get fiscal blocks over the LAN
 * and no store number is issued twice. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "tn-test-util.h"

#define CONVERGE_TIMEOUT_US (30 * G_USEC_PER_SEC)
#define POLL_INTERVAL_US    (100 * 1000)

typedef struct
{
  char        *dir;
  char        *terminal;
  guint        port;
  GSubprocess *process;
} Lane;

typedef struct
{
  char *root;
  char *key_file;
  char *bad_key_file;
  Lane  lanes[4];
  guint n_lanes;
} Fixture;

/* Helpers ---------------------------------------------------------------- */

static const char *
program (const char *variable)
{
  const char *path = g_getenv (variable);

  if (path == NULL)
    g_error ("Set %s to the built binary", variable);
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

static void
write_key (const char *path)
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

/* Runs tendero-ctl on @lane; returns stdout, asserting success. */
static char *
ctl (Lane       *lane,
     const char *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, lane->dir);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tendero-ctl %s on %s failed: %s", first, lane->terminal, err);
  return g_steal_pointer (&out);
}

static JsonObject *
ctl_json (Lane       *lane,
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
  out = ctl (lane, args[0], args[1], args[2], args[3], args[4], NULL);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
lane_init (Fixture    *fixture,
           guint       index,
           const char *key_file,
           gboolean    authority,
           int         peer_index)
{
  Lane *lane = &fixture->lanes[index];
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
  out = ctl (lane, "init", "--store", "S", "--terminal", lane->terminal, "--port", port,
             "--peer", peer, "--store-key-file", key_file,
             authority ? "--fiscal-authority" : NULL, NULL);

  /* Reconnect faster than a real store would, to keep the test short. */
  config = g_build_filename (lane->dir, "config.ini", NULL);
  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "lane", "sync-backoff-base-ms", 200);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
  fixture->n_lanes = MAX (fixture->n_lanes, index + 1);
}

static void
lane_start (Lane *lane)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *log = g_strdup_printf ("%s.log", lane->dir);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  lane->process = g_subprocess_launcher_spawn (launcher, &error, program ("TN_LANE"),
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

/* SIGTERM, then the lane must be gone within @limit_us; returns its exit
 * status (-1 if it had to be killed). */
static int
lane_stop (Lane   *lane,
           gint64  limit_us)
{
  gboolean done = FALSE;
  gint64 deadline = g_get_monotonic_time () + limit_us;
  int status = -1;

  if (lane->process == NULL)
    return 0;
  g_subprocess_send_signal (lane->process, SIGTERM);
  g_subprocess_wait_async (lane->process, NULL, wait_done_cb, &done);
  while (!done && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  if (!done)
    {
      g_subprocess_force_exit (lane->process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }
  else if (g_subprocess_get_if_exited (lane->process))
    status = g_subprocess_get_exit_status (lane->process);
  g_clear_object (&lane->process);
  return status;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->root = tn_test_mkdtemp ();
  fixture->key_file = g_build_filename (fixture->root, "store.key", NULL);
  fixture->bad_key_file = g_build_filename (fixture->root, "wrong.key", NULL);
  write_key (fixture->key_file);
  write_key (fixture->bad_key_file);
  for (guint i = 0; i < G_N_ELEMENTS (fixture->lanes); i++)
    fixture->lanes[i].port = free_port ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture->lanes); i++)
    {
      Lane *lane = &fixture->lanes[i];
      gboolean running = lane->process != NULL;
      int status = lane_stop (lane, G_USEC_PER_SEC);

      /* A clean stop within the second (and, under ASan, no leak). */
      if (running && !g_test_failed ())
        g_assert_cmpint (status, ==, 0);
      if (g_test_failed () && lane->dir != NULL)
        {
          g_autofree char *log = g_strdup_printf ("%s.log", lane->dir);
          g_autofree char *text = NULL;

          if (g_file_get_contents (log, &text, NULL, NULL))
            g_test_message ("%s log:\n%s", lane->terminal, text);
        }
      g_free (lane->dir);
      g_free (lane->terminal);
    }
  tn_test_rmdir (fixture->root);
  g_free (fixture->root);
  g_free (fixture->key_file);
  g_free (fixture->bad_key_file);
}

/* The three lanes of a ring: L1 (the fiscal authority) dials L2, L2
 * dials L3, L3 dials L1. */
static void
start_ring (Fixture *fixture)
{
  lane_init (fixture, 0, fixture->key_file, TRUE, 1);
  lane_init (fixture, 1, fixture->key_file, FALSE, 2);
  lane_init (fixture, 2, fixture->key_file, FALSE, 0);
  for (guint i = 0; i < 3; i++)
    lane_start (&fixture->lanes[i]);
}

static char *
vv_text (JsonObject *status)
{
  JsonNode *vv = json_object_get_member (status, "vv");

  return json_to_string (vv, FALSE);
}

/* Polls `status --json` on @n lanes until they hold the same events and
 * the same state digest (and no held-back events); fails after 30 s. */
static void
wait_converged (Fixture *fixture,
                guint    n)
{
  gint64 deadline = g_get_monotonic_time () + CONVERGE_TIMEOUT_US;
  g_autofree char *last = NULL;

  while (TRUE)
    {
      g_autofree char *first_vv = NULL;
      g_autofree char *first_digest = NULL;
      gboolean same = TRUE;

      for (guint i = 0; i < n && same; i++)
        {
          g_autoptr(JsonObject) status = ctl_json (&fixture->lanes[i], "status", "--json",
                                                   NULL);
          g_autofree char *vv = vv_text (status);
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
        g_error ("Lanes did not converge within 30 s (%s)", last ? last : "held back");
      g_usleep (POLL_INTERVAL_US);
    }
}

static gint64
status_int (Lane       *lane,
            const char *object,
            const char *member)
{
  g_autoptr(JsonObject) status = ctl_json (lane, "status", "--json", NULL);

  if (object != NULL)
    return json_object_get_int_member (json_object_get_object_member (status, object),
                                       member);
  return json_object_get_int_member (status, member);
}

static JsonObject *
read_peers_file (Lane *lane)
{
  g_autofree char *path = g_build_filename (lane->dir, "peers.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
sell (Lane       *lane,
      const char *sku,
      guint       times)
{
  for (guint i = 0; i < times; i++)
    g_free (ctl (lane, "sell", "--sku", sku, "--json", NULL));
}

/* Tests ------------------------------------------------------------------ */

static void
test_three_lanes_converge (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) peers = NULL;
  JsonArray *list;

  start_ring (fixture);
  g_free (ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name", "Coffee",
               "--price", "2.50", NULL));
  g_free (ctl (&fixture->lanes[1], "product", "add", "--sku", "TEA", "--name", "Tea",
               "--price", "1.99", NULL));
  wait_converged (fixture, 3);

  for (guint i = 0; i < 3; i++)
    {
      sell (&fixture->lanes[i], "COFFEE", 3);
      sell (&fixture->lanes[i], "TEA", 2);
    }
  wait_converged (fixture, 3);
  g_assert_cmpint (status_int (&fixture->lanes[0], NULL, "events"), >=, 2 + 15);

  /* Every lane's own events were acknowledged by a peer, and the health
   * snapshot shows compressed, connected links. */
  for (guint i = 0; i < 3; i++)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

      while (status_int (&fixture->lanes[i], "outbox", "pending") > 0 &&
             g_get_monotonic_time () < deadline)
        g_usleep (POLL_INTERVAL_US);
      g_assert_cmpint (status_int (&fixture->lanes[i], "outbox", "pending"), ==, 0);
    }
  g_usleep (1200 * 1000);
  peers = read_peers_file (&fixture->lanes[0]);
  list = json_object_get_array_member (peers, "peers");
  g_assert_cmpuint (json_array_get_length (list), >=, 1);
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *peer = json_array_get_object_element (list, i);

      g_assert_cmpstr (json_object_get_string_member (peer, "state"), ==, "connected");
      g_assert_true (json_object_get_boolean_member (peer, "compressed"));
      g_assert_cmpint (json_object_get_int_member (peer, "lag"), ==, 0);
    }
}

static void
test_wrong_key_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autoptr(JsonObject) status1 = NULL;
  g_autoptr(JsonObject) status2 = NULL;
  g_autoptr(JsonObject) intruder = NULL;

  start_ring (fixture);
  g_free (ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name", "Coffee",
               "--price", "2.50", NULL));
  wait_converged (fixture, 3);
  status1 = ctl_json (&fixture->lanes[0], "status", "--json", NULL);
  before = vv_text (status1);

  /* L4 holds another key and dials L1; it sells on its own. */
  lane_init (fixture, 3, fixture->bad_key_file, FALSE, 0);
  g_free (ctl (&fixture->lanes[3], "product", "add", "--sku", "FAKE", "--name", "Fake",
               "--price", "0.01", NULL));
  lane_start (&fixture->lanes[3]);
  g_usleep (4 * G_USEC_PER_SEC);

  intruder = ctl_json (&fixture->lanes[3], "status", "--json", NULL);
  g_assert_cmpint (json_object_get_int_member (intruder, "events"), ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) status = ctl_json (&fixture->lanes[i], "status", "--json", NULL);
      g_autofree char *vv = vv_text (status);

      g_assert_cmpstr (vv, ==, before);
    }
  status2 = ctl_json (&fixture->lanes[3], "status", "--json", NULL);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status2,
                                                                              "outbox"),
                                               "peer_ack"), ==, 0);
}

static void
test_restart_and_conflict (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) conflicts = NULL;
  JsonArray *list;
  const char *id;

  start_ring (fixture);
  g_free (ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name", "Coffee",
               "--price", "2.50", NULL));
  wait_converged (fixture, 3);

  /* L2 goes down cleanly and quickly. */
  g_assert_cmpint (lane_stop (&fixture->lanes[1], G_USEC_PER_SEC), ==, 0);

  sell (&fixture->lanes[0], "COFFEE", 2);
  sell (&fixture->lanes[1], "COFFEE", 3);
  g_free (ctl (&fixture->lanes[0], "product", "set-price", "--sku", "COFFEE", "--price",
               "2.75", NULL));
  g_free (ctl (&fixture->lanes[1], "product", "set-price", "--sku", "COFFEE", "--price",
               "2.95", NULL));

  lane_start (&fixture->lanes[1]);
  wait_converged (fixture, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (status_int (&fixture->lanes[i], NULL, "conflicts"), ==, 1);

  conflicts = ctl_json (&fixture->lanes[2], "conflicts", "list", "--json", NULL);
  list = json_object_get_array_member (conflicts, "conflicts");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  id = json_object_get_string_member (json_array_get_object_element (list, 0), "id");
  g_free (ctl (&fixture->lanes[2], "conflicts", "resolve", id, "--value", "2.80", NULL));

  wait_converged (fixture, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (status_int (&fixture->lanes[i], NULL, "conflicts"), ==, 0);
}

static void
test_fiscal_blocks_over_lan (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GHashTable) numbers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(JsonObject) export = NULL;
  JsonArray *sales;
  gint64 deadline;

  start_ring (fixture);
  g_free (ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name", "Coffee",
               "--price", "2.50", NULL));

  /* L2 and L3 ask L1 for blocks as soon as they are connected. */
  deadline = g_get_monotonic_time () + CONVERGE_TIMEOUT_US;
  while (status_int (&fixture->lanes[1], "fiscal", "unused") == 0 ||
         status_int (&fixture->lanes[2], "fiscal", "unused") == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (POLL_INTERVAL_US);
    }
  wait_converged (fixture, 3);
  for (guint i = 0; i < 3; i++)
    sell (&fixture->lanes[i], "COFFEE", 4);
  wait_converged (fixture, 3);

  export = ctl_json (&fixture->lanes[1], "export", "sales", "--format", "json", NULL);
  sales = json_object_get_array_member (export, "sales");
  g_assert_cmpuint (json_array_get_length (sales), ==, 12);
  for (guint i = 0; i < json_array_get_length (sales); i++)
    {
      const char *doc = json_object_get_string_member (json_array_get_object_element (sales, i),
                                                       "fiscal_doc");

      g_assert_null (strstr (doc, "-C-"));            /* no contingency number */
      g_assert_true (g_hash_table_add (numbers, (gpointer) doc));   /* never twice */
    }
  for (guint i = 0; i < 3; i++)
    {
      g_free (ctl (&fixture->lanes[i], "fiscal", "verify", NULL));
      g_assert_cmpint (status_int (&fixture->lanes[i], "alerts", "p0"), ==, 0);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("TN_LANE") == NULL || g_getenv ("TN_CTL") == NULL)
    {
      g_test_skip ("TN_LANE and TN_CTL must name the built tendero and tendero-ctl");
      return g_test_run ();
    }

  g_test_add ("/sync-lanes/three-lanes-converge", Fixture, NULL, fixture_setup,
              test_three_lanes_converge, fixture_teardown);
  g_test_add ("/sync-lanes/wrong-key-refused", Fixture, NULL, fixture_setup,
              test_wrong_key_refused, fixture_teardown);
  g_test_add ("/sync-lanes/restart-and-conflict", Fixture, NULL, fixture_setup,
              test_restart_and_conflict, fixture_teardown);
  g_test_add ("/sync-lanes/fiscal-blocks-over-lan", Fixture, NULL, fixture_setup,
              test_fiscal_blocks_over_lan, fixture_teardown);
  return g_test_run ();
}
