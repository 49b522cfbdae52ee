/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tn-hub-origin.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-hub-error.h"
#include "tn-hub-ingest.h"

void
tn_hub_store_row_clear (TnHubStoreRow *row)
{
  g_clear_pointer (&row->replica, g_free);
}

gboolean
tn_hub_origin_begin (TnHubDb        *db,
                     const char     *store,
                     TnHubStoreRow  *row,
                     GError        **error)
{
  const char *params[] = { store };
  g_autoptr(GPtrArray) origins = NULL;
  PGresult *result;

  if (!tn_hub_db_begin (db, error))
    return FALSE;
  if (!tn_hub_db_ensure_store (db, store, error))
    goto fail;
  /* The counter row first, then the hub replica's origin lock (ingest
   * takes origin locks only, so the order cannot deadlock). */
  result = tn_hub_db_exec (db, "SELECT hub_replica, fiscal_next FROM hub_stores "
                           "WHERE store = $1 FOR UPDATE", 1, params, error);
  if (result == NULL)
    goto fail;
  row->replica = g_strdup (PQgetvalue (result, 0, 0));
  row->fiscal_next = g_ascii_strtoll (PQgetvalue (result, 0, 1), NULL, 10);
  PQclear (result);
  origins = g_ptr_array_new ();
  g_ptr_array_add (origins, row->replica);
  if (!tn_hub_db_lock_origins (db, store, origins, error))
    goto fail;
  return TRUE;

fail:
  tn_hub_db_rollback (db);
  tn_hub_store_row_clear (row);
  return FALSE;
}

TnEvent *
tn_hub_origin_append (TnHubDb        *db,
                      const char     *store,
                      TnHubStoreRow  *row,
                      TnEventType     type,
                      JsonNode       *payload,
                      gboolean        deps_whole_vv,
                      GError        **error)
{
  g_autoptr(JsonNode) owned_payload = payload;
  g_autoptr(TnVersionVector) vv = NULL;
  g_autoptr(TnVersionVector) deps = NULL;
  g_autoptr(TnEvent) event = NULL;
  g_autoptr(GError) invalid = NULL;
  g_autofree char *hlc_text = NULL;
  const char *params[3];
  gint64 max_hlc, hub_hlc, seq;
  TnHlc hlc;

  vv = tn_hub_db_load_vv (db, store, &max_hlc, error);
  if (vv == NULL)
    return NULL;
  params[0] = store;
  if (!tn_hub_db_query_int (db, "SELECT hub_hlc FROM hub_stores WHERE store = $1", 1, params,
                            0, &hub_hlc, error))
    return NULL;

  seq = tn_version_vector_get (vv, row->replica) + 1;
  if (deps_whole_vv)
    deps = tn_version_vector_copy (vv);
  else
    {
      deps = tn_version_vector_new ();
      if (seq > 1)
        tn_version_vector_set (deps, row->replica, seq - 1);
    }
  /* Causally after everything it depends on, whatever our wall clock
   * says. */
  hlc = tn_hlc_tick ((TnHlc) MAX (max_hlc, hub_hlc), tn_hlc_now_ms ());

  event = tn_event_new (store, row->replica, seq, type, hlc, g_steal_pointer (&deps),
                        g_steal_pointer (&owned_payload), &invalid);
  if (event == NULL)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_BAD_REQUEST, "%s", invalid->message);
      return NULL;
    }
  if (!tn_hub_store_event (db, event, error))
    return NULL;

  hlc_text = g_strdup_printf ("%" PRId64, (gint64) hlc);
  params[1] = hlc_text;
  if (!tn_hub_db_command (db, "UPDATE hub_stores SET hub_hlc = $2::bigint WHERE store = $1",
                          2, params, error))
    return NULL;
  return g_steal_pointer (&event);
}

char *
tn_hub_event_answer (const TnEvent *event)
{
  return g_strconcat ("{\"event\":", event->canonical, "}", NULL);
}
