/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The event log: local appends, causal application of remote batches
 * with a hold-back queue, the version vector and the outbox. */

#include "tn-store-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include <string.h>

#include "tn-error.h"
#include "tn-projection.h"

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

TnVersionVector *
tn_store_get_version_vector (TnStore  *self,
                             GError  **error)
{
  g_autoptr(TnVersionVector) vv = tn_version_vector_new ();
  sqlite3_stmt *stmt = tn_store_stmt (self, "SELECT origin, seq FROM vv", error);

  if (stmt == NULL)
    return NULL;
  while (tn_store_step_row (self, stmt, error))
    tn_version_vector_set (vv, tn_column_text (stmt, 0), sqlite3_column_int64 (stmt, 1));
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&vv);
}

static gboolean
load_hlc (TnStore  *self,
          TnHlc    *out)
{
  g_autofree char *text = tn_store_meta_get (self, "hlc");

  *out = text ? g_ascii_strtoull (text, NULL, 10) : 0;
  return TRUE;
}

static gboolean
save_hlc (TnStore  *self,
          TnHlc     hlc,
          GError  **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" PRIu64, (guint64) hlc);
  return tn_store_meta_set (self, "hlc", text, error);
}

/* Writes the event row.  The caller has checked that (origin, seq - 1)
 * is present and advances the version vector (write_vv ()). */
static gboolean
insert_event (TnStore        *self,
              const TnEvent  *event,
              GError        **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "INSERT INTO events (origin, seq, event_id, type, hlc, hash, body, received_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, event->seq);
  sqlite3_bind_text (stmt, 3, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, tn_event_type_to_string (event->type), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, (gint64) event->hlc);
  sqlite3_bind_text (stmt, 6, event->hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, event->canonical, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, now_ms ());
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_autofree char *what = g_strdup_printf ("Storing event %s failed", event->event_id);
      sqlite3_reset (stmt);
      return tn_store_set_db_error (self, error, what);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Sets the stored version vector of @origin to @seq. */
static gboolean
write_vv (TnStore     *self,
          const char  *origin,
          gint64       seq,
          GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "INSERT INTO vv (origin, seq) VALUES (?, ?) "
      "ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, seq);
  return tn_store_step_done (self, stmt, error);
}

TnEvent *
tn_store_append (TnStore      *self,
                 TnEventType   type,
                 JsonNode     *payload,
                 GError      **error)
{
  g_autoptr(JsonNode) owned_payload = payload;
  g_autoptr(TnVersionVector) deps = NULL;
  g_autoptr(TnEvent) event = NULL;
  sqlite3_stmt *stmt;
  TnHlc hlc;
  gint64 seq;

  g_return_val_if_fail (tn_store_in_transaction (self), NULL);

  if (!tn_store_is_initialized (self))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                   _("This lane has no store yet: run “tendero-ctl init” first"));
      return NULL;
    }

  deps = tn_store_get_version_vector (self, error);
  if (deps == NULL)
    return NULL;
  seq = tn_version_vector_get (deps, tn_store_get_replica_id (self)) + 1;

  /* The clock lives in the database and is read inside the write
   * transaction, so it never goes backwards across restarts or across
   * the processes that share this data directory. */
  load_hlc (self, &hlc);
  hlc = tn_hlc_tick (hlc, tn_hlc_now_ms ());
  if (!save_hlc (self, hlc, error))
    return NULL;

  event = tn_event_new (tn_store_get_store_id (self), tn_store_get_replica_id (self), seq,
                        type, hlc, g_steal_pointer (&deps), g_steal_pointer (&owned_payload),
                        error);
  if (event == NULL)
    return NULL;
  if (!insert_event (self, event, error) ||
      !write_vv (self, event->origin, event->seq, error))
    return NULL;

  stmt = tn_store_stmt (self,
      "INSERT INTO outbox (seq, event_id, status, created_at, updated_at) "
      "VALUES (?, ?, 0, ?, ?)", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, event->seq);
  sqlite3_bind_text (stmt, 2, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now_ms ());
  sqlite3_bind_int64 (stmt, 4, now_ms ());
  if (!tn_store_step_done (self, stmt, error))
    return NULL;

  if (!tn_projection_apply (self, event, error))
    return NULL;
  return g_steal_pointer (&event);
}

