/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* prlimit () */
#endif
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "tn-fault-campaign.h"
#include "tn-test-util.h"

/* The seeded fault campaign: four real lanes and a real hub on loopback,
 * every link through a TnFaultProxy, a random workload (sales on every
 * lane, voids, stock received, price edits, concurrent edits of one
 * product on isolated lanes) and random faults (kill -9 of lanes and of
 * the hub, partitions, cut, blackholed, slow and replayed links, clock
 * skew, a full disk for one `sell` and under running lanes), all drawn
 * from the seed.
 * Then everything heals and tn-fault-checks.c checks the end state
 * against the recorded history.  A failure prints the seed and the
 * history.
 *
 * `meson test` runs seeds 1-3.  The long campaign:
 *
 *   meson test -C _build test-fault-campaign --timeout-multiplier 0 \
 *     --test-args '--seeds 1-300'
 *
 * (or TN_FAULT_SEEDS=1-300; one seed: --seed N; --verbose prints the
 * history of passing seeds too). */

#define N_LANES       4
#define N_PRODUCTS    6
#define N_STEPS       60

static char *
one_line (const char *text)
{
  char *line = g_strstrip (g_strdup (text ? text : ""));

  g_strdelimit (line, "\n", ' ');
  return line;
}

/* Set-up ------------------------------------------------------------------ */

