/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-fiscal-banner.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "tn-fiscal.h"
#include "tn-manager-approval.h"
#include "tn-manager-format.h"
#include "tn-queries.h"
#include "tn-sync-follow.h"
#include "tn-ui-util.h"

struct _TnFiscalBanner
{
  GtkWidget       parent_instance;

  TnApplication  *app;
  TnSyncService  *service;    /* weak: the one whose signals we hear */
  gint64          alert_id;   /* the alert shown, 0: none (reserve warning or nothing) */
  GCancellable   *approval;

  GtkRevealer    *revealer;
  GtkWidget      *banner;
  GtkLabel       *alert_label;
  GtkLabel       *advice_label;
  GtkButton      *acknowledge_button;
};

G_DEFINE_FINAL_TYPE (TnFiscalBanner, tn_fiscal_banner, GTK_TYPE_WIDGET)

/* What a manager should do about an alert of @kind. */
static const char *
advice_for (const char *kind)
{
  if (g_strcmp0 (kind, "fiscal-contingency") == 0)
    return _("Sales go on with contingency numbers. Reconnect this lane to the fiscal "
             "authority (the hub, or the lane marked fiscal authority) so it receives a "
             "new block of numbers.");
  if (g_str_has_prefix (kind, "fiscal-"))
    return _("A fiscal rule was broken. Keep every receipt, run “tendero-ctl fiscal verify” "
             "on this lane and report the documents it names to your accountant or the "
             "tax authority before acknowledging.");
  if (g_strcmp0 (kind, "divergence") == 0 || g_strcmp0 (kind, "equivocation") == 0 ||
      g_strcmp0 (kind, "sale-duplicate") == 0)
    return _("Lanes disagree about the store's history. Keep selling, compare the lanes "
             "with “tendero-ctl status” and contact support.");
  return _("Tell the store manager.");
}

static void
set_priority_class (TnFiscalBanner  *self,
                    TnAlertPriority  priority)
{
  gtk_widget_remove_css_class (self->banner, "p0");
  gtk_widget_remove_css_class (self->banner, "p1");
  gtk_widget_add_css_class (self->banner, priority == TN_ALERT_P0 ? "p0" : "p1");
}

/* The reserve warning when no alert is open: fewer numbers left than one
 * block, on a lane that needs an authority to get more. */
static gboolean
show_reserve_warning (TnFiscalBanner *self,
                      TnStore        *store)
{
  TnFiscalReserve reserve;
  g_autofree char *text = NULL;

  if (tn_store_is_fiscal_authority (store) ||
      !tn_fiscal_get_reserve (store, tn_store_get_replica_id (store), &reserve, NULL) ||
      reserve.unused >= TN_FISCAL_BLOCK_SIZE)
    return FALSE;
  if (reserve.unused == 0)
    text = g_strdup (_("This lane has no fiscal numbers left"));
  else
    text = g_strdup_printf (ngettext ("Only %" PRId64 " fiscal number is left on this lane",
                                      "Only %" PRId64 " fiscal numbers are left on this lane",
                                      (gulong) reserve.unused),
                            reserve.unused);
  tn_ui_label_set_text (self->alert_label, text, _("Fiscal alert"));
  tn_ui_label_set_text (self->advice_label,
                        _("Connect this lane to the fiscal authority (the hub, or the lane "
                          "marked fiscal authority) so it gets another block before they run "
                          "out; until then sales use contingency numbers."),
                        _("What to do"));
  set_priority_class (self, TN_ALERT_P1);
  gtk_widget_set_visible (GTK_WIDGET (self->acknowledge_button), FALSE);
  self->alert_id = 0;
  return TRUE;
}

static void
acknowledge (TnFiscalBanner *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;

  if (store == NULL || self->alert_id == 0)
    return;
  if (!tn_store_acknowledge_alert (store, self->alert_id, &error))
    {
      tn_ui_label_set_text (self->advice_label, error->message, _("What to do"));
      return;
    }
  tn_fiscal_banner_refresh (self);
}

static void
on_approved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TnFiscalBanner) self = user_data;
  g_autofree char *manager = tn_manager_approval_finish (result, NULL);

  g_clear_object (&self->approval);
  if (manager != NULL)
    acknowledge (self);
}

