/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The data directory the UI benchmarks open: a lane (made by
 * `tendero-ctl init`, so its config.ini is the real thing) holding
 * @n_products products and @n_events events in all — the catalogue, then
 * five-line sales, then stock deliveries — every event peer-acked, as on a
 * lane that has been selling for a long time, and a cashier whose PIN is
 * TN_BENCH_UI_PIN.  Built once, with fast
 * settings (synchronous=OFF, large transactions), in
 * @cache_dir/lane-<products>-<events>/, and reused: it is a fixture, not
 * what is measured.  @ctl is tendero-ctl.  Returns the directory
 * (transfer full); dies with a message on failure. */
#define TN_BENCH_UI_PIN "2468"   /* the fixture's cashier */

char *tn_bench_ui_fixture (const char *ctl,
                           const char *cache_dir,
                           guint       n_products,
                           guint       n_events);

/* What the cashiers type in the benchmarks, one entry per search: words
 * from the fixture's product names and barcodes. */
extern const char *const tn_bench_ui_searches[];

G_END_DECLS
