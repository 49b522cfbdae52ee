/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Cash sessions: a float to open, cash in and out, and a close with a
 * (possibly blind) count that produces the numbered Z report. */

#include "tn-operations.h"

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-store-private.h"

void
tn_z_report_free (TnZReport *report)
{
  if (report == NULL)
    return;
  g_free (report->session_id);
  g_free (report->z_doc);
  g_clear_pointer (&report->totals, g_hash_table_unref);
  g_free (report);
}

char *
tn_store_get_open_session (TnStore  *store,
                           GError  **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT session_id FROM cash_sessions WHERE origin = ? AND closed_event IS NULL "
      "ORDER BY opened_hlc DESC LIMIT 1", error);
  char *session = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, tn_store_get_replica_id (store), -1, SQLITE_STATIC);
  if (tn_store_step_row (store, stmt, error))
    {
      session = g_strdup (tn_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  return session;
}

char *
tn_store_open_cash_session (TnStore     *store,
                            gint64       float_amount,
                            const char  *cashier,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *open = NULL;
  g_autofree char *session = NULL;
  JsonObject *payload;

  if (float_amount < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The float cannot be negative"));
      return NULL;
    }
  open = tn_store_get_open_session (store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (open != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("Terminal %s already has an open cash session; close it first"),
                   tn_store_get_terminal (store));
      return NULL;
    }

  session = tn_uuid_new ();
  payload = json_object_new ();
  json_object_set_string_member (payload, "session_id", session);
  json_object_set_string_member (payload, "terminal", tn_store_get_terminal (store));
  json_object_set_int_member (payload, "float", float_amount);
  if (cashier != NULL)
    json_object_set_string_member (payload, "cashier", cashier);
  if (!tn_store_commit_event (store, TN_EVENT_CASH_SESSION_OPENED, payload, error))
    return NULL;
  return g_steal_pointer (&session);
}

static char *
require_open_session (TnStore  *store,
                      GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  char *session = tn_store_get_open_session (store, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (session == NULL)
    g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                 _("Terminal %s has no open cash session; open one with a float first"),
                 tn_store_get_terminal (store));
  return session;
}

gboolean
tn_store_move_cash (TnStore     *store,
                    gboolean     cash_in,
                    gint64       amount,
                    const char  *reason,
                    GError     **error)
{
  g_autofree char *session = NULL;
  JsonObject *payload;

  if (amount <= 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The amount must be more than zero"));
      return FALSE;
    }
  if (reason == NULL || *reason == '\0')
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Give a reason for the cash movement"));
      return FALSE;
    }
  session = require_open_session (store, error);
  if (session == NULL)
    return FALSE;
  payload = json_object_new ();
  json_object_set_string_member (payload, "session_id", session);
  json_object_set_string_member (payload, "kind", cash_in ? "in" : "out");
  json_object_set_int_member (payload, "amount", amount);
  json_object_set_string_member (payload, "reason", reason);
  return tn_store_commit_event (store, TN_EVENT_CASH_MOVED, payload, error);
}

