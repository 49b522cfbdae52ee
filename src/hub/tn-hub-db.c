/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-db.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tn-canonical-json.h"
#include "tn-hub-error.h"
#include "tn-hub-metrics.h"

struct _TnHubDb
{
  PGconn *conn;
};

/* Any constant will do as long as every hub uses the same one. */
#define MIGRATION_LOCK_KEY "7406371284500113"

/* SQLSTATE classes that mean "the server is going or gone": connection
 * exceptions (08), operator intervention such as a shutdown (57),
 * insufficient resources (53). */
static gboolean
is_unavailable_state (const char *sqlstate)
{
  /* Errors libpq makes up itself (the socket closed under it) carry no
   * SQLSTATE. */
  return sqlstate == NULL ||
         (g_str_has_prefix (sqlstate, "08") || g_str_has_prefix (sqlstate, "57") ||
          g_str_has_prefix (sqlstate, "53"));
}

static void
set_db_error (TnHubDb     *db,
              const char  *what,
              const char  *detail,
              const char  *sqlstate,
              GError     **error)
{
  g_autofree char *text = g_strstrip (g_strdup (detail));

  tn_hub_metrics_add (TN_HUB_METRIC_DB_ERRORS, 1);
  if (PQstatus (db->conn) != CONNECTION_OK || is_unavailable_state (sqlstate))
    g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_UNAVAILABLE,
                 _("The database is not reachable: %s"), text);
  else
    g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                 _("Database error in %s: %s"), what, text);
}

gboolean
tn_hub_db_check_conninfo (const char  *conninfo,
                          GError     **error)
{
  char *message = NULL;
  PQconninfoOption *options;

  if (conninfo == NULL || *conninfo == '\0')
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("No database given: use --db postgresql://user@host/dbname"));
      return FALSE;
    }
  options = PQconninfoParse (conninfo, &message);
  if (options == NULL)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("“%s” is not a PostgreSQL connection string: %s"), conninfo,
                   message ? g_strstrip (message) : _("out of memory"));
      PQfreemem (message);
      return FALSE;
    }
  PQconninfoFree (options);
  return TRUE;
}

static void
notice_cb (void       *arg,
           const char *message)
{
  /* NOTICEs such as "relation already exists, skipping" are noise. */
}

TnHubDb *
tn_hub_db_connect (const char  *conninfo,
                   GError     **error)
{
  TnHubDb *db;

  if (!tn_hub_db_check_conninfo (conninfo, error))
    return NULL;
  db = g_new0 (TnHubDb, 1);
  db->conn = PQconnectdb (conninfo);
  if (PQstatus (db->conn) != CONNECTION_OK)
    {
      g_autofree char *detail = g_strdup (PQerrorMessage (db->conn));

      tn_hub_metrics_add (TN_HUB_METRIC_DB_ERRORS, 1);
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_UNAVAILABLE,
                   _("Cannot connect to the database: %s"), g_strstrip (detail));
      tn_hub_db_free (db);
      return NULL;
    }
  PQsetNoticeProcessor (db->conn, notice_cb, NULL);
  return db;
}

void
tn_hub_db_free (TnHubDb *db)
{
  if (db == NULL)
    return;
  PQfinish (db->conn);
  g_free (db);
}

PGresult *
tn_hub_db_exec (TnHubDb           *db,
                const char        *sql,
                int                n_params,
                const char *const *params,
                GError           **error)
{
  return tn_hub_db_exec_binary (db, sql, n_params, params, NULL, NULL, error);
}

PGresult *
tn_hub_db_exec_binary (TnHubDb           *db,
                       const char        *sql,
                       int                n_params,
                       const char *const *params,
                       const int         *lengths,
                       const int         *formats,
                       GError           **error)
{
  PGresult *result;
  ExecStatusType status;

  /* A lost connection (database restarted) comes back on the next
   * request instead of failing every one after it. */
  if (PQstatus (db->conn) != CONNECTION_OK)
    {
      PQreset (db->conn);
      if (PQstatus (db->conn) != CONNECTION_OK)
        {
          set_db_error (db, sql, PQerrorMessage (db->conn), "08000", error);
          return NULL;
        }
      PQsetNoticeProcessor (db->conn, notice_cb, NULL);
    }

  result = PQexecParams (db->conn, sql, n_params, NULL, params, lengths, formats, 0);
  status = PQresultStatus (result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_autofree char *what = g_strndup (sql, 60);

      set_db_error (db, what,
                    result ? PQresultErrorMessage (result) : PQerrorMessage (db->conn),
                    result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : "08000", error);
      PQclear (result);
      return NULL;
    }
  return result;
}

