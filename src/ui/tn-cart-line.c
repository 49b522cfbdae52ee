/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-cart-line.h"
#include "tn-money.h"

struct _TnCartLine
{
  GObject   parent_instance;

  char     *sku;
  char     *name;
  gint64    unit_price;
  gint      tax_bp;
  guint     decimals;
  gboolean  tax_inclusive;
  gint64    quantity;
};

G_DEFINE_FINAL_TYPE (TnCartLine, tn_cart_line, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SKU,
  PROP_NAME,
  PROP_QUANTITY,
  PROP_QUANTITY_TEXT,
  PROP_TOTAL_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tn_cart_line_finalize (GObject *object)
{
  TnCartLine *self = TN_CART_LINE (object);

  g_free (self->sku);
  g_free (self->name);
  G_OBJECT_CLASS (tn_cart_line_parent_class)->finalize (object);
}

static void
tn_cart_line_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TnCartLine *self = TN_CART_LINE (object);

  switch (prop_id)
    {
    case PROP_SKU:
      g_value_set_string (value, self->sku);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_QUANTITY:
      g_value_set_int64 (value, self->quantity);
      break;
    case PROP_QUANTITY_TEXT:
      g_value_take_string (value, tn_cart_line_dup_quantity_text (self));
      break;
    case PROP_TOTAL_TEXT:
      g_value_take_string (value, tn_cart_line_dup_total_text (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_cart_line_class_init (TnCartLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tn_cart_line_finalize;
  object_class->get_property = tn_cart_line_get_property;

  properties[PROP_SKU] =
    g_param_spec_string ("sku", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUANTITY] =
    g_param_spec_int64 ("quantity", NULL, NULL, 0, G_MAXINT64, TN_QTY_ONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_QUANTITY_TEXT] =
    g_param_spec_string ("quantity-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TOTAL_TEXT] =
    g_param_spec_string ("total-text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tn_cart_line_init (TnCartLine *self)
{
  self->quantity = TN_QTY_ONE;
}

TnCartLine *
tn_cart_line_new (const char *sku,
                  const char *name,
                  gint64      unit_price,
                  gint        tax_bp,
                  guint       decimals,
                  gboolean    tax_inclusive,
                  gint64      qty_milli)
{
  TnCartLine *self;

  g_return_val_if_fail (sku != NULL, NULL);
  g_return_val_if_fail (qty_milli > 0, NULL);

  self = g_object_new (TN_TYPE_CART_LINE, NULL);
  self->sku = g_strdup (sku);
  self->name = g_strdup (name != NULL ? name : sku);
  self->unit_price = unit_price;
  self->tax_bp = tax_bp;
  self->decimals = decimals;
  self->tax_inclusive = tax_inclusive;
  self->quantity = qty_milli;
  return self;
}

const char *
tn_cart_line_get_sku (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), NULL);
  return self->sku;
}

const char *
tn_cart_line_get_name (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), NULL);
  return self->name;
}

gint64
tn_cart_line_get_unit_price (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), 0);
  return self->unit_price;
}

gint
tn_cart_line_get_tax_bp (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), 0);
  return self->tax_bp;
}

void
tn_cart_line_set_unit_price (TnCartLine *self,
                             gint64      unit_price,
                             gint        tax_bp)
{
  g_return_if_fail (TN_IS_CART_LINE (self));

  if (self->unit_price == unit_price && self->tax_bp == tax_bp)
    return;
  self->unit_price = unit_price;
  self->tax_bp = tax_bp;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_TEXT]);
}

gint64
tn_cart_line_get_quantity (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), 0);
  return self->quantity;
}

void
tn_cart_line_set_quantity (TnCartLine *self,
                           gint64      qty_milli)
{
  g_return_if_fail (TN_IS_CART_LINE (self));
  g_return_if_fail (qty_milli > 0);

  if (self->quantity == qty_milli)
    return;
  self->quantity = qty_milli;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUANTITY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUANTITY_TEXT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_TEXT]);
}

gint64
tn_cart_line_get_total (TnCartLine *self)
{
  TnLineAmounts amounts;

  g_return_val_if_fail (TN_IS_CART_LINE (self), -1);
  if (!tn_money_line_amounts (self->unit_price, self->quantity, self->tax_bp,
                              self->tax_inclusive, &amounts, NULL))
    return -1;
  return amounts.total;
}

char *
tn_cart_line_dup_quantity_text (TnCartLine *self)
{
  g_return_val_if_fail (TN_IS_CART_LINE (self), NULL);
  return tn_quantity_format (self->quantity);
}

char *
tn_cart_line_dup_total_text (TnCartLine *self)
{
  gint64 total;

  g_return_val_if_fail (TN_IS_CART_LINE (self), NULL);
  total = tn_cart_line_get_total (self);
  return total < 0 ? g_strdup ("—") : tn_money_format (total, self->decimals);
}
