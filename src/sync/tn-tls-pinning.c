/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-sync"

#include "config.h"

#include "tn-tls-pinning.h"

#include <glib/gi18n.h>

#include "tn-error.h"

#define WATCH_KEY "tn-tls-pinning"

/* What tn_tls_pinning_watch_message() attaches to a message. */
typedef struct
{
  GStrv  pins;
  char  *rejection;   /* why the peer's certificate was refused, or NULL */
} PinWatch;

/* Helpers ---------------------------------------------------------------- */

static void
pin_watch_free (PinWatch *watch)
{
  g_strfreev (watch->pins);
  g_free (watch->rejection);
  g_free (watch);
}

static char *
describe_mismatch (SoupMessage        *msg,
                   GTlsCertificate    *certificate,
                   const char * const *pins)
{
  g_autofree char *fingerprint = tn_tls_certificate_fingerprint (certificate);
  g_autofree char *host = NULL;
  GUri *uri = soup_message_get_uri (msg);

  host = g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD | G_URI_HIDE_QUERY |
                                       G_URI_HIDE_FRAGMENT);
  if (pins == NULL || pins[0] == NULL)
    return g_strdup_printf (_("The certificate of %s (SHA-256 %s) is not trusted: pin it in "
                              "peer-fingerprints of config.ini (tendero-ctl init --pin-peer) "
                              "to use wss://"), host, fingerprint);
  return g_strdup_printf (_("The certificate of %s (SHA-256 %s) matches none of the pinned "
                            "peer-fingerprints: refusing the connection"), host, fingerprint);
}

/* Callbacks -------------------------------------------------------------- */

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  PinWatch *watch = user_data;

  /* Lanes' certificates are self-signed and name no host: the pin is
   * what vouches for them. */
  if (tn_tls_pinning_matches (certificate, (const char * const *) watch->pins))
    return TRUE;
  g_free (watch->rejection);
  watch->rejection = describe_mismatch (msg, certificate, (const char * const *) watch->pins);
  return FALSE;
}

/* Public API ------------------------------------------------------------- */

char *
tn_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

char *
tn_tls_fingerprint_file (const char  *pem_file,
                         GError     **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (pem_file != NULL, NULL);

  certificate = g_tls_certificate_new_from_file (pem_file, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Cannot read a certificate from %s: %s"), pem_file, local_error->message);
      return NULL;
    }
  return tn_tls_certificate_fingerprint (certificate);
}

gboolean
tn_tls_pinning_matches (GTlsCertificate    *certificate,
                        const char * const *pins)
{
  g_autofree char *fingerprint = NULL;

  if (certificate == NULL || pins == NULL || pins[0] == NULL)
    return FALSE;
  fingerprint = tn_tls_certificate_fingerprint (certificate);
  return fingerprint != NULL && g_strv_contains (pins, fingerprint);
}

GTlsCertificate *
tn_tls_load_server_certificate (const char  *certificate_file,
                                const char  *key_file,
                                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (certificate_file != NULL, NULL);
  g_return_val_if_fail (key_file != NULL, NULL);

  if (g_tls_backend_get_default () == NULL ||
      !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_FAILED,
                   _("This system has no TLS support (install glib-networking) and cannot "
                     "listen on wss://"));
      return NULL;
    }
  certificate = g_tls_certificate_new_from_files (certificate_file, key_file, &local_error);
  if (certificate == NULL)
    g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                 _("Cannot use the TLS certificate %s with the key %s: %s"),
                 certificate_file, key_file, local_error->message);
  return certificate;
}

void
tn_tls_pinning_watch_message (SoupMessage        *msg,
                              const char * const *pins)
{
  PinWatch *watch;

  g_return_if_fail (SOUP_IS_MESSAGE (msg));

  watch = g_new0 (PinWatch, 1);
  watch->pins = g_strdupv ((char **) pins);
  g_object_set_data_full (G_OBJECT (msg), WATCH_KEY, watch, (GDestroyNotify) pin_watch_free);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), watch);
}

gboolean
tn_tls_pinning_check_message (SoupMessage  *msg,
                              gboolean      connected,
                              GError      **error)
{
  PinWatch *watch;
  GTlsCertificate *certificate;
  const char *scheme;

  g_return_val_if_fail (SOUP_IS_MESSAGE (msg), FALSE);

  watch = g_object_get_data (G_OBJECT (msg), WATCH_KEY);
  if (watch == NULL)
    return TRUE;
  if (watch->rejection != NULL)
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_PERMISSION, watch->rejection);
      return FALSE;
    }
  if (!connected)
    return TRUE;

  certificate = soup_message_get_tls_peer_certificate (msg);
  scheme = g_uri_get_scheme (soup_message_get_uri (msg));
  if (certificate == NULL)
    {
      if (g_strcmp0 (scheme, "wss") != 0 && g_strcmp0 (scheme, "https") != 0)
        return TRUE;
      g_set_error (error, TN_ERROR, TN_ERROR_PERMISSION,
                   _("The peer presented no TLS certificate"));
      return FALSE;
    }
  /* Also when the system trusts the certificate: only pins count. */
  if (!tn_tls_pinning_matches (certificate, (const char * const *) watch->pins))
    {
      g_autofree char *reason = describe_mismatch (msg, certificate,
                                                   (const char * const *) watch->pins);

      g_set_error_literal (error, TN_ERROR, TN_ERROR_PERMISSION, reason);
      return FALSE;
    }
  return TRUE;
}