gboolean
tn_hub_db_command (TnHubDb           *db,
                   const char        *sql,
                   int                n_params,
                   const char *const *params,
                   GError           **error)
{
  PGresult *result = tn_hub_db_exec (db, sql, n_params, params, error);

  PQclear (result);
  return result != NULL;
}

gboolean
tn_hub_db_query_int (TnHubDb           *db,
                     const char        *sql,
                     int                n_params,
                     const char *const *params,
                     gint64             missing,
                     gint64            *out,
                     GError           **error)
{
  PGresult *result = tn_hub_db_exec (db, sql, n_params, params, error);

  if (result == NULL)
    return FALSE;
  if (PQntuples (result) > 0 && !PQgetisnull (result, 0, 0))
    *out = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  else
    *out = missing;
  PQclear (result);
  return TRUE;
}

gboolean
tn_hub_db_begin (TnHubDb  *db,
                 GError  **error)
{
  return tn_hub_db_command (db, "BEGIN", 0, NULL, error);
}

gboolean
tn_hub_db_commit (TnHubDb  *db,
                  GError  **error)
{
  return tn_hub_db_command (db, "COMMIT", 0, NULL, error);
}

void
tn_hub_db_rollback (TnHubDb *db)
{
  if (PQstatus (db->conn) == CONNECTION_OK)
    PQclear (PQexec (db->conn, "ROLLBACK"));
}

gboolean
tn_hub_db_ping (TnHubDb  *db,
                GError  **error)
{
  return tn_hub_db_command (db, "SELECT 1", 0, NULL, error);
}

/* NNN-name.sql: three digits, a dash, lowercase words. */
static gboolean
parse_migration_name (const char *name,
                      guint      *version)
{
  gsize len = strlen (name);

  if (len < 9 || !g_str_has_suffix (name, ".sql") ||
      !g_ascii_isdigit (name[0]) || !g_ascii_isdigit (name[1]) ||
      !g_ascii_isdigit (name[2]) || name[3] != '-')
    return FALSE;
  for (gsize i = 4; i < len - 4; i++)
    if (!g_ascii_islower (name[i]) && !g_ascii_isdigit (name[i]) && name[i] != '-')
      return FALSE;
  *version = (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
  return *version > 0;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
apply_migration (TnHubDb     *db,
                 const char  *dir,
                 const char  *name,
                 guint        version,
                 gboolean    *applied,
                 GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *sql = NULL;
  g_autofree char *version_text = g_strdup_printf ("%u", version);
  const char *params[] = { version_text, name };
  g_autoptr(GError) local_error = NULL;
  gint64 present;
  PGresult *result;

  *applied = FALSE;
  if (!g_file_get_contents (path, &sql, NULL, &local_error))
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                   _("Cannot read migration %s: %s"), path, local_error->message);
      return FALSE;
    }

  if (!tn_hub_db_begin (db, error))
    return FALSE;
  /* Two hubs starting at once: the second waits here, then sees the
   * migration recorded and skips it. */
  if (!tn_hub_db_command (db, "SELECT pg_advisory_xact_lock (" MIGRATION_LOCK_KEY ")",
                          0, NULL, error) ||
      !tn_hub_db_command (db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "version integer PRIMARY KEY, name text NOT NULL, "
                          "applied_at timestamptz NOT NULL DEFAULT now ())", 0, NULL, error) ||
      !tn_hub_db_query_int (db, "SELECT count (*) FROM schema_migrations WHERE version = $1",
                            1, params, 0, &present, error))
    goto fail;
  if (present == 0)
    {
      /* A simple query (no parameters) may hold several statements. */
      result = PQexec (db->conn, sql);
      if (PQresultStatus (result) != PGRES_COMMAND_OK &&
          PQresultStatus (result) != PGRES_TUPLES_OK)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                       _("Migration %s failed: %s"), path, PQresultErrorMessage (result));
          tn_hub_metrics_add (TN_HUB_METRIC_DB_ERRORS, 1);
          PQclear (result);
          goto fail;
        }
      PQclear (result);
      if (!tn_hub_db_command (db, "INSERT INTO schema_migrations (version, name) "
                              "VALUES ($1, $2)", 2, params, error))
        goto fail;
      *applied = TRUE;
    }
  return tn_hub_db_commit (db, error);

fail:
  tn_hub_db_rollback (db);
  return FALSE;
}

