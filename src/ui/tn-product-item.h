/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "tn-queries.h"

G_BEGIN_DECLS

/* A product of the Stock and Products list: a TnProductInfo in a
 * GObject, for a GListModel. */

#define TN_TYPE_PRODUCT_ITEM (tn_product_item_get_type ())
G_DECLARE_FINAL_TYPE (TnProductItem, tn_product_item, TN, PRODUCT_ITEM, GObject)

/* Takes @info. */
TnProductItem       *tn_product_item_new      (TnProductInfo *info);
const TnProductInfo *tn_product_item_get_info (TnProductItem *self);

G_END_DECLS
