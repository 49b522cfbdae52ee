/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Mutual authentication of two lanes with the store key (DESIGN §4):
 * each side proves it holds the key by answering the other's nonce with
 * HMAC-SHA256(key, nonce ‖ replica). */

#define TN_SYNC_NONCE_BYTES   32
#define TN_SYNC_MIN_KEY_BYTES 16

/* 32 bytes from the kernel's CSPRNG as 64 lowercase hex digits. */
char     *tn_sync_auth_nonce    (void);

/* HMAC-SHA256 (@key, bytes of @nonce_hex ‖ UTF-8 of @replica) as 64
 * lowercase hex digits.  The protocol's nonces are 64 hex digits, but
 * any even number of hex digits is taken.  Returns NULL if @nonce_hex
 * is not hex. */
char     *tn_sync_auth_mac      (const guint8 *key,
                                 gsize         key_len,
                                 const char   *nonce_hex,
                                 const char   *replica);

/* Checks @mac_hex against the MAC it should be, in constant time. */
gboolean  tn_sync_auth_verify   (const guint8 *key,
                                 gsize         key_len,
                                 const char   *nonce_hex,
                                 const char   *replica,
                                 const char   *mac_hex);

/* The store key from @key_file (its contents, surrounding whitespace
 * trimmed), or from $TENDERO_STORE_KEY when @key_file is NULL.  A file
 * that group or others may read is refused (TN_ERROR_PERMISSION); a
 * key shorter than TN_SYNC_MIN_KEY_BYTES is refused (TN_ERROR_INVALID).
 * The returned bytes are wiped when freed. */
GBytes   *tn_sync_auth_load_key (const char   *key_file,
                                 GError      **error);

G_END_DECLS
