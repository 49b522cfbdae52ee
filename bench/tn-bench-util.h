/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* The count a benchmark was asked for: its first argument if that is a
 * number, else @default_count. */
guint    tn_bench_parse_count    (int          argc,
                                  char       **argv,
                                  guint        default_count);

/* A fresh directory for the benchmark's databases.  With @parent NULL:
 * $TN_BENCH_DIR, else the current directory (a build tree is on the real
 * disk; /tmp is often tmpfs, which makes fsync free and the figures
 * meaningless).  Prints where it is and on what filesystem. */
char    *tn_bench_make_dir       (const char  *parent);
void     tn_bench_rmdir          (const char  *path);

/* "ext4", "tmpfs", … for the filesystem holding @path. */
const char *tn_bench_fs_name     (const char  *path);

/* A store in @dir/@file initialised as @terminal of store "bench-store". */
TnStore *tn_bench_store_new      (const char  *dir,
                                  const char  *file,
                                  const char  *terminal,
                                  gboolean     fiscal_authority,
                                  TnStoreFlags flags);

/* Adds @n products "P00000"… with prices and taxes, in one transaction. */
void     tn_bench_add_products   (TnStore     *store,
                                  guint        n);

/* Latency samples in microseconds. */
double   tn_bench_percentile     (GArray      *samples_us,
                                  double       fraction);
void     tn_bench_print_latency  (const char  *label,
                                  GArray      *samples_us,
                                  double       seconds);

gint64   tn_bench_file_size      (const char  *path);
double   tn_bench_seconds        (gint64       since_us);

/* Dies with @what and the message of @error if @error is set. */
void     tn_bench_check          (GError      *error,
                                  const char  *what);

G_END_DECLS
