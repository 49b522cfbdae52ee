/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sync worker's objects run on the worker thread's GMainContext, so
 * their sources must go there too: g_timeout_add () would attach to the
 * global default context (the UI thread's).  Takes @source. */
static inline guint
tn_sync_attach (GSource     *source,
                GSourceFunc  func,
                gpointer     data)
{
  guint id;

  g_source_set_callback (source, func, data, NULL);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
  return id;
}

static inline guint
tn_sync_timeout_add (guint       interval_ms,
                     GSourceFunc func,
                     gpointer    data)
{
  return tn_sync_attach (g_timeout_source_new (interval_ms), func, data);
}

/* An idle at G_PRIORITY_DEFAULT: work that takes turns with the
 * sockets' sources rather than waiting for them. */
static inline guint
tn_sync_idle_add (GSourceFunc func,
                  gpointer    data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  return tn_sync_attach (source, func, data);
}

/* Removes the source @id from the thread-default context (where
 * tn_sync_timeout_add () and tn_sync_idle_add () put it) and zeroes it. */
static inline void
tn_sync_clear_source (guint *id)
{
  if (*id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (),
                                                          *id);

      if (source != NULL)
        g_source_destroy (source);
      *id = 0;
    }
}

G_END_DECLS
