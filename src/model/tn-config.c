/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

#include "tn-error.h"

#define GROUP "lane"
#define HUB_GROUP "hub"

/* The whole-number settings: group, key, default, range (see
 * tn-config.h). */
typedef struct
{
  const char *group;
  const char *key;
  gsize       offset;
  guint       fallback;
  guint       min;
  guint       max;
} IntSetting;

#define FIELD(name) G_STRUCT_OFFSET (TnConfig, name)

static const IntSetting int_settings[] = {
  { GROUP, "sync-backoff-base-ms", FIELD (sync_backoff_base_ms), 1000, 10, 60000 },
  { GROUP, "sync-watch-interval-ms", FIELD (sync_watch_interval_ms), 100, 10, 60000 },
  { GROUP, "max-offline-minutes", FIELD (max_offline_minutes), 60, 1, 60 * 24 * 30 },
  { HUB_GROUP, "upload-interval-ms", FIELD (hub_interval_ms), 30000, 50, 3600000 },
  { HUB_GROUP, "upload-threshold", FIELD (hub_upload_threshold), 500, 1, 100000 },
  { HUB_GROUP, "batch-max", FIELD (hub_batch_max), 500, 10, 1000 },
  { HUB_GROUP, "backoff-base-ms", FIELD (hub_backoff_base_ms), 1000, 10, 600000 },
  { HUB_GROUP, "backoff-cap-ms", FIELD (hub_backoff_cap_ms), 60000, 10, 3600000 },
  { HUB_GROUP, "breaker-failures", FIELD (hub_breaker_failures), 5, 1, 1000 },
  { HUB_GROUP, "breaker-open-ms", FIELD (hub_breaker_open_ms), 30000, 10, 3600000 },
  { HUB_GROUP, "request-timeout-ms", FIELD (hub_timeout_ms), 30000, 100, 600000 },
};

#undef FIELD

static guint *
int_setting_field (TnConfig         *config,
                   const IntSetting *setting)
{
  return G_STRUCT_MEMBER_P (config, setting->offset);
}

/* A setting that is there must be a number in range: one that is not
 * is refused, not quietly replaced by the default. */
static gboolean
load_int_settings (TnConfig    *config,
                   GKeyFile    *file,
                   const char  *path,
                   GError     **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (int_settings); i++)
    {
      const IntSetting *setting = &int_settings[i];
      g_autoptr(GError) local_error = NULL;
      gint64 value;

      if (!g_key_file_has_key (file, setting->group, setting->key, NULL))
        continue;
      value = g_key_file_get_int64 (file, setting->group, setting->key, &local_error);
      if (local_error != NULL || value < setting->min || value > setting->max)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s: [%s] %s must be a whole number between %u and %u"), path,
                       setting->group, setting->key, setting->min, setting->max);
          return FALSE;
        }
      *int_setting_field (config, setting) = (guint) value;
    }
  return TRUE;
}

TnConfig *
tn_config_new (const char *data_dir)
{
  TnConfig *config = g_new0 (TnConfig, 1);

  config->data_dir = g_strdup (data_dir);
  config->port = 8123;
  config->peers = g_new0 (char *, 1);
  config->peer_fingerprints = g_new0 (char *, 1);
  for (guint i = 0; i < G_N_ELEMENTS (int_settings); i++)
    *int_setting_field (config, &int_settings[i]) = int_settings[i].fallback;
  return config;
}

void
tn_config_free (TnConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->data_dir);
  g_free (config->store_id);
  g_free (config->terminal);
  g_strfreev (config->peers);
  g_free (config->hub_url);
  g_free (config->store_key_file);
  g_free (config->hub_key_file);
  g_free (config->tls_certificate_file);
  g_free (config->tls_key_file);
  g_strfreev (config->peer_fingerprints);
  g_strfreev (config->unknown_settings);
  g_free (config);
}

