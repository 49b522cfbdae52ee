/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libpq-fe.h>

#include "tn-version-vector.h"

G_BEGIN_DECLS

/* One libpq connection.  Not thread-safe: each worker thread of the
 * server owns one (PostgreSQL serialises what must be serialised, so
 * several hub processes can share a database). */
typedef struct _TnHubDb TnHubDb;

/* Checks that @conninfo parses (a postgresql:// URL or key=value
 * conninfo) without connecting. */
gboolean  tn_hub_db_check_conninfo (const char   *conninfo,
                                    GError      **error);

TnHubDb  *tn_hub_db_connect      (const char   *conninfo,
                                  GError      **error);
void      tn_hub_db_free         (TnHubDb      *db);

/* Runs @sql with text parameters.  Returns the result (tuples or
 * command) or NULL with TN_HUB_ERROR_UNAVAILABLE when the server cannot
 * be reached (the connection is re-established on the next call) or
 * TN_HUB_ERROR_INTERNAL for any other SQL error. */
PGresult *tn_hub_db_exec         (TnHubDb            *db,
                                  const char         *sql,
                                  int                 n_params,
                                  const char *const  *params,
                                  GError            **error);
/* The same with some parameters in binary form: @lengths and @formats
 * as PQexecParams () takes them (NULL lengths for text-only). */
PGresult *tn_hub_db_exec_binary  (TnHubDb            *db,
                                  const char         *sql,
                                  int                 n_params,
                                  const char *const  *params,
                                  const int          *lengths,
                                  const int          *formats,
                                  GError            **error);
gboolean  tn_hub_db_command      (TnHubDb            *db,
                                  const char         *sql,
                                  int                 n_params,
                                  const char *const  *params,
                                  GError            **error);
/* The first column of the first row as an integer; @missing without a
 * row or for NULL. */
gboolean  tn_hub_db_query_int    (TnHubDb            *db,
                                  const char         *sql,
                                  int                 n_params,
                                  const char *const  *params,
                                  gint64              missing,
                                  gint64             *out,
                                  GError            **error);

gboolean  tn_hub_db_begin        (TnHubDb      *db,
                                  GError      **error);
gboolean  tn_hub_db_commit       (TnHubDb      *db,
                                  GError      **error);
/* Best effort: after an error the transaction must end anyway. */
void      tn_hub_db_rollback     (TnHubDb      *db);

/* SELECT 1. */
gboolean  tn_hub_db_ping         (TnHubDb      *db,
                                  GError      **error);

/* Applies data/hub/NNN-name.sql files from @dir that the database lacks,
 * in order, each in its own transaction under an advisory lock so that
 * hubs starting together apply each exactly once.  @n_applied may be
 * NULL. */
gboolean  tn_hub_db_migrate      (TnHubDb      *db,
                                  const char   *dir,
                                  guint        *n_applied,
                                  GError      **error);

/* Inside a transaction: serialises the writers of these origins of
 * @store (ingest, the hub's own events) across hub processes until the
 * transaction ends.  @origins must be sorted (strcmp) so that two
 * writers always lock in the same order; lanes' uploads of different
 * origins then run in parallel. */
gboolean  tn_hub_db_lock_origins (TnHubDb           *db,
                                  const char        *store,
                                  GPtrArray         *origins,
                                  GError           **error);

/* Creates the store's row (its hub replica) if missing. */
gboolean  tn_hub_db_ensure_store (TnHubDb      *db,
                                  const char   *store,
                                  GError      **error);

/* The hub's version vector of @store; @max_hlc (may be NULL) gets the
 * highest clock of any event the hub holds for it. */
TnVersionVector *tn_hub_db_load_vv (TnHubDb    *db,
                                    const char *store,
                                    gint64     *max_hlc,
                                    GError    **error);

/* A one-dimensional array parameter in PostgreSQL's binary format, so
 * that a batch's thousand bodies reach the server without escaping or
 * parsing.  Create with the element count, append exactly that many. */
#define TN_HUB_OID_TEXT 25
#define TN_HUB_OID_INT8 20

GByteArray *tn_hub_array_new         (guint32      element_oid,
                                      guint32      n_elements);
void        tn_hub_array_append_text (GByteArray  *array,
                                      const char  *text);
void        tn_hub_array_append_int8 (GByteArray  *array,
                                      gint64       value);

/* {"origin":seq,…} as canonical JSON text. */
char     *tn_hub_vv_to_json      (const TnVersionVector *vv);

G_END_DECLS
