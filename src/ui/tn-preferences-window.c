/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>

#include "tn-application-private.h"
#include "tn-cloud-client.h"
#include "tn-error.h"
#include "tn-keyring.h"
#include "tn-money.h"
#include "tn-operations.h"
#include "tn-preferences-window.h"
#include "tn-queries.h"
#include "tn-sync-auth.h"
#include "tn-ui-util.h"

struct _TnPreferencesWindow
{
  GtkWindow      parent_instance;

  TnApplication *app;
  GCancellable  *cancellable;   /* keyring write in progress */
  /* The keys still to write, in this order, and the warnings so far. */
  char          *store_key;
  char          *hub_key;
  GString       *notes;
  GtkGrid       *grid;
  int            row;

  GtkEditable   *port_entry;
  GtkTextView   *peers_view;
  GtkEditable   *hub_entry;
  GtkSpinButton *offline_spin;
  GtkEditable   *key_entry;
  GtkEditable   *hub_key_entry;
  GtkEditable   *currency_entry;
  GtkEditable   *rate_entry;
  GtkSpinButton *decimals_spin;
  GtkLabel      *status_label;
  GtkWidget     *save_button;
};

G_DEFINE_FINAL_TYPE (TnPreferencesWindow, tn_preferences_window, GTK_TYPE_WINDOW)

static void
set_status (TnPreferencesWindow *self,
            const char          *text)
{
  tn_ui_label_set_text (self->status_label, text, _("Preferences status"));
}

static void
add_heading (TnPreferencesWindow *self,
             const char          *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, self->row > 0 ? 12 : 0);
  gtk_grid_attach (self->grid, label, 0, self->row++, 2, 1);
}

static GtkWidget *
add_row (TnPreferencesWindow *self,
         const char          *title,
         GtkWidget           *field)
{
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_set_hexpand (field, TRUE);
  if (GTK_IS_LABEL (field))
    gtk_label_set_xalign (GTK_LABEL (field), 0);
  if (!GTK_IS_LABEL (field))
    gtk_accessible_update_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    title, -1);
  gtk_grid_attach (self->grid, label, 0, self->row, 1, 1);
  gtk_grid_attach (self->grid, field, 1, self->row++, 1, 1);
  return field;
}

static GtkEditable *
add_entry (TnPreferencesWindow *self,
           const char          *title,
           const char          *text,
           gboolean             secret)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_visibility (GTK_ENTRY (entry), !secret);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), text != NULL ? text : "");
  return GTK_EDITABLE (add_row (self, title, entry));
}

static char *
text_of (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

static char **
read_peers (TnPreferencesWindow  *self,
            GError              **error)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->peers_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GStrvBuilder) peers = g_strv_builder_new ();

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *url = g_strstrip (lines[i]);

      if (*url == '\0')
        continue;
      if (!tn_config_validate_url (url, TRUE, error))
        return NULL;
      g_strv_builder_add (peers, url);
    }
  return g_strv_builder_end (peers);
}

/* Sync settings: checked whole, then written to config.ini, then the
 * sync service restarts with them. */
static gboolean
save_config (TnPreferencesWindow  *self,
             GError              **error)
{
  g_autoptr(TnConfig) config = tn_config_load (tn_application_get_data_dir (self->app), error);
  g_autofree char *port = text_of (self->port_entry);
  g_autofree char *hub = text_of (self->hub_entry);
  g_auto(GStrv) peers = NULL;
  char *end = NULL;
  gint64 port_value;

  if (config == NULL)
    return FALSE;
  port_value = g_ascii_strtoll (port, &end, 10);
  if (*port == '\0' || *end != '\0' || port_value < 1 || port_value > 65535)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a port: use a number from 1 to 65535"), port);
      return FALSE;
    }
  peers = read_peers (self, error);
  if (peers == NULL)
    return FALSE;
  if (*hub != '\0' && !tn_config_validate_url (hub, FALSE, error))
    return FALSE;

  config->port = (guint) port_value;
  g_strfreev (config->peers);
  config->peers = g_steal_pointer (&peers);
  g_free (config->hub_url);
  config->hub_url = *hub != '\0' ? g_strdup (hub) : NULL;
  config->max_offline_minutes = (guint) gtk_spin_button_get_value_as_int (self->offline_spin);
  if (!tn_config_save (config, error))
    return FALSE;
  return tn_application_reload_config (self->app, error);
}

/* The second currency: an empty code leaves the rates alone. */
static gboolean
save_rate (TnPreferencesWindow  *self,
           GError              **error)
{
  TnStore *store = tn_application_get_store (self->app);
  g_autofree char *currency = text_of (self->currency_entry);
  g_autofree char *rate_text = text_of (self->rate_entry);
  gint64 rate;

  if (*currency == '\0')
    return TRUE;
  g_strdelimit (rate_text, ",", '.');
  if (!tn_rate_parse (rate_text, &rate, error))
    return FALSE;
  if (!tn_store_set_exchange_rate (store, currency, rate,
                                   (guint) gtk_spin_button_get_value_as_int (self->decimals_spin),
                                   error))
    return FALSE;
  return tn_store_set_setting (store, "second-currency", currency, error);
}