gboolean
tn_config_check_store (const TnConfig  *config,
                       const char      *data_dir,
                       const char      *store_id,
                       GError         **error)
{
  g_autofree char *path = NULL;

  if (config->store_id == NULL || g_strcmp0 (config->store_id, store_id) == 0)
    return TRUE;
  path = tn_config_file_path (data_dir);
  g_set_error (error, TN_ERROR, TN_ERROR_WRONG_STORE,
               _("%s says this lane belongs to store “%s”, but its database belongs to "
                 "“%s”. Restore the matching config.ini before going on."),
               path, config->store_id, store_id);
  return FALSE;
}

char *
tn_config_db_path (const char *data_dir)
{
  return g_build_filename (data_dir, "tendero.db", NULL);
}

char *
tn_config_file_path (const char *data_dir)
{
  return g_build_filename (data_dir, "config.ini", NULL);
}

gboolean
tn_config_validate_url (const char  *url,
                        gboolean     websocket,
                        GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (url == NULL || strlen (url) > 2048)
    goto bad;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    goto bad;
  scheme = g_uri_get_scheme (uri);
  if (websocket ? (g_strcmp0 (scheme, "ws") != 0 && g_strcmp0 (scheme, "wss") != 0)
                : (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0))
    goto bad;
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               websocket ? _("“%s” is not a peer address: use ws://HOST:PORT/tendero/v1/sync")
                         : _("“%s” is not a hub address: use https://HOST[:PORT]"),
               url ? url : "");
  return FALSE;
}

char *
tn_config_normalize_fingerprint (const char  *text,
                                 GError     **error)
{
  g_autoptr(GString) hex = g_string_sized_new (64);
  gboolean colons;
  gsize len;

  if (text == NULL)
    goto bad;
  text += strspn (text, " \t");
  len = strlen (text);
  while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
    len--;
  /* Either 64 digits in a row, or "AB:CD:…" as openssl prints it. */
  colons = memchr (text, ':', len) != NULL;
  if (len != (colons ? 95 : 64))
    goto bad;
  for (gsize i = 0; i < len; i++)
    {
      if (colons && i % 3 == 2)
        {
          if (text[i] != ':')
            goto bad;
          continue;
        }
      if (!g_ascii_isxdigit (text[i]))
        goto bad;
      g_string_append_c (hex, g_ascii_tolower (text[i]));
    }
  return g_string_free (g_steal_pointer (&hex), FALSE);

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("“%s” is not a SHA-256 certificate fingerprint: use the 64 hexadecimal "
                 "digits that “tendero-ctl tls fingerprint CERT.pem” prints"),
               text ? text : "");
  return NULL;
}

/* Reads a file setting of @file: relative paths are relative to the
 * data directory, and the file must be readable now. */
static gboolean
load_file_setting (GKeyFile    *file,
                   const char  *key,
                   const char  *data_dir,
                   const char  *path,
                   char       **out,
                   GError     **error)
{
  g_autofree char *value = g_key_file_get_string (file, GROUP, key, NULL);
  g_autofree char *base = NULL;

  if (value == NULL || *value == '\0')
    return TRUE;
  base = g_canonicalize_filename (data_dir, NULL);
  *out = g_canonicalize_filename (value, base);
  if (!g_file_test (*out, G_FILE_TEST_IS_REGULAR) || g_access (*out, R_OK) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: %s names “%s”, which is not a readable file"), path, key, *out);
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_tls (TnConfig    *config,
          GKeyFile    *file,
          const char  *path,
          GError     **error)
{
  g_auto(GStrv) pins = NULL;
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_null_terminated (0, g_free, TRUE);

  if (!load_file_setting (file, "tls-certificate-file", config->data_dir, path,
                          &config->tls_certificate_file, error) ||
      !load_file_setting (file, "tls-key-file", config->data_dir, path,
                          &config->tls_key_file, error))
    return FALSE;
  if ((config->tls_certificate_file == NULL) != (config->tls_key_file == NULL))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: tls-certificate-file and tls-key-file go together: set both to "
                     "listen on wss://, or neither"), path);
      return FALSE;
    }

  pins = g_key_file_get_string_list (file, GROUP, "peer-fingerprints", NULL, NULL);
  for (guint i = 0; pins != NULL && pins[i] != NULL; i++)
    {
      char *pin = tn_config_normalize_fingerprint (pins[i], error);

      if (pin == NULL)
        {
          g_prefix_error (error, _("%s: peer-fingerprints: "), path);
          return FALSE;
        }
      g_ptr_array_add (normalized, pin);
    }
  g_strfreev (config->peer_fingerprints);
  config->peer_fingerprints = (char **) g_ptr_array_free (g_steal_pointer (&normalized), FALSE);
  if (config->peer_fingerprints == NULL)
    config->peer_fingerprints = g_new0 (char *, 1);
  return TRUE;
}

