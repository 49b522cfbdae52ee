/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tn-error.h"

/* `tendero-ctl init`: makes a data directory into a lane of a store.
 * Either the whole lane is created (directory, database identity,
 * config.ini) or nothing is left behind. */

typedef struct
{
  char     *store;
  char     *terminal;
  int       port;
  char    **peers;
  char     *hub;
  gboolean  fiscal_authority;
  char     *store_key_file;
  char     *hub_key_file;
  char     *currency;
  int       decimals;
  gboolean  tax_inclusive;
  char     *tls_cert;
  char     *tls_key;
  char    **pins;         /* normalised by validate_options () */
} InitOptions;

static void
init_options_clear (InitOptions *options)
{
  g_free (options->store);
  g_free (options->terminal);
  g_strfreev (options->peers);
  g_free (options->hub);
  g_free (options->store_key_file);
  g_free (options->hub_key_file);
  g_free (options->currency);
  g_free (options->tls_cert);
  g_free (options->tls_key);
  g_strfreev (options->pins);
}

/* What init created, to remove it again if a later step fails. */
typedef struct
{
  char     *db_path;
  gboolean  created_db;
  char     *first_created_dir;   /* the outermost directory init made, or NULL */
} InitUndo;

static void
undo_init (InitUndo   *undo,
           const char *data_dir)
{
  /* init refuses a directory with a config.ini, so any there is ours. */
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

static gboolean
check_key_file (const char  *option,
                char       **path,
                GError     **error)
{
  g_autofree char *absolute = NULL;

  if (*path == NULL)
    return TRUE;
  absolute = g_canonicalize_filename (*path, NULL);
  if (!g_file_test (absolute, G_FILE_TEST_IS_REGULAR))
    return tn_ctl_usage_error (error, _("Invalid %s: there is no file “%s”"), option, *path);
  /* The lane may run from another directory: remember where it is. */
  g_free (*path);
  *path = g_steal_pointer (&absolute);
  return TRUE;
}

static gboolean
validate_options (InitOptions  *options,
                  GError      **error)
{
  GError *url_error = NULL;

  if (!tn_ctl_require (options->store, "--store", error) ||
      !tn_ctl_require (options->terminal, "--terminal", error))
    return FALSE;
  if (options->port < 1 || options->port > 65535)
    return tn_ctl_usage_error (error, _("Invalid --port: %d is not a TCP port (1–65535)"),
                               options->port);
  for (char **peer = options->peers; peer != NULL && *peer != NULL; peer++)
    if (!tn_config_validate_url (*peer, TRUE, &url_error))
      return tn_ctl_option_value_error (error, "--peer", url_error);
  if (options->hub != NULL && !tn_config_validate_url (options->hub, FALSE, &url_error))
    return tn_ctl_option_value_error (error, "--hub", url_error);
  if (options->decimals < 0 || options->decimals > 4)
    return tn_ctl_usage_error (error, _("Invalid --decimals: %d (a currency has 0 to 4 "
                                        "decimals)"), options->decimals);
  if ((options->tls_cert == NULL) != (options->tls_key == NULL))
    return tn_ctl_usage_error (error, _("--tls-cert and --tls-key go together: give both to "
                                        "listen on wss://"));
  for (char **pin = options->pins; pin != NULL && *pin != NULL; pin++)
    {
      GError *pin_error = NULL;
      char *normalized = tn_config_normalize_fingerprint (*pin, &pin_error);

      if (normalized == NULL)
        return tn_ctl_option_value_error (error, "--pin-peer", pin_error);
      g_free (*pin);
      *pin = normalized;
    }
  return check_key_file ("--store-key-file", &options->store_key_file, error) &&
         check_key_file ("--hub-key-file", &options->hub_key_file, error) &&
         check_key_file ("--tls-cert", &options->tls_cert, error) &&
         check_key_file ("--tls-key", &options->tls_key, error);
}

static gboolean
refuse_existing_store (TnCtl       *ctl,
                       const char  *db_path,
                       GError     **error)
{
  g_autofree char *config_path = tn_config_file_path (ctl->data_dir);
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
                       ctl->data_dir, tn_store_get_store_id (store),
                       tn_store_get_terminal (store));
          return FALSE;
        }
    }
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("%s already has a config.ini. Nothing was changed; use another "
                     "--data-dir for a new lane, or remove that file first."),
                   ctl->data_dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_lane (TnCtl        *ctl,
            InitOptions  *options,
            InitUndo     *undo,
            char        **out_replica,
            GError      **error)
{
  TnStoreIdentity identity = {
    .store_id = options->store,
    .terminal = options->terminal,
    .currency = options->currency ? options->currency : "USD",
    .decimals = (guint) options->decimals,
    .tax_inclusive = options->tax_inclusive,
    .fiscal_authority = options->fiscal_authority,
  };
  g_autoptr(TnStore) store = NULL;
  g_autoptr(TnConfig) config = NULL;

  if (g_mkdir_with_parents (ctl->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the data directory %s: %s"),
                   ctl->data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  undo->created_db = !g_file_test (undo->db_path, G_FILE_TEST_EXISTS);
  store = tn_store_open (undo->db_path, TN_STORE_FLAGS_NONE, error);
  if (store == NULL || !tn_store_initialize (store, &identity, error))
    return FALSE;

  config = tn_config_new (ctl->data_dir);
  g_free (config->store_id);
  config->store_id = g_strdup (options->store);
  g_free (config->terminal);
  config->terminal = g_strdup (options->terminal);
  config->port = (guint) options->port;
  g_strfreev (config->peers);
  config->peers = g_strdupv (options->peers);
  g_free (config->hub_url);
  config->hub_url = g_strdup (options->hub);
  config->fiscal_authority = options->fiscal_authority;
  g_free (config->store_key_file);
  config->store_key_file = g_strdup (options->store_key_file);
  g_free (config->hub_key_file);
  config->hub_key_file = g_strdup (options->hub_key_file);
  config->tls_certificate_file = g_strdup (options->tls_cert);
  config->tls_key_file = g_strdup (options->tls_key);
  if (options->pins != NULL)
    {
      g_strfreev (config->peer_fingerprints);
      config->peer_fingerprints = g_strdupv (options->pins);
    }
  if (!tn_config_save (config, error))
    return FALSE;

  *out_replica = g_strdup (tn_store_get_replica_id (store));
  return TRUE;
}

gboolean
tn_ctl_cmd_init (TnCtl   *ctl,
                 int      argc,
                 char   **argv,
                 GError **error)
{
  InitOptions options = { .port = 8123, .decimals = 2 };
  InitUndo undo = { 0 };
  g_autofree char *replica = NULL;
  gboolean ok = FALSE;
  const GOptionEntry entries[] = {
    { "store", 0, 0, G_OPTION_ARG_STRING, &options.store,
      N_("The store this lane belongs to (same on every lane)"), N_("STORE") },
    { "terminal", 0, 0, G_OPTION_ARG_STRING, &options.terminal,
      N_("This lane’s name, printed on its documents"), N_("L1") },
    { "port", 0, 0, G_OPTION_ARG_INT, &options.port,
      N_("Port for lane-to-lane sync (default 8123)"), N_("PORT") },
    { "peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.peers,
      N_("Another lane to sync with (repeatable)"), N_("ws://HOST:PORT") },
    { "hub", 0, 0, G_OPTION_ARG_STRING, &options.hub,
      N_("The central hub"), N_("https://HOST") },
    { "fiscal-authority", 0, 0, G_OPTION_ARG_NONE, &options.fiscal_authority,
      N_("This lane hands out fiscal number blocks (when there is no hub)"), NULL },
    { "store-key-file", 0, 0, G_OPTION_ARG_FILENAME, &options.store_key_file,
      N_("File with the store key, instead of the keyring"), N_("FILE") },
    { "hub-key-file", 0, 0, G_OPTION_ARG_FILENAME, &options.hub_key_file,
      N_("File with the hub key, instead of the keyring"), N_("FILE") },
    { "currency", 0, 0, G_OPTION_ARG_STRING, &options.currency,
      N_("Base currency, ISO 4217 (default USD)"), N_("CODE") },
    { "decimals", 0, 0, G_OPTION_ARG_INT, &options.decimals,
      N_("Decimals of the base currency (default 2)"), N_("N") },
    { "tax-inclusive", 0, 0, G_OPTION_ARG_NONE, &options.tax_inclusive,
      N_("Prices already include tax"), NULL },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_cert,
      N_("This lane’s certificate (PEM): peers reach it on wss://"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &options.tls_key,
      N_("The private key of --tls-cert (PEM)"), N_("FILE") },
    { "pin-peer", 0, 0, G_OPTION_ARG_STRING_ARRAY, &options.pins,
      N_("SHA-256 fingerprint of a wss:// peer’s certificate to trust (repeatable)"),
      N_("FINGERPRINT") },
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, NULL,
                             N_("Creates a store lane in the data directory."),
                             &argc, &argv, 0, error))
    goto out;
  if (ctl->data_dir == NULL)
    {
      tn_ctl_usage_error (error, _("Where? Pass --data-dir DIR (or set TENDERO_DATA_DIR) "
                                   "to name the new lane’s data directory."));
      goto out;
    }
  if (!validate_options (&options, error))
    goto out;

  undo.db_path = tn_config_db_path (ctl->data_dir);
  if (!refuse_existing_store (ctl, undo.db_path, error))
    goto out;

  undo.first_created_dir = find_first_missing_dir (ctl->data_dir);
  if (!write_lane (ctl, &options, &undo, &replica, error))
    {
      undo_init (&undo, ctl->data_dir);
      goto out;
    }

  g_print (_("Created store “%s”, terminal %s (replica %s) in %s.\n"),
           options.store, options.terminal, replica, ctl->data_dir);
  g_print (_("Next: add products with “tendero-ctl --data-dir %s product add” or "
             "“catalog import”.\n"), ctl->data_dir);
  ok = TRUE;

out:
  g_free (undo.db_path);
  g_free (undo.first_created_dir);
  init_options_clear (&options);
  return ok;
}
