/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tn-cart.h"
#include "tn-checkout-view.h"
#include "tn-money.h"
#include "tn-payment-window.h"
#include "tn-queries.h"
#include "tn-receipt-window.h"
#include "tn-ui-format.h"
#include "tn-ui-util.h"

/* Few enough results to build as buttons on every keystroke: the query
 * is FTS5 with this LIMIT, instant on 100,000 products. */
#define SEARCH_LIMIT 8
#define MIN_SEARCH_CHARS 2

struct _TnCheckoutView
{
  GtkWidget           parent_instance;

  TnApplication      *app;
  GSettings          *settings;        /* may be NULL */
  TnCart             *cart;
  GtkSingleSelection *selection;
  gboolean            lines_editable;
  gboolean            stock_warning;     /* the message shown is about stock */

  GtkEntry           *search_entry;
  GtkLabel           *message_label;
  GtkScrolledWindow  *results_scroller;
  GtkBox             *results_box;
  GtkFlowBox         *quick_keys;
  GtkColumnView      *cart_view;
  GtkLabel           *total_label;
  GtkLabel           *second_total_label;
  GtkLabel           *tax_label;
};

G_DEFINE_FINAL_TYPE (TnCheckoutView, tn_checkout_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LINES_EDITABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_message (TnCheckoutView *self,
              const char     *message)
{
  self->stock_warning = FALSE;
  tn_ui_label_set_text (self->message_label, message, _("Checkout message"));
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
set_lines_editable (TnCheckoutView *self,
                    gboolean        editable)
{
  if (self->lines_editable == editable)
    return;
  self->lines_editable = editable;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINES_EDITABLE]);
}

/* The totals as tn_store_sell () will compute them, with the stock
 * warning: the cashier is told, the sale is not stopped. */
static void
update_totals (TnCheckoutView *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) quote = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *total = NULL;
  g_autofree char *second = NULL;
  g_autofree char *tax = NULL;

  if (store == NULL)
    return;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->cart)) == 0)
    {
      total = tn_ui_format_money (0, tn_store_get_decimals (store), tn_store_get_currency (store));
      tn_ui_label_set_text (self->total_label, total, _("Total"));
      tn_ui_label_set_text (self->second_total_label, "", _("Second currency total"));
      tn_ui_label_set_text (self->tax_label, "", _("Tax"));
      if (self->stock_warning)
        show_message (self, NULL);
      return;
    }
  request = tn_cart_to_request (self->cart);
  quote = tn_store_quote_sale (store, request, &error);
  if (quote == NULL)
    {
      tn_ui_label_set_text (self->total_label, "—", _("Total"));
      tn_ui_label_set_text (self->second_total_label, "", _("Second currency total"));
      show_message (self, error->message);
      return;
    }
  total = tn_ui_format_money (quote->total, tn_store_get_decimals (store), quote->currency);
  tn_ui_label_set_text (self->total_label, total, _("Total"));
  if (quote->second_currency != NULL)
    second = tn_ui_format_money (quote->second_total, quote->second_decimals,
                                 quote->second_currency);
  tn_ui_label_set_text (self->second_total_label, second, _("Second currency total"));
  tax = tn_ui_format_money (quote->tax, tn_store_get_decimals (store), quote->currency);
  {
    g_autofree char *tax_text = g_strdup_printf (_("Tax: %s"), tax);
    tn_ui_label_set_text (self->tax_label, tax_text, _("Tax"));
  }

  if (quote->oversold == NULL || quote->oversold[0] == NULL)
    {
      /* A stock warning goes once the line that caused it does. */
      if (self->stock_warning)
        show_message (self, NULL);
    }
  else
    {
      g_autofree char *skus = g_strjoinv (", ", quote->oversold);
      g_autofree char *text = g_strdup_printf (_("Not enough stock recorded for %s: the sale "
                                                 "can go ahead; tell a manager to check it."),
                                               skus);
      show_message (self, text);
      self->stock_warning = TRUE;
    }
}

