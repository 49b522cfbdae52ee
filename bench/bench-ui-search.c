/* SPDX-License-Identifier: GPL-3.0-or-later */

/* How long the checkout's product search takes while a cashier types,
 * over a large catalogue: every keystroke runs the query the checkout
 * view runs (tn_store_list_products with its limit of 8 results) on the
 * prefix typed so far.  Target: p99 under 16 ms (one frame at 60 Hz).
 *
 * Usage: bench-ui-search [PRODUCTS [EVENTS]]   (default 100000 1000000)
 * The lane is built once into $TN_BENCH_UI_CACHE (see
 * tn-bench-ui-fixture.h); tendero-ctl is $TN_CTL. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn-bench-ui-fixture.h"
#include "tn-bench-util.h"
#include "tn-queries.h"

/* What the checkout view asks for (src/ui/tn-checkout-view.c). */
#define SEARCH_LIMIT 8
#define ROUNDS       5

int
main (int    argc,
      char **argv)
{
  guint n_products = tn_bench_parse_count (argc, argv, 100000);
  guint n_events = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 1000000;
  const char *ctl = g_getenv ("TN_CTL");
  const char *cache = g_getenv ("TN_BENCH_UI_CACHE");
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TnStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint results = 0, keystrokes = 0;
  gint64 start;
  /* The slowest keystrokes of the last round, to see which prefixes cost. */
  struct { gint64 us; char *typed; } slowest[5] = { { 0, NULL }, };

  if (ctl == NULL || cache == NULL)
    g_error ("Set TN_CTL (tendero-ctl) and TN_BENCH_UI_CACHE: run through meson test --benchmark");
  dir = tn_bench_ui_fixture (ctl, cache, n_products, MAX (n_events, n_products));
  path = g_build_filename (dir, "tendero.db", NULL);
  store = tn_store_open (path, TN_STORE_FLAGS_NONE, &error);
  tn_bench_check (error, "Opening the lane");

  printf ("Checkout search while typing: %u products, %u events; %u searches typed "
          "%u times, limit %d\n", n_products, n_events,
          g_strv_length ((char **) tn_bench_ui_searches), ROUNDS, SEARCH_LIMIT);
  start = g_get_monotonic_time ();
  for (guint round = 0; round < ROUNDS; round++)
    for (guint s = 0; tn_bench_ui_searches[s] != NULL; s++)
      {
        const char *text = tn_bench_ui_searches[s];

        /* One query per keystroke, on the text typed so far. */
        for (gsize len = 1; len <= strlen (text); len++)
          {
            g_autofree char *typed = g_strndup (text, len);
            g_autoptr(GPtrArray) found = NULL;
            gint64 t0, dt;

            if (typed[len - 1] == ' ')
              continue;
            t0 = g_get_monotonic_time ();
            found = tn_store_list_products (store, typed, SEARCH_LIMIT, &error);
            dt = g_get_monotonic_time () - t0;
            tn_bench_check (error, "A search");
            g_array_append_val (samples, dt);
            if (round == ROUNDS - 1 && dt > slowest[G_N_ELEMENTS (slowest) - 1].us)
              {
                guint k = G_N_ELEMENTS (slowest) - 1;

                g_free (slowest[k].typed);
                for (; k > 0 && slowest[k - 1].us < dt; k--)
                  slowest[k] = slowest[k - 1];
                slowest[k].us = dt;
                slowest[k].typed = g_strdup (typed);
              }
            results += found->len;
            keystrokes++;
          }
      }
  tn_bench_print_latency ("search per keystroke", samples, tn_bench_seconds (start));
  printf ("  (%u keystrokes, %.1f results on average; target p99 < 16 ms)\n",
          keystrokes, (double) results / MAX (keystrokes, 1));
  printf ("  slowest keystrokes (last round):");
  for (guint k = 0; k < G_N_ELEMENTS (slowest) && slowest[k].typed != NULL; k++)
    {
      printf (" “%s” %.1f ms%s", slowest[k].typed, slowest[k].us / 1000.0,
              k + 1 < G_N_ELEMENTS (slowest) ? ";" : "");
      g_free (slowest[k].typed);
    }
  printf ("\n");
  return 0;
}