static gboolean
is_known_setting (const char *group,
                  const char *key)
{
  static const char *const lane_keys[] = {
    "store", "terminal", "port", "peers", "hub", "fiscal-authority", "store-key-file",
    "hub-key-file", "tls-certificate-file", "tls-key-file", "peer-fingerprints", NULL
  };

  if (g_str_equal (group, GROUP) && g_strv_contains (lane_keys, key))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (int_settings); i++)
    if (g_str_equal (int_settings[i].group, group) && g_str_equal (int_settings[i].key, key))
      return TRUE;
  return FALSE;
}

/* A misspelt setting would otherwise be silently ignored. */
static char **
find_unknown_settings (GKeyFile *file)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);
  g_auto(GStrv) unknown = NULL;

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = g_key_file_get_keys (file, groups[i], NULL, NULL);

      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        if (!is_known_setting (groups[i], keys[j]))
          {
            g_autofree char *setting = g_strdup_printf ("[%s] %s", groups[i], keys[j]);

            g_strv_builder_add (builder, setting);
          }
    }
  unknown = g_strv_builder_end (builder);
  return unknown[0] != NULL ? g_steal_pointer (&unknown) : NULL;
}

TnConfig *
tn_config_load (const char  *data_dir,
                GError     **error)
{
  g_autoptr(TnConfig) config = tn_config_new (data_dir);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = tn_config_file_path (data_dir);
  gint port;

  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR) || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                   _("There is no Tendero store in %s. Create one with "
                   "“tendero-ctl --data-dir %s init --store STORE --terminal L1”, or pass the "
                   "right --data-dir."), data_dir, data_dir);
      return NULL;
    }
  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Cannot read %s: %s"), path,
                   local_error->message);
      return NULL;
    }

  config->store_id = g_key_file_get_string (file, GROUP, "store", NULL);
  config->terminal = g_key_file_get_string (file, GROUP, "terminal", NULL);
  if (config->store_id == NULL || config->terminal == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s is incomplete: it must name the store and the terminal"), path);
      return NULL;
    }

  port = g_key_file_get_integer (file, GROUP, "port", &local_error);
  if (local_error == NULL)
    {
      if (port < 0 || port > 65535)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("%s: port %d is out of range (0–65535)"), path, port);
          return NULL;
        }
      config->port = (guint) port;
    }
  else if (!g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_autofree char *text = g_key_file_get_value (file, GROUP, "port", NULL);

      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s: port “%s” is not a number: use a TCP port from 0 to 65535"), path,
                   text ? text : "");
      return NULL;
    }
  g_clear_error (&local_error);

  if (g_key_file_has_key (file, GROUP, "peers", NULL))
    {
      g_strfreev (config->peers);
      config->peers = g_key_file_get_string_list (file, GROUP, "peers", NULL, NULL);
      for (guint i = 0; config->peers && config->peers[i]; i++)
        if (!tn_config_validate_url (config->peers[i], TRUE, error))
          {
            g_prefix_error (error, _("%s: "), path);
            return NULL;
          }
      if (config->peers == NULL)
        config->peers = g_new0 (char *, 1);
    }
  config->hub_url = g_key_file_get_string (file, GROUP, "hub", NULL);
  if (config->hub_url != NULL && *config->hub_url == '\0')
    g_clear_pointer (&config->hub_url, g_free);
  if (config->hub_url != NULL && !tn_config_validate_url (config->hub_url, FALSE, error))
    {
      g_prefix_error (error, _("%s: "), path);
      return NULL;
    }
  config->fiscal_authority = g_key_file_get_boolean (file, GROUP, "fiscal-authority", NULL);
  if (!tn_config_check_authority (config, error))
    {
      g_prefix_error (error, _("%s: "), path);
      return NULL;
    }
  config->store_key_file = g_key_file_get_string (file, GROUP, "store-key-file", NULL);
  config->hub_key_file = g_key_file_get_string (file, GROUP, "hub-key-file", NULL);

  if (!load_int_settings (config, file, path, error) ||
      !load_tls (config, file, path, error))
    return NULL;
  config->unknown_settings = find_unknown_settings (file);
  return g_steal_pointer (&config);
}

