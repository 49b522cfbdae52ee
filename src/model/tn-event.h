/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-hlc.h"
#include "tn-version-vector.h"

G_BEGIN_DECLS

#define TN_EVENT_MAX_PAYLOAD (256 * 1024)

typedef enum
{
  TN_EVENT_SALE_CREATED,
  TN_EVENT_SALE_VOIDED,
  TN_EVENT_STOCK_ADJUSTED,
  TN_EVENT_STOCK_RECEIVED,
  TN_EVENT_PRODUCT_CREATED,
  TN_EVENT_PRODUCT_UPDATED,
  TN_EVENT_CUSTOMER_UPSERTED,
  TN_EVENT_DEBT_CHARGED,
  TN_EVENT_DEBT_PAID,
  TN_EVENT_CASH_SESSION_OPENED,
  TN_EVENT_CASH_MOVED,
  TN_EVENT_CASH_SESSION_CLOSED,
  TN_EVENT_FISCAL_BLOCK_GRANTED,
  TN_EVENT_CONFLICT_RESOLVED,
  TN_EVENT_EXCHANGE_RATE_SET,
  TN_EVENT_EMPLOYEE_UPSERTED,
  TN_EVENT_N_TYPES
} TnEventType;

const char *tn_event_type_to_string   (TnEventType  type);
gboolean    tn_event_type_from_string (const char  *name,
                                       TnEventType *out);

/* One immutable event (DESIGN §2).  @canonical is the RFC 8785 form of
 * the whole record including its hash: what is stored and sent. */
typedef struct
{
  char            *event_id;
  char            *store;
  char            *origin;
  gint64           seq;
  TnEventType      type;
  TnHlc            hlc;
  TnVersionVector *deps;
  TnJsonDoc       *doc;          /* holds @payload, often with the rest of its batch */
  const TnJsonValue *payload;    /* an object */
  char            *hash;         /* 64 lowercase hex */
  char            *canonical;
} TnEvent;

/* Builds, hashes and validates a new event.  Takes ownership of
 * @payload and @deps. */
TnEvent    *tn_event_new              (const char       *store,
                                       const char       *origin,
                                       gint64            seq,
                                       TnEventType       type,
                                       TnHlc             hlc,
                                       TnVersionVector  *deps,
                                       JsonNode         *payload,
                                       GError          **error);

/* Parses and validates an event from the wire or the log: every field,
 * the payload schema of its type, integers for money and quantities,
 * the size limit, and the hash.  @expected_store may be NULL. */
TnEvent    *tn_event_from_json        (const char       *text,
                                       gssize            length,
                                       const char       *expected_store,
                                       GError          **error);
TnEvent    *tn_event_from_node        (JsonNode         *node,
                                       const char       *expected_store,
                                       GError          **error);
/* The same for @value, a part of @doc, which the event keeps a
 * reference to. */
TnEvent    *tn_event_from_value       (TnJsonDoc         *doc,
                                       const TnJsonValue *value,
                                       const char        *expected_store,
                                       GError           **error);

/* Checks the payload of @type against its schema. */
gboolean    tn_event_validate_payload (TnEventType        type,
                                       const TnJsonValue *payload,
                                       GError           **error);

void        tn_event_free             (TnEvent          *event);

/* Convenience readers for payload members that validation guaranteed. */
const char *tn_event_get_string       (const TnEvent    *event,
                                       const char       *member);
gint64      tn_event_get_int          (const TnEvent    *event,
                                       const char       *member,
                                       gint64            default_value);
const TnJsonValue *tn_event_get_payload (const TnEvent *event);

/* JSON numbers are IEEE doubles to a JavaScript reader (RFC 8785):
 * integers beyond this are not exact, so counters stay below it. */
#define TN_MAX_SAFE_INTEGER G_GINT64_CONSTANT (9007199254740991)

/* 1–64 of [A-Za-z0-9._-]. */
gboolean    tn_validate_store_id      (const char       *store,
                                       GError          **error);
/* 1–32 of [A-Za-z0-9_-], like L1. */
gboolean    tn_validate_terminal      (const char       *terminal,
                                       GError          **error);

/* SHA-256 hex of @data. */
char       *tn_sha256_hex             (const void       *data,
                                       gsize             length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnEvent, tn_event_free)

G_END_DECLS
