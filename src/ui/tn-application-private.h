/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* What the main window's views (login, first run, preferences) need
 * beyond the shared contract in tn-application.h. */

/* Checks @pin (PBKDF2 per employee: a worker thread with its own
 * connection does it) and makes its employee the cashier; FALSE with an
 * error a cashier can act on otherwise (the lane stays locked). */
void      tn_application_log_in_async    (TnApplication       *self,
                                          const char          *pin,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean  tn_application_log_in_finish   (TnApplication       *self,
                                          GAsyncResult        *result,
                                          GError             **error);
/* (Re)loads config.ini and opens the store of the data directory: after
 * the first run created it, or at startup.  Starts the sync service once
 * the store key is known. */
gboolean  tn_application_open_lane       (TnApplication  *self,
                                          GError        **error);
/* After the preferences changed config.ini: reload it and restart the
 * sync service with the new settings. */
gboolean  tn_application_reload_config   (TnApplication  *self,
                                          GError        **error);
/* A problem the window should show (no store key, sync failed); NULL
 * when there is none.  Notified as "problem". */
const char *tn_application_get_problem   (TnApplication  *self);

G_END_DECLS
