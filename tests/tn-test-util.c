/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-test-util.h"

#include <glib/gstdio.h>
#include <stdarg.h>

#include "tn-digest.h"
#include "tn-operations.h"
#include "tn-store-private.h"

char *
tn_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tendero-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tn_test_rmdir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        tn_test_rmdir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

TnStore *
tn_test_store_new (const char *dir,
                   const char *terminal,
                   gboolean    fiscal_authority,
                   gboolean    no_sync)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, "tendero.db", NULL);
  TnStoreIdentity identity = {
    .store_id = "test-store",
    .terminal = terminal,
    .currency = "USD",
    .decimals = 2,
    .fiscal_authority = fiscal_authority,
  };
  TnStore *store = tn_store_open (path, no_sync ? TN_STORE_FLAGS_NO_SYNC : TN_STORE_FLAGS_NONE,
                                  &error);

  g_assert_no_error (error);
  tn_store_initialize (store, &identity, &error);
  g_assert_no_error (error);
  return store;
}

void
tn_test_add_product (TnStore    *store,
                     const char *sku,
                     gint64      price,
                     gint        tax_bp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Product %s", sku);
  TnProductSpec spec = { sku, name, price, tax_bp, NULL };

  tn_store_add_product (store, &spec, &error);
  g_assert_no_error (error);
}

char *
tn_test_shared_path (const char *first,
                     ...)
{
  const char *root = g_getenv ("TN_SHARED_DIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;

  g_ptr_array_add (parts, (gpointer) (root ? root : "../shared"));
  g_ptr_array_add (parts, (gpointer) first);
  va_start (args, first);
  for (const char *p = va_arg (args, const char *); p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
tn_test_state_hash (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  TnDigest digest;

  tn_store_compute_digest (store, &digest, &error);
  g_assert_no_error (error);
  return g_strdup (digest.state_hash);
}

void
tn_test_sql (TnStore    *store,
             const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (tn_store_get_db (store), sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("SQL failed: %s: %s", sql, message);
}

gint64
tn_test_sql_int (TnStore    *store,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}
