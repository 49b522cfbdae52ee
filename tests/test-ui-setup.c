/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the first run does without a display: create a lane with
 * tn-lane-setup (shared with `tendero-ctl init`), load the demo
 * catalogue into it, and keep the store key in a file only its owner
 * can read when there is no keyring. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tn-catalog-import.h"
#include "tn-cloud-client.h"
#include "tn-config.h"
#include "tn-error.h"
#include "tn-first-run-view.h"
#include "tn-keyring.h"
#include "tn-lane-setup.h"
#include "tn-queries.h"
#include "tn-sync-auth.h"
#include "tn-test-util.h"

static void
test_create_lane (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *data_dir = g_build_filename (dir, "lanes", "L1", NULL);
  g_autofree char *db_path = tn_config_db_path (data_dir);
  g_autofree char *replica = NULL;
  g_autoptr(TnConfig) config = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *peers[] = { "ws://127.0.0.1:9000/tendero/v1/sync", NULL };
  TnLaneSetup setup = {
    .store_id = "shop",
    .terminal = "L1",
    .port = 9001,
    .peers = peers,
    .fiscal_authority = TRUE,
    .currency = "EUR",
    .decimals = 2,
  };

  g_assert_true (tn_lane_setup_create (data_dir, &setup, &replica, &error));
  g_assert_no_error (error);
  g_assert_nonnull (replica);

  config = tn_config_load (data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->store_id, ==, "shop");
  g_assert_cmpstr (config->terminal, ==, "L1");
  g_assert_cmpuint (config->port, ==, 9001);
  g_assert_cmpstrv (config->peers, peers);
  g_assert_true (config->fiscal_authority);

  store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (tn_store_is_initialized (store));
  g_assert_cmpstr (tn_store_get_currency (store), ==, "EUR");
  g_assert_cmpstr (tn_store_get_replica_id (store), ==, replica);
  g_clear_object (&store);

  /* A second setup of the same directory is refused and changes nothing. */
  setup.store_id = "other";
  g_assert_false (tn_lane_setup_create (data_dir, &setup, NULL, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (tn_lane_setup_check_free (data_dir, &error));
  g_assert_error (error, TN_ERROR, TN_ERROR_EXISTS);
  g_clear_pointer (&config, tn_config_free);
  config = tn_config_load (data_dir, NULL);
  g_assert_cmpstr (config->store_id, ==, "shop");

  tn_test_rmdir (dir);
}

/* A failure half-way leaves no directory, database or config behind. */
static void
test_create_lane_rolls_back (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *data_dir = g_build_filename (dir, "new", "L1", NULL);
  g_autofree char *parent = g_build_filename (dir, "new", NULL);
  g_autoptr(GError) error = NULL;
  TnLaneSetup setup = { .store_id = "shop", .terminal = "L1", .decimals = 2,
                        .currency = "not a currency" };

  g_assert_false (tn_lane_setup_create (data_dir, &setup, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));
  tn_test_rmdir (dir);
}

static void
test_demo_catalog (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *catalog = tn_first_run_find_demo_catalog ();
  g_autoptr(TnStore) store = tn_test_store_new (dir, "L1", TRUE, TRUE);
  g_autoptr(GPtrArray) products = NULL;
  g_autoptr(GError) error = NULL;
  TnImportResult result = { 0 };

  g_assert_nonnull (catalog);
  g_assert_true (tn_catalog_import_file (store, catalog, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (result.created, >, 0);
  products = tn_store_list_products (store, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (products->len, ==, result.created);
  tn_test_rmdir (dir);
}

static void
test_key_file_fallback (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *data_dir = g_build_filename (dir, "L1", NULL);
  g_autofree char *key = tn_keyring_generate_key ();
  g_autofree char *other = tn_keyring_generate_key ();
  g_autofree char *path = NULL;
  g_autofree char *expected_path = NULL;
  g_autoptr(GBytes) loaded = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_cmpuint (strlen (key), ==, 64);
  g_assert_cmpstr (key, !=, other);

  path = tn_keyring_write_key_file (TN_KEYRING_STORE_KEY, data_dir, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  expected_path = tn_keyring_key_file_path (TN_KEYRING_STORE_KEY, data_dir);
  g_assert_cmpstr (path, ==, expected_path);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (data_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);

  /* The lane reads it back as the same key. */
  loaded = tn_sync_auth_load_key (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (loaded, NULL), g_bytes_get_size (loaded), key, 64);
  tn_test_rmdir (dir);
}

/* The hub key's fallback file is its own (hub.key, 0600) and reads back
 * as the same key through the lane's hub key loader. */
static void
test_hub_key_file_fallback (void)
{
  g_autofree char *dir = tn_test_mkdtemp ();
  g_autofree char *data_dir = g_build_filename (dir, "L1", NULL);
  g_autofree char *key = tn_keyring_generate_key ();
  g_autofree char *path = NULL;
  g_autofree char *store_path = NULL;
  g_autofree char *loaded = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  path = tn_keyring_write_key_file (TN_KEYRING_HUB_KEY, data_dir, key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_assert_true (g_str_has_suffix (path, G_DIR_SEPARATOR_S "hub.key"));
  store_path = tn_keyring_key_file_path (TN_KEYRING_STORE_KEY, data_dir);
  g_assert_cmpstr (path, !=, store_path);
  g_assert_false (g_file_test (store_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  loaded = tn_cloud_load_key (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded, ==, key);
  tn_test_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/setup/create-lane", test_create_lane);
  g_test_add_func ("/ui/setup/create-lane-rolls-back", test_create_lane_rolls_back);
  g_test_add_func ("/ui/setup/demo-catalog", test_demo_catalog);
  g_test_add_func ("/ui/setup/key-file-fallback", test_key_file_fallback);
  g_test_add_func ("/ui/setup/hub-key-file-fallback", test_hub_key_file_fallback);
  return g_test_run ();
}
