/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-operations.h"
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

/* The first column of the first row of @sql, with @arg (unless NULL)
 * bound to its one parameter.  Without a row, or for a NULL value,
 * tn_test_sql_int_or () gives @missing and tn_test_sql_int_arg ()
 * G_MININT64; tn_test_sql_text () gives NULL without a row. */
gint64   tn_test_sql_int_or     (TnStore     *store,
                                 const char  *sql,
                                 const char  *arg,
                                 gint64       missing);
gint64   tn_test_sql_int_arg    (TnStore     *store,
                                 const char  *sql,
                                 const char  *arg);
char    *tn_test_sql_text       (TnStore     *store,
                                 const char  *sql,
                                 const char  *arg);

/* Replica @i of store "test-store" in @parent/lane<i+1>, as terminal
 * L<i+1>, without fsync. */
TnStore *tn_test_lane_new       (const char  *parent,
                                 guint        i,
                                 gboolean     fiscal_authority);

/* A fixture of up to TN_TEST_MAX_LANES replicas in one temporary
 * directory, each made by tn_test_lanes_get () when first asked for.
 * Set-up and tear-down have the signatures g_test_add () wants. */
#define TN_TEST_MAX_LANES 5

typedef struct
{
  char    *dir;
  TnStore *stores[TN_TEST_MAX_LANES];
} TnTestLanes;

void     tn_test_lanes_set_up    (TnTestLanes   *lanes,
                                  gconstpointer  data);
void     tn_test_lanes_tear_down (TnTestLanes   *lanes,
                                  gconstpointer  data);
/* Lane @i (tn_test_lane_new ()); @fiscal_authority counts only the
 * first time. */
TnStore *tn_test_lanes_get       (TnTestLanes   *lanes,
                                  guint          i,
                                  gboolean       fiscal_authority);

/* A store with @identity in @parent/@name, without fsync, built the
 * way `tendero-ctl init` does. */
TnStore *tn_test_store_new_custom (const char            *parent,
                                   const char            *name,
                                   const TnStoreIdentity *identity);

/* Applies events (canonical JSON of store "test-store") to @to,
 * asserting success. */
TnApplyResult tn_test_apply_bodies (TnStore   *to,
                                    GPtrArray *bodies);

/* Gives @to everything @from has that @to lacks, origin by origin, and
 * asserts that nothing is left held back. */
void     tn_test_sync_one_way   (TnStore     *from,
                                 TnStore     *to);

/* The two stores hold the same state (digest). */
void     tn_test_assert_same_state (TnStore  *a,
                                    TnStore  *b);

/* A sale of one line, asserting success; tn_test_sell_paid () adds a
 * payment unless @method is NULL. */
TnSaleReceipt *tn_test_sell      (TnStore    *store,
                                  const char *sku,
                                  gint64      qty);
TnSaleReceipt *tn_test_sell_paid (TnStore    *store,
                                  const char *sku,
                                  gint64      qty,
                                  const char *method,
                                  const char *currency,
                                  gint64      amount);

/* What a lane holds, to show that something (a refused operation, a
 * batch of duplicates) changed nothing: the version vector, the state
 * digest, and the counts of events, outbox rows, held-back events and
 * products. */
typedef struct
{
  TnVersionVector *vv;
  char            *digest;
  gint64           events;
  gint64           outbox;
  gint64           held_back;
  gint64           products;
} TnTestSnapshot;

TnTestSnapshot *tn_test_snapshot_take             (TnStore              *store);
void            tn_test_snapshot_assert_unchanged (TnStore              *store,
                                                   const TnTestSnapshot *before);
void            tn_test_snapshot_free             (TnTestSnapshot       *snap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnTestSnapshot, tn_test_snapshot_free)

/* A GLogWriterFunc that drops the "Alert P…" messages the model logs
 * for every alert, unless --verbose, and writes the rest with
 * g_log_writer_default (), for tests that provoke alerts on purpose. */
GLogWriterOutput tn_test_log_writer_hide_alerts (GLogLevelFlags   log_level,
                                                 const GLogField *fields,
                                                 gsize            n_fields,
                                                 gpointer         user_data);

G_END_DECLS
