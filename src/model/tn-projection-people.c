/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Customers and employees (LWW per field), the debt ledger (add-wins:
 * balance = sum of charges − payments) and exchange rates (LWW). */

#include "tn-projection.h"

static gboolean
ensure_row (TnStore     *store,
            const char  *insert_sql,
            const char  *key,
            GError     **error)
{
  sqlite3_stmt *stmt = tn_store_stmt (store, insert_sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

static gboolean
apply_customer (TnStore        *store,
                const TnEvent  *event,
                GError        **error)
{
  const TnJsonValue *payload = tn_event_get_payload (event);
  const char *id = tn_json_value_get_string (payload, "customer_id");
  g_autofree char *clock = tn_lww_clock (event);

  if (!ensure_row (store, "INSERT OR IGNORE INTO customers (customer_id) VALUES (?)", id, error))
    return FALSE;
  if ((tn_json_value_member (payload, "name") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE customers SET name = ?1, name_clock = ?2 "
          "WHERE customer_id = ?3 AND name_clock < ?2",
          id, tn_json_value_get_string (payload, "name"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "phone") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE customers SET phone = ?1, phone_clock = ?2 "
          "WHERE customer_id = ?3 AND phone_clock < ?2",
          id, tn_json_value_get_string (payload, "phone"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "tax_id") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE customers SET tax_id = ?1, tax_id_clock = ?2 "
          "WHERE customer_id = ?3 AND tax_id_clock < ?2",
          id, tn_json_value_get_string (payload, "tax_id"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "email") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE customers SET email = ?1, email_clock = ?2 "
          "WHERE customer_id = ?3 AND email_clock < ?2",
          id, tn_json_value_get_string (payload, "email"), clock, error))
    return FALSE;
  return TRUE;
}

static gboolean
apply_debt (TnStore        *store,
            const TnEvent  *event,
            GError        **error)
{
  gboolean charge = event->type == TN_EVENT_DEBT_CHARGED;
  const char *customer = tn_event_get_string (event, "customer_id");
  gint64 amount = tn_event_get_int (event, "amount", 0);
  sqlite3_stmt *stmt;

  if (!ensure_row (store, "INSERT OR IGNORE INTO customers (customer_id) VALUES (?)",
                   customer, error))
    return FALSE;
  stmt = tn_store_stmt (store,
      "INSERT OR IGNORE INTO debts (event_id, customer_id, kind, amount, sale_id, note, method, hlc) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->event_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, customer, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, charge ? "charge" : "payment", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, amount);
  tn_bind_text (stmt, 5, tn_event_get_string (event, "sale_id"));
  tn_bind_text (stmt, 6, tn_event_get_string (event, "note"));
  tn_bind_text (stmt, 7, tn_event_get_string (event, "method"));
  sqlite3_bind_int64 (stmt, 8, (gint64) event->hlc);
  if (!tn_store_step_done (store, stmt, error))
    return FALSE;
  if (sqlite3_changes (tn_store_get_db (store)) == 0)
    return TRUE;

  stmt = tn_store_stmt (store,
      "UPDATE customers SET balance = balance + ? WHERE customer_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, charge ? amount : -amount);
  sqlite3_bind_text (stmt, 2, customer, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

static gboolean
apply_rate (TnStore        *store,
            const TnEvent  *event,
            GError        **error)
{
  g_autofree char *clock = tn_lww_clock (event);
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "INSERT INTO exchange_rates (currency, rate_micro, decimals, clock) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (currency) DO UPDATE SET rate_micro = ?2, decimals = ?3, clock = ?4 "
      "WHERE clock < ?4", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, tn_event_get_string (event, "currency"), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, tn_event_get_int (event, "rate_micro", 0));
  sqlite3_bind_int64 (stmt, 3, tn_event_get_int (event, "decimals", 2));
  sqlite3_bind_text (stmt, 4, clock, -1, SQLITE_STATIC);
  return tn_store_step_done (store, stmt, error);
}

static gboolean
apply_employee (TnStore        *store,
                const TnEvent  *event,
                GError        **error)
{
  const TnJsonValue *payload = tn_event_get_payload (event);
  const char *id = tn_json_value_get_string (payload, "employee_id");
  g_autofree char *clock = tn_lww_clock (event);

  if (!ensure_row (store, "INSERT OR IGNORE INTO employees (employee_id) VALUES (?)", id, error))
    return FALSE;
  if ((tn_json_value_member (payload, "name") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE employees SET name = ?1, name_clock = ?2 "
          "WHERE employee_id = ?3 AND name_clock < ?2",
          id, tn_json_value_get_string (payload, "name"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "role") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE employees SET role = ?1, role_clock = ?2 "
          "WHERE employee_id = ?3 AND role_clock < ?2",
          id, tn_json_value_get_string (payload, "role"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "pin_hash") != NULL) &&
      !tn_projection_lww_set_text (store,
          "UPDATE employees SET pin_hash = ?1, pin_hash_clock = ?2 "
          "WHERE employee_id = ?3 AND pin_hash_clock < ?2",
          id, tn_json_value_get_string (payload, "pin_hash"), clock, error))
    return FALSE;
  if ((tn_json_value_member (payload, "active") != NULL) &&
      !tn_projection_lww_set_int (store,
          "UPDATE employees SET active = ?1, active_clock = ?2 "
          "WHERE employee_id = ?3 AND active_clock < ?2",
          id, tn_json_value_get_boolean (payload, "active", FALSE), clock, error))
    return FALSE;
  return TRUE;
}

gboolean
tn_projection_apply_people (TnStore        *store,
                            const TnEvent  *event,
                            GError        **error)
{
  switch (event->type)
    {
    case TN_EVENT_CUSTOMER_UPSERTED:
      return apply_customer (store, event, error);
    case TN_EVENT_DEBT_CHARGED:
    case TN_EVENT_DEBT_PAID:
      return apply_debt (store, event, error);
    case TN_EVENT_EXCHANGE_RATE_SET:
      return apply_rate (store, event, error);
    case TN_EVENT_EMPLOYEE_UPSERTED:
      return apply_employee (store, event, error);
    default:
      g_assert_not_reached ();
    }
}
