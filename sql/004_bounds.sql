-- SPDX-License-Identifier: MIT
-- 004: what bounds per webhook and per row need (issue 7).

-- Manual sends are counted per webhook (pending tests and redeliveries,
-- at most manual_pending_max): an index range, not a walk over every
-- delivery the webhook ever had.
-- A claim skips the webhooks a dispatcher has its fill of (LOCATE on
-- webhook_id, see ST_DQ_SELECT_DUE): with webhook_id in the due index
-- that test reads the index alone, not the rows: a skipped backlog still
-- costs one index entry read per due row ahead of the batch, per claim.
ALTER TABLE deliveries
  ADD KEY ix_deliveries_manual (webhook_id, status, manual, next_attempt_at),
  DROP KEY ix_deliveries_due,
  ADD KEY ix_deliveries_due (status, next_attempt_at, webhook_id);

-- The programs read names back into buffers sized by the byte limits
-- webhookctl checks; the database holds every row to the same limits, so
-- a row written by other means cannot be one the service fails to read.
ALTER TABLE api_templates
  ADD CONSTRAINT ck_templates_sizes CHECK (OCTET_LENGTH(name) <= 191
    AND OCTET_LENGTH(display_name) <= 255
    AND (description IS NULL OR OCTET_LENGTH(description) <= 1024));
ALTER TABLE users
  ADD CONSTRAINT ck_users_size CHECK (OCTET_LENGTH(username) <= 150);
