/* SPDX-License-Identifier: GPL-3.0-or-later */

/* The hub as the store's fiscal authority (DESIGN §6).  No number may be
 * granted twice: every grant runs under the row lock of the store's
 * counter (hub_stores, FOR UPDATE), and starts past both the counter and
 * every block the hub has ever seen for the store, including blocks a
 * lane authority granted before the hub took over and uploaded since. */

#include "tn-hub-fiscal.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tn-fiscal.h"
#include "tn-hub-error.h"
#include "tn-hub-metrics.h"
#include "tn-hub-origin.h"

/* The replica that the hub's events show working as @terminal: the
 * origin of its sales and cash sessions, or the device of a block
 * granted to it. */
static char *
find_replica (TnHubDb     *db,
              const char  *store,
              const char  *terminal,
              GError     **error)
{
  const char *params[] = { store, terminal };
  PGresult *result = tn_hub_db_exec (db,
      "SELECT CASE WHEN type = 'FiscalBlockGranted' THEN payload ->> 'device' "
      "            ELSE origin::text END "
      "FROM events WHERE store = $1 AND payload ->> 'terminal' = $2 "
      "  AND type IN ('FiscalBlockGranted', 'CashSessionOpened', 'SaleCreated') "
      "ORDER BY hlc DESC LIMIT 1", 2, params, error);
  char *replica = NULL;

  if (result == NULL)
    return NULL;
  if (PQntuples (result) > 0)
    replica = g_strdup (PQgetvalue (result, 0, 0));
  PQclear (result);
  if (replica == NULL)
    g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_NOT_FOUND,
                 _("The hub has no event from terminal %s of store %s yet, so it does not "
                 "know the lane’s replica id: upload the lane’s events first or send "
                 "\"replica\" with the request"), terminal, store);
  return replica;
}

char *
tn_hub_fiscal_grant (TnHubDb     *db,
                     const char  *store,
                     const char  *terminal,
                     const char  *replica,
                     GError     **error)
{
  g_auto(TnHubStoreRow) row = { NULL, 0 };
  g_autofree char *device = NULL;
  g_autofree char *next_text = NULL;
  g_autoptr(TnEvent) event = NULL;
  const char *params[2] = { store, NULL };
  JsonNode *payload;
  gint64 seen, first;

  if (!tn_hub_origin_begin (db, store, &row, error))
    return NULL;

  device = replica != NULL ? g_strdup (replica) : find_replica (db, store, terminal, error);
  if (device == NULL)
    goto fail;
  if (!tn_hub_db_query_int (db,
          "SELECT max ((payload ->> 'first')::bigint + (payload ->> 'count')::bigint) "
          "FROM events WHERE store = $1 AND type = 'FiscalBlockGranted'",
          1, params, 1, &seen, error))
    goto fail;
  first = MAX (seen, row.fiscal_next);
  if (first + TN_FISCAL_BLOCK_SIZE - 1 > G_MAXINT32)
    {
      g_set_error (error, TN_HUB_ERROR, TN_HUB_ERROR_INTERNAL,
                   _("Store %s has used up its fiscal number range"), store);
      goto fail;
    }

  payload = tn_fiscal_block_payload (device, terminal, first);
  event = tn_hub_origin_append (db, store, &row, TN_EVENT_FISCAL_BLOCK_GRANTED, payload,
                                FALSE, error);
  if (event == NULL)
    goto fail;

  next_text = g_strdup_printf ("%" PRId64, first + TN_FISCAL_BLOCK_SIZE);
  params[1] = next_text;
  if (!tn_hub_db_command (db, "UPDATE hub_stores SET fiscal_next = $2::bigint "
                          "WHERE store = $1", 2, params, error) ||
      !tn_hub_db_commit (db, error))
    goto fail;

  tn_hub_metrics_add (TN_HUB_METRIC_FISCAL_BLOCKS_GRANTED, 1);
  g_message ("Fiscal block %" PRId64 "–%" PRId64 " of store %s granted to %s (%s)",
             first, first + TN_FISCAL_BLOCK_SIZE - 1, store, terminal, device);
  return tn_hub_event_answer (event);

fail:
  tn_hub_db_rollback (db);
  return NULL;
}
