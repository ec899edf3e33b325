-- SPDX-License-Identifier: MIT
-- 001: users, tokens, API templates and webhooks.
-- Applied by `webhookctl migrate`, which records it in schema_migrations.

CREATE TABLE users (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username    VARCHAR(150) NOT NULL,
  created_at  DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Tokens are stored as SHA-256 of the token only; prefix helps operators
-- tell tokens apart without revealing them.
CREATE TABLE tokens (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     BIGINT UNSIGNED NOT NULL,
  token_hash  BINARY(32) NOT NULL,
  prefix      CHAR(12) NOT NULL,
  name        VARCHAR(100) NULL,
  is_service  TINYINT(1) NOT NULL DEFAULT 0,
  created_at  DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  expires_at  DATETIME(6) NULL,
  revoked_at  DATETIME(6) NULL,
  UNIQUE KEY uq_tokens_hash (token_hash),
  KEY ix_tokens_user (user_id),
  CONSTRAINT fk_tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- utf8mb4_bin: names sort in byte order, as the contract asks.
CREATE TABLE api_templates (
  id            UUID NOT NULL PRIMARY KEY,
  name          VARCHAR(191) NOT NULL,
  display_name  VARCHAR(255) NOT NULL,
  description   VARCHAR(1024) NULL,
  is_active     TINYINT(1) NOT NULL DEFAULT 1,
  created_at    DATETIME(6) NOT NULL DEFAULT UTC_TIMESTAMP(6),
  UNIQUE KEY uq_templates_name (name),
  KEY ix_templates_active_name (is_active, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One webhook per user and template: uq_webhooks_user_template decides
-- duplicates, also under concurrent creates.  ix_webhooks_list serves the
-- list (user_id = ? ORDER BY created_at DESC, id DESC) and its COUNT.
-- secret_ct is version || nonce || AES-256-GCM ciphertext || tag, with
-- the webhook id as associated data; secret_key_id names the key.
CREATE TABLE webhooks (
  id                    UUID NOT NULL PRIMARY KEY,
  user_id               BIGINT UNSIGNED NOT NULL,
  api_template_id       UUID NOT NULL,
  endpoint_url          VARCHAR(2048) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status                ENUM('enabled', 'disabled') NOT NULL DEFAULT 'enabled',
  disabled_reason       VARCHAR(32) NULL,
  secret_ct             VARBINARY(1100) NULL,
  secret_key_id         CHAR(8) NULL,
  consecutive_failures  INT UNSIGNED NOT NULL DEFAULT 0,
  last_delivery_at      DATETIME(6) NULL,
  last_delivery_status  VARCHAR(16) NULL,
  last_delivery_code    SMALLINT UNSIGNED NULL,
  created_at            DATETIME(6) NOT NULL,
  updated_at            DATETIME(6) NOT NULL,
  UNIQUE KEY uq_webhooks_user_template (user_id, api_template_id),
  KEY ix_webhooks_list (user_id, created_at, id),
  KEY ix_webhooks_template (api_template_id),
  CONSTRAINT fk_webhooks_user FOREIGN KEY (user_id) REFERENCES users (id)
    ON DELETE CASCADE,
  CONSTRAINT fk_webhooks_template FOREIGN KEY (api_template_id)
    REFERENCES api_templates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
