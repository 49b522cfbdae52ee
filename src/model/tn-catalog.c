/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Products, stock and price conflicts as a lane changes them. */

#include "tn-operations.h"

#include <glib/gi18n.h>

#include <string.h>

#include "tn-error.h"
#include "tn-store-private.h"

gboolean
tn_store_validate_sku (const char  *sku,
                       GError     **error)
{
  gsize len = sku ? strlen (sku) : 0;

  if (len == 0 || len > 64 || !g_utf8_validate (sku, -1, NULL))
    goto bad;
  for (const char *p = sku; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || *p == '/')
      goto bad;
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("“%s” is not a valid SKU: use 1–64 characters without spaces or “/”"),
               sku ? sku : "");
  return FALSE;
}

static gboolean
product_exists (TnStore     *store,
                const char  *sku,
                gboolean    *exists,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store, "SELECT 1 FROM products WHERE sku = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  *exists = tn_store_step_row (store, stmt, &local_error);
  sqlite3_reset (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static gboolean
require_product (TnStore     *store,
                 const char  *sku,
                 GError     **error)
{
  gboolean exists;

  if (!tn_store_validate_sku (sku, error) || !product_exists (store, sku, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                   _("No product with SKU “%s”. Check the SKU, or add the product first."), sku);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_barcode (const char  *sku,
                  const char  *barcode,
                  GError     **error)
{
  if (barcode != NULL && (strlen (barcode) > 64 || !g_utf8_validate (barcode, -1, NULL)))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The barcode of %s is longer than 64 characters"), sku);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_spec (const TnProductSpec  *spec,
               GError              **error)
{
  if (!tn_store_validate_sku (spec->sku, error))
    return FALSE;
  if (spec->name == NULL || *spec->name == '\0' || !g_utf8_validate (spec->name, -1, NULL) ||
      g_utf8_strlen (spec->name, -1) > 200)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Product %s needs a name of 1–200 characters"), spec->sku);
      return FALSE;
    }
  if (spec->price < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The price of %s cannot be negative"), spec->sku);
      return FALSE;
    }
  if (spec->tax_bp < 0 || spec->tax_bp > 10000)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The tax of %s must be between 0 and 100 %%"), spec->sku);
      return FALSE;
    }
  return validate_barcode (spec->sku, spec->barcode, error);
}

static JsonObject *
product_payload (const TnProductSpec *spec)
{
  JsonObject *payload = json_object_new ();

  json_object_set_string_member (payload, "sku", spec->sku);
  json_object_set_string_member (payload, "name", spec->name);
  json_object_set_int_member (payload, "price", spec->price);
  json_object_set_int_member (payload, "tax_bp", spec->tax_bp);
  if (spec->barcode != NULL && *spec->barcode != '\0')
    json_object_set_string_member (payload, "barcode", spec->barcode);
  return payload;
}

gboolean
tn_store_append_product (TnStore              *store,
                         const TnProductSpec  *spec,
                         GError              **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(TnEvent) event = NULL;

  if (!validate_spec (spec, error))
    return FALSE;
  json_node_take_object (node, product_payload (spec));
  event = tn_store_append (store, TN_EVENT_PRODUCT_CREATED, g_steal_pointer (&node), error);
  return event != NULL;
}

gboolean
tn_store_add_product (TnStore              *store,
                      const TnProductSpec  *spec,
                      GError              **error)
{
  gboolean exists;

  if (!validate_spec (spec, error) || !product_exists (store, spec->sku, &exists, error))
    return FALSE;
  if (exists)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_EXISTS,
                   _("A product with SKU “%s” already exists; change it with "
                   "“product set-price” or “product update”"), spec->sku);
      return FALSE;
    }
  return tn_store_commit_event (store, TN_EVENT_PRODUCT_CREATED, product_payload (spec), error);
}

gboolean
tn_store_set_price (TnStore     *store,
                    const char  *sku,
                    gint64       price,
                    GError     **error)
{
  return tn_store_set_price_by (store, sku, price, NULL, error);
}

gboolean
tn_store_set_price_by (TnStore     *store,
                       const char  *sku,
                       gint64       price,
                       const char  *employee_id,
                       GError     **error)
{
  JsonObject *payload;

  if (!require_product (store, sku, error))
    return FALSE;
  if (price < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("A price cannot be negative"));
      return FALSE;
    }
  /* Only someone this lane knows can be named as who changed it. */
  if (employee_id != NULL && !tn_store_get_employee (store, employee_id, NULL, NULL, error))
    return FALSE;
  payload = json_object_new ();
  json_object_set_string_member (payload, "sku", sku);
  json_object_set_int_member (payload, "price", price);
  if (employee_id != NULL)
    json_object_set_string_member (payload, "by", employee_id);
  return tn_store_commit_event (store, TN_EVENT_PRODUCT_UPDATED, payload, error);
}

