/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Ingest of uploaded batches and the pulls.  Validation is the model's
 * (tn_event_from_node); the hub only decides, per (origin, seq) slot,
 * whether an event is new, a duplicate, a conflicting copy or a gap, and
 * writes a whole batch, under locks of the origins it names, with a
 * handful of statements (one multi-row
 * INSERT of events) so that ingest costs round-trips per batch, not per
 * event. */

#include "tn-hub-ingest.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-canonical-json.h"
#include "tn-hub-error.h"
#include "tn-hub-metrics.h"

typedef enum
{
  ITEM_STORED,
  ITEM_DUPLICATE,
  ITEM_REJECTED,
} ItemStatus;

typedef struct
{
  TnEvent    *event;      /* NULL when validation failed */
  char       *event_id;   /* as sent, for the answer ("" if none) */
  char       *origin;     /* a UUID, or NULL when the event has none */
  gint64      seq;        /* 0 when the event has none */
  char       *reason;     /* why it was rejected */
  ItemStatus  status;
  gboolean    record;     /* a new rejection row for its slot */
} Item;

/* What occupies a slot (origin, seq) at the hub. */
typedef struct
{
  char *event_id;   /* NULL for a rejection */
  char *hash;
} Slot;

static void
item_clear (Item *item)
{
  g_clear_pointer (&item->event, tn_event_free);
  g_free (item->event_id);
  g_free (item->origin);
  g_free (item->reason);
}

static void
slot_free (Slot *slot)
{
  g_free (slot->event_id);
  g_free (slot->hash);
  g_free (slot);
}

static char *
slot_key (const char *origin,
          gint64      seq)
{
  return g_strdup_printf ("%s/%" PRId64, origin, seq);
}

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  if (!tn_canonical_json_append (node, out, NULL))
    g_string_append (out, "\"\"");
}

/* What identifies an event that failed validation, as far as it can be
 * read, so its slot still counts. */
static void
item_read_identity (Item     *item,
                    JsonNode *node)
{
  JsonObject *object;
  JsonNode *member;

  item->event_id = g_strdup ("");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  object = json_node_get_object (node);
  member = json_object_get_member (object, "event_id");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING)
    {
      g_free (item->event_id);
      item->event_id = g_utf8_make_valid (json_node_get_string (member), -1);
    }
  member = json_object_get_member (object, "origin");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_STRING &&
      tn_is_uuid (json_node_get_string (member)))
    item->origin = g_strdup (json_node_get_string (member));
  member = json_object_get_member (object, "seq");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
      json_node_get_value_type (member) == G_TYPE_INT64 &&
      json_node_get_int (member) >= 1 && json_node_get_int (member) <= TN_MAX_SAFE_INTEGER)
    item->seq = json_node_get_int (member);
  if (item->origin == NULL || item->seq == 0)
    {
      g_clear_pointer (&item->origin, g_free);
      item->seq = 0;
    }
}

/* The slots at or below the hub's vv that the batch names: duplicates or
 * conflicting copies.  Usually none (a lane sends what the hub lacks). */
