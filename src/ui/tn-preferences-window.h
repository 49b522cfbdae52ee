/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tn-application.h"

G_BEGIN_DECLS

/* The lane's settings: sync (port, peers, hub, maximum offline time) in
 * config.ini, the store key in the keyring, and the second currency and
 * its exchange rate in the store.  Only a manager may change them. */

#define TN_TYPE_PREFERENCES_WINDOW (tn_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TnPreferencesWindow, tn_preferences_window, TN, PREFERENCES_WINDOW,
                      GtkWindow)

void tn_preferences_window_present (GtkWindow     *parent,
                                    TnApplication *app);

G_END_DECLS
