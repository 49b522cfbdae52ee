/* SPDX-License-Identifier: GPL-3.0-or-later */

/* How fast a lane takes in another lane's history: parse and validate
 * canonical events (tn_event_from_json), then apply them in batches of
 * 512 (tn_store_apply_remote) to a durable store, as the sync worker
 * does (DESIGN §4).  The history comes from three source lanes that
 * sell, adjust stock and edit the catalogue while replicating to each
 * other, so events carry real cross-lane deps.
 *
 * Usage: bench-apply-remote [N [DIR]]   (N events, default 100000) */

#include <stdio.h>
#include <sys/resource.h>

#include "tn-bench-util.h"
#include "tn-digest.h"
#include "tn-fiscal.h"
#include "tn-operations.h"
#include "tn-store-private.h"

#define N_LANES    3
#define N_PRODUCTS 300
#define CHUNK      250    /* events a lane makes between two exchanges */
#define BATCH      512
#define ORIGIN_ORDER_MAX 20000

typedef struct
{
  TnStore *stores[N_LANES];
  GRand   *rand;
  guint    new_products;
} Sources;

/* Replication between sources ------------------------------------------- */

static guint
apply_batches (TnStore   *target,
               GPtrArray *bodies)
{
  guint applied = 0;

  for (guint i = 0; i < bodies->len; i += BATCH)
    {
      g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) tn_event_free);
      g_autoptr(GError) error = NULL;
      TnApplyResult result;

      for (guint j = i; j < MIN (i + BATCH, bodies->len); j++)
        {
          TnEvent *event = tn_event_from_json (bodies->pdata[j], -1, NULL, &error);
          tn_bench_check (error, "Parsing an event");
          g_ptr_array_add (events, event);
        }
      tn_store_apply_remote (target, events, TN_APPLY_FLAGS_NONE, &result, &error);
      tn_bench_check (error, "Applying events");
      applied += result.applied;
    }
  return applied;
}

/* Sends @target whatever @source has that it lacks, origin by origin. */
static void
replicate (TnStore *source,
           TnStore *target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) have = tn_store_get_version_vector (target, &error);
  g_autoptr(TnVersionVector) offer = tn_store_get_version_vector (source, &error);
  g_autoptr(GPtrArray) origins = tn_version_vector_origins (offer);

  tn_bench_check (error, "Reading version vectors");
  for (guint i = 0; i < origins->len; i++)
    {
      const char *origin = origins->pdata[i];
      g_autoptr(GPtrArray) bodies = NULL;

      if (tn_version_vector_get (have, origin) >= tn_version_vector_get (offer, origin))
        continue;
      bodies = tn_store_read_events (source, origin, tn_version_vector_get (have, origin),
                                     G_MAXINT, &error);
      tn_bench_check (error, "Reading events");
      apply_batches (target, bodies);
    }
}

/* Generating the history ------------------------------------------------ */

static const char *
random_sku (Sources *sources,
            char     buffer[16])
{
  g_snprintf (buffer, 16, "P%05d", g_rand_int_range (sources->rand, 0, N_PRODUCTS));
  return buffer;
}

static void
make_event (Sources *sources,
            TnStore *store,
            guint    lane)
{
  g_autoptr(GError) error = NULL;
  double r = g_rand_double (sources->rand);
  char sku[16];

  if (r < 0.60)
    {
      g_autoptr(TnSaleRequest) request = tn_sale_request_new ();
      g_autoptr(TnSaleReceipt) receipt = NULL;

      for (guint l = 0; l < 5; l++)
        tn_sale_request_add_line (request, random_sku (sources, sku),
                                  1000 * g_rand_int_range (sources->rand, 1, 4));
      receipt = tn_store_sell (store, request, &error);
      tn_bench_check (error, "A sale");
    }
  else if (r < 0.75)
    tn_store_adjust_stock (store, random_sku (sources, sku),
                           1000 * g_rand_int_range (sources->rand, -5, 0), "shrinkage", &error);
  else if (r < 0.85)
    tn_store_receive_stock (store, random_sku (sources, sku),
                            1000 * g_rand_int_range (sources->rand, 10, 100), "delivery", &error);
  else if (r < 0.92)
    /* Mostly head office (lane 0); now and then a lane, which can clash. */
    tn_store_set_price (store, random_sku (sources, sku),
                        g_rand_int_range (sources->rand, 100, 9000), &error);
  else if (r < 0.97)
    {
      g_autofree char *name = g_strdup_printf ("Renamed %u", g_rand_int (sources->rand));
      tn_store_update_product (store, random_sku (sources, sku), name, NULL, -1, -1, &error);
    }
  else
    {
      g_autofree char *new_sku = g_strdup_printf ("N%u-%05u", lane, sources->new_products++);
      TnProductSpec spec = { new_sku, "A new product", 1234, 1600, NULL };
      tn_store_add_product (store, &spec, &error);
    }
  tn_bench_check (error, "Making an event");
}

