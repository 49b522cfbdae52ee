-- SPDX-License-Identifier: GPL-3.0-or-later
-- The hub's tables.  Every event a lane uploads is kept verbatim (its
-- RFC 8785 text, so pulls hand out the exact bytes whose hash it
-- carries) next to its payload as jsonb for the reporting views.

-- One row per store the hub serves: its own replica (the origin of the
-- events the hub itself creates: fiscal grants, head-office changes),
-- the last clock it issued, and the fiscal counter (locked FOR UPDATE
-- while a block is granted).
CREATE TABLE hub_stores (
  store        text PRIMARY KEY,
  hub_replica  uuid NOT NULL UNIQUE,
  hub_hlc      bigint NOT NULL DEFAULT 0,
  fiscal_next  bigint NOT NULL DEFAULT 1 CHECK (fiscal_next >= 1),
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- API keys: only their SHA-256 is kept; the key itself is shown once.
CREATE TABLE api_keys (
  key_sha256   text PRIMARY KEY CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
  store        text NOT NULL REFERENCES hub_stores (store),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
  store        text NOT NULL,
  origin       uuid NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 1),
  event_id     uuid NOT NULL UNIQUE,
  type         text NOT NULL,
  hlc          bigint NOT NULL,
  hash         text NOT NULL,
  body         text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store, origin, seq)
);

CREATE INDEX events_products ON events (store, (payload ->> 'sku'))
  WHERE type IN ('ProductCreated', 'ProductUpdated');
CREATE INDEX events_fiscal_grants ON events (store)
  WHERE type = 'FiscalBlockGranted';
CREATE INDEX events_sales ON events (store, (payload ->> 'sale_id'))
  WHERE type IN ('SaleCreated', 'SaleVoided');

-- Events that failed validation: their (origin, seq) still counts in the
-- hub's version vector so that the events after them are not a gap.
CREATE TABLE rejections (
  store        text NOT NULL,
  origin       uuid NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 1),
  event_id     text NOT NULL,
  reason       text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store, origin, seq)
);

-- The hub's version vector per store: the highest contiguous seq per
-- origin (stored or rejected), and the highest clock seen from it (the
-- hub's own events must be causally later than what they depend on).
CREATE TABLE version_vectors (
  store        text NOT NULL,
  origin       uuid NOT NULL,
  seq          bigint NOT NULL CHECK (seq >= 1),
  max_hlc      bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (store, origin)
);
