/* SPDX-License-Identifier: MIT */
/* db_stmts.c: every SQL statement of the programs, prepared once per connection. */
#include "db_stmts.h"

#define TS(col)	"DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%fZ')"
#define WH_COLS \
	"w.id, t.id, t.name, t.display_name, t.description, w.endpoint_url, " \
	"w.status, w.secret_ct IS NOT NULL, w.disabled_reason, " \
	"w.consecutive_failures, " TS("w.created_at") ", " TS("w.updated_at") \
	", " TS("w.last_delivery_at") ", w.last_delivery_status, " \
	"w.last_delivery_code FROM webhooks w JOIN api_templates t " \
	"ON t.id = w.api_template_id "
#define WH_FILTER \
	"WHERE w.user_id = ? AND (? IS NULL OR w.status = ?) " \
	"AND (? IS NULL OR w.api_template_id = ?) "

const struct stmt_def db_stmt_defs[ST__COUNT] = {
	[ST_AUTH_TOKEN] = { "SELECT t.user_id, u.username, t.is_service "
	    "FROM tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE t.token_hash = ? AND t.revoked_at IS NULL "
	    "AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(6))",
	    1, 0 },
	[ST_TPL_GET] = { "SELECT id, name, display_name, description, is_active "
	    "FROM api_templates WHERE id = ? AND is_active = 1", 1, 0 },
	[ST_TPL_COUNT] = { "SELECT COUNT(*) FROM api_templates "
	    "WHERE is_active = 1", 0, 0 },
	[ST_TPL_LIST] = { "SELECT id, name, display_name, description, is_active "
	    "FROM api_templates WHERE is_active = 1 ORDER BY name "
	    "LIMIT ? OFFSET ?", 2, 0 },
	[ST_WH_GET] = { "SELECT " WH_COLS
	    "WHERE w.id = ? AND w.user_id = ?", 2, 0 },
	[ST_WH_COUNT] = { "SELECT COUNT(*) FROM webhooks w " WH_FILTER, 5, 0 },
	[ST_WH_LIST] = { "SELECT " WH_COLS WH_FILTER
	    "ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?", 7, 0 },
	[ST_WH_INSERT] = { "INSERT INTO webhooks (id, user_id, api_template_id, "
	    "endpoint_url, status, disabled_reason, secret_ct, secret_key_id, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    10, 1 },
	[ST_WH_ID_BY_TPL] = { "SELECT id FROM webhooks "
	    "WHERE user_id = ? AND api_template_id = ?", 2, 0 },
	/* Parameters: url, status, reason, reset, reset, change, set,
	 * change, set, change, set, grace, change, ct, change, key_id, now,
	 * id, user.  MariaDB assigns left to right: the prev_secret_*
	 * columns take the old secret before secret_ct changes. */
	[ST_WH_UPDATE] = { "UPDATE webhooks SET endpoint_url = ?, status = ?, "
	    "disabled_reason = ?, "
	    "consecutive_failures = IF(?, 0, consecutive_failures), "
	    "failing_since = IF(?, NULL, failing_since), "
	    "prev_secret_ct = IF(?, IF(?, secret_ct, NULL), prev_secret_ct), "
	    "prev_secret_key_id = IF(?, IF(?, secret_key_id, NULL), "
	    "prev_secret_key_id), "
	    "prev_secret_until = IF(?, IF(? AND secret_ct IS NOT NULL, "
	    "UTC_TIMESTAMP(6) + INTERVAL ? SECOND, NULL), prev_secret_until), "
	    "secret_ct = IF(?, ?, secret_ct), "
	    "secret_key_id = IF(?, ?, secret_key_id), updated_at = ? "
	    "WHERE id = ? AND user_id = ?", 19, 0 },
	/* Pending deliveries of a webhook being disabled (all = 0: not the
	 * manual ones) or deleted (all = 1). */
	[ST_WH_CANCEL_PENDING] = { "UPDATE deliveries SET status = 'cancelled', "
	    "next_attempt_at = NULL, claim = NULL WHERE webhook_id = ? "
	    "AND status = 'pending' AND (? OR manual = 0)", 2, 0 },
	[ST_WH_DELETE] = { "DELETE FROM webhooks WHERE id = ? AND user_id = ?",
	    2, 1 },
	[ST_USER_ADD] = { "INSERT INTO users (username) VALUES (?)", 1, 1 },
	[ST_USER_ID] = { "SELECT id FROM users WHERE username = ?", 1, 0 },
	[ST_TOKEN_ADD] = { "INSERT INTO tokens (user_id, token_hash, prefix, "
	    "name, is_service) VALUES (?, ?, ?, ?, ?)", 5, 1 },
	[ST_TOKEN_REVOKE] = { "UPDATE tokens SET revoked_at = UTC_TIMESTAMP(6) "
	    "WHERE token_hash = ? AND revoked_at IS NULL", 1, 0 },
	[ST_TPL_ADD] = { "INSERT INTO api_templates (id, name, display_name, "
	    "description) VALUES (?, ?, ?, ?)", 4, 1 },
	[ST_TPL_LIST_ALL] = { "SELECT id, name, display_name, description, "
	    "is_active FROM api_templates ORDER BY name", 0, 0 },
	[ST_TPL_DISABLE] = { "UPDATE api_templates SET is_active = 0 "
	    "WHERE name = ?", 1, 0 },
	[ST_MIG_APPLIED] = { "SELECT COUNT(*) FROM schema_migrations "
	    "WHERE version = ?", 1, 0 },
	[ST_MIG_RECORD] = { "INSERT INTO schema_migrations (version, name) "
	    "VALUES (?, ?)", 2, 1 },
};
