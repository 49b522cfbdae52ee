/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>

#include "tn-circuit-breaker.h"

/* The circuit breaker driven by a clock the test moves by hand. */

typedef struct
{
  gint64 now_us;
} FakeClock;

static gint64
fake_clock (gpointer user_data)
{
  return ((FakeClock *) user_data)->now_us;
}

static TnCircuitBreaker *
new_breaker (FakeClock *clock)
{
  TnCircuitBreaker *breaker = tn_circuit_breaker_new (5, 30000);

  clock->now_us = 1000 * G_USEC_PER_SEC;
  tn_circuit_breaker_set_clock (breaker, fake_clock, clock);
  return breaker;
}

static void
fail_times (TnCircuitBreaker *breaker,
            guint             n)
{
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (tn_circuit_breaker_allow (breaker));
      tn_circuit_breaker_failure (breaker);
    }
}

static void
test_opens_after_five_failures (void)
{
  FakeClock clock;
  g_autoptr(TnCircuitBreaker) breaker = new_breaker (&clock);

  fail_times (breaker, 4);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_CLOSED);
  g_assert_cmpuint (tn_circuit_breaker_get_failures (breaker), ==, 4);
  fail_times (breaker, 1);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_OPEN);
  g_assert_false (tn_circuit_breaker_allow (breaker));
  g_assert_cmpint (tn_circuit_breaker_get_wait_ms (breaker), ==, 30000);

  clock.now_us += 29999 * 1000;
  g_assert_false (tn_circuit_breaker_allow (breaker));
  g_assert_cmpint (tn_circuit_breaker_get_wait_ms (breaker), ==, 1);
  g_assert_cmpstr (tn_circuit_state_to_string (tn_circuit_breaker_get_state (breaker)), ==,
                   "open");
}

static void
test_success_resets_the_count (void)
{
  FakeClock clock;
  g_autoptr(TnCircuitBreaker) breaker = new_breaker (&clock);

  fail_times (breaker, 4);
  tn_circuit_breaker_success (breaker);
  fail_times (breaker, 4);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_CLOSED);
  g_assert_true (tn_circuit_breaker_allow (breaker));
}

static void
test_half_open_probe_succeeds (void)
{
  FakeClock clock;
  g_autoptr(TnCircuitBreaker) breaker = new_breaker (&clock);

  fail_times (breaker, 5);
  clock.now_us += 30000 * 1000;
  g_assert_cmpint (tn_circuit_breaker_get_wait_ms (breaker), ==, 0);
  /* One probe only. */
  g_assert_true (tn_circuit_breaker_allow (breaker));
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_HALF_OPEN);
  g_assert_cmpstr (tn_circuit_state_to_string (TN_CIRCUIT_HALF_OPEN), ==, "half-open");
  g_assert_false (tn_circuit_breaker_allow (breaker));
  g_assert_false (tn_circuit_breaker_allow (breaker));
  tn_circuit_breaker_success (breaker);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_CLOSED);
  g_assert_cmpuint (tn_circuit_breaker_get_failures (breaker), ==, 0);
  g_assert_true (tn_circuit_breaker_allow (breaker));
  g_assert_true (tn_circuit_breaker_allow (breaker));
}

static void
test_half_open_probe_fails (void)
{
  FakeClock clock;
  g_autoptr(TnCircuitBreaker) breaker = new_breaker (&clock);

  fail_times (breaker, 5);
  clock.now_us += 31000 * 1000;
  g_assert_true (tn_circuit_breaker_allow (breaker));
  tn_circuit_breaker_failure (breaker);
  /* Open again for a full period from the failed probe. */
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_OPEN);
  g_assert_false (tn_circuit_breaker_allow (breaker));
  g_assert_cmpint (tn_circuit_breaker_get_wait_ms (breaker), ==, 30000);
  clock.now_us += 30000 * 1000;
  g_assert_true (tn_circuit_breaker_allow (breaker));
  tn_circuit_breaker_success (breaker);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_CLOSED);
}

static void
test_trip_opens_at_once (void)
{
  FakeClock clock;
  g_autoptr(TnCircuitBreaker) breaker = new_breaker (&clock);

  g_assert_true (tn_circuit_breaker_allow (breaker));
  tn_circuit_breaker_trip (breaker);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_OPEN);
  g_assert_false (tn_circuit_breaker_allow (breaker));
  clock.now_us += 30 * G_USEC_PER_SEC;
  g_assert_true (tn_circuit_breaker_allow (breaker));
}

static void
test_defaults (void)
{
  g_autoptr(TnCircuitBreaker) breaker = tn_circuit_breaker_new (0, 0);
  FakeClock clock = { 5 * G_USEC_PER_SEC };

  tn_circuit_breaker_set_clock (breaker, fake_clock, &clock);
  fail_times (breaker, TN_CIRCUIT_BREAKER_DEFAULT_FAILURES);
  g_assert_cmpint (tn_circuit_breaker_get_state (breaker), ==, TN_CIRCUIT_OPEN);
  g_assert_cmpint (tn_circuit_breaker_get_wait_ms (breaker), ==,
                   TN_CIRCUIT_BREAKER_DEFAULT_OPEN_MS);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cloud/breaker/opens-after-five-failures", test_opens_after_five_failures);
  g_test_add_func ("/cloud/breaker/success-resets-the-count", test_success_resets_the_count);
  g_test_add_func ("/cloud/breaker/half-open-probe-succeeds", test_half_open_probe_succeeds);
  g_test_add_func ("/cloud/breaker/half-open-probe-fails", test_half_open_probe_fails);
  g_test_add_func ("/cloud/breaker/trip-opens-at-once", test_trip_opens_at_once);
  g_test_add_func ("/cloud/breaker/defaults", test_defaults);
  return g_test_run ();
}