gboolean
tn_store_update_product (TnStore     *store,
                         const char  *sku,
                         const char  *name,
                         const char  *barcode,
                         gint         tax_bp,
                         gint         active,
                         GError     **error)
{
  g_autoptr(JsonObject) payload = json_object_new ();

  if (!require_product (store, sku, error))
    return FALSE;
  json_object_set_string_member (payload, "sku", sku);
  if (name != NULL)
    {
      TnProductSpec spec = { sku, name, 0, 0, barcode };
      if (!validate_spec (&spec, error))
        return FALSE;
      json_object_set_string_member (payload, "name", name);
    }
  if (barcode != NULL)
    {
      /* Checked on its own too: an update may change only the barcode. */
      if (!validate_barcode (sku, barcode, error))
        return FALSE;
      json_object_set_string_member (payload, "barcode", barcode);
    }
  if (tax_bp >= 0)
    {
      if (tax_bp > 10000)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("Tax must be between 0 and 100 %%"));
          return FALSE;
        }
      json_object_set_int_member (payload, "tax_bp", tax_bp);
    }
  if (active >= 0)
    json_object_set_boolean_member (payload, "active", active != 0);
  if (json_object_get_size (payload) == 1)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Nothing to change: give a new name, barcode, tax or active state"));
      return FALSE;
    }
  return tn_store_commit_event (store, TN_EVENT_PRODUCT_UPDATED, g_steal_pointer (&payload), error);
}

static gboolean
validate_reason (const char  *reason,
                 GError     **error)
{
  if (reason == NULL || *reason == '\0' || strlen (reason) > 1024 ||
      !g_utf8_validate (reason, -1, NULL))
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("Give a reason (up to 1024 characters) so the change can be audited"));
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_store_adjust_stock (TnStore     *store,
                       const char  *sku,
                       gint64       delta_milli,
                       const char  *reason,
                       GError     **error)
{
  JsonObject *payload;

  if (!require_product (store, sku, error) || !validate_reason (reason, error))
    return FALSE;
  if (delta_milli == 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("A stock adjustment of zero changes nothing: give a positive or negative "
                   "quantity"));
      return FALSE;
    }
  payload = json_object_new ();
  json_object_set_string_member (payload, "sku", sku);
  json_object_set_int_member (payload, "delta", delta_milli);
  json_object_set_string_member (payload, "reason", reason);
  return tn_store_commit_event (store, TN_EVENT_STOCK_ADJUSTED, payload, error);
}

gboolean
tn_store_receive_stock (TnStore     *store,
                        const char  *sku,
                        gint64       qty_milli,
                        const char  *reason,
                        GError     **error)
{
  JsonObject *payload;

  if (!require_product (store, sku, error))
    return FALSE;
  if (qty_milli <= 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("The quantity received must be more than zero"));
      return FALSE;
    }
  payload = json_object_new ();
  json_object_set_string_member (payload, "sku", sku);
  json_object_set_int_member (payload, "qty", qty_milli);
  if (reason != NULL)
    json_object_set_string_member (payload, "reason", reason);
  return tn_store_commit_event (store, TN_EVENT_STOCK_RECEIVED, payload, error);
}