static void
on_acknowledge_clicked (GtkButton      *button,
                        TnFiscalBanner *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  /* An urgent alert is only put away by a manager. */
  if (tn_application_cashier_is_manager (self->app))
    {
      acknowledge (self);
      return;
    }
  if (self->approval != NULL)
    return;
  self->approval = g_cancellable_new ();
  tn_manager_approval_request (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->app,
                               _("A manager must acknowledge this alert."), self->approval,
                               on_approved, g_object_ref (self));
}

static const TnSyncHandler sync_handlers[] = {
  { "fiscal-alert", G_CALLBACK (tn_fiscal_banner_refresh) },
  { "events-applied", G_CALLBACK (tn_fiscal_banner_refresh) },
};

static void
tn_fiscal_banner_dispose (GObject *object)
{
  TnFiscalBanner *self = TN_FISCAL_BANNER (object);

  g_cancellable_cancel (self->approval);
  g_clear_object (&self->approval);
  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_FISCAL_BANNER);
  G_OBJECT_CLASS (tn_fiscal_banner_parent_class)->dispose (object);
}

static void
tn_fiscal_banner_class_init (TnFiscalBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_fiscal_banner_dispose;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-fiscal-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, TnFiscalBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, TnFiscalBanner, banner);
  gtk_widget_class_bind_template_child (widget_class, TnFiscalBanner, alert_label);
  gtk_widget_class_bind_template_child (widget_class, TnFiscalBanner, advice_label);
  gtk_widget_class_bind_template_child (widget_class, TnFiscalBanner, acknowledge_button);
  gtk_widget_class_bind_template_callback (widget_class, on_acknowledge_clicked);
}

static void
tn_fiscal_banner_init (TnFiscalBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tn_fiscal_banner_new (TnApplication *app)
{
  TnFiscalBanner *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);

  tn_manager_load_css (gdk_display_get_default ());
  self = g_object_new (TN_TYPE_FISCAL_BANNER, NULL);
  self->app = g_object_ref (app);
  g_signal_connect_object (app, "store-changed", G_CALLBACK (tn_fiscal_banner_refresh), self,
                           G_CONNECT_SWAPPED);
  tn_sync_follow (G_OBJECT (self), app, &self->service, sync_handlers,
                  G_N_ELEMENTS (sync_handlers), G_CALLBACK (tn_fiscal_banner_refresh));
  tn_fiscal_banner_refresh (self);
  return GTK_WIDGET (self);
}

void
tn_fiscal_banner_refresh (TnFiscalBanner *self)
{
  TnStore *store;
  g_autoptr(GPtrArray) alerts = NULL;
  TnAlertInfo *alert = NULL;

  g_return_if_fail (TN_IS_FISCAL_BANNER (self));

  store = tn_application_get_store (self->app);
  if (store == NULL)
    {
      gtk_revealer_set_reveal_child (self->revealer, FALSE);
      return;
    }
  /* Most urgent first; P2 notes do not interrupt a cashier. */
  alerts = tn_store_list_alerts (store, TRUE, NULL);
  if (alerts != NULL && alerts->len > 0 &&
      ((TnAlertInfo *) alerts->pdata[0])->priority <= TN_ALERT_P1)
    alert = alerts->pdata[0];

  if (alert != NULL)
    {
      g_autofree char *more = NULL;

      self->alert_id = alert->id;
      if (alerts->len > 1)
        more = g_strdup_printf (ngettext ("%s (and %u more alert)", "%s (and %u more alerts)",
                                          alerts->len - 1),
                                alert->message, alerts->len - 1);
      tn_ui_label_set_text (self->alert_label, more != NULL ? more : alert->message,
                            _("Fiscal alert"));
      tn_ui_label_set_text (self->advice_label, advice_for (alert->kind), _("What to do"));
      set_priority_class (self, alert->priority);
      gtk_widget_set_visible (GTK_WIDGET (self->acknowledge_button), TRUE);
      gtk_revealer_set_reveal_child (self->revealer, TRUE);
    }
  else
    gtk_revealer_set_reveal_child (self->revealer, show_reserve_warning (self, store));
}
