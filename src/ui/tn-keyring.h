/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The lane's secrets in the user's keyring (libsecret; schemas
 * org.tendero.Tendero.StoreKey and org.tendero.Tendero.HubKey, attribute
 * "store").  Where there is no keyring the key goes to a file only this
 * user can read (tn_keyring_write_key_file ()), and the caller warns
 * about it. */

typedef enum
{
  TN_KEYRING_STORE_KEY,   /* the peers' shared store key */
  TN_KEYRING_HUB_KEY,     /* the lane's key for the cloud hub */
} TnKeyringSecret;

void     tn_keyring_store_async      (TnKeyringSecret      secret,
                                      const char          *store_id,
                                      const char          *key,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean tn_keyring_store_finish     (GAsyncResult        *result,
                                      GError             **error);

/* The key of @store_id, or NULL with an error (G_IO_ERROR_NOT_FOUND
 * when the keyring has none, TN_ERROR_INVALID when the stored key is
 * not a valid key of its kind). */
void     tn_keyring_lookup_async     (TnKeyringSecret      secret,
                                      const char          *store_id,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GBytes  *tn_keyring_lookup_finish    (GAsyncResult        *result,
                                      GError             **error);

/* Writes @key to @data_dir/store.key (hub.key) with mode 0600 (the fallback when
 * there is no keyring).  Returns the file's path. */
char    *tn_keyring_write_key_file   (TnKeyringSecret      secret,
                                      const char          *data_dir,
                                      const char          *key,
                                      GError             **error);
/* The fallback file's path (whether it exists or not). */
char    *tn_keyring_key_file_path    (TnKeyringSecret      secret,
                                      const char          *data_dir);

/* A new random store key: 64 hex digits from the kernel's CSPRNG. */
char    *tn_keyring_generate_key     (void);

G_END_DECLS
