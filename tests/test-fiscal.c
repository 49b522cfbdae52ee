/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Fiscal numbers and chains (DESIGN §6): blocks granted by the
 * authority, gap-free numbering, the contingency series, hash chains
 * that reveal tampering, and P0 alarms for numbers outside a device's
 * blocks or issued twice — while every sale is still kept. */

#include <string.h>

#include "tn-digest.h"
#include "tn-error.h"
#include "tn-fiscal.h"
#include "tn-operations.h"
#include "tn-store-private.h"
#include "tn-test-util.h"

/* Lane @i is terminal L<i+1> (tn_test_lanes_get ()). */
typedef TnTestLanes Fixture;

static GPtrArray *
verify (TnStore *store,
        guint   *n_documents)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (tn_fiscal_verify (store, problems, n_documents, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("fiscal verify: %s", (char *) problems->pdata[i]);
  return problems;
}

static void
assert_verifies_clean (TnStore *store,
                       guint    expected_documents)
{
  guint n = 0;
  g_autoptr(GPtrArray) problems = verify (store, &n);

  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_cmpuint (n, ==, expected_documents);
}

/* Each of @device's documents links to the one before and carries the
 * hash of its event as stored in the log. */
static guint
assert_chain (TnStore    *store,
              const char *device)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *prev = g_strdup ("");
  gint64 expected_seq = 1;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store),
      "SELECT d.chain_seq, d.prev_hash, d.hash, e.hash FROM fiscal_documents d "
      "JOIN events e ON e.event_id = d.event_id WHERE d.device = ? ORDER BY d.chain_seq",
      -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, device, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, expected_seq);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 1), ==, prev);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 2), ==,
                       (const char *) sqlite3_column_text (stmt, 3));
      g_free (prev);
      prev = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      expected_seq++;
    }
  sqlite3_finalize (stmt);
  return (guint) (expected_seq - 1);
}

static gint64
count_alerts (TnStore    *store,
              int         priority,
              const char *kind)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM alerts WHERE priority = %d "
                                          "AND kind = ?", priority);
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static TnEvent *
grant (TnStore *authority,
       TnStore *device)
{
  g_autoptr(GError) error = NULL;
  TnEvent *event = tn_fiscal_grant_block_now (authority, tn_store_get_replica_id (device),
                                              tn_store_get_terminal (device), &error);

  g_assert_no_error (error);
  g_assert_nonnull (event);
  return event;
}

/* Authority ------------------------------------------------------------------ */

static void
test_authority_numbers (Fixture       *fx,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  const char *self = tn_store_get_replica_id (store);
  sqlite3_stmt *stmt = NULL;
  gint64 expected_first = 1;

  tn_test_add_product (store, "SODA", 199, 1600);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM events WHERE type = "
                                           "'FiscalBlockGranted'"), ==, 0);

  for (gint64 i = 1; i <= 120; i++)
    {
      g_autoptr(TnSaleReceipt) receipt = tn_test_sell (store, "SODA", 1000);
      g_autofree char *doc = g_strdup_printf ("%08" G_GINT64_FORMAT, i);
      TnFiscalReserve reserve;

      g_assert_false (receipt->contingency);
      g_assert_cmpint (receipt->fiscal_number, ==, i);
      g_assert_cmpstr (receipt->fiscal_doc, ==, doc);

      /* The authority keeps two untouched blocks behind the current one. */
      tn_fiscal_get_reserve (store, self, &reserve, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (reserve.reserve_blocks, >=, TN_FISCAL_RESERVE_BLOCKS);
      g_assert_cmpint (reserve.next_number, ==, i + 1);
      g_assert_cmpint (reserve.contingency_documents, ==, 0);
    }

  /* Blocks of 50, consecutive from 1, all to itself, as events. */
  g_assert_cmpint (sqlite3_prepare_v2 (tn_store_get_db (store),
      "SELECT body FROM events WHERE type = 'FiscalBlockGranted' ORDER BY seq", -1, &stmt,
      NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(TnEvent) event = tn_event_from_json ((const char *) sqlite3_column_text (stmt, 0),
                                                     -1, "test-store", &error);
      g_assert_no_error (error);
      g_assert_cmpint (tn_event_get_int (event, "first", 0), ==, expected_first);
      g_assert_cmpint (tn_event_get_int (event, "count", 0), ==, TN_FISCAL_BLOCK_SIZE);
      g_assert_cmpstr (tn_event_get_string (event, "device"), ==, self);
      g_assert_cmpstr (tn_event_get_string (event, "terminal"), ==, "L1");
      expected_first += TN_FISCAL_BLOCK_SIZE;
    }
  sqlite3_finalize (stmt);
  /* 120 used + at least 2 × 50 in reserve (+ the 80 % rule) = 5 blocks. */
  g_assert_cmpint (expected_first, ==, 1 + 5 * TN_FISCAL_BLOCK_SIZE);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM fiscal_blocks"), ==, 5);

  /* Gap-free, chained, and verified. */
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (DISTINCT number) FROM fiscal_documents "
                                           "WHERE series = 'store'"), ==, 120);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT min (number) FROM fiscal_documents", NULL),
                   ==, 1);
  g_assert_cmpint (tn_test_sql_int_arg (store, "SELECT max (number) FROM fiscal_documents", NULL),
                   ==, 120);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM fiscal_documents WHERE "
                                           "number != chain_seq"), ==, 0);
  g_assert_cmpuint (assert_chain (store, self), ==, 120);
  assert_verifies_clean (store, 120);
  g_assert_cmpint (tn_test_sql_int (store, "SELECT count (*) FROM alerts"), ==, 0);
}

