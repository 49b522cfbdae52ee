/* SPDX-License-Identifier: GPL-3.0-or-later */

/* What a receiving lane spends per event, without the network: the
 * "events" frames a sender builds (tn_sync_encode_event_batches) are
 * decoded, applied to a durable store and freed, as the peer session
 * does with each frame.  The three phases are timed apart in CPU time
 * of this thread, which is steadier on a shared machine than the
 * wall-clock figures of bench-sync-replication, whose receivers spend
 * most of their time here.
 *
 * Usage: bench-sync-receive [N [DIR]]   (N five-line sales, default 20000) */

#include <stdio.h>
#include <time.h>

#include "tn-bench-lane.h"
#include "tn-bench-util.h"
#include "tn-digest.h"
#include "tn-store-private.h"
#include "tn-sync-protocol.h"

#define N_PRODUCTS 300

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static GPtrArray *
read_frames (TnStore *source,
             gint64  *n_events,
             gint64  *n_bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TnVersionVector) vv = tn_store_get_version_vector (source, &error);
  g_autoptr(GPtrArray) origins = NULL;
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *frames;

  tn_bench_check (error, "Reading the version vector");
  origins = tn_version_vector_origins (vv);
  for (guint i = 0; i < origins->len; i++)
    {
      g_autoptr(GPtrArray) some = tn_store_read_events (source, origins->pdata[i], 0,
                                                        G_MAXUINT, &error);

      tn_bench_check (error, "Reading events");
      for (guint j = 0; j < some->len; j++)
        g_ptr_array_add (bodies, g_steal_pointer (&some->pdata[j]));
    }
  *n_events = bodies->len;
  frames = tn_sync_encode_event_batches (bodies);
  *n_bytes = 0;
  for (guint i = 0; i < frames->len; i++)
    *n_bytes += strlen (frames->pdata[i]);
  return frames;
}

int
main (int    argc,
      char **argv)
{
  guint n = tn_bench_parse_count (argc, argv, 20000);
  g_autofree char *dir = tn_bench_make_dir (argc > 2 ? argv[2] : NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  g_autoptr(TnStore) source = NULL;
  g_autoptr(TnStore) target = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GError) error = NULL;
  double decode_s = 0, apply_s = 0, free_s = 0, total;
  gint64 n_events, n_bytes, applied = 0;
  TnDigest want, got;

  printf ("Receiving %u five-line sales as \"events\" frames: decode, apply, free\n", n);
  source = tn_bench_store_new (dir, "source.db", "L1", TRUE, TN_STORE_FLAGS_NO_SYNC);
  tn_bench_add_products (source, N_PRODUCTS);
  tn_bench_sell_many (source, n, N_PRODUCTS, rand, NULL);
  frames = read_frames (source, &n_events, &n_bytes);
  printf ("  %" G_GINT64_FORMAT " events in %u frames, %.0f bytes/event of frame text\n",
          n_events, frames->len, (double) n_bytes / n_events);

  /* Durable, as a lane's store is. */
  target = tn_bench_store_new (dir, "target.db", "L2", FALSE, TN_STORE_FLAGS_NONE);
  for (guint i = 0; i < frames->len; i++)
    {
      const char *frame = frames->pdata[i];
      TnSyncMessage *message;
      TnApplyResult result;
      double t0, t1, t2;

      t0 = thread_cpu_seconds ();
      message = tn_sync_message_decode (frame, strlen (frame),
                                        tn_store_get_store_id (target), &error);
      tn_bench_check (error, "Decoding a frame");
      t1 = thread_cpu_seconds ();
      tn_store_apply_remote (target, message->events, TN_APPLY_FLAGS_NONE, &result, &error);
      tn_bench_check (error, "Applying a frame");
      t2 = thread_cpu_seconds ();
      tn_sync_message_free (message);
      free_s += thread_cpu_seconds () - t2;
      apply_s += t2 - t1;
      decode_s += t1 - t0;
      applied += result.applied;
    }

  total = decode_s + apply_s + free_s;
  printf ("  decode   %6.1f µs/event  (%4.1f %%)\n", 1e6 * decode_s / n_events,
          100 * decode_s / total);
  printf ("  apply    %6.1f µs/event  (%4.1f %%)\n", 1e6 * apply_s / n_events,
          100 * apply_s / total);
  printf ("  free     %6.1f µs/event  (%4.1f %%)\n", 1e6 * free_s / n_events,
          100 * free_s / total);
  printf ("  receive  %6.0f events per CPU second  (%.1f µs/event)\n", n_events / total,
          1e6 * total / n_events);

  tn_store_compute_digest (source, &want, &error);
  tn_bench_check (error, "Computing the source's digest");
  tn_store_compute_digest (target, &got, &error);
  tn_bench_check (error, "Computing the target's digest");
  printf ("  %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " applied, state %s the source's\n",
          applied, n_events,
          g_str_equal (want.state_hash, got.state_hash) ? "matches" : "DIFFERS FROM");

  g_clear_object (&source);
  g_clear_object (&target);
  tn_bench_rmdir (dir);
  return 0;
}
