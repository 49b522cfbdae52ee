/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "tn-application.h"
#include "tn-operations.h"
#include "tn-store.h"

G_BEGIN_DECLS

/* Small helpers the manager screens share: money and times as people
 * read them, inline error labels, and one window per screen. */

/* "USD 12.50" in @currency's decimals (NULL: the base currency). */
char     *tn_manager_format_money     (TnStore     *store,
                                       gint64       minor,
                                       const char  *currency);
/* The local wall-clock time of @ms (since the Unix epoch) with a
 * g_date_time_format () @format; "—" for 0. */
char     *tn_manager_format_ms        (gint64       ms,
                                       const char  *format);
/* "just now", "5 s ago", "3 min ago", "2 h ago"; "never" for 0. */
char     *tn_manager_format_ago       (gint64       ms,
                                       gint64       now_ms);
/* Local midnight of today, as an HLC (for "the day's sales"). */
gint64    tn_manager_today_start_hlc  (void);

/* "Cash", "Card", "Transfer"; an unknown method as it is. */
const char *tn_manager_method_name    (const char  *method);

/* The Z report as plain text, one figure per line (aligned for a
 * monospace font): number, terminal, sales and voids, totals per payment
 * method and currency, float, cash in/out, expected, counted, variance. */
char     *tn_manager_z_report_text    (TnStore         *store,
                                       const TnZReport *report);

/* The hub (cloud) state the sync worker reports, one member a line
 * after "Hub: @hub_url": known members under translated names, times
 * (last_*, *_at, *_ms) as local times; objects and nulls are left out. */
char     *tn_manager_cloud_state_text (JsonObject  *cloud,
                                       const char  *hub_url);

/* Loads the manager screens' style sheet (tn-manager.css) into @display
 * once. */
void      tn_manager_load_css         (GdkDisplay  *display);

/* Each manager screen is one window per application: the open window of
 * @type, or a new one (*@created set) that loads the style sheet, is
 * forgotten when destroyed and calls @refresh (with the window) when the
 * store changes. */
GtkWindow *tn_manager_window_get      (TnApplication *app,
                                       GType          type,
                                       GCallback      refresh,
                                       gboolean      *created);

/* Shows @message in @label (an inline error), or hides the label for NULL. */
void      tn_manager_show_error       (GtkLabel    *label,
                                       const char  *message);

G_END_DECLS