/* A lane that is not the authority cannot grant. */
static void
test_grant_needs_authority (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *lane2 = tn_test_lanes_get (fx, 1, FALSE);
  g_autoptr(TnEvent) event = tn_fiscal_grant_block_now (lane2, tn_store_get_replica_id (lane2),
                                                        "L2", &error);

  g_assert_error (error, TN_ERROR, TN_ERROR_FISCAL);
  g_assert_null (event);
  g_assert_false (tn_store_in_transaction (lane2));
  g_assert_cmpint (tn_test_sql_int (lane2, "SELECT count (*) FROM events"), ==, 0);
}

/* Contingency --------------------------------------------------------------- */

static void
count_alert_cb (TnStore    *store,
                int         priority,
                const char *kind,
                const char *message,
                gpointer    user_data)
{
  if (priority == TN_ALERT_P1 && g_strcmp0 (kind, "fiscal-contingency") == 0)
    (*(guint *) user_data)++;
}

static void
test_contingency (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *authority = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *lane2 = tn_test_lanes_get (fx, 1, FALSE);
  const char *device = tn_store_get_replica_id (lane2);
  g_autoptr(TnEvent) block = NULL;
  TnFiscalReserve reserve;
  guint signalled = 0;
  gint64 first;

  tn_test_add_product (authority, "SODA", 199, 1600);
  tn_test_sync_one_way (authority, lane2);
  g_signal_connect (lane2, "alert-raised", G_CALLBACK (count_alert_cb), &signalled);
  g_assert_true (tn_fiscal_wants_block (lane2));

  /* No block yet, no authority in reach: sell anyway, on the lane's own
   * gap-free series, and tell someone. */
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(TnSaleReceipt) receipt = tn_test_sell (lane2, "SODA", 1000);
      g_autofree char *doc = g_strdup_printf ("L2-C-%06u", i);

      g_assert_true (receipt->contingency);
      g_assert_cmpstr (receipt->fiscal_doc, ==, doc);
      g_assert_cmpint (receipt->fiscal_number, ==, i);
    }
  g_assert_cmpint (count_alerts (lane2, TN_ALERT_P1, "fiscal-contingency"), >=, 1);
  g_assert_cmpuint (signalled, >=, 1);
  g_assert_cmpint (count_alerts (lane2, TN_ALERT_P0, "fiscal-out-of-block"), ==, 0);
  tn_fiscal_get_reserve (lane2, device, &reserve, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reserve.next_number, ==, 0);
  g_assert_cmpint (reserve.contingency_documents, ==, 3);

  /* The authority grants a block; it reaches the lane like any event. */
  block = grant (authority, lane2);
  first = tn_event_get_int (block, "first", 0);
  g_assert_cmpint (first, >=, 1);
  g_assert_cmpint (tn_event_get_int (block, "count", 0), ==, TN_FISCAL_BLOCK_SIZE);
  tn_test_sync_one_way (authority, lane2);
  tn_fiscal_get_reserve (lane2, device, &reserve, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reserve.next_number, ==, first);
  g_assert_cmpint (reserve.unused, ==, TN_FISCAL_BLOCK_SIZE);

  /* Back to store numbers, from the block, in order. */
  for (gint64 i = 0; i < 2; i++)
    {
      g_autoptr(TnSaleReceipt) receipt = tn_test_sell (lane2, "SODA", 1000);
      g_autofree char *doc = g_strdup_printf ("%08" G_GINT64_FORMAT, first + i);

      g_assert_false (receipt->contingency);
      g_assert_cmpint (receipt->fiscal_number, ==, first + i);
      g_assert_cmpstr (receipt->fiscal_doc, ==, doc);
    }
  /* One block, partly used, is below the reserve rule: ask for more. */
  g_assert_true (tn_fiscal_wants_block (lane2));

  /* One chain through both series, clean here and at the authority. */
  g_assert_cmpuint (assert_chain (lane2, device), ==, 5);
  assert_verifies_clean (lane2, 5);
  tn_test_sync_one_way (lane2, authority);
  g_assert_cmpuint (assert_chain (authority, device), ==, 5);
  assert_verifies_clean (authority, 5);
  g_assert_cmpint (count_alerts (authority, TN_ALERT_P0, "fiscal-out-of-block"), ==, 0);
}

