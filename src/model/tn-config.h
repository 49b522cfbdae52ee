/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A lane's data directory: tendero.db plus config.ini (network settings
 * and where the keys are; never the keys themselves). */

typedef struct
{
  char     *data_dir;
  char     *store_id;
  char     *terminal;
  guint     port;                  /* default 8123 */
  char    **peers;                 /* ws:// or wss:// URLs */
  char     *hub_url;
  gboolean  fiscal_authority;
  char     *store_key_file;
  char     *hub_key_file;
  guint     sync_backoff_base_ms;  /* default 1000 */
  guint     sync_watch_interval_ms;  /* default 100: how often the sync thread looks
                                      * for commits by other processes (tendero-ctl) */
  guint     max_offline_minutes;   /* default 60 */
  char     *tls_certificate_file;  /* PEM; with tls_key_file the lane listens on wss:// */
  char     *tls_key_file;          /* PEM */
  char    **peer_fingerprints;     /* SHA-256 of the peers' certificates, 64 lowercase
                                    * hex each; wss:// peers must match one */

  /* The cloud client (DESIGN §5), group [hub] of config.ini; tests
   * shorten them.  Key, default, range:
   *   upload-interval-ms  30000 (50–3600000)  upload at least this often
   *   upload-threshold      500 (1–100000)    … or as soon as this many events wait
   *   batch-max             500 (10–1000)     largest batch (the hub takes 1000)
   *   backoff-base-ms      1000 (10–600000)   first retry delay after a failure, ±20 %
   *   backoff-cap-ms      60000 (10–3600000)  longest retry delay
   *   breaker-failures        5 (1–1000)      consecutive failures that open the breaker
   *   breaker-open-ms     30000 (10–3600000)  how long it stays open before a probe
   *   request-timeout-ms  30000 (100–600000)  one HTTP request */
  guint     hub_interval_ms;
  guint     hub_upload_threshold;
  guint     hub_batch_max;
  guint     hub_backoff_base_ms;
  guint     hub_backoff_cap_ms;
  guint     hub_breaker_failures;
  guint     hub_breaker_open_ms;
  guint     hub_timeout_ms;

  /* "[group] key" of each setting in the file this version does not
   * know (a typo, or from a newer version): ignored, but tendero-ctl and
   * the lane say so.  NULL when there is none. */
  char    **unknown_settings;
} TnConfig;

TnConfig *tn_config_new          (const char      *data_dir);
void      tn_config_free         (TnConfig        *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnConfig, tn_config_free)

/* Path helpers. */
char     *tn_config_db_path      (const char      *data_dir);
/* Fails with TN_ERROR_WRONG_STORE when @store_id (the database's) is
 * not the store @config names: a config.ini copied from another lane. */
gboolean  tn_config_check_store  (const TnConfig  *config,
                                  const char      *data_dir,
                                  const char      *store_id,
                                  GError         **error);
char     *tn_config_file_path    (const char      *data_dir);

/* Loads DIR/config.ini, validating every value; a missing file or
 * directory is TN_ERROR_NOT_INITIALIZED with a message that says to run
 * "tendero-ctl init". */
TnConfig *tn_config_load         (const char      *data_dir,
                                  GError         **error);
gboolean  tn_config_save         (const TnConfig  *config,
                                  GError         **error);
/* A lane with a hub URL must not be the fiscal authority too. */
gboolean  tn_config_check_authority (const TnConfig *config,
                                     GError        **error);

/* Checks a peer or hub URL: ws:// / wss:// (peers) or http(s):// (hub),
 * with a host. */
gboolean  tn_config_validate_url (const char      *url,
                                  gboolean         websocket,
                                  GError         **error);

/* A certificate's SHA-256 fingerprint as people write it (64 hex digits,
 * or 32 pairs separated by colons, any case) → 64 lowercase hex. */
char     *tn_config_normalize_fingerprint (const char  *text,
                                           GError     **error);

G_END_DECLS
