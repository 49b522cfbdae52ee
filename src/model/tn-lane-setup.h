/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Making a data directory into a lane of a store: what `tendero-ctl
 * init` and the application's first run share.  Either the whole lane is
 * created (directory, database identity, config.ini) or nothing is left
 * behind. */

typedef struct
{
  const char         *store_id;
  const char         *terminal;
  guint               port;               /* 0: 8123 */
  const char * const *peers;              /* ws:// or wss:// URLs, may be NULL */
  const char         *hub_url;            /* may be NULL */
  gboolean            fiscal_authority;
  const char         *store_key_file;     /* absolute, may be NULL */
  const char         *hub_key_file;       /* absolute, may be NULL */
  const char         *currency;           /* NULL: USD */
  guint               decimals;
  gboolean            tax_inclusive;
  const char         *tls_certificate_file;
  const char         *tls_key_file;
  const char * const *peer_fingerprints;  /* normalised, may be NULL */
} TnLaneSetup;

/* Refuses (TN_ERROR_EXISTS, nothing changed) a data directory that
 * already holds a store or a config.ini. */
gboolean tn_lane_setup_check_free (const char         *data_dir,
                                   GError            **error);

/* Creates the lane in @data_dir (checked with tn_lane_setup_check_free ()
 * first); on failure removes what it made.  @out_replica (may be NULL):
 * the new lane's replica id. */
gboolean tn_lane_setup_create     (const char         *data_dir,
                                   const TnLaneSetup  *setup,
                                   char              **out_replica,
                                   GError            **error);

G_END_DECLS
