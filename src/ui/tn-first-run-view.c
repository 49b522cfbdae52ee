/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "tn-application-private.h"
#include "tn-catalog-import.h"
#include "tn-error.h"
#include "tn-first-run-view.h"
#include "tn-keyring.h"
#include "tn-lane-setup.h"
#include "tn-operations.h"
#include "tn-pin.h"
#include "tn-sync-auth.h"
#include "tn-ui-util.h"

enum {
  FOR_CREATE = 1 << 0,
  FOR_JOIN   = 1 << 1,
  FOR_BOTH   = FOR_CREATE | FOR_JOIN,
};

struct _TnFirstRunView
{
  GtkWidget        parent_instance;

  TnApplication   *app;
  GCancellable    *cancellable;     /* the keyring write in progress */
  GPtrArray       *rows;            /* Row* */

  GtkToggleButton *create_toggle;
  GtkToggleButton *join_toggle;
  GtkGrid         *form;
  GtkLabel        *status_label;
  GtkButton       *go_button;

  GtkEditable     *store_entry;
  GtkEditable     *terminal_entry;
  GtkEditable     *currency_entry;
  GtkCheckButton  *demo_check;
  GtkEditable     *manager_name_entry;
  GtkEditable     *manager_pin_entry;
  GtkEditable     *key_entry;
  GtkEditable     *peer_entry;
  GtkEditable     *port_entry;

  /* Set when the key is being stored, used once it is. */
  char            *key;
  gboolean         creating;
};

typedef struct
{
  GtkWidget *label;
  GtkWidget *field;
  guint      modes;
} Row;

G_DEFINE_FINAL_TYPE (TnFirstRunView, tn_first_run_view, GTK_TYPE_WIDGET)

static void
set_status (TnFirstRunView *self,
            const char     *text,
            gboolean        is_error)
{
  tn_ui_label_set_text (self->status_label, text, _("Setup status"));
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static GtkWidget *
add_row (TnFirstRunView *self,
         const char     *title,
         GtkWidget      *field,
         guint           modes)
{
  Row *row = g_new0 (Row, 1);
  int index = self->rows->len;

  row->label = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (row->label), 1);
  row->field = field;
  row->modes = modes;
  gtk_widget_set_hexpand (field, TRUE);
  if (!GTK_IS_CHECK_BUTTON (field))
    gtk_accessible_update_property (GTK_ACCESSIBLE (field), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    title, -1);
  gtk_grid_attach (self->form, row->label, 0, index, 1, 1);
  gtk_grid_attach (self->form, field, 1, index, 1, 1);
  g_ptr_array_add (self->rows, row);
  return field;
}

static GtkEditable *
add_entry (TnFirstRunView *self,
           const char     *title,
           const char     *initial,
           gboolean        secret,
           guint           modes)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_visibility (GTK_ENTRY (entry), !secret);
  if (initial != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), initial);
  g_signal_connect_swapped (entry, "activate", G_CALLBACK (gtk_widget_activate), self->go_button);
  return GTK_EDITABLE (add_row (self, title, entry, modes));
}

static gboolean
creating (TnFirstRunView *self)
{
  return gtk_toggle_button_get_active (self->create_toggle);
}

static void
on_mode_toggled (TnFirstRunView *self)
{
  guint mode = creating (self) ? FOR_CREATE : FOR_JOIN;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      gtk_widget_set_visible (row->label, (row->modes & mode) != 0);
      gtk_widget_set_visible (row->field, (row->modes & mode) != 0);
    }
  gtk_button_set_label (self->go_button, creating (self) ? _("Create Store") : _("Join Store"));
  set_status (self, NULL, FALSE);
}

