/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-conflicts-window.h"

#include <glib/gi18n.h>

#include "tn-error.h"
#include "tn-hlc.h"
#include "tn-manager-approval.h"
#include "tn-manager-format.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-sync-follow.h"

struct _TnConflictsWindow
{
  GtkWindow       parent_instance;

  TnApplication  *app;
  TnSyncService  *service;      /* weak: the one whose signals we hear */
  GCancellable   *approval;     /* while a choice waits for a manager */
  char           *resolving;    /* conflict id */
  gint64          value;
  GtkWidget      *first_entry;  /* the first "Other value", for the keyboard */
  char           *shown;        /* what the view shows, to rebuild only on a change */

  GtkLabel       *error_label;
  GtkBox         *conflicts_box;
};

G_DEFINE_FINAL_TYPE (TnConflictsWindow, tn_conflicts_window, GTK_TYPE_WINDOW)

static void reload (TnConflictsWindow *self);

/* Resolving --------------------------------------------------------------- */

static void
on_approved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TnConflictsWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *manager = tn_manager_approval_finish (result, &error);
  g_autofree char *id = g_steal_pointer (&self->resolving);
  /* The window may have closed (dropping its application) meanwhile. */
  TnStore *store = self->app != NULL ? tn_application_get_store (self->app) : NULL;

  g_clear_object (&self->approval);
  if (manager == NULL || id == NULL || store == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tn_manager_show_error (self->error_label, error->message);
      return;
    }
  /* The ConflictResolved event replicates and closes it on every lane. */
  if (!tn_store_resolve_conflict (store, id, self->value, manager, &error))
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  tn_manager_show_error (self->error_label, NULL);
  tn_application_notify_store_changed (self->app);
  reload (self);
}

static void
choose (TnConflictsWindow *self,
        const char        *conflict_id,
        const char        *product,
        gint64             value)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autofree char *shown = NULL;
  g_autofree char *what = NULL;

  if (self->approval != NULL || store == NULL)
    return;
  shown = tn_manager_format_money (store, value, NULL);
  what = g_strdup_printf (_("Set the price of %s to %s on every lane"), product, shown);
  self->resolving = g_strdup (conflict_id);
  self->value = value;
  self->approval = g_cancellable_new ();
  tn_manager_approval_request (GTK_WINDOW (self), self->app, what, self->approval,
                               on_approved, g_object_ref (self));
}

static void
on_candidate_clicked (GtkButton         *button,
                      TnConflictsWindow *self)
{
  gint64 *value = g_object_get_data (G_OBJECT (button), "value");

  choose (self, g_object_get_data (G_OBJECT (button), "conflict"),
          g_object_get_data (G_OBJECT (button), "product"), *value);
}

static void
use_other_value (GtkWidget         *widget,
                 TnConflictsWindow *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (widget), "entry");
  GtkLabel *error_label = g_object_get_data (G_OBJECT (widget), "error");
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 value;

  if (store == NULL)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  /* Keypads often send a decimal comma. */
  g_strdelimit (text, ",", '.');
  if (!tn_money_parse (text, tn_store_get_decimals (store), FALSE, &value, &error))
    {
      tn_manager_show_error (error_label, error->message);
      gtk_widget_grab_focus (GTK_WIDGET (entry));
      return;
    }
  tn_manager_show_error (error_label, NULL);
  choose (self, g_object_get_data (G_OBJECT (widget), "conflict"),
          g_object_get_data (G_OBJECT (widget), "product"), value);
}

/* Building the view ------------------------------------------------------- */

