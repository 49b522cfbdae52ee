/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ctl.h"

#include <glib/gi18n.h>

#include "tn-tls-pinning.h"

/* `tendero-ctl tls fingerprint CERT.pem`: what another lane pins
 * (tendero-ctl init --pin-peer, peer-fingerprints in config.ini) to
 * trust this lane's certificate over wss://. */

gboolean
tn_ctl_cmd_tls_fingerprint (TnCtl   *ctl,
                            int      argc,
                            char   **argv,
                            GError **error)
{
  g_autofree char *fingerprint = NULL;
  const GOptionEntry entries[] = {
    { NULL }
  };

  if (!tn_ctl_parse_options (ctl, entries, "CERT.pem",
                             N_("Prints the SHA-256 fingerprint of a certificate, for "
                                "--pin-peer on the other lanes."),
                             &argc, &argv, 1, error))
    return FALSE;
  if (argc < 2)
    return tn_ctl_usage_error (error, _("Which certificate? Give the PEM file, the one set "
                                        "as tls-certificate-file"));
  fingerprint = tn_tls_fingerprint_file (argv[1], error);
  if (fingerprint == NULL)
    return FALSE;
  g_print ("%s\n", fingerprint);
  return TRUE;
}
