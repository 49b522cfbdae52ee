-- SPDX-License-Identifier: GPL-3.0-or-later
-- A fiscal block request names the lane by terminal; when the lane does
-- not send its replica id, the hub finds it in the events that name the
-- terminal (src/hub/tn-hub-fiscal.c): keep that lookup off a scan of
-- every sale of the store.
CREATE INDEX events_terminals ON events (store, (payload ->> 'terminal'))
  WHERE type IN ('FiscalBlockGranted', 'CashSessionOpened', 'SaleCreated');