gboolean
tn_store_commit_event (TnStore      *self,
                       TnEventType   type,
                       JsonObject   *payload,
                       GError      **error)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TnEvent) event = NULL;

  json_node_take_object (node, payload);
  if (!tn_store_begin (self, error))
    {
      json_node_unref (node);
      return FALSE;
    }
  event = tn_store_append (self, type, node, error);
  if (event == NULL)
    {
      tn_store_rollback (self);
      return FALSE;
    }
  return tn_store_commit (self, error);
}

/* Remote application ----------------------------------------------------- */

static int
compare_by_clock (gconstpointer a,
                  gconstpointer b)
{
  const TnEvent *x = *(TnEvent * const *) a;
  const TnEvent *y = *(TnEvent * const *) b;
  int c;

  if (x->hlc != y->hlc)
    return x->hlc < y->hlc ? -1 : 1;
  c = strcmp (x->origin, y->origin);
  if (c != 0)
    return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Removes the delivered (NULL) slots of @waiting, keeping the order:
 * a pass must not walk every event delivered in earlier passes. */
static void
drop_delivered (GPtrArray *waiting)
{
  guint kept = 0;

  for (guint i = 0; i < waiting->len; i++)
    if (waiting->pdata[i] != NULL)
      waiting->pdata[kept++] = waiting->pdata[i];
  g_ptr_array_set_size (waiting, kept);
}

/* TRUE if the stored event at (origin, seq) is this very event. */
static gboolean
check_duplicate (TnStore        *self,
                 const TnEvent  *event,
                 GError        **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "SELECT event_id, hash FROM events WHERE origin = ? AND seq = ?", error);
  gboolean same = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, event->seq);
  if (tn_store_step_row (self, stmt, error))
    {
      same = g_strcmp0 (tn_column_text (stmt, 0), event->event_id) == 0 &&
             g_strcmp0 (tn_column_text (stmt, 1), event->hash) == 0;
      sqlite3_reset (stmt);
      if (!same)
        g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                     _("Replica %s sent two different events as its seq %" PRId64
                     "; the batch was refused"), event->origin, event->seq);
    }
  return same;
}

static gboolean
forget_held (TnStore        *self,
             const TnEvent  *event,
             GError        **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, "DELETE FROM holdback WHERE event_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
  return tn_store_step_done (self, stmt, error);
}

/* The stored event at (@event's origin, seq) is not @event: one of the two
 * was forged or its origin equivocated.  The stored one stands (it may
 * be on receipts); the other is dropped and a person is told. */
static gboolean
report_equivocation (TnStore        *self,
                     const TnEvent  *dropped,
                     const char     *kept_id,
                     GError        **error)
{
  g_autofree char *message = g_strdup_printf (
      _("Two different events claim seq %" PRId64 " of replica %s; %s was kept and %s "
        "dropped."), dropped->seq, dropped->origin, kept_id, dropped->event_id);

  return tn_store_raise_alert (self, TN_ALERT_P1, "equivocation", dropped->event_id, message,
                               error);
}

