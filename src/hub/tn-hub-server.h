/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Limits of the hub API. */
#define TN_HUB_MAX_BODY            (8 * 1024 * 1024)   /* after decompression */
#define TN_HUB_MAX_COMPRESSED_BODY (4 * 1024 * 1024)

#define TN_TYPE_HUB_SERVER (tn_hub_server_get_type ())
G_DECLARE_FINAL_TYPE (TnHubServer, tn_hub_server, TN, HUB_SERVER, GObject)

/* The HTTP API over PostgreSQL (@conninfo).  Requests are routed,
 * authenticated and size-checked on the main thread; their database work
 * runs on @n_workers threads, each with its own connection, and the
 * answer goes back through the main context. */
TnHubServer *tn_hub_server_new    (const char   *conninfo,
                                   guint         n_workers);

/* @address is HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080. */
gboolean     tn_hub_server_listen (TnHubServer  *self,
                                   const char   *address,
                                   GError      **error);

G_END_DECLS
