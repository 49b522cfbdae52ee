/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-history-window.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "tn-history-item.h"
#include "tn-hlc.h"
#include "tn-manager-approval.h"
#include "tn-manager-format.h"
#include "tn-operations.h"
#include "tn-queries.h"
#include "tn-sync-follow.h"
#include "tn-ui-util.h"

struct _TnHistoryWindow
{
  GtkWindow        parent_instance;

  TnApplication   *app;
  TnSyncService   *service;      /* weak: the one whose signals we hear */
  GListStore      *sales;        /* TnHistoryItem, newest first */
  GtkCustomFilter *filter;
  char            *search;       /* case-folded, NULL for none */
  GCancellable    *approval;     /* while a void waits for a manager */
  GtkWindow       *reason_window;
  char            *voiding_sale; /* sale id being voided */
  char            *voiding_doc;
  char            *void_reason;

  GtkSearchEntry  *search_entry;
  GtkLabel        *summary_label;
  GtkLabel        *error_label;
  GtkColumnView   *column_view;
};

G_DEFINE_FINAL_TYPE (TnHistoryWindow, tn_history_window, GTK_TYPE_WINDOW)

static void start_void (TnHistoryWindow *self,
                        const char      *sale_id,
                        const char      *fiscal_doc);

/* Loading ----------------------------------------------------------------- */

typedef struct
{
  TnStore   *store;
  GPtrArray *items;
  gint64     count;
  gint64     total;
  gint64     voided;
} LoadState;

static gboolean
add_sale (const TnSaleInfo  *sale,
          gpointer           user_data,
          GError           **error)
{
  LoadState *state = user_data;
  g_autofree char *time = tn_manager_format_ms (TN_HLC_MS (sale->hlc), "%X");
  g_autofree char *total = tn_manager_format_money (state->store, sale->total, sale->currency);

  g_ptr_array_add (state->items, tn_history_item_new (sale->sale_id, time, sale->fiscal_doc,
                                                      sale->cashier, total, sale->voided));
  if (sale->voided)
    state->voided++;
  else
    {
      state->count++;
      state->total += sale->total;
    }
  return TRUE;
}


/* The usual change: new sales on top, perhaps a sale voided.  Rows on
 * screen then stay (and so does the scroll position); anything else
 * (a replicated sale from earlier, midnight) reloads the whole list. */
static gboolean
update_in_place (TnHistoryWindow *self,
                 GPtrArray       *items)
{
  GListModel *model = G_LIST_MODEL (self->sales);
  guint n_old = g_list_model_get_n_items (model);
  guint added;

  if (n_old == 0 || items->len < n_old)
    return FALSE;
  added = items->len - n_old;
  for (guint i = 0; i < n_old; i++)
    {
      g_autoptr(TnHistoryItem) old = g_list_model_get_item (model, i);

      if (g_strcmp0 (tn_history_item_get_sale_id (old),
                     tn_history_item_get_sale_id (items->pdata[added + i])) != 0)
        return FALSE;
    }
  for (guint i = 0; i < n_old; i++)
    {
      g_autoptr(TnHistoryItem) old = g_list_model_get_item (model, i);

      tn_history_item_set_voided (old, tn_history_item_get_voided (items->pdata[added + i]));
    }
  if (added > 0)
    g_list_store_splice (self->sales, 0, 0, items->pdata, added);
  return TRUE;
}

static void
reload (TnHistoryWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  LoadState state = { store, items, 0, 0, 0 };
  g_autofree char *total = NULL;
  g_autofree char *summary = NULL;

  if (store == NULL)
    {
      g_list_store_remove_all (self->sales);
      tn_manager_show_error (self->error_label, _("This lane has no store yet"));
      return;
    }
  /* A day of sales is at most a few thousand rows: read them whole. */
  if (!tn_store_foreach_sale (store, tn_manager_today_start_hlc (), add_sale, &state, &error))
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  tn_manager_show_error (self->error_label, NULL);
  /* Newest first. */
  for (guint i = 0; i < items->len / 2; i++)
    {
      gpointer tmp = items->pdata[i];

      items->pdata[i] = items->pdata[items->len - 1 - i];
      items->pdata[items->len - 1 - i] = tmp;
    }
  if (!update_in_place (self, items))
    g_list_store_splice (self->sales, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sales)),
                         items->pdata, items->len);

  total = tn_manager_format_money (store, state.total, NULL);
  summary = g_strdup_printf (ngettext ("Today: %" PRId64 " sale, %s; %" PRId64 " voided",
                                       "Today: %" PRId64 " sales, %s; %" PRId64 " voided",
                                       (gulong) state.count),
                             state.count, total, state.voided);
  tn_ui_label_set_text (self->summary_label, summary, _("Sales summary"));
}

