/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* GTK 4.8 replaces a label's accessible name with its text on every
 * set_text, and tests (and screen readers) find the figures by name
 * ("Total", "Change"): set the text, then the name again. */
void tn_ui_label_set_text (GtkLabel   *label,
                           const char *text,
                           const char *accessible_name);

/* Appends a column titled @title to @view.  Its cells come from a
 * signal factory whose "setup", "bind" and (unless NULL) "unbind"
 * handlers get @user_data; the factory carries @column as its "column"
 * data, for handlers that serve several columns. */
void tn_ui_column_view_append (GtkColumnView *view,
                               const char    *title,
                               gboolean       expand,
                               int            column,
                               GCallback      setup,
                               GCallback      bind,
                               GCallback      unbind,
                               gpointer       user_data);

G_END_DECLS