static gboolean
load_slots (TnHubDb               *db,
            const char            *store,
            const TnVersionVector *vv,
            Item                  *items,
            guint                  n_items,
            GHashTable            *slots,
            GError               **error)
{
  g_autoptr(GString) origins = g_string_new ("{");
  g_autoptr(GString) seqs = g_string_new ("{");
  guint n = 0;
  PGresult *result;
  const char *params[3];

  for (guint i = 0; i < n_items; i++)
    if (items[i].origin != NULL &&
        items[i].seq <= tn_version_vector_get (vv, items[i].origin))
      {
        g_string_append_printf (origins, "%s%s", n ? "," : "", items[i].origin);
        g_string_append_printf (seqs, "%s%" PRId64, n ? "," : "", items[i].seq);
        n++;
      }
  if (n == 0)
    return TRUE;
  g_string_append_c (origins, '}');
  g_string_append_c (seqs, '}');
  params[0] = store;
  params[1] = origins->str;
  params[2] = seqs->str;

  result = tn_hub_db_exec (db,
      "SELECT k.o, k.s, e.event_id, e.hash "
      "FROM unnest ($2::uuid[], $3::bigint[]) AS k (o, s) "
      "JOIN events e ON e.store = $1 AND e.origin = k.o AND e.seq = k.s "
      "UNION ALL "
      "SELECT k.o, k.s, NULL, NULL "
      "FROM unnest ($2::uuid[], $3::bigint[]) AS k (o, s) "
      "JOIN rejections r ON r.store = $1 AND r.origin = k.o AND r.seq = k.s",
      3, params, error);
  if (result == NULL)
    return FALSE;
  for (int r = 0; r < PQntuples (result); r++)
    {
      Slot *slot = g_new0 (Slot, 1);

      if (!PQgetisnull (result, r, 2))
        {
          slot->event_id = g_strdup (PQgetvalue (result, r, 2));
          slot->hash = g_strdup (PQgetvalue (result, r, 3));
        }
      g_hash_table_insert (slots,
                           slot_key (PQgetvalue (result, r, 0),
                                     g_ascii_strtoll (PQgetvalue (result, r, 1), NULL, 10)),
                           slot);
    }
  PQclear (result);
  return TRUE;
}

/* One multi-row INSERT of @events (TnEvent *), their fields and exact
 * bodies sent as binary arrays; the server parses each body once, into
 * the payload's jsonb. */
static gboolean
insert_events (TnHubDb     *db,
               const char  *store,
               GPtrArray   *events,
               GHashTable  *inserted,
               GError     **error)
{
  enum { ORIGIN, SEQ, EVENT_ID, TYPE, HLC, HASH, BODY, N_ARRAYS };
  static const guint32 oids[N_ARRAYS] = {
    TN_HUB_OID_TEXT, TN_HUB_OID_INT8, TN_HUB_OID_TEXT, TN_HUB_OID_TEXT, TN_HUB_OID_INT8,
    TN_HUB_OID_TEXT, TN_HUB_OID_TEXT,
  };
  GByteArray *arrays[N_ARRAYS];
  const char *params[N_ARRAYS + 1] = { store };
  int lengths[N_ARRAYS + 1] = { 0 };
  int formats[N_ARRAYS + 1] = { 0 };
  PGresult *result;

  for (guint a = 0; a < N_ARRAYS; a++)
    arrays[a] = tn_hub_array_new (oids[a], events->len);
  for (guint i = 0; i < events->len; i++)
    {
      const TnEvent *event = events->pdata[i];

      tn_hub_array_append_text (arrays[ORIGIN], event->origin);
      tn_hub_array_append_int8 (arrays[SEQ], event->seq);
      tn_hub_array_append_text (arrays[EVENT_ID], event->event_id);
      tn_hub_array_append_text (arrays[TYPE], tn_event_type_to_string (event->type));
      tn_hub_array_append_int8 (arrays[HLC], (gint64) event->hlc);
      tn_hub_array_append_text (arrays[HASH], event->hash);
      tn_hub_array_append_text (arrays[BODY], event->canonical);
    }
  for (guint a = 0; a < N_ARRAYS; a++)
    {
      params[a + 1] = (const char *) arrays[a]->data;
      lengths[a + 1] = (int) arrays[a]->len;
      formats[a + 1] = 1;
    }

  result = tn_hub_db_exec_binary (db,
      "INSERT INTO events (store, origin, seq, event_id, type, hlc, hash, body, payload) "
      "SELECT $1, o::uuid, s, i::uuid, t, h, x, b, b::jsonb -> 'payload' "
      "FROM unnest ($2::text[], $3::int8[], $4::text[], $5::text[], $6::int8[], $7::text[], "
      "             $8::text[]) AS k (o, s, i, t, h, x, b) "
      "ON CONFLICT DO NOTHING RETURNING event_id",
      N_ARRAYS + 1, params, lengths, formats, error);
  for (guint a = 0; a < N_ARRAYS; a++)
    g_byte_array_unref (arrays[a]);
  if (result == NULL)
    return FALSE;
  for (int r = 0; r < PQntuples (result); r++)
    g_hash_table_add (inserted, g_strdup (PQgetvalue (result, r, 0)));
  PQclear (result);
  return TRUE;
}

