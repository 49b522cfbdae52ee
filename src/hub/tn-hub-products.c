/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-products.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-event.h"
#include "tn-hub-error.h"
#include "tn-hub-origin.h"
#include "tn-json-strict.h"

void
tn_hub_product_change_clear (TnHubProductChange *change)
{
  g_clear_pointer (&change->sku, g_free);
  g_clear_pointer (&change->name, g_free);
  g_clear_pointer (&change->barcode, g_free);
}

static gboolean
bad_request (GError     **error,
             const char  *message)
{
  g_set_error_literal (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST, message);
  return FALSE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *name,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("“%s” must be a string"), name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_int (JsonObject  *object,
          const char  *name,
          gint64       min,
          gint64       max,
          gboolean    *present,
          gint64      *out,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("“%s” must be an integer from %" PRId64 " to %" PRId64),
                   name, min, max);
      return FALSE;
    }
  *present = TRUE;
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
tn_hub_product_change_from_json (JsonNode            *node,
                                 TnHubProductChange  *change,
                                 GError             **error)
{
  static const char *known[] = { "sku", "name", "price", "tax", "barcode" };
  JsonObject *object;
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  gint64 tax = 0;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return bad_request (error, _("The body must be a JSON object with “sku”, “name” and "
                                 "“price”"));
  object = json_node_get_object (node);
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &value))
    {
      gboolean ok = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (known); i++)
        ok |= strcmp (known[i], member) == 0;
      if (!ok)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                       _("Unknown field “%s”: a product has sku, name, price, tax and "
                       "barcode"), member);
          return FALSE;
        }
    }
  if (!read_string (object, "sku", &change->sku, error) ||
      !read_string (object, "name", &change->name, error) ||
      !read_string (object, "barcode", &change->barcode, error) ||
      !read_int (object, "price", 0, TN_MAX_SAFE_INTEGER, &change->has_price, &change->price,
                 error) ||
      !read_int (object, "tax", 0, 100, &change->has_tax, &tax, error))
    return FALSE;
  change->tax_bp = (gint) tax * 100;
  if (change->sku == NULL || *change->sku == '\0')
    return bad_request (error, _("The product has no “sku”"));
  return TRUE;
}

static gboolean
sku_exists (TnHubDb     *db,
            const char  *store,
            const char  *sku,
            gboolean    *exists,
            GError     **error)
{
  const char *params[] = { store, sku };
  gint64 count;

  if (!tn_hub_db_query_int (db, "SELECT count (*) FROM events WHERE store = $1 "
                            "AND type IN ('ProductCreated', 'ProductUpdated') "
                            "AND payload ->> 'sku' = $2 AND type = 'ProductCreated'",
                            2, params, 0, &count, error))
    return FALSE;
  *exists = count > 0;
  return TRUE;
}

char *
tn_hub_product_set (TnHubDb                   *db,
                    const char                *store,
                    const TnHubProductChange  *change,
                    GError                   **error)
{
  g_auto(TnHubStoreRow) row = { NULL, 0 };
  g_autoptr(TnEvent) event = NULL;
  JsonObject *object;
  JsonNode *payload;
  gboolean exists;

  if (!tn_hub_origin_begin (db, store, &row, error))
    return NULL;
  if (!sku_exists (db, store, change->sku, &exists, error))
    goto fail;

  if (!exists && (change->name == NULL || !change->has_price))
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("Store %s has no product %s yet: a new product needs a name and a "
                   "price"), store, change->sku);
      goto fail;
    }
  if (exists && change->name == NULL && !change->has_price && !change->has_tax &&
      change->barcode == NULL)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("Nothing to change for product %s: give a name, price, tax or barcode"),
                   change->sku);
      goto fail;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "sku", change->sku);
  if (change->name != NULL)
    json_object_set_string_member (object, "name", change->name);
  if (change->has_price)
    json_object_set_int_member (object, "price", change->price);
  if (change->has_tax || !exists)
    json_object_set_int_member (object, "tax_bp", change->tax_bp);
  if (change->barcode != NULL)
    json_object_set_string_member (object, "barcode", change->barcode);
  payload = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (payload, object);

  event = tn_hub_origin_append (db, store, &row,
                                exists ? TN_EVENT_PRODUCT_UPDATED : TN_EVENT_PRODUCT_CREATED,
                                payload, TRUE, error);
  if (event == NULL || !tn_hub_db_commit (db, error))
    goto fail;
  return tn_hub_event_answer (event);

fail:
  tn_hub_db_rollback (db);
  return NULL;
}
