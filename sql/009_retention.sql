-- SPDX-License-Identifier: MIT
-- 009: retention and erasure (issue 10).
--
-- The dispatchers purge what is older than event_retention_days in small
-- transactions, oldest first, by these indexes: deliveries (with their
-- attempts) that are not pending, then events left without deliveries,
-- then finished replays.  DELETE /webhooks/v1/events/{id}/ erases an
-- event's body at once: its deliveries keep their row and log, body NULL.
ALTER TABLE deliveries
  MODIFY body MEDIUMTEXT NULL,
  ADD KEY ix_deliveries_created (created_at);
ALTER TABLE events
  ADD COLUMN erased_at DATETIME(6) NULL,
  ADD KEY ix_events_created (created_at);
