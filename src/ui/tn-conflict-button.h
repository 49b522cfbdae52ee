/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* The header bar's "Conflicts" button: visible only while the store has
 * open conflicts, with their number in the "Conflict count" label; it
 * opens the Conflicts window. */

#define TN_TYPE_CONFLICT_BUTTON (tn_conflict_button_get_type ())
G_DECLARE_FINAL_TYPE (TnConflictButton, tn_conflict_button, TN, CONFLICT_BUTTON, GtkWidget)

GtkWidget *tn_conflict_button_new     (TnApplication    *app);
/* Counts again (the count is one indexed query). */
void       tn_conflict_button_refresh (TnConflictButton *self);

G_END_DECLS
