/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-keys.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/random.h>

#include "tn-event.h"
#include "tn-hub-error.h"

/* Keys are never revoked while a hub runs (there is no revoke command
 * yet), so a key that opened a store once keeps opening it: remember it
 * and spare every request a round-trip. */
static GHashTable *known_keys;   /* hash → store */
static GMutex known_keys_lock;

char *
tn_hub_key_hash (const char *key)
{
  return tn_sha256_hex (key, strlen (key));
}

char *
tn_hub_keys_create (TnHubDb     *db,
                    const char  *store,
                    GError     **error)
{
  guint8 random[32];
  g_autofree char *hash = NULL;
  GString *key;
  const char *params[2];
  gsize filled = 0;

  if (!tn_validate_store_id (store, error))
    return NULL;
  while (filled < sizeof random)
    {
      ssize_t n = getrandom (random + filled, sizeof random - filled, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                       _("The system has no random numbers for a key: %s"), g_strerror (errno));
          return NULL;
        }
      filled += n;
    }
  key = g_string_sized_new (64);
  for (guint i = 0; i < sizeof random; i++)
    g_string_append_printf (key, "%02x", random[i]);
  hash = tn_hub_key_hash (key->str);

  params[0] = store;
  params[1] = hash;
  if (!tn_hub_db_ensure_store (db, store, error) ||
      !tn_hub_db_command (db, "INSERT INTO api_keys (key_sha256, store) VALUES ($2, $1)",
                          2, params, error))
    {
      g_string_free (key, TRUE);
      return NULL;
    }
  return g_string_free (key, FALSE);
}

gboolean
tn_hub_keys_check (TnHubDb     *db,
                   const char  *store,
                   const char  *key,
                   GError     **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *owner = NULL;
  const char *params[1];
  PGresult *result;

  if (key == NULL || *key == '\0')
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_UNAUTHORIZED,
                   _("No API key: send “Authorization: Bearer <key>” with the key "
                   "`tendero-hub keys create` printed for store %s"), store);
      return FALSE;
    }
  hash = tn_hub_key_hash (key);

  g_mutex_lock (&known_keys_lock);
  if (known_keys != NULL)
    owner = g_strdup (g_hash_table_lookup (known_keys, hash));
  g_mutex_unlock (&known_keys_lock);

  if (owner == NULL)
    {
      params[0] = hash;
      result = tn_hub_db_exec (db, "SELECT store FROM api_keys WHERE key_sha256 = $1",
                               1, params, error);
      if (result == NULL)
        return FALSE;
      if (PQntuples (result) > 0)
        owner = g_strdup (PQgetvalue (result, 0, 0));
      PQclear (result);
      if (owner != NULL)
        {
          g_mutex_lock (&known_keys_lock);
          if (known_keys == NULL)
            known_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_replace (known_keys, g_strdup (hash), g_strdup (owner));
          g_mutex_unlock (&known_keys_lock);
        }
    }

  if (owner == NULL || strcmp (owner, store) != 0)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_UNAUTHORIZED,
                   _("This API key does not open store %s: use the key created with "
                   "`tendero-hub keys create --store %s`"), store, store);
      return FALSE;
    }
  return TRUE;
}
