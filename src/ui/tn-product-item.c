/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-product-item.h"

struct _TnProductItem
{
  GObject        parent_instance;

  TnProductInfo *info;
};

G_DEFINE_FINAL_TYPE (TnProductItem, tn_product_item, G_TYPE_OBJECT)

static void
tn_product_item_finalize (GObject *object)
{
  TnProductItem *self = TN_PRODUCT_ITEM (object);

  g_clear_pointer (&self->info, tn_product_info_free);
  G_OBJECT_CLASS (tn_product_item_parent_class)->finalize (object);
}

static void
tn_product_item_class_init (TnProductItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tn_product_item_finalize;
}

static void
tn_product_item_init (TnProductItem *self)
{
}

TnProductItem *
tn_product_item_new (TnProductInfo *info)
{
  TnProductItem *self;

  g_return_val_if_fail (info != NULL, NULL);

  self = g_object_new (TN_TYPE_PRODUCT_ITEM, NULL);
  self->info = info;
  return self;
}

const TnProductInfo *
tn_product_item_get_info (TnProductItem *self)
{
  g_return_val_if_fail (TN_IS_PRODUCT_ITEM (self), NULL);

  return self->info;
}
