/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tn-json-doc.h"

G_BEGIN_DECLS

/* {origin: seq}: what a replica holds (every origin's log is gap-free,
 * so the highest seq says it all) or what an event's creator had seen. */
typedef struct _TnVersionVector TnVersionVector;

TnVersionVector *tn_version_vector_new        (void);
TnVersionVector *tn_version_vector_copy       (const TnVersionVector *vv);
void             tn_version_vector_free       (TnVersionVector       *vv);

gint64           tn_version_vector_get        (const TnVersionVector *vv,
                                               const char            *origin);
void             tn_version_vector_set        (TnVersionVector       *vv,
                                               const char            *origin,
                                               gint64                 seq);
/* Raises the entry to @seq if it is lower. */
void             tn_version_vector_merge_one  (TnVersionVector       *vv,
                                               const char            *origin,
                                               gint64                 seq);
void             tn_version_vector_merge      (TnVersionVector       *vv,
                                               const TnVersionVector *other);

/* TRUE when event (@origin, @seq) is inside @vv. */
gboolean         tn_version_vector_contains   (const TnVersionVector *vv,
                                               const char            *origin,
                                               gint64                 seq);
/* TRUE when @vv holds everything @other holds. */
gboolean         tn_version_vector_covers     (const TnVersionVector *vv,
                                               const TnVersionVector *other);
gboolean         tn_version_vector_equal      (const TnVersionVector *a,
                                               const TnVersionVector *b);
guint            tn_version_vector_size       (const TnVersionVector *vv);
/* Sum of all seqs: the number of events a vv describes. */
gint64           tn_version_vector_total      (const TnVersionVector *vv);

/* Origins in byte order, for stable output (transfer container). */
GPtrArray       *tn_version_vector_origins    (const TnVersionVector *vv);

/* Appends the RFC 8785 form of @vv. */
void             tn_version_vector_append_canonical (const TnVersionVector *vv,
                                                     GString               *out);
JsonNode        *tn_version_vector_to_json    (const TnVersionVector *vv);
/* Validates: an object of UUID → integer ≥ 1 (0 entries are dropped). */
TnVersionVector *tn_version_vector_from_value (const TnJsonValue   *value,
                                               GError             **error);
TnVersionVector *tn_version_vector_from_json  (JsonNode              *node,
                                               GError               **error);
char            *tn_version_vector_to_string  (const TnVersionVector *vv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnVersionVector, tn_version_vector_free)

gboolean         tn_is_uuid                   (const char            *text);
/* A new lowercase UUID version 7 (RFC 9562): milliseconds since 1970,
 * then 74 random bits.  Ids made later sort later, so the tables and
 * indexes keyed by them grow at their end instead of at random pages. */
char            *tn_uuid_new                  (void);

G_END_DECLS