/* Tampering ------------------------------------------------------------------ */

/* Ten sales on the authority; returns the 7th ("00000007"). */
static TnSaleReceipt *
ten_sales (TnStore *store)
{
  TnSaleReceipt *seventh = NULL;

  tn_test_add_product (store, "SODA", 199, 1600);
  for (guint i = 1; i <= 10; i++)
    {
      TnSaleReceipt *receipt = tn_test_sell (store, "SODA", 3000);

      if (i == 7)
        seventh = receipt;
      else
        tn_sale_receipt_free (receipt);
    }
  g_assert_cmpstr (seventh->fiscal_doc, ==, "00000007");
  assert_verifies_clean (store, 10);
  return seventh;
}

/* Every problem reported names @doc, and there is at least one. */
static void
assert_problems_name (TnStore    *store,
                      const char *doc)
{
  guint n = 0;
  g_autoptr(GPtrArray) problems = verify (store, &n);

  g_assert_cmpuint (problems->len, >=, 1);
  for (guint i = 0; i < problems->len; i++)
    g_assert_nonnull (strstr (problems->pdata[i], doc));
}

static void
tamper (TnStore    *store,
        const char *sql_format,
        const char *id)
{
  g_autofree char *sql = g_strdup_printf (sql_format, id);
  g_autoptr(GError) error = NULL;

  /* In a transaction, which keeps the state digest right on commit. */
  tn_store_begin (store, &error);
  g_assert_no_error (error);
  tn_test_sql (store, sql);
  g_assert_cmpint (sqlite3_changes (tn_store_get_db (store)), ==, 1);
  tn_store_commit (store, &error);
  g_assert_no_error (error);
}

static void
test_tamper_event_total (Fixture       *fx,
                         gconstpointer  data)
{
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  g_autoptr(TnSaleReceipt) seventh = ten_sales (store);

  /* 6.93 → 6.94 in the stored event, lines and totals alike. */
  tamper (store, "UPDATE events SET body = replace (body, '\"total\":693', '\"total\":694') "
                 "WHERE event_id = '%s'", seventh->event_id);
  assert_problems_name (store, "00000007");
}

static void
test_tamper_event_line_name (Fixture       *fx,
                             gconstpointer  data)
{
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  g_autoptr(TnSaleReceipt) seventh = ten_sales (store);

  /* One byte of a line's product name. */
  tamper (store, "UPDATE events SET body = replace (body, '\"name\":\"Product SODA\"', "
                 "'\"name\":\"Product S0DA\"') WHERE event_id = '%s'", seventh->event_id);
  assert_problems_name (store, "00000007");
}

