/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <sqlite3.h>
#include <string.h>

#include "tn-fault-campaign.h"

/* The end-state checks of the fault campaign, Jepsen-style: what the
 * history says was committed against what every lane's database and the
 * hub's PostgreSQL hold.  The lanes are stopped; their databases are
 * read directly, read-only. */

#define QUIESCE_US (120 * G_USEC_PER_SEC)

/* Quiescence -------------------------------------------------------------- */

static char *
vv_of_status (JsonObject *status)
{
  JsonObject *vv = json_object_get_object_member (status, "vv");
  g_autoptr(GList) origins = g_list_sort (json_object_get_members (vv), (GCompareFunc) strcmp);
  GString *text = g_string_new (NULL);

  for (GList *l = origins; l != NULL; l = l->next)
    g_string_append_printf (text, "%s%s=%" G_GINT64_FORMAT, text->len ? "," : "",
                            (char *) l->data, json_object_get_int_member (vv, l->data));
  return g_string_free (text, FALSE);
}

static char *
hub_vv (TnCampaign *c)
{
  char *vv = tn_pg_query (c->pg, "SELECT string_agg (origin::text || '=' || seq, ',' "
                                  "ORDER BY origin::text) FROM version_vectors "
                                  "WHERE store = 'S'");

  return vv ? vv : g_strdup ("");
}

/* One look at every lane and the hub: TRUE when they hold the same
 * events and state and nothing waits to be uploaded; else @why says what
 * differs. */
static gboolean
quiet (TnCampaign  *c,
       char       **why)
{
  g_autofree char *first_vv = NULL;
  g_autofree char *first_digest = NULL;
  g_autofree char *hub = hub_vv (c);

  for (guint i = 0; i < c->n_lanes; i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonObject *status, *outbox, *cloud;
      g_autofree char *vv = NULL;
      const char *digest;

      if (tn_campaign_ctl (c, i, &out, &err, "status", "--json", NULL) != 0 ||
          (root = json_from_string (out, NULL)) == NULL)
        {
          *why = g_strdup_printf ("L%u status failed: %s", i + 1, err);
          return FALSE;
        }
      status = json_node_get_object (root);
      outbox = json_object_get_object_member (status, "outbox");
      cloud = json_object_get_member (status, "cloud") &&
              !JSON_NODE_HOLDS_NULL (json_object_get_member (status, "cloud"))
              ? json_object_get_object_member (status, "cloud") : NULL;
      vv = vv_of_status (status);
      digest = json_object_get_string_member (status, "digest");
      if (json_object_get_int_member (status, "held_back") != 0 ||
          json_object_get_int_member (outbox, "pending") != 0 ||
          json_object_get_int_member (outbox, "peer_ack") != 0 ||
          cloud == NULL || json_object_get_int_member (cloud, "pending") != 0)
        {
          *why = g_strdup_printf ("L%u: %" G_GINT64_FORMAT " held back, outbox pending %"
                                  G_GINT64_FORMAT " peer_ack %" G_GINT64_FORMAT
                                  ", cloud %s, last error %s", i + 1,
                                  json_object_get_int_member (status, "held_back"),
                                  json_object_get_int_member (outbox, "pending"),
                                  json_object_get_int_member (outbox, "peer_ack"),
                                  cloud ? json_object_get_string_member (cloud, "state") : "none",
                                  cloud ? json_object_get_string_member_with_default (
                                            cloud, "last_error", "none") : "-");
          return FALSE;
        }
      if (first_vv == NULL)
        {
          first_vv = g_steal_pointer (&vv);
          first_digest = g_strdup (digest);
        }
      else if (!g_str_equal (vv, first_vv) || !g_str_equal (digest, first_digest))
        {
          *why = g_strdup_printf ("L%u has vv %s digest %s, L1 has vv %s digest %s", i + 1, vv,
                                  digest, first_vv, first_digest);
          return FALSE;
        }
    }
  if (!g_str_equal (hub, first_vv))
    {
      *why = g_strdup_printf ("the hub has vv %s, the lanes %s", hub, first_vv);
      return FALSE;
    }
  return TRUE;
}

gboolean
tn_fault_wait_quiet (TnCampaign *c)
{
  gint64 deadline = g_get_monotonic_time () + QUIESCE_US;
  g_autofree char *why = NULL;

  while (TRUE)
    {
      g_clear_pointer (&why, g_free);
      if (quiet (c, &why))
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          tn_campaign_problem (c, "not quiescent %d s after healing: %s",
                               (int) (QUIESCE_US / G_USEC_PER_SEC), why);
          return FALSE;
        }
      g_usleep (200 * 1000);
    }
}

/* End state ---------------------------------------------------------------- */