static gboolean
insert_rejections (TnHubDb     *db,
                   const char  *store,
                   Item        *items,
                   guint        n_items,
                   GError     **error)
{
  g_autoptr(GString) rows = g_string_new ("[");
  const char *params[2];
  guint n = 0;

  for (guint i = 0; i < n_items; i++)
    {
      if (!items[i].record)
        continue;
      g_string_append (rows, n++ ? ",{\"origin\":" : "{\"origin\":");
      append_json_string (rows, items[i].origin);
      g_string_append_printf (rows, ",\"seq\":%" PRId64 ",\"event_id\":", items[i].seq);
      append_json_string (rows, items[i].event_id);
      g_string_append (rows, ",\"reason\":");
      append_json_string (rows, items[i].reason);
      g_string_append_c (rows, '}');
    }
  if (n == 0)
    return TRUE;
  g_string_append_c (rows, ']');
  params[0] = store;
  params[1] = rows->str;
  return tn_hub_db_command (db,
      "INSERT INTO rejections (store, origin, seq, event_id, reason) "
      "SELECT $1, (r ->> 'origin')::uuid, (r ->> 'seq')::bigint, r ->> 'event_id', "
      "  r ->> 'reason' FROM json_array_elements ($2::json) AS r "
      "ON CONFLICT DO NOTHING",
      2, params, error);
}

/* Raises the stored vv of every origin in @heads ({origin: seq}) and
 * its clock (@hlcs). */
static gboolean
update_vv (TnHubDb     *db,
           const char  *store,
           GHashTable  *heads,
           GHashTable  *hlcs,
           GError     **error)
{
  g_autoptr(GString) origins = g_string_new ("{");
  g_autoptr(GString) seqs = g_string_new ("{");
  g_autoptr(GString) clocks = g_string_new ("{");
  GHashTableIter iter;
  gpointer key, value;
  guint n = 0;
  const char *params[4];

  g_hash_table_iter_init (&iter, heads);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 *hlc = g_hash_table_lookup (hlcs, key);

      g_string_append_printf (origins, "%s%s", n ? "," : "", (char *) key);
      g_string_append_printf (seqs, "%s%" PRId64, n ? "," : "", *(gint64 *) value);
      g_string_append_printf (clocks, "%s%" PRId64, n ? "," : "", hlc ? *hlc : 0);
      n++;
    }
  if (n == 0)
    return TRUE;
  g_string_append_c (origins, '}');
  g_string_append_c (seqs, '}');
  g_string_append_c (clocks, '}');
  params[0] = store;
  params[1] = origins->str;
  params[2] = seqs->str;
  params[3] = clocks->str;
  return tn_hub_db_command (db,
      "INSERT INTO version_vectors (store, origin, seq, max_hlc) "
      "SELECT $1, o, s, h FROM unnest ($2::uuid[], $3::bigint[], $4::bigint[]) AS k (o, s, h) "
      "ON CONFLICT (store, origin) DO UPDATE "
      "SET seq = greatest (version_vectors.seq, excluded.seq), "
      "    max_hlc = greatest (version_vectors.max_hlc, excluded.max_hlc)",
      4, params, error);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
raise_head (GHashTable *table,
            const char *origin,
            gint64      value)
{
  gint64 *current = g_hash_table_lookup (table, origin);

  if (current == NULL)
    {
      current = g_new (gint64, 1);
      *current = value;
      g_hash_table_insert (table, g_strdup (origin), current);
    }
  else if (value > *current)
    *current = value;
}

