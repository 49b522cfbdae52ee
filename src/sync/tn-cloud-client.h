/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-config.h"
#include "tn-store.h"

G_BEGIN_DECLS

/* The lane's client of tendero-hub (DESIGN §5): it uploads everything
 * the hub's version vector lacks — this lane's events and the ones it
 * relays for other lanes — in gzip batches, pulls what the hub holds
 * that the lane lacks (head office, lanes never seen on the LAN, fiscal
 * grants) and asks the hub for fiscal blocks.  It runs on the sync
 * worker's thread, with the worker's store connection, its own
 * SoupSession and the timings of the [hub] group of config.ini (see
 * tn-config.h).
 *
 * A cycle runs every upload-interval-ms, or as soon as upload-threshold
 * events wait: GET vv, POST batches until the hub holds everything,
 * GET the events the lane lacks, POST fiscal/blocks if the reserve is
 * low.  A failure (network, 5xx, timeout) ends the cycle: the events
 * stay where they are, the batch size halves and the next cycle waits
 * for the backoff (±20 %) and the circuit breaker.  An event the hub
 * rejects goes to the dead letters and is never sent again.
 *
 * Signals (worker thread):
 *   store-changed (guint applied)   events from the hub were stored
 *   status-changed ()               the TnCloudStatus summary changed */

#define TN_TYPE_CLOUD_CLIENT (tn_cloud_client_get_type ())
G_DECLARE_FINAL_TYPE (TnCloudClient, tn_cloud_client, TN, CLOUD_CLIENT, GObject)

/* Settings of the per-replica table where the client keeps what
 * `tendero-ctl status` shows when no lane runs. */
#define TN_CLOUD_SETTING_HUB_VV       "cloud.hub-vv"
#define TN_CLOUD_SETTING_LAST_SUCCESS "cloud.last-success"
#define TN_CLOUD_SETTING_LAST_ERROR   "cloud.last-error"

typedef struct
{
  char            *url;
  char            *state;          /* "starting", "syncing", "ok", "offline", "unauthorized",
                                    * "refused" (the hub answered but not as it should),
                                    * "no-key" */
  char            *breaker;        /* "closed", "open", "half-open" */
  gint64           last_success;   /* ms since the Unix epoch, 0: never */
  gint64           last_attempt;
  char            *last_error;
  gint64           pending;        /* events the hub is not known to hold */
  gint64           dead_letters;
  guint            batch_size;
  TnVersionVector *hub_vv;
} TnCloudStatus;

void           tn_cloud_status_free      (TnCloudStatus       *status);
TnCloudStatus *tn_cloud_status_copy      (const TnCloudStatus *status);
/* The "cloud" object of peers.json and `status --json`. */
JsonNode      *tn_cloud_status_to_json   (const TnCloudStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnCloudStatus, tn_cloud_status_free)

/* The hub key: the contents of @key_file (trimmed; a file that group or
 * others may read is refused), or $TENDERO_HUB_KEY when @key_file is
 * NULL.  It must be 16–512 printable ASCII characters without spaces
 * (it goes into an HTTP header). */
char          *tn_cloud_load_key         (const char          *key_file,
                                          GError             **error);
gboolean       tn_cloud_validate_key     (const char          *key,
                                          GError             **error);

/* @key NULL: the client reports "no-key" and sends nothing.  @config
 * must have a hub URL. */
TnCloudClient *tn_cloud_client_new       (TnStore             *store,
                                          const TnConfig      *config,
                                          const char          *key);
void           tn_cloud_client_start     (TnCloudClient       *self);
/* Cancels what is in flight; events stay pending. */
void           tn_cloud_client_stop      (TnCloudClient       *self);
/* The store grew (local commit or events from a peer): upload soon if
 * enough waits. */
void           tn_cloud_client_local_changed (TnCloudClient   *self);
/* Transfer full. */
TnCloudStatus *tn_cloud_client_get_status (TnCloudClient      *self);

G_END_DECLS
