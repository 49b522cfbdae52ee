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

G_END_DECLS
