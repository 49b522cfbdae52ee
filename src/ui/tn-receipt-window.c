/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>

#include "tn-print.h"
#include "tn-receipt-window.h"
#include "tn-ui-format.h"
#include "tn-ui-util.h"

#define HASH_EXCERPT 12
#define RECEIPT_WIDTH 40

struct _TnReceiptWindow
{
  GtkWindow      parent_instance;

  TnApplication *app;
  char          *fiscal_doc;
  char          *markup;

  GtkLabel      *fiscal_label;
  GtkLabel      *body_label;
  GtkLabel      *status_label;
  GtkButton     *new_sale_button;
};

G_DEFINE_FINAL_TYPE (TnReceiptWindow, tn_receipt_window, GTK_TYPE_WINDOW)

/* "Coffee 250 g          2 x 4.50    9.00": left text, right text, padded
 * to the receipt's width by characters (not bytes). */
static void
append_columns (GString    *out,
                const char *left,
                const char *right)
{
  g_autofree char *left_markup = g_markup_escape_text (left, -1);
  g_autofree char *right_markup = g_markup_escape_text (right, -1);
  glong used = g_utf8_strlen (left, -1) + g_utf8_strlen (right, -1);

  g_string_append (out, left_markup);
  for (glong i = used; i < RECEIPT_WIDTH; i++)
    g_string_append_c (out, ' ');
  if (used >= RECEIPT_WIDTH)
    g_string_append_c (out, ' ');
  g_string_append (out, right_markup);
  g_string_append_c (out, '\n');
}

char *
tn_receipt_format_markup (TnStore             *store,
                          const TnSaleReceipt *receipt,
                          TnCart              *cart,
                          const char          *cashier,
                          const char          *payments)
{
  GString *out = g_string_new (NULL);
  guint decimals = tn_store_get_decimals (store);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format (now, "%x %X");
  g_autofree char *hash = tn_ui_short_hash (receipt->hash, HASH_EXCERPT);
  g_autofree char *store_line = g_strdup_printf (_("Store %s · terminal %s"),
                                                 tn_store_get_store_id (store),
                                                 tn_store_get_terminal (store));
  g_autofree char *doc_line = g_strdup_printf (_("Fiscal number %s%s"), receipt->fiscal_doc,
                                               receipt->contingency ? _(" (contingency)") : "");
  g_autofree char *escaped = NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (cart));

  escaped = g_markup_escape_text (store_line, -1);
  g_string_append_printf (out, "<b>%s</b>\n", escaped);
  g_clear_pointer (&escaped, g_free);
  escaped = g_markup_escape_text (doc_line, -1);
  g_string_append_printf (out, "%s\n", escaped);
  g_clear_pointer (&escaped, g_free);
  escaped = g_markup_escape_text (when, -1);
  g_string_append_printf (out, "%s\n", escaped);
  if (cashier != NULL)
    {
      g_autofree char *line = g_strdup_printf (_("Served by %s"), cashier);

      g_clear_pointer (&escaped, g_free);
      escaped = g_markup_escape_text (line, -1);
      g_string_append_printf (out, "%s\n", escaped);
    }
  g_string_append_c (out, '\n');

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TnCartLine) line = g_list_model_get_item (G_LIST_MODEL (cart), i);
      g_autofree char *qty = tn_cart_line_dup_quantity_text (line);
      g_autofree char *unit = tn_ui_format_money (tn_cart_line_get_unit_price (line), decimals,
                                                  NULL);
      g_autofree char *total = tn_cart_line_dup_total_text (line);
      g_autofree char *detail = g_strdup_printf ("  %s × %s", qty, unit);
      g_autofree char *name = g_markup_escape_text (tn_cart_line_get_name (line), -1);

      g_string_append_printf (out, "%s\n", name);
      append_columns (out, detail, total);
    }
  g_string_append_c (out, '\n');

  {
    g_autofree char *subtotal = tn_ui_format_money (receipt->subtotal, decimals, receipt->currency);
    g_autofree char *tax = tn_ui_format_money (receipt->tax, decimals, receipt->currency);
    g_autofree char *total = tn_ui_format_money (receipt->total, decimals, receipt->currency);
    g_autofree char *paid = tn_ui_format_money (receipt->paid, decimals, receipt->currency);
    g_autofree char *change = tn_ui_format_money (receipt->change, decimals, receipt->currency);

    append_columns (out, _("Subtotal"), subtotal);
    append_columns (out, _("Tax"), tax);
    append_columns (out, _("TOTAL"), total);
    if (receipt->second_currency != NULL)
      {
        g_autofree char *second = tn_ui_format_money (receipt->second_total,
                                                      receipt->second_decimals,
                                                      receipt->second_currency);
        append_columns (out, _("Total in second currency"), second);
      }
    append_columns (out, _("Paid"), paid);
    append_columns (out, _("Change"), change);
    if (payments != NULL)
      {
        g_autofree char *escaped_payments = g_markup_escape_text (payments, -1);

        g_string_append_printf (out, "%s\n", escaped_payments);
      }
  }
  g_string_append_c (out, '\n');
  {
    g_autofree char *hash_line = g_strdup_printf (_("Hash %s…"), hash);
    g_autofree char *hash_markup = g_markup_escape_text (hash_line, -1);

    g_string_append_printf (out, "%s\n", hash_markup);
  }
  return g_string_free (out, FALSE);
}

