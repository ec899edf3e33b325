-- SPDX-License-Identifier: MIT
-- 005: events from one service user through several Galera nodes at once.
--
-- Galera certifies a transaction by the keys of the unique indexes it
-- writes, and MariaDB appends a unique key's value even when part of it is
-- NULL: every event without an idempotency key had the same key
-- (source_user_id, NULL), so two nodes taking events from one service user
-- at once failed each other's commits (measured: 200 of 400 concurrent
-- inserts through two nodes).  The uniqueness now lives on a generated
-- column that holds the key when there is one and the event's own id
-- (after a control character no key may contain) when there is none; the
-- lookup of a replayed key uses a plain index, which certification ignores.
ALTER TABLE events
  ADD COLUMN idempotency_unique VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin
    AS (IFNULL(idempotency_key, CONCAT(CHAR(1), id))) PERSISTENT,
  DROP KEY uq_events_idempotency,
  ADD UNIQUE KEY uq_events_idempotency (source_user_id, idempotency_unique),
  ADD KEY ix_events_idempotency (source_user_id, idempotency_key);