static gboolean
holdback_is_empty (TnStore  *self,
                   gboolean *empty,
                   GError  **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self, "SELECT 1 FROM holdback LIMIT 1", error);
  g_autoptr(GError) local_error = NULL;

  if (stmt == NULL)
    return FALSE;
  *empty = !tn_store_step_row (self, stmt, &local_error);
  sqlite3_reset (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* What one apply call knows about the events it handles. */
typedef struct
{
  GPtrArray  *waiting;         /* TnEvent* not yet delivered (NULL once delivered) */
  GPtrArray  *held;            /* owns the events read from the queue */
  GHashTable *queued;          /* event_id of every event in @waiting */
  GHashTable *was_held;        /* event_id of those that came from the queue */
  GHashTable *incoming_slots;  /* "origin:seq" → batch TnEvent* */
  GHashTable *fetched_upto;    /* origin → gint64 *: highest seq read from the queue */
} ApplyState;

/* Events read from the queue per origin at a time: a run, not one seq,
 * so that a lane catching up origin by origin (a hub pull) does not make
 * one pass over the batch per held event. */
#define HELD_RUN 256

/* Reads from the hold-back queue only the events that may now be
 * deliverable: for each waiting origin whose events read so far were
 * all delivered, a run from the next seq it needs.  Copies of events
 * already applied are cleaned out on the way.  Parsing the whole queue
 * on every batch made catch-up quadratic. */
static gboolean
fetch_ready_held (TnStore                *self,
                  const TnVersionVector  *vv,
                  ApplyState             *state,
                  guint                  *added,
                  GError                **error)
{
  g_autoptr(GPtrArray) origins = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (self, "SELECT DISTINCT origin FROM holdback", error);

  *added = 0;
  if (stmt == NULL)
    return FALSE;
  while (tn_store_step_row (self, stmt, &local_error))
    g_ptr_array_add (origins, g_strdup (tn_column_text (stmt, 0)));
  if (local_error != NULL)
    goto failed;

  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = origins->pdata[i];
      gint64 next = tn_version_vector_get (vv, origin) + 1;
      gint64 *upto = g_hash_table_lookup (state->fetched_upto, origin);

      /* Its run is still in memory, waiting for another origin. */
      if (upto != NULL && *upto >= next)
        continue;
      if (upto == NULL)
        {
          upto = g_new0 (gint64, 1);
          g_hash_table_insert (state->fetched_upto, g_strdup (origin), upto);
        }

      /* Stale copies of events we hold: the same event, or a forgery. */
      stmt = tn_store_stmt (self,
          "DELETE FROM holdback WHERE origin = ? AND seq < ? RETURNING body", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, origin, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, next);
      while (tn_store_step_row (self, stmt, &local_error))
        {
          g_autoptr(TnEvent) stale = tn_event_from_json (tn_column_text (stmt, 0), -1, NULL, NULL);
          g_autoptr(GError) other = NULL;

          if (stale != NULL && !check_duplicate (self, stale, &other) && other != NULL &&
              !report_equivocation (self, stale, "the stored event", error))
            {
              sqlite3_reset (stmt);
              return FALSE;
            }
        }
      if (local_error != NULL)
        goto failed;

      stmt = tn_store_stmt (self,
          "SELECT body, seq FROM holdback WHERE origin = ? AND seq >= ? ORDER BY seq LIMIT ?",
          error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, origin, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, next);
      sqlite3_bind_int (stmt, 3, HELD_RUN);
      while (tn_store_step_row (self, stmt, &local_error))
        {
          g_autoptr(GError) bad = NULL;
          TnEvent *event = tn_event_from_json (tn_column_text (stmt, 0), -1,
                                              tn_store_get_store_id (self), &bad);
          g_autofree char *slot = NULL;
          TnEvent *incoming;

          *upto = MAX (*upto, sqlite3_column_int64 (stmt, 1));

          /* It was validated on arrival; a row that no longer validates
           * was damaged on disk: leave it for the maintainer. */
          if (event == NULL)
            {
              g_message ("Skipping a damaged held-back event: %s", bad->message);
              continue;
            }
          g_ptr_array_add (state->held, event);
          if (g_hash_table_contains (state->queued, event->event_id))
            {
              g_hash_table_add (state->was_held, event->event_id);
              continue;
            }
          slot = g_strdup_printf ("%s:%" PRId64, event->origin, event->seq);
          incoming = g_hash_table_lookup (state->incoming_slots, slot);
          if (incoming != NULL)
            {
              /* A different event under the slot a batch event fills:
               * neither is applied, and keeping the held one would refuse
               * every future batch carrying the other.  The newest
               * delivery wins. */
              g_autoptr(GError) step = NULL;
              sqlite3_stmt *drop = tn_store_stmt (self,
                  "DELETE FROM holdback WHERE event_id = ?", &step);

              if (drop == NULL)
                {
                  g_propagate_error (error, g_steal_pointer (&step));
                  sqlite3_reset (stmt);
                  return FALSE;
                }
              sqlite3_bind_text (drop, 1, event->event_id, -1, SQLITE_STATIC);
              if (!tn_store_step_done (self, drop, error) ||
                  !report_equivocation (self, event, incoming->event_id, error))
                {
                  sqlite3_reset (stmt);
                  return FALSE;
                }
              continue;
            }
          g_hash_table_add (state->queued, event->event_id);
          g_hash_table_add (state->was_held, event->event_id);
          g_ptr_array_add (state->waiting, event);
          (*added)++;
        }
      if (local_error != NULL)
        goto failed;
    }
  return TRUE;

failed:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Peers stream each origin in seq order, so a batch may not skip a seq
 * of an origin — counting what already waits in the hold-back queue,
 * which another peer may have delivered ahead of its predecessors. */
static gboolean
check_strict_continuity (TnStore                *self,
                         GPtrArray              *events,
                         const TnVersionVector  *vv,
                         GError                **error)
{
  g_autoptr(TnVersionVector) next = tn_version_vector_copy (vv);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "SELECT origin, seq FROM holdback ORDER BY origin, seq", error);

  if (stmt == NULL)
    return FALSE;
  while (tn_store_step_row (self, stmt, &local_error))
    {
      const char *origin = tn_column_text (stmt, 0);
      gint64 seq = sqlite3_column_int64 (stmt, 1);

      if (seq == tn_version_vector_get (next, origin) + 1)
        tn_version_vector_set (next, origin, seq);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < events->len; i++)
    {
      const TnEvent *event = events->pdata[i];
      gint64 have = tn_version_vector_get (next, event->origin);

      if (event->seq > have + 1)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_SEQ_GAP,
                       _("Events of replica %s skip from seq %" PRId64 " to %" PRId64
                       "; nothing from this batch was stored"),
                       event->origin, have, event->seq);
          return FALSE;
        }
      tn_version_vector_merge_one (next, event->origin, event->seq);
    }
  return TRUE;
}