/* Columns ----------------------------------------------------------------- */

typedef enum
{
  COLUMN_TIME,
  COLUMN_FISCAL,
  COLUMN_CASHIER,
  COLUMN_TOTAL,
  COLUMN_STATUS,
  COLUMN_VOID,
} Column;

static void
on_void_clicked (GtkButton       *button,
                 TnHistoryWindow *self)
{
  TnHistoryItem *item = g_object_get_data (G_OBJECT (button), "item");

  if (item != NULL)
    start_void (self, tn_history_item_get_sale_id (item), tn_history_item_get_fiscal_doc (item));
}

static void
on_setup_cell (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               TnHistoryWindow          *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *widget;

  if (column == COLUMN_VOID)
    {
      widget = gtk_button_new_with_label (_("Void"));
      g_signal_connect (widget, "clicked", G_CALLBACK (on_void_clicked), self);
    }
  else
    {
      widget = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (widget), column == COLUMN_TOTAL ? 1 : 0);
      gtk_label_set_ellipsize (GTK_LABEL (widget), PANGO_ELLIPSIZE_END);
      if (column == COLUMN_TOTAL)
        gtk_widget_add_css_class (widget, "numeric");
    }
  gtk_list_item_set_child (list_item, widget);
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
update_cell (GtkListItem *list_item,
             Column       column)
{
  TnHistoryItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *widget = gtk_list_item_get_child (list_item);
  gboolean voided = tn_history_item_get_voided (item);
  const char *text = NULL;

  switch (column)
    {
    case COLUMN_TIME:
      text = tn_history_item_get_time (item);
      break;
    case COLUMN_FISCAL:
      text = tn_history_item_get_fiscal_doc (item);
      break;
    case COLUMN_CASHIER:
      text = tn_history_item_get_cashier (item);
      break;
    case COLUMN_TOTAL:
      text = tn_history_item_get_total (item);
      break;
    case COLUMN_STATUS:
      text = voided ? _("Voided") : _("Completed");
      break;
    case COLUMN_VOID:
    default:
      {
        g_autofree char *name = g_strdup_printf (_("Void sale %s"),
                                                 tn_history_item_get_fiscal_doc (item));

        gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        name, -1);
        gtk_widget_set_tooltip_text (widget, name);
        gtk_widget_set_sensitive (widget, !voided);
        g_object_set_data_full (G_OBJECT (widget), "item", g_object_ref (item), g_object_unref);
        return;
      }
    }
  gtk_label_set_text (GTK_LABEL (widget), text);
  if (voided && column != COLUMN_STATUS)
    gtk_widget_add_css_class (widget, "voided");
  else
    gtk_widget_remove_css_class (widget, "voided");
}

static void
on_item_voided (TnHistoryItem *item,
                GParamSpec    *pspec,
                GtkListItem   *list_item)
{
  update_cell (list_item,
               GPOINTER_TO_INT (g_object_get_data (G_OBJECT (list_item), "column")));
}

static void
on_bind_cell (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TnHistoryWindow          *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  TnHistoryItem *item = gtk_list_item_get_item (list_item);

  g_object_set_data (G_OBJECT (list_item), "column", GINT_TO_POINTER (column));
  g_signal_connect_object (item, "notify::voided", G_CALLBACK (on_item_voided), list_item, 0);
  update_cell (list_item, column);
}

static void
on_unbind_cell (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                TnHistoryWindow          *self)
{
  TnHistoryItem *item = gtk_list_item_get_item (list_item);

  if (item != NULL)
    g_signal_handlers_disconnect_by_func (item, on_item_voided, list_item);
  if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column")) == COLUMN_VOID)
    g_object_set_data (G_OBJECT (gtk_list_item_get_child (list_item)), "item", NULL);
}

