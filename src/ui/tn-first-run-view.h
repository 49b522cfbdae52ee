/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"

G_BEGIN_DECLS

/* The first start of a lane: create a new store (store id, terminal,
 * optional demo catalogue, the first manager and PIN) or join one
 * (terminal, store id, store key, a peer's URL).  The store key goes to
 * the keyring, or to a 0600 file with a warning where there is none. */

#define TN_TYPE_FIRST_RUN_VIEW (tn_first_run_view_get_type ())
G_DECLARE_FINAL_TYPE (TnFirstRunView, tn_first_run_view, TN, FIRST_RUN_VIEW, GtkWidget)

GtkWidget *tn_first_run_view_new   (TnApplication  *app);
/* Puts the keyboard in the first field. */
void       tn_first_run_view_focus (TnFirstRunView *self);

/* Where the demo catalogue is: installed, or in the source tree when
 * running from the build directory.  NULL when neither exists. */
char      *tn_first_run_find_demo_catalog (void);

G_END_DECLS