static void
add_product (TnCheckoutView      *self,
             const TnProductInfo *info,
             gint64               qty_milli)
{
  TnStore *store = tn_application_get_store (self->app);
  guint position;

  if (!info->active)
    {
      g_autofree char *text = g_strdup_printf (_("%s is not sold any more"), info->name);
      show_message (self, text);
      return;
    }
  if (info->price < 0)
    {
      g_autofree char *text = g_strdup_printf (_("%s has two prices in conflict: a manager "
                                                 "must choose one before it can be sold"),
                                               info->name);
      show_message (self, text);
      return;
    }
  show_message (self, NULL);
  position = tn_cart_add_line (self->cart,
                               tn_cart_line_new (info->sku, info->name, info->price, info->tax_bp,
                                                 tn_store_get_decimals (store),
                                                 tn_store_get_tax_inclusive (store), qty_milli));
  gtk_single_selection_set_selected (self->selection, position);
  update_totals (self);
}

static void
on_result_clicked (GtkButton      *button,
                   TnCheckoutView *self)
{
  const TnProductInfo *info = g_object_get_data (G_OBJECT (button), "tn-product");
  gint64 qty = TN_QTY_ONE;
  g_autofree char *query = NULL;

  /* "3*caf" then a click adds three. */
  if (!tn_ui_parse_search (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                           &qty, &query, NULL))
    qty = TN_QTY_ONE;
  add_product (self, info, qty);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static GtkWidget *
product_button (const TnProductInfo *info,
                guint                decimals,
                const char          *accessible_format)
{
  g_autofree char *price = info->price >= 0 ? tn_money_format (info->price, decimals)
                                            : g_strdup (_("price in conflict"));
  g_autofree char *text = g_strdup_printf ("%s — %s  (%s)", info->name, price, info->sku);
  g_autofree char *accessible = g_strdup_printf (accessible_format, info->name);
  GtkWidget *button = gtk_button_new_with_label (text);
  GtkWidget *label = gtk_button_get_child (GTK_BUTTON (button));
  TnProductInfo *copy = g_new0 (TnProductInfo, 1);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_add_css_class (button, "flat");
  copy->sku = g_strdup (info->sku);
  copy->name = g_strdup (info->name);
  copy->barcode = g_strdup (info->barcode);
  copy->price = info->price;
  copy->tax_bp = info->tax_bp;
  copy->active = info->active;
  copy->stock = info->stock;
  g_object_set_data_full (G_OBJECT (button), "tn-product", copy,
                          (GDestroyNotify) tn_product_info_free);
  return button;
}

static void
clear_results (TnCheckoutView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results_box))) != NULL)
    gtk_box_remove (self->results_box, child);
  gtk_widget_set_visible (GTK_WIDGET (self->results_scroller), FALSE);
}

static void
run_search (TnCheckoutView *self)
{
  TnStore *store = tn_application_get_store (self->app);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) products = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *query = NULL;
  gint64 qty;

  clear_results (self);
  /* One letter matches a good part of a large catalogue and ranking it
   * is what costs (some 20–30 ms on 100,000 products): results start at
   * the second letter.  Return still finds an exact barcode or SKU. */
  if (store == NULL || !tn_ui_parse_search (text, &qty, &query, NULL) ||
      g_utf8_strlen (query, -1) < MIN_SEARCH_CHARS)
    return;
  products = tn_store_list_products (store, query, SEARCH_LIMIT, &error);
  if (products == NULL)
    {
      show_message (self, error->message);
      return;
    }
  for (guint i = 0; i < products->len; i++)
    {
      const TnProductInfo *info = g_ptr_array_index (products, i);
      GtkWidget *button;

      if (info->name == NULL || !info->active)
        continue;
      /* Translators: the accessible name of a search result; %s is a product name. */
      button = product_button (info, tn_store_get_decimals (store), _("Add %s"));
      g_signal_connect (button, "clicked", G_CALLBACK (on_result_clicked), self);
      gtk_box_append (self->results_box, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->results_scroller),
                          gtk_widget_get_first_child (GTK_WIDGET (self->results_box)) != NULL);
}

static void
on_search_changed (TnCheckoutView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  set_lines_editable (self, *text == '\0');
  run_search (self);
}