gboolean
tn_hub_db_migrate (TnHubDb     *db,
                   const char  *dir,
                   guint       *n_applied,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) handle = g_dir_open (dir, 0, &local_error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint count = 0, previous = 0;

  if (handle == NULL)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("Cannot read the migrations directory: %s (use --migrations-dir)"),
                   local_error->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".sql"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  if (names->len == 0)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                   _("%s holds no migrations (NNN-name.sql): use --migrations-dir with "
                   "the hub’s data/hub directory"), dir);
      return FALSE;
    }

  for (guint i = 0; i < names->len; i++)
    {
      guint version;
      gboolean applied;

      if (!parse_migration_name (names->pdata[i], &version) || version == previous)
        {
          g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST,
                       _("Migration file %s/%s is misnamed or repeats a number: name them "
                       "NNN-name.sql with distinct numbers"), dir, (char *) names->pdata[i]);
          return FALSE;
        }
      previous = version;
      if (!apply_migration (db, dir, names->pdata[i], version, &applied, error))
        return FALSE;
      count += applied;
    }
  if (n_applied != NULL)
    *n_applied = count;
  return TRUE;
}

gboolean
tn_hub_db_lock_origins (TnHubDb     *db,
                        const char  *store,
                        GPtrArray   *origins,
                        GError     **error)
{
  g_autoptr(GString) list = g_string_new ("{");
  const char *params[2];

  if (origins->len == 0)
    return TRUE;
  for (guint i = 0; i < origins->len; i++)
    {
      g_return_val_if_fail (tn_is_uuid (origins->pdata[i]), FALSE);
      g_string_append_printf (list, "%s%s", i ? "," : "", (char *) origins->pdata[i]);
    }
  g_string_append_c (list, '}');
  params[0] = store;
  params[1] = list->str;
  /* A function scan runs in array order: the locks are taken in it. */
  return tn_hub_db_command (db, "SELECT pg_advisory_xact_lock (hashtextextended ($1 || '/' || o, 7)) "
                            "FROM unnest ($2::text[]) AS o", 2, params, error);
}

gboolean
tn_hub_db_ensure_store (TnHubDb     *db,
                        const char  *store,
                        GError     **error)
{
  const char *params[] = { store };

  return tn_hub_db_command (db, "INSERT INTO hub_stores (store, hub_replica) "
                            "VALUES ($1, gen_random_uuid ()) ON CONFLICT DO NOTHING",
                            1, params, error);
}

TnVersionVector *
tn_hub_db_load_vv (TnHubDb     *db,
                   const char  *store,
                   gint64      *max_hlc,
                   GError     **error)
{
  const char *params[] = { store };
  g_autoptr(TnVersionVector) vv = tn_version_vector_new ();
  PGresult *result = tn_hub_db_exec (db, "SELECT origin, seq, max_hlc FROM version_vectors "
                                     "WHERE store = $1", 1, params, error);
  gint64 hlc = 0;

  if (result == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (result); i++)
    {
      tn_version_vector_set (vv, PQgetvalue (result, i, 0),
                             g_ascii_strtoll (PQgetvalue (result, i, 1), NULL, 10));
      hlc = MAX (hlc, g_ascii_strtoll (PQgetvalue (result, i, 2), NULL, 10));
    }
  PQclear (result);
  if (max_hlc != NULL)
    *max_hlc = hlc;
  return g_steal_pointer (&vv);
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint32 be = GUINT32_TO_BE (value);

  g_byte_array_append (array, (const guint8 *) &be, 4);
}

GByteArray *
tn_hub_array_new (guint32 element_oid,
                  guint32 n_elements)
{
  GByteArray *array = g_byte_array_new ();

  append_be32 (array, 1);            /* dimensions */
  append_be32 (array, 0);            /* no NULLs */
  append_be32 (array, element_oid);
  append_be32 (array, n_elements);
  append_be32 (array, 1);            /* lower bound */
  return array;
}

void
tn_hub_array_append_text (GByteArray *array,
                          const char *text)
{
  gsize length = strlen (text);

  append_be32 (array, (guint32) length);
  g_byte_array_append (array, (const guint8 *) text, length);
}

void
tn_hub_array_append_int8 (GByteArray *array,
                          gint64      value)
{
  guint64 be = GUINT64_TO_BE ((guint64) value);

  append_be32 (array, 8);
  g_byte_array_append (array, (const guint8 *) &be, 8);
}

char *
tn_hub_vv_to_json (const TnVersionVector *vv)
{
  g_autoptr(JsonNode) node = tn_version_vector_to_json (vv);
  GString *out = g_string_new (NULL);

  tn_canonical_json_append (node, out, NULL);
  return g_string_free (out, FALSE);
}
