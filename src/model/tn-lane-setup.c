/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-lane-setup.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tn-config.h"
#include "tn-error.h"
#include "tn-store.h"

/* What setup created, to remove it again if a later step fails. */
typedef struct
{
  char     *db_path;
  gboolean  created_db;
  char     *first_created_dir;   /* the outermost directory setup made, or NULL */
} SetupUndo;

static void
undo_setup (SetupUndo  *undo,
            const char *data_dir)
{
  /* Setup refuses a directory with a config.ini, so any there is ours. */
  g_autofree char *config_path = tn_config_file_path (data_dir);

  g_unlink (config_path);
  if (undo->created_db)
    {
      g_autofree char *wal = g_strconcat (undo->db_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (undo->db_path, "-shm", NULL);

      g_unlink (undo->db_path);
      g_unlink (wal);
      g_unlink (shm);
    }
  if (undo->first_created_dir != NULL)
    {
      g_autofree char *dir = g_canonicalize_filename (data_dir, NULL);

      /* Remove the directories made, innermost first. */
      while (g_rmdir (dir) == 0 && !g_str_equal (dir, undo->first_created_dir))
        {
          char *parent = g_path_get_dirname (dir);

          g_free (dir);
          dir = parent;
        }
    }
}

static char *
find_first_missing_dir (const char *data_dir)
{
  g_autofree char *dir = g_canonicalize_filename (data_dir, NULL);
  char *missing = NULL;

  while (!g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (dir);

      g_free (missing);
      missing = g_steal_pointer (&dir);
      dir = parent;
      if (g_str_equal (dir, missing))
        break;
    }
  return missing;
}

gboolean
tn_lane_setup_check_free (const char  *data_dir,
                          GError     **error)
{
  g_autofree char *config_path = tn_config_file_path (data_dir);
  g_autofree char *db_path = tn_config_db_path (data_dir);
  g_autoptr(TnStore) store = NULL;

  if (g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, error);
      if (store == NULL)
        return FALSE;
      if (tn_store_is_initialized (store))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                       _("%s already holds store “%s” as terminal %s. Nothing was changed; "
                         "use another --data-dir for a new lane."),
                       data_dir, tn_store_get_store_id (store),
                       tn_store_get_terminal (store));
          return FALSE;
        }
    }
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("%s already has a config.ini. Nothing was changed; use another "
                     "--data-dir for a new lane, or remove that file first."),
                   data_dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_lane (const char         *data_dir,
            const TnLaneSetup  *setup,
            SetupUndo          *undo,
            char              **out_replica,
            GError            **error)
{
  TnStoreIdentity identity = {
    .store_id = setup->store_id,
    .terminal = setup->terminal,
    .currency = setup->currency ? setup->currency : "USD",
    .decimals = setup->decimals,
    .tax_inclusive = setup->tax_inclusive,
    .fiscal_authority = setup->fiscal_authority,
  };
  g_autoptr(TnStore) store = NULL;
  g_autoptr(TnConfig) config = NULL;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the data directory %s: %s"),
                   data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  undo->created_db = !g_file_test (undo->db_path, G_FILE_TEST_EXISTS);
  store = tn_store_open (undo->db_path, TN_STORE_FLAGS_NONE, error);
  if (store == NULL || !tn_store_initialize (store, &identity, error))
    return FALSE;

  config = tn_config_new (data_dir);
  g_free (config->store_id);
  config->store_id = g_strdup (setup->store_id);
  g_free (config->terminal);
  config->terminal = g_strdup (setup->terminal);
  config->port = setup->port != 0 ? setup->port : 8123;
  g_strfreev (config->peers);
  config->peers = g_strdupv ((char **) setup->peers);
  g_free (config->hub_url);
  config->hub_url = g_strdup (setup->hub_url);
  config->fiscal_authority = setup->fiscal_authority;
  g_free (config->store_key_file);
  config->store_key_file = g_strdup (setup->store_key_file);
  g_free (config->hub_key_file);
  config->hub_key_file = g_strdup (setup->hub_key_file);
  config->tls_certificate_file = g_strdup (setup->tls_certificate_file);
  config->tls_key_file = g_strdup (setup->tls_key_file);
  if (setup->peer_fingerprints != NULL)
    {
      g_strfreev (config->peer_fingerprints);
      config->peer_fingerprints = g_strdupv ((char **) setup->peer_fingerprints);
    }
  if (!tn_config_save (config, error))
    return FALSE;

  if (out_replica != NULL)
    *out_replica = g_strdup (tn_store_get_replica_id (store));
  return TRUE;
}

gboolean
tn_lane_setup_create (const char         *data_dir,
                      const TnLaneSetup  *setup,
                      char              **out_replica,
                      GError            **error)
{
  SetupUndo undo = { 0 };
  gboolean ok;

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (setup != NULL, FALSE);

  if (!tn_lane_setup_check_free (data_dir, error))
    return FALSE;
  undo.db_path = tn_config_db_path (data_dir);
  undo.first_created_dir = find_first_missing_dir (data_dir);
  ok = write_lane (data_dir, setup, &undo, out_replica, error);
  if (!ok)
    undo_setup (&undo, data_dir);
  g_free (undo.db_path);
  g_free (undo.first_created_dir);
  return ok;
}