static gboolean
apply_remote_locked (TnStore        *self,
                     GPtrArray      *events,
                     TnApplyFlags    flags,
                     TnApplyResult  *result,
                     GError        **error)
{
  g_autoptr(TnVersionVector) vv = NULL;
  g_autoptr(GPtrArray) waiting = g_ptr_array_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
  g_autoptr(GHashTable) queued = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) was_held = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) incoming_slots = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                g_free, NULL);
  g_autoptr(GHashTable) fetched_upto = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                              g_free, g_free);
  /* Origins whose stored vv row is written once, at the end, not per event. */
  g_autoptr(GHashTable) advanced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ApplyState state = { waiting, held, queued, was_held, incoming_slots, fetched_upto };
  GHashTableIter iter;
  gpointer origin;
  gboolean queue_empty = TRUE;
  TnHlc hlc, max_remote = 0;
  gboolean progress = TRUE;
  sqlite3_stmt *stmt;

  vv = tn_store_get_version_vector (self, error);
  if (vv == NULL)
    return FALSE;

  if ((flags & TN_APPLY_FLAGS_STRICT) && !check_strict_continuity (self, events, vv, error))
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      TnEvent *event = events->pdata[i];

      if (g_strcmp0 (event->store, tn_store_get_store_id (self)) != 0)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_WRONG_STORE,
                       _("Event %s belongs to store “%s”, not to “%s”; nothing from this "
                       "batch was stored"), event->event_id, event->store,
                       tn_store_get_store_id (self));
          return FALSE;
        }
      if (tn_version_vector_contains (vv, event->origin, event->seq))
        {
          if (!check_duplicate (self, event, error))
            return FALSE;
          result->duplicates++;
          continue;
        }
      if (g_hash_table_contains (queued, event->event_id))
        {
          result->duplicates++;
          continue;
        }
      g_hash_table_add (queued, event->event_id);
      g_ptr_array_add (waiting, event);
      g_hash_table_insert (incoming_slots,
                           g_strdup_printf ("%s:%" PRId64, event->origin, event->seq), event);
    }

  if (!holdback_is_empty (self, &queue_empty, error))
    return FALSE;

  /* A hybrid logical clock never decreases along causality, so clock
   * order is a causal order and one pass delivers whatever is ready.
   * Another pass runs when the hold-back queue yields events, or in
   * case a damaged clock broke that promise. */
  g_ptr_array_sort (waiting, compare_by_clock);
  while (progress)
    {
      progress = FALSE;
      for (guint i = 0; i < waiting->len; i++)
        {
          TnEvent *event = waiting->pdata[i];
          gboolean from_queue;

          if (event == NULL)
            continue;
          from_queue = g_hash_table_contains (was_held, event->event_id);
          if (tn_version_vector_contains (vv, event->origin, event->seq))
            {
              g_autoptr(GError) other = NULL;

              /* Delivered earlier in this call: it must be the very same
               * event.  A batch sending two histories is refused; a held
               * copy that lost to the delivered one is dropped. */
              if (!check_duplicate (self, event, from_queue ? &other : error))
                {
                  if (!from_queue)
                    return FALSE;
                  if (!report_equivocation (self, event, "the stored event", error))
                    return FALSE;
                }
              if (from_queue && !forget_held (self, event, error))
                return FALSE;
              waiting->pdata[i] = NULL;
              continue;
            }
          if (tn_version_vector_get (vv, event->origin) != event->seq - 1 ||
              !tn_version_vector_covers (vv, event->deps))
            continue;

          if (!insert_event (self, event, error) ||
              !tn_projection_apply (self, event, error))
            return FALSE;
          tn_version_vector_set (vv, event->origin, event->seq);
          if (!g_hash_table_contains (advanced, event->origin))
            g_hash_table_add (advanced, g_strdup (event->origin));
          max_remote = MAX (max_remote, event->hlc);
          if (from_queue && !forget_held (self, event, error))
            return FALSE;
          result->applied++;
          waiting->pdata[i] = NULL;
          progress = TRUE;
        }
      drop_delivered (waiting);

      if (!queue_empty)
        {
          guint added = 0;

          if (!fetch_ready_held (self, vv, &state, &added, error))
            return FALSE;
          if (added > 0)
            {
              g_ptr_array_sort (waiting, compare_by_clock);
              progress = TRUE;
            }
        }
    }

  g_hash_table_iter_init (&iter, advanced);
  while (g_hash_table_iter_next (&iter, &origin, NULL))
    if (!write_vv (self, origin, tn_version_vector_get (vv, origin), error))
      return FALSE;

  for (guint i = 0; i < waiting->len; i++)
    {
      TnEvent *event = waiting->pdata[i];

      if (event == NULL || g_hash_table_contains (was_held, event->event_id))
        continue;
      stmt = tn_store_stmt (self,
          "INSERT OR IGNORE INTO holdback (event_id, origin, seq, hlc, body, received_at) "
          "VALUES (?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, event->origin, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, event->seq);
      sqlite3_bind_int64 (stmt, 4, (gint64) event->hlc);
      sqlite3_bind_text (stmt, 5, event->canonical, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, now_ms ());
      if (!tn_store_step_done (self, stmt, error))
        return FALSE;
      result->held_back++;
    }

  if (max_remote != 0)
    {
      load_hlc (self, &hlc);
      if (!save_hlc (self, tn_hlc_receive (hlc, max_remote, tn_hlc_now_ms ()), error))
        return FALSE;
    }
  return TRUE;
}

/* PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
static int
read_synchronous (TnStore *self)
{
  return (int) tn_store_query_int (self, "PRAGMA synchronous", NULL, 0, -1, NULL);
}

/* Commits that follow do not wait for the disk (synchronous=NORMAL in
 * WAL mode: atomic, and the database consistent after a crash; only the
 * newest commits may be lost).  *relaxed says whether to go back to FULL
 * with restore_durable_commits (). */
static gboolean
relax_commits (TnStore   *self,
               gboolean  *relaxed,
               GError   **error)
{
  /* Inside a transaction the level cannot change; its commit decides. */
  *relaxed = sqlite3_get_autocommit (tn_store_get_db (self)) && read_synchronous (self) == 2;
  return !*relaxed || tn_store_exec (self, "PRAGMA synchronous = NORMAL", error);
}

static gboolean
restore_durable_commits (TnStore   *self,
                         gboolean   relaxed,
                         GError   **error)
{
  return !relaxed || tn_store_exec (self, "PRAGMA synchronous = FULL", error);
}

gboolean
tn_store_apply_remote (TnStore        *self,
                       GPtrArray      *events,
                       TnApplyFlags    flags,
                       TnApplyResult  *result,
                       GError        **error)
{
  TnApplyResult local = { 0, };
  gboolean relaxed;
  gboolean ok;

  if (!tn_store_is_initialized (self))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_INITIALIZED,
                   _("This lane has no store yet: run “tendero-ctl init” first"));
      return FALSE;
    }

  /* A peer's batch is committed without waiting for the disk
   * (synchronous=NORMAL in WAL mode: the commit is atomic and the
   * database consistent after a crash; only the newest batches may be
   * lost).  That is safe here: every lane keeps its log for ever, so
   * after a restart the handshake shows the peer what we lack and it
   * sends those events again; an ack only moves the peer's outbox
   * status, it deletes nothing.  The WAL is written in order, so the
   * next local commit (synchronous=FULL) makes every batch before it
   * durable too: a local event never outlives the remote events its
   * deps name. */
  if (!relax_commits (self, &relaxed, error))
    return FALSE;
  /* A connection that takes in peers' batches writes a lot: checkpoint
   * every 4000 pages (16 MiB) rather than 1000, so hot pages (indexes,
   * stock, the digest) go to the database file once, not every batch
   * (unless a checkpointer thread does it: tn-checkpointer.c).
   * Closing then leaves the WAL for the next opener to checkpoint, so a
   * stopping lane does not copy up to 16 MiB on its way out. */
  sqlite3_db_config (tn_store_get_db (self), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  if (!tn_store_has_checkpointer (self) &&
      !tn_store_exec (self, "PRAGMA wal_autocheckpoint = 4000", error))
    return FALSE;
  /* A batch touches the sales, lines, inventory and fiscal indexes at
   * once: with the 16 MiB every connection gets, the cache thrashed once
   * the history passed ~30,000 sales and each batch re-read its pages. */
  if (!tn_store_exec (self, "PRAGMA cache_size = -65536", error))
    return FALSE;
  ok = tn_store_begin (self, error);
  if (ok)
    tn_projection_batch_stock (self);
  if (ok && (!apply_remote_locked (self, events, flags, &local, error) ||
             !tn_projection_flush_stock (self, error)))
    {
      tn_store_set_stock_batch (self, NULL);
      tn_store_rollback (self);
      ok = FALSE;
    }
  else if (ok)
    ok = tn_store_commit (self, error);
  /* Back to FULL even after a failure: local sales must stay durable. */
  if (!restore_durable_commits (self, relaxed, ok ? error : NULL))
    ok = FALSE;
  if (ok && result != NULL)
    *result = local;
  return ok;
}

