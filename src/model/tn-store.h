/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "tn-event.h"

G_BEGIN_DECLS

#define TN_TYPE_STORE (tn_store_get_type ())
G_DECLARE_FINAL_TYPE (TnStore, tn_store, TN, STORE, GObject)

/* The schema version this build writes. */
#define TN_STORE_SCHEMA_VERSION 8

typedef enum
{
  TN_STORE_FLAGS_NONE    = 0,
  /* synchronous=OFF: for tests of logic and benchmarks of the apply path
   * only; a lane never runs like this. */
  TN_STORE_FLAGS_NO_SYNC = 1 << 0,
} TnStoreFlags;

typedef struct
{
  const char *store_id;
  const char *terminal;
  const char *currency;         /* ISO 4217, default "USD" */
  guint       decimals;         /* of the base currency, default 2 */
  gboolean    tax_inclusive;
  gboolean    fiscal_authority;
} TnStoreIdentity;

/* Opens (creating if needed) and migrates the database at @path.  A
 * database written by a newer Tendero is refused and left untouched.
 * One TnStore is one SQLite connection: use it from one thread only. */
TnStore     *tn_store_open                 (const char            *path,
                                            TnStoreFlags           flags,
                                            GError               **error);
const char  *tn_store_get_path             (TnStore               *self);
/* From now on a thread of the store's own copies the write-ahead log
 * into the database, so commits on this connection never wait for a
 * checkpoint's disk flushes.  For a long-lived connection that writes
 * a lot (the sync worker's); stops when the store is finalized. */
gboolean     tn_store_checkpoint_in_background (TnStore           *self,
                                                GError           **error);
int          tn_store_get_schema_version   (TnStore               *self);

/* Identity, written once by `tendero-ctl init`. */
gboolean     tn_store_is_initialized       (TnStore               *self);
gboolean     tn_store_initialize           (TnStore               *self,
                                            const TnStoreIdentity *identity,
                                            GError               **error);
const char  *tn_store_get_store_id         (TnStore               *self);
const char  *tn_store_get_replica_id       (TnStore               *self);
const char  *tn_store_get_terminal         (TnStore               *self);
const char  *tn_store_get_currency         (TnStore               *self);
guint        tn_store_get_decimals         (TnStore               *self);
gboolean     tn_store_get_tax_inclusive    (TnStore               *self);
gboolean     tn_store_is_fiscal_authority  (TnStore               *self);

/* Write transactions (BEGIN IMMEDIATE).  Local events appended inside
 * one become durable together at commit. */
gboolean     tn_store_begin                (TnStore               *self,
                                            GError               **error);
gboolean     tn_store_commit               (TnStore               *self,
                                            GError               **error);
void         tn_store_rollback             (TnStore               *self);
gboolean     tn_store_in_transaction       (TnStore               *self);

/* Appends a local event inside the open transaction: assigns the next
 * seq, ticks the persisted HLC, takes the current version vector as
 * deps, writes event + outbox row and applies the projection.  Takes
 * @payload.  Returns the event (transfer full). */
TnEvent     *tn_store_append               (TnStore               *self,
                                            TnEventType            type,
                                            JsonNode              *payload,
                                            GError               **error);

/* Begin, append one event built from @payload (taken), commit. */
gboolean     tn_store_commit_event         (TnStore               *self,
                                            TnEventType            type,
                                            JsonObject            *payload,
                                            GError               **error);

typedef enum
{
  TN_APPLY_FLAGS_NONE   = 0,
  /* Refuse a batch in which an origin skips a seq (peers stream each
   * origin in order), instead of holding the later events back. */
  TN_APPLY_FLAGS_STRICT = 1 << 0,
} TnApplyFlags;

typedef struct
{
  guint applied;
  guint duplicates;
  guint held_back;     /* waiting for a missing predecessor */
} TnApplyResult;

/* Applies validated remote events (TnEvent *) in one transaction, in
 * causal order, holding back those whose predecessors are missing and
 * ignoring copies already held.  A different event under an existing
 * (origin, seq) is refused: nothing is applied. */
