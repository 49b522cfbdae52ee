/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-sync-auth.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tn-error.h"

/* A key file is a line of text; anything much larger is a wrong path. */
#define MAX_KEY_FILE 4096

/* Key bytes that are wiped before their memory is given back. */
typedef struct
{
  gsize  len;
  guint8 data[];
} KeyBuffer;

static void
key_buffer_free (gpointer data)
{
  KeyBuffer *buffer = data;

  explicit_bzero (buffer->data, buffer->len);
  g_free (buffer);
}

static void
wipe_string (char *text)
{
  if (text != NULL)
    {
      explicit_bzero (text, strlen (text));
      g_free (text);
    }
}

char *
tn_sync_auth_nonce (void)
{
  guint8 bytes[TN_SYNC_NONCE_BYTES];
  GString *hex = g_string_sized_new (2 * TN_SYNC_NONCE_BYTES);
  gsize filled = 0;

  /* getrandom() blocks only until the kernel pool is first seeded, and
   * returns up to 256 bytes whole unless a signal interrupts it. */
  while (filled < sizeof bytes)
    {
      ssize_t got = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (got < 0)
        {
          if (errno == EINTR)
            continue;
          /* A nonce from a weaker source would make the handshake
           * replayable: better to stop. */
          g_error ("getrandom() failed: %s", g_strerror (errno));
        }
      filled += got;
    }
  for (gsize i = 0; i < sizeof bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

char *
tn_sync_auth_mac (const guint8 *key,
                  gsize         key_len,
                  const char   *nonce_hex,
                  const char   *replica)
{
  g_autoptr(GHmac) hmac = NULL;
  gsize hex_len;

  g_return_val_if_fail (key != NULL && key_len > 0, NULL);
  g_return_val_if_fail (nonce_hex != NULL, NULL);
  g_return_val_if_fail (replica != NULL, NULL);

  hex_len = strlen (nonce_hex);
  if (hex_len == 0 || hex_len % 2 != 0)
    return NULL;

  hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_len);
  for (gsize i = 0; i < hex_len; i += 2)
    {
      int hi = g_ascii_xdigit_value (nonce_hex[i]);
      int lo = g_ascii_xdigit_value (nonce_hex[i + 1]);
      guint8 byte;

      if (hi < 0 || lo < 0)
        return NULL;
      byte = (guint8) (hi << 4 | lo);
      g_hmac_update (hmac, &byte, 1);
    }
  g_hmac_update (hmac, (const guchar *) replica, strlen (replica));
  return g_strdup (g_hmac_get_string (hmac));
}

gboolean
tn_sync_auth_verify (const guint8 *key,
                     gsize         key_len,
                     const char   *nonce_hex,
                     const char   *replica,
                     const char   *mac_hex)
{
  g_autofree char *expected = NULL;
  guint8 diff = 0;

  g_return_val_if_fail (key != NULL && key_len > 0, FALSE);

  if (nonce_hex == NULL || replica == NULL || mac_hex == NULL)
    return FALSE;
  expected = tn_sync_auth_mac (key, key_len, nonce_hex, replica);
  if (expected == NULL || strlen (mac_hex) != 64)
    return FALSE;
  /* No early exit: the time taken must not tell how much matched. */
  for (gsize i = 0; i < 64; i++)
    diff |= (guint8) (expected[i] ^ mac_hex[i]);
  return diff == 0;
}

static gboolean
read_key_file (const char  *path,
               char       **out,
               GError     **error)
{
  g_autofree char *buffer = NULL;
  struct stat st;
  gsize filled = 0;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, TN_ERROR,
                   saved == ENOENT ? TN_ERROR_NOT_FOUND :
                   saved == EACCES ? TN_ERROR_PERMISSION : TN_ERROR_FAILED,
                   _("Cannot open the store key file %s: %s"), path, g_strerror (saved));
      return FALSE;
    }

  /* fstat() of what we opened: no window for a swap after the check. */
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The store key file %s is not a regular file"), path);
      close (fd);
      return FALSE;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_PERMISSION,
                   _("The store key file %s can be read by other users; "
                     "make it private with “chmod 600 %s”"), path, path);
      close (fd);
      return FALSE;
    }

  buffer = g_malloc (MAX_KEY_FILE + 1);
  for (;;)
    {
      ssize_t got = read (fd, buffer + filled, MAX_KEY_FILE + 1 - filled);

      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          int saved = errno;

          g_set_error (error, TN_ERROR, TN_ERROR_FAILED,
                       _("Cannot read the store key file %s: %s"), path, g_strerror (saved));
          explicit_bzero (buffer, filled);
          close (fd);
          return FALSE;
        }
      if (got == 0)
        break;
      filled += got;
      if (filled > MAX_KEY_FILE)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("The store key file %s is larger than %d bytes; "
                         "it should hold only the store key"), path, MAX_KEY_FILE);
          explicit_bzero (buffer, filled);
          close (fd);
          return FALSE;
        }
    }
  close (fd);

  if (memchr (buffer, '\0', filled) != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The store key file %s holds binary data; it should hold the "
                     "store key as text"), path);
      explicit_bzero (buffer, filled);
      return FALSE;
    }
  buffer[filled] = '\0';
  *out = g_steal_pointer (&buffer);
  return TRUE;
}

GBytes *
tn_sync_auth_load_key (const char  *key_file,
                       GError     **error)
{
  KeyBuffer *key;
  char *text = NULL;
  const char *start, *end;
  gsize len;

  if (key_file != NULL)
    {
      if (!read_key_file (key_file, &text, error))
        return NULL;
    }
  else
    {
      const char *env = g_getenv ("TENDERO_STORE_KEY");

      if (env == NULL || env[0] == '\0')
        {
          g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                       _("No store key: pass --store-key-file FILE or set TENDERO_STORE_KEY"));
          return NULL;
        }
      text = g_strdup (env);
    }

  /* Editors and `echo` add a newline; the key is what is between. */
  start = text;
  while (g_ascii_isspace (*start))
    start++;
  end = start + strlen (start);
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  len = end - start;

  if (len < TN_SYNC_MIN_KEY_BYTES)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The store key in %s is %zu bytes long; "
                     "it must be at least %d"),
                   key_file != NULL ? key_file : "TENDERO_STORE_KEY", len,
                   TN_SYNC_MIN_KEY_BYTES);
      wipe_string (text);
      return NULL;
    }

  key = g_malloc (sizeof (KeyBuffer) + len);
  key->len = len;
  memcpy (key->data, start, len);
  wipe_string (text);
  return g_bytes_new_with_free_func (key->data, key->len, key_buffer_free, key);
}