static GtkWidget *
candidate_card (TnConflictsWindow         *self,
                TnStore                   *store,
                const TnConflict          *conflict,
                const TnConflictCandidate *candidate)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  g_autofree char *value = tn_money_format (candidate->value, tn_store_get_decimals (store));
  g_autofree char *use = g_strdup_printf (_("Use %s"), value);
  g_autofree char *time = tn_manager_format_ms (TN_HLC_MS (candidate->hlc), "%x %X");
  g_autofree char *lane = g_strdup_printf (_("Lane %s"), candidate->terminal != NULL
                                                         ? candidate->terminal
                                                         : candidate->origin);
  /* TRANSLATORS: who changed the price; "—" when the change names no one */
  g_autofree char *by = g_strdup_printf (_("By %s"), candidate->by_name != NULL
                                                     ? candidate->by_name
                                                     : candidate->by != NULL ? candidate->by
                                                                             : "—");
  GtkWidget *value_label = gtk_label_new (value);
  GtkWidget *lane_label = gtk_label_new (lane);
  GtkWidget *time_label = gtk_label_new (time);
  GtkWidget *by_label = gtk_label_new (by);
  GtkWidget *button = gtk_button_new_with_label (use);

  gtk_widget_add_css_class (card, "card");
  g_object_set (card, "margin-top", 6, "margin-bottom", 6, "margin-start", 6, "margin-end", 6,
                "hexpand", TRUE, NULL);
  gtk_widget_add_css_class (value_label, "candidate-value");
  gtk_widget_set_tooltip_text (lane_label, candidate->origin);
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_accessible_update_property (GTK_ACCESSIBLE (by_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Changed by"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, use, -1);
  g_object_set_data_full (G_OBJECT (button), "conflict", g_strdup (conflict->id), g_free);
  g_object_set_data_full (G_OBJECT (button), "product",
                          g_strdup (conflict->product_name != NULL ? conflict->product_name
                                                                   : conflict->sku), g_free);
  g_object_set_data_full (G_OBJECT (button), "value",
                          g_memdup2 (&candidate->value, sizeof candidate->value), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_candidate_clicked), self);
  gtk_box_append (GTK_BOX (card), value_label);
  gtk_box_append (GTK_BOX (card), lane_label);
  gtk_box_append (GTK_BOX (card), time_label);
  gtk_box_append (GTK_BOX (card), by_label);
  gtk_box_append (GTK_BOX (card), button);
  return card;
}

static GtkWidget *
conflict_section (TnConflictsWindow *self,
                  TnStore           *store,
                  const TnConflict  *conflict)
{
  GtkWidget *section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *candidates = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *other = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *heading, *entry, *button, *error_label;
  const char *product = conflict->product_name != NULL ? conflict->product_name : conflict->sku;
  g_autofree char *title = NULL;

  title = g_strcmp0 (conflict->field, "price") == 0
          ? g_strdup_printf (_("Price of %s (%s)"), product, conflict->sku)
          : g_strdup_printf (_("%s of %s (%s)"), conflict->field, product, conflict->sku);
  heading = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "title-4");
  gtk_box_append (GTK_BOX (section), heading);

  for (guint i = 0; i < conflict->candidates->len; i++)
    gtk_box_append (GTK_BOX (candidates),
                    candidate_card (self, store, conflict, conflict->candidates->pdata[i]));
  gtk_box_append (GTK_BOX (section), candidates);

  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Other value"));
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Other value"), -1);
  gtk_widget_set_hexpand (entry, TRUE);
  button = gtk_button_new_with_label (_("Use Other Value"));
  error_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (error_label, "error");
  gtk_label_set_xalign (GTK_LABEL (error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (error_label), TRUE);
  gtk_widget_set_visible (error_label, FALSE);
  for (GtkWidget *w = entry; w != NULL; w = (w == entry ? button : NULL))
    {
      g_object_set_data (G_OBJECT (w), "entry", entry);
      g_object_set_data (G_OBJECT (w), "error", error_label);
      g_object_set_data_full (G_OBJECT (w), "conflict", g_strdup (conflict->id), g_free);
      g_object_set_data_full (G_OBJECT (w), "product", g_strdup (product), g_free);
    }
  g_signal_connect (entry, "activate", G_CALLBACK (use_other_value), self);
  if (self->first_entry == NULL)
    self->first_entry = entry;
  g_signal_connect (button, "clicked", G_CALLBACK (use_other_value), self);
  gtk_box_append (GTK_BOX (other), entry);
  gtk_box_append (GTK_BOX (other), button);
  gtk_box_append (GTK_BOX (section), other);
  gtk_box_append (GTK_BOX (section), error_label);
  return section;
}

