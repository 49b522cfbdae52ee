/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-event.h"
#include "tn-version-vector.h"

G_BEGIN_DECLS

/* The lane-to-lane wire protocol (DESIGN §4): one JSON object per text
 * frame, told apart by its "type" member.  This file only turns frames
 * into validated structs and back; it knows nothing of sockets. */

#define TN_SYNC_PROTO_VERSION       1
#define TN_SYNC_MAX_FRAME           (4 * 1024 * 1024)
/* What a connection reads of one message, before and after inflating.
 * Between the two limits a frame still reaches the decoder, which
 * answers it with an error and 1009 (DESIGN §4); past this one the
 * connection is closed with 1009 unread. */
#define TN_SYNC_MAX_WIRE_MESSAGE    (2 * TN_SYNC_MAX_FRAME)
/* An events batch: at most this many events and this many bytes.  The
 * batcher holds the whole frame to it; a receiver counts the canonical
 * bytes of the events (the sender may have added whitespace). */
#define TN_SYNC_MAX_BATCH_EVENTS    512
#define TN_SYNC_MAX_BATCH_BYTES     (512 * 1024)
/* The same bound tn_event_from_json () puts on one record. */
#define TN_SYNC_MAX_EVENT_BYTES     (TN_EVENT_MAX_PAYLOAD + 64 * 1024)
#define TN_SYNC_BUCKETS             256
#define TN_SYNC_MAX_INVENTORY_SKUS  1000
#define TN_SYNC_MAX_ERROR_MESSAGE   1024

/* WebSocket close codes (RFC 6455 §7.4) the sync connection uses. */
typedef enum
{
  TN_SYNC_CLOSE_NORMAL    = 1000,
  TN_SYNC_CLOSE_GOING_AWAY = 1001, /* shutting down, or the peer stopped answering */
  TN_SYNC_CLOSE_INVALID   = 1007,  /* malformed frame or bad event */
  TN_SYNC_CLOSE_POLICY    = 1008,  /* a message type we do not speak */
  TN_SYNC_CLOSE_TOO_LARGE = 1009,
  TN_SYNC_CLOSE_INTERNAL  = 1011,  /* our fault: database, disk … */
  TN_SYNC_CLOSE_AUTH      = 4401,  /* wrong store or wrong key */
  TN_SYNC_CLOSE_SUPERSEDED = 4409, /* another session with the same lane carries the sync */
} TnSyncCloseCode;

typedef enum
{
  TN_SYNC_MESSAGE_HELLO,
  TN_SYNC_MESSAGE_WELCOME,
  TN_SYNC_MESSAGE_EVENTS,
  TN_SYNC_MESSAGE_ACK,
  TN_SYNC_MESSAGE_DIGEST,
  TN_SYNC_MESSAGE_BUCKETS_REQUEST,
  TN_SYNC_MESSAGE_BUCKETS,
  TN_SYNC_MESSAGE_FISCAL_BLOCK_REQUEST,
  TN_SYNC_MESSAGE_INVENTORY_REQUEST,
  TN_SYNC_MESSAGE_INVENTORY_RESPONSE,
  TN_SYNC_MESSAGE_ERROR,
  TN_SYNC_MESSAGE_N_TYPES
} TnSyncMessageType;

typedef struct
{
  char  *sku;
  gint64 qty;            /* thousandths, may be negative (oversold); |qty| ≤ 10^15 */
} TnSyncInventoryItem;

/* A decoded, validated message.  Only the fields of its type are set;
 * the others are NULL or 0. */
