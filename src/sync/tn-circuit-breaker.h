/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A circuit breaker for calls to a remote service (DESIGN §5): after
 * @failure_threshold consecutive failures it opens and refuses calls
 * for @open_ms; then it lets one probe through (half-open), closing on
 * its success and opening again on its failure.  Not thread-safe: one
 * owner thread. */

#define TN_TYPE_CIRCUIT_BREAKER (tn_circuit_breaker_get_type ())
G_DECLARE_FINAL_TYPE (TnCircuitBreaker, tn_circuit_breaker, TN, CIRCUIT_BREAKER, GObject)

#define TN_CIRCUIT_BREAKER_DEFAULT_FAILURES 5
#define TN_CIRCUIT_BREAKER_DEFAULT_OPEN_MS  30000

typedef enum
{
  TN_CIRCUIT_CLOSED,
  TN_CIRCUIT_OPEN,
  TN_CIRCUIT_HALF_OPEN,
} TnCircuitState;

/* Microseconds on a monotonic clock; tests drive the breaker with
 * their own. */
typedef gint64 (*TnClockFunc) (gpointer user_data);

/* 0 for either means the default. */
TnCircuitBreaker *tn_circuit_breaker_new        (guint             failure_threshold,
                                                 guint             open_ms);
void              tn_circuit_breaker_set_clock  (TnCircuitBreaker *self,
                                                 TnClockFunc       clock,
                                                 gpointer          user_data);

/* May a call go now?  Closed: yes.  Open: no until @open_ms have
 * passed; then it turns half-open and lets exactly this one call (the
 * probe) through.  Half-open with the probe in flight: no. */
gboolean          tn_circuit_breaker_allow      (TnCircuitBreaker *self);
void              tn_circuit_breaker_success    (TnCircuitBreaker *self);
void              tn_circuit_breaker_failure    (TnCircuitBreaker *self);
/* Opens now whatever the count (a failure that retrying cannot fix,
 * such as a refused key). */
void              tn_circuit_breaker_trip       (TnCircuitBreaker *self);

TnCircuitState    tn_circuit_breaker_get_state  (TnCircuitBreaker *self);
guint             tn_circuit_breaker_get_failures (TnCircuitBreaker *self);
/* Milliseconds until a call may go (0: now, or a probe is in flight). */
gint64            tn_circuit_breaker_get_wait_ms (TnCircuitBreaker *self);

/* "closed", "open", "half-open". */
const char       *tn_circuit_state_to_string    (TnCircuitState    state);

G_END_DECLS
