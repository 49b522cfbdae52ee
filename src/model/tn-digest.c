/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The state digest: every replicated projection row, in primary-key
 * order, hashed into one of 256 buckets by its entity id.  Columns that
 * depend on the order events arrived in (row ids, arrival times, which
 * of two voids came first) are left out: the digest describes state, and
 * equal event sets must give equal digests. */

#include "tn-digest.h"

#include <inttypes.h>

#include "tn-store-private.h"

#include <string.h>

/* Column 0 of each query is the entity id that picks the bucket. */
static const struct
{
  const char *table;
  const char *sql;
} digest_tables[] = {
  { "products",
    "SELECT sku, name, name_clock, barcode, barcode_clock, tax_bp, tax_bp_clock, active, "
    "active_clock, price FROM products ORDER BY sku" },
  { "price_candidates",
    "SELECT sku, event_id, origin, seq, hlc, price FROM price_candidates "
    "ORDER BY sku, event_id" },
  { "conflicts", "SELECT sku, field, opened_hlc FROM conflicts ORDER BY sku, field" },
  { "conflict_resolutions",
    "SELECT sku, event_id, field, value, manager, hlc, origin FROM conflict_resolutions "
    "ORDER BY event_id" },
  { "stock", "SELECT sku, qty FROM stock ORDER BY sku" },
  { "inventory_changes",
    "SELECT sku, source_id, line, delta, kind, reason FROM inventory_changes "
    "ORDER BY source_id, line" },
  { "sales",
    "SELECT sale_id, event_id, origin, terminal, hlc, cashier, session_id, customer_id, "
    "currency, subtotal, tax, total, change, second_currency, second_total, rate_micro, "
    "fiscal_doc, voided FROM sales ORDER BY sale_id" },
  { "sale_lines",
    "SELECT sale_id, line, sku, name, qty, unit_price, tax_bp, net, tax, total FROM sale_lines "
    "ORDER BY sale_id, line" },
  { "payments",
    "SELECT sale_id, idx, method, currency, amount, amount_base FROM payments "
    "ORDER BY sale_id, idx" },
  { "voids",
    "SELECT sale_id, event_id, reason, manager, hlc, origin FROM voids ORDER BY event_id" },
  { "customers",
    "SELECT customer_id, name, name_clock, phone, phone_clock, tax_id, tax_id_clock, email, "
    "email_clock, balance FROM customers ORDER BY customer_id" },
  { "debts",
    "SELECT customer_id, event_id, kind, amount, sale_id, note, method, hlc FROM debts "
    "ORDER BY event_id" },
  { "cash_sessions",
    "SELECT session_id, origin, terminal, float, cashier, opened_hlc, closed_event, counted, "
    "expected, variance, blind, z_doc FROM cash_sessions ORDER BY session_id" },
  { "cash_movements",
    "SELECT session_id, event_id, kind, amount, reason, hlc FROM cash_movements "
    "ORDER BY event_id" },
  { "exchange_rates",
    "SELECT currency, rate_micro, decimals, clock FROM exchange_rates ORDER BY currency" },
  { "employees",
    "SELECT employee_id, name, name_clock, role, role_clock, pin_hash, pin_hash_clock, active, "
    "active_clock FROM employees ORDER BY employee_id" },
  { "fiscal_blocks",
    "SELECT device, event_id, first, count, terminal, hlc FROM fiscal_blocks "
    "ORDER BY event_id" },
  { "fiscal_documents",
    "SELECT device, chain_seq, event_id, kind, series, number, doc, prev_hash, hash "
    "FROM fiscal_documents ORDER BY device, chain_seq" },
};

guint
tn_digest_bucket (const char *entity_id)
{
  /* FNV-1a: fixed, byte-order independent. */
  guint32 h = 2166136261u;

  for (const guchar *p = (const guchar *) entity_id; *p; p++)
    {
      h ^= *p;
      h *= 16777619u;
    }
  return h % TN_DIGEST_BUCKETS;
}

/* A row as bytes: a type tag per value and length-prefixed text, so
 * that no two different rows can serialise alike. */