static void
test_tamper_projection (Fixture       *fx,
                        gconstpointer  data)
{
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  g_autoptr(TnSaleReceipt) seventh = ten_sales (store);

  tamper (store, "UPDATE sales SET total = total + 1 WHERE sale_id = '%s'", seventh->sale_id);
  assert_problems_name (store, "00000007");
}

static void
test_tamper_line_projection (Fixture       *fx,
                             gconstpointer  data)
{
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  g_autoptr(TnSaleReceipt) seventh = ten_sales (store);

  tamper (store, "UPDATE sale_lines SET total = total - 1 WHERE sale_id = '%s'",
          seventh->sale_id);
  assert_problems_name (store, "00000007");
}

static void
test_tamper_missing_document (Fixture       *fx,
                              gconstpointer  data)
{
  TnStore *store = tn_test_lanes_get (fx, 0, TRUE);
  g_autoptr(TnSaleReceipt) seventh = ten_sales (store);
  guint n = 0;
  g_autoptr(GPtrArray) problems = NULL;
  gboolean named = FALSE;

  /* Removing a document from the register breaks the chain after it. */
  tamper (store, "DELETE FROM fiscal_documents WHERE event_id = '%s'", seventh->event_id);
  problems = verify (store, &n);
  g_assert_cmpuint (n, ==, 9);
  for (guint i = 0; i < problems->len; i++)
    named = named || strstr (problems->pdata[i], "00000008") != NULL;
  g_assert_true (named);
}

/* Forged and duplicate numbers ------------------------------------------------ */

/* A copy of @real (a SaleCreated of @origin) as its next event, with a
 * new sale id and the fiscal number @number. */
static char *
forge_sale (const TnEvent   *real,
            gint64           seq,
            TnHlc            hlc,
            TnVersionVector *deps,
            const char      *prev_hash,
            gint64           chain_seq,
            gint64           number)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) event = NULL;
  g_autofree char *sale_id = g_uuid_string_random ();
  g_autofree char *doc = g_strdup_printf ("%08" G_GINT64_FORMAT, number);
  JsonNode *payload = tn_json_value_to_node (real->payload);
  JsonObject *object = json_node_get_object (payload);
  JsonObject *fiscal = json_object_new ();

  json_object_set_string_member (object, "sale_id", sale_id);
  json_object_set_string_member (fiscal, "series", "store");
  json_object_set_int_member (fiscal, "number", number);
  json_object_set_string_member (fiscal, "doc", doc);
  json_object_set_string_member (fiscal, "prev_hash", prev_hash);
  json_object_set_int_member (fiscal, "chain_seq", chain_seq);
  json_object_set_object_member (object, "fiscal", fiscal);
  event = tn_event_new ("test-store", real->origin, seq, TN_EVENT_SALE_CREATED, hlc, deps,
                        payload, &error);
  g_assert_no_error (error);
  return g_strdup (event->canonical);
}

/* @lane, granted a block by @authority, sells once and the authority
 * learns of it: returns that sale's event, and in *@deps @lane's
 * version vector after it (what its next event depends on). */
static TnEvent *
sell_within_block (TnStore          *authority,
                   TnStore          *lane,
                   TnSaleReceipt   **receipt,
                   TnVersionVector **deps)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnEvent) block = NULL;
  g_autofree char *body = NULL;
  TnEvent *event;

  tn_test_add_product (authority, "SODA", 199, 1600);
  block = grant (authority, lane);
  tn_test_sync_one_way (authority, lane);
  *receipt = tn_test_sell (lane, "SODA", 1000);
  g_assert_false ((*receipt)->contingency);
  tn_test_sync_one_way (lane, authority);

  body = tn_test_sql_text (lane, "SELECT body FROM events WHERE event_id = ?",
                           (*receipt)->event_id);
  event = tn_event_from_json (body, -1, "test-store", &error);
  g_assert_no_error (error);
  *deps = tn_store_get_version_vector (lane, NULL);
  return event;
}