/* The authority (lane 0) keeps @lane supplied with fiscal blocks. */
static void
grant_blocks (Sources *sources,
              guint    lane)
{
  TnStore *authority = sources->stores[0];
  TnStore *store = sources->stores[lane];
  const char *device = tn_store_get_replica_id (store);
  g_autoptr(GError) error = NULL;
  TnFiscalReserve reserve;

  for (;;)
    {
      g_autoptr(TnEvent) grant = NULL;

      tn_fiscal_get_reserve (authority, device, &reserve, &error);
      tn_bench_check (error, "Reading a fiscal reserve");
      if (reserve.unused >= CHUNK + TN_FISCAL_BLOCK_SIZE)
        break;
      grant = tn_fiscal_grant_block_now (authority, device, tn_store_get_terminal (store),
                                         &error);
      tn_bench_check (error, "Granting a block");
    }
  replicate (authority, store);
}

static gint64
count_events (TnStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_store_get_version_vector (store, &error);

  tn_bench_check (error, "Reading a version vector");
  return tn_version_vector_total (vv);
}

static void
generate (Sources    *sources,
          const char *dir,
          guint       n)
{
  static const char *terminals[N_LANES] = { "L1", "L2", "L3" };
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < N_LANES; i++)
    {
      g_autofree char *file = g_strdup_printf ("source-%u.db", i);
      sources->stores[i] = tn_bench_store_new (dir, file, terminals[i], i == 0,
                                               TN_STORE_FLAGS_NO_SYNC);
    }
  tn_bench_add_products (sources->stores[0], N_PRODUCTS);
  for (guint i = 1; i < N_LANES; i++)
    replicate (sources->stores[0], sources->stores[i]);

  for (guint round = 0; count_events (sources->stores[0]) < n; round++)
    {
      guint lane = round % N_LANES;
      TnStore *store = sources->stores[lane];
      gint64 missing = n - count_events (sources->stores[0]);

      if (lane != 0)
        grant_blocks (sources, lane);
      for (gint64 e = 0; e < MIN (CHUNK, missing); e++)
        make_event (sources, store, lane);
      /* Everyone learns what this lane did before the next one works. */
      for (guint other = 0; other < N_LANES; other++)
        if (other != lane)
          replicate (store, sources->stores[other]);
    }
  printf ("Generated %" G_GINT64_FORMAT " events on %d lanes in %.1f s\n",
          count_events (sources->stores[0]), N_LANES, tn_bench_seconds (start));
}

/* The stream a fresh lane receives: every origin's events in seq order,
 * one origin after the other.  Only the @limit oldest events (by clock,
 * so a causally complete prefix of the history): a held-back event is
 * parsed again by every later batch, which makes this order quadratic. */
static GPtrArray *
read_stream_by_origin (TnStore *store,
                       guint    limit)
{
  GPtrArray *stream = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT body FROM (SELECT origin, seq, body FROM events "
                          "  ORDER BY hlc, origin, seq LIMIT ?) ORDER BY origin, seq", -1,
                          &stmt, NULL) != SQLITE_OK)
    g_error ("Reading the log failed");
  sqlite3_bind_int64 (stmt, 1, limit);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (stream, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return stream;
}

/* The same events in clock order: how a live peer streams them. */
static GPtrArray *
read_stream_by_clock (TnStore *store)
{
  GPtrArray *stream = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (tn_store_get_db (store),
                          "SELECT body FROM events ORDER BY hlc, origin, seq", -1, &stmt,
                          NULL) != SQLITE_OK)
    g_error ("Reading the log failed");
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (stream, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return stream;
}

/* Measuring ---------------------------------------------------------------- */

