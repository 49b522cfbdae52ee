/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"

G_BEGIN_DECLS

/* Who is selling: a PIN entry and a pad.  Shown at start and whenever the
 * lane is locked. */

#define TN_TYPE_LOGIN_VIEW (tn_login_view_get_type ())
G_DECLARE_FINAL_TYPE (TnLoginView, tn_login_view, TN, LOGIN_VIEW, GtkWidget)

GtkWidget *tn_login_view_new   (TnApplication *app);
/* Clears the entry and puts the keyboard focus in it. */
void       tn_login_view_reset (TnLoginView   *self);

G_END_DECLS
