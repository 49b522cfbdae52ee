/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What every fuzz target shares (tn-fuzz.c): LLVMFuzzerInitialize (),
 * which makes GLib criticals and warnings crashes, and the way a broken
 * property is reported. */

/* Prints "TARGET: @what: @detail" (@detail may be NULL) and aborts. */
void tn_fuzz_fail (const char *what,
                   const char *detail) G_GNUC_NORETURN;

G_END_DECLS
