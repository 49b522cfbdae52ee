/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tn-ctl.h"

int
main (int    argc,
      char **argv)
{
  const char *localedir = g_getenv ("TENDERO_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* TENDERO_LOCALEDIR lets tests and uninstalled runs use the catalogues
   * in the build tree. */
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("tendero-ctl");

  return tn_ctl_run (argc, argv);
}