/* Decides every item's fate in array order.  Returns FALSE on a gap,
 * with @gap_at the offending item. */
static gboolean
decide (Item            *items,
        guint            n_items,
        TnVersionVector *vv,
        GHashTable      *slots,
        GHashTable      *heads,
        GHashTable      *hlcs,
        guint           *gap_at)
{
  for (guint i = 0; i < n_items; i++)
    {
      Item *item = &items[i];
      gint64 head;

      if (item->origin == NULL)
        {
          item->status = ITEM_REJECTED;
          continue;
        }
      head = tn_version_vector_get (vv, item->origin);
      if (item->seq > head + 1)
        {
          *gap_at = i;
          return FALSE;
        }
      if (item->seq == head + 1)
        {
          Slot *slot = g_new0 (Slot, 1);

          tn_version_vector_set (vv, item->origin, item->seq);
          raise_head (heads, item->origin, item->seq);
          if (item->event != NULL)
            {
              item->status = ITEM_STORED;
              slot->event_id = g_strdup (item->event->event_id);
              slot->hash = g_strdup (item->event->hash);
              raise_head (hlcs, item->origin, (gint64) item->event->hlc);
            }
          else
            {
              item->status = ITEM_REJECTED;
              item->record = TRUE;
            }
          g_hash_table_insert (slots, slot_key (item->origin, item->seq), slot);
          continue;
        }

      /* A slot the hub already filled (before or earlier in this batch). */
      item->status = ITEM_REJECTED;
      if (item->event != NULL)
        {
          g_autofree char *key = slot_key (item->origin, item->seq);
          Slot *slot = g_hash_table_lookup (slots, key);

          if (slot != NULL && slot->event_id != NULL &&
              strcmp (slot->event_id, item->event->event_id) == 0 &&
              strcmp (slot->hash, item->event->hash) == 0)
            item->status = ITEM_DUPLICATE;
          else
            {
              g_free (item->reason);
              item->reason = g_strdup ("conflicting copy of origin/seq");
              g_message ("Event %s is a conflicting copy of %s/%" PRId64
                         ": the hub keeps the copy it already has",
                         item->event->event_id, item->origin, item->seq);
            }
        }
    }
  return TRUE;
}

static void
append_results (GString *out,
                Item    *items,
                guint    n_items)
{
  static const char *const names[] = { "stored", "duplicate", "rejected" };

  g_string_append (out, "{\"results\":[");
  for (guint i = 0; i < n_items; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"event_id\":");
      append_json_string (out, items[i].event_id);
      g_string_append_printf (out, ",\"status\":\"%s\"", names[items[i].status]);
      if (items[i].status == ITEM_REJECTED)
        {
          g_string_append (out, ",\"reason\":");
          append_json_string (out, items[i].reason);
        }
      g_string_append_c (out, '}');
    }
  g_string_append (out, "],\"vv\":");
}

