/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tn-ui-util.h"

void
tn_ui_label_set_text (GtkLabel   *label,
                      const char *text,
                      const char *accessible_name)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_name, -1);
}

void
tn_ui_column_view_append (GtkColumnView *view,
                          const char    *title,
                          gboolean       expand,
                          int            column,
                          GCallback      setup,
                          GCallback      bind,
                          GCallback      unbind,
                          gpointer       user_data)
{
  GtkListItemFactory *factory;
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_return_if_fail (GTK_IS_COLUMN_VIEW (view));

  factory = gtk_signal_list_item_factory_new ();
  g_object_set_data (G_OBJECT (factory), "column", GINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", setup, user_data);
  g_signal_connect (factory, "bind", bind, user_data);
  if (unbind != NULL)
    g_signal_connect (factory, "unbind", unbind, user_data);
  /* Takes the factory. */
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_append_column (view, view_column);
}
