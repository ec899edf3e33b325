-- SPDX-License-Identifier: MIT
-- 003: events, deliveries and their attempts (the outbox the dispatcher
-- drains), and what webhooks need for monitoring and secret rotation.

-- prev_secret_*: the secret a PATCH replaced, still signing (second) until
-- prev_secret_until.  failing_since: when the current run of failed
-- deliveries began (NULL after a success).
ALTER TABLE webhooks
  ADD COLUMN prev_secret_ct VARBINARY(1100) NULL AFTER secret_key_id,
  ADD COLUMN prev_secret_key_id CHAR(8) NULL AFTER prev_secret_ct,
  ADD COLUMN prev_secret_until DATETIME(6) NULL AFTER prev_secret_key_id,
  ADD COLUMN failing_since DATETIME(6) NULL AFTER consecutive_failures;

-- One row per report of a processed document (or test).  The unique key
-- makes a service's idempotency_key give one event, also when two
-- retries race.
CREATE TABLE events (
  id               UUID NOT NULL PRIMARY KEY,
  source_user_id   BIGINT UNSIGNED NOT NULL,
  idempotency_key  VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
  user_id          BIGINT UNSIGNED NOT NULL,
  api_template_id  UUID NULL,
  type             VARCHAR(255) NOT NULL,
  deliveries       TINYINT UNSIGNED NOT NULL,
  created_at       DATETIME(6) NOT NULL,
  UNIQUE KEY uq_events_idempotency (source_user_id, idempotency_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The outbox.  A pending delivery is due at next_attempt_at; a
-- dispatcher claims it by moving next_attempt_at past a lease and setting
-- claim, so a crashed dispatcher's deliveries come due again by
-- themselves.  body is the exact JSON sent on every attempt.
-- manual: queued by a test or a redeliver (sent even to a disabled
-- webhook; never counted for auto-disable).  attempt_limit 0: as many
-- attempts as the dispatcher's retry_schedule allows; a test gets 1 and a
-- redelivery one more than it had.
CREATE TABLE deliveries (
  id               UUID NOT NULL PRIMARY KEY,
  event_id         UUID NOT NULL,
  webhook_id       UUID NOT NULL,
  user_id          BIGINT UNSIGNED NOT NULL,
  event_type       VARCHAR(255) NOT NULL,
  body             MEDIUMTEXT NOT NULL,
  status           ENUM('pending', 'succeeded', 'failed', 'cancelled') NOT NULL DEFAULT 'pending',
  manual           TINYINT(1) NOT NULL DEFAULT 0,
  attempts         INT UNSIGNED NOT NULL DEFAULT 0,
  attempt_limit    INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at  DATETIME(6) NULL,
  claim            BIGINT UNSIGNED NULL,
  response_code    SMALLINT UNSIGNED NULL,
  error            VARCHAR(255) NULL,
  duration_ms      INT UNSIGNED NULL,
  created_at       DATETIME(6) NOT NULL,
  last_attempt_at  DATETIME(6) NULL,
  KEY ix_deliveries_due (status, next_attempt_at),
  KEY ix_deliveries_webhook (webhook_id, created_at, id),
  KEY ix_deliveries_claim (claim),
  KEY ix_deliveries_event (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE delivery_attempts (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id       UUID NOT NULL,
  attempted_at      DATETIME(6) NOT NULL,
  response_code     SMALLINT UNSIGNED NULL,
  error_class       VARCHAR(16) NULL,
  error             VARCHAR(255) NULL,
  duration_ms       INT UNSIGNED NOT NULL,
  dns_ms            INT UNSIGNED NULL,
  connect_ms        INT UNSIGNED NULL,
  tls_ms            INT UNSIGNED NULL,
  first_byte_ms     INT UNSIGNED NULL,
  response_excerpt  VARBINARY(1024) NULL,
  KEY ix_attempts_delivery (delivery_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