static char *
text_of (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

/* Every field checked before anything is written. */
static gboolean
validate (TnFirstRunView  *self,
          guint           *out_port,
          GError         **error)
{
  g_autofree char *store = text_of (self->store_entry);
  g_autofree char *terminal = text_of (self->terminal_entry);
  g_autofree char *port = text_of (self->port_entry);
  char *end = NULL;
  gint64 port_value;

  if (*store == '\0' || *terminal == '\0')
    {
      g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                           _("Give the store’s ID and this terminal’s name"));
      return FALSE;
    }
  port_value = g_ascii_strtoll (port, &end, 10);
  if (*port == '\0' || *end != '\0' || port_value < 1 || port_value > 65535)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                   _("“%s” is not a port: use a number from 1 to 65535"), port);
      return FALSE;
    }
  *out_port = (guint) port_value;

  if (creating (self))
    {
      g_autofree char *name = text_of (self->manager_name_entry);
      g_autofree char *currency = text_of (self->currency_entry);

      if (*name == '\0')
        {
          g_set_error_literal (error, TN_ERROR, TN_ERROR_INVALID,
                               _("Give the first manager’s name"));
          return FALSE;
        }
      if (strlen (currency) != 3 || !g_ascii_isupper (currency[0]) ||
          !g_ascii_isupper (currency[1]) || !g_ascii_isupper (currency[2]))
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("“%s” is not a currency code: use three capital letters, like USD"),
                       currency);
          return FALSE;
        }
      return tn_pin_validate (gtk_editable_get_text (self->manager_pin_entry), error);
    }
  else
    {
      g_autofree char *key = text_of (self->key_entry);
      g_autofree char *peer = text_of (self->peer_entry);

      if (strlen (key) < TN_SYNC_MIN_KEY_BYTES)
        {
          g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
                       _("The store key is at least %d characters: copy it from another "
                         "lane’s preferences"), TN_SYNC_MIN_KEY_BYTES);
          return FALSE;
        }
      return tn_config_validate_url (peer, TRUE, error);
    }
}

char *
tn_first_run_find_demo_catalog (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, "demo-catalog.csv", NULL);
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, "demo-catalog.csv", NULL);

  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  if (g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&source);
  return NULL;
}

/* The lane exists; a new store gets its first manager and maybe the
 * demo catalogue on this connection, then the application opens it. */
static gboolean
populate_new_store (TnFirstRunView  *self,
                    GError         **error)
{
  const char *data_dir = tn_application_get_data_dir (self->app);
  g_autofree char *db_path = tn_config_db_path (data_dir);
  g_autoptr(TnStore) store = tn_store_open (db_path, TN_STORE_FLAGS_NONE, error);
  g_autofree char *name = text_of (self->manager_name_entry);
  g_autofree char *employee = NULL;

  if (store == NULL)
    return FALSE;
  employee = tn_store_add_employee (store, name, gtk_editable_get_text (self->manager_pin_entry),
                                    TRUE, error);
  if (employee == NULL)
    return FALSE;
  if (gtk_check_button_get_active (self->demo_check))
    {
      g_autofree char *catalog = tn_first_run_find_demo_catalog ();
      TnImportResult result;

      if (catalog == NULL)
        {
          g_set_error_literal (error, TN_ERROR, TN_ERROR_NOT_FOUND,
                               _("The demo catalogue is not installed; the store was created "
                                 "without it"));
          return FALSE;
        }
      if (!tn_catalog_import_file (store, catalog, &result, error))
        return FALSE;
    }
  return TRUE;
}

