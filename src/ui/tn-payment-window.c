/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "tn-payment-window.h"
#include "tn-queries.h"
#include "tn-ui-format.h"
#include "tn-ui-util.h"

typedef enum
{
  METHOD_CASH,
  METHOD_CARD,
  METHOD_MIXED,      /* cash, then the rest by card */
  METHOD_SECOND,     /* cash in the second currency */
} Method;

struct _TnPaymentWindow
{
  GtkWindow        parent_instance;

  TnApplication   *app;
  TnCart          *cart;
  TnSaleReceipt   *quote;          /* the cart priced when the window opened */
  guint            decimals;

  GtkLabel        *due_label;
  GtkLabel        *second_due_label;
  GtkToggleButton *cash_button;
  GtkToggleButton *card_button;
  GtkToggleButton *mixed_button;
  GtkToggleButton *second_button;
  GtkLabel        *hint_label;
  GtkEntry        *amount_entry;
  GtkLabel        *change_label;
  GtkLabel        *error_label;
};

G_DEFINE_FINAL_TYPE (TnPaymentWindow, tn_payment_window, GTK_TYPE_WINDOW)

enum {
  SALE_COMPLETED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static Method
current_method (TnPaymentWindow *self)
{
  if (gtk_toggle_button_get_active (self->card_button))
    return METHOD_CARD;
  if (gtk_toggle_button_get_active (self->mixed_button))
    return METHOD_MIXED;
  if (gtk_toggle_button_get_active (self->second_button))
    return METHOD_SECOND;
  return METHOD_CASH;
}

static guint
amount_decimals (TnPaymentWindow *self)
{
  return current_method (self) == METHOD_SECOND ? self->quote->second_decimals : self->decimals;
}

/* The change shown while typing; the sale's own figure is on the
 * receipt. */
static void
update_change (TnPaymentWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_entry));
  Method method = current_method (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *change = NULL;
  g_autofree char *label = NULL;
  gboolean given;
  gint64 amount, due;
  const char *currency;
  guint decimals = amount_decimals (self);

  tn_ui_label_set_text (self->error_label, "", _("Payment error"));
  if (!tn_ui_parse_amount (text, decimals, &given, &amount, &error))
    {
      tn_ui_label_set_text (self->change_label, "", _("Change"));
      tn_ui_label_set_text (self->error_label, error->message, _("Payment error"));
      return;
    }
  due = method == METHOD_SECOND ? self->quote->second_total : self->quote->total;
  currency = method == METHOD_SECOND ? self->quote->second_currency : self->quote->currency;
  if (!given || method == METHOD_CARD)
    {
      change = tn_ui_format_money (0, decimals, currency);
      label = g_strdup_printf (_("Change: %s"), change);
    }
  else if (method == METHOD_SECOND && amount > due)
    {
      /* Change is given in the base currency at the store's rate: the
       * sale works it out exactly and the receipt shows it. */
      label = g_strdup_printf (_("Change in %s: on the receipt"), self->quote->currency);
    }
  else if (amount >= due)
    {
      change = tn_ui_format_money (amount - due, decimals, currency);
      label = g_strdup_printf (_("Change: %s"), change);
    }
  else if (method == METHOD_MIXED)
    {
      change = tn_ui_format_money (due - amount, decimals, currency);
      label = g_strdup_printf (_("By card: %s"), change);
    }
  else
    {
      change = tn_ui_format_money (due - amount, decimals, currency);
      label = g_strdup_printf (_("Short by %s"), change);
    }
  tn_ui_label_set_text (self->change_label, label, _("Change"));
}

static void
on_amount_changed (TnPaymentWindow *self)
{
  update_change (self);
}

