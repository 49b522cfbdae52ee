/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-cart.h"

struct _TnCart
{
  GObject    parent_instance;

  GPtrArray *lines;   /* TnCartLine* */
};

static void tn_cart_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TnCart, tn_cart, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, tn_cart_list_model_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
emit_changed (TnCart *self,
              guint   position,
              guint   removed,
              guint   added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static GType
tn_cart_get_item_type (GListModel *model)
{
  return TN_TYPE_CART_LINE;
}

static guint
tn_cart_get_n_items (GListModel *model)
{
  return TN_CART (model)->lines->len;
}

static gpointer
tn_cart_get_item (GListModel *model,
                  guint       position)
{
  TnCart *self = TN_CART (model);

  if (position >= self->lines->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->lines, position));
}

static void
tn_cart_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tn_cart_get_item_type;
  iface->get_n_items = tn_cart_get_n_items;
  iface->get_item = tn_cart_get_item;
}

static void
tn_cart_finalize (GObject *object)
{
  TnCart *self = TN_CART (object);

  g_ptr_array_unref (self->lines);
  G_OBJECT_CLASS (tn_cart_parent_class)->finalize (object);
}

static void
tn_cart_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TnCart *self = TN_CART (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->lines->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_cart_class_init (TnCartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tn_cart_finalize;
  object_class->get_property = tn_cart_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tn_cart_init (TnCart *self)
{
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
}

TnCart *
tn_cart_new (void)
{
  return g_object_new (TN_TYPE_CART, NULL);
}

guint
tn_cart_add_line (TnCart     *self,
                  TnCartLine *line)
{
  g_autoptr(TnCartLine) owned = line;

  g_return_val_if_fail (TN_IS_CART (self), 0);
  g_return_val_if_fail (TN_IS_CART_LINE (line), 0);

  for (guint i = 0; i < self->lines->len; i++)
    {
      TnCartLine *existing = g_ptr_array_index (self->lines, i);

      if (g_str_equal (tn_cart_line_get_sku (existing), tn_cart_line_get_sku (line)))
        {
          tn_cart_change_quantity (self, i, tn_cart_line_get_quantity (line));
          return i;
        }
    }
  g_ptr_array_add (self->lines, g_steal_pointer (&owned));
  emit_changed (self, self->lines->len - 1, 0, 1);
  return self->lines->len - 1;
}

TnCartLine *
tn_cart_get_line (TnCart *self,
                  guint   position)
{
  g_return_val_if_fail (TN_IS_CART (self), NULL);
  if (position >= self->lines->len)
    return NULL;
  return g_ptr_array_index (self->lines, position);
}

gboolean
tn_cart_set_quantity (TnCart *self,
                      guint   position,
                      gint64  qty_milli)
{
  g_return_val_if_fail (TN_IS_CART (self), FALSE);
  if (position >= self->lines->len || qty_milli < 0)
    return FALSE;
  if (qty_milli == 0)
    return tn_cart_remove (self, position);
  tn_cart_line_set_quantity (g_ptr_array_index (self->lines, position), qty_milli);
  /* Rows bound to the line update themselves; items-changed makes list
   * views and the totals re-read it. */
  emit_changed (self, position, 1, 1);
  return TRUE;
}

gboolean
tn_cart_change_quantity (TnCart *self,
                         guint   position,
                         gint64  delta_milli)
{
  TnCartLine *line;
  gint64 qty;

  g_return_val_if_fail (TN_IS_CART (self), FALSE);
  line = tn_cart_get_line (self, position);
  if (line == NULL)
    return FALSE;
  qty = tn_cart_line_get_quantity (line);
  if (delta_milli > 0 && qty > G_MAXINT64 - delta_milli)
    return FALSE;
  return tn_cart_set_quantity (self, position, MAX (qty + delta_milli, 0));
}

gboolean
tn_cart_remove (TnCart *self,
                guint   position)
{
  g_return_val_if_fail (TN_IS_CART (self), FALSE);
  if (position >= self->lines->len)
    return FALSE;
  g_ptr_array_remove_index (self->lines, position);
  emit_changed (self, position, 1, 0);
  return TRUE;
}

void
tn_cart_clear (TnCart *self)
{
  guint n;

  g_return_if_fail (TN_IS_CART (self));
  n = self->lines->len;
  if (n == 0)
    return;
  g_ptr_array_set_size (self->lines, 0);
  emit_changed (self, 0, n, 0);
}

gboolean
tn_cart_reprice (TnCart     *self,
                 const char *sku,
                 gint64      unit_price,
                 gint        tax_bp)
{
  g_return_val_if_fail (TN_IS_CART (self), FALSE);

  for (guint i = 0; i < self->lines->len; i++)
    {
      TnCartLine *line = g_ptr_array_index (self->lines, i);

      if (!g_str_equal (tn_cart_line_get_sku (line), sku))
        continue;
      if (tn_cart_line_get_unit_price (line) == unit_price &&
          tn_cart_line_get_tax_bp (line) == tax_bp)
        return FALSE;
      tn_cart_line_set_unit_price (line, unit_price, tax_bp);
      emit_changed (self, i, 1, 1);
      return TRUE;
    }
  return FALSE;
}

TnSaleRequest *
tn_cart_to_request (TnCart *self)
{
  TnSaleRequest *request;

  g_return_val_if_fail (TN_IS_CART (self), NULL);
  request = tn_sale_request_new ();
  for (guint i = 0; i < self->lines->len; i++)
    {
      TnCartLine *line = g_ptr_array_index (self->lines, i);

      tn_sale_request_add_line (request, tn_cart_line_get_sku (line),
                                tn_cart_line_get_quantity (line));
    }
  return request;
}
