/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Employees and their PINs, customers and their debts, exchange rates. */

#include "tn-operations.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-error.h"
#include "tn-pin.h"
#include "tn-store-private.h"

static gboolean
validate_name (const char  *name,
               const char  *what,
               GError     **error)
{
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL) ||
      g_utf8_strlen (name, -1) > 200)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("%s needs a name of 1–200 characters"),
                   what);
      return FALSE;
    }
  return TRUE;
}

char *
tn_store_add_employee (TnStore     *store,
                       const char  *name,
                       const char  *pin,
                       gboolean     manager,
                       GError     **error)
{
  g_autofree char *id = tn_uuid_new ();
  g_autofree char *existing = NULL;
  JsonObject *payload;

  if (!validate_name (name, "An employee", error) || !tn_pin_validate (pin, error))
    return NULL;
  /* A PIN identifies its owner at the till: two people cannot share one. */
  existing = tn_store_check_pin (store, pin, FALSE, NULL);
  if (existing != NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("Another employee already uses this PIN; choose a different one"));
      return NULL;
    }

  payload = json_object_new ();
  json_object_set_string_member (payload, "employee_id", id);
  json_object_set_string_member (payload, "name", name);
  json_object_set_string_member (payload, "role", manager ? "manager" : "cashier");
  {
    g_autofree char *hash = tn_pin_hash (pin, TN_PIN_ITERATIONS);
    json_object_set_string_member (payload, "pin_hash", hash);
  }
  json_object_set_boolean_member (payload, "active", TRUE);
  if (!tn_store_commit_event (store, TN_EVENT_EMPLOYEE_UPSERTED, payload, error))
    return NULL;
  return g_steal_pointer (&id);
}

char *
tn_store_check_pin (TnStore     *store,
                    const char  *pin,
                    gboolean     need_manager,
                    GError     **error)
{
  sqlite3_stmt *stmt;
  char *found = NULL;

  if (!tn_pin_validate (pin, error))
    return NULL;
  stmt = tn_store_stmt (store,
      "SELECT employee_id, pin_hash, role FROM employees WHERE active = 1 "
      "AND pin_hash IS NOT NULL ORDER BY employee_id", error);
  if (stmt == NULL)
    return NULL;
  /* Every hash has its own salt, so each must be tried; a store has few
   * employees and this runs only at login. */
  while (found == NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      if (need_manager && g_strcmp0 (tn_column_text (stmt, 2), "manager") != 0)
        continue;
      if (tn_pin_verify (pin, tn_column_text (stmt, 1)))
        found = g_strdup (tn_column_text (stmt, 0));
    }
  sqlite3_reset (stmt);
  if (found == NULL)
    g_set_error_literal (error, TN_ERROR, TN_ERROR_PERMISSION,
                 need_manager ? _("That PIN does not belong to a manager")
                              : _("That PIN does not belong to any active employee"));
  return found;
}

gboolean
tn_store_get_employee (TnStore     *store,
                       const char  *employee_id,
                       char       **out_name,
                       gboolean    *out_manager,
                       GError     **error)
{
  sqlite3_stmt *stmt;
  gboolean found;

  stmt = tn_store_stmt (store, "SELECT name, role FROM employees WHERE employee_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, employee_id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  if (found)
    {
      if (out_name != NULL)
        *out_name = g_strdup (tn_column_text (stmt, 0));
      if (out_manager != NULL)
        *out_manager = g_strcmp0 (tn_column_text (stmt, 1), "manager") == 0;
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (!found)
    g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND, _("No employee has the id “%s”"),
                 employee_id);
  return found;
}

gboolean
tn_store_upsert_customer (TnStore     *store,
                          const char  *customer_id,
                          const char  *name,
                          const char  *phone,
                          GError     **error)
{
  JsonObject *payload;

  if (!validate_name (customer_id, "A customer id", error) ||
      (name != NULL && !validate_name (name, "A customer", error)))
    return FALSE;
  payload = json_object_new ();
  json_object_set_string_member (payload, "customer_id", customer_id);
  if (name != NULL)
    json_object_set_string_member (payload, "name", name);
  if (phone != NULL)
    json_object_set_string_member (payload, "phone", phone);
  return tn_store_commit_event (store, TN_EVENT_CUSTOMER_UPSERTED, payload, error);
}

static gboolean
validate_amount (gint64   amount,
                 GError **error)
{
  if (amount <= 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("The amount must be more than zero"));
      return FALSE;
    }
  return TRUE;
}

/* DebtCharged and DebtPaid carry the same fields but their last one. */
static gboolean
commit_debt (TnStore      *store,
             TnEventType   type,
             const char   *customer_id,
             gint64        amount,
             const char   *extra_name,
             const char   *extra_value,
             GError      **error)
{
  JsonObject *payload;

  if (!validate_name (customer_id, "A customer id", error) || !validate_amount (amount, error))
    return FALSE;
  payload = json_object_new ();
  json_object_set_string_member (payload, "customer_id", customer_id);
  json_object_set_int_member (payload, "amount", amount);
  if (extra_value != NULL)
    json_object_set_string_member (payload, extra_name, extra_value);
  return tn_store_commit_event (store, type, payload, error);
}

gboolean
tn_store_charge_debt (TnStore     *store,
                      const char  *customer_id,
                      gint64       amount,
                      const char  *note,
                      GError     **error)
{
  return commit_debt (store, TN_EVENT_DEBT_CHARGED, customer_id, amount, "note", note, error);
}

gboolean
tn_store_pay_debt (TnStore     *store,
                   const char  *customer_id,
                   gint64       amount,
                   const char  *method,
                   GError     **error)
{
  return commit_debt (store, TN_EVENT_DEBT_PAID, customer_id, amount, "method",
                      method ? method : "cash", error);
}

gboolean
tn_store_get_debt_balance (TnStore     *store,
                           const char  *customer_id,
                           gint64      *out,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT balance FROM customers WHERE customer_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, customer_id, -1, SQLITE_STATIC);
  if (!tn_store_step_row (store, stmt, &local_error))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND, _("No customer “%s”"), customer_id);
      return FALSE;
    }
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

gboolean
tn_store_set_exchange_rate (TnStore     *store,
                            const char  *currency,
                            gint64       rate_micro,
                            guint        decimals,
                            GError     **error)
{
  JsonObject *payload;

  if (currency == NULL || strlen (currency) != 3 || !g_ascii_isupper (currency[0]) ||
      !g_ascii_isupper (currency[1]) || !g_ascii_isupper (currency[2]))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a currency code: use three capital letters, like USD"),
                   currency ? currency : "");
      return FALSE;
    }
  if (g_strcmp0 (currency, tn_store_get_currency (store)) == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("%s is the store’s base currency; a rate is for a second currency"),
                   currency);
      return FALSE;
    }
  if (rate_micro <= 0 || decimals > 4)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The rate must be more than zero and the currency have at most 4 decimals"));
      return FALSE;
    }
  payload = json_object_new ();
  json_object_set_string_member (payload, "currency", currency);
  json_object_set_int_member (payload, "rate_micro", rate_micro);
  json_object_set_int_member (payload, "decimals", decimals);
  return tn_store_commit_event (store, TN_EVENT_EXCHANGE_RATE_SET, payload, error);
}