gboolean
tn_config_check_authority (const TnConfig  *config,
                           GError         **error)
{
  /* Two authorities drawing on one number sequence could hand out the
   * same numbers: with a hub, the hub alone grants blocks (DESIGN §6). */
  if (config->fiscal_authority && config->hub_url != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("A lane with a hub cannot also be the fiscal authority: the hub hands "
                     "out fiscal number blocks. Remove the hub or the fiscal-authority "
                     "setting."));
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_config_save (const TnConfig  *config,
                GError         **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = tn_config_file_path (config->data_dir);

  if (!tn_config_check_authority (config, error))
    return FALSE;

  g_key_file_set_string (file, GROUP, "store", config->store_id);
  g_key_file_set_string (file, GROUP, "terminal", config->terminal);
  g_key_file_set_integer (file, GROUP, "port", (gint) config->port);
  g_key_file_set_string_list (file, GROUP, "peers", (const char * const *) config->peers,
                              config->peers ? g_strv_length (config->peers) : 0);
  g_key_file_set_string (file, GROUP, "hub", config->hub_url ? config->hub_url : "");
  g_key_file_set_boolean (file, GROUP, "fiscal-authority", config->fiscal_authority);
  if (config->store_key_file != NULL)
    g_key_file_set_string (file, GROUP, "store-key-file", config->store_key_file);
  if (config->hub_key_file != NULL)
    g_key_file_set_string (file, GROUP, "hub-key-file", config->hub_key_file);
  if (config->tls_certificate_file != NULL)
    g_key_file_set_string (file, GROUP, "tls-certificate-file", config->tls_certificate_file);
  if (config->tls_key_file != NULL)
    g_key_file_set_string (file, GROUP, "tls-key-file", config->tls_key_file);
  if (config->peer_fingerprints != NULL && config->peer_fingerprints[0] != NULL)
    g_key_file_set_string_list (file, GROUP, "peer-fingerprints",
                                (const char * const *) config->peer_fingerprints,
                                g_strv_length (config->peer_fingerprints));
  /* The lane's own timings always, to be found and edited; of the
   * hub's only what differs from the defaults: a plain lane's file stays
   * short. */
  for (guint i = 0; i < G_N_ELEMENTS (int_settings); i++)
    {
      guint value = *int_setting_field ((TnConfig *) config, &int_settings[i]);

      if (g_str_equal (int_settings[i].group, GROUP) || value != int_settings[i].fallback)
        g_key_file_set_uint64 (file, int_settings[i].group, int_settings[i].key, value);
    }
  if (!g_key_file_save_to_file (file, path, error))
    {
      g_prefix_error (error, _("Cannot write %s: "), path);
      return FALSE;
    }
  return TRUE;
}
