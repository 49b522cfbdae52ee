/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A small TCP server (a relay, an echo) on a loopback port of its own,
 * served by a thread with its own main context, so that the test thread
 * may block on sockets while it answers. */
typedef struct _TnTestServer TnTestServer;

/* @incoming_cb is a GSocketService::incoming handler; it runs on the
 * server's thread with @user_data. */
TnTestServer *tn_test_server_start    (const char    *name,
                                       GCallback      incoming_cb,
                                       gpointer       user_data);
guint         tn_test_server_get_port (TnTestServer  *self);
/* Stops listening, runs what is pending and joins the thread. */
void          tn_test_server_stop     (TnTestServer  *self);

G_END_DECLS
