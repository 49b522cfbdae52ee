/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Builds (once) the lane the UI benchmarks open and prints its data
 * directory on the last line; bench-ui-start.py runs it.
 *
 * Usage: bench-ui-fixture [PRODUCTS [EVENTS]]   (default 100000 1000000)
 * with $TN_CTL and $TN_BENCH_UI_CACHE set. */

#include <stdio.h>
#include <stdlib.h>

#include "tn-bench-ui-fixture.h"
#include "tn-bench-util.h"

int
main (int    argc,
      char **argv)
{
  guint n_products = tn_bench_parse_count (argc, argv, 100000);
  guint n_events = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 1000000;
  const char *ctl = g_getenv ("TN_CTL");
  const char *cache = g_getenv ("TN_BENCH_UI_CACHE");
  g_autofree char *dir = NULL;

  if (ctl == NULL || cache == NULL)
    g_error ("Set TN_CTL (tendero-ctl) and TN_BENCH_UI_CACHE");
  dir = tn_bench_ui_fixture (ctl, cache, n_products, MAX (n_events, n_products));
  printf ("%s\n", dir);
  return 0;
}
