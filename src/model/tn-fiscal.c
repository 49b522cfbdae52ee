/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-fiscal.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include <string.h>

#include "tn-error.h"
#include "tn-projection.h"

static const char *
kind_name (TnFiscalKind kind)
{
  switch (kind)
    {
    case TN_FISCAL_SALE: return "sale";
    case TN_FISCAL_VOID: return "void";
    case TN_FISCAL_Z_REPORT: return "z";
    default: g_assert_not_reached ();
    }
}

/* The last store number this device used (0 if none). */
static gint64
last_store_number (TnStore    *store,
                   const char *device,
                   GError    **error)
{
  return tn_store_query_int (store,
      "SELECT max (number) FROM fiscal_documents WHERE device = ? AND series = 'store'",
      device, 0, 0, error);
}

gboolean
tn_fiscal_get_reserve (TnStore          *store,
                       const char       *device,
                       TnFiscalReserve  *out,
                       GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 last = last_store_number (store, device, &local_error);
  sqlite3_stmt *stmt;

  memset (out, 0, sizeof *out);
  if (local_error == NULL)
    {
      stmt = tn_store_stmt (store,
          "SELECT first, count FROM fiscal_blocks WHERE device = ?1 "
          "AND first > ?2 - " G_STRINGIFY (TN_FISCAL_MAX_BLOCK) " AND first + count - 1 > ?2 "
          "ORDER BY first", &local_error);
      if (stmt != NULL)
        {
          sqlite3_bind_text (stmt, 1, device, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, last);
          while (tn_store_step_row (store, stmt, &local_error))
            {
              gint64 first = sqlite3_column_int64 (stmt, 0);
              gint64 count = sqlite3_column_int64 (stmt, 1);
              gint64 start = MAX (first, last + 1);

              /* The first block with numbers left is the one in use;
               * the others are the reserve. */
              if (out->next_number == 0)
                out->next_number = start;
              else
                out->reserve_blocks++;
              out->unused += first + count - start;
            }
        }
    }
  if (local_error == NULL)
    out->contingency_documents = tn_store_query_int (store,
        "SELECT count (*) FROM fiscal_documents WHERE device = ? AND series = 'contingency'",
        device, 0, 0, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
reserve_is_low (const TnFiscalReserve *reserve)
{
  /* Ask for the next block once the current one is 80 % used, and keep
   * two untouched blocks behind it. */
  return reserve->unused < TN_FISCAL_RESERVE_BLOCKS * TN_FISCAL_BLOCK_SIZE
                           + TN_FISCAL_BLOCK_SIZE / 5;
}

gboolean
tn_fiscal_device_wants_block (TnStore    *store,
                              const char *device)
{
  TnFiscalReserve reserve;

  if (!tn_store_is_initialized (store) ||
      !tn_fiscal_get_reserve (store, device, &reserve, NULL))
    return FALSE;
  return reserve_is_low (&reserve);
}

gboolean
tn_fiscal_wants_block (TnStore *store)
{
  return tn_fiscal_device_wants_block (store, tn_store_get_replica_id (store));
}

JsonNode *
tn_fiscal_block_payload (const char *device,
                         const char *terminal,
                         gint64      first)
{
  JsonObject *object = json_object_new ();
  JsonNode *payload = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "device", device);
  json_object_set_string_member (object, "terminal", terminal);
  json_object_set_int_member (object, "first", first);
  json_object_set_int_member (object, "count", TN_FISCAL_BLOCK_SIZE);
  json_node_take_object (payload, object);
  return payload;
}

TnEvent *
tn_fiscal_grant_block (TnStore     *store,
                       const char  *device,
                       const char  *terminal,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 first;

  g_return_val_if_fail (tn_store_in_transaction (store), NULL);

  if (!tn_store_is_fiscal_authority (store))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_FISCAL,
                   _("Terminal %s is not the store’s fiscal authority and cannot grant "
                   "fiscal numbers"), tn_store_get_terminal (store));
      return NULL;
    }
  if (!tn_is_uuid (device))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a device id"), device ? device : "");
      return NULL;
    }

  /* The authority sees every grant it ever made (they are its own
   * events), so the next block always starts past all of them. */
  first = tn_store_query_int (store,
      "SELECT max (first + count) FROM fiscal_blocks WHERE first > "
      "(SELECT max (first) FROM fiscal_blocks) - " G_STRINGIFY (TN_FISCAL_MAX_BLOCK),
      NULL, 0, 1, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return tn_store_append (store, TN_EVENT_FISCAL_BLOCK_GRANTED,
                          tn_fiscal_block_payload (device, terminal, first), error);
}