static guint selected_position (TnCheckoutView *self);

static void
set_selected_quantity (TnCheckoutView *self,
                       gint64          qty_milli)
{
  guint position = selected_position (self);

  if (!tn_cart_set_quantity (self->cart, position, qty_milli))
    {
      show_message (self, _("Select a line of the cart first"));
      return;
    }
  gtk_single_selection_set_selected (self->selection, position);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* Return: the product whose barcode or SKU is exactly what was typed (a
 * scanner ends with Return), or the only result. */
static void
on_search_activated (TnCheckoutView *self)
{
  TnStore *store = tn_application_get_store (self->app);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) products = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *query = NULL;
  const TnProductInfo *match = NULL;
  gint64 qty;

  if (store == NULL)
    return;
  if (!tn_ui_parse_search (text, &qty, &query, &error))
    {
      show_message (self, error->message);
      return;
    }
  if (*query == '\0')
    {
      /* "5*" alone: the selected line's quantity becomes 5. */
      if (strchr (text, '*') != NULL)
        set_selected_quantity (self, qty);
      return;
    }
  products = tn_store_list_products (store, query, SEARCH_LIMIT, &error);
  if (products == NULL)
    {
      show_message (self, error->message);
      return;
    }
  for (guint i = 0; i < products->len && match == NULL; i++)
    {
      const TnProductInfo *info = g_ptr_array_index (products, i);

      if (g_strcmp0 (info->barcode, query) == 0 || g_ascii_strcasecmp (info->sku, query) == 0)
        match = info;
    }
  if (match == NULL && products->len == 1)
    match = g_ptr_array_index (products, 0);
  if (match == NULL)
    {
      g_autofree char *message = products->len == 0
        ? g_strdup_printf (_("No product has the barcode or SKU “%s”"), query)
        : g_strdup_printf (_("Several products match “%s”: pick one below"), query);
      show_message (self, message);
      /* Selected, so the next scan replaces it instead of adding to it. */
      gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
      return;
    }
  add_product (self, match, qty);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
on_quick_key_clicked (GtkButton      *button,
                      TnCheckoutView *self)
{
  add_product (self, g_object_get_data (G_OBJECT (button), "tn-product"), TN_QTY_ONE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
reload_quick_keys (TnCheckoutView *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_auto(GStrv) skus = NULL;
  GtkWidget *child;
  guint n_keys = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->quick_keys))) != NULL)
    gtk_flow_box_remove (self->quick_keys, child);
  if (self->settings == NULL || store == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->quick_keys), FALSE);
      return;
    }
  skus = g_settings_get_strv (self->settings, "favorite-skus");
  for (guint i = 0; skus[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) found = tn_store_list_products (store, skus[i], 1, NULL);
      const TnProductInfo *info;
      GtkWidget *button;

      if (found == NULL || found->len == 0)
        continue;
      info = g_ptr_array_index (found, 0);
      if (g_strcmp0 (info->sku, skus[i]) != 0 || info->name == NULL)
        continue;
      /* Translators: the accessible name of a quick key; %s is a product name. */
      button = product_button (info, tn_store_get_decimals (store), _("Quick key %s"));
      gtk_widget_remove_css_class (button, "flat");
      gtk_widget_add_css_class (button, "quick-key");
      gtk_widget_set_focus_on_click (button, FALSE);
      if (n_keys < 9)
        {
          g_autofree char *tip = g_strdup_printf (_("Alt+%u"), n_keys + 1);
          gtk_widget_set_tooltip_text (button, tip);
        }
      n_keys++;
      g_signal_connect (button, "clicked", G_CALLBACK (on_quick_key_clicked), self);
      gtk_flow_box_append (self->quick_keys, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->quick_keys),
                          gtk_widget_get_first_child (GTK_WIDGET (self->quick_keys)) != NULL);
}

/* The cart's lines show the catalogue's current prices (the sale is
 * priced from it anyway); a cart has few lines. */
