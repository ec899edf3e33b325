-- SPDX-License-Identifier: MIT
-- 006: every webhook numbers its events (issue 10: nothing missed).
--
-- A delivery of a reported event carries its webhook's next number
-- (webhook-sequence), also when the webhook is disabled: that delivery is
-- kept as cancelled, so GET .../events/?after= can list what a receiver
-- missed.  Tests and rows from before this migration have none (NULL).
-- The counter is a row of its own, not a column of webhooks: the
-- dispatchers write webhooks on every recorded attempt, and on a Galera
-- cluster an event's commit on one node would certify against those.
CREATE TABLE webhook_sequences (
  webhook_id     UUID NOT NULL PRIMARY KEY,
  last_sequence  BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Not unique: the counter makes them so, and a unique key with a NULL
-- part (tests) would certify every test of a webhook against the others.
ALTER TABLE deliveries
  ADD COLUMN sequence BIGINT UNSIGNED NULL AFTER webhook_id,
  ADD KEY ix_deliveries_sequence (webhook_id, sequence);
