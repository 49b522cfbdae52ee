/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tn-store.h"

G_BEGIN_DECLS

/* What a lane does: each call validates its input, then commits one
 * transaction (events, outbox rows, projections) or changes nothing. */

/* Products and stock (tn-catalog.c) -------------------------------------- */

typedef struct
{
  const char *sku;
  const char *name;
  gint64      price;       /* minor units */
  gint        tax_bp;      /* basis points */
  const char *barcode;     /* may be NULL */
} TnProductSpec;

gboolean  tn_store_validate_sku        (const char           *sku,
                                        GError              **error);
/* Fails with TN_ERROR_EXISTS if the SKU is already in the catalogue. */
gboolean  tn_store_add_product         (TnStore              *store,
                                        const TnProductSpec  *spec,
                                        GError              **error);
/* Inside an open transaction, no existence check: for imports. */
gboolean  tn_store_append_product      (TnStore              *store,
                                        const TnProductSpec  *spec,
                                        GError              **error);
gboolean  tn_store_set_price           (TnStore              *store,
                                        const char           *sku,
                                        gint64                price,
                                        GError              **error);
/* The same, recording @employee_id (an existing employee, or NULL for
 * none) as who changed it: conflicts show it. */
gboolean  tn_store_set_price_by        (TnStore              *store,
                                        const char           *sku,
                                        gint64                price,
                                        const char           *employee_id,
                                        GError              **error);
/* Any of @name/@barcode NULL and @tax_bp < 0 leave the field alone;
 * @active: -1 leaves it, 0/1 sets it. */
gboolean  tn_store_update_product      (TnStore              *store,
                                        const char           *sku,
                                        const char           *name,
                                        const char           *barcode,
                                        gint                  tax_bp,
                                        gint                  active,
                                        GError              **error);
gboolean  tn_store_adjust_stock        (TnStore              *store,
                                        const char           *sku,
                                        gint64                delta_milli,
                                        const char           *reason,
                                        GError              **error);
gboolean  tn_store_receive_stock       (TnStore              *store,
                                        const char           *sku,
                                        gint64                qty_milli,
                                        const char           *reason,
                                        GError              **error);
/* Returns FALSE with TN_ERROR_NOT_FOUND for an unknown SKU. */
gboolean  tn_store_get_stock           (TnStore              *store,
                                        const char           *sku,
                                        gint64               *out_milli,
                                        GError              **error);

/* Conflicts ------------------------------------------------------------ */

typedef struct
{
  char   *event_id;
  char   *origin;
  char   *terminal;   /* of the origin, if known */
  gint64  hlc;
  gint64  value;
  char   *by;         /* employee id of who set it, or NULL (older events) */
  char   *by_name;    /* that employee's name, if known */
} TnConflictCandidate;

typedef struct
{
  char      *id;          /* "<sku>/price" */
  char      *sku;
  char      *field;
  char      *product_name;
  gint64     opened_hlc;
  GPtrArray *candidates;  /* TnConflictCandidate* */
} TnConflict;

void       tn_conflict_free            (TnConflict           *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnConflict, tn_conflict_free)

/* Open conflicts, oldest first (transfer full, TnConflict*). */
GPtrArray *tn_store_list_conflicts     (TnStore              *store,
                                        GError              **error);
gint64     tn_store_count_conflicts    (TnStore              *store);
/* Closes the conflict @id (or a bare SKU) with @value. */
gboolean   tn_store_resolve_conflict   (TnStore              *store,
                                        const char           *id,
                                        gint64                value,
                                        const char           *manager,
                                        GError              **error);

/* Sales (tn-sale.c) --------------------------------------------------- */

typedef struct _TnSaleRequest TnSaleRequest;

TnSaleRequest *tn_sale_request_new     (void);
void       tn_sale_request_free        (TnSaleRequest        *request);
void       tn_sale_request_add_line    (TnSaleRequest        *request,
                                        const char           *sku,
                                        gint64                qty_milli);
/* An amount for tn_sale_request_add_payment(): whatever the payments
 * with an amount leave to pay, in the payment's currency at its rate,
 * rounded up so that the total is covered (no change comes from it).
 * At most one per sale; left out when nothing is left to pay. */
#define TN_SALE_PAY_REST G_MININT64

/* @currency NULL means the base currency; @amount in its minor units, or
 * TN_SALE_PAY_REST.  With no payment at all the sale is paid exactly in
 * cash. */
void       tn_sale_request_add_payment (TnSaleRequest        *request,
                                        const char           *method,
                                        const char           *currency,
                                        gint64                amount);
void       tn_sale_request_set_cashier (TnSaleRequest        *request,
                                        const char           *employee_id);
void       tn_sale_request_set_customer (TnSaleRequest       *request,
                                        const char           *customer_id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnSaleRequest, tn_sale_request_free)

