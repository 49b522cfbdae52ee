/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-hub-db.h"

G_BEGIN_DECLS

/* API keys, one or more per store.  A key is 256 random bits as 64 hex
 * digits; PostgreSQL keeps only its SHA-256, so a leaked database does
 * not leak keys. */

/* SHA-256 hex of @key. */
char     *tn_hub_key_hash      (const char  *key);

/* Creates the store if needed and a new key for it; returns the key,
 * which is never shown again. */
char     *tn_hub_keys_create   (TnHubDb     *db,
                                const char  *store,
                                GError     **error);

/* Whether @key opens @store: FALSE with TN_HUB_ERROR_UNAUTHORIZED for a
 * missing, unknown or other store's key. */
gboolean  tn_hub_keys_check    (TnHubDb     *db,
                                const char  *store,
                                const char  *key,
                                GError     **error);

G_END_DECLS
