/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include <glib.h>

G_BEGIN_DECLS

/* Copies the WAL of one database into the database file on a thread of
 * its own, with a connection of its own, so the connection that writes
 * never waits for a checkpoint's disk flushes. */
typedef struct _TnCheckpointer TnCheckpointer;

/* Takes over checkpoints for @writer (the connection that commits),
 * which must stay open until tn_checkpointer_free (). */
TnCheckpointer *tn_checkpointer_new  (sqlite3     *writer,
                                      const char  *path,
                                      GError     **error);
/* Interrupts a checkpoint under way and joins the thread.  Whatever is
 * still in the WAL is copied by the next opener. */
void            tn_checkpointer_free (TnCheckpointer *self);

/* Checkpoints done so far (for tests). */
guint           tn_checkpointer_get_count (TnCheckpointer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnCheckpointer, tn_checkpointer_free)

G_END_DECLS