static void
on_method_toggled (TnPaymentWindow *self)
{
  const char *hint = NULL;

  switch (current_method (self))
    {
    case METHOD_CASH:
      hint = _("Cash received (leave empty for the exact amount)");
      break;
    case METHOD_CARD:
      hint = _("Amount charged to the card (leave empty for the whole total)");
      break;
    case METHOD_MIXED:
      hint = _("Cash received; the card pays the rest");
      break;
    case METHOD_SECOND:
      hint = _("Cash received in the second currency (leave empty for the exact amount)");
      break;
    }
  gtk_label_set_text (self->hint_label, hint);
  update_change (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->amount_entry));
}

/* How the sale was paid, for the receipt: "Cash USD 20.00", "Cash USD
 * 5.00, card USD 3.82". */
static char *
describe_payments (TnPaymentWindow *self,
                   Method           method,
                   gboolean         given,
                   gint64           amount)
{
  const TnSaleReceipt *q = self->quote;
  g_autofree char *total = tn_ui_format_money (q->total, self->decimals, q->currency);
  g_autofree char *paid = given ? tn_ui_format_money (amount, method == METHOD_SECOND
                                                      ? q->second_decimals : self->decimals,
                                                      method == METHOD_SECOND
                                                      ? q->second_currency : q->currency)
                                : NULL;

  switch (method)
    {
    case METHOD_CASH:
      return g_strdup_printf (_("Cash %s"), given ? paid : total);
    case METHOD_CARD:
      return g_strdup_printf (_("Card %s"), given ? paid : total);
    case METHOD_MIXED:
      if (!given)
        return g_strdup_printf (_("Card %s"), total);
      if (amount >= q->total)
        return g_strdup_printf (_("Cash %s"), paid);
      {
        g_autofree char *rest = tn_ui_format_money (q->total - amount, self->decimals,
                                                    q->currency);
        return g_strdup_printf (_("Cash %s, card %s"), paid, rest);
      }
    case METHOD_SECOND:
      {
        g_autofree char *second = tn_ui_format_money (q->second_total, q->second_decimals,
                                                      q->second_currency);
        return g_strdup_printf (_("Cash %s"), given ? paid : second);
      }
    }
  g_assert_not_reached ();
}

static void
on_complete_clicked (TnPaymentWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) receipt = NULL;
  g_autoptr(GError) error = NULL;
  Method method = current_method (self);
  g_autofree char *payments = NULL;
  gboolean given;
  gint64 amount;

  if (store == NULL)
    return;
  if (!tn_ui_parse_amount (gtk_editable_get_text (GTK_EDITABLE (self->amount_entry)),
                           amount_decimals (self), &given, &amount, &error))
    {
      tn_ui_label_set_text (self->error_label, error->message, _("Payment error"));
      gtk_widget_grab_focus (GTK_WIDGET (self->amount_entry));
      return;
    }

  request = tn_cart_to_request (self->cart);
  tn_sale_request_set_cashier (request, tn_application_get_cashier_id (self->app));
  switch (method)
    {
    case METHOD_CASH:
      /* No payment at all is the exact amount in cash. */
      if (given)
        tn_sale_request_add_payment (request, "cash", NULL, amount);
      break;
    case METHOD_CARD:
      tn_sale_request_add_payment (request, "card", NULL, given ? amount : TN_SALE_PAY_REST);
      break;
    case METHOD_MIXED:
      if (given)
        tn_sale_request_add_payment (request, "cash", NULL, amount);
      tn_sale_request_add_payment (request, "card", NULL, TN_SALE_PAY_REST);
      break;
    case METHOD_SECOND:
      tn_sale_request_add_payment (request, "cash", self->quote->second_currency,
                                   given ? amount : TN_SALE_PAY_REST);
      break;
    }

  receipt = tn_store_sell (store, request, &error);
  if (receipt == NULL)
    {
      tn_ui_label_set_text (self->error_label, error->message, _("Payment error"));
      gtk_widget_grab_focus (GTK_WIDGET (self->amount_entry));
      return;
    }
  payments = describe_payments (self, method, given, amount);
  /* Off screen before the receipt window is presented, so that no two
   * modal windows are up at once; destroyed once the handlers ran. */
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_signal_emit (self, signals[SALE_COMPLETED], 0, receipt, payments);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* F5 … F8 switch the method from the keyboard; the entry keeps the
 * focus. */
