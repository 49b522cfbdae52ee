/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-fuzz.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize (int    *argc,
                          char ***argv);

static char *target_name;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  target_name = g_path_get_basename ((*argv)[0]);
  /* GSlice would hide use-after-free and leaks of JsonNodes from ASan
   * (run-fuzz.sh sets it too, before GLib starts). */
  g_setenv ("G_SLICE", "always-malloc", TRUE);
  /* A critical is a bug the input found: make it a crash. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

void
tn_fuzz_fail (const char *what,
              const char *detail)
{
  fprintf (stderr, "%s: %s%s%s\n", target_name ? target_name : "fuzz", what,
           detail ? ": " : "", detail ? detail : "");
  abort ();
}