static void
set_config (TnLane     *lane,
            const char *group,
            const char *key,
            const char *value)
{
  g_autofree char *config = g_build_filename (lane->dir, "config.ini", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (keyfile, config, G_KEY_FILE_KEEP_COMMENTS, &error);
  g_assert_no_error (error);
  g_key_file_set_string (keyfile, group, key, value);
  g_key_file_save_to_file (keyfile, config, &error);
  g_assert_no_error (error);
}

static void
init_lane (TnCampaign *c,
           guint       i)
{
  TnLane *lane = &c->lanes.lanes[i];
  g_autofree char *port = g_strdup_printf ("%u", lane->port);
  g_autofree char *peer = g_strdup_printf ("ws://127.0.0.1:%u/tendero/v1/sync",
                                           tn_fault_proxy_get_port (c->peer_links[i]));
  g_autofree char *hub = g_strdup_printf ("http://127.0.0.1:%u",
                                          tn_fault_proxy_get_port (c->hub_links[i]));
  static const char *const hub_timings[][2] = {
    { "upload-interval-ms", "300" }, { "batch-max", "40" }, { "backoff-base-ms", "50" },
    { "backoff-cap-ms", "400" }, { "breaker-open-ms", "1500" },
    { "request-timeout-ms", "5000" },
  };

  lane->terminal = g_strdup_printf ("L%u", i + 1);
  lane->dir = g_build_filename (c->lanes.root, lane->terminal, NULL);
  /* Criticals (programming errors) stay fatal, warnings do not: libsoup
   * warns "could not get remote address" when a connection is reset
   * between accept () and getpeername () — which the proxy's cuts do,
   * as real networks do — and a lane rightly carries on (seed 47). */
  tn_lane_setenv (lane, "G_DEBUG", "gc-friendly,fatal-criticals");
  /* Skewed clocks: up to ten minutes either way on some lanes. */
  if (g_rand_boolean (c->rand))
    {
      g_autofree char *offset = g_strdup_printf ("%d", g_rand_int_range (c->rand, -600000,
                                                                         600001));

      tn_lane_setenv (lane, "TENDERO_CLOCK_OFFSET_MS", offset);
      tn_campaign_log (c, "%s clock offset %s ms", lane->terminal, offset);
    }
  g_free (tn_lane_ctl (lane, "init", "--store", "S", "--terminal", lane->terminal, "--port",
                       port, "--peer", peer, "--store-key-file", c->lanes.key_file, NULL));
  set_config (lane, "lane", "sync-backoff-base-ms", "200");
  set_config (lane, "lane", "hub", hub);
  set_config (lane, "lane", "hub-key-file", c->hub_key_file);
  for (guint k = 0; k < G_N_ELEMENTS (hub_timings); k++)
    set_config (lane, "hub", hub_timings[k][0], hub_timings[k][1]);
  c->lanes.n_lanes = MAX (c->lanes.n_lanes, i + 1);
}

static TnCampaign *
campaign_new (guint seed)
{
  TnCampaign *c = g_new0 (TnCampaign, 1);
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;

  c->seed = seed;
  c->rand = g_rand_new_with_seed (seed);
  c->start_us = g_get_monotonic_time ();
  c->n_lanes = N_LANES;
  c->n_products = N_PRODUCTS;
  c->history = g_ptr_array_new_with_free_func (g_free);
  c->sales = g_ptr_array_new ();
  c->maybe_sales = g_ptr_array_new ();
  c->conflict_skus = g_ptr_array_new_with_free_func (g_free);
  c->problems = g_ptr_array_new_with_free_func (g_free);
  c->full_disk_lane = -1;
  tn_lane_fixture_setup (&c->lanes, NULL);
  c->pg = tn_pg_cluster_start ();
  c->hub = tn_hub_start (c->pg);
  key = tn_hub_create_key (c->pg, "S");
  c->hub_key_file = g_build_filename (c->lanes.root, "hub.key", NULL);
  g_file_set_contents_full (c->hub_key_file, key, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < c->n_lanes; i++)
    {
      g_autofree char *peer_name = g_strdup_printf ("L%u→L%u", i + 1, (i + 1) % c->n_lanes + 1);
      g_autofree char *hub_name = g_strdup_printf ("L%u→hub", i + 1);

      c->peer_links[i] = tn_fault_proxy_new (peer_name,
                                             c->lanes.lanes[(i + 1) % c->n_lanes].port);
      c->hub_links[i] = tn_fault_proxy_new (hub_name, c->hub->port);
    }
  for (guint i = 0; i < c->n_lanes; i++)
    init_lane (c, i);
  return c;
}

static void
sale_free (TnFaultSale *sale)
{
  g_free (sale->sale_id);
  g_free (sale);
}

static void
campaign_free (TnCampaign *c)
{
  for (guint i = 0; i < c->n_lanes; i++)
    {
      tn_fault_proxy_free (c->peer_links[i]);
      tn_fault_proxy_free (c->hub_links[i]);
    }
  tn_lane_fixture_teardown (&c->lanes, NULL);
  if (c->hub != NULL)
    tn_hub_stop (c->hub);
  tn_pg_cluster_stop (c->pg);
  for (guint i = 0; i < c->sales->len; i++)
    sale_free (c->sales->pdata[i]);
  g_ptr_array_unref (c->sales);
  for (guint i = 0; i < c->maybe_sales->len; i++)
    sale_free (c->maybe_sales->pdata[i]);
  g_ptr_array_unref (c->maybe_sales);
  g_ptr_array_unref (c->history);
  g_ptr_array_unref (c->conflict_skus);
  g_ptr_array_unref (c->problems);
  g_free (c->hub_key_file);
  g_free (c->full_disk_message);
  g_rand_free (c->rand);
  g_free (c);
}

/* Workload ---------------------------------------------------------------- */

static guint
pick_lane (TnCampaign *c)
{
  return g_rand_int_range (c->rand, 0, c->n_lanes);
}

static void
op_sell (TnCampaign *c,
         guint       i,
         gboolean    full_disk)
{
  guint product = g_rand_int_range (c->rand, 1, N_PRODUCTS + 1);
  guint units = g_rand_int_range (c->rand, 1, 4);
  g_autofree char *sku = g_strdup_printf ("P%u", product);
  g_autofree char *qty = g_strdup_printf ("%u", units);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *message = NULL;
  int status;

  status = tn_campaign_ctl_full (c, i, full_disk, &out, &err, "sell", "--sku", sku, "--qty", qty, "--json",
                     NULL);
  message = one_line (err);
  if (status == 0)
    {
      g_autoptr(JsonNode) root = json_from_string (out, NULL);
      TnFaultSale *sale = g_new0 (TnFaultSale, 1);
      JsonObject *receipt;

      g_assert_nonnull (root);
      receipt = json_node_get_object (root);
      sale->sale_id = g_strdup (json_object_get_string_member (receipt, "sale_id"));
      sale->lane = i;
      sale->product = product;
      sale->qty = units;
      g_ptr_array_add (c->sales, sale);
      tn_campaign_log (c, "L%u sell %s x%s%s → committed %s doc %s", i + 1, sku, qty,
                       full_disk ? " (full disk)" : "", sale->sale_id,
                       json_object_get_string_member (receipt, "fiscal_doc"));
    }
  else
    {
      c->n_refused_sales++;
      tn_campaign_log (c, "L%u sell %s x%s%s → refused (exit %d): %s", i + 1, sku, qty,
                       full_disk ? " (full disk)" : "", status, message);
    }
  if (full_disk)
    {
      c->full_disk_lane = i;
      c->full_disk_status = status;
      c->full_disk_message = g_steal_pointer (&message);
    }
}

/* A `sell` killed (-9) a few milliseconds in, as a lane losing power
 * mid-sale: nobody was told whether it committed, so it may be there
 * (once, whole) or not at all; the checks resolve it. */
static void
op_sell_interrupted (TnCampaign *c,
                     guint       i)
{
  TnLane *lane = &c->lanes.lanes[i];
  guint product = g_rand_int_range (c->rand, 1, N_PRODUCTS + 1);
  guint units = g_rand_int_range (c->rand, 1, 4);
  guint after_ms = g_rand_int_range (c->rand, 0, 15);
  g_autofree char *sku = g_strdup_printf ("P%u", product);
  g_autofree char *qty = g_strdup_printf ("%u", units);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_subprocess_launcher_set_child_setup (launcher, tn_lane_child_setup, NULL, NULL);
  if (lane->env != NULL)
    g_subprocess_launcher_set_environ (launcher, lane->env);
  process = g_subprocess_launcher_spawn (launcher, &error, tn_lane_program ("TN_CTL"),
                                         "--data-dir", lane->dir, "sell", "--sku", sku, "--qty",
                                         qty, "--json", NULL);
  g_assert_no_error (error);
  g_usleep (after_ms * 1000);
  g_subprocess_force_exit (process);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, NULL);
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    {
      g_autoptr(JsonNode) root = json_from_string (out, NULL);
      TnFaultSale *sale = g_new0 (TnFaultSale, 1);

      g_assert_nonnull (root);
      sale->sale_id = g_strdup (json_object_get_string_member (json_node_get_object (root),
                                                               "sale_id"));
      sale->lane = i;
      sale->product = product;
      sale->qty = units;
      g_ptr_array_add (c->sales, sale);
      tn_campaign_log (c, "L%u sell %s x%s, killed after %u ms → had committed %s", i + 1, sku,
                       qty, after_ms, sale->sale_id);
    }
  else if (g_subprocess_get_if_signaled (process))
    {
      TnFaultSale *maybe = g_new0 (TnFaultSale, 1);

      maybe->lane = i;
      maybe->product = product;
      maybe->qty = units;
      g_ptr_array_add (c->maybe_sales, maybe);
      tn_campaign_log (c, "L%u sell %s x%s, killed after %u ms → unknown", i + 1, sku, qty,
                       after_ms);
    }
  else
    {
      c->n_refused_sales++;
      tn_campaign_log (c, "L%u sell %s x%s, killed after %u ms → refused", i + 1, sku, qty,
                       after_ms);
    }
}