/* CPU seconds this process used: on a shared machine, steadier than
 * the wall clock. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void
measure (const char *label,
         const char *dir,
         const char *file,
         GPtrArray  *stream,
         const char *expected_hash)
{
  g_autoptr(TnStore) target = tn_bench_store_new (dir, file, "L9", FALSE, TN_STORE_FLAGS_NONE);
  g_autoptr(GPtrArray) events = g_ptr_array_new_full (stream->len,
                                                      (GDestroyNotify) tn_event_free);
  g_autoptr(GError) error = NULL;
  guint applied = 0, held_max = 0;
  gint64 bytes = 0, start;
  double parse_s, apply_s, parse_cpu, apply_cpu;
  TnDigest digest;

  start = g_get_monotonic_time ();
  parse_cpu = cpu_seconds ();
  for (guint i = 0; i < stream->len; i++)
    {
      TnEvent *event = tn_event_from_json (stream->pdata[i], -1,
                                           tn_store_get_store_id (target), &error);
      tn_bench_check (error, "Parsing an event");
      g_ptr_array_add (events, event);
      bytes += strlen (stream->pdata[i]);
    }
  parse_s = tn_bench_seconds (start);
  parse_cpu = cpu_seconds () - parse_cpu;

  start = g_get_monotonic_time ();
  apply_cpu = cpu_seconds ();
  for (guint i = 0; i < events->len; i += BATCH)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new ();
      TnApplyResult result;

      for (guint j = i; j < MIN (i + BATCH, events->len); j++)
        g_ptr_array_add (batch, events->pdata[j]);
      tn_store_apply_remote (target, batch, TN_APPLY_FLAGS_NONE, &result, &error);
      tn_bench_check (error, "Applying a batch");
      applied += result.applied;
      held_max = MAX (held_max, (guint) tn_store_count_held_back (target));
    }
  apply_s = tn_bench_seconds (start);
  apply_cpu = cpu_seconds () - apply_cpu;

  printf ("%s:\n", label);
  printf ("  parse + validate   %8.0f events/s  (%.2f s, %.1f MiB of JSON, %.0f bytes/event)\n",
          stream->len / parse_s, parse_s, bytes / 1048576.0, (double) bytes / stream->len);
  printf ("  apply (durable)    %8.0f events/s  (%.2f s, batches of %d, at most %u held back)\n",
          stream->len / apply_s, apply_s, BATCH, held_max);
  printf ("  end to end         %8.0f events/s  (target 50000)\n",
          stream->len / (parse_s + apply_s));
  printf ("  per CPU second     %8.0f parsed, %.0f applied, %.0f end to end\n",
          stream->len / parse_cpu, stream->len / apply_cpu,
          stream->len / (parse_cpu + apply_cpu));

  tn_store_compute_digest (target, &digest, &error);
  tn_bench_check (error, "Computing the digest");
  printf ("  %u applied, %" G_GINT64_FORMAT " still held back", applied,
          tn_store_count_held_back (target));
  if (expected_hash != NULL)
    printf (", state %s the source's",
            g_str_equal (digest.state_hash, expected_hash) ? "matches" : "DIFFERS FROM");
  printf ("\n");
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 100000);
  g_autofree char *dir = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  g_autoptr(GPtrArray) stream = NULL;
  g_autoptr(GError) error = NULL;
  Sources sources = { { NULL, }, g_rand_new_with_seed (20240601), 0 };
  TnDigest digest;

  printf ("Applying remote events: %u events from %d lanes (~60%% five-line sales)\n",
          n, N_LANES);
  generate (&sources, dir, n);
  tn_store_compute_digest (sources.stores[0], &digest, &error);
  tn_bench_check (error, "Computing the digest");

  stream = read_stream_by_clock (sources.stores[0]);
  measure ("Clock order (a live peer's stream)", dir, "target-clock.db", stream,
           digest.state_hash);
  g_clear_pointer (&stream, g_ptr_array_unref);

  {
    guint limit = MIN (n, ORIGIN_ORDER_MAX);
    g_autofree char *label = g_strdup_printf (
        "Origin by origin, each in seq order (a new lane catching up; the oldest %u events)",
        limit);

    stream = read_stream_by_origin (sources.stores[0], limit);
    measure (label, dir, "target-origin.db", stream,
             limit >= count_events (sources.stores[0]) ? digest.state_hash : NULL);
  }

  for (guint i = 0; i < N_LANES; i++)
    g_object_unref (sources.stores[i]);
  g_rand_free (sources.rand);
  tn_bench_rmdir (dir);
  return 0;
}