static void
hash_row (GChecksum    *sum,
          const char   *table,
          sqlite3_stmt *stmt)
{
  int n = sqlite3_column_count (stmt);
  char buf[32];

  g_checksum_update (sum, (const guchar *) table, -1);
  for (int i = 0; i < n; i++)
    {
      switch (sqlite3_column_type (stmt, i))
        {
        case SQLITE_NULL:
          g_checksum_update (sum, (const guchar *) "\0N", 2);
          break;
        case SQLITE_INTEGER:
          g_snprintf (buf, sizeof buf, "%cI%" PRId64, 0,
                      (gint64) sqlite3_column_int64 (stmt, i));
          g_checksum_update (sum, (const guchar *) buf, 2 + strlen (buf + 2));
          break;
        default:
          {
            const guchar *text = sqlite3_column_text (stmt, i);
            int len = sqlite3_column_bytes (stmt, i);

            g_snprintf (buf, sizeof buf, "%cT%d:", 0, len);
            g_checksum_update (sum, (const guchar *) buf, 2 + strlen (buf + 2));
            g_checksum_update (sum, text, len);
          }
          break;
        }
    }
  g_checksum_update (sum, (const guchar *) "\n", 1);
}

gboolean
tn_store_compute_digest (TnStore   *store,
                         TnDigest  *out,
                         GError   **error)
{
  GChecksum *buckets[TN_DIGEST_BUCKETS];
  g_autoptr(GChecksum) total = g_checksum_new (G_CHECKSUM_SHA256);
  gboolean ok = TRUE;

  memset (out, 0, sizeof *out);
  for (guint b = 0; b < TN_DIGEST_BUCKETS; b++)
    buckets[b] = g_checksum_new (G_CHECKSUM_SHA256);

  /* One read transaction, so the digest is of one consistent state. */
  if (!tn_store_in_transaction (store) && !tn_store_exec (store, "BEGIN", error))
    ok = FALSE;

  for (guint t = 0; ok && t < G_N_ELEMENTS (digest_tables); t++)
    {
      g_autoptr(GError) local_error = NULL;
      sqlite3_stmt *stmt = tn_store_stmt (store, digest_tables[t].sql, error);

      if (stmt == NULL)
        {
          ok = FALSE;
          break;
        }
      while (tn_store_step_row (store, stmt, &local_error))
        {
          const char *entity = (const char *) sqlite3_column_text (stmt, 0);

          hash_row (buckets[tn_digest_bucket (entity ? entity : "")], digest_tables[t].table,
                    stmt);
          out->rows++;
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          ok = FALSE;
        }
    }

  if (!tn_store_in_transaction (store))
    tn_store_exec (store, "COMMIT", NULL);

  for (guint b = 0; b < TN_DIGEST_BUCKETS; b++)
    {
      g_strlcpy (out->buckets[b], g_checksum_get_string (buckets[b]), 65);
      g_checksum_update (total, (const guchar *) out->buckets[b], 64);
      g_checksum_free (buckets[b]);
    }
  g_strlcpy (out->state_hash, g_checksum_get_string (total), 65);
  return ok;
}

GPtrArray *
tn_store_bucket_entities (TnStore  *store,
                          guint     bucket,
                          GError  **error)
{
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint t = 0; t < G_N_ELEMENTS (digest_tables); t++)
    {
      g_autoptr(GError) local_error = NULL;
      sqlite3_stmt *stmt = tn_store_stmt (store, digest_tables[t].sql, error);

      if (stmt == NULL)
        return NULL;
      while (tn_store_step_row (store, stmt, &local_error))
        {
          const char *entity = (const char *) sqlite3_column_text (stmt, 0);
          char *name;

          if (entity == NULL || tn_digest_bucket (entity) != bucket)
            continue;
          name = g_strconcat (digest_tables[t].table, ":", entity, NULL);
          if (g_hash_table_contains (seen, name))
            {
              g_free (name);
              continue;
            }
          g_hash_table_add (seen, name);
          g_ptr_array_add (entities, name);
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&entities);
}