static void
op_void (TnCampaign *c)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *message = NULL;
  TnFaultSale *sale;
  int status;

  if (c->sales->len == 0)
    return;
  sale = c->sales->pdata[g_rand_int_range (c->rand, 0, c->sales->len)];
  if (sale->voided)
    return;
  status = tn_campaign_ctl (c, sale->lane, &out, &err, "void", sale->sale_id, "--reason",
                            "fault campaign", NULL);
  message = one_line (status == 0 ? out : err);
  sale->voided = status == 0;
  tn_campaign_log (c, "L%u void %s → %s %s", sale->lane + 1, sale->sale_id,
                   status == 0 ? "ok" : "refused", message);
}

static int
op_simple (TnCampaign *c,
           guint       i,
           const char *first,
           ...)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *message = NULL;
  g_autofree char *command = NULL;
  GString *text = g_string_new (first);
  va_list args;
  int status;

  va_start (args, first);
  for (const char *arg = va_arg (args, const char *); arg != NULL;
       arg = va_arg (args, const char *))
    g_string_append_printf (text, " %s", arg);
  va_end (args);
  command = g_string_free (text, FALSE);
  va_start (args, first);
  status = tn_campaign_ctl_va (c, i, FALSE, &out, &err, first, args);
  va_end (args);
  message = one_line (status == 0 ? out : err);
  tn_campaign_log (c, "L%u %s → %s %s", i + 1, command, status == 0 ? "ok" : "FAILED",
                   message);
  if (status != 0)
    tn_campaign_problem (c, "L%u %s failed: %s", i + 1, command, message);
  return status;
}