gboolean
tn_store_get_stock (TnStore     *store,
                    const char  *sku,
                    gint64      *out_milli,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store, "SELECT qty FROM stock WHERE sku = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, sku, -1, SQLITE_STATIC);
  *out_milli = 0;
  if (tn_store_step_row (store, stmt, &local_error))
    {
      *out_milli = sqlite3_column_int64 (stmt, 0);
      sqlite3_reset (stmt);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Conflicts -------------------------------------------------------------- */

static void
candidate_free (TnConflictCandidate *candidate)
{
  g_free (candidate->event_id);
  g_free (candidate->origin);
  g_free (candidate->terminal);
  g_free (candidate->by);
  g_free (candidate->by_name);
  g_free (candidate);
}

void
tn_conflict_free (TnConflict *conflict)
{
  if (conflict == NULL)
    return;
  g_free (conflict->id);
  g_free (conflict->sku);
  g_free (conflict->field);
  g_free (conflict->product_name);
  g_clear_pointer (&conflict->candidates, g_ptr_array_unref);
  g_free (conflict);
}

/* Who set the candidate: the "by" of its event (absent in events written
 * before it existed, or by tendero-ctl without --employee), and the
 * employee's name when this lane knows them. */
static void
load_candidate_author (TnStore             *store,
                       TnConflictCandidate *candidate)
{
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT json_extract (e.body, '$.payload.by'), m.name FROM events e "
      "LEFT JOIN employees m ON m.employee_id = json_extract (e.body, '$.payload.by') "
      "WHERE e.event_id = ?", NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, candidate->event_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
    {
      candidate->by = g_strdup (tn_column_text (stmt, 0));
      if (sqlite3_column_type (stmt, 1) == SQLITE_TEXT)
        candidate->by_name = g_strdup (tn_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static gboolean
load_candidates (TnStore     *store,
                 TnConflict  *conflict,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT c.event_id, c.origin, c.hlc, c.price "
      "FROM price_candidates c WHERE c.sku = ? ORDER BY c.hlc, c.origin", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, conflict->sku, -1, SQLITE_STATIC);
  while (tn_store_step_row (store, stmt, &local_error))
    {
      TnConflictCandidate *candidate = g_new0 (TnConflictCandidate, 1);
      const char *origin = tn_column_text (stmt, 1);
      sqlite3_stmt *terminal;

      candidate->event_id = g_strdup (tn_column_text (stmt, 0));
      candidate->origin = g_strdup (origin);
      candidate->hlc = sqlite3_column_int64 (stmt, 2);
      candidate->value = sqlite3_column_int64 (stmt, 3);

      /* Name the lane: the terminal that origin used for its blocks or
       * sales, or this lane's own name. */
      if (g_strcmp0 (origin, tn_store_get_replica_id (store)) == 0)
        candidate->terminal = g_strdup (tn_store_get_terminal (store));
      else if ((terminal = tn_store_stmt (store,
                   "SELECT terminal FROM sales WHERE origin = ?1 UNION ALL "
                   "SELECT terminal FROM fiscal_blocks WHERE device = ?1 LIMIT 1", NULL)))
        {
          sqlite3_bind_text (terminal, 1, origin, -1, SQLITE_STATIC);
          if (sqlite3_step (terminal) == SQLITE_ROW)
            candidate->terminal = g_strdup (tn_column_text (terminal, 0));
          sqlite3_reset (terminal);
        }
      load_candidate_author (store, candidate);
      g_ptr_array_add (conflict->candidates, candidate);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
tn_store_list_conflicts (TnStore  *store,
                         GError  **error)
{
  g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_conflict_free);
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt = tn_store_stmt (store,
      "SELECT c.sku, c.field, c.opened_hlc, p.name FROM conflicts c "
      "LEFT JOIN products p ON p.sku = c.sku ORDER BY c.opened_hlc, c.sku", error);

  if (stmt == NULL)
    return NULL;
  while (tn_store_step_row (store, stmt, &local_error))
    {
      TnConflict *conflict = g_new0 (TnConflict, 1);

      conflict->sku = g_strdup (tn_column_text (stmt, 0));
      conflict->field = g_strdup (tn_column_text (stmt, 1));
      conflict->id = g_strconcat (conflict->sku, "/", conflict->field, NULL);
      conflict->opened_hlc = sqlite3_column_int64 (stmt, 2);
      conflict->product_name = g_strdup (tn_column_text (stmt, 3));
      conflict->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
      g_ptr_array_add (conflicts, conflict);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  for (guint i = 0; i < conflicts->len; i++)
    if (!load_candidates (store, conflicts->pdata[i], error))
      return NULL;
  return g_steal_pointer (&conflicts);
}

gint64
tn_store_count_conflicts (TnStore *store)
{
  return tn_store_query_int (store, "SELECT count (*) FROM conflicts", NULL, 0, 0, NULL);
}

gboolean
tn_store_resolve_conflict (TnStore     *store,
                           const char  *id,
                           gint64       value,
                           const char  *manager,
                           GError     **error)
{
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(TnEvent) event = NULL;
  JsonArray *candidates;
  TnConflict *conflict = NULL;

  if (value < 0)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID, _("A price cannot be negative"));
      return FALSE;
    }
  if (!tn_store_begin (store, error))
    return FALSE;
  conflicts = tn_store_list_conflicts (store, error);
  if (conflicts == NULL)
    goto failed;
  for (guint i = 0; i < conflicts->len && conflict == NULL; i++)
    {
      TnConflict *c = conflicts->pdata[i];
      if (g_strcmp0 (c->id, id) == 0 || g_strcmp0 (c->sku, id) == 0)
        conflict = c;
    }
  if (conflict == NULL)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                   _("There is no open conflict “%s”. List them with “tendero-ctl conflicts list”; "
                   "it may already have been resolved on another lane."), id);
      goto failed;
    }

  payload = json_object_new ();
  candidates = json_array_new ();
  for (guint i = 0; i < conflict->candidates->len; i++)
    json_array_add_string_element (candidates,
        ((TnConflictCandidate *) conflict->candidates->pdata[i])->event_id);
  json_object_set_string_member (payload, "sku", conflict->sku);
  json_object_set_string_member (payload, "field", conflict->field);
  json_object_set_int_member (payload, "value", value);
  json_object_set_array_member (payload, "candidates", candidates);
  if (manager != NULL)
    json_object_set_string_member (payload, "manager", manager);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, payload);
  /* The event's deps are this lane's version vector, which holds every
   * candidate listed: the resolution causally follows all of them. */
  event = tn_store_append (store, TN_EVENT_CONFLICT_RESOLVED, g_steal_pointer (&node), error);
  if (event == NULL)
    goto failed;
  return tn_store_commit (store, error);

failed:
  tn_store_rollback (store);
  return FALSE;
}
