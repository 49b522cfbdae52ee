/* SPDX-License-Identifier: GPL-3.0-or-later */

/* wss:// between lanes (DESIGN §4): fingerprints as people write them,
 * the TLS settings of config.ini and their errors, and real lanes that
 * trust each other's self-signed certificates by pinned SHA-256
 * fingerprint — and refuse a certificate that matches no pin. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "tn-config.h"
#include "tn-error.h"
#include "tn-lane-harness.h"
#include "tn-test-util.h"
#include "tn-tls-pinning.h"

typedef TnLaneFixture Fixture;

#define GOOD_PIN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Helpers ---------------------------------------------------------------- */

/* A fresh self-signed certificate and key, DIR/NAME.crt and DIR/NAME.key. */
static void
make_certificate (const char  *dir,
                  const char  *name,
                  char       **out_cert,
                  char       **out_key)
{
  g_autofree char *cert = g_strdup_printf ("%s/%s.crt", dir, name);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, name);
  const char *argv[] = {
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
    "-subj", "/CN=lane", "-keyout", key, "-out", cert, NULL
  };
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("openssl req failed: %s", err);
  *out_cert = g_steal_pointer (&cert);
  if (out_key != NULL)
    *out_key = g_steal_pointer (&key);
}

static gboolean
have_openssl (void)
{
  g_autofree char *path = g_find_program_in_path ("openssl");

  if (path == NULL)
    g_error ("openssl is needed to make test certificates: run build-aux/dev deps");
  return path != NULL;
}

/* What openssl says the fingerprint is, normalised. */
static char *
openssl_fingerprint (const char *cert)
{
  const char *argv[] = { "openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", cert,
                         NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *equals;
  char *normalized;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* "sha256 Fingerprint=AB:CD:…" */
  equals = strchr (out, '=');
  g_assert_nonnull (equals);
  normalized = tn_config_normalize_fingerprint (g_strstrip ((char *) equals + 1), &error);
  g_assert_no_error (error);
  return normalized;
}

static void
write_config (const char *dir,
              const char *extra)
{
  g_autofree char *path = g_build_filename (dir, "config.ini", NULL);
  g_autofree char *text = g_strdup_printf ("[lane]\nstore=S\nterminal=L1\n%s", extra);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* `init`s lane @index listening on wss:// with @cert/@key, dialling
 * wss:// lane @peer_index (unless -1) with the pin @pin (unless NULL). */
static void
init_tls_lane (Fixture    *fixture,
               guint       index,
               const char *cert,
               const char *key,
               int         peer_index,
               const char *pin)
{
  TnLane *lane = &fixture->lanes[index];
  g_autofree char *port = g_strdup_printf ("%u", lane->port);
  g_autofree char *peer = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  const char *args[8] = { NULL };
  guint n = 0;

  lane->terminal = g_strdup_printf ("L%u", index + 1);
  lane->dir = g_build_filename (fixture->root, lane->terminal, NULL);
  if (peer_index >= 0)
    {
      peer = g_strdup_printf ("wss://127.0.0.1:%u/tendero/v1/sync",
                              fixture->lanes[peer_index].port);
      args[n++] = "--peer";
      args[n++] = peer;
    }
  if (pin != NULL)
    {
      args[n++] = "--pin-peer";
      args[n++] = pin;
    }
  if (index == 0)
    args[n++] = "--fiscal-authority";
  g_free (tn_lane_ctl (lane, "init", "--store", "S", "--terminal", lane->terminal,
                       "--port", port, "--store-key-file", fixture->key_file,
                       "--tls-cert", cert, "--tls-key", key,
                       args[0], args[1], args[2], args[3], args[4], NULL));

  /* Reconnect faster than a real store would, to keep the test short. */
  config = g_build_filename (lane->dir, "config.ini", NULL);
  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_integer (keyfile, "lane", "sync-backoff-base-ms", 200);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
  fixture->n_lanes = MAX (fixture->n_lanes, index + 1);
}

/* The last_error of @lane's outgoing link in peers.json, once it has
 * one (NULL after @timeout_us). */
static char *
wait_link_error (TnLane *lane,
                 gint64  timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  g_autofree char *path = g_build_filename (lane->dir, "peers.json", NULL);

  while (g_get_monotonic_time () < deadline)
    {
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_autoptr(JsonObject) peers = tn_lane_read_peers (lane);
          JsonArray *list = json_object_get_array_member (peers, "peers");

          for (guint i = 0; i < json_array_get_length (list); i++)
            {
              JsonObject *peer = json_array_get_object_element (list, i);
              const char *error = json_object_get_string_member_with_default (peer,
                                                                             "last_error",
                                                                             NULL);

              if (g_strcmp0 (json_object_get_string_member (peer, "direction"),
                             "outgoing") == 0 && error != NULL)
                return g_strdup (error);
            }
        }
      g_usleep (TN_LANE_POLL_INTERVAL_US);
    }
  return NULL;
}

static gint64
events_of (TnLane *lane)
{
  return tn_lane_status_int (lane, NULL, "events");
}

/* Tests ------------------------------------------------------------------ */

static void
test_normalize_fingerprint (void)
{
  const char *colons = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
                       "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF";
  const char *bad[] = {
    "",
    "0123456789abcdef",                                                          /* short */
    GOOD_PIN "00",                                                               /* long */
    "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",          /* not hex */
    "0:123:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",                           /* misplaced */
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:"
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD",                              /* 31 pairs */
    "sha256 Fingerprint=01:23",
  };
  struct { const char *in; } good[] = {
    { GOOD_PIN }, { colons }, { "  " GOOD_PIN "\t" },
    { "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = tn_config_normalize_fingerprint (good[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, GOOD_PIN);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = tn_config_normalize_fingerprint (bad[i], &error);

      g_assert_null (out);
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "SHA-256"));
    }
}