gboolean     tn_store_apply_remote         (TnStore               *self,
                                            GPtrArray             *events,
                                            TnApplyFlags           flags,
                                            TnApplyResult         *result,
                                            GError               **error);

TnVersionVector *tn_store_get_version_vector (TnStore             *self,
                                            GError               **error);

/* The canonical JSON of events of @origin with seq > @after_seq, in seq
 * order, at most @limit (transfer full; array of char *). */
GPtrArray   *tn_store_read_events          (TnStore               *self,
                                            const char            *origin,
                                            gint64                 after_seq,
                                            guint                  limit,
                                            GError               **error);
/* Every held event as TnEvent*, oldest clock first. */
gint64       tn_store_count_held_back      (TnStore               *self);

typedef struct
{
  gint64 pending;
  gint64 peer_ack;
  gint64 cloud_ack;
} TnOutboxCounts;

gboolean     tn_store_get_outbox_counts    (TnStore               *self,
                                            TnOutboxCounts        *out,
                                            GError               **error);

typedef enum
{
  TN_OUTBOX_PENDING,
  TN_OUTBOX_PEER_ACK,
  TN_OUTBOX_CLOUD_ACK,
} TnOutboxStatus;

/* Advances every local event that @acked covers to @status (never
 * backwards).  Returns the number of rows changed, or -1. */
gint64       tn_store_outbox_advance       (TnStore               *self,
                                            const TnVersionVector *acked,
                                            TnOutboxStatus         status,
                                            GError               **error);

/* Counts a failed attempt to deliver local events @first_seq …
 * @last_seq (to the hub) and notes @message as their last error.
 * Returns the number of rows changed, or -1. */
gint64       tn_store_outbox_note_failure  (TnStore               *self,
                                            gint64                 first_seq,
                                            gint64                 last_seq,
                                            const char            *message,
                                            GError               **error);

/* Alerts a person must see (fiscal problems, divergence).  Local to this
 * replica: not part of the replicated state. */
typedef enum
{
  TN_ALERT_P0,   /* a fiscal rule was broken: act now */
  TN_ALERT_P1,   /* degraded: contingency numbers, low reserve */
  TN_ALERT_P2,
} TnAlertPriority;

gboolean     tn_store_raise_alert          (TnStore               *self,
                                            TnAlertPriority        priority,
                                            const char            *kind,
                                            const char            *event_id,
                                            const char            *message,
                                            GError               **error);

/* Records that a peer with the same version vector holds a different
 * state (DESIGN §4), naming the differing entities (a JSON array). */
gboolean     tn_store_record_divergence    (TnStore               *self,
                                            const char            *peer,
                                            const char            *vv,
                                            const char            *local_hash,
                                            const char            *peer_hash,
                                            const char            *entities_json,
                                            GError               **error);

/* Events the hub refused for good (DESIGN §5): kept for the manager,
 * never sent again.  Recording one of this replica's own events also
 * notes @reason as its outbox row's last error. */
typedef struct
{
  char   *event_id;
  char   *origin;
  gint64  seq;
  char   *reason;
  gint64  created_at;   /* ms since the Unix epoch */
} TnDeadLetter;

void         tn_dead_letter_free           (TnDeadLetter          *letter);

gboolean     tn_store_add_dead_letter      (TnStore               *self,
                                            const char            *event_id,
                                            const char            *origin,
                                            gint64                 seq,
                                            const char            *reason,
                                            GError               **error);
/* Newest first, at most @limit (0: all) (TnDeadLetter*), or NULL with
 * @error. */
GPtrArray   *tn_store_list_dead_letters    (TnStore               *self,
                                            guint                  limit,
                                            GError               **error);
gint64       tn_store_count_dead_letters   (TnStore               *self);

/* Free-form per-replica settings (not replicated). */
char        *tn_store_get_setting          (TnStore               *self,
                                            const char            *key);
gboolean     tn_store_set_setting          (TnStore               *self,
                                            const char            *key,
                                            const char            *value,
                                            GError               **error);

G_END_DECLS
