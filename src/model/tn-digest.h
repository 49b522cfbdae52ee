/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

#define TN_DIGEST_BUCKETS 256

/* A digest of the replicated projection rows (not local bookkeeping):
 * per bucket of entity ids, the sum of the rows' SHA-256 hashes, so two
 * replicas can find where they differ; state_hash is SHA-256 over the
 * 256 bucket digests.  Kept up to date as rows change, so reading it
 * costs 256 rows whatever the history's size. */
typedef struct
{
  char  state_hash[65];
  char  buckets[TN_DIGEST_BUCKETS][65];
  guint rows;
} TnDigest;

gboolean  tn_store_compute_digest (TnStore   *store,
                                   TnDigest  *out,
                                   GError   **error);

/* The same digest computed from scratch by reading every row: for
 * tests and checks that the maintained one is right. */
gboolean  tn_store_recompute_digest (TnStore   *store,
                                     TnDigest  *out,
                                     GError   **error);

/* Which bucket an entity id falls in (stable across platforms). */
guint     tn_digest_bucket        (const char *entity_id);

/* The entity ids in @bucket, one "table:id" string each (transfer full);
 * used to name what differs once the buckets are known. */
GPtrArray *tn_store_bucket_entities (TnStore  *store,
                                     guint     bucket,
                                     GError  **error);

G_END_DECLS