static char *
lane_text (TnCampaign *c,
           sqlite3    *db,
           guint       i,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    tn_campaign_problem (c, "L%u: cannot run %s: %s", i + 1, sql, sqlite3_errmsg (db));
  else if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text ? text : g_strdup ("");
}

/* What differs between two comma-separated lists: ids missing, extra
 * or there twice. */
static char *
list_diff (const char *got,
           const char *expected)
{
  g_auto(GStrv) have = g_strsplit (got, ",", -1);
  g_auto(GStrv) want = g_strsplit (expected, ",", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *text = g_string_new (NULL);

  for (guint i = 0; want[i] != NULL; i++)
    if (*want[i] != '\0' && !g_strv_contains ((const char *const *) have, want[i]))
      g_string_append_printf (text, " missing %s;", want[i]);
  for (guint i = 0; have[i] != NULL; i++)
    {
      if (*have[i] == '\0')
        continue;
      if (!g_strv_contains ((const char *const *) want, have[i]))
        g_string_append_printf (text, " extra %s;", have[i]);
      if (!g_hash_table_add (seen, have[i]))
        g_string_append_printf (text, " twice %s;", have[i]);
    }
  return g_string_free (text, FALSE);
}

/* Expects @sql to give @expected (as text) on lane @i. */
static void
lane_expect (TnCampaign *c,
             sqlite3    *db,
             guint       i,
             const char *what,
             const char *sql,
             const char *expected)
{
  g_autofree char *text = lane_text (c, db, i, sql);

  if (!g_str_equal (text, expected) && (strchr (text, ',') || strchr (expected, ',')))
    {
      g_autofree char *diff = list_diff (text, expected);

      tn_campaign_problem (c, "L%u: %s:%s", i + 1, what, diff);
    }
  else if (!g_str_equal (text, expected))
    tn_campaign_problem (c, "L%u: %s: got “%s”, expected “%s”", i + 1, what, text, expected);
}

static char *
hub_text (TnCampaign *c,
          const char *sql)
{
  char *text = tn_pg_query (c->pg, sql);

  return text ? text : g_strdup ("");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char **) a, *(char **) b);
}

/* The committed sale ids sorted, comma-separated; @voided: only those
 * the history voided. */
static char *
expected_sales (TnCampaign *c,
                gboolean    only_voided)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < c->sales->len; i++)
    {
      TnFaultSale *sale = c->sales->pdata[i];

      if (!only_voided || sale->voided)
        g_ptr_array_add (ids, sale->sale_id);
    }
  g_ptr_array_sort (ids, compare_strings);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (text, "%s%s", i ? "," : "", (char *) ids->pdata[i]);
  return g_string_free (text, FALSE);
}

static char *
expected_conflicts (TnCampaign *c)
{
  g_autoptr(GPtrArray) skus = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < c->conflict_skus->len; i++)
    g_ptr_array_add (skus, g_strdup_printf ("%s:price", (char *) c->conflict_skus->pdata[i]));
  g_ptr_array_sort (skus, compare_strings);
  g_ptr_array_add (skus, NULL);
  return g_strjoinv (",", (char **) skus->pdata);
}

static void
check_sales (TnCampaign *c,
             sqlite3    *db,
             guint       i)
{
  g_autofree char *all = expected_sales (c, FALSE);
  g_autofree char *voided = expected_sales (c, TRUE);

  /* Lost and phantom sales: the set of sale ids, each from exactly one
   * SaleCreated event. */
  lane_expect (c, db, i, "sales held",
               "SELECT coalesce (group_concat (sale_id, ','), '') FROM "
               "(SELECT sale_id FROM sales ORDER BY sale_id)", all);
  lane_expect (c, db, i, "sale ids in SaleCreated events (each once)",
               "SELECT coalesce (group_concat (id, ','), '') FROM (SELECT "
               "json_extract (body, '$.payload.sale_id') AS id FROM events "
               "WHERE type = 'SaleCreated' ORDER BY id)", all);
  lane_expect (c, db, i, "voided sales",
               "SELECT coalesce (group_concat (sale_id, ','), '') FROM "
               "(SELECT sale_id FROM sales WHERE voided != 0 ORDER BY sale_id)", voided);
}

static void
check_hub_sales (TnCampaign *c)
{
  g_autofree char *all = expected_sales (c, FALSE);
  g_autofree char *held = hub_text (c, "SELECT coalesce (string_agg (payload ->> 'sale_id', ',' "
                                       "ORDER BY payload ->> 'sale_id'), '') FROM events "
                                       "WHERE store = 'S' AND type = 'SaleCreated'");

  if (!g_str_equal (held, all))
    {
      g_autofree char *diff = list_diff (held, all);

      tn_campaign_problem (c, "hub: sale ids in SaleCreated events (each once):%s", diff);
    }
}

