-- SPDX-License-Identifier: MIT
-- 008: replays (issue 10): POST .../webhook/{id}/replay/ requeues a
-- webhook's failed or cancelled deliveries matching a filter as one job,
-- which the dispatchers run in bounded steps.
--
-- A step is one transaction: the job row locked (FOR UPDATE SKIP LOCKED:
-- one dispatcher per job at a time; a crash rolls the step back), the
-- next deliveries after the cursor (created_at, id: the webhook's list
-- index) put back to pending, the cursor and the counts moved on.  The
-- deliveries keep their ids, event ids (webhook-id), sequence and body.
CREATE TABLE replay_jobs (
  id             UUID NOT NULL PRIMARY KEY,
  webhook_id     UUID NOT NULL,
  user_id        BIGINT UNSIGNED NOT NULL,
  status         ENUM('running', 'completed', 'cancelled') NOT NULL DEFAULT 'running',
  -- the filter; NULL: not filtered on (status NULL: failed and cancelled)
  f_status       ENUM('failed', 'cancelled') NULL,
  f_since        DATETIME(6) NULL,
  f_until        DATETIME(6) NULL,
  f_after        BIGINT UNSIGNED NULL,
  matched        INT UNSIGNED NOT NULL,
  requeued       INT UNSIGNED NOT NULL DEFAULT 0,
  skipped        INT UNSIGNED NOT NULL DEFAULT 0,
  cursor_at      DATETIME(6) NULL,
  cursor_id      UUID NULL,
  created_at     DATETIME(6) NOT NULL,
  updated_at     DATETIME(6) NOT NULL,
  finished_at    DATETIME(6) NULL,
  KEY ix_replay_due (status, updated_at),
  KEY ix_replay_webhook (webhook_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