static void
method_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  TnPaymentWindow *self = TN_PAYMENT_WINDOW (widget);
  const char *method = g_variant_get_string (param, NULL);
  GtkToggleButton *button = self->cash_button;

  if (g_str_equal (method, "card"))
    button = self->card_button;
  else if (g_str_equal (method, "mixed"))
    button = self->mixed_button;
  else if (g_str_equal (method, "second"))
    button = self->second_button;
  if (gtk_widget_get_visible (GTK_WIDGET (button)))
    gtk_toggle_button_set_active (button, TRUE);
}

static void
tn_payment_window_dispose (GObject *object)
{
  TnPaymentWindow *self = TN_PAYMENT_WINDOW (object);

  g_clear_object (&self->cart);
  g_clear_object (&self->app);
  g_clear_pointer (&self->quote, tn_sale_receipt_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_PAYMENT_WINDOW);
  G_OBJECT_CLASS (tn_payment_window_parent_class)->dispose (object);
}

static void
tn_payment_window_class_init (TnPaymentWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_payment_window_dispose;

  signals[SALE_COMPLETED] =
    g_signal_new ("sale-completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "payment.method", "s", method_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "payment.method", "s", "cash");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F6, 0, "payment.method", "s", "card");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F7, 0, "payment.method", "s",
                                       "mixed");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F8, 0, "payment.method", "s",
                                       "second");

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-payment-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, due_label);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, second_due_label);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, cash_button);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, card_button);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, mixed_button);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, second_button);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, amount_entry);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, change_label);
  gtk_widget_class_bind_template_child (widget_class, TnPaymentWindow, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_amount_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_method_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_complete_clicked);
}

static void
tn_payment_window_init (TnPaymentWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TnPaymentWindow *
tn_payment_window_new (GtkWindow     *parent,
                       TnApplication *app,
                       TnCart        *cart)
{
  TnStore *store = tn_application_get_store (app);
  g_autoptr(TnSaleRequest) request = NULL;
  g_autoptr(TnSaleReceipt) quote = NULL;
  TnPaymentWindow *self;
  g_autofree char *due = NULL;
  g_autofree char *due_text = NULL;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (TN_IS_CART (cart), NULL);

  if (store == NULL)
    return NULL;
  request = tn_cart_to_request (cart);
  /* The checkout already shows why a cart cannot be priced. */
  quote = tn_store_quote_sale (store, request, NULL);
  if (quote == NULL)
    return NULL;

  self = g_object_new (TN_TYPE_PAYMENT_WINDOW,
                       "transient-for", parent,
                       "application", app,
                       NULL);
  self->app = g_object_ref (app);
  self->cart = g_object_ref (cart);
  self->decimals = tn_store_get_decimals (store);
  self->quote = g_steal_pointer (&quote);

  due = tn_ui_format_money (self->quote->total, self->decimals, self->quote->currency);
  due_text = g_strdup_printf (_("To pay: %s"), due);
  tn_ui_label_set_text (self->due_label, due_text, _("Amount due"));
  if (self->quote->second_currency != NULL)
    {
      g_autofree char *second = tn_ui_format_money (self->quote->second_total,
                                                    self->quote->second_decimals,
                                                    self->quote->second_currency);
      g_autofree char *second_text = g_strdup_printf (_("or %s"), second);
      /* Translators: a payment method button; %s is a currency code. */
      g_autofree char *button = g_strdup_printf (_("Cash in %s"), self->quote->second_currency);

      tn_ui_label_set_text (self->second_due_label, second_text, _("Amount due in second currency"));
      gtk_button_set_label (GTK_BUTTON (self->second_button), button);
      gtk_widget_set_visible (GTK_WIDGET (self->second_button), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->second_due_label), FALSE);

  on_method_toggled (self);
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->amount_entry));
  return self;
}