static void
test_out_of_block (Fixture       *fx,
                   gconstpointer  data)
{
  TnStore *authority = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *lane2 = tn_test_lanes_get (fx, 1, FALSE);
  const char *device = tn_store_get_replica_id (lane2);
  g_autoptr(TnSaleReceipt) real = NULL;
  g_autoptr(TnEvent) real_event = NULL;
  g_autoptr(TnVersionVector) deps = NULL;
  g_autoptr(GPtrArray) forged = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *stored_doc = NULL;
  TnApplyResult result;
  guint n = 0;
  g_autoptr(GPtrArray) problems = NULL;
  gboolean named = FALSE;

  real_event = sell_within_block (authority, lane2, &real, &deps);
  /* Lane 2's next event, claiming number 9999, which no block gives it. */
  g_ptr_array_add (forged, forge_sale (real_event,
                                       tn_version_vector_get (deps, device) + 1,
                                       real_event->hlc + 1, tn_version_vector_copy (deps),
                                       real_event->hash, 2, 9999));
  result = tn_test_apply_bodies (authority, forged);
  g_assert_cmpuint (result.applied, ==, 1);

  /* Kept, and a P0 alarm raised. */
  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM sales"), ==, 2);
  stored_doc = tn_test_sql_text (authority, "SELECT fiscal_doc FROM sales WHERE "
                                            "fiscal_doc = '00009999'", NULL);
  g_assert_cmpstr (stored_doc, ==, "00009999");
  g_assert_cmpint (count_alerts (authority, TN_ALERT_P0, "fiscal-out-of-block"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM alerts WHERE "
                                               "priority = 0 AND kind = 'fiscal-out-of-block' "
                                               "AND event_id IS NOT NULL"), ==, 1);
  /* The real sale, inside the block, raised nothing. */
  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM alerts WHERE "
                                               "priority = 0 AND kind != 'fiscal-out-of-block'"),
                   ==, 0);

  problems = verify (authority, &n);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < problems->len; i++)
    named = named || strstr (problems->pdata[i], "00009999") != NULL;
  g_assert_true (named);
}

#define NOT_THE_HASH "00000000000000000000000000000000" "00000000000000000000000000000000"

/* A peer's sales that break their device's chain, or reuse a number
 * of its block, are kept with a P0 alarm each; a sound one raises none. */
static void
test_broken_chain_and_reuse (Fixture       *fx,
                             gconstpointer  data)
{
  TnStore *authority = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *lane2 = tn_test_lanes_get (fx, 1, FALSE);
  const char *device = tn_store_get_replica_id (lane2);
  g_autoptr(TnSaleReceipt) real = NULL;
  g_autoptr(TnEvent) real_event = NULL;
  g_autoptr(TnEvent) broken = NULL;
  g_autoptr(TnVersionVector) deps = NULL;
  g_autoptr(GPtrArray) forged = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  TnApplyResult result;
  gint64 seq;

  real_event = sell_within_block (authority, lane2, &real, &deps);
  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM alerts "
                                               "WHERE priority = 0"), ==, 0);
  seq = tn_version_vector_get (deps, device) + 1;
  /* Place 2 of the chain names a document that is not place 1; its
   * number is the next of the block. */
  g_ptr_array_add (forged, forge_sale (real_event, seq, real_event->hlc + 1,
                                       tn_version_vector_copy (deps),
                                       NOT_THE_HASH, 2, real->fiscal_number + 1));
  broken = tn_event_from_json (forged->pdata[0], -1, "test-store", &error);
  g_assert_no_error (error);
  /* Place 3 links to place 2 but reuses place 1's number. */
  tn_version_vector_set (deps, device, seq);
  g_ptr_array_add (forged, forge_sale (real_event, seq + 1, real_event->hlc + 2,
                                       tn_version_vector_copy (deps), broken->hash, 3,
                                       real->fiscal_number));
  result = tn_test_apply_bodies (authority, forged);
  g_assert_cmpuint (result.applied, ==, 2);

  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM sales"), ==, 3);
  g_assert_cmpint (count_alerts (authority, TN_ALERT_P0, "fiscal-chain"), ==, 1);
  g_assert_cmpint (tn_test_sql_int_arg (authority, "SELECT count (*) FROM alerts WHERE "
                                                   "kind = 'fiscal-chain' AND event_id = ?",
                                        broken->event_id), ==, 1);
  g_assert_cmpint (count_alerts (authority, TN_ALERT_P0, "fiscal-duplicate"), ==, 1);
  g_assert_cmpint (count_alerts (authority, TN_ALERT_P0, "fiscal-out-of-block"), ==, 0);
  g_assert_cmpint (tn_test_sql_int (authority, "SELECT count (*) FROM alerts "
                                               "WHERE priority = 0"), ==, 2);
}