static void
op_price (TnCampaign *c)
{
  int k = g_rand_int_range (c->rand, 1, N_PRODUCTS + 1);
  g_autofree char *sku = g_strdup_printf ("P%d", k);
  g_autofree char *price = g_strdup_printf ("%d.%02d", g_rand_int_range (c->rand, 1, 20),
                                            g_rand_int_range (c->rand, 0, 100));

  /* One lane owns each product's price: its edits are sequential, so
   * none of them may become a conflict. */
  op_simple (c, k % c->n_lanes, "product", "set-price", "--sku", sku, "--price", price, NULL);
}

/* Faults ------------------------------------------------------------------ */

static void
set_all_links (TnCampaign  *c,
               TnFaultMode  mode)
{
  for (guint i = 0; i < c->n_lanes; i++)
    {
      tn_fault_proxy_set_mode (c->peer_links[i], mode);
      tn_fault_proxy_set_mode (c->hub_links[i], mode);
      tn_fault_proxy_set_delay (c->peer_links[i], 0, 0);
      tn_fault_proxy_set_delay (c->hub_links[i], 0, 0);
      if (mode != TN_FAULT_PASS)
        {
          tn_fault_proxy_cut (c->peer_links[i]);
          tn_fault_proxy_cut (c->hub_links[i]);
        }
    }
}

static TnFaultProxy *
pick_link (TnCampaign *c)
{
  guint i = pick_lane (c);

  return g_rand_boolean (c->rand) ? c->peer_links[i] : c->hub_links[i];
}

static void
fault_kill_lane (TnCampaign *c)
{
  guint i = pick_lane (c);
  TnLane *lane = &c->lanes.lanes[i];

  if (lane->process != NULL)
    {
      tn_lane_kill (lane);
      c->lane_disk_full[i] = FALSE;
      tn_campaign_log (c, "fault: kill -9 %s", lane->terminal);
    }
  else
    {
      tn_lane_start (lane);
      tn_campaign_log (c, "heal: restart %s", lane->terminal);
    }
}

/* A full disk under the running lane: its file-size limit drops to 1 KiB
 * (SIGXFSZ is ignored, so writes fail with EFBIG as with ENOSPC), or
 * goes back to none.  Only the soft limit moves, so no privilege is
 * needed to lift it again. */
static void
set_lane_disk (TnCampaign *c,
               guint       i,
               gboolean    full)
{
  TnLane *lane = &c->lanes.lanes[i];
  struct rlimit limit = { full ? 1024 : RLIM_INFINITY, RLIM_INFINITY };
  const char *pid;

  if (lane->process == NULL || (pid = g_subprocess_get_identifier (lane->process)) == NULL)
    return;
  if (prlimit (atoi (pid), RLIMIT_FSIZE, &limit, NULL) != 0)
    {
      tn_campaign_problem (c, "prlimit on %s failed: %s", lane->terminal, g_strerror (errno));
      return;
    }
  c->lane_disk_full[i] = full;
  tn_campaign_log (c, full ? "fault: %s's disk is full (running lane)"
                           : "heal: %s's disk has space again", lane->terminal);
}

static void
fault_lane_disk (TnCampaign *c)
{
  guint i = pick_lane (c);

  set_lane_disk (c, i, !c->lane_disk_full[i]);
}

static void
start_hub (TnCampaign *c)
{
  c->hub = tn_hub_start (c->pg);
  for (guint i = 0; i < c->n_lanes; i++)
    tn_fault_proxy_set_target (c->hub_links[i], c->hub->port);
}