typedef struct
{
  char    *sale_id;
  char    *event_id;
  char    *hash;
  char    *fiscal_doc;      /* "00000123" or "L1-C-000001" */
  gint64   fiscal_number;
  gboolean contingency;
  char    *currency;
  gint64   subtotal;
  gint64   tax;
  gint64   total;
  gint64   paid;
  gint64   change;
  char    *second_currency; /* NULL when no second currency is set */
  gint64   second_total;
  guint    second_decimals;
  GStrv    oversold;        /* SKUs whose stock went below zero */
} TnSaleReceipt;

void       tn_sale_receipt_free        (TnSaleReceipt        *receipt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnSaleReceipt, tn_sale_receipt_free)

/* Prices the cart from the catalogue, numbers it and commits it in one
 * durable transaction.  Fails (changing nothing) for an unknown SKU, a
 * zero quantity or a short payment; never for lack of a fiscal number
 * or of stock. */
TnSaleReceipt *tn_store_sell           (TnStore              *store,
                                        TnSaleRequest        *request,
                                        GError              **error);

/* Prices the cart exactly as tn_store_sell() would, without committing,
 * numbering or alerting: fills currency, subtotal, tax, total, the
 * second-currency total and oversold; the payments are not looked at
 * (paid and change stay 0, the ids and fiscal fields unset).  Fails like
 * tn_store_sell() for an unknown, unpriced or inactive SKU or a bad
 * quantity. */
TnSaleReceipt *tn_store_quote_sale     (TnStore              *store,
                                        TnSaleRequest        *request,
                                        GError              **error);

/* Voids a sale with a chained void document.  @manager may be NULL. */
gboolean   tn_store_void_sale          (TnStore              *store,
                                        const char           *sale_id,
                                        const char           *reason,
                                        const char           *manager,
                                        GError              **error);

/* Employees, customers, debts, rates (tn-people.c) ---------------------- */

/* Returns the new employee id (transfer full). */
char      *tn_store_add_employee       (TnStore              *store,
                                        const char           *name,
                                        const char           *pin,
                                        gboolean              manager,
                                        GError              **error);
/* Finds the active employee with this PIN; with @need_manager only a
 * manager matches.  Returns the employee id or NULL (TN_ERROR_PERMISSION). */
char      *tn_store_check_pin          (TnStore              *store,
                                        const char           *pin,
                                        gboolean              need_manager,
                                        GError              **error);
/* The name and role of employee @employee_id (either out may be NULL);
 * TN_ERROR_NOT_FOUND for an unknown id. */
gboolean   tn_store_get_employee       (TnStore              *store,
                                        const char           *employee_id,
                                        char                **out_name,
                                        gboolean             *out_manager,
                                        GError              **error);
gboolean   tn_store_upsert_customer    (TnStore              *store,
                                        const char           *customer_id,
                                        const char           *name,
                                        const char           *phone,
                                        GError              **error);
gboolean   tn_store_charge_debt        (TnStore              *store,
                                        const char           *customer_id,
                                        gint64                amount,
                                        const char           *note,
                                        GError              **error);
gboolean   tn_store_pay_debt           (TnStore              *store,
                                        const char           *customer_id,
                                        gint64                amount,
                                        const char           *method,
                                        GError              **error);
gboolean   tn_store_get_debt_balance   (TnStore              *store,
                                        const char           *customer_id,
                                        gint64               *out,
                                        GError              **error);
gboolean   tn_store_set_exchange_rate  (TnStore              *store,
                                        const char           *currency,
                                        gint64                rate_micro,
                                        guint                 decimals,
                                        GError              **error);

/* Cash sessions (tn-cash.c) ------------------------------------------- */

/* Returns the session id (transfer full). */
char      *tn_store_open_cash_session  (TnStore              *store,
                                        gint64                float_amount,
                                        const char           *cashier,
                                        GError              **error);
/* The open session of this terminal, or NULL. */
char      *tn_store_get_open_session   (TnStore              *store,
                                        GError              **error);
gboolean   tn_store_move_cash          (TnStore              *store,
                                        gboolean              cash_in,
                                        gint64                amount,
                                        const char           *reason,
                                        GError              **error);

typedef struct
{
  char       *session_id;
  char       *z_doc;        /* "L1-Z-000001" */
  gint64      float_amount;
  gint64      cash_sales;   /* cash received minus change */
  gint64      cash_in;
  gint64      cash_out;
  gint64      expected;
  gint64      counted;
  gint64      variance;     /* counted − expected */
  gint64      sales_count;
  gint64      voids_count;
  GHashTable *totals;       /* "method/CUR" → gint64* */
} TnZReport;

void       tn_z_report_free            (TnZReport            *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TnZReport, tn_z_report_free)

/* Closes this terminal's open session with the counted cash; @blind
 * records that the cashier counted without seeing the expected sum. */
TnZReport *tn_store_close_cash_session (TnStore              *store,
                                        gint64                counted,
                                        gboolean              blind,
                                        GError              **error);

/* The report of this terminal's open session as it stands, without
 * closing it or numbering anything (z_doc NULL, counted 0): what a
 * count that is not blind shows as expected. */
TnZReport *tn_store_preview_cash_session (TnStore            *store,
                                        GError              **error);

G_END_DECLS