/* Two authorities (a misconfigured lane) grant the same numbers to two
 * devices, and both sell number 1. */
static void
test_duplicate_and_overlap (Fixture       *fx,
                            gconstpointer  data)
{
  TnStore *auth_a = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *auth_b = tn_test_lanes_get (fx, 1, TRUE);
  TnStore *dev_a = tn_test_lanes_get (fx, 2, FALSE);
  TnStore *dev_b = tn_test_lanes_get (fx, 3, FALSE);
  TnStore *observer = tn_test_lanes_get (fx, 4, FALSE);
  g_autoptr(TnEvent) grant_a = NULL;
  g_autoptr(TnEvent) grant_b = NULL;
  g_autoptr(TnSaleReceipt) sale_a = NULL;
  g_autoptr(TnSaleReceipt) sale_b = NULL;
  g_autofree char *hash_obs = NULL;
  g_autofree char *hash_a = NULL;
  guint n = 0;
  g_autoptr(GPtrArray) problems = NULL;
  gboolean named = FALSE;

  tn_test_add_product (auth_a, "SODA", 199, 1600);
  tn_test_sync_one_way (auth_a, auth_b);
  grant_a = grant (auth_a, dev_a);
  grant_b = grant (auth_b, dev_b);
  g_assert_cmpint (tn_event_get_int (grant_a, "first", 0), ==,
                   tn_event_get_int (grant_b, "first", 0));
  tn_test_sync_one_way (auth_a, dev_a);
  tn_test_sync_one_way (auth_b, dev_b);
  sale_a = tn_test_sell (dev_a, "SODA", 1000);
  sale_b = tn_test_sell (dev_b, "SODA", 1000);
  g_assert_cmpint (sale_a->fiscal_number, ==, sale_b->fiscal_number);

  /* The observer learns of both: one grant overlaps the other, one
   * number was issued twice — both sales are kept. */
  tn_test_sync_one_way (dev_a, observer);
  tn_test_sync_one_way (dev_b, observer);
  g_assert_cmpint (count_alerts (observer, TN_ALERT_P0, "fiscal-overlap"), ==, 1);
  g_assert_cmpint (count_alerts (observer, TN_ALERT_P0, "fiscal-duplicate"), ==, 1);
  g_assert_cmpint (tn_test_sql_int (observer, "SELECT count (*) FROM sales"), ==, 2);
  g_assert_cmpint (tn_test_sql_int_arg (observer, "SELECT count (*) FROM fiscal_documents "
                                                  "WHERE series = 'store' AND doc = ?",
                                        sale_a->fiscal_doc), ==, 2);
  problems = verify (observer, &n);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < problems->len; i++)
    named = named || strstr (problems->pdata[i], sale_b->fiscal_doc) != NULL;
  g_assert_true (named);

  /* Arrival order changes the alarms' wording, not the state. */
  tn_test_sync_one_way (dev_b, auth_a);
  tn_test_sync_one_way (dev_a, auth_a);
  g_assert_cmpint (count_alerts (auth_a, TN_ALERT_P0, "fiscal-overlap"), ==, 1);
  g_assert_cmpint (count_alerts (auth_a, TN_ALERT_P0, "fiscal-duplicate"), ==, 1);
  hash_obs = tn_test_state_hash (observer);
  hash_a = tn_test_state_hash (auth_a);
  g_assert_cmpstr (hash_obs, ==, hash_a);
}

/* Voids and Z reports ------------------------------------------------------- */