static void
reprice_cart (TnCheckoutView *self)
{
  TnStore *store = tn_application_get_store (self->app);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cart));
  g_autoptr(GPtrArray) skus = g_ptr_array_new_with_free_func (g_free);

  if (store == NULL)
    return;
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (skus, g_strdup (tn_cart_line_get_sku (tn_cart_get_line (self->cart, i))));
  for (guint i = 0; i < skus->len; i++)
    {
      const char *sku = g_ptr_array_index (skus, i);
      g_autoptr(GPtrArray) found = tn_store_list_products (store, sku, 1, NULL);
      const TnProductInfo *info;

      if (found == NULL || found->len == 0)
        continue;
      info = g_ptr_array_index (found, 0);
      if (g_str_equal (info->sku, sku) && info->price >= 0)
        tn_cart_reprice (self->cart, sku, info->price, info->tax_bp);
    }
}

static void
on_store_changed (TnCheckoutView *self)
{
  /* Prices and names may have changed (here or on another lane). */
  reload_quick_keys (self);
  run_search (self);
  reprice_cart (self);
  update_totals (self);
}

static void
on_sync_service_changed (TnCheckoutView *self)
{
  TnSyncService *service = tn_application_get_sync_service (self->app);

  if (service != NULL)
    g_signal_connect_object (service, "events-applied", G_CALLBACK (on_store_changed), self,
                             G_CONNECT_SWAPPED);
}

static void
on_receipt_closed (TnCheckoutView *self)
{
  tn_checkout_view_focus_search (self);
}

static void
on_sale_completed (TnPaymentWindow *payment,
                   TnSaleReceipt   *receipt,
                   const char      *payments,
                   TnCheckoutView  *self)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkWindow *window;

  window = tn_receipt_window_new (parent, self->app, receipt, self->cart, payments);
  tn_cart_clear (self->cart);
  show_message (self, NULL);
  update_totals (self);
  tn_application_notify_store_changed (self->app);
  g_signal_connect_object (window, "destroy", G_CALLBACK (on_receipt_closed), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (window);
}

static void
on_cart_changed (TnCheckoutView *self)
{
  update_totals (self);
}

static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), GPOINTER_TO_INT (user_data) ? 1.0 : 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_name_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  TnCartLine *line = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), tn_cart_line_get_name (line));
}

