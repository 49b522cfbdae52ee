/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-stock-window.h"

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-manager-format.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-product-item.h"
#include "tn-queries.h"
#include "tn-sync-follow.h"
#include "tn-ui-util.h"

/* The list shows at most this many products: a search narrows it. */
#define LIST_LIMIT 100

struct _TnStockWindow
{
  GtkWindow           parent_instance;

  TnApplication      *app;
  TnSyncService      *service;        /* weak: the one whose signals we hear */
  GListStore         *products;       /* TnProductItem */
  GtkSingleSelection *selection;
  TnProductInfo      *editing;        /* the product in the form; NULL: a new one */

  GtkSearchEntry     *search_entry;
  GtkLabel           *list_note;
  GtkColumnView      *column_view;
  GtkLabel           *form_title;
  GtkEditable        *sku_entry;
  GtkEditable        *name_entry;
  GtkEditable        *barcode_entry;
  GtkEditable        *price_entry;
  GtkEditable        *tax_entry;
  GtkCheckButton     *active_check;
  GtkLabel           *form_error;
  GtkButton          *save_button;
  GtkWidget          *stock_box;
  GtkLabel           *stock_label;
  GtkEditable        *qty_entry;
  GtkEditable        *reason_entry;
  GtkLabel           *stock_error;
};

G_DEFINE_FINAL_TYPE (TnStockWindow, tn_stock_window, GTK_TYPE_WINDOW)

/* Form -------------------------------------------------------------------- */

static char *
entry_text (GtkEditable *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (entry)));
}

static void
show_product (TnStockWindow       *self,
              const TnProductInfo *info)
{
  /* Also called from init, before the window has its application. */
  TnStore *store = self->app != NULL ? tn_application_get_store (self->app) : NULL;

  g_clear_pointer (&self->editing, tn_product_info_free);
  tn_manager_show_error (self->form_error, NULL);
  tn_manager_show_error (self->stock_error, NULL);
  if (info == NULL || store == NULL)
    {
      gtk_label_set_text (self->form_title, _("New product"));
      gtk_editable_set_text (self->sku_entry, "");
      gtk_editable_set_text (self->name_entry, "");
      gtk_editable_set_text (self->barcode_entry, "");
      gtk_editable_set_text (self->price_entry, "");
      gtk_editable_set_text (self->tax_entry, "");
      gtk_check_button_set_active (self->active_check, TRUE);
      gtk_editable_set_editable (self->sku_entry, TRUE);
      gtk_button_set_label (self->save_button, _("Add Product"));
      gtk_widget_set_visible (self->stock_box, FALSE);
      return;
    }
  {
    g_autofree char *title = g_strdup_printf (_("Product %s"), info->sku);
    g_autofree char *price = info->price >= 0
                             ? tn_money_format (info->price, tn_store_get_decimals (store))
                             : g_strdup ("");
    g_autofree char *tax = tn_money_format (info->tax_bp, 2);
    g_autofree char *qty = tn_quantity_format (info->stock);
    g_autofree char *stock = g_strdup_printf (_("In stock: %s"), qty);

    self->editing = g_new0 (TnProductInfo, 1);
    *self->editing = *info;
    self->editing->sku = g_strdup (info->sku);
    self->editing->name = g_strdup (info->name);
    self->editing->barcode = g_strdup (info->barcode);
    gtk_label_set_text (self->form_title, title);
    gtk_editable_set_text (self->sku_entry, info->sku);
    gtk_editable_set_editable (self->sku_entry, FALSE);
    gtk_editable_set_text (self->name_entry, info->name != NULL ? info->name : "");
    gtk_editable_set_text (self->barcode_entry, info->barcode != NULL ? info->barcode : "");
    gtk_editable_set_text (self->price_entry, price);
    gtk_editable_set_text (self->tax_entry, tax);
    gtk_check_button_set_active (self->active_check, info->active);
    gtk_button_set_label (self->save_button, _("Save Changes"));
    tn_ui_label_set_text (self->stock_label, stock, _("Stock level"));
    if (info->in_conflict)
      tn_manager_show_error (self->form_error,
                             _("Lanes disagree about this price: resolve it in Conflicts, "
                               "or type the price to set it here."));
    gtk_widget_set_visible (self->stock_box, TRUE);
  }
}

/* List -------------------------------------------------------------------- */

