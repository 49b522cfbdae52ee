/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "tn-lane-harness.h"

G_BEGIN_DECLS

/* A raw WebSocket client against a real lane, for tests that speak the
 * sync protocol (tn-sync-protocol.h) badly on purpose.  It runs on the
 * thread-default main context of the thread that opens it. */

typedef struct
{
  GMainContext            *context;    /* the test's, pushed as thread default */
  SoupSession             *session;
  SoupWebsocketConnection *connection;
  GError                  *error;
  gboolean                 connected;
  GQueue                   messages;   /* char * */
  gboolean                 closed;
  gint64                   started_at;        /* monotonic µs */
  gint64                   first_message_at;
} TnWsClient;

/* Starts connecting to @lane from @local_address (NULL: any). */
TnWsClient *tn_ws_client_open_async (TnLane         *lane,
                                     const char     *local_address);
/* The same, waiting (up to 10 s) for the connection, asserting success. */
TnWsClient *tn_ws_client_open       (TnLane         *lane,
                                     const char     *local_address);
/* The same, offering permessage-deflate with libsoup's own extension as
 * older lanes do; libsoup 3.2 with one more added offers it twice.
 * Asserts that the lane accepted exactly one offer. */
TnWsClient *tn_ws_client_open_deflate (TnLane       *lane);
/* Iterates @context until *@flag or @timeout_ms passed. */
gboolean    tn_ws_iterate_until     (GMainContext   *context,
                                     const gboolean *flag,
                                     guint           timeout_ms);
/* The next frame's text, or NULL if the connection closed first or
 * nothing came within @timeout_ms. */
char       *tn_ws_client_next       (TnWsClient     *client,
                                     guint           timeout_ms);
/* The close code the lane sent, after waiting (up to 10 s) for the close. */
guint16     tn_ws_client_close_code (TnWsClient     *client);
/* Waits for the lane's hello and answers it as a new lane of store
 * @store (terminal X9) with a MAC made with @key_file's key; with
 * @expect_welcome, asserts the lane welcomed us.  @sent_hello (may be
 * NULL) receives the frame we sent, to replay it.  Returns FALSE if no
 * hello came (the lane refused us). */
gboolean    tn_ws_client_handshake  (TnWsClient     *client,
                                     const char     *key_file,
                                     const char     *store,
                                     gboolean        expect_welcome,
                                     char          **sent_hello);
/* The same as the lane replica @replica (to come back as the same peer). */
gboolean    tn_ws_client_handshake_as (TnWsClient   *client,
                                       const char   *key_file,
                                       const char   *store,
                                       const char   *replica,
                                       gboolean      expect_welcome,
                                       char        **sent_hello);
/* Writes @count text frames of @text (at most 125 bytes) in one write
 * on the socket, under libsoup: a peer flooding the lane. */
void        tn_ws_client_send_burst (TnWsClient     *client,
                                     const char     *text,
                                     guint           count);
void        tn_ws_client_free       (TnWsClient     *client);

/* The canonical texts of the events of a new lane @terminal of store
 * @store_id (in @root/<store_id>-<terminal>, one product added): events
 * no running lane has seen. */
GPtrArray  *tn_ws_unseen_events     (const char     *root,
                                     const char     *key_file,
                                     const char     *store_id,
                                     const char     *terminal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnWsClient, tn_ws_client_free)

G_END_DECLS