typedef struct
{
  TnSyncMessageType type;

  /* hello */
  gint64            proto;
  char             *store;
  char             *replica;       /* UUID */
  char             *nonce;         /* 64 lowercase hex */
  /* hello and fiscal_block_request */
  char             *terminal;
  /* hello (client side only, else NULL) and welcome */
  char             *mac;           /* 64 lowercase hex */
  /* hello, ack, digest, buckets_request, buckets */
  TnVersionVector  *vv;
  /* digest */
  char             *state_hash;    /* 64 lowercase hex */
  /* buckets: TN_SYNC_BUCKETS strings of 64 lowercase hex, NULL-terminated */
  GStrv             buckets;
  /* events: TnEvent *, validated against the expected store */
  GPtrArray        *events;
  /* fiscal_block_request */
  char             *device;        /* UUID */
  /* inventory_request: NULL-terminated, or NULL for "every SKU" */
  GStrv             skus;
  /* inventory_response: TnSyncInventoryItem */
  GArray           *items;
  /* error */
  gint              code;
  char             *message;
} TnSyncMessage;

const char    *tn_sync_message_type_to_string (TnSyncMessageType  type);

/* Decodes and validates one frame: the size limit before parsing,
 * strict JSON, the type, every member (unknown ones are refused), and
 * for "events" every event with tn_event_from_node ().  @expected_store
 * (may be NULL) is the store a "hello" and every event must belong to.
 * Errors are TN_ERROR codes that tn_sync_close_code_for_error () maps
 * to a close code; the message names the field or event that is wrong. */
TnSyncMessage *tn_sync_message_decode      (const char           *text,
                                            gsize                 length,
                                            const char           *expected_store,
                                            GError              **error);
void           tn_sync_message_free        (TnSyncMessage        *message);

/* Encodes any decoded message again (an events message that fits one
 * batch, as every decoded one does). */
char          *tn_sync_message_encode      (const TnSyncMessage  *message);

/* Encoders: compact JSON text for one frame (transfer full).  Arguments
 * are ours, not a peer's, so a bad one is a programming error. */
char          *tn_sync_encode_hello        (const char             *store,
                                            const char             *replica,
                                            const char             *terminal,
                                            const char             *nonce,
                                            const TnVersionVector  *vv,
                                            const char             *mac);
char          *tn_sync_encode_welcome      (const char             *mac);
char          *tn_sync_encode_ack          (const TnVersionVector  *vv);
char          *tn_sync_encode_digest       (const TnVersionVector  *vv,
                                            const char             *state_hash);
char          *tn_sync_encode_buckets_request (const TnVersionVector *vv);
/* @buckets: TN_SYNC_BUCKETS strings. */
char          *tn_sync_encode_buckets      (const TnVersionVector  *vv,
                                            const char * const     *buckets);
char          *tn_sync_encode_fiscal_block_request (const char     *device,
                                                    const char     *terminal);
/* @skus: NULL-terminated, or NULL to ask for every SKU. */
char          *tn_sync_encode_inventory_request (const char * const *skus);
char          *tn_sync_encode_inventory_response (const TnSyncInventoryItem *items,
                                                  gsize                      n_items);
/* @message is cut to TN_SYNC_MAX_ERROR_MESSAGE bytes (on a character
 * boundary) and made valid UTF-8. */
char          *tn_sync_encode_error        (guint16                 code,
                                            const char             *message);
/* The error frame that goes before closing with
 * tn_sync_close_code_for_error (@error). */
char          *tn_sync_encode_error_from_gerror (const GError      *error);

/* Packs canonical event records (char *, e.g. from
 * tn_store_read_events ()) into "events" frames of at most
 * TN_SYNC_MAX_BATCH_EVENTS events and TN_SYNC_MAX_BATCH_BYTES of frame
 * text, keeping their order, without parsing them again.  A record
 * larger than the byte limit on its own (the receiver will refuse it)
 * gets a frame of its own rather than being dropped.  Returns the frames
 * (char *, transfer full). */
GPtrArray     *tn_sync_encode_event_batches (GPtrArray             *canonical_bodies);

/* The WebSocket close code for a failure (1000 for NULL). */
guint16        tn_sync_close_code_for_error (const GError          *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnSyncMessage, tn_sync_message_free)

G_END_DECLS