static void on_selected (GtkSingleSelection *selection,
                         GParamSpec         *pspec,
                         TnStockWindow      *self);

/* Runs the search and selects @select_sku when it is listed.  With
 * @keep_form (a refresh after sales) the form keeps what is being typed
 * and only its stock figure follows. */
static void
search (TnStockWindow *self,
        const char    *select_sku,
        gboolean       keep_form)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = entry_text (GTK_EDITABLE (self->search_entry));
  guint select = GTK_INVALID_LIST_POSITION;

  if (store == NULL)
    return;
  /* FTS with a LIMIT: never the whole catalogue in memory. */
  found = tn_store_list_products (store, *text != '\0' ? text : NULL, LIST_LIMIT, &error);
  if (found == NULL)
    {
      gtk_label_set_text (self->list_note, error->message);
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      TnProductInfo *info = found->pdata[i];

      if (select_sku != NULL && g_strcmp0 (info->sku, select_sku) == 0)
        select = i;
      found->pdata[i] = NULL;
      g_ptr_array_add (items, tn_product_item_new (info));
    }
  g_list_store_splice (self->products, 0, g_list_model_get_n_items (G_LIST_MODEL (self->products)),
                       items->pdata, items->len);
  if (found->len == 0)
    gtk_label_set_text (self->list_note, _("No product matches"));
  else if (found->len == LIST_LIMIT)
    gtk_label_set_text (self->list_note,
                        _("Showing the first products only: type to narrow the search"));
  else
    gtk_label_set_text (self->list_note, "");
  if (keep_form)
    g_signal_handlers_block_by_func (self->selection, on_selected, self);
  gtk_single_selection_set_selected (self->selection, select);
  if (keep_form)
    g_signal_handlers_unblock_by_func (self->selection, on_selected, self);
  if (select != GTK_INVALID_LIST_POSITION)
    {
      g_autoptr(TnProductItem) item = g_list_model_get_item (G_LIST_MODEL (self->products), select);
      const TnProductInfo *info = tn_product_item_get_info (item);

      if (!keep_form)
        show_product (self, info);   /* also when the row kept its position */
      else if (self->editing != NULL)
        {
          g_autofree char *qty = tn_quantity_format (info->stock);
          g_autofree char *stock = g_strdup_printf (_("In stock: %s"), qty);

          self->editing->stock = info->stock;
          tn_ui_label_set_text (self->stock_label, stock, _("Stock level"));
        }
    }
}

/* Sales here or on other lanes change the stock figures. */
static void
refresh (TnStockWindow *self)
{
  search (self, self->editing != NULL ? self->editing->sku : NULL, TRUE);
}

static const TnSyncHandler sync_handlers[] = {
  { "events-applied", G_CALLBACK (refresh) },
};

/* Escape in the search field clears it, and closes the window when it
 * is already empty. */
static void
on_stop_search (GtkSearchEntry *entry,
                TnStockWindow  *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_search_changed (GtkSearchEntry *entry,
                   TnStockWindow  *self)
{
  /* The product in the form stays there (and selected if listed). */
  refresh (self);
}

static void
on_selected (GtkSingleSelection *selection,
             GParamSpec         *pspec,
             TnStockWindow      *self)
{
  TnProductItem *item = gtk_single_selection_get_selected_item (selection);

  if (item != NULL)
    show_product (self, tn_product_item_get_info (item));
}

static void
on_new_clicked (GtkButton     *button,
                TnStockWindow *self)
{
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  show_product (self, NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->sku_entry));
}

/* The list's columns: SKU, name, price, stock. */
enum
{
  COLUMN_SKU,
  COLUMN_NAME,
  COLUMN_PRICE,
  COLUMN_STOCK,
};

static void
on_setup_cell (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  int column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column >= COLUMN_PRICE ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column >= COLUMN_PRICE)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
on_bind_cell (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TnStockWindow            *self)
{
  int column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  const TnProductInfo *info = tn_product_item_get_info (gtk_list_item_get_item (list_item));
  TnStore *store = tn_application_get_store (self->app);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_SKU:
      gtk_label_set_text (label, info->sku);
      break;
    case COLUMN_NAME:
      gtk_label_set_text (label, info->name != NULL ? info->name : "");
      break;
    case COLUMN_PRICE:
      /* A price in conflict has no single value until a manager picks one. */
      text = info->price >= 0 && store != NULL
             ? tn_money_format (info->price, tn_store_get_decimals (store))
             : g_strdup (_("conflict"));
      gtk_label_set_text (label, text);
      break;
    case COLUMN_STOCK:
    default:
      text = tn_quantity_format (info->stock);
      gtk_label_set_text (label, text);
      break;
    }
}