/* The same events, byte for byte (their hashes), on the lane and the
 * hub. */
static void
check_events (TnCampaign *c,
              sqlite3    *db,
              guint       i,
              const char *hub_events)
{
  g_autofree char *lane = lane_text (c, db, i, "SELECT coalesce (group_concat (e, ','), '') "
                                     "FROM (SELECT event_id || ':' || hash AS e FROM events "
                                     "ORDER BY event_id)");
  g_autofree char *lane_sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, lane, -1);
  g_autofree char *hub_sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, hub_events, -1);

  if (!g_str_equal (lane_sum, hub_sum))
    tn_campaign_problem (c, "L%u and the hub hold different events (ids and hashes): "
                         "%zu vs %zu characters of id:hash", i + 1, strlen (lane),
                         strlen (hub_events));
}

static void
check_stock (TnCampaign *c,
             sqlite3    *db,
             guint       i)
{
  lane_expect (c, db, i, "products whose stock is not the sum of its movements",
               "SELECT count (*) FROM (SELECT sku FROM products) p WHERE "
               "coalesce ((SELECT qty FROM stock s WHERE s.sku = p.sku), 0) != "
               "(SELECT coalesce (sum (delta), 0) FROM stock_movements m "
               " WHERE m.sku = p.sku)", "0");
  /* … and what the history says: received, less sold, plus voided.  C1
   * (40 received, never sold) gives the scale of the qty column. */
  for (guint k = 1; k <= c->n_products; k++)
    {
      gint64 units = c->received[k];
      g_autofree char *sql = g_strdup_printf ("SELECT (SELECT qty FROM stock WHERE sku = 'P%u')"
                                              " * 40 / (SELECT qty FROM stock WHERE sku = 'C1')",
                                              k);
      g_autofree char *expected = NULL;
      g_autofree char *what = g_strdup_printf ("stock of P%u (in units)", k);

      for (guint s = 0; s < c->sales->len; s++)
        {
          TnFaultSale *sale = c->sales->pdata[s];

          if (sale->product == k && !sale->voided)
            units -= sale->qty;
        }
      expected = g_strdup_printf ("%" G_GINT64_FORMAT, units);
      lane_expect (c, db, i, what, sql, expected);
    }
}

static void
check_fiscal (TnCampaign *c,
              sqlite3    *db,
              guint       i)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (tn_campaign_ctl (c, i, &out, &err, "fiscal", "verify", "--json", NULL) != 0)
    tn_campaign_problem (c, "L%u: fiscal verify failed: %s%s", i + 1, out ? out : "",
                         err ? err : "");
  lane_expect (c, db, i, "fiscal numbers used twice",
               "SELECT count (*) FROM (SELECT series, number FROM fiscal_documents "
               "GROUP BY series, number HAVING count (*) > 1)", "0");
  lane_expect (c, db, i, "chains with a gap in their sequence",
               "SELECT count (*) FROM (SELECT device FROM fiscal_documents GROUP BY device "
               "HAVING min (chain_seq) != 1 OR max (chain_seq) != count (*))", "0");
  /* Contingency series are each one device's own: 1, 2, 3 … */
  lane_expect (c, db, i, "contingency series with a gap",
               "SELECT count (*) FROM (SELECT series FROM fiscal_documents "
               "WHERE series != 'store' GROUP BY series "
               "HAVING min (number) != 1 OR max (number) != count (*))", "0");
  /* Store numbers come from granted blocks: a device skips none of its
   * numbers below the highest it used. */
  lane_expect (c, db, i, "devices that skipped store numbers of their blocks",
               "WITH u AS (SELECT device, count (*) AS used, max (number) AS top "
               "FROM fiscal_documents WHERE series = 'store' GROUP BY device) "
               "SELECT count (*) FROM u WHERE used != (SELECT coalesce (sum (max (0, "
               "min (b.first + b.count - 1, u.top) - b.first + 1)), 0) "
               "FROM fiscal_blocks b WHERE b.device = u.device)", "0");
}

static void
check_conflicts (TnCampaign *c,
                 sqlite3    *db,
                 guint       i)
{
  g_autofree char *expected = expected_conflicts (c);

  lane_expect (c, db, i, "open conflicts (one per concurrently edited product)",
               "SELECT coalesce (group_concat (sku || ':' || field, ','), '') FROM "
               "(SELECT sku, field FROM conflicts ORDER BY sku, field)", expected);
}

