/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Cash sessions: per device, opened and closed by events; the Z report
 * travels in the closing event and is a chained fiscal document. */

#include "tn-projection.h"

#include "tn-fiscal.h"

gboolean
tn_projection_apply_cash (TnStore        *store,
                          const TnEvent  *event,
                          GError        **error)
{
  const char *session = tn_event_get_string (event, "session_id");
  sqlite3_stmt *stmt;

  switch (event->type)
    {
    case TN_EVENT_CASH_SESSION_OPENED:
      stmt = tn_store_stmt (store,
          "INSERT OR IGNORE INTO cash_sessions "
          "(session_id, origin, terminal, float, cashier, opened_hlc) VALUES (?, ?, ?, ?, ?, ?)",
          error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, session, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, event->origin, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, tn_event_get_string (event, "terminal"), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, tn_event_get_int (event, "float", 0));
      tn_bind_text (stmt, 5, tn_event_get_string (event, "cashier"));
      sqlite3_bind_int64 (stmt, 6, (gint64) event->hlc);
      return tn_store_step_done (store, stmt, error);

    case TN_EVENT_CASH_MOVED:
      stmt = tn_store_stmt (store,
          "INSERT OR IGNORE INTO cash_movements (event_id, session_id, kind, amount, reason, hlc) "
          "VALUES (?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, session, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, tn_event_get_string (event, "kind"), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 4, tn_event_get_int (event, "amount", 0));
      sqlite3_bind_text (stmt, 5, tn_event_get_string (event, "reason"), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, (gint64) event->hlc);
      return tn_store_step_done (store, stmt, error);

    case TN_EVENT_CASH_SESSION_CLOSED:
      {
        const TnJsonValue *fiscal = tn_json_value_get_object (tn_event_get_payload (event),
                                                            "fiscal");
        stmt = tn_store_stmt (store,
            "UPDATE cash_sessions SET closed_event = ?, counted = ?, expected = ?, "
            "variance = ?, blind = ?, z_doc = ? WHERE session_id = ? AND closed_event IS NULL",
            error);
        if (stmt == NULL)
          return FALSE;
        sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (stmt, 2, tn_event_get_int (event, "counted", 0));
        sqlite3_bind_int64 (stmt, 3, tn_event_get_int (event, "expected", 0));
        sqlite3_bind_int64 (stmt, 4, tn_event_get_int (event, "variance", 0));
        sqlite3_bind_int (stmt, 5, tn_json_value_get_boolean (tn_event_get_payload (event),
                                                              "blind", FALSE));
        sqlite3_bind_text (stmt, 6, tn_json_value_get_string (fiscal, "doc"), -1,
                           SQLITE_STATIC);
        sqlite3_bind_text (stmt, 7, session, -1, SQLITE_STATIC);
        if (!tn_store_step_done (store, stmt, error))
          return FALSE;
        return tn_fiscal_record_document (store, event, TN_FISCAL_Z_REPORT, error);
      }

    default:
      g_assert_not_reached ();
    }
}
