/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "tn-cloud-client.h"

G_BEGIN_DECLS

/* The sync worker (DESIGN §1): a thread with its own GMainContext and
 * its own store connection that runs the peer server, the peer links
 * and their sessions, notices what other processes committed, and keeps
 * a health snapshot in DATA_DIR/peers.json.  What it has to say reaches
 * the thread that started it through g_main_context_invoke_full () only,
 * as TnSyncReport values. */

#define TN_TYPE_SYNC_WORKER (tn_sync_worker_get_type ())
G_DECLARE_FINAL_TYPE (TnSyncWorker, tn_sync_worker, TN, SYNC_WORKER, GObject)

/* The snapshot file next to tendero.db. */
#define TN_SYNC_PEERS_FILE "peers.json"

typedef enum
{
  TN_SYNC_STATE_STOPPED,
  TN_SYNC_STATE_STARTING,
  TN_SYNC_STATE_RUNNING,
  TN_SYNC_STATE_FAILED,
} TnSyncState;

/* One peer as the health monitor sees it. */
typedef struct
{
  char     *label;         /* URL of a configured peer, or "host (incoming)" */
  gboolean  outgoing;
  char     *state;         /* "connected", "handshake", "connecting", "waiting" … */
  char     *terminal;      /* NULL before a handshake */
  char     *replica;
  gint64    last_seen;     /* ms since the Unix epoch, 0: never */
  gint64    lag;           /* events we hold that the peer is not known to */
  gint64    behind;        /* events the peer holds that we lack */
  gboolean  compressed;    /* permessage-deflate negotiated */
  gint64    received;      /* events this session brought, */
  gint64    duplicates;    /* of which we already held (sent by another lane too) */
  char     *last_error;
} TnSyncPeerStatus;

void tn_sync_peer_status_free (TnSyncPeerStatus *status);

typedef enum
{
  TN_SYNC_REPORT_STATE,           /* state, message (the failure) */
  TN_SYNC_REPORT_PEERS,           /* peers */
  TN_SYNC_REPORT_EVENTS_APPLIED,  /* count: events from peers stored */
  TN_SYNC_REPORT_CONFLICTS,       /* count: open conflicts, when it grew */
  TN_SYNC_REPORT_FISCAL_ALERT,    /* count: unacknowledged P0 alerts, when it grew */
  TN_SYNC_REPORT_CLOUD,           /* cloud: the hub client's state changed */
} TnSyncReportKind;

typedef struct
{
  TnSyncReportKind  kind;
  TnSyncState       state;
  char             *message;
  GPtrArray        *peers;     /* TnSyncPeerStatus* */
  gint64            count;
  TnCloudStatus    *cloud;
} TnSyncReport;

void tn_sync_report_free (TnSyncReport *report);

/* Runs on the context given to tn_sync_worker_new (), never on the
 * worker thread. */
typedef void (*TnSyncReportFunc) (GObject            *target,
                                  const TnSyncReport *report);

/* @target (not referenced) must stop the worker before it goes away;
 * every report in flight holds a reference to it. */
TnSyncWorker *tn_sync_worker_new   (const char        *data_dir,
                                    GBytes            *key,
                                    GMainContext      *report_context,
                                    TnSyncReportFunc   report_func,
                                    GObject           *target);
/* Starts the thread; the outcome comes as a TN_SYNC_REPORT_STATE. */
gboolean      tn_sync_worker_start (TnSyncWorker      *self,
                                    GError           **error);
/* Thread-safe; stops the thread and waits for it (well under 1 s). */
void          tn_sync_worker_stop  (TnSyncWorker      *self);
/* From the thread that starts and stops the worker: another connection
 * committed to the database; look now, not at the next poll. */
void          tn_sync_worker_notify_commit (TnSyncWorker *self);

/* The hub key (see tn_cloud_load_key ()); before start.  Without one a
 * lane with a hub URL reports the cloud state "no-key" and uploads
 * nothing. */
void          tn_sync_worker_set_hub_key (TnSyncWorker *self,
                                          const char   *key);

/* For tests: listen on @address only (NULL: every interface). */
void          tn_sync_worker_set_listen_address (TnSyncWorker *self,
                                                 const char   *address);

G_END_DECLS