static void
finish_setup (TnFirstRunView *self,
              const char     *key_file,
              const char     *warning)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *store = text_of (self->store_entry);
  g_autofree char *terminal = text_of (self->terminal_entry);
  g_autofree char *currency = text_of (self->currency_entry);
  g_autofree char *peer = text_of (self->peer_entry);
  const char *peers[] = { peer, NULL };
  guint port = 0;
  gboolean populated = TRUE;
  TnLaneSetup setup = { 0 };

  gtk_widget_set_sensitive (GTK_WIDGET (self->go_button), TRUE);
  if (!validate (self, &port, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  setup.store_id = store;
  setup.terminal = terminal;
  setup.port = port;
  setup.peers = self->creating ? NULL : peers;
  /* The lane that starts a store hands out fiscal numbers until a hub
   * does. */
  setup.fiscal_authority = self->creating;
  setup.store_key_file = key_file;
  setup.currency = self->creating ? currency : NULL;
  setup.decimals = 2;

  if (!tn_lane_setup_create (tn_application_get_data_dir (self->app), &setup, NULL, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  if (self->creating && !populate_new_store (self, &error))
    {
      populated = FALSE;
      set_status (self, error->message, TRUE);
    }
  if (!tn_application_open_lane (self->app, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  if (populated)
    set_status (self, warning, warning != NULL);
}

static void
on_key_stored (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TnFirstRunView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) file_error = NULL;
  g_autofree char *key_file = NULL;
  g_autofree char *warning = NULL;

  if (!tn_keyring_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      key_file = tn_keyring_write_key_file (TN_KEYRING_STORE_KEY,
                                            tn_application_get_data_dir (self->app), self->key,
                                            &file_error);
      if (key_file == NULL)
        {
          g_clear_object (&self->cancellable);
          gtk_widget_set_sensitive (GTK_WIDGET (self->go_button), TRUE);
          set_status (self, file_error->message, TRUE);
          return;
        }
      warning = g_strdup_printf (_("There is no keyring (%s): the store key is kept in %s, "
                                   "readable only by you. Keep this computer’s account "
                                   "private."), error->message, key_file);
      g_message ("%s", warning);
    }
  g_clear_object (&self->cancellable);
  finish_setup (self, key_file, warning);
}

static void
on_go_clicked (TnFirstRunView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *store = NULL;
  guint port;

  if (self->cancellable != NULL)
    return;
  if (!validate (self, &port, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  self->creating = creating (self);
  g_free (self->key);
  self->key = self->creating ? tn_keyring_generate_key () : text_of (self->key_entry);
  store = text_of (self->store_entry);
  /* Refuse an occupied directory before the key goes anywhere. */
  if (!tn_lane_setup_check_free (tn_application_get_data_dir (self->app), &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  set_status (self, _("Saving the store key…"), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->go_button), FALSE);
  self->cancellable = g_cancellable_new ();
  tn_keyring_store_async (TN_KEYRING_STORE_KEY, store, self->key, self->cancellable,
                          on_key_stored,
                          g_object_ref (self));
}

static void
tn_first_run_view_dispose (GObject *object)
{
  TnFirstRunView *self = TN_FIRST_RUN_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TN_TYPE_FIRST_RUN_VIEW);
  /* The template's top box has no id: unparent it here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (tn_first_run_view_parent_class)->dispose (object);
}

static void
tn_first_run_view_finalize (GObject *object)
{
  TnFirstRunView *self = TN_FIRST_RUN_VIEW (object);

  g_ptr_array_unref (self->rows);
  if (self->key != NULL)
    memset (self->key, 0, strlen (self->key));
  g_free (self->key);
  G_OBJECT_CLASS (tn_first_run_view_parent_class)->finalize (object);
}

static void
tn_first_run_view_class_init (TnFirstRunViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tn_first_run_view_dispose;
  object_class->finalize = tn_first_run_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/tendero/Tendero/tn-first-run-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TnFirstRunView, create_toggle);
  gtk_widget_class_bind_template_child (widget_class, TnFirstRunView, join_toggle);
  gtk_widget_class_bind_template_child (widget_class, TnFirstRunView, form);
  gtk_widget_class_bind_template_child (widget_class, TnFirstRunView, status_label);
  gtk_widget_class_bind_template_child (widget_class, TnFirstRunView, go_button);
  gtk_widget_class_bind_template_callback (widget_class, on_mode_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_go_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tn_first_run_view_init (TnFirstRunView *self)
{
  const char *user = g_get_real_name ();

  self->rows = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->store_entry = add_entry (self, _("Store ID"), NULL, FALSE, FOR_BOTH);
  self->terminal_entry = add_entry (self, _("Terminal name"), "L1", FALSE, FOR_BOTH);
  self->currency_entry = add_entry (self, _("Base currency"), "USD", FALSE, FOR_CREATE);
  self->manager_name_entry = add_entry (self, _("Manager name"),
                                        user != NULL && g_strcmp0 (user, "Unknown") != 0
                                        ? user : NULL, FALSE, FOR_CREATE);
  self->manager_pin_entry = add_entry (self, _("Manager PIN"), NULL, TRUE, FOR_CREATE);
  self->key_entry = add_entry (self, _("Store key"), NULL, TRUE, FOR_JOIN);
  self->peer_entry = add_entry (self, _("Peer URL"), "ws://", FALSE, FOR_JOIN);
  self->port_entry = add_entry (self, _("Sync port"), "8123", FALSE, FOR_BOTH);
  self->demo_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (
                                         _("Load the demo catalogue")));
  add_row (self, "", GTK_WIDGET (self->demo_check), FOR_CREATE);
  on_mode_toggled (self);
}

GtkWidget *
tn_first_run_view_new (TnApplication *app)
{
  TnFirstRunView *self;

  g_return_val_if_fail (TN_IS_APPLICATION (app), NULL);
  self = g_object_new (TN_TYPE_FIRST_RUN_VIEW, NULL);
  self->app = app;
  return GTK_WIDGET (self);
}

void
tn_first_run_view_focus (TnFirstRunView *self)
{
  g_return_if_fail (TN_IS_FIRST_RUN_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->store_entry));
}
