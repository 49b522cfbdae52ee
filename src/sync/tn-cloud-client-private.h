/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "tn-backoff.h"
#include "tn-circuit-breaker.h"
#include "tn-cloud-client.h"

G_BEGIN_DECLS

/* Shared by tn-cloud-client.c (scheduling, requests, upload, status)
 * and tn-cloud-client-pull.c (pull and fiscal blocks). */

struct _TnCloudClient
{
  GObject parent_instance;

  /* Everything belongs to the sync worker's thread, the one that
   * called tn_cloud_client_start () (asserted). */
  GThread          *owner;
  TnStore          *store;
  char             *url;            /* base, no trailing slash */
  char             *store_path;     /* "/v1/stores/<store>" */
  char             *key;
  guint             interval_ms;
  guint             threshold;
  guint             batch_max;
  guint             timeout_ms;

  SoupSession      *session;
  GCancellable     *cancellable;
  TnCircuitBreaker *breaker;
  TnBackoff         backoff;
  guint             batch_size;
  guint             timer;
  gboolean          started;
  gboolean          busy;           /* a cycle is running */
  gboolean          again;          /* run another cycle as soon as this one ends */
  guint             gaps;           /* 409s in a row this cycle */
  guint             fiscal_requests;  /* this cycle */
  gboolean          warned_hub_ahead;

  TnVersionVector  *hub_vv;         /* the hub's, as last heard */
  char             *state;
  char             *last_error;
  gint64            last_success;
  gint64            last_attempt;
  char             *last_summary;   /* to signal changes only */

  struct _TnCloudBatch *batch;      /* the upload in flight */

  /* The pull in progress. */
  GPtrArray        *pull_origins;
  guint             pull_index;
  gint64            pull_after;
};

#define TN_CLOUD_ASSERT_OWNER(self) \
  g_assert ((self)->owner == NULL || (self)->owner == g_thread_self ())

typedef enum
{
  TN_CLOUD_OK,
  TN_CLOUD_NETWORK,     /* no answer: retry later */
  TN_CLOUD_HTTP,        /* an error status */
} TnCloudOutcome;

/* One answer: @root is the parsed JSON object (NULL if the body was not
 * one), @message says what went wrong for a person. */
typedef struct
{
  TnCloudOutcome  outcome;
  guint           status;
  JsonObject     *root;
  char           *message;
} TnCloudAnswer;

typedef void (*TnCloudAnswerFunc) (TnCloudClient       *self,
                                   const TnCloudAnswer *answer);

/* Sends @method to store_path + @path with @body (JSON, gzipped here;
 * may be NULL) and calls @func on the worker thread, unless stopped. */
void tn_cloud_client_request      (TnCloudClient     *self,
                                   const char        *method,
                                   const char        *path,
                                   GBytes            *body,
                                   TnCloudAnswerFunc  func);

/* The hub's "message" (or a batch result's "reason" wrapped as one),
 * shortened for people; "no explanation" when there is none. */
char     *tn_cloud_hub_message       (JsonObject       *root);
/* The "vv" member of an answer. */
gboolean  tn_cloud_read_vv           (JsonObject       *root,
                                      TnVersionVector **out,
                                      GError          **error);
/* Takes @vv; remembers it in the settings too. */
void      tn_cloud_client_set_hub_vv (TnCloudClient    *self,
                                      TnVersionVector  *vv);
void      tn_cloud_batch_free        (struct _TnCloudBatch *batch);

/* Emits status-changed if the summary changed. */
void      tn_cloud_client_notify_status (TnCloudClient *self);

/* Cycle steps. */
void tn_cloud_client_upload_next  (TnCloudClient     *self);
void tn_cloud_client_pull         (TnCloudClient     *self);
void tn_cloud_client_fiscal       (TnCloudClient     *self);
void tn_cloud_client_restart      (TnCloudClient     *self);
void tn_cloud_client_finish_cycle (TnCloudClient     *self);
void tn_cloud_client_emit_store_changed (TnCloudClient *self,
                                         guint          applied);
/* Ends the cycle on a failure: counts it, schedules the retry. */
void tn_cloud_client_fail_cycle   (TnCloudClient     *self,
                                   const TnCloudAnswer *answer,
                                   const char        *message);

G_END_DECLS