char *
tn_hub_ingest_batch (TnHubDb      *db,
                     const char   *store,
                     JsonArray    *events,
                     char        **gap_vv,
                     GError      **error)
{
  guint n_items = json_array_get_length (events);
  g_autofree Item *items = g_new0 (Item, MAX (n_items, 1));
  g_autoptr(GHashTable) slots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) slot_free);
  g_autoptr(GHashTable) heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) hlcs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) inserted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(TnVersionVector) vv = NULL;
  g_autoptr(GPtrArray) to_insert = g_ptr_array_new ();
  g_autoptr(GHashTable) origin_set = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) origins = g_ptr_array_new ();
  g_autoptr(GString) out = NULL;
  g_autofree char *vv_json = NULL;
  guint gap_at = 0, n_stored = 0, n_duplicate = 0, n_rejected = 0;
  gboolean retried = FALSE;
  char *answer = NULL;

  /* Validation needs no database: do it before taking any lock. */
  for (guint i = 0; i < n_items; i++)
    {
      JsonNode *node = json_array_get_element (events, i);
      g_autoptr(GError) invalid = NULL;

      items[i].event = tn_event_from_node (node, store, &invalid);
      if (items[i].event != NULL)
        {
          items[i].event_id = g_strdup (items[i].event->event_id);
          items[i].origin = g_strdup (items[i].event->origin);
          items[i].seq = items[i].event->seq;
        }
      else
        {
          item_read_identity (&items[i], node);
          items[i].reason = g_strdup (invalid->message);
        }
    }

  for (guint i = 0; i < n_items; i++)
    if (items[i].origin != NULL && !g_hash_table_contains (origin_set, items[i].origin))
      {
        g_hash_table_add (origin_set, items[i].origin);
        g_ptr_array_add (origins, items[i].origin);
      }
  g_ptr_array_sort (origins, compare_strings);

again:
  if (!tn_hub_db_begin (db, error) || !tn_hub_db_lock_origins (db, store, origins, error))
    goto fail;
  vv = tn_hub_db_load_vv (db, store, NULL, error);
  if (vv == NULL || !load_slots (db, store, vv, items, n_items, slots, error))
    goto fail;

  if (!decide (items, n_items, vv, slots, heads, hlcs, &gap_at))
    {
      g_autoptr(TnVersionVector) current = NULL;

      tn_hub_db_rollback (db);
      current = tn_hub_db_load_vv (db, store, NULL, error);
      if (current == NULL)
        goto out;
      *gap_vv = tn_hub_vv_to_json (current);
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_GAP,
                   _("Event %s is seq %" PRId64 " of origin %s, but the hub holds that "
                   "origin only up to seq %" PRId64 ": send the missing events first"),
                   items[gap_at].event_id, items[gap_at].seq, items[gap_at].origin,
                   tn_version_vector_get (current, items[gap_at].origin));
      goto out;
    }

  g_ptr_array_set_size (to_insert, 0);
  for (guint i = 0; i < n_items; i++)
    if (items[i].status == ITEM_STORED)
      g_ptr_array_add (to_insert, items[i].event);
  if (to_insert->len > 0 && !insert_events (db, store, to_insert, inserted, error))
    goto fail;

  /* An event id the database already holds under another slot (another
   * store's, or a copy with a new seq): the unique constraint kept the
   * first; this one is refused but its slot still counts. */
  for (guint i = 0; i < n_items; i++)
    if (items[i].status == ITEM_STORED &&
        !g_hash_table_contains (inserted, items[i].event->event_id))
      {
        if (retried)
          {
            items[i].status = ITEM_REJECTED;
            items[i].record = TRUE;
            g_free (items[i].reason);
            items[i].reason = g_strdup ("conflicting copy: the event id is already used "
                                        "by another event");
            g_message ("Event %s of store %s reuses an event id the hub already holds",
                       items[i].event_id, store);
          }
        else
          {
            /* Maybe a race we did not foresee: look again from scratch,
             * once. */
            tn_hub_db_rollback (db);
            retried = TRUE;
            g_clear_pointer (&vv, tn_version_vector_free);
            g_hash_table_remove_all (slots);
            g_hash_table_remove_all (heads);
            g_hash_table_remove_all (hlcs);
            g_hash_table_remove_all (inserted);
            for (guint j = 0; j < n_items; j++)
              items[j].record = FALSE;
            goto again;
          }
      }

  if (!insert_rejections (db, store, items, n_items, error) ||
      !update_vv (db, store, heads, hlcs, error) ||
      !tn_hub_db_commit (db, error))
    goto fail;

  for (guint i = 0; i < n_items; i++)
    {
      n_stored += items[i].status == ITEM_STORED;
      n_duplicate += items[i].status == ITEM_DUPLICATE;
      n_rejected += items[i].status == ITEM_REJECTED;
    }
  tn_hub_metrics_add (TN_HUB_METRIC_EVENTS_INGESTED, n_stored);
  tn_hub_metrics_add (TN_HUB_METRIC_EVENTS_DUPLICATE, n_duplicate);
  tn_hub_metrics_add (TN_HUB_METRIC_EVENTS_REJECTED, n_rejected);

  out = g_string_sized_new (64 * (n_items + 1));
  append_results (out, items, n_items);
  vv_json = tn_hub_vv_to_json (vv);
  g_string_append (out, vv_json);
  g_string_append_c (out, '}');
  answer = g_string_free (g_steal_pointer (&out), FALSE);
  goto out;

