/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-hub-db.h"

G_BEGIN_DECLS

/* POST /v1/stores/{store}/fiscal/blocks: grants the next block of the
 * store's fiscal numbers to @terminal (a lane's terminal name, e.g. L2)
 * as a FiscalBlockGranted event of the hub replica.  The event's
 * "device" must be the lane's replica id (that is how a lane knows the
 * block is its own): @replica when the lane sends it, otherwise the
 * replica the hub has seen selling or opening cash sessions as
 * @terminal.  Returns {"event": …}. */
char *tn_hub_fiscal_grant (TnHubDb     *db,
                           const char  *store,
                           const char  *terminal,
                           const char  *replica,
                           GError     **error);

G_END_DECLS