static void
add_column (TnStockWindow *self,
            int            column,
            const char    *title,
            gboolean       expand)
{
  tn_ui_column_view_append (self->column_view, title, expand, column,
                            G_CALLBACK (on_setup_cell), G_CALLBACK (on_bind_cell), NULL, self);
}

/* Saving ------------------------------------------------------------------ */

/* Validates the whole form before anything is committed. */
static gboolean
read_form (TnStockWindow  *self,
           TnStore        *store,
           TnProductSpec  *spec,
           char          **sku,
           char          **name,
           char          **barcode,
           GError        **error)
{
  g_autofree char *price = entry_text (self->price_entry);
  g_autofree char *tax = entry_text (self->tax_entry);

  *sku = entry_text (self->sku_entry);
  *name = entry_text (self->name_entry);
  *barcode = entry_text (self->barcode_entry);
  g_strdelimit (price, ",", '.');
  g_strdelimit (tax, ",", '.');
  spec->sku = *sku;
  spec->name = *name;
  spec->barcode = **barcode != '\0' ? *barcode : NULL;
  spec->tax_bp = 0;
  if (self->editing == NULL && !tn_store_validate_sku (*sku, error))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->sku_entry));
      return FALSE;
    }
  if (**name == '\0')
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                           _("Give the product a name"));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
      return FALSE;
    }
  /* An empty price on a product in conflict leaves the conflict alone. */
  if (*price == '\0' && self->editing != NULL && self->editing->price < 0)
    spec->price = -1;
  else if (!tn_money_parse (price, tn_store_get_decimals (store), FALSE, &spec->price, error))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->price_entry));
      return FALSE;
    }
  if (*tax != '\0' && !tn_tax_parse (tax, &spec->tax_bp, error))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->tax_entry));
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_changes (TnStockWindow       *self,
              TnStore             *store,
              const TnProductSpec *spec,
              GError             **error)
{
  const TnProductInfo *old = self->editing;
  gboolean active = gtk_check_button_get_active (self->active_check);
  const char *name = g_strcmp0 (spec->name, old->name) != 0 ? spec->name : NULL;
  const char *barcode = spec->barcode != NULL && g_strcmp0 (spec->barcode, old->barcode) != 0
                        ? spec->barcode : NULL;
  gint tax = spec->tax_bp != old->tax_bp ? spec->tax_bp : -1;
  gint active_change = active != old->active ? (active ? 1 : 0) : -1;
  gboolean price_changed = spec->price >= 0 && spec->price != old->price;

  if (name == NULL && barcode == NULL && tax < 0 && active_change < 0 && !price_changed)
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                           _("Nothing to save: change a field first"));
      return FALSE;
    }
  if ((name != NULL || barcode != NULL || tax >= 0 || active_change >= 0) &&
      !tn_store_update_product (store, old->sku, name, barcode, tax, active_change, error))
    return FALSE;
  /* The person logged in is named in the event: a conflict shows who. */
  if (price_changed &&
      !tn_store_set_price_by (store, old->sku, spec->price,
                              tn_application_get_cashier_id (self->app), error))
    return FALSE;
  return TRUE;
}

static void
on_save_clicked (GtkButton     *button,
                 TnStockWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *sku = NULL;
  g_autofree char *name = NULL;
  g_autofree char *barcode = NULL;
  TnProductSpec spec = { 0 };
  gboolean ok;

  if (store == NULL)
    return;
  if (!read_form (self, store, &spec, &sku, &name, &barcode, &error))
    {
      tn_manager_show_error (self->form_error, error->message);
      return;
    }
  if (self->editing == NULL)
    ok = tn_store_add_product (store, &spec, &error) &&
         (gtk_check_button_get_active (self->active_check) ||
          tn_store_update_product (store, sku, NULL, NULL, -1, 0, &error));
  else
    ok = save_changes (self, store, &spec, &error);
  if (!ok)
    {
      tn_manager_show_error (self->form_error, error->message);
      return;
    }
  tn_application_notify_store_changed (self->app);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), sku);
  search (self, sku, FALSE);
  /* What usually follows a new product: its first delivery. */
  gtk_widget_grab_focus (GTK_WIDGET (self->qty_entry));
}

