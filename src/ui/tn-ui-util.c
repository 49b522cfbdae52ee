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
