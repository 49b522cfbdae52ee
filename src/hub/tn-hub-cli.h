/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The whole `tendero-hub` command line: serve, migrate, keys create,
 * product set.  Returns the exit status. */
int tn_hub_cli_run (int    argc,
                    char **argv);

G_END_DECLS
