/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TN_BACKOFF_DEFAULT_BASE_MS 1000
#define TN_BACKOFF_DEFAULT_CAP_MS  60000

/* Exponential backoff for reconnecting (DESIGN §4, §5).  A plain value:
 * each peer link or client keeps its own. */
typedef struct
{
  guint base_ms;
  guint cap_ms;      /* below G_MAXINT32 (24 days) */
  guint attempt;     /* failures since the last reset, saturating at 32 */
} TnBackoff;

/* @base_ms 0 and @cap_ms 0 mean the defaults. */
void  tn_backoff_init                    (TnBackoff *self,
                                          guint      base_ms,
                                          guint      cap_ms);
void  tn_backoff_reset                   (TnBackoff *self);

/* Full jitter: a delay uniform in [0, min (cap, base · 2^attempt)],
 * then one more attempt.  @rand may be NULL (the global generator);
 * tests pass a seeded one. */
guint tn_backoff_next_delay              (TnBackoff *self,
                                          GRand     *rand);

/* Proportional jitter: min (cap, base · 2^attempt) scaled by a factor
 * uniform in [1 − @jitter, 1 + @jitter] (0.2 for ±20 %), then one more
 * attempt.  The result may pass the cap by up to @jitter of it. */
guint tn_backoff_next_delay_proportional (TnBackoff *self,
                                          GRand     *rand,
                                          double     jitter);

G_END_DECLS
