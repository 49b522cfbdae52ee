-- SPDX-License-Identifier: GPL-3.0-or-later
-- Reporting views derived from the events' payloads (the same fields the
-- lane's projections read: src/model/tn-projection-sales.c and
-- tn-projection-stock.c).  Days are UTC days of the sale's clock (HLC
-- milliseconds); money is in minor units, quantities in thousandths.

-- A sale counts once even if a buggy lane sent it under two events (the
-- lanes keep the first copy too), and not at all once voided.
CREATE VIEW report_sales AS
SELECT DISTINCT ON (s.store, s.payload ->> 'sale_id')
       s.store,
       s.payload ->> 'sale_id' AS sale_id,
       s.payload ->> 'terminal' AS terminal,
       (to_timestamp ((s.hlc >> 16) / 1000.0) AT TIME ZONE 'UTC')::date AS day,
       s.payload ->> 'currency' AS currency,
       (s.payload ->> 'subtotal')::bigint AS subtotal,
       (s.payload ->> 'tax')::bigint AS tax,
       (s.payload ->> 'total')::bigint AS total,
       (s.payload ->> 'change')::bigint AS change,
       s.payload -> 'payments' AS payments,
       s.payload -> 'lines' AS lines,
       EXISTS (SELECT 1 FROM events v
               WHERE v.store = s.store AND v.type = 'SaleVoided'
                 AND v.payload ->> 'sale_id' = s.payload ->> 'sale_id') AS voided
FROM events s
WHERE s.type = 'SaleCreated'
ORDER BY s.store, s.payload ->> 'sale_id', s.hlc, s.origin;

-- Sales per store, day and payment method: how many sales used the
-- method, the amounts tendered in the payment's currency and in the base
-- currency, and (for a sale paid by one method) the sale totals.
CREATE VIEW report_sales_by_method AS
SELECT r.store,
       r.day,
       coalesce (p ->> 'method', 'none') AS method,
       coalesce (p ->> 'currency', r.currency) AS currency,
       count (DISTINCT r.sale_id) AS sales,
       coalesce (sum ((p ->> 'amount')::bigint), 0) AS amount,
       coalesce (sum ((p ->> 'amount_base')::bigint), 0) AS amount_base
FROM report_sales r
LEFT JOIN LATERAL jsonb_array_elements (r.payments) AS p ON TRUE
WHERE NOT r.voided
GROUP BY r.store, r.day, coalesce (p ->> 'method', 'none'),
         coalesce (p ->> 'currency', r.currency);

-- Sales per store and day, with the voids.
CREATE VIEW report_sales_by_day AS
SELECT store, day, currency,
       count (*) FILTER (WHERE NOT voided) AS sales,
       coalesce (sum (subtotal) FILTER (WHERE NOT voided), 0) AS subtotal,
       coalesce (sum (tax) FILTER (WHERE NOT voided), 0) AS tax,
       coalesce (sum (total) FILTER (WHERE NOT voided), 0) AS total,
       count (*) FILTER (WHERE voided) AS voided
FROM report_sales
GROUP BY store, day, currency;

-- Stock per store and product: a PN-counter, the sum of its movements
-- (receipts, adjustments, sold lines, and a voided sale's lines back once).
CREATE VIEW report_stock AS
WITH moves AS (
  SELECT store, payload ->> 'sku' AS sku, (payload ->> 'qty')::bigint AS qty
  FROM events WHERE type = 'StockReceived'
  UNION ALL
  SELECT store, payload ->> 'sku', (payload ->> 'delta')::bigint
  FROM events WHERE type = 'StockAdjusted'
  UNION ALL
  SELECT r.store, l ->> 'sku', - (l ->> 'qty')::bigint
  FROM report_sales r, jsonb_array_elements (r.lines) AS l
  UNION ALL
  SELECT r.store, l ->> 'sku', (l ->> 'qty')::bigint
  FROM report_sales r, jsonb_array_elements (r.lines) AS l
  WHERE r.voided
)
SELECT store, sku, sum (qty) AS qty_milli
FROM moves
GROUP BY store, sku;
