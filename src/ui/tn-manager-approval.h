/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-application.h"

G_BEGIN_DECLS

/* A modal "Manager Approval" window: a manager types their PIN to allow
 * @what (a void, a conflict resolution …).  The result is the approving
 * manager's employee id; Escape, closing the window or @cancellable end
 * it with G_IO_ERROR_CANCELLED. */

#define TN_TYPE_MANAGER_APPROVAL (tn_manager_approval_get_type ())
G_DECLARE_FINAL_TYPE (TnManagerApproval, tn_manager_approval, TN, MANAGER_APPROVAL, GtkWindow)

void  tn_manager_approval_request (GtkWindow            *parent,
                                   TnApplication        *app,
                                   const char           *what,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data);
char *tn_manager_approval_finish  (GAsyncResult         *result,
                                   GError              **error);

G_END_DECLS