static void store_next_key (TnPreferencesWindow *self);

static void
keys_done (TnPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *notes = NULL;

  g_clear_object (&self->cancellable);
  gtk_widget_set_sensitive (self->save_button, TRUE);
  notes = g_string_free (g_steal_pointer (&self->notes), FALSE);
  /* Sync restarts and looks the keys up again. */
  if (!tn_application_reload_config (self->app, &error))
    {
      set_status (self, error->message);
      return;
    }
  set_status (self, notes != NULL && *notes != '\0' ? notes : _("Saved."));
}

static void
on_key_stored (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TnPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) file_error = NULL;
  TnKeyringSecret secret = self->store_key != NULL ? TN_KEYRING_STORE_KEY : TN_KEYRING_HUB_KEY;
  char **slot = secret == TN_KEYRING_STORE_KEY ? &self->store_key : &self->hub_key;
  g_autofree char *key = g_steal_pointer (slot);
  const char *data_dir = tn_application_get_data_dir (self->app);
  g_autofree char *path = NULL;

  if (!tn_keyring_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      path = tn_keyring_write_key_file (secret, data_dir, key, &file_error);
      if (path == NULL)
        {
          g_clear_pointer (&self->hub_key, g_free);
          g_string_append (self->notes, file_error->message);
          keys_done (self);
          return;
        }
      g_string_append_printf (self->notes, secret == TN_KEYRING_HUB_KEY
                              ? _("Saved. There is no keyring (%s): the hub key is kept in "
                                  "%s, readable only by you. ")
                              : _("Saved. There is no keyring (%s): the store key is kept in "
                                  "%s, readable only by you. "),
                              error->message, path);
    }
  else if (secret == TN_KEYRING_HUB_KEY)
    {
      /* The fallback file comes before the keyring: an old one would hide
       * the key just saved. */
      path = tn_keyring_key_file_path (secret, data_dir);
      if (g_remove (path) != 0 && errno != ENOENT)
        g_string_append_printf (self->notes, _("Cannot remove the old hub key file %s: %s. "),
                                path, g_strerror (errno));
    }
  store_next_key (self);
}

/* The keys entered, one at a time: keyring (or the 0600 file). */
static void
store_next_key (TnPreferencesWindow *self)
{
  const TnConfig *config = tn_application_get_config (self->app);
  TnKeyringSecret secret = self->store_key != NULL ? TN_KEYRING_STORE_KEY : TN_KEYRING_HUB_KEY;
  const char *key = self->store_key != NULL ? self->store_key : self->hub_key;

  if (key == NULL)
    {
      keys_done (self);
      return;
    }
  set_status (self, secret == TN_KEYRING_HUB_KEY ? _("Saving the hub key…")
                                                 : _("Saving the store key…"));
  tn_keyring_store_async (secret, config->store_id, key, self->cancellable, on_key_stored,
                          g_object_ref (self));
}

static void
on_save_clicked (TnPreferencesWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = text_of (self->key_entry);
  g_autofree char *hub_key = text_of (self->hub_key_entry);
  const TnConfig *config;

  if (self->cancellable != NULL)
    return;
  if (*key != '\0' && strlen (key) < TN_SYNC_MIN_KEY_BYTES)
    {
      g_autofree char *text = g_strdup_printf (_("The store key is at least %d characters"),
                                               TN_SYNC_MIN_KEY_BYTES);
      set_status (self, text);
      return;
    }
  if (*hub_key != '\0' && !tn_cloud_validate_key (hub_key, &error))
    {
      set_status (self, error->message);
      return;
    }
  if (!save_rate (self, &error) || !save_config (self, &error))
    {
      set_status (self, error->message);
      return;
    }
  tn_application_notify_store_changed (self->app);
  if (*key == '\0' && *hub_key == '\0')
    {
      set_status (self, _("Saved."));
      return;
    }
  /* New keys: keyring (or the 0600 file), then sync restarts.  (Saving
   * reloaded the configuration: read it only now.) */
  config = tn_application_get_config (self->app);
  self->notes = g_string_new (NULL);
  if (*hub_key != '\0' && (config->hub_key_file != NULL || g_getenv ("TENDERO_HUB_KEY") != NULL))
    g_string_append_printf (self->notes, _("Note: this lane takes its hub key from %s first, "
                                           "not from the key saved here. "),
                            config->hub_key_file != NULL ? config->hub_key_file
                                                         : "TENDERO_HUB_KEY");
  self->store_key = *key != '\0' ? g_steal_pointer (&key) : NULL;
  self->hub_key = *hub_key != '\0' ? g_steal_pointer (&hub_key) : NULL;
  gtk_editable_set_text (self->key_entry, "");
  gtk_editable_set_text (self->hub_key_entry, "");
  gtk_widget_set_sensitive (self->save_button, FALSE);
  self->cancellable = g_cancellable_new ();
  store_next_key (self);
}