GPtrArray *
tn_store_read_events (TnStore     *self,
                      const char  *origin,
                      gint64       after_seq,
                      guint        limit,
                      GError     **error)
{
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "SELECT body FROM events WHERE origin = ? AND seq > ? ORDER BY seq LIMIT ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, after_seq);
  sqlite3_bind_int64 (stmt, 3, limit);
  while (tn_store_step_row (self, stmt, error))
    g_ptr_array_add (bodies, g_strdup (tn_column_text (stmt, 0)));
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&bodies);
}

gint64
tn_store_count_held_back (TnStore *self)
{
  return tn_store_query_int (self, "SELECT count (*) FROM holdback", NULL, 0, 0, NULL);
}

/* Outbox --------------------------------------------------------------- */

gboolean
tn_store_get_outbox_counts (TnStore         *self,
                            TnOutboxCounts  *out,
                            GError         **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (self,
      "SELECT status, count(*) FROM outbox GROUP BY status", error);

  memset (out, 0, sizeof *out);
  if (stmt == NULL)
    return FALSE;
  while (tn_store_step_row (self, stmt, error))
    {
      gint64 n = sqlite3_column_int64 (stmt, 1);

      switch (sqlite3_column_int (stmt, 0))
        {
        case TN_OUTBOX_PENDING: out->pending = n; break;
        case TN_OUTBOX_PEER_ACK: out->peer_ack = n; break;
        case TN_OUTBOX_CLOUD_ACK: out->cloud_ack = n; break;
        default: break;
        }
    }
  return error == NULL || *error == NULL;
}

gint64
tn_store_outbox_advance (TnStore                *self,
                         const TnVersionVector  *acked,
                         TnOutboxStatus          status,
                         GError                **error)
{
  /* An equality seek per lower status, each bounded by seq.  "status <
   * ?1" is a range on the index's first column: SQLite then walks every
   * pending row at each ack, and a lane streaming its history to a new
   * peer spent a third of its time there. */
  static const char *const advance_sql[] = {
    [TN_OUTBOX_PEER_ACK] =
      "UPDATE outbox SET status = ?1, updated_at = ?2 WHERE status = 0 AND seq <= ?3",
    [TN_OUTBOX_CLOUD_ACK] =
      "UPDATE outbox SET status = ?1, updated_at = ?2 WHERE status IN (0, 1) AND seq <= ?3",
  };
  gint64 upto = tn_version_vector_get (acked, tn_store_get_replica_id (self));
  sqlite3_stmt *stmt;
  gboolean relaxed;
  gboolean ok;
  gint64 changed;

  g_return_val_if_fail (status <= TN_OUTBOX_CLOUD_ACK, -1);

  /* Nothing is behind pending. */
  if (upto <= 0 || status == TN_OUTBOX_PENDING)
    return 0;
  stmt = tn_store_stmt (self, advance_sql[status], error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int (stmt, 1, status);
  sqlite3_bind_int64 (stmt, 2, now_ms ());
  sqlite3_bind_int64 (stmt, 3, upto);
  /* A status lost in a crash is behind, never ahead: the peer's next ack
   * moves it again.  A sender must not wait for the disk on every ack it
   * receives while it streams. */
  if (!relax_commits (self, &relaxed, error))
    return -1;
  ok = tn_store_step_done (self, stmt, error);
  changed = sqlite3_changes (tn_store_get_db (self));
  if (!restore_durable_commits (self, relaxed, ok ? error : NULL))
    ok = FALSE;
  return ok ? changed : -1;
}
