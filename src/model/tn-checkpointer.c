/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tendero-store"

#include "tn-checkpointer.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "tn-error.h"

/* Start copying at 4000 pages (16 MiB): hot pages (indexes, stock, the
 * digest) then reach the database file once, not after every batch. */
#define CHECKPOINT_PAGES 4000
/* While the writer keeps committing (a peer's history streaming in),
 * the copy waits until it pauses for IDLE_US or the WAL reaches
 * DEFERRED_PAGES (128 MiB): on two cores the copy would take CPU from
 * the catch-up, and pages the next batches rewrite are copied once. */
#define IDLE_US (100 * G_TIME_SPAN_MILLISECOND)
#define DEFERRED_PAGES (8 * CHECKPOINT_PAGES)
/* If the thread falls this far behind (a reader pinning an old snapshot,
 * a stalled disk), the writer checkpoints itself so the WAL stays
 * bounded. */
#define WRITER_CHECKPOINT_PAGES (16 * CHECKPOINT_PAGES)

struct _TnCheckpointer
{
  sqlite3  *writer;
  sqlite3  *db;        /* used by @thread only */
  GThread  *thread;
  GMutex    lock;
  GCond     wake;
  gboolean  wanted;
  gboolean  stopping;
  guint     count;
  gint64    last_commit;   /* monotonic time of the writer's last commit */
  int       wal_pages;     /* the WAL's size after it */
};

static int
wal_hook_cb (void        *user_data,
             sqlite3     *db,
             const char  *name,
             int          pages)
{
  TnCheckpointer *self = user_data;

  if (pages >= WRITER_CHECKPOINT_PAGES)
    {
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      return SQLITE_OK;
    }
  g_mutex_lock (&self->lock);
  self->last_commit = g_get_monotonic_time ();
  self->wal_pages = pages;
  if (pages >= CHECKPOINT_PAGES)
    {
      self->wanted = TRUE;
      g_cond_signal (&self->wake);
    }
  g_mutex_unlock (&self->lock);
  return SQLITE_OK;
}

static gpointer
checkpoint_thread_func (gpointer user_data)
{
  TnCheckpointer *self = user_data;
  int last_rc = SQLITE_OK;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      int rc;

      if (!self->wanted)
        {
          g_cond_wait (&self->wake, &self->lock);
          continue;
        }
      if (self->wal_pages < DEFERRED_PAGES &&
          g_get_monotonic_time () < self->last_commit + IDLE_US)
        {
          g_cond_wait_until (&self->wake, &self->lock, self->last_commit + IDLE_US);
          continue;
        }
      self->wanted = FALSE;
      g_mutex_unlock (&self->lock);

      /* PASSIVE: copies what no reader still needs and never blocks the
       * writer; the writer restarts the WAL once all of it is copied. */
      rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc == SQLITE_BUSY || rc == SQLITE_INTERRUPT)
        rc = SQLITE_OK;
      /* A full disk fails every attempt: say so once, not per commit.
       * Nothing is lost; the WAL grows until the copy succeeds. */
      if (rc != SQLITE_OK && rc != last_rc)
        g_message ("Cannot copy the write-ahead log into the database (it stays in the "
                   "log for now): %s", sqlite3_errmsg (self->db));
      last_rc = rc;

      g_mutex_lock (&self->lock);
      self->count++;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

TnCheckpointer *
tn_checkpointer_new (sqlite3     *writer,
                     const char  *path,
                     GError     **error)
{
  TnCheckpointer *self;
  sqlite3 *db = NULL;

  g_return_val_if_fail (writer != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Cannot open %s: %s"), path,
                   db != NULL ? sqlite3_errmsg (db) : g_strerror (ENOMEM));
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  /* A connection learns that the database is in WAL mode when it first
   * reads it; until then a checkpoint on it does nothing. */
  if (sqlite3_exec (db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
    {
      g_set_error (error, TN_ERROR, TN_ERROR_DATABASE, _("Cannot read %s: %s"), path,
                   sqlite3_errmsg (db));
      sqlite3_close (db);
      return NULL;
    }

  self = g_new0 (TnCheckpointer, 1);
  self->writer = writer;
  self->db = db;
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->thread = g_thread_try_new ("tn-checkpoint", checkpoint_thread_func, self, error);
  if (self->thread == NULL)
    {
      sqlite3_close (db);
      g_mutex_clear (&self->lock);
      g_cond_clear (&self->wake);
      g_free (self);
      return NULL;
    }
  /* Replaces SQLite's own automatic checkpoint on @writer. */
  sqlite3_wal_hook (writer, wal_hook_cb, self);
  return self;
}

void
tn_checkpointer_free (TnCheckpointer *self)
{
  if (self == NULL)
    return;

  sqlite3_wal_hook (self->writer, NULL, NULL);
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  /* A checkpoint under way stops between pages. */
  sqlite3_interrupt (self->db);
  g_thread_join (self->thread);

  sqlite3_close (self->db);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_free (self);
}

guint
tn_checkpointer_get_count (TnCheckpointer *self)
{
  guint count;

  g_mutex_lock (&self->lock);
  count = self->count;
  g_mutex_unlock (&self->lock);
  return count;
}
