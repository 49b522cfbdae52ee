/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-circuit-breaker.h"

struct _TnCircuitBreaker
{
  GObject parent_instance;

  guint           failure_threshold;
  gint64          open_us;
  TnClockFunc     clock;
  gpointer        clock_data;

  TnCircuitState  state;
  guint           failures;      /* consecutive */
  gint64          opened_at;     /* clock µs, when it last opened */
};

G_DEFINE_FINAL_TYPE (TnCircuitBreaker, tn_circuit_breaker, G_TYPE_OBJECT)

static gint64
monotonic_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static gint64
now_us (TnCircuitBreaker *self)
{
  return self->clock (self->clock_data);
}

static void
open_now (TnCircuitBreaker *self)
{
  self->state = TN_CIRCUIT_OPEN;
  self->opened_at = now_us (self);
}

static void
tn_circuit_breaker_class_init (TnCircuitBreakerClass *klass)
{
}

static void
tn_circuit_breaker_init (TnCircuitBreaker *self)
{
  self->clock = monotonic_clock;
  self->state = TN_CIRCUIT_CLOSED;
}

TnCircuitBreaker *
tn_circuit_breaker_new (guint failure_threshold,
                        guint open_ms)
{
  TnCircuitBreaker *self = g_object_new (TN_TYPE_CIRCUIT_BREAKER, NULL);

  self->failure_threshold = failure_threshold > 0 ? failure_threshold
                                                  : TN_CIRCUIT_BREAKER_DEFAULT_FAILURES;
  self->open_us = (gint64) (open_ms > 0 ? open_ms : TN_CIRCUIT_BREAKER_DEFAULT_OPEN_MS) * 1000;
  return self;
}

void
tn_circuit_breaker_set_clock (TnCircuitBreaker *self,
                              TnClockFunc       clock,
                              gpointer          user_data)
{
  g_return_if_fail (TN_IS_CIRCUIT_BREAKER (self));

  self->clock = clock != NULL ? clock : monotonic_clock;
  self->clock_data = user_data;
}

gboolean
tn_circuit_breaker_allow (TnCircuitBreaker *self)
{
  g_return_val_if_fail (TN_IS_CIRCUIT_BREAKER (self), FALSE);

  switch (self->state)
    {
    case TN_CIRCUIT_CLOSED:
      return TRUE;
    case TN_CIRCUIT_OPEN:
      if (now_us (self) - self->opened_at < self->open_us)
        return FALSE;
      self->state = TN_CIRCUIT_HALF_OPEN;
      return TRUE;
    case TN_CIRCUIT_HALF_OPEN:
    default:
      return FALSE;
    }
}

void
tn_circuit_breaker_success (TnCircuitBreaker *self)
{
  g_return_if_fail (TN_IS_CIRCUIT_BREAKER (self));

  self->failures = 0;
  self->state = TN_CIRCUIT_CLOSED;
}

void
tn_circuit_breaker_failure (TnCircuitBreaker *self)
{
  g_return_if_fail (TN_IS_CIRCUIT_BREAKER (self));

  if (self->failures < G_MAXUINT)
    self->failures++;
  /* A failed probe opens it again at once; closed, only a run of them. */
  if (self->state == TN_CIRCUIT_HALF_OPEN ||
      (self->state == TN_CIRCUIT_CLOSED && self->failures >= self->failure_threshold))
    open_now (self);
}

void
tn_circuit_breaker_trip (TnCircuitBreaker *self)
{
  g_return_if_fail (TN_IS_CIRCUIT_BREAKER (self));

  if (self->failures < G_MAXUINT)
    self->failures++;
  open_now (self);
}

TnCircuitState
tn_circuit_breaker_get_state (TnCircuitBreaker *self)
{
  g_return_val_if_fail (TN_IS_CIRCUIT_BREAKER (self), TN_CIRCUIT_CLOSED);
  return self->state;
}

guint
tn_circuit_breaker_get_failures (TnCircuitBreaker *self)
{
  g_return_val_if_fail (TN_IS_CIRCUIT_BREAKER (self), 0);
  return self->failures;
}

gint64
tn_circuit_breaker_get_wait_ms (TnCircuitBreaker *self)
{
  gint64 left;

  g_return_val_if_fail (TN_IS_CIRCUIT_BREAKER (self), 0);

  if (self->state != TN_CIRCUIT_OPEN)
    return 0;
  left = self->open_us - (now_us (self) - self->opened_at);
  return left > 0 ? (left + 999) / 1000 : 0;
}

const char *
tn_circuit_state_to_string (TnCircuitState state)
{
  switch (state)
    {
    case TN_CIRCUIT_CLOSED: return "closed";
    case TN_CIRCUIT_OPEN: return "open";
    case TN_CIRCUIT_HALF_OPEN: return "half-open";
    default: return "unknown";
    }
}
