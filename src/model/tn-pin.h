/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TN_PIN_ITERATIONS 100000

/* PBKDF2-HMAC-SHA256 (RFC 8018) with one 32-byte block of output. */
void     tn_pbkdf2_sha256 (const guint8 *password,
                           gsize         password_len,
                           const guint8 *salt,
                           gsize         salt_len,
                           guint         iterations,
                           guint8        out[32]);

/* Checks the PIN is 4–12 digits. */
gboolean tn_pin_validate  (const char   *pin,
                           GError      **error);

/* Returns "pbkdf2-sha256$ITER$SALT_HEX$HASH_HEX" with a fresh random
 * 16-byte salt. */
char    *tn_pin_hash      (const char   *pin,
                           guint         iterations);

/* Constant-time comparison against a string made by tn_pin_hash().
 * A malformed @encoded never matches. */
gboolean tn_pin_verify    (const char   *pin,
                           const char   *encoded);

G_END_DECLS
