/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* Read-only views of the projections, for screens, reports and
 * tendero-ctl: the catalogue with stock, the sales, the alerts, the sync
 * bookkeeping.  They run on the store's own connection (so on the store's
 * thread) and change nothing, except tn_store_acknowledge_alert(). */

/* Products ---------------------------------------------------------------- */

typedef struct
{
  char     *sku;
  char     *name;         /* NULL until a ProductCreated names it */
  char     *barcode;      /* may be NULL */
  gint64    price;        /* minor units; -1 while there is none (price conflict) */
  gint      tax_bp;       /* basis points */
  gboolean  active;
  gint64    stock;        /* thousandths; below zero when oversold */
  gboolean  in_conflict;  /* an open conflict names this SKU */
} TnProductInfo;

void       tn_product_info_free          (TnProductInfo        *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnProductInfo, tn_product_info_free)

/* With @search NULL: every product, by SKU.  With @search: first the
 * products whose barcode or SKU is exactly @search, then those with a
 * word in SKU, name or barcode starting with each word of @search
 * ("caf mol" finds "Café molido"; accents and case do not matter), best
 * match first.  Any text is accepted: characters that mean something to
 * the search engine are treated as spaces.  At most @limit products (0:
 * no limit).  Returns TnProductInfo* (transfer full), empty when nothing
 * matches. */
GPtrArray *tn_store_list_products        (TnStore              *store,
                                          const char           *search,
                                          guint                 limit,
                                          GError              **error);

/* Sales -------------------------------------------------------------------- */

typedef struct
{
  char   *method;        /* "cash", "card", "transfer" */
  char   *currency;
  gint64  amount;        /* minor units of @currency */
} TnPaymentInfo;

typedef struct
{
  char      *sale_id;
  gint64     hlc;
  char      *terminal;
  char      *fiscal_doc;
  char      *currency;
  gint64     subtotal;
  gint64     tax;
  gint64     total;
  gint64     change;
  gboolean   voided;
  GPtrArray *payments;   /* TnPaymentInfo*, in the order they were taken */
  char      *cashier;    /* the cashier's name, else employee id; NULL if none */
} TnSaleInfo;

/* Called once per sale; @sale belongs to the store and is only valid
 * during the call.  Return FALSE to stop; set @error as well to make
 * tn_store_foreach_sale() fail with it.  The callback may read the store
 * but must not change it. */
typedef gboolean (*TnSaleFunc) (const TnSaleInfo  *sale,
                                gpointer           user_data,
                                GError           **error);

/* Calls @func for every sale this lane holds (its own and replicated
 * ones, voided included) whose clock is at or after @since_hlc (0: all),
 * oldest first, reading one sale at a time.  TRUE when every sale was
 * visited or @func stopped without an error. */
gboolean   tn_store_foreach_sale         (TnStore              *store,
                                          gint64                since_hlc,
                                          TnSaleFunc            func,
                                          gpointer              user_data,
                                          GError              **error);

/* Alerts ------------------------------------------------------------------ */

typedef struct
{
  gint64           id;
  TnAlertPriority  priority;
  char            *kind;
  char            *event_id;     /* may be NULL */
  char            *message;
  gint64           created_at;   /* ms since the Unix epoch, this lane's clock */
} TnAlertInfo;

void       tn_alert_info_free            (TnAlertInfo          *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnAlertInfo, tn_alert_info_free)

/* Unacknowledged alerts by priority: @counts[TN_ALERT_P0 … TN_ALERT_P2]. */
gboolean   tn_store_count_alerts         (TnStore              *store,
                                          gint64                counts[3],
                                          GError              **error);
/* Alerts, most urgent first, then oldest first (TnAlertInfo*, transfer
 * full). */
GPtrArray *tn_store_list_alerts          (TnStore              *store,
                                          gboolean              unacknowledged_only,
                                          GError              **error);

/* Acknowledges the alert @id (a person has seen it): it no longer counts
 * in tn_store_count_alerts() nor shows with unacknowledged_only.  Local
 * to this replica, like the alerts themselves.  TN_ERROR_NOT_FOUND for
 * an unknown id. */
gboolean   tn_store_acknowledge_alert    (TnStore              *store,
                                          gint64                id,
                                          GError              **error);

/* Sync bookkeeping ---------------------------------------------------------- */

typedef struct
{
  gint64          seq;          /* this replica's seq of the event */
  char           *event_id;
  char           *type;         /* "SaleCreated" … */
  TnOutboxStatus  status;
  gint64          attempts;
  gint64          created_at;   /* ms since the Unix epoch */
  char           *last_error;   /* may be NULL */
} TnOutboxEntry;

void       tn_outbox_entry_free          (TnOutboxEntry        *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnOutboxEntry, tn_outbox_entry_free)

/* Local events no peer has acknowledged yet, oldest first, at most
 * @limit (0: no limit) (TnOutboxEntry*, transfer full). */
GPtrArray *tn_store_list_pending_events  (TnStore              *store,
                                          guint                 limit,
                                          GError              **error);

/* Currencies -------------------------------------------------------------- */

/* Decimals of @currency: the store's for the base currency (or NULL),
 * else those set with its exchange rate; 2 for a currency never set. */
guint      tn_store_get_currency_decimals (TnStore             *store,
                                          const char           *currency);

G_END_DECLS