static void
test_void_and_z_documents (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TnStore *authority = tn_test_lanes_get (fx, 0, TRUE);
  TnStore *lane2 = tn_test_lanes_get (fx, 1, FALSE);
  const char *self = tn_store_get_replica_id (authority);
  g_autofree char *session = NULL;
  g_autoptr(TnSaleReceipt) first = NULL;
  g_autoptr(TnSaleReceipt) second = NULL;
  g_autoptr(TnSaleReceipt) contingent = NULL;
  g_autoptr(TnZReport) z = NULL;
  g_autofree char *void_doc = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *void2 = NULL;

  tn_test_add_product (authority, "SODA", 199, 1600);
  session = tn_store_open_cash_session (authority, 5000, NULL, &error);
  g_assert_no_error (error);
  first = tn_test_sell (authority, "SODA", 1000);
  second = tn_test_sell (authority, "SODA", 2000);
  tn_store_void_sale (authority, first->sale_id, "wrong price", "mgr", &error);
  g_assert_no_error (error);
  z = tn_store_close_cash_session (authority, 5232, FALSE, &error);
  g_assert_no_error (error);

  /* The void takes the next store number; the Z report its own series. */
  void_doc = tn_test_sql_text (authority, "SELECT doc FROM fiscal_documents WHERE kind = 'void'",
                               NULL);
  g_assert_cmpstr (void_doc, ==, "00000003");
  g_assert_cmpstr (z->z_doc, ==, "L1-Z-000001");
  g_assert_cmpint (z->sales_count, ==, 1);
  g_assert_cmpint (z->voids_count, ==, 1);
  g_assert_cmpint (z->expected, ==, 5000 + 462);   /* the voided sale does not count */
  kinds = tn_test_sql_text (authority, "SELECT group_concat (kind, ',') FROM (SELECT kind FROM "
                                       "fiscal_documents ORDER BY chain_seq)", NULL);
  g_assert_cmpstr (kinds, ==, "sale,sale,void,z");
  g_assert_cmpuint (assert_chain (authority, self), ==, 4);
  assert_verifies_clean (authority, 4);

  /* On a lane without numbers a void is a contingency document too. */
  tn_test_sync_one_way (authority, lane2);
  contingent = tn_test_sell (lane2, "SODA", 1000);
  g_assert_cmpstr (contingent->fiscal_doc, ==, "L2-C-000001");
  tn_store_void_sale (lane2, contingent->sale_id, "test", NULL, &error);
  g_assert_no_error (error);
  void2 = tn_test_sql_text (lane2, "SELECT doc FROM fiscal_documents WHERE kind = 'void' AND "
                                   "device = ?", tn_store_get_replica_id (lane2));
  g_assert_cmpstr (void2, ==, "L2-C-000002");
  g_assert_cmpuint (assert_chain (lane2, tn_store_get_replica_id (lane2)), ==, 2);
  tn_test_sync_one_way (lane2, authority);
  assert_verifies_clean (authority, 6);
  assert_verifies_clean (lane2, 6);
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, tn_test_lanes_set_up, func, tn_test_lanes_tear_down)

int
main (int    argc,
      char **argv)
{
  /* Alerts are what these tests provoke; show them only with --verbose. */
  g_log_set_writer_func (tn_test_log_writer_hide_alerts, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  ADD ("/fiscal/authority-numbers", test_authority_numbers);
  ADD ("/fiscal/grant-needs-authority", test_grant_needs_authority);
  ADD ("/fiscal/contingency", test_contingency);
  ADD ("/fiscal/tamper/event-total", test_tamper_event_total);
  ADD ("/fiscal/tamper/event-line-name", test_tamper_event_line_name);
  ADD ("/fiscal/tamper/sales-projection", test_tamper_projection);
  ADD ("/fiscal/tamper/sale-lines-projection", test_tamper_line_projection);
  ADD ("/fiscal/tamper/missing-document", test_tamper_missing_document);
  ADD ("/fiscal/out-of-block", test_out_of_block);
  ADD ("/fiscal/broken-chain-and-reuse", test_broken_chain_and_reuse);
  ADD ("/fiscal/duplicate-and-overlap", test_duplicate_and_overlap);
  ADD ("/fiscal/void-and-z-documents", test_void_and_z_documents);

  return g_test_run ();
}
