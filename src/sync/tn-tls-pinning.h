/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* wss:// between lanes.  Lanes use self-signed certificates, so a peer
 * is trusted by the SHA-256 fingerprint of its certificate (pinned in
 * config.ini, "peer-fingerprints"), never by a certificate authority:
 * a wss:// peer whose certificate matches no pin is refused even when
 * the system would trust it. */

/* SHA-256 of the certificate's DER encoding, 64 lowercase hex digits
 * (what `openssl x509 -noout -fingerprint -sha256` prints, without the
 * colons). */
char            *tn_tls_certificate_fingerprint (GTlsCertificate    *certificate);
/* The same for the first certificate of a PEM file. */
char            *tn_tls_fingerprint_file        (const char         *pem_file,
                                                 GError            **error);
/* Whether @certificate's fingerprint is one of @pins (normalised, as
 * tn_config_normalize_fingerprint() gives them). */
gboolean         tn_tls_pinning_matches         (GTlsCertificate    *certificate,
                                                 const char * const *pins);

/* The lane's own certificate and private key, for its server. */
GTlsCertificate *tn_tls_load_server_certificate (const char         *certificate_file,
                                                 const char         *key_file,
                                                 GError            **error);

/* Client side: makes @msg (to a wss:// peer) accept the peer's
 * certificate only if it matches @pins, which are copied. */
void             tn_tls_pinning_watch_message   (SoupMessage        *msg,
                                                 const char * const *pins);
/* After the connection attempt of a watched @msg (@connected: whether
 * it succeeded): FALSE with a message about the certificate if it was
 * refused, or if the connection's certificate matches no pin; TRUE
 * otherwise (also for ws://, and for failures that were not about the
 * certificate). */
gboolean         tn_tls_pinning_check_message   (SoupMessage        *msg,
                                                 gboolean            connected,
                                                 GError            **error);

G_END_DECLS
