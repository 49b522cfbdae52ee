/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-backoff.h"

/* Enough doublings to reach any cap from a base of 1 ms. */
#define MAX_SHIFT 31
/* So that a delay range [0, cap] fits g_rand_int_range (). */
#define MAX_CAP_MS ((guint) G_MAXINT32 - 1)

void
tn_backoff_init (TnBackoff *self,
                 guint      base_ms,
                 guint      cap_ms)
{
  g_return_if_fail (self != NULL);

  self->base_ms = base_ms > 0 ? base_ms : TN_BACKOFF_DEFAULT_BASE_MS;
  self->cap_ms = cap_ms > 0 ? MIN (cap_ms, MAX_CAP_MS) : TN_BACKOFF_DEFAULT_CAP_MS;
  self->attempt = 0;
}

void
tn_backoff_reset (TnBackoff *self)
{
  g_return_if_fail (self != NULL);

  self->attempt = 0;
}

/* min (cap, base · 2^attempt) without overflowing, then attempt++
 * (saturating: past the cap more doublings change nothing). */
static guint
next_ceiling (TnBackoff *self)
{
  guint cap = MIN (self->cap_ms, MAX_CAP_MS);
  guint shift = MIN (self->attempt, MAX_SHIFT);
  guint ceiling;

  if (self->base_ms == 0)
    ceiling = 0;
  else if (self->base_ms > (cap >> shift))
    ceiling = cap;
  else
    ceiling = MIN (cap, self->base_ms << shift);

  if (self->attempt <= MAX_SHIFT)
    self->attempt++;
  return ceiling;
}

static double
uniform01 (GRand *rand)
{
  return rand != NULL ? g_rand_double (rand) : g_random_double ();
}

guint
tn_backoff_next_delay (TnBackoff *self,
                       GRand     *rand)
{
  guint ceiling;

  g_return_val_if_fail (self != NULL, 0);

  ceiling = next_ceiling (self);
  /* ceiling < G_MAXINT32, so the exclusive end fits a gint32. */
  if (rand != NULL)
    return (guint) g_rand_int_range (rand, 0, (gint32) ceiling + 1);
  return (guint) g_random_int_range (0, (gint32) ceiling + 1);
}

guint
tn_backoff_next_delay_proportional (TnBackoff *self,
                                    GRand     *rand,
                                    double     jitter)
{
  double nominal, factor, delay;

  g_return_val_if_fail (self != NULL, 0);

  jitter = CLAMP (jitter, 0.0, 1.0);
  nominal = next_ceiling (self);
  factor = 1.0 - jitter + 2.0 * jitter * uniform01 (rand);
  delay = nominal * factor;
  return (guint) CLAMP (delay, 0.0, (double) G_MAXUINT);
}
