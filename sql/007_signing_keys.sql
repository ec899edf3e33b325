-- SPDX-License-Identifier: MIT
-- 007: an optional Ed25519 signing key per webhook (Standard Webhooks
-- v1a signatures, issue 10).
--
-- signing_key_ct: the 32-byte private key sealed like the secrets
-- (AES-256-GCM under the key file's current key, signing_key_id beside
-- it; the associated data names the webhook and the column's use, so a
-- sealed value cannot be moved to another row or column).
-- signing_public: the public key as receivers get it ("whpk_<base64>").
-- prev_signing_*: the key a new one replaced, still signing (second)
-- until prev_signing_until, as prev_secret_* do for secrets.
ALTER TABLE webhooks
  ADD COLUMN signing_key_ct VARBINARY(64) NULL,
  ADD COLUMN signing_key_id CHAR(8) NULL,
  ADD COLUMN signing_public VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN signing_created_at DATETIME(6) NULL,
  ADD COLUMN prev_signing_key_ct VARBINARY(64) NULL,
  ADD COLUMN prev_signing_key_id CHAR(8) NULL,
  ADD COLUMN prev_signing_public VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN prev_signing_until DATETIME(6) NULL;
