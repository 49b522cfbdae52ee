/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* A fresh temporary directory, removed (with its contents) by
 * tn_test_rmdir (). */
char    *tn_test_mkdtemp        (void);
void     tn_test_rmdir          (const char  *path);

/* A store in @dir initialised as @terminal of store "test-store".
 * @no_sync skips fsync, for tests of logic only. */
TnStore *tn_test_store_new      (const char  *dir,
                                 const char  *terminal,
                                 gboolean     fiscal_authority,
                                 gboolean     no_sync);

/* Adds a product, asserting success. */
void     tn_test_add_product    (TnStore     *store,
                                 const char  *sku,
                                 gint64       price,
                                 gint         tax_bp);

/* Path of a file under ../shared/ (TN_SHARED_DIR). */
char    *tn_test_shared_path    (const char  *first,
                                 ...) G_GNUC_NULL_TERMINATED;

/* Digest of @store as 64 hex. */
char    *tn_test_state_hash     (TnStore     *store);

/* Runs a statement, asserting success (for tests that poke the data). */
void     tn_test_sql            (TnStore     *store,
                                 const char  *sql);
gint64   tn_test_sql_int        (TnStore     *store,
                                 const char  *sql);

G_END_DECLS
