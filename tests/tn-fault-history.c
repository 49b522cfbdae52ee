/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "tn-fault-campaign.h"

/* The fault campaign's history (what the checks and a replay need) and
 * its tendero-ctl runs, which may fail without failing the test. */

void
tn_campaign_log (TnCampaign *c,
                 const char *format,
                 ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (c->history, g_strdup_printf ("%+7.2fs  %s",
                                                (g_get_monotonic_time () - c->start_us) / 1e6,
                                                text));
}

void
tn_campaign_problem (TnCampaign *c,
                     const char *format,
                     ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (c->problems, g_strdup_vprintf (format, args));
  va_end (args);
}

typedef struct
{
  gboolean full_disk;
} ChildSetup;

static void
ctl_child_setup (gpointer data)
{
  ChildSetup *setup = data;

#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
  if (setup != NULL && setup->full_disk)
    {
      /* The file-size limit stands for a full disk; the signal it would
       * raise is ignored so that the write fails with EFBIG instead. */
      struct rlimit limit = { 1024, 1024 };

      signal (SIGXFSZ, SIG_IGN);
      setrlimit (RLIMIT_FSIZE, &limit);
    }
}

int
tn_campaign_ctl_va (TnCampaign  *c,
         guint        index,
         gboolean     full_disk,
         char       **out,
         char       **err,
         const char  *first,
         va_list      args)
{
  TnLane *lane = &c->lanes.lanes[index];
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  ChildSetup setup = { full_disk };
  int status = -1;

  g_ptr_array_add (argv, (char *) tn_lane_program ("TN_CTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, lane->dir);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, lane->env, G_SPAWN_DEFAULT, ctl_child_setup,
                &setup, out, err, &status, &error);
  g_assert_no_error (error);
  if (g_spawn_check_wait_status (status, NULL))
    return 0;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

int
tn_campaign_ctl (TnCampaign  *c,
                 guint        index,
                 char       **out,
                 char       **err,
                 const char  *first,
                 ...)
{
  va_list args;
  int status;

  va_start (args, first);
  status = tn_campaign_ctl_va (c, index, FALSE, out, err, first, args);
  va_end (args);
  return status;
}

int
tn_campaign_ctl_full (TnCampaign  *c,
          guint        index,
          gboolean     full_disk,
          char       **out,
          char       **err,
          const char  *first,
          ...)
{
  va_list args;
  int status;

  va_start (args, first);
  status = tn_campaign_ctl_va (c, index, full_disk, out, err, first, args);
  va_end (args);
  return status;
}