static void
fault_kill_hub (TnCampaign *c)
{
  if (c->hub != NULL)
    {
      g_subprocess_force_exit (c->hub->process);
      tn_hub_stop (c->hub);
      c->hub = NULL;
      for (guint i = 0; i < c->n_lanes; i++)
        tn_fault_proxy_set_target (c->hub_links[i], 0);
      tn_campaign_log (c, "fault: kill -9 hub");
    }
  else
    {
      start_hub (c);
      tn_campaign_log (c, "heal: restart hub on port %u", c->hub->port);
    }
}

static void
fault_partition (TnCampaign *c)
{
  GString *cut = g_string_new (NULL);

  for (guint i = 0; i < c->n_lanes; i++)
    for (guint h = 0; h < 2; h++)
      {
        TnFaultProxy *link = h ? c->hub_links[i] : c->peer_links[i];

        if (g_rand_int_range (c->rand, 0, 3) == 0)
          {
            tn_fault_proxy_set_mode (link, TN_FAULT_REFUSE);
            tn_fault_proxy_cut (link);
            g_string_append_printf (cut, " %s", tn_fault_proxy_get_name (link));
          }
      }
  tn_campaign_log (c, "fault: partition, refused:%s", cut->str);
  g_string_free (cut, TRUE);
}

static void
fault_link (TnCampaign *c)
{
  TnFaultProxy *link = pick_link (c);
  int kind = g_rand_int_range (c->rand, 0, 3);

  if (kind == 0)
    {
      guint base = g_rand_int_range (c->rand, 0, 150);
      guint jitter = g_rand_int_range (c->rand, 0, 150);

      tn_fault_proxy_set_delay (link, base, jitter);
      tn_campaign_log (c, "fault: %s delayed %u ms + up to %u ms", tn_fault_proxy_get_name (link),
                       base, jitter);
    }
  else if (kind == 1)
    {
      tn_fault_proxy_set_mode (link, TN_FAULT_BLACKHOLE);
      tn_campaign_log (c, "fault: %s blackholed", tn_fault_proxy_get_name (link));
    }
  else
    {
      gboolean sent = tn_fault_proxy_replay (link);

      tn_campaign_log (c, "fault: %s replayed its last client stream (%s)",
                       tn_fault_proxy_get_name (link), sent ? "sent" : "nothing to send");
    }
}

/* Edits of one product on two isolated lanes: exactly one conflict. */
static void
concurrent_edit (TnCampaign *c)
{
  g_autofree char *sku = g_strdup_printf ("C%u", c->conflict_skus->len + 1);
  guint a = pick_lane (c);
  guint b = (a + g_rand_int_range (c->rand, 1, c->n_lanes)) % c->n_lanes;

  set_all_links (c, TN_FAULT_REFUSE);
  tn_campaign_log (c, "fault: full partition for concurrent edits of %s", sku);
  op_simple (c, a, "product", "set-price", "--sku", sku, "--price", "3.10", NULL);
  op_simple (c, b, "product", "set-price", "--sku", sku, "--price", "4.20", NULL);
  g_ptr_array_add (c->conflict_skus, g_steal_pointer (&sku));
}

/* Two halves (the hub on one side) with an edit of one product in each:
 * the lanes of a half still sync with each other, but not across. */
static void
split_edit (TnCampaign *c)
{
  g_autofree char *sku = g_strdup_printf ("C%u", c->conflict_skus->len + 1);
  gboolean side[TN_LANE_MAX];
  gboolean hub_side = g_rand_boolean (c->rand);
  guint a = pick_lane (c);
  int b = -1;
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < c->n_lanes; i++)
    side[i] = i == a ? TRUE : g_rand_boolean (c->rand);
  for (guint i = 0; i < c->n_lanes; i++)
    if (!side[i] && b < 0)
      b = i;
  if (b < 0)
    side[b = (a + 1) % c->n_lanes] = FALSE;
  for (guint i = 0; i < c->n_lanes; i++)
    {
      gboolean cross_peer = side[i] != side[(i + 1) % c->n_lanes];
      gboolean cross_hub = side[i] != hub_side;

      tn_fault_proxy_set_mode (c->peer_links[i], cross_peer ? TN_FAULT_REFUSE : TN_FAULT_PASS);
      tn_fault_proxy_set_mode (c->hub_links[i], cross_hub ? TN_FAULT_REFUSE : TN_FAULT_PASS);
      if (cross_peer)
        tn_fault_proxy_cut (c->peer_links[i]);
      if (cross_hub)
        tn_fault_proxy_cut (c->hub_links[i]);
      g_string_append_printf (text, " L%u:%c", i + 1, side[i] ? 'A' : 'B');
    }
  tn_campaign_log (c, "fault: split%s hub:%c, for concurrent edits of %s", text->str,
                   hub_side ? 'A' : 'B', sku);
  g_string_free (text, TRUE);
  op_simple (c, a, "product", "set-price", "--sku", sku, "--price", "5.30", NULL);
  op_simple (c, b, "product", "set-price", "--sku", sku, "--price", "6.40", NULL);
  g_ptr_array_add (c->conflict_skus, g_steal_pointer (&sku));
}