static void
test_certificate_fingerprint (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *out = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { NULL, "tls", "fingerprint", NULL, NULL };
  int status;

  if (!have_openssl ())
    return;
  dir = tn_test_mkdtemp ();
  make_certificate (dir, "lane", &cert, &key);
  expected = openssl_fingerprint (cert);

  ours = tn_tls_fingerprint_file (cert, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ours, ==, expected);

  /* What the other lanes paste into --pin-peer. */
  argv[0] = tn_lane_program ("TN_CTL");
  argv[3] = cert;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (g_strstrip (out), ==, expected);

  /* A key is not a certificate. */
  g_assert_null (tn_tls_fingerprint_file (key, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);
  missing = g_build_filename (dir, "missing.pem", NULL);
  g_assert_null (tn_tls_fingerprint_file (missing, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);
  tn_test_rmdir (dir);
}

static void
test_config_tls (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *cert = g_build_filename (dir, "lane.crt", NULL);
  g_autofree char *key = g_build_filename (dir, "lane.key", NULL);
  g_autofree char *extra = NULL;
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(TnConfig) reloaded = NULL;
  g_autoptr(TnConfig) relative = NULL;
  g_autofree char *cwd = NULL;
  g_autoptr(GError) error = NULL;

  /* No TLS settings: ws:// as before, no pins. */
  write_config (dir, "");
  config = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_null (config->tls_certificate_file);
  g_assert_null (config->tls_key_file);
  g_assert_nonnull (config->peer_fingerprints);
  g_assert_cmpuint (g_strv_length (config->peer_fingerprints), ==, 0);
  g_clear_pointer (&config, tn_config_free);

  /* A missing certificate file. */
  write_config (dir, "tls-certificate-file=lane.crt\ntls-key-file=lane.key\n");
  g_assert_null (tn_config_load (dir, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "tls-certificate-file"));
  g_assert_nonnull (strstr (error->message, cert));
  g_clear_error (&error);

  /* Relative paths are the data directory's; both files are needed. */
  g_file_set_contents (cert, "not checked here", -1, &error);
  g_assert_no_error (error);
  write_config (dir, "tls-certificate-file=lane.crt\n");
  g_assert_null (tn_config_load (dir, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "tls-key-file"));
  g_clear_error (&error);

  /* A bad fingerprint among good ones. */
  g_file_set_contents (key, "not checked here", -1, &error);
  g_assert_no_error (error);
  write_config (dir, "peer-fingerprints=" GOOD_PIN ";12:34\n");
  g_assert_null (tn_config_load (dir, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "peer-fingerprints"));
  g_assert_nonnull (strstr (error->message, "12:34"));
  g_clear_error (&error);

  /* All good: pins normalised, paths absolute, and saved as loaded. */
  extra = g_strdup_printf ("tls-certificate-file=lane.crt\ntls-key-file=%s\n"
                           "peer-fingerprints=%s;%s\n", key,
                           "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                           "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
                           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
  write_config (dir, extra);
  config = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->tls_certificate_file, ==, cert);
  g_assert_cmpstr (config->tls_key_file, ==, key);
  g_assert_cmpuint (g_strv_length (config->peer_fingerprints), ==, 2);
  g_assert_cmpstr (config->peer_fingerprints[0], ==, GOOD_PIN);
  g_assert_true (tn_config_save (config, &error));
  g_assert_no_error (error);
  reloaded = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reloaded->tls_certificate_file, ==, cert);
  g_assert_true (g_strv_equal ((const char * const *) reloaded->peer_fingerprints,
                               (const char * const *) config->peer_fingerprints));

  /* A relative --data-dir too. */
  cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (dir), ==, 0);
  relative = tn_config_load (".", &error);
  g_assert_cmpint (g_chdir (cwd), ==, 0);
  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (relative->tls_certificate_file));
  g_assert_true (g_file_test (relative->tls_certificate_file, G_FILE_TEST_IS_REGULAR));
  tn_test_rmdir (dir);
}

