/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

#define TN_DIGEST_BUCKETS 256

/* SHA-256 over the canonical projection rows (the replicated state, not
 * local bookkeeping), and per-bucket digests by entity id so that two
 * replicas can find where they differ. */
typedef struct
{
  char  state_hash[65];
  char  buckets[TN_DIGEST_BUCKETS][65];
  guint rows;
} TnDigest;

gboolean  tn_store_compute_digest (TnStore   *store,
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