static void
heal_all (TnCampaign *c)
{
  set_all_links (c, TN_FAULT_PASS);
  if (c->hub == NULL)
    start_hub (c);
  for (guint i = 0; i < c->n_lanes; i++)
    {
      TnLane *lane = &c->lanes.lanes[i];

      /* Only kill -9 may end a lane. */
      if (lane->process != NULL && g_subprocess_get_identifier (lane->process) == NULL)
        {
          g_subprocess_wait (lane->process, NULL, NULL);
          tn_campaign_problem (c, "%s died without being killed (exit status %d; see %s.log)",
                               lane->terminal, g_subprocess_get_status (lane->process),
                               lane->dir);
          g_clear_object (&lane->process);
          c->lane_disk_full[i] = FALSE;
        }
      if (c->lane_disk_full[i])
        set_lane_disk (c, i, FALSE);
      if (c->lanes.lanes[i].process == NULL)
        tn_lane_start (&c->lanes.lanes[i]);
    }
  tn_campaign_log (c, "heal: every link passes, every process runs, every disk has space");
}

/* One seed ---------------------------------------------------------------- */

static void
set_up_catalogue (TnCampaign *c)
{
  for (guint k = 1; k <= N_PRODUCTS + 3; k++)
    {
      g_autofree char *sku = g_strdup_printf (k <= N_PRODUCTS ? "P%u" : "C%u",
                                              k <= N_PRODUCTS ? k : k - N_PRODUCTS);

      g_free (tn_lane_ctl (&c->lanes.lanes[0], "product", "add", "--sku", sku, "--name", sku,
                           "--price", "2.50", NULL));
      g_free (tn_lane_ctl (&c->lanes.lanes[0], "stock", "receive", "--sku", sku, "--qty", "40",
                           "--reason", "opening stock", NULL));
      if (k <= N_PRODUCTS)
        c->received[k] = 40;
    }
  for (guint i = 0; i < c->n_lanes; i++)
    tn_lane_start (&c->lanes.lanes[i]);
  tn_lane_wait_converged (&c->lanes, c->n_lanes, 60 * G_USEC_PER_SEC);
  tn_campaign_log (c, "catalogue P1-P%d, C1-C3 on every lane", N_PRODUCTS);
}

/* Special steps: the full disk, and two concurrent-edit episodes. */
typedef struct
{
  guint full_disk;
  guint isolated_edit;
  guint split_edit;
} Plan;

static void
step (TnCampaign *c,
      guint       n,
      const Plan *plan)
{
  int roll = g_rand_int_range (c->rand, 0, 100);

  if (n == plan->full_disk)
    op_sell (c, pick_lane (c), TRUE);
  else if (n == plan->isolated_edit)
    concurrent_edit (c);
  else if (n == plan->split_edit)
    split_edit (c);
  else if (roll < 42)
    op_sell (c, pick_lane (c), FALSE);
  else if (roll < 45)
    op_sell_interrupted (c, pick_lane (c));
  else if (roll < 52)
    op_void (c);
  else if (roll < 58)
    {
      guint i = pick_lane (c);
      guint product = g_rand_int_range (c->rand, 1, N_PRODUCTS + 1);
      g_autofree char *sku = g_strdup_printf ("P%u", product);

      if (op_simple (c, i, "stock", "receive", "--sku", sku, "--qty", "5", "--reason",
                     "delivery", NULL) == 0)
        c->received[product] += 5;
    }
  else if (roll < 64)
    op_price (c);
  else if (roll < 69)
    fault_kill_lane (c);
  else if (roll < 72)
    fault_lane_disk (c);
  else if (roll < 77)
    fault_kill_hub (c);
  else if (roll < 83)
    fault_partition (c);
  else if (roll < 92)
    fault_link (c);
  else
    {
      set_all_links (c, TN_FAULT_PASS);
      tn_campaign_log (c, "heal: every link passes");
    }
  g_usleep (g_rand_int_range (c->rand, 0, 150) * 1000);
}