static void
test_init_rejects_bad_pin (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *data = g_build_filename (dir, "lane", NULL);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { tn_lane_program ("TN_CTL"), "--data-dir", data, "init",
                         "--store", "S", "--terminal", "L1", "--pin-peer", "abc", NULL };
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
  g_assert_nonnull (strstr (err, "--pin-peer"));
  g_assert_false (g_file_test (data, G_FILE_TEST_EXISTS));
  tn_test_rmdir (dir);
}

static void
test_pinned_lanes_converge (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *cert1 = NULL, *key1 = NULL, *cert2 = NULL, *key2 = NULL;
  g_autofree char *pin1 = NULL, *pin2 = NULL;
  g_autoptr(JsonObject) peers = NULL;
  JsonArray *list;
  gint64 deadline;

  if (!have_openssl ())
    return;
  make_certificate (fixture->root, "l1", &cert1, &key1);
  make_certificate (fixture->root, "l2", &cert2, &key2);
  pin1 = openssl_fingerprint (cert1);
  pin2 = openssl_fingerprint (cert2);

  init_tls_lane (fixture, 0, cert1, key1, 1, pin2);
  init_tls_lane (fixture, 1, cert2, key2, 0, pin1);
  tn_lane_start (&fixture->lanes[0]);
  tn_lane_start (&fixture->lanes[1]);

  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  tn_lane_sell (&fixture->lanes[1], "COFFEE", 2);
  tn_lane_sell (&fixture->lanes[0], "COFFEE", 1);
  tn_lane_wait_converged (fixture, 2, TN_LANE_CONVERGE_TIMEOUT_US);
  g_assert_cmpint (events_of (&fixture->lanes[0]), >=, 4);

  /* The lanes dial each other and keep one of the two connections (the
   * lower replica id's): one outgoing wss:// link carries the sync, the
   * other waits on standby. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      guint connected = 0, standby = 0;

      for (guint l = 0; l < 2; l++)
        {
          g_clear_pointer (&peers, json_object_unref);
          peers = tn_lane_read_peers (&fixture->lanes[l]);
          list = json_object_get_array_member (peers, "peers");
          for (guint i = 0; i < json_array_get_length (list); i++)
            {
              JsonObject *peer = json_array_get_object_element (list, i);
              const char *state = json_object_get_string_member (peer, "state");

              if (!g_str_equal (json_object_get_string_member (peer, "direction"), "outgoing"))
                continue;
              g_assert_true (g_str_has_prefix (json_object_get_string_member (peer, "peer"),
                                               "wss://"));
              connected += g_str_equal (state, "connected");
              standby += g_str_equal (state, "standby");
            }
        }
      if (connected == 1 && standby == 1)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
}

static void
test_wrong_pin_refused (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *cert1 = NULL, *key1 = NULL, *cert2 = NULL, *key2 = NULL;
  g_autofree char *cert3 = NULL, *key3 = NULL, *other = NULL;
  g_autofree char *other_pin = NULL;
  g_autofree char *wrong_error = NULL;
  g_autofree char *unpinned_error = NULL;
  g_autoptr(JsonObject) status1 = NULL;
  g_autofree char *vv1 = NULL;

  if (!have_openssl ())
    return;
  make_certificate (fixture->root, "l1", &cert1, &key1);
  make_certificate (fixture->root, "l2", &cert2, &key2);
  make_certificate (fixture->root, "l3", &cert3, &key3);
  make_certificate (fixture->root, "other", &other, NULL);
  other_pin = openssl_fingerprint (other);

  /* L1 listens on wss:// and dials nobody; L2 pins another certificate
   * than L1's, L3 pins none. */
  init_tls_lane (fixture, 0, cert1, key1, -1, NULL);
  init_tls_lane (fixture, 1, cert2, key2, 0, other_pin);
  init_tls_lane (fixture, 2, cert3, key3, 0, NULL);
  g_free (tn_lane_ctl (&fixture->lanes[0], "product", "add", "--sku", "COFFEE", "--name",
                       "Coffee", "--price", "2.50", NULL));
  g_free (tn_lane_ctl (&fixture->lanes[1], "product", "add", "--sku", "TEA", "--name",
                       "Tea", "--price", "1.99", NULL));
  for (guint i = 0; i < 3; i++)
    tn_lane_start (&fixture->lanes[i]);

  wrong_error = wait_link_error (&fixture->lanes[1], 15 * G_USEC_PER_SEC);
  g_assert_nonnull (wrong_error);
  g_test_message ("L2 (wrong pin): %s", wrong_error);
  g_assert_nonnull (strstr (wrong_error, "certificate"));
  g_assert_nonnull (strstr (wrong_error, "pinned"));
  unpinned_error = wait_link_error (&fixture->lanes[2], 15 * G_USEC_PER_SEC);
  g_assert_nonnull (unpinned_error);
  g_test_message ("L3 (no pin): %s", unpinned_error);
  g_assert_nonnull (strstr (unpinned_error, "certificate"));
  g_assert_nonnull (strstr (unpinned_error, "peer-fingerprints"));

  /* A few more attempts: still nothing crossed, either way. */
  g_usleep (2 * G_USEC_PER_SEC);
  g_assert_cmpint (events_of (&fixture->lanes[0]), ==, 1);
  g_assert_cmpint (events_of (&fixture->lanes[1]), ==, 1);
  g_assert_cmpint (events_of (&fixture->lanes[2]), ==, 0);
  status1 = tn_lane_ctl_json (&fixture->lanes[0], "status", "--json", NULL);
  vv1 = tn_lane_vv_text (status1);
  g_assert_null (strstr (vv1, ","));   /* only its own origin */
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sync-tls/normalize-fingerprint", test_normalize_fingerprint);
  g_test_add_func ("/sync-tls/config", test_config_tls);
  tn_lane_require_binaries ();
  g_test_add_func ("/sync-tls/certificate-fingerprint", test_certificate_fingerprint);
  g_test_add_func ("/sync-tls/init-rejects-bad-pin", test_init_rejects_bad_pin);
  g_test_add ("/sync-tls/pinned-lanes-converge", Fixture, NULL, tn_lane_fixture_setup,
              test_pinned_lanes_converge, tn_lane_fixture_teardown);
  g_test_add ("/sync-tls/wrong-pin-refused", Fixture, NULL, tn_lane_fixture_setup,
              test_wrong_pin_refused, tn_lane_fixture_teardown);
  return g_test_run ();
}
