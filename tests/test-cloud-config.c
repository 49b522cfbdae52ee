/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "tn-cloud-client.h"
#include "tn-config.h"
#include "tn-error.h"
#include "tn-test-util.h"

/* The pieces of the hub client that need no hub: its [hub] settings,
 * the hub key, and the dead-letter list in the store. */

static void
write_config (const char *dir,
              const char *hub_group)
{
  g_autofree char *path = tn_config_file_path (dir);
  g_autofree char *text = g_strdup_printf ("[lane]\nstore=S\nterminal=L1\n"
                                           "hub=http://hub.example:8080\n%s", hub_group);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_hub_settings (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TnConfig) defaults = NULL;
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(TnConfig) reloaded = NULL;

  write_config (dir, "");
  defaults = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (defaults->hub_interval_ms, ==, 30000);
  g_assert_cmpuint (defaults->hub_upload_threshold, ==, 500);
  g_assert_cmpuint (defaults->hub_batch_max, ==, 500);
  g_assert_cmpuint (defaults->hub_breaker_failures, ==, 5);
  g_assert_cmpuint (defaults->hub_breaker_open_ms, ==, 30000);

  write_config (dir, "[hub]\nupload-interval-ms=250\nbatch-max=40\nbreaker-open-ms=1500\n");
  config = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->hub_interval_ms, ==, 250);
  g_assert_cmpuint (config->hub_batch_max, ==, 40);
  g_assert_cmpuint (config->hub_breaker_open_ms, ==, 1500);
  g_assert_cmpuint (config->hub_backoff_base_ms, ==, 1000);

  /* Saving keeps what differs from the defaults. */
  tn_config_save (config, &error);
  g_assert_no_error (error);
  reloaded = tn_config_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reloaded->hub_interval_ms, ==, 250);
  g_assert_cmpuint (reloaded->hub_batch_max, ==, 40);
  tn_test_rmdir (dir);
}

static void
test_bad_hub_settings (void)
{
  const char *bad[] = {
    "[hub]\nbatch-max=5\n",          /* below the minimum */
    "[hub]\nbatch-max=1001\n",       /* above what the hub takes */
    "[hub]\nbreaker-failures=0\n",
    "[hub]\nupload-interval-ms=soon\n",
    "[hub]\nrequest-timeout-ms=-1\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *dir = tn_test_mkdtemp ();
      g_autoptr(GError) error = NULL;
      g_autoptr(TnConfig) config = NULL;

      write_config (dir, bad[i]);
      config = tn_config_load (dir, &error);
      g_assert_null (config);
      g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "[hub]"));
      tn_test_rmdir (dir);
    }
}

static void
test_hub_key (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "hub.key", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *from_env = NULL;
  g_autofree char *from_file = NULL;
  char *refused;

  g_unsetenv ("TENDERO_HUB_KEY");
  refused = tn_cloud_load_key (NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TN_ERROR, TN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_setenv ("TENDERO_HUB_KEY", " abcdefghijklmnopqrstuvwxyz012345\n", TRUE);
  from_env = tn_cloud_load_key (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from_env, ==, "abcdefghijklmnopqrstuvwxyz012345");

  g_setenv ("TENDERO_HUB_KEY", "short", TRUE);
  refused = tn_cloud_load_key (NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);

  /* It goes into an HTTP header: no spaces or control characters. */
  g_setenv ("TENDERO_HUB_KEY", "abcdefghij klmnopqrstuvwxyz", TRUE);
  refused = tn_cloud_load_key (NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, TN_ERROR, TN_ERROR_INVALID);
  g_clear_error (&error);
  g_unsetenv ("TENDERO_HUB_KEY");

  g_file_set_contents_full (path, "0123456789abcdef0123456789abcdef\n", -1,
                            G_FILE_SET_CONTENTS_NONE, 0644, &error);
  g_assert_no_error (error);
  refused = tn_cloud_load_key (path, &error);
  g_assert_null (refused);
  g_assert_error (error, TN_ERROR, TN_ERROR_PERMISSION);
  g_clear_error (&error);

  g_chmod (path, 0600);
  from_file = tn_cloud_load_key (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (from_file, ==, "0123456789abcdef0123456789abcdef");
  tn_test_rmdir (dir);
}

static void
test_dead_letters (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", FALSE, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) letters = NULL;
  g_autofree char *last_error = NULL;
  const char *own = tn_store_get_replica_id (store);
  const char *other = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d";
  g_autofree char *own_event = NULL;
  const TnDeadLetter *first;

  tn_test_add_product (store, "A", 100, 0);
  own_event = tn_test_sql_text (store, "SELECT event_id FROM events WHERE seq = 1", NULL);
  g_assert_cmpint (tn_store_count_dead_letters (store), ==, 0);

  g_assert_true (tn_store_add_dead_letter (store, "0f8fad5b-d9cb-469f-a165-70867728950e",
                                           other, 7, "Unknown event type “X”", &error));
  g_assert_no_error (error);
  g_assert_true (tn_store_add_dead_letter (store, own_event, own, 1, "conflicting copy",
                                           &error));
  g_assert_no_error (error);
  /* The same event again replaces its reason, not a second row. */
  g_assert_true (tn_store_add_dead_letter (store, own_event, own, 1,
                                           "conflicting copy of origin/seq", &error));
  g_assert_no_error (error);
  g_assert_cmpint (tn_store_count_dead_letters (store), ==, 2);

  letters = tn_store_list_dead_letters (store, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (letters->len, ==, 2);
  for (guint i = 0; i < letters->len; i++)
    {
      first = letters->pdata[i];
      g_assert_cmpint (first->created_at, >, 0);
      if (g_str_equal (first->origin, own))
        {
          g_assert_cmpstr (first->event_id, ==, own_event);
          g_assert_cmpstr (first->reason, ==, "conflicting copy of origin/seq");
          g_assert_cmpint (first->seq, ==, 1);
        }
      else
        g_assert_cmpint (first->seq, ==, 7);
    }
  /* This lane's own refused event carries the reason in its outbox row. */
  last_error = tn_test_sql_text (store, "SELECT last_error FROM outbox WHERE seq = 1", NULL);
  g_assert_cmpstr (last_error, ==, "conflicting copy of origin/seq");
  g_assert_cmpint (tn_store_outbox_note_failure (store, 1, 1, "hub down", &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT attempts FROM outbox WHERE seq = 1"), ==, 1);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cloud/config/hub-settings", test_hub_settings);
  g_test_add_func ("/cloud/config/bad-hub-settings", test_bad_hub_settings);
  g_test_add_func ("/cloud/config/hub-key", test_hub_key);
  g_test_add_func ("/cloud/config/dead-letters", test_dead_letters);
  return g_test_run ();
}