static void
add_column (TnHistoryWindow *self,
            Column           column,
            const char      *title,
            gboolean         expand)
{
  tn_ui_column_view_append (self->column_view, title, expand, column,
                            G_CALLBACK (on_setup_cell), G_CALLBACK (on_bind_cell),
                            G_CALLBACK (on_unbind_cell), self);
}

/* Search ------------------------------------------------------------------ */

static gboolean
filter_sale (gpointer item,
             gpointer user_data)
{
  TnHistoryWindow *self = user_data;

  return self->search == NULL || tn_history_item_matches (item, self->search);
}

/* Escape in the search field clears it, and closes the window when it
 * is already empty. */
static void
on_stop_search (GtkSearchEntry  *entry,
                TnHistoryWindow *self)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (entry)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_search_changed (GtkSearchEntry  *entry,
                   TnHistoryWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_clear_pointer (&self->search, g_free);
  if (text != NULL && *text != '\0')
    self->search = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* Voiding ----------------------------------------------------------------- */

static void
clear_void (TnHistoryWindow *self)
{
  g_clear_pointer (&self->voiding_sale, g_free);
  g_clear_pointer (&self->voiding_doc, g_free);
  g_clear_pointer (&self->void_reason, g_free);
  g_clear_object (&self->approval);
}

static void
on_void_approved (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TnHistoryWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *manager = tn_manager_approval_finish (result, &error);
  /* The window may have closed (dropping its application) meanwhile. */
  TnStore *store = self->app != NULL ? tn_application_get_store (self->app) : NULL;

  if (manager == NULL || self->voiding_sale == NULL || store == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tn_manager_show_error (self->error_label, error->message);
      clear_void (self);
      return;
    }
  if (!tn_store_void_sale (store, self->voiding_sale, self->void_reason, manager, &error))
    tn_manager_show_error (self->error_label, error->message);
  else
    tn_application_notify_store_changed (self->app);
  clear_void (self);
  reload (self);
}

static void
submit_reason (TnHistoryWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (self->reason_window), "entry");
  GtkLabel *error_label = g_object_get_data (G_OBJECT (self->reason_window), "error");
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autofree char *what = NULL;

  if (*reason == '\0')
    {
      tn_manager_show_error (error_label, _("Say why the sale is voided"));
      gtk_widget_grab_focus (GTK_WIDGET (entry));
      return;
    }
  self->void_reason = g_steal_pointer (&reason);
  gtk_window_destroy (self->reason_window);
  what = g_strdup_printf (_("Void sale %s: %s"), self->voiding_doc, self->void_reason);
  self->approval = g_cancellable_new ();
  tn_manager_approval_request (GTK_WINDOW (self), self->app, what, self->approval,
                               on_void_approved, g_object_ref (self));
}

static void
on_reason_activate (GtkEditable     *entry,
                    TnHistoryWindow *self)
{
  submit_reason (self);
}

static void
on_reason_continue (GtkButton       *button,
                    TnHistoryWindow *self)
{
  submit_reason (self);
}

static void
on_reason_destroyed (GtkWidget       *window,
                     TnHistoryWindow *self)
{
  self->reason_window = NULL;
  if (self->void_reason == NULL)
    clear_void (self);   /* cancelled before a reason was given */
}