fail:
  tn_hub_db_rollback (db);
out:
  for (guint i = 0; i < n_items; i++)
    item_clear (&items[i]);
  return answer;
}

gboolean
tn_hub_store_event (TnHubDb       *db,
                    const TnEvent *event,
                    GError       **error)
{
  g_autoptr(GHashTable) inserted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) heads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) hlcs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new ();

  g_ptr_array_add (events, (gpointer) event);
  if (!insert_events (db, event->store, events, inserted, error))
    return FALSE;
  if (g_hash_table_size (inserted) != 1)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                   _("The hub’s event %s/%" PRId64 " already exists: two writers of the "
                   "hub replica without the store lock"), event->origin, event->seq);
      return FALSE;
    }
  raise_head (heads, event->origin, event->seq);
  raise_head (hlcs, event->origin, (gint64) event->hlc);
  return update_vv (db, event->store, heads, hlcs, error);
}

char *
tn_hub_pull_events (TnHubDb     *db,
                    const char  *store,
                    const char  *origin,
                    gint64       after,
                    guint        limit,
                    GError     **error)
{
  g_autofree char *after_text = g_strdup_printf ("%" PRId64, after);
  g_autofree char *limit_text = g_strdup_printf ("%u", limit + 1);
  const char *params[] = { store, origin, after_text, limit_text };
  PGresult *result = tn_hub_db_exec (db,
      "SELECT body FROM events WHERE store = $1 AND origin = $2::uuid AND seq > $3::bigint "
      "ORDER BY seq LIMIT $4::bigint", 4, params, error);
  GString *out;
  guint n;

  if (result == NULL)
    return NULL;
  n = MIN ((guint) PQntuples (result), limit);
  out = g_string_sized_new (1024 * (n + 1));
  g_string_append (out, "{\"events\":[");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, PQgetvalue (result, i, 0));
    }
  g_string_append_printf (out, "],\"more\":%s}",
                          (guint) PQntuples (result) > limit ? "true" : "false");
  PQclear (result);
  return g_string_free (out, FALSE);
}

char *
tn_hub_list_rejections (TnHubDb     *db,
                        const char  *store,
                        GError     **error)
{
  const char *params[] = { store };
  PGresult *result = tn_hub_db_exec (db,
      "SELECT origin, seq, event_id, reason, "
      "  to_char (received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
      "FROM rejections WHERE store = $1 ORDER BY received_at, origin, seq LIMIT 1000",
      1, params, error);
  GString *out;

  if (result == NULL)
    return NULL;
  out = g_string_new ("{\"rejections\":[");
  for (int r = 0; r < PQntuples (result); r++)
    {
      if (r > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"origin\":");
      append_json_string (out, PQgetvalue (result, r, 0));
      g_string_append_printf (out, ",\"seq\":%s,\"event_id\":", PQgetvalue (result, r, 1));
      append_json_string (out, PQgetvalue (result, r, 2));
      g_string_append (out, ",\"reason\":");
      append_json_string (out, PQgetvalue (result, r, 3));
      g_string_append (out, ",\"received_at\":");
      append_json_string (out, PQgetvalue (result, r, 4));
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
  PQclear (result);
  return g_string_free (out, FALSE);
}
