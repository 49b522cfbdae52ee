/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-bench-util.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/vfs.h>

#include "tn-operations.h"

guint
tn_bench_parse_count (int     argc,
                      char  **argv,
                      guint   default_count)
{
  guint64 n;

  if (argc < 2 || !g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXUINT, &n, NULL))
    return default_count;
  return (guint) n;
}

const char *
tn_bench_fs_name (const char *path)
{
  struct statfs st;

  if (statfs (path, &st) != 0)
    return "unknown";
  switch ((unsigned long) st.f_type)
    {
    case 0xEF53UL: return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    case 0xF2F52010UL: return "f2fs";
    case 0x2FC12FC1UL: return "zfs";
    case 0x6969UL: return "nfs";
    case 0x65735546UL: return "fuse";
    case 0x858458F6UL: return "ramfs";
    default: return "other";
    }
}

char *
tn_bench_make_dir (const char *parent)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *template = NULL;
  const char *fs;
  char *dir;

  if (parent == NULL)
    parent = g_getenv ("TN_BENCH_DIR");
  if (parent == NULL)
    parent = cwd;
  template = g_build_filename (parent, "tendero-bench-XXXXXX", NULL);
  dir = g_mkdtemp (template) ? g_steal_pointer (&template) : NULL;
  if (dir == NULL)
    {
      fprintf (stderr, "Cannot create a directory under %s: %s\n", parent, g_strerror (errno));
      exit (1);
    }
  fs = tn_bench_fs_name (dir);
  printf ("Databases in %s (filesystem: %s)\n", dir, fs);
  if (g_str_equal (fs, "tmpfs") || g_str_equal (fs, "ramfs"))
    printf ("WARNING: this is memory, not a disk: fsync costs nothing here and the durable "
            "figures say nothing about a real lane. Pass a directory on the disk.\n");
  return dir;
}

void
tn_bench_rmdir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  g_rmdir (path);
}

void
tn_bench_check (GError     *error,
                const char *what)
{
  if (error == NULL)
    return;
  fprintf (stderr, "%s failed: %s\n", what, error->message);
  exit (1);
}

TnStore *
tn_bench_store_new (const char   *dir,
                    const char   *file,
                    const char   *terminal,
                    gboolean      fiscal_authority,
                    TnStoreFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, file, NULL);
  TnStoreIdentity identity = {
    .store_id = "bench-store",
    .terminal = terminal,
    .currency = "USD",
    .decimals = 2,
    .fiscal_authority = fiscal_authority,
  };
  TnStore *store = tn_store_open (path, flags, &error);

  tn_bench_check (error, "Opening the store");
  tn_store_initialize (store, &identity, &error);
  tn_bench_check (error, "Initialising the store");
  return store;
}

void
tn_bench_add_products (TnStore *store,
                       guint    n)
{
  g_autoptr(GError) error = NULL;

  tn_store_begin (store, &error);
  tn_bench_check (error, "Starting the catalogue");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sku = g_strdup_printf ("P%05u", i);
      g_autofree char *name = g_strdup_printf ("Product number %u", i);
      g_autofree char *barcode = g_strdup_printf ("7790%09u", i);
      TnProductSpec spec = { sku, name, 100 + (i * 37) % 5000, (gint) (i % 3) * 800, barcode };

      tn_store_append_product (store, &spec, &error);
      tn_bench_check (error, "Adding a product");
    }
  tn_store_commit (store, &error);
  tn_bench_check (error, "Saving the catalogue");
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

double
tn_bench_percentile (GArray *samples_us,
                     double  fraction)
{
  guint index;

  if (samples_us->len == 0)
    return 0;
  g_array_sort (samples_us, compare_gint64);
  index = (guint) (fraction * (samples_us->len - 1) + 0.5);
  return (double) g_array_index (samples_us, gint64, MIN (index, samples_us->len - 1));
}

void
tn_bench_print_latency (const char *label,
                        GArray     *samples_us,
                        double      seconds)
{
  printf ("%-44s p50 %8.0f us   p99 %8.0f us   max %8.0f us   %8.0f per second\n",
          label, tn_bench_percentile (samples_us, 0.50),
          tn_bench_percentile (samples_us, 0.99), tn_bench_percentile (samples_us, 1.0),
          samples_us->len / seconds);
}

gint64
tn_bench_file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return st.st_size;
}

double
tn_bench_seconds (gint64 since_us)
{
  return (g_get_monotonic_time () - since_us) / 1e6;
}