TnEvent *
tn_fiscal_grant_block_now (TnStore     *store,
                           const char  *device,
                           const char  *terminal,
                           GError     **error)
{
  g_autoptr(TnEvent) event = NULL;

  if (!tn_store_begin (store, error))
    return NULL;
  event = tn_fiscal_grant_block (store, device, terminal, error);
  if (event == NULL || !tn_store_commit (store, error))
    {
      tn_store_rollback (store);
      return NULL;
    }
  return g_steal_pointer (&event);
}

/* The authority keeps its own reserve topped up as it sells. */
static gboolean
top_up_own_reserve (TnStore  *store,
                    GError  **error)
{
  const char *self_id = tn_store_get_replica_id (store);

  for (guint guard = 0; guard < TN_FISCAL_RESERVE_BLOCKS + 2; guard++)
    {
      g_autoptr(TnEvent) grant = NULL;
      TnFiscalReserve reserve;

      if (!tn_fiscal_get_reserve (store, self_id, &reserve, error))
        return FALSE;
      if (!reserve_is_low (&reserve))
        break;
      grant = tn_fiscal_grant_block (store, self_id, tn_store_get_terminal (store), error);
      if (grant == NULL)
        return FALSE;
    }
  return TRUE;
}

JsonNode *
tn_fiscal_next_document (TnStore       *store,
                         TnFiscalKind   kind,
                         GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  const char *device = tn_store_get_replica_id (store);
  const char *terminal = tn_store_get_terminal (store);
  g_autofree char *prev_hash = NULL;
  g_autofree char *doc = NULL;
  const char *series;
  gint64 chain_seq = 1, number;
  JsonObject *object;
  JsonNode *node;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (tn_store_in_transaction (store), NULL);

  stmt = tn_store_stmt (store,
      "SELECT chain_seq, hash FROM fiscal_documents WHERE device = ? "
      "ORDER BY chain_seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, device, -1, SQLITE_STATIC);
  if (tn_store_step_row (store, stmt, &local_error))
    {
      chain_seq = sqlite3_column_int64 (stmt, 0) + 1;
      prev_hash = g_strdup (tn_column_text (stmt, 1));
      sqlite3_reset (stmt);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (kind == TN_FISCAL_Z_REPORT)
    {
      series = "z";
      number = tn_store_query_int (store,
          "SELECT count (*) FROM fiscal_documents WHERE device = ? AND series = 'z'",
          device, 0, 0, &local_error) + 1;
      doc = g_strdup_printf ("%s-Z-%06" PRId64, terminal, number);
    }
  else
    {
      TnFiscalReserve reserve;

      if (tn_store_is_fiscal_authority (store) && !top_up_own_reserve (store, error))
        return NULL;
      if (!tn_fiscal_get_reserve (store, device, &reserve, error))
        return NULL;

      if (reserve.next_number > 0)
        {
          series = "store";
          number = reserve.next_number;
          doc = g_strdup_printf ("%08" PRId64, number);
        }
      else
        {
          /* Never refuse a sale for lack of a number: issue from this
           * device's own series, unique by construction, and say so. */
          g_autofree char *message = NULL;

          series = "contingency";
          number = reserve.contingency_documents + 1;
          doc = g_strdup_printf ("%s-C-%06" PRId64, terminal, number);
          message = g_strdup_printf (
              _("Terminal %s has no fiscal numbers left and issued %s from its contingency "
              "series. Connect it to the fiscal authority so it receives a new block."),
              terminal, doc);
          if (!tn_store_raise_alert (store, TN_ALERT_P1, "fiscal-contingency", NULL, message,
                                     error))
            return NULL;
        }
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "series", series);
  json_object_set_int_member (object, "number", number);
  json_object_set_string_member (object, "doc", doc);
  json_object_set_string_member (object, "prev_hash", prev_hash ? prev_hash : "");
  json_object_set_int_member (object, "chain_seq", chain_seq);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;
}

/* Projection --------------------------------------------------------------- */

gboolean
tn_projection_apply_fiscal (TnStore        *store,
                            const TnEvent  *event,
                            GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  gint64 first = tn_event_get_int (event, "first", 0);
  gint64 count = tn_event_get_int (event, "count", 0);
  gint64 overlapping;
  sqlite3_stmt *stmt;

  /* Two grants of the same numbers mean two authorities disagree (a
   * misconfigured lane next to the hub, say): every sale numbered from
   * them could collide.  Keep the grant — the numbers may already be
   * on receipts — and raise the alarm. */
  stmt = tn_store_stmt (store,
      "SELECT count (*) FROM fiscal_blocks WHERE first > ?1 - " G_STRINGIFY (TN_FISCAL_MAX_BLOCK)
      " AND first < ?1 + ?2 AND ?1 < first + count",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, first);
  sqlite3_bind_int64 (stmt, 2, count);
  if (!tn_store_step_row (store, stmt, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  overlapping = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (overlapping > 0)
    {
      g_autofree char *message = g_strdup_printf (
          _("Fiscal numbers %" PRId64 "–%" PRId64 " were granted twice "
          "(again to terminal %s). Receipts may share numbers: call your fiscal advisor "
          "and make sure only one fiscal authority is configured."),
          first, first + count - 1, tn_event_get_string (event, "terminal"));
      if (!tn_store_raise_alert (store, TN_ALERT_P0, "fiscal-overlap", event->event_id,
                                 message, error))
        return FALSE;
    }

  stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO fiscal_blocks (event_id, first, count, device, terminal, hlc) "
      "VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, first);
  sqlite3_bind_int64 (stmt, 3, count);
  sqlite3_bind_text (stmt, 4, tn_event_get_string (event, "device"), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, tn_event_get_string (event, "terminal"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, (gint64) event->hlc);
  return tn_store_step_done (store, stmt, error);
}

static gboolean
raise_p0 (TnStore        *store,
          const TnEvent  *event,
          const char     *kind,
          const char     *message,
          GError        **error)
{
  return tn_store_raise_alert (store, TN_ALERT_P0, kind, event->event_id, message, error);
}

gboolean
tn_fiscal_record_document (TnStore        *store,
                           const TnEvent  *event,
                           TnFiscalKind    kind,
                           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  const TnJsonValue *fiscal = tn_json_value_get_object (tn_event_get_payload (event), "fiscal");
  const char *series = tn_json_value_get_string (fiscal, "series");
  const char *doc = tn_json_value_get_string (fiscal, "doc");
  const char *prev_hash = tn_json_value_get_string (fiscal, "prev_hash");
  gint64 number = tn_json_value_get_int (fiscal, "number", 0);
  gint64 chain_seq = tn_json_value_get_int (fiscal, "chain_seq", 0);
  gboolean store_series = g_strcmp0 (series, "store") == 0;
  g_autofree char *expected_prev = NULL;
  gint64 in_block = 0, used = 0;
  sqlite3_stmt *stmt;

  /* One statement for the three checks, as each sale a peer sends runs
   * them.  The link to the previous document of this device: causal
   * delivery has already applied it (an earlier event of the same
   * origin).  For a store number, the device's block that starts
   * nearest below it should hold it (one index seek), and no other
   * document may carry it. */
  stmt = tn_store_stmt (store,
      "SELECT (SELECT hash FROM fiscal_documents WHERE device = ?1 AND chain_seq = ?2 - 1), "
      "  CASE WHEN ?5 THEN (SELECT ?3 < first + count FROM fiscal_blocks WHERE device = ?1 "
      "    AND first <= ?3 ORDER BY first DESC LIMIT 1) END, "
      "  CASE WHEN ?5 THEN (SELECT count (*) FROM fiscal_documents WHERE series = 'store' "
      "    AND number = ?3 AND event_id != ?4) END", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, chain_seq);
  sqlite3_bind_int64 (stmt, 3, number);
  sqlite3_bind_text (stmt, 4, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 5, store_series);
  if (!tn_store_step_row (store, stmt, &local_error))
    goto failed;
  if (chain_seq > 1)
    expected_prev = g_strdup (tn_column_text (stmt, 0));
  in_block = sqlite3_column_int64 (stmt, 1);
  used = sqlite3_column_int64 (stmt, 2);
  sqlite3_reset (stmt);

  if (g_strcmp0 (expected_prev ? expected_prev : "", prev_hash) != 0)
    {
      g_autofree char *message = g_strdup_printf (
          _("Fiscal document %s does not link to the previous document of its terminal: "
          "the chain is broken. Run “tendero-ctl fiscal verify” and keep this lane’s data "
          "for the fiscal auditor."), doc);
      if (!raise_p0 (store, event, "fiscal-chain", message, error))
        return FALSE;
    }

  if (store_series)
    {
      /* Not in the nearest block: count all blocks that could reach it
       * (a device has hundreds in the last TN_FISCAL_MAX_BLOCK numbers). */
      if (in_block == 0)
        in_block = tn_store_query_int (store,
            "SELECT count (*) FROM fiscal_blocks WHERE device = ?1 AND first <= ?2 "
            "AND first > ?2 - " G_STRINGIFY (TN_FISCAL_MAX_BLOCK) " AND ?2 < first + count",
            event->origin, number, 0, &local_error);
      if (local_error != NULL)
        goto failed;

      if (in_block == 0)
        {
          g_autofree char *message = g_strdup_printf (
              _("Fiscal number %s was issued by a terminal that was never granted it. "
              "The sale is kept; report it to your fiscal advisor."), doc);
          if (!raise_p0 (store, event, "fiscal-out-of-block", message, error))
            return FALSE;
        }
      if (used > 0)
        {
          g_autofree char *message = g_strdup_printf (
              _("Fiscal number %s has been issued twice. Both sales are kept; report it to "
              "your fiscal advisor and check that only one fiscal authority is configured."),
              doc);
          if (!raise_p0 (store, event, "fiscal-duplicate", message, error))
            return FALSE;
        }
    }

  stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO fiscal_documents "
      "(device, chain_seq, event_id, kind, series, number, doc, prev_hash, hash) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->origin, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, chain_seq);
  sqlite3_bind_text (stmt, 3, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, kind_name (kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, series, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, number);
  sqlite3_bind_text (stmt, 7, doc, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, prev_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, event->hash, -1, SQLITE_STATIC);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (tn_store_get_db (store)) == 0)
    {
      g_autofree char *message = g_strdup_printf (
          _("Two fiscal documents claim place %" PRId64 " in the chain of one "
          "terminal (%s). Both sales are kept; run “tendero-ctl fiscal verify”."),
          chain_seq, doc);
      return raise_p0 (store, event, "fiscal-chain-fork", message, error);
    }
  {
    const TnDigestValue row[] = {
      TN_DIGEST_TEXT (event->origin), TN_DIGEST_INT (chain_seq),
      TN_DIGEST_TEXT (event->event_id), TN_DIGEST_TEXT (kind_name (kind)),
      TN_DIGEST_TEXT (series), TN_DIGEST_INT (number), TN_DIGEST_TEXT (doc),
      TN_DIGEST_TEXT (prev_hash), TN_DIGEST_TEXT (event->hash),
    };

    return tn_store_note_insert (store, "fiscal_documents", row, G_N_ELEMENTS (row), error);
  }

failed:
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Verification ------------------------------------------------------------- */

typedef struct
{
  char   *device;
  gint64  chain_seq;
  char   *event_id;
  char   *kind;
  char   *series;
  gint64  number;
  char   *doc;
  char   *prev_hash;
  char   *hash;
} Document;

static void
document_free (Document *d)
{
  g_free (d->device);
  g_free (d->event_id);
  g_free (d->kind);
  g_free (d->series);
  g_free (d->doc);
  g_free (d->prev_hash);
  g_free (d->hash);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Document, document_free)

static void
add_problem (GPtrArray  *problems,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_problem (GPtrArray  *problems,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (problems, g_strdup_vprintf (format, args));
  va_end (args);
}

/* The document as stored in the log must still be the event that was
 * hashed and chained; and the sales projection must say the same. */
static void
verify_document_body (TnStore        *store,
                      const Document *d,
                      GPtrArray      *problems)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) event = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT body, hash FROM events WHERE event_id = ?", NULL);
  const TnJsonValue *fiscal;

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, d->event_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, NULL))
    {
      add_problem (problems, _("Document %s (event %s): missing from the event log"),
                   d->doc, d->event_id);
      return;
    }
  event = tn_event_from_json (tn_column_text (stmt, 0), -1, NULL, &error);
  if (event == NULL)
    add_problem (problems, _("Document %s (event %s) was altered: %s"),
                 d->doc, d->event_id, error->message);
  else if (g_strcmp0 (tn_column_text (stmt, 1), d->hash) != 0 ||
           g_strcmp0 (event->hash, d->hash) != 0)
    add_problem (problems, _("Document %s (event %s) was altered: its hash no longer matches"),
                 d->doc, d->event_id);
  sqlite3_reset (stmt);
  if (event == NULL)
    return;

  fiscal = tn_json_value_get_object (tn_event_get_payload (event), "fiscal");
  if (fiscal == NULL ||
      g_strcmp0 (tn_json_value_get_string (fiscal, "doc"), d->doc) != 0 ||
      tn_json_value_get_int (fiscal, "number", 0) != d->number ||
      g_strcmp0 (tn_json_value_get_string (fiscal, "prev_hash"), d->prev_hash) != 0)
    add_problem (problems, _("Document %s (event %s): the fiscal register does not match "
                 "the document"), d->doc, d->event_id);

  if (event->type == TN_EVENT_SALE_CREATED)
    {
      const TnJsonValue *payload = tn_event_get_payload (event);

      stmt = tn_store_stmt (store,
          "SELECT total, tax, fiscal_doc, (SELECT coalesce (sum (total), 0) FROM sale_lines "
          " WHERE sale_lines.sale_id = sales.sale_id) FROM sales WHERE sale_id = ?", NULL);
      if (stmt == NULL)
        return;
      sqlite3_bind_text (stmt, 1, tn_json_value_get_string (payload, "sale_id"), -1,
                         SQLITE_TRANSIENT);
      if (!tn_store_step_row (store, stmt, NULL))
        add_problem (problems, _("Sale %s (document %s) is missing from the sales records"),
                     tn_json_value_get_string (payload, "sale_id"), d->doc);
      else
        {
          if (sqlite3_column_int64 (stmt, 0) != tn_json_value_get_int (payload, "total", 0) ||
              sqlite3_column_int64 (stmt, 1) != tn_json_value_get_int (payload, "tax", 0) ||
              sqlite3_column_int64 (stmt, 3) != tn_json_value_get_int (payload, "total", 0) ||
              g_strcmp0 (tn_column_text (stmt, 2), d->doc) != 0)
            add_problem (problems, _("Sale %s (document %s): the sales records were altered "
                         "and no longer match the signed document"),
                         tn_json_value_get_string (payload, "sale_id"), d->doc);
          sqlite3_reset (stmt);
        }
    }
}

gboolean
tn_fiscal_verify (TnStore     *store,
                  GPtrArray   *problems,
                  guint       *n_documents,
                  GError     **error)
{
  g_autoptr(GPtrArray) docs = g_ptr_array_new_with_free_func ((GDestroyNotify) document_free);
  g_autoptr(GHashTable) store_numbers = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                                g_free, g_free);
  g_autoptr(GError) local_error = NULL;
  const Document *prev = NULL;
  gint64 last_store = 0, last_contingency = 0, last_z = 0;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT device, chain_seq, event_id, kind, series, number, doc, prev_hash, hash "
      "FROM fiscal_documents ORDER BY device, chain_seq", error);

  if (stmt == NULL)
    return FALSE;
  while (tn_store_step_row (store, stmt, &local_error))
    {
      Document *d = g_new0 (Document, 1);

      d->device = g_strdup (tn_column_text (stmt, 0));
      d->chain_seq = sqlite3_column_int64 (stmt, 1);
      d->event_id = g_strdup (tn_column_text (stmt, 2));
      d->kind = g_strdup (tn_column_text (stmt, 3));
      d->series = g_strdup (tn_column_text (stmt, 4));
      d->number = sqlite3_column_int64 (stmt, 5);
      d->doc = g_strdup (tn_column_text (stmt, 6));
      d->prev_hash = g_strdup (tn_column_text (stmt, 7));
      d->hash = g_strdup (tn_column_text (stmt, 8));
      g_ptr_array_add (docs, d);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  for (guint i = 0; i < docs->len; i++)
    {
      const Document *d = docs->pdata[i];
      gboolean new_device = prev == NULL || g_strcmp0 (prev->device, d->device) != 0;
      gint64 *seen;

      if (new_device)
        {
          last_store = last_contingency = last_z = 0;
          prev = NULL;
        }
      if (d->chain_seq != (prev ? prev->chain_seq : 0) + 1)
        add_problem (problems, _("Document %s: the chain of its terminal jumps from %" PRId64
                     " to %" PRId64 " (a document is missing)"),
                     d->doc, prev ? prev->chain_seq : 0, d->chain_seq);
      if (g_strcmp0 (d->prev_hash, prev ? prev->hash : "") != 0)
        add_problem (problems, _("Document %s: it does not link to the previous document "
                     "(%s)"), d->doc, prev ? prev->doc : "none");

      if (g_strcmp0 (d->series, "store") == 0)
        {
          stmt = tn_store_stmt (store,
              "SELECT first FROM fiscal_blocks WHERE device = ?1 AND first <= ?2 "
              "AND first > ?2 - " G_STRINGIFY (TN_FISCAL_MAX_BLOCK) " "
              "AND ?2 < first + count", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_text (stmt, 1, d->device, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 2, d->number);
          if (!tn_store_step_row (store, stmt, NULL))
            add_problem (problems, _("Document %s: number %" PRId64
                         " is not in any block granted to its terminal"), d->doc, d->number);
          else
            sqlite3_reset (stmt);
          if (d->number <= last_store)
            add_problem (problems, _("Document %s: store numbers go backwards (%" PRId64
                         " after %" PRId64 ")"),
                         d->doc, d->number, last_store);
          last_store = d->number;
          seen = g_hash_table_lookup (store_numbers, &d->number);
          if (seen != NULL)
            add_problem (problems, _("Document %s: store number %" PRId64
                         " was issued twice"), d->doc, d->number);
          else
            g_hash_table_insert (store_numbers, g_memdup2 (&d->number, sizeof (gint64)),
                                 g_memdup2 (&d->number, sizeof (gint64)));
        }
      else if (g_strcmp0 (d->series, "contingency") == 0)
        {
          if (d->number != last_contingency + 1)
            add_problem (problems, _("Document %s: the contingency series has a gap before it"),
                         d->doc);
          last_contingency = d->number;
        }
      else if (g_strcmp0 (d->series, "z") == 0)
        {
          if (d->number != last_z + 1)
            add_problem (problems, _("Document %s: the Z report series has a gap before it"),
                         d->doc);
          last_z = d->number;
        }
      else
        add_problem (problems, _("Document %s: unknown series “%s”"), d->doc, d->series);

      verify_document_body (store, d, problems);
      prev = d;
    }

  if (n_documents != NULL)
    *n_documents = docs->len;
  return TRUE;
}
