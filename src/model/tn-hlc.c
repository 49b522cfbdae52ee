/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hlc.h"

#include <glib/gi18n.h>

#include <stdlib.h>
#include <string.h>

#include "tn-error.h"

static gint64 clock_offset_ms;
static gsize clock_offset_init;

TnHlc
tn_hlc_make (gint64 ms,
             guint  counter)
{
  ms = CLAMP (ms, 0, TN_HLC_MAX_MS);
  return ((TnHlc) ms << 16) | (counter & 0xffff);
}

/* A full counter spills into the next millisecond rather than wrap:
 * the clock must never go backwards. */
static TnHlc
hlc_next (gint64 ms,
          guint  counter)
{
  if (counter > 0xffff)
    return tn_hlc_make (ms + 1, 0);
  return tn_hlc_make (ms, counter);
}

TnHlc
tn_hlc_tick (TnHlc  last,
             gint64 now_ms)
{
  gint64 last_ms = TN_HLC_MS (last);

  if (now_ms > last_ms)
    return tn_hlc_make (now_ms, 0);
  return hlc_next (last_ms, TN_HLC_COUNTER (last) + 1);
}

TnHlc
tn_hlc_receive (TnHlc  last,
                TnHlc  remote,
                gint64 now_ms)
{
  gint64 l = TN_HLC_MS (last);
  gint64 r = TN_HLC_MS (remote);
  gint64 ms = MAX (MAX (l, r), now_ms);

  if (ms == l && ms == r)
    return hlc_next (ms, MAX (TN_HLC_COUNTER (last), TN_HLC_COUNTER (remote)) + 1);
  if (ms == l)
    return hlc_next (ms, TN_HLC_COUNTER (last) + 1);
  if (ms == r)
    return hlc_next (ms, TN_HLC_COUNTER (remote) + 1);
  return tn_hlc_make (ms, 0);
}

void
tn_hlc_format (TnHlc hlc,
               char  out[17])
{
  g_snprintf (out, 17, "%016" G_GINT64_MODIFIER "x", (guint64) hlc);
}

gboolean
tn_hlc_parse (const char  *text,
              TnHlc       *out,
              GError     **error)
{
  guint64 value = 0;

  if (text == NULL || strlen (text) != 16)
    goto bad;
  for (guint i = 0; i < 16; i++)
    {
      int d = g_ascii_xdigit_value (text[i]);
      if (d < 0 || g_ascii_isupper (text[i]))
        goto bad;
      value = (value << 4) | (guint64) d;
    }
  *out = value;
  return TRUE;

bad:
  g_set_error (error, TN_ERROR, TN_ERROR_INVALID,
               _("“%s” is not a clock value: expected 16 lowercase hex digits"),
               text ? text : "(null)");
  return FALSE;
}

void
tn_hlc_set_clock_offset (gint64 offset_ms)
{
  (void) tn_hlc_now_ms ();   /* read the environment first so it cannot override us later */
  clock_offset_ms = offset_ms;
}

gint64
tn_hlc_now_ms (void)
{
  if (g_once_init_enter (&clock_offset_init))
    {
      const char *env = g_getenv ("TENDERO_CLOCK_OFFSET_MS");
      if (env != NULL)
        clock_offset_ms = g_ascii_strtoll (env, NULL, 10);
      g_once_init_leave (&clock_offset_init, 1);
    }
  return g_get_real_time () / 1000 + clock_offset_ms;
}