static void
bind_quantity_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  gpointer                  user_data)
{
  g_autofree char *text = tn_cart_line_dup_quantity_text (gtk_list_item_get_item (item));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
bind_total_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  g_autofree char *text = tn_cart_line_dup_total_text (gtk_list_item_get_item (item));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
add_column (TnCheckoutView *self,
            const char     *title,
            GCallback       bind,
            gboolean        numeric,
            gboolean        expand)
{
  tn_ui_column_view_append (self->cart_view, title, expand, 0, G_CALLBACK (setup_label_cb),
                            bind, NULL, GINT_TO_POINTER (numeric));
}

/* Alt+1 … Alt+9: the quick keys in order, without leaving the search
 * field. */
static void
quick_key_action (GtkWidget  *widget,
                  const char *name,
                  GVariant   *param)
{
  TnCheckoutView *self = TN_CHECKOUT_VIEW (widget);
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (self->quick_keys,
                                                           g_variant_get_int32 (param));

  if (child != NULL)
    gtk_widget_activate (gtk_flow_box_child_get_child (child));
}

static void
tn_checkout_view_dispose (GObject *object)
{
  TnCheckoutView *self = TN_CHECKOUT_VIEW (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_CHECKOUT_VIEW);
  /* The template's top box has no id: unparent it here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->cart);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (tn_checkout_view_parent_class)->dispose (object);
}

static void
tn_checkout_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TnCheckoutView *self = TN_CHECKOUT_VIEW (object);

  switch (prop_id)
    {
    case PROP_LINES_EDITABLE:
      g_value_set_boolean (value, self->lines_editable);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tn_checkout_view_class_init (TnCheckoutViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_checkout_view_dispose;
  object_class->get_property = tn_checkout_view_get_property;

  properties[PROP_LINES_EDITABLE] =
    g_param_spec_boolean ("lines-editable", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "checkout.quick-key", "i", quick_key_action);
  for (int i = 0; i < 9; i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK,
                                         "checkout.quick-key", "i", i);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-checkout-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, message_label);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, results_scroller);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, results_box);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, quick_keys);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, cart_view);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, total_label);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, second_total_label);
  gtk_widget_class_bind_template_child (widget_class, TnCheckoutView, tax_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tn_checkout_view_init (TnCheckoutView *self)
{
  self->lines_editable = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cart = tn_cart_new ();
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->cart)));
  gtk_column_view_set_model (self->cart_view, GTK_SELECTION_MODEL (self->selection));
  add_column (self, _("Product"), G_CALLBACK (bind_name_cb), FALSE, TRUE);
  add_column (self, _("Quantity"), G_CALLBACK (bind_quantity_cb), TRUE, FALSE);
  add_column (self, _("Amount"), G_CALLBACK (bind_total_cb), TRUE, FALSE);
  g_signal_connect_swapped (self->cart, "items-changed", G_CALLBACK (on_cart_changed), self);
}

GtkWidget *
tn_checkout_view_new (TnApplication *app,
                      GSettings     *settings)
{
  TnCheckoutView *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  self = g_object_new (TN_TYPE_CHECKOUT_VIEW, NULL);
  self->app = app;
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed::favorite-skus",
                               G_CALLBACK (reload_quick_keys), self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (app, "store-changed", G_CALLBACK (on_store_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::sync-service", G_CALLBACK (on_sync_service_changed),
                           self, G_CONNECT_SWAPPED);
  on_sync_service_changed (self);
  on_store_changed (self);
  return GTK_WIDGET (self);
}

void
tn_checkout_view_focus_search (TnCheckoutView *self)
{
  g_return_if_fail (TN_IS_CHECKOUT_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
tn_checkout_view_pay (TnCheckoutView *self)
{
  GtkWindow *parent;
  TnPaymentWindow *window;

  g_return_if_fail (TN_IS_CHECKOUT_VIEW (self));
  if (g_list_model_get_n_items (G_LIST_MODEL (self->cart)) == 0)
    {
      show_message (self, _("The cart is empty: scan or search a product first"));
      tn_checkout_view_focus_search (self);
      return;
    }
  parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  window = tn_payment_window_new (parent, self->app, self->cart);
  if (window == NULL)
    return;
  g_signal_connect_object (window, "sale-completed", G_CALLBACK (on_sale_completed), self, 0);
  gtk_window_present (GTK_WINDOW (window));
}

static guint
selected_position (TnCheckoutView *self)
{
  guint position = gtk_single_selection_get_selected (self->selection);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->cart));

  if (position == GTK_INVALID_LIST_POSITION && n > 0)
    position = n - 1;
  return position;
}

void
tn_checkout_view_remove_line (TnCheckoutView *self)
{
  g_return_if_fail (TN_IS_CHECKOUT_VIEW (self));
  tn_cart_remove (self->cart, selected_position (self));
}

void
tn_checkout_view_change_quantity (TnCheckoutView *self,
                                  gint64          delta_milli)
{
  guint position;

  g_return_if_fail (TN_IS_CHECKOUT_VIEW (self));
  position = selected_position (self);
  tn_cart_change_quantity (self->cart, position, delta_milli);
  if (position < g_list_model_get_n_items (G_LIST_MODEL (self->cart)))
    gtk_single_selection_set_selected (self->selection, position);
}

void
tn_checkout_view_cancel_sale (TnCheckoutView *self)
{
  g_return_if_fail (TN_IS_CHECKOUT_VIEW (self));
  tn_cart_clear (self->cart);
  show_message (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  tn_checkout_view_focus_search (self);
}

gboolean
tn_checkout_view_get_lines_editable (TnCheckoutView *self)
{
  g_return_val_if_fail (TN_IS_CHECKOUT_VIEW (self), FALSE);
  return self->lines_editable;
}

gboolean
tn_checkout_view_is_empty (TnCheckoutView *self)
{
  g_return_val_if_fail (TN_IS_CHECKOUT_VIEW (self), TRUE);
  return g_list_model_get_n_items (G_LIST_MODEL (self->cart)) == 0;
}
