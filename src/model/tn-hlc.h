/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Hybrid logical clock: 48 bits of milliseconds since the epoch, 16 bits
 * of counter.  Compared as plain integers; causally later events always
 * compare greater, whatever the wall clocks say. */
typedef guint64 TnHlc;

#define TN_HLC_MS(h)      ((gint64) ((h) >> 16))
#define TN_HLC_COUNTER(h) ((guint) ((h) & 0xffff))
#define TN_HLC_MAX_MS     ((G_GINT64_CONSTANT (1) << 48) - 1)

TnHlc    tn_hlc_make      (gint64       ms,
                           guint        counter);

/* The clock for a new local event, given the last one issued or seen. */
TnHlc    tn_hlc_tick      (TnHlc        last,
                           gint64       now_ms);

/* Merges a remote clock into ours (the receive rule of HLC). */
TnHlc    tn_hlc_receive   (TnHlc        last,
                           TnHlc        remote,
                           gint64       now_ms);

/* 16 lowercase hex digits: sorts like the number. */
void     tn_hlc_format    (TnHlc        hlc,
                           char         out[17]);
gboolean tn_hlc_parse     (const char  *text,
                           TnHlc       *out,
                           GError     **error);

/* Wall clock in ms; tests and skewed lanes inject an offset through
 * TENDERO_CLOCK_OFFSET_MS or tn_hlc_set_clock_offset(). */
gint64   tn_hlc_now_ms    (void);
void     tn_hlc_set_clock_offset (gint64 offset_ms);

G_END_DECLS