/* Derives the report from the session's events (through the projections). */
static gboolean
compute_z_report (TnStore    *store,
                  TnZReport  *report,
                  GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;

  stmt = tn_store_stmt (store, "SELECT float FROM cash_sessions WHERE session_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, report->session_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    goto failed;
  report->float_amount = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  stmt = tn_store_stmt (store,
      "SELECT count (*) FILTER (WHERE voided = 0), count (*) FILTER (WHERE voided = 1), "
      "  coalesce (sum (change) FILTER (WHERE voided = 0), 0) "
      "FROM sales WHERE session_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, report->session_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    goto failed;
  report->sales_count = sqlite3_column_int64 (stmt, 0);
  report->voids_count = sqlite3_column_int64 (stmt, 1);
  report->cash_sales = -sqlite3_column_int64 (stmt, 2);
  sqlite3_reset (stmt);

  stmt = tn_store_stmt (store,
      "SELECT p.method, p.currency, sum (p.amount), sum (p.amount_base) "
      "FROM payments p JOIN sales s ON s.sale_id = p.sale_id "
      "WHERE s.session_id = ? AND s.voided = 0 GROUP BY p.method, p.currency "
      "ORDER BY p.method, p.currency", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, report->session_id, -1, SQLITE_STATIC);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      gint64 *amount = g_new (gint64, 1);

      *amount = sqlite3_column_int64 (stmt, 2);
      g_hash_table_insert (report->totals,
                           g_strdup_printf ("%s/%s", tn_column_text (stmt, 0),
                                            tn_column_text (stmt, 1)),
                           amount);
      if (g_strcmp0 (tn_column_text (stmt, 0), "cash") == 0)
        report->cash_sales += sqlite3_column_int64 (stmt, 3);
    }
  if (local_error != NULL)
    goto failed;

  stmt = tn_store_stmt (store,
      "SELECT coalesce (sum (amount) FILTER (WHERE kind = 'in'), 0), "
      "  coalesce (sum (amount) FILTER (WHERE kind = 'out'), 0) "
      "FROM cash_movements WHERE session_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, report->session_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    goto failed;
  report->cash_in = sqlite3_column_int64 (stmt, 0);
  report->cash_out = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);

  report->expected = report->float_amount + report->cash_sales + report->cash_in
                     - report->cash_out;
  report->variance = report->counted - report->expected;
  return TRUE;

failed:
  if (local_error == NULL)
    g_set_error (&local_error, TN_ERROR, TN_ERROR_NOT_FOUND,
                 _("The cash session %s is missing"), report->session_id);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static TnZReport *
close_locked (TnStore   *store,
              gint64     counted,
              gboolean   blind,
              GError   **error)
{
  g_autoptr(TnZReport) report = g_new0 (TnZReport, 1);
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(GList) keys = NULL;
  JsonObject *payload, *totals;
  JsonNode *fiscal, *node;

  report->totals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  report->counted = counted;
  report->session_id = require_open_session (store, error);
  if (report->session_id == NULL || !compute_z_report (store, report, error))
    return NULL;
  fiscal = tn_fiscal_next_document (store, TN_FISCAL_Z_REPORT, error);
  if (fiscal == NULL)
    return NULL;
  report->z_doc = g_strdup (json_object_get_string_member (json_node_get_object (fiscal),
                                                           "doc"));

  payload = json_object_new ();
  totals = json_object_new ();
  keys = g_hash_table_get_keys (report->totals);
  for (GList *l = keys; l != NULL; l = l->next)
    json_object_set_int_member (totals, l->data,
                                *(gint64 *) g_hash_table_lookup (report->totals, l->data));
  json_object_set_string_member (payload, "session_id", report->session_id);
  json_object_set_string_member (payload, "terminal", tn_store_get_terminal (store));
  json_object_set_int_member (payload, "counted", counted);
  json_object_set_int_member (payload, "expected", report->expected);
  json_object_set_int_member (payload, "variance", report->variance);
  json_object_set_boolean_member (payload, "blind", blind);
  json_object_set_int_member (payload, "sales_count", report->sales_count);
  json_object_set_int_member (payload, "voids_count", report->voids_count);
  json_object_set_int_member (payload, "float", report->float_amount);
  json_object_set_int_member (payload, "cash_in", report->cash_in);
  json_object_set_int_member (payload, "cash_out", report->cash_out);
  json_object_set_object_member (payload, "totals", totals);
  json_object_set_member (payload, "fiscal", fiscal);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, payload);
  event = tn_store_append (store, TN_EVENT_CASH_SESSION_CLOSED, node, error);
  if (event == NULL)
    return NULL;
  return g_steal_pointer (&report);
}

TnZReport *
tn_store_close_cash_session (TnStore   *store,
                             gint64     counted,
                             gboolean   blind,
                             GError   **error)
{
  g_autoptr(TnZReport) report = NULL;

  if (counted < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The counted cash cannot be negative"));
      return NULL;
    }
  if (!tn_store_begin (store, error))
    return NULL;
  report = close_locked (store, counted, blind, error);
  if (report == NULL)
    {
      tn_store_rollback (store);
      return NULL;
    }
  if (!tn_store_commit (store, error))
    return NULL;
  return g_steal_pointer (&report);
}

TnZReport *
tn_store_preview_cash_session (TnStore  *store,
                               GError  **error)
{
  g_autoptr(TnZReport) report = g_new0 (TnZReport, 1);

  report->totals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  report->session_id = require_open_session (store, error);
  if (report->session_id == NULL || !compute_z_report (store, report, error))
    return NULL;
  return g_steal_pointer (&report);
}
