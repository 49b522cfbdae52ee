/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>
#include <errno.h>
#include <string.h>

#include "tn-cloud-client.h"
#include "tn-error.h"
#include "tn-keyring.h"
#include "tn-sync-auth.h"

static const SecretSchema *
key_schema (TnKeyringSecret secret)
{
  static const SecretSchema schemas[] = {
    [TN_KEYRING_STORE_KEY] = {
      "org.tendero.Tendero.StoreKey", SECRET_SCHEMA_NONE,
      {
        { "store", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
      }
    },
    [TN_KEYRING_HUB_KEY] = {
      "org.tendero.Tendero.HubKey", SECRET_SCHEMA_NONE,
      {
        { "store", SECRET_SCHEMA_ATTRIBUTE_STRING },
        { NULL, 0 },
      }
    },
  };

  g_assert ((guint) secret < G_N_ELEMENTS (schemas));
  return &schemas[secret];
}

/* A key read from the keyring is checked like one read from a file: the
 * keyring is shared with other programs. */
static gboolean
validate_key (TnKeyringSecret   secret,
              const char       *key,
              GError          **error)
{
  if (secret == TN_KEYRING_HUB_KEY)
    {
      if (tn_cloud_validate_key (key, error))
        return TRUE;
      g_prefix_error (error, _("The hub key in the keyring is not valid: "));
      return FALSE;
    }
  if (strlen (key) < TN_SYNC_MIN_KEY_BYTES)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The store key in the keyring is too short"));
      return FALSE;
    }
  return TRUE;
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
tn_keyring_store_async (TnKeyringSecret      secret,
                        const char          *store_id,
                        const char          *key,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = secret == TN_KEYRING_HUB_KEY
    ? g_strdup_printf (_("Tendero hub key for “%s”"), store_id)
    : g_strdup_printf (_("Tendero store key for “%s”"), store_id);

  g_task_set_source_tag (task, tn_keyring_store_async);
  secret_password_store (key_schema (secret), SECRET_COLLECTION_DEFAULT, label, key,
                         cancellable, on_stored, task, "store", store_id, NULL);
}

gboolean
tn_keyring_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TnKeyringSecret secret = GPOINTER_TO_INT (g_task_get_task_data (task));
  GError *error = NULL;
  char *password = secret_password_lookup_finish (result, &error);
  gsize length;

  if (password == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                     secret == TN_KEYRING_HUB_KEY
                                     ? _("The keyring holds no hub key for this store")
                                     : _("The keyring holds no key for this store"));
      g_task_return_error (task, error);
      return;
    }
  g_strstrip (password);
  length = strlen (password);
  if (!validate_key (secret, password, &error))
    {
      secret_password_free (password);
      g_task_return_error (task, error);
      return;
    }
  /* Same bytes as tn_sync_auth_load_key () reads from a key file. */
  g_task_return_pointer (task, g_bytes_new_with_free_func (password, length,
                                                           (GDestroyNotify) secret_password_free,
                                                           password),
                         (GDestroyNotify) g_bytes_unref);
}

void
tn_keyring_lookup_async (TnKeyringSecret      secret,
                         const char          *store_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, tn_keyring_lookup_async);
  g_task_set_task_data (task, GINT_TO_POINTER (secret), NULL);
  secret_password_lookup (key_schema (secret), cancellable, on_looked_up, task,
                          "store", store_id, NULL);
}

GBytes *
tn_keyring_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
tn_keyring_key_file_path (TnKeyringSecret  secret,
                          const char      *data_dir)
{
  return g_build_filename (data_dir, secret == TN_KEYRING_HUB_KEY ? "hub.key" : "store.key",
                           NULL);
}

char *
tn_keyring_write_key_file (TnKeyringSecret   secret,
                           const char       *data_dir,
                           const char       *key,
                           GError          **error)
{
  g_autofree char *path = tn_keyring_key_file_path (secret, data_dir);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Cannot create the data directory %s: %s"), data_dir,
                   g_strerror (saved_errno));
      return NULL;
    }
  /* g_file_set_contents_full () creates the file with this mode, so the
   * key is never readable by others, not even for a moment. */
  if (!g_file_set_contents_full (path, key, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error))
    return NULL;
  return g_steal_pointer (&path);
}

char *
tn_keyring_generate_key (void)
{
  /* The protocol's nonce generator is the same 32 CSPRNG bytes as hex. */
  return tn_sync_auth_nonce ();
}