/* A small modal window asking for the reason, "Void reason" focused. */
static void
start_void (TnHistoryWindow *self,
            const char      *sale_id,
            const char      *fiscal_doc)
{
  GtkWidget *window, *box, *question, *entry, *error_label, *buttons, *cancel, *proceed;
  g_autofree char *text = NULL;
  GtkShortcutController *shortcuts;

  if (self->voiding_sale != NULL)
    return;
  self->voiding_sale = g_strdup (sale_id);
  self->voiding_doc = g_strdup (fiscal_doc);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), _("Void Sale"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (self));
  gtk_window_set_resizable (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 380, -1);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  g_object_set (box, "margin-top", 18, "margin-bottom", 18, "margin-start", 18,
                "margin-end", 18, NULL);
  text = g_strdup_printf (_("Why is sale %s being voided?"), fiscal_doc);
  question = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (question), 0);
  gtk_label_set_wrap (GTK_LABEL (question), TRUE);
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Void reason"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Void reason"), -1);
  error_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (error_label, "error");
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_widget_set_visible (error_label, FALSE);
  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  cancel = gtk_button_new_with_label (_("Cancel"));
  proceed = gtk_button_new_with_label (_("Continue"));
  gtk_widget_add_css_class (proceed, "destructive-action");
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), proceed);
  gtk_box_append (GTK_BOX (box), question);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), error_label);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (window), box);

  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  gtk_shortcut_controller_add_shortcut (shortcuts,
      gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                        gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, GTK_EVENT_CONTROLLER (shortcuts));

  g_object_set_data (G_OBJECT (window), "entry", entry);
  g_object_set_data (G_OBJECT (window), "error", error_label);
  g_signal_connect (entry, "activate", G_CALLBACK (on_reason_activate), self);
  g_signal_connect (proceed, "clicked", G_CALLBACK (on_reason_continue), self);
  g_signal_connect_swapped (cancel, "clicked", G_CALLBACK (gtk_window_destroy), window);
  g_signal_connect (window, "destroy", G_CALLBACK (on_reason_destroyed), self);
  self->reason_window = GTK_WINDOW (window);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (entry);
}

/* Replicated sales and voids from other lanes. */
static const TnSyncHandler sync_handlers[] = {
  { "events-applied", G_CALLBACK (reload) },
};

/* Overrides --------------------------------------------------------------- */

static void
tn_history_window_dispose (GObject *object)
{
  TnHistoryWindow *self = TN_HISTORY_WINDOW (object);

  g_cancellable_cancel (self->approval);
  if (self->reason_window != NULL)
    gtk_window_destroy (self->reason_window);
  clear_void (self);
  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_HISTORY_WINDOW);
  g_clear_object (&self->sales);
  g_clear_object (&self->filter);
  G_OBJECT_CLASS (tn_history_window_parent_class)->dispose (object);
}

static void
tn_history_window_finalize (GObject *object)
{
  TnHistoryWindow *self = TN_HISTORY_WINDOW (object);

  g_free (self->search);
  G_OBJECT_CLASS (tn_history_window_parent_class)->finalize (object);
}

static void
tn_history_window_class_init (TnHistoryWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_history_window_dispose;
  object_class->finalize = tn_history_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-history-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnHistoryWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TnHistoryWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TnHistoryWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TnHistoryWindow, column_view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_history_window_init (TnHistoryWindow *self)
{
  GtkFilterListModel *filtered;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->sales = g_list_store_new (TN_TYPE_HISTORY_ITEM);
  self->filter = gtk_custom_filter_new (filter_sale, self, NULL);
  filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->sales)),
                                        GTK_FILTER (g_object_ref (self->filter)));
  gtk_column_view_set_model (self->column_view,
                             GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (filtered))));
  add_column (self, COLUMN_TIME, _("Time"), FALSE);
  add_column (self, COLUMN_FISCAL, _("Number"), FALSE);
  add_column (self, COLUMN_CASHIER, _("Cashier"), TRUE);
  add_column (self, COLUMN_TOTAL, _("Total"), FALSE);
  add_column (self, COLUMN_STATUS, _("Status"), FALSE);
  add_column (self, COLUMN_VOID, NULL, FALSE);
}

void
tn_history_window_present (GtkWindow     *parent,
                           TnApplication *app)
{
  TnHistoryWindow *self;
  gboolean created;

  g_return_if_fail (TN_IS_APPLICATION (app));

  self = TN_HISTORY_WINDOW (tn_manager_window_get (app, TN_TYPE_HISTORY_WINDOW,
                                                   G_CALLBACK (reload), &created));
  if (created)
    {
      self->app = g_object_ref (app);
      tn_sync_follow (G_OBJECT (self), app, &self->service, sync_handlers,
                      G_N_ELEMENTS (sync_handlers), NULL);
    }
  gtk_window_set_transient_for (GTK_WINDOW (self), parent);
  reload (self);
  gtk_window_present (GTK_WINDOW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}