static void
report (TnCampaign *c)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "Fault campaign seed %u FAILED; replay with --seed %u\n",
                          c->seed, c->seed);
  for (guint i = 0; i < c->problems->len; i++)
    g_string_append_printf (text, "  problem: %s\n", (char *) c->problems->pdata[i]);
  g_string_append (text, "History:\n");
  for (guint i = 0; i < c->history->len; i++)
    g_string_append_printf (text, "  %s\n", (char *) c->history->pdata[i]);
  g_printerr ("%s", text->str);
  g_test_message ("%s", text->str);
  g_string_free (text, TRUE);
}

static void
test_seed (gconstpointer data)
{
  guint seed = GPOINTER_TO_UINT (data);
  TnCampaign *c = campaign_new (seed);
  Plan plan;

  /* Three different steps. */
  plan.full_disk = g_rand_int_range (c->rand, 0, N_STEPS / 3);
  plan.isolated_edit = g_rand_int_range (c->rand, N_STEPS / 3, 2 * N_STEPS / 3);
  plan.split_edit = g_rand_int_range (c->rand, 2 * N_STEPS / 3, N_STEPS);
  set_up_catalogue (c);
  for (guint n = 0; n < N_STEPS; n++)
    step (c, n, &plan);
  heal_all (c);
  if (tn_fault_wait_quiet (c))
    {
      tn_campaign_log (c, "quiescent: %u sales committed, %u refused", c->sales->len,
                       c->n_refused_sales);
      tn_fault_check_all (c);
    }
  if (c->problems->len > 0)
    {
      report (c);
      g_test_fail_printf ("seed %u: %u problems (history above)", seed, c->problems->len);
    }
  else
    {
      if (g_test_verbose ())
        for (guint i = 0; i < c->history->len; i++)
          g_test_message ("  %s", (char *) c->history->pdata[i]);
      g_test_message ("seed %u: %u sales, %u refused, %u history lines, all checks passed",
                      seed, c->sales->len, c->n_refused_sales, c->history->len);
    }
  campaign_free (c);
}

/* Seeds: --seed N, --seeds A-B, or TN_FAULT_SEEDS=A-B; default 1-3. */
static gboolean
parse_seeds (const char *text,
             guint      *first,
             guint      *last)
{
  g_auto(GStrv) parts = g_strsplit (text, "-", 2);
  guint64 a, b;

  if (!g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT32, &a, NULL))
    return FALSE;
  b = a;
  if (parts[1] != NULL && !g_ascii_string_to_unsigned (parts[1], 10, a, G_MAXUINT32, &b, NULL))
    return FALSE;
  *first = a;
  *last = b;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *range = g_getenv ("TN_FAULT_SEEDS");
  guint first = 1, last = 3;
  int kept = 1;

  for (int i = 1; i < argc; i++)
    {
      if ((g_str_equal (argv[i], "--seed") || g_str_equal (argv[i], "--seeds")) && i + 1 < argc)
        range = argv[++i];
      else
        argv[kept++] = argv[i];
    }
  argc = kept;
  argv[argc] = NULL;
  if (range != NULL && !parse_seeds (range, &first, &last))
    {
      g_printerr ("Invalid seeds “%s”: give N or A-B (1 ≤ A ≤ B)\n", range);
      return 2;
    }
  g_test_init (&argc, &argv, NULL);
  tn_lane_require_binaries ();
  /* Inherited by the lanes and tendero-ctl: a file-size limit (the full
   * disk) then fails writes with EFBIG instead of killing them. */
  signal (SIGXFSZ, SIG_IGN);
  for (guint seed = first; seed <= last && seed >= first; seed++)
    {
      g_autofree char *path = g_strdup_printf ("/fault/seed-%u", seed);

      g_test_add_data_func (path, GUINT_TO_POINTER (seed), test_seed);
    }
  return g_test_run ();
}