static void
on_print_clicked (TnReceiptWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!tn_print_text_document (GTK_WINDOW (self), _("Receipt"), self->markup, NULL, &error))
    tn_ui_label_set_text (self->status_label, error->message, _("Receipt status"));
}

/* Receipts go to the Documents folder (Tendero/Receipts), named by fiscal
 * number, without a file dialog: the next customer is waiting. */
static void
on_save_pdf_clicked (TnReceiptWindow *self)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autofree char *dir = g_build_filename (documents != NULL ? documents : g_get_home_dir (),
                                           "Tendero", "Receipts", NULL);
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  name = g_strdup_printf ("receipt-%s.pdf", self->fiscal_doc);
  g_strdelimit (name, "/\\", '-');
  path = g_build_filename (dir, name, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_autofree char *text = g_strdup_printf (_("Could not create the folder %s: %s"), dir,
                                               g_strerror (errno));
      tn_ui_label_set_text (self->status_label, text, _("Receipt status"));
      return;
    }
  if (!tn_print_text_document (GTK_WINDOW (self), _("Receipt"), self->markup, path, &error))
    {
      tn_ui_label_set_text (self->status_label, error->message, _("Receipt status"));
      return;
    }
  {
    g_autofree char *text = g_strdup_printf (_("Saved to %s"), path);
    tn_ui_label_set_text (self->status_label, text, _("Receipt status"));
  }
}

static void
tn_receipt_window_dispose (GObject *object)
{
  TnReceiptWindow *self = TN_RECEIPT_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_RECEIPT_WINDOW);
  G_OBJECT_CLASS (tn_receipt_window_parent_class)->dispose (object);
}

static void
tn_receipt_window_finalize (GObject *object)
{
  TnReceiptWindow *self = TN_RECEIPT_WINDOW (object);

  g_free (self->fiscal_doc);
  g_free (self->markup);
  G_OBJECT_CLASS (tn_receipt_window_parent_class)->finalize (object);
}

static void
tn_receipt_window_class_init (TnReceiptWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_receipt_window_dispose;
  object_class->finalize = tn_receipt_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-receipt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnReceiptWindow, fiscal_label);
  gtk_widget_class_bind_template_child (widget_class, TnReceiptWindow, body_label);
  gtk_widget_class_bind_template_child (widget_class, TnReceiptWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TnReceiptWindow, new_sale_button);
  gtk_widget_class_bind_template_callback (widget_class, on_print_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_pdf_clicked);
}

static void
tn_receipt_window_init (TnReceiptWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
tn_receipt_window_new (GtkWindow           *parent,
                       TnApplication       *app,
                       const TnSaleReceipt *receipt,
                       TnCart              *cart,
                       const char          *payments)
{
  TnReceiptWindow *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (receipt != NULL, NULL);

  self = g_object_new (TN_TYPE_RECEIPT_WINDOW,
                       "transient-for", parent,
                       "application", app,
                       NULL);
  self->app = app;
  self->fiscal_doc = g_strdup (receipt->fiscal_doc);
  self->markup = tn_receipt_format_markup (tn_application_get_store (app), receipt, cart,
                                           tn_application_get_cashier_name (app), payments);
  tn_ui_label_set_text (self->fiscal_label, receipt->fiscal_doc, _("Fiscal number"));
  gtk_label_set_markup (self->body_label, self->markup);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->body_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Receipt text"), -1);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->new_sale_button));
  return GTK_WINDOW (self);
}