static void
check_full_disk (TnCampaign *c)
{
  g_autofree char *lower = NULL;

  if (c->full_disk_lane < 0)
    return;
  lower = g_utf8_strdown (c->full_disk_message ? c->full_disk_message : "", -1);
  if (c->full_disk_status == 0)
    tn_campaign_problem (c, "L%d sold on a full disk", c->full_disk_lane + 1);
  else if (strstr (lower, "disk is full") == NULL || strstr (lower, "damaged") != NULL)
    tn_campaign_problem (c, "L%d refused the sale on a full disk without saying so: %s",
                         c->full_disk_lane + 1, c->full_disk_message);
}

/* The sales no one was told about (a `sell` killed mid-way) that a lane
 * holds: each must match one interrupted sale of the same lane, product
 * and quantity, and from then on counts as committed; any other is a
 * phantom. */
static void
resolve_interrupted (TnCampaign *c,
                     sqlite3    *db)
{
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt = NULL;

  for (guint i = 0; i < c->sales->len; i++)
    g_hash_table_add (known, ((TnFaultSale *) c->sales->pdata[i])->sale_id);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT s.sale_id, s.terminal, l.sku, "
                                       "l.qty * 40 / (SELECT qty FROM stock WHERE sku = 'C1') "
                                       "FROM sales s JOIN sale_lines l USING (sale_id) "
                                       "ORDER BY s.sale_id", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *terminal = (const char *) sqlite3_column_text (stmt, 1);
      const char *sku = (const char *) sqlite3_column_text (stmt, 2);
      gint64 qty = sqlite3_column_int64 (stmt, 3);
      TnFaultSale *match = NULL;

      if (g_hash_table_contains (known, id))
        continue;
      for (guint m = 0; m < c->maybe_sales->len && match == NULL; m++)
        {
          TnFaultSale *maybe = c->maybe_sales->pdata[m];
          g_autofree char *maybe_terminal = g_strdup_printf ("L%u", maybe->lane + 1);
          g_autofree char *maybe_sku = g_strdup_printf ("P%u", maybe->product);

          if (maybe->sale_id == NULL && g_str_equal (terminal, maybe_terminal) &&
              g_str_equal (sku, maybe_sku) && qty == maybe->qty)
            match = maybe;
        }
      if (match == NULL)
        {
          tn_campaign_problem (c, "phantom sale %s on %s (%s x%" G_GINT64_FORMAT "): nobody "
                               "committed it", id, terminal, sku, qty);
          continue;
        }
      match->sale_id = g_strdup (id);
      {
        TnFaultSale *sale = g_new0 (TnFaultSale, 1);

        *sale = *match;
        sale->sale_id = g_strdup (id);
        g_ptr_array_add (c->sales, sale);
      }
      tn_campaign_log (c, "the interrupted sell of %s x%" G_GINT64_FORMAT " on %s had "
                       "committed: %s", sku, qty, terminal, id);
    }
  sqlite3_finalize (stmt);
}

void
tn_fault_check_all (TnCampaign *c)
{
  g_autofree char *hub_events = hub_text (c, "SELECT coalesce (string_agg (event_id::text "
                                             "|| ':' || hash, ',' ORDER BY event_id::text), '') "
                                             "FROM events WHERE store = 'S'");

  g_autofree char *rejections = hub_text (c, "SELECT coalesce (string_agg (event_id || ': ' "
                                             "|| reason, '; '), '') FROM rejections "
                                             "WHERE store = 'S'");

  /* Every event was valid: none refused by the hub or a lane. */
  if (*rejections != '\0')
    tn_campaign_problem (c, "the hub rejected events: %s", rejections);
  check_full_disk (c);
  for (guint i = 0; i < c->n_lanes; i++)
    {
      TnLane *lane = &c->lanes.lanes[i];
      g_autofree char *path = g_build_filename (lane->dir, "tendero.db", NULL);
      int status = tn_lane_stop (lane, TN_LANE_STOP_LIMIT_US);
      sqlite3 *db = NULL;

      if (status != 0)
        tn_campaign_problem (c, "L%u did not stop cleanly (exit status %d)", i + 1, status);
      if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        {
          tn_campaign_problem (c, "L%u: cannot open %s: %s", i + 1, path, sqlite3_errmsg (db));
          sqlite3_close (db);
          continue;
        }
      lane_expect (c, db, i, "integrity check", "PRAGMA integrity_check", "ok");
      if (i == 0)
        {
          resolve_interrupted (c, db);
          check_hub_sales (c);
        }
      lane_expect (c, db, i, "dead letters",
                   "SELECT coalesce (group_concat (event_id || ': ' || reason, '; '), '') "
                   "FROM dead_letters", "");
      lane_expect (c, db, i, "divergences found by digest comparison",
                   "SELECT count (*) FROM divergences", "0");
      check_sales (c, db, i);
      check_events (c, db, i, hub_events);
      check_stock (c, db, i);
      check_fiscal (c, db, i);
      check_conflicts (c, db, i);
      sqlite3_close (db);
    }
}
