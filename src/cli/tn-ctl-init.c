/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "tn-error.h"
#include "tn-lane-setup.h"

/* `tendero-ctl init`: makes a data directory into a lane of a store.
 * The options are read and checked here; tn-lane-setup.c (shared with
 * the application's first run) creates the lane, all or nothing. */

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

gboolean
tn_ctl_cmd_init (TnCtl   *ctl,
                 int      argc,
                 char   **argv,
                 GError **error)
{
  InitOptions options = { .port = 8123, .decimals = 2 };
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

  {
    TnLaneSetup setup = {
      .store_id = options.store,
      .terminal = options.terminal,
      .port = (guint) options.port,
      .peers = (const char * const *) options.peers,
      .hub_url = options.hub,
      .fiscal_authority = options.fiscal_authority,
      .store_key_file = options.store_key_file,
      .hub_key_file = options.hub_key_file,
      .currency = options.currency,
      .decimals = (guint) options.decimals,
      .tax_inclusive = options.tax_inclusive,
      .tls_certificate_file = options.tls_cert,
      .tls_key_file = options.tls_key,
      .peer_fingerprints = (const char * const *) options.pins,
    };

    if (!tn_lane_setup_create (ctl->data_dir, &setup, &replica, error))
      goto out;
  }

  g_print (_("Created store “%s”, terminal %s (replica %s) in %s.\n"),
           options.store, options.terminal, replica, ctl->data_dir);
  g_print (_("Next: add products with “tendero-ctl --data-dir %s product add” or "
             "“catalog import”.\n"), ctl->data_dir);
  ok = TRUE;

out:
  init_options_clear (&options);
  return ok;
}