static char *
conflicts_signature (GPtrArray *conflicts)
{
  GString *signature = g_string_new (NULL);

  for (guint i = 0; i < conflicts->len; i++)
    {
      const TnConflict *conflict = conflicts->pdata[i];

      g_string_append_printf (signature, "%s:", conflict->id);
      for (guint j = 0; j < conflict->candidates->len; j++)
        g_string_append_printf (signature, "%s,",
                                ((TnConflictCandidate *) conflict->candidates->pdata[j])->event_id);
      g_string_append_c (signature, ';');
    }
  return g_string_free (signature, FALSE);
}

/* Conflicts are few (one per product field at most): rebuilt whole. */
static void
reload (TnConflictsWindow *self)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autoptr(GPtrArray) conflicts = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *signature = NULL;
  GtkWidget *child;

  /* Keep what a manager is typing while a choice waits for approval. */
  if (self->approval != NULL || store == NULL)
    return;
  conflicts = tn_store_list_conflicts (store, &error);
  if (conflicts == NULL)
    {
      tn_manager_show_error (self->error_label, error->message);
      return;
    }
  /* Events keep arriving: rebuild (losing what is typed) only when the
   * conflicts or their candidates changed. */
  signature = conflicts_signature (conflicts);
  if (g_strcmp0 (signature, self->shown) == 0)
    return;
  g_free (self->shown);
  self->shown = g_steal_pointer (&signature);
  self->first_entry = NULL;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->conflicts_box))) != NULL)
    gtk_box_remove (self->conflicts_box, child);
  if (conflicts->len == 0)
    {
      GtkWidget *none = gtk_label_new (_("No open conflicts: every lane agrees."));

      gtk_widget_add_css_class (none, "dim-label");
      gtk_box_append (self->conflicts_box, none);
      return;
    }
  for (guint i = 0; i < conflicts->len; i++)
    gtk_box_append (self->conflicts_box, conflict_section (self, store, conflicts->pdata[i]));
}

/* A conflict found, or events that may close one, on this lane or another. */
static const TnSyncHandler sync_handlers[] = {
  { "conflict-detected", G_CALLBACK (reload) },
  { "events-applied", G_CALLBACK (reload) },
};

/* Overrides --------------------------------------------------------------- */

static void
tn_conflicts_window_dispose (GObject *object)
{
  TnConflictsWindow *self = TN_CONFLICTS_WINDOW (object);

  g_cancellable_cancel (self->approval);
  g_clear_object (&self->approval);
  g_clear_pointer (&self->resolving, g_free);
  g_clear_pointer (&self->shown, g_free);
  tn_sync_unfollow (object, self->app, &self->service);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);
  g_clear_object (&self->app);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_CONFLICTS_WINDOW);
  G_OBJECT_CLASS (tn_conflicts_window_parent_class)->dispose (object);
}

static void
tn_conflicts_window_class_init (TnConflictsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_conflicts_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-conflicts-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TnConflictsWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, TnConflictsWindow, conflicts_box);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_conflicts_window_init (TnConflictsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
tn_conflicts_window_present (GtkWindow     *parent,
                             TnApplication *app)
{
  TnConflictsWindow *self;
  gboolean created;

  g_return_if_fail (TN_IS_APPLICATION (app));

  self = TN_CONFLICTS_WINDOW (tn_manager_window_get (app, TN_TYPE_CONFLICTS_WINDOW,
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
  /* Typed at once: another value; the candidates are one click away. */
  if (self->first_entry != NULL)
    gtk_widget_grab_focus (self->first_entry);
}
