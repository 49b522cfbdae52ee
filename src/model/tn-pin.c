/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-pin.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <glib/gi18n.h>

#include "tn-error.h"

#define PIN_MIN_DIGITS   4
#define PIN_MAX_DIGITS   12

#define SCHEME           "pbkdf2-sha256"
#define MIN_ITERATIONS   TN_PIN_ITERATIONS
#define MAX_ITERATIONS   10000000
#define SALT_LEN         16
#define HASH_LEN         32   /* SHA-256 digest */

/* HMAC-SHA256 (@key_state, @data ‖ @data2), from a copy of a GHmac that
 * has been given the key but no data yet: the copy skips hashing the
 * padded key again, two of the four SHA-256 blocks that an HMAC of a
 * short message costs. */
static void
hmac_from_keyed (GHmac        *key_state,
                 const guint8 *data,
                 gsize         data_len,
                 const guint8 *data2,
                 gsize         data2_len,
                 guint8        out[HASH_LEN])
{
  g_autoptr(GHmac) hmac = g_hmac_copy (key_state);
  gsize len = HASH_LEN;

  g_hmac_update (hmac, data, data_len);
  if (data2_len > 0)
    g_hmac_update (hmac, data2, data2_len);
  g_hmac_get_digest (hmac, out, &len);
  g_assert (len == HASH_LEN);
}

/* Bytes from the kernel's CSPRNG.  getrandom() only fails on a kernel
 * older than 3.17 or with bad arguments; neither can happen here, and
 * a PIN must never get a predictable salt, so there is no fallback. */
static void
fill_random (guint8 *buf,
             gsize   len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = getrandom (buf + done, len - done, 0);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_error ("getrandom() failed: %s", g_strerror (saved_errno));
        }
      done += (gsize) n;
    }
}

static char *
hex_encode (const guint8 *data,
            gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      hex[2 * i] = digits[data[i] >> 4];
      hex[2 * i + 1] = digits[data[i] & 0xf];
    }
  hex[len * 2] = '\0';

  return hex;
}

/* Lowercase only, as hex_encode() writes it. */
static int
lower_hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Exactly @len bytes as 2 × @len lowercase hex digits, nothing else. */
static gboolean
hex_decode (const char *hex,
            guint8     *out,
            gsize       len)
{
  if (strlen (hex) != len * 2)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      int hi = lower_hex_value (hex[2 * i]);
      int lo = lower_hex_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }

  return TRUE;
}

/* Plain decimal, no sign, no leading zero, within the accepted range. */
static gboolean
parse_iterations (const char *text,
                  guint      *out)
{
  guint64 value = 0;
  gsize len = strlen (text);

  if (len == 0 || len > 8 || text[0] == '0')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      value = value * 10 + (guint) (text[i] - '0');
    }

  if (value < MIN_ITERATIONS || value > MAX_ITERATIONS)
    return FALSE;

  *out = (guint) value;
  return TRUE;
}

void
tn_pbkdf2_sha256 (const guint8 *password,
                  gsize         password_len,
                  const guint8 *salt,
                  gsize         salt_len,
                  guint         iterations,
                  guint8        out[32])
{
  static const guint8 block_index[4] = { 0, 0, 0, 1 };   /* INT (1), big endian */
  g_autoptr(GHmac) key_state = NULL;
  guint8 u[HASH_LEN];

  g_return_if_fail (password != NULL || password_len == 0);
  g_return_if_fail (salt != NULL || salt_len == 0);
  g_return_if_fail (iterations >= 1);
  g_return_if_fail (out != NULL);

  /* An empty password may come as NULL; g_hmac_new() gets a real pointer. */
  key_state = g_hmac_new (G_CHECKSUM_SHA256, password_len > 0 ? password : (const guint8 *) "",
                          password_len);

  /* T_1 = U_1 ^ U_2 ^ … ^ U_c, with U_1 = PRF (P, S ‖ INT (1)) and
   * U_j = PRF (P, U_{j-1}).  dkLen = hLen, so T_1 is the whole key. */
  hmac_from_keyed (key_state, salt, salt_len, block_index, sizeof block_index, u);
  memcpy (out, u, HASH_LEN);

  for (guint j = 1; j < iterations; j++)
    {
      hmac_from_keyed (key_state, u, HASH_LEN, NULL, 0, u);
      for (gsize i = 0; i < HASH_LEN; i++)
        out[i] ^= u[i];
    }

  explicit_bzero (u, sizeof u);
}

gboolean
tn_pin_validate (const char  *pin,
                 GError     **error)
{
  gsize len;

  g_return_val_if_fail (pin != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (len = 0; pin[len] != '\0'; len++)
    {
      if (!g_ascii_isdigit (pin[len]) || len >= PIN_MAX_DIGITS)
        break;
    }

  if (pin[len] != '\0' || len < PIN_MIN_DIGITS)
    {
      /* The PIN itself stays out of the message: it is a secret. */
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                           _("A PIN is 4 to 12 digits"));
      return FALSE;
    }

  return TRUE;
}

char *
tn_pin_hash (const char *pin,
             guint       iterations)
{
  guint8 salt[SALT_LEN];
  guint8 hash[HASH_LEN];
  g_autofree char *salt_hex = NULL;
  g_autofree char *hash_hex = NULL;

  g_return_val_if_fail (pin != NULL, NULL);
  g_return_val_if_fail (tn_pin_validate (pin, NULL), NULL);
  g_return_val_if_fail (iterations >= MIN_ITERATIONS && iterations <= MAX_ITERATIONS, NULL);

  fill_random (salt, sizeof salt);
  tn_pbkdf2_sha256 ((const guint8 *) pin, strlen (pin), salt, sizeof salt, iterations, hash);

  salt_hex = hex_encode (salt, sizeof salt);
  hash_hex = hex_encode (hash, sizeof hash);
  explicit_bzero (hash, sizeof hash);

  return g_strdup_printf (SCHEME "$%u$%s$%s", iterations, salt_hex, hash_hex);
}

gboolean
tn_pin_verify (const char *pin,
               const char *encoded)
{
  g_auto(GStrv) fields = NULL;
  guint8 salt[SALT_LEN];
  guint8 expected[HASH_LEN];
  guint8 actual[HASH_LEN];
  guint8 diff = 0;
  guint iterations;

  g_return_val_if_fail (pin != NULL, FALSE);

  /* A stored hash comes from the database or another lane: anything
   * but the exact form tn_pin_hash() writes is refused. */
  if (encoded == NULL)
    return FALSE;

  /* tn_pin_hash() never hashes anything else, so nothing can match. */
  if (!tn_pin_validate (pin, NULL))
    return FALSE;

  fields = g_strsplit (encoded, "$", -1);
  if (g_strv_length (fields) != 4 ||
      strcmp (fields[0], SCHEME) != 0 ||
      !parse_iterations (fields[1], &iterations) ||
      !hex_decode (fields[2], salt, sizeof salt) ||
      !hex_decode (fields[3], expected, sizeof expected))
    return FALSE;

  tn_pbkdf2_sha256 ((const guint8 *) pin, strlen (pin), salt, sizeof salt, iterations, actual);

  /* Every byte is compared whatever the first difference. */
  for (gsize i = 0; i < HASH_LEN; i++)
    diff |= actual[i] ^ expected[i];

  explicit_bzero (actual, sizeof actual);

  return diff == 0;
}