static void
build (TnPreferencesWindow *self)
{
  const TnConfig *config = tn_application_get_config (self->app);
  TnStore *store = tn_application_get_store (self->app);
  g_autofree char *peers = config->peers != NULL ? g_strjoinv ("\n", config->peers) : g_strdup ("");
  g_autofree char *port = g_strdup_printf ("%u", config->port);
  g_autofree char *second = tn_store_get_setting (store, "second-currency");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *scroller, *buttons, *cancel, *label;
  gboolean manager = tn_application_cashier_is_manager (self->app);

  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  self->grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (self->grid, 6);
  gtk_grid_set_column_spacing (self->grid, 12);
  gtk_widget_set_sensitive (GTK_WIDGET (self->grid), manager);

  add_heading (self, _("This lane"));
  add_row (self, _("Store"), gtk_label_new (tn_store_get_store_id (store)));
  /* The terminal is part of the store's identity and of its fiscal
   * documents: set once when the lane was created. */
  label = add_row (self, _("Terminal name"), gtk_label_new (tn_store_get_terminal (store)));
  gtk_widget_set_tooltip_text (label, _("Set when the lane was created; it is printed on every "
                                        "document"));

  add_heading (self, _("Sync"));
  self->port_entry = add_entry (self, _("Sync port"), port, FALSE);
  self->peers_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->peers_view), peers, -1);
  gtk_text_view_set_accepts_tab (self->peers_view, FALSE);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (self->peers_view));
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 60);
  gtk_widget_add_css_class (scroller, "frame");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->peers_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Peers"), -1);
  add_row (self, _("Peers (one URL a line)"), scroller);
  self->hub_entry = add_entry (self, _("Hub URL"), config->hub_url, FALSE);
  self->hub_key_entry = add_entry (self, _("Hub key"), NULL, TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->hub_key_entry),
                                  _("Leave empty to keep the current key"));
  self->offline_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (1, 60 * 24 * 30, 1));
  gtk_spin_button_set_value (self->offline_spin, config->max_offline_minutes);
  add_row (self, _("Maximum offline time (minutes)"), GTK_WIDGET (self->offline_spin));
  self->key_entry = add_entry (self, _("Store key"), NULL, TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->key_entry),
                                  _("Leave empty to keep the current key"));

  add_heading (self, _("Currencies"));
  add_row (self, _("Base currency"), gtk_label_new (tn_store_get_currency (store)));
  self->currency_entry = add_entry (self, _("Second currency"), second, FALSE);
  self->rate_entry = add_entry (self, _("Exchange rate (base units per unit)"), NULL, FALSE);
  self->decimals_spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (0, 4, 1));
  gtk_spin_button_set_value (self->decimals_spin,
                             second != NULL ? tn_store_get_currency_decimals (store, second) : 2);
  add_row (self, _("Second currency decimals"), GTK_WIDGET (self->decimals_spin));

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->grid));
  self->status_label = GTK_LABEL (gtk_label_new (manager ? NULL
                                                 : _("Only a manager can change the "
                                                     "preferences: lock and log in as one.")));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_max_width_chars (self->status_label, 50);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status_label));

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  cancel = gtk_button_new_with_label (_("Close"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  self->save_button = gtk_button_new_with_label (_("Save"));
  gtk_widget_add_css_class (self->save_button, "suggested-action");
  gtk_widget_set_sensitive (self->save_button, manager);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (on_save_clicked), self);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), self->save_button);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->save_button);
}

static void
tn_preferences_window_dispose (GObject *object)
{
  TnPreferencesWindow *self = TN_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->store_key, g_free);
  g_clear_pointer (&self->hub_key, g_free);
  if (self->notes != NULL)
    g_string_free (g_steal_pointer (&self->notes), TRUE);
  g_clear_object (&self->app);
  G_OBJECT_CLASS (tn_preferences_window_parent_class)->dispose (object);
}

static void
tn_preferences_window_class_init (TnPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_preferences_window_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
tn_preferences_window_init (TnPreferencesWindow *self)
{
  gtk_window_set_title (GTK_WINDOW (self), _("Preferences"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, -1);
}

void
tn_preferences_window_present (GtkWindow     *parent,
                               TnApplication *app)
{
  TnPreferencesWindow *self;

  g_return_if_fail (TN_IS_APPLICATION (app));
  /* Nothing to set before the first run made the lane. */
  if (tn_application_get_store (app) == NULL || tn_application_get_config (app) == NULL)
    return;
  self = g_object_new (TN_TYPE_PREFERENCES_WINDOW, "transient-for", parent,
                       "application", app, NULL);
  self->app = g_object_ref (app);
  build (self);
  gtk_window_present (GTK_WINDOW (self));
}