static void
move_stock (TnStockWindow *self,
            gboolean       receive)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *qty_text = entry_text (self->qty_entry);
  g_autofree char *reason = entry_text (self->reason_entry);
  g_autofree char *sku = NULL;
  gint64 qty;

  if (store == NULL || self->editing == NULL)
    return;
  g_strdelimit (qty_text, ",", '.');
  if (!tn_quantity_parse (qty_text, !receive, &qty, &error))
    {
      tn_manager_show_error (self->stock_error, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (self->qty_entry));
      return;
    }
  if (qty == 0 || (receive && qty < 0))
    {
      tn_manager_show_error (self->stock_error,
                             receive ? _("Receive more than zero")
                                     : _("Adjust by a quantity other than zero"));
      gtk_widget_grab_focus (GTK_WIDGET (self->qty_entry));
      return;
    }
  if (*reason == '\0')
    {
      tn_manager_show_error (self->stock_error, _("Give a reason for the stock change"));
      gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
      return;
    }
  if (!(receive ? tn_store_receive_stock (store, self->editing->sku, qty, reason, &error)
                : tn_store_adjust_stock (store, self->editing->sku, qty, reason, &error)))
    {
      tn_manager_show_error (self->stock_error, error->message);
      return;
    }
  gtk_editable_set_text (self->qty_entry, "");
  gtk_editable_set_text (self->reason_entry, "");
  tn_application_notify_store_changed (self->app);
  sku = g_strdup (self->editing->sku);
  search (self, sku, FALSE);
}

static void
on_receive_clicked (GtkButton     *button,
                    TnStockWindow *self)
{
  move_stock (self, TRUE);
}

static void
on_adjust_clicked (GtkButton     *button,
                   TnStockWindow *self)
{
  move_stock (self, FALSE);
}

/* Overrides --------------------------------------------------------------- */

static void
tn_stock_window_dispose (GObject *object)
{
  TnStockWindow *self = TN_STOCK_WINDOW (object);

  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_STOCK_WINDOW);
  g_clear_object (&self->products);
  g_clear_object (&self->selection);
  G_OBJECT_CLASS (tn_stock_window_parent_class)->dispose (object);
}

static void
tn_stock_window_finalize (GObject *object)
{
  TnStockWindow *self = TN_STOCK_WINDOW (object);

  g_clear_pointer (&self->editing, tn_product_info_free);
  G_OBJECT_CLASS (tn_stock_window_parent_class)->finalize (object);
}

static void
tn_stock_window_class_init (TnStockWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_stock_window_dispose;
  object_class->finalize = tn_stock_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-stock-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, list_note);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, form_title);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, sku_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, name_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, barcode_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, price_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, tax_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, active_check);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, form_error);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, stock_box);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, stock_label);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, qty_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, TnStockWindow, stock_error);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_bind_template_callback (widget_class, on_new_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_receive_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_adjust_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_stock_window_init (TnStockWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->products = g_list_store_new (TN_TYPE_PRODUCT_ITEM);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->products)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected", G_CALLBACK (on_selected), self);
  gtk_column_view_set_model (self->column_view,
                             GTK_SELECTION_MODEL (g_object_ref (self->selection)));
  add_column (self, COLUMN_SKU, _("SKU"), FALSE);
  add_column (self, COLUMN_NAME, _("Name"), TRUE);
  add_column (self, COLUMN_PRICE, _("Price"), FALSE);
  add_column (self, COLUMN_STOCK, _("Stock"), FALSE);
  show_product (self, NULL);
}

void
tn_stock_window_present (GtkWindow     *parent,
                         TnApplication *app)
{
  TnStockWindow *self;
  gboolean created;

  g_return_if_fail (TN_IS_APPLICATION (app));

  self = TN_STOCK_WINDOW (tn_manager_window_get (app, TN_TYPE_STOCK_WINDOW,
                                                 G_CALLBACK (refresh), &created));
  if (created)
    {
      self->app = g_object_ref (app);
      tn_sync_follow (G_OBJECT (self), app, &self->service, sync_handlers,
                      G_N_ELEMENTS (sync_handlers), NULL);
      search (self, NULL, FALSE);
    }
  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  gtk_window_present (GTK_WINDOW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
