/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-hub-db.h"

G_BEGIN_DECLS

/* A head-office product change (POST /v1/stores/{store}/products or
 * `tendero-hub product set`).  Unset fields stay as they are. */
typedef struct
{
  char     *sku;
  char     *name;       /* NULL: unchanged */
  gboolean  has_price;
  gint64    price;      /* minor units */
  gboolean  has_tax;
  gint      tax_bp;     /* basis points: 16 % is 1600 */
  char     *barcode;    /* NULL: unchanged */
} TnHubProductChange;

void     tn_hub_product_change_clear     (TnHubProductChange  *change);

/* {"sku", "name", "price": minor units, "tax": percent, "barcode"}. */
gboolean tn_hub_product_change_from_json (JsonNode            *node,
                                          TnHubProductChange  *change,
                                          GError             **error);

/* Commits ProductCreated (the hub has no ProductCreated for the sku) or
 * ProductUpdated as a hub-origin event whose deps are the hub's whole
 * vv for the store.  Returns {"event": …}. */
char    *tn_hub_product_set              (TnHubDb                   *db,
                                          const char                *store,
                                          const TnHubProductChange  *change,
                                          GError                   **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TnHubProductChange, tn_hub_product_change_clear)

G_END_DECLS
