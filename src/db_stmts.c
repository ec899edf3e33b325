/* SPDX-License-Identifier: MIT */
/* db_stmts.c: every SQL statement of the programs, prepared once per connection. */
#include "db_stmts.h"

/* Joins name their order (STRAIGHT_JOIN, the webhook first): MariaDB plans
 * a prepared statement again on every execution, and skipping the
 * join-order search measured 20 % more requests per second.
 * Times are fetched raw and written as RFC 3339 by the client (TCOL):
 * cheaper for the server than DATE_FORMAT. */
#define TS(col)	col
#define WH_COLS \
	"w.id, t.id, t.name, t.display_name, t.description, w.endpoint_url, " \
	"w.status, w.secret_ct IS NOT NULL, w.disabled_reason, " \
	"w.consecutive_failures, " TS("w.created_at") ", " TS("w.updated_at") \
	", " TS("w.last_delivery_at") ", w.last_delivery_status, " \
	"w.last_delivery_code "
#define WH_JOIN_T "JOIN api_templates t ON t.id = w.api_template_id "
#define WH_FROM "FROM webhooks w " WH_JOIN_T
#define P8	"?, ?, ?, ?, ?, ?, ?, ?"
#define P64	P8 ", " P8 ", " P8 ", " P8 ", " P8 ", " P8 ", " P8 ", " P8
#define DL_COLS \
	"id, event_id, event_type, status, attempts, response_code, error, " \
	"duration_ms, " TS("created_at") ", " TS("last_attempt_at") ", " \
	"IF(claim IS NULL, next_attempt_at, NULL), DATE_FORMAT(created_at, '%Y%m%d%H%i%s%f') "
#define WH_FILTER \
	"WHERE w.user_id = ? AND (? IS NULL OR w.status = ?) " \
	"AND (? IS NULL OR w.api_template_id = ?) "

/* A replay's filter on a webhook's deliveries: failed or cancelled (or
 * the one status given), created in [since, until), numbered above
 * after; each NULL pair is no filter. */
#define RP_FILTER \
	"AND status IN ('failed', 'cancelled') AND body IS NOT NULL " \
	"AND (? IS NULL OR status = ?) " \
	"AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?) " \
	"AND (? IS NULL OR sequence > ?) "

#define EV_RESOLVE_COLS "t.id, t.name, t.display_name, t.description, " \
	"t.is_active, u.id, w.id, w.status = 'enabled' "

_Static_assert(WH_REPLAY_STEP == 64, "ST_RP_REQUEUE has P64 ids");
_Static_assert(WH_PURGE_BATCH == 64, "ST_PG_* have P64 ids");

const struct stmt_def db_stmt_defs[ST__COUNT] = {
	[ST_AUTH_TOKEN] = { "SELECT STRAIGHT_JOIN t.user_id, u.username, "
	    "t.is_service, "
	    "TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), t.expires_at) DIV 1000 "
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
	[ST_WH_GET] = { "SELECT STRAIGHT_JOIN " WH_COLS WH_FROM
	    "WHERE w.id = ? AND w.user_id = ?", 2, 0 },
	[ST_WH_COUNT] = { "SELECT COUNT(*) FROM webhooks w " WH_FILTER, 5, 0 },
	[ST_WH_LIST] = { "SELECT STRAIGHT_JOIN " WH_COLS WH_FROM WH_FILTER
	    "ORDER BY w.created_at DESC, w.id DESC LIMIT ? OFFSET ?", 7, 0 },
	/* The unfiltered list, the common case: the list index read
	 * backwards, named so that no execution weighs the other indexes
	 * or, on a table where one user owns most rows, picks a scan and a
	 * filesort (measured: 15 % of the bench's list time). */
	[ST_WH_LIST_ALL] = { "SELECT STRAIGHT_JOIN " WH_COLS
	    "FROM webhooks w FORCE INDEX (ix_webhooks_list) " WH_JOIN_T
	    "WHERE w.user_id = ? ORDER BY w.created_at DESC, w.id DESC "
	    "LIMIT ? OFFSET ?", 3, 0 },
	/* Only on an active template (none inserted otherwise): the API's
	 * check before it may have read a cached copy.  Parameters: id,
	 * user, url, status, reason, ct, key_id, now, now, template. */
	[ST_WH_INSERT] = { "INSERT INTO webhooks (id, user_id, api_template_id, "
	    "endpoint_url, status, disabled_reason, secret_ct, secret_key_id, "
	    "created_at, updated_at) SELECT ?, ?, t.id, ?, ?, ?, ?, ?, ?, ? "
	    "FROM api_templates t WHERE t.id = ? AND t.is_active = 1",
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
	/* A new signing key; the current one, if any, signs on until
	 * now + the grace (left to right: prev_* take the old values before
	 * they change).  Parameters: grace, ct, key id, public, now, now, id,
	 * user. */
	[ST_SK_SET] = { "UPDATE webhooks SET prev_signing_until = "
	    "IF(signing_key_ct IS NULL, NULL, UTC_TIMESTAMP(6) + INTERVAL ? "
	    "SECOND), prev_signing_key_ct = signing_key_ct, "
	    "prev_signing_key_id = signing_key_id, "
	    "prev_signing_public = signing_public, signing_key_ct = ?, "
	    "signing_key_id = ?, signing_public = ?, signing_created_at = ?, "
	    "updated_at = ? WHERE id = ? AND user_id = ?", 8, 0 },
	[ST_SK_GET] = { "SELECT signing_public, " TS("signing_created_at") ", "
	    "IF(prev_signing_until > UTC_TIMESTAMP(6), prev_signing_public, "
	    "NULL), IF(prev_signing_until > UTC_TIMESTAMP(6), "
	    TS("prev_signing_until") ", NULL) FROM webhooks "
	    "WHERE id = ? AND user_id = ?", 2, 0 },
	[ST_SK_DELETE] = { "UPDATE webhooks SET signing_key_ct = NULL, "
	    "signing_key_id = NULL, signing_public = NULL, "
	    "signing_created_at = NULL, prev_signing_key_ct = NULL, "
	    "prev_signing_key_id = NULL, prev_signing_public = NULL, "
	    "prev_signing_until = NULL, updated_at = UTC_TIMESTAMP(6) "
	    "WHERE id = ? AND user_id = ? AND signing_key_ct IS NOT NULL",
	    2, 0 },
	[ST_WH_DELETE] = { "DELETE FROM webhooks WHERE id = ? AND user_id = ?",
	    2, 1 },
	[ST_USER_ADD] = { "INSERT INTO users (username) VALUES (?)", 1, 1 },
	[ST_USER_ID] = { "SELECT id FROM users WHERE username = ?", 1, 0 },
	[ST_TOKEN_ADD] = { "INSERT INTO tokens (user_id, token_hash, prefix, "
	    "name, is_service, expires_at) VALUES (?, ?, ?, ?, ?, "
	    "IF(? IS NULL, NULL, UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND))", 7, 1 },
	[ST_TOKEN_REVOKE] = { "UPDATE tokens SET revoked_at = UTC_TIMESTAMP(6) "
	    "WHERE token_hash = ? AND revoked_at IS NULL", 1, 0 },
	[ST_TOKEN_REVOKE_ID] = { "UPDATE tokens SET revoked_at = UTC_TIMESTAMP(6) "
	    "WHERE id = ? AND revoked_at IS NULL", 1, 0 },
	/* Operators' view: never the hash, only the prefix kept for them. */
	[ST_TOKEN_LIST] = { "SELECT t.id, u.username, t.prefix, t.name, "
	    "t.is_service, " TS("t.created_at") ", " TS("t.expires_at") ", "
	    TS("t.revoked_at") " FROM tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE (? IS NULL OR u.username = ?) ORDER BY t.id", 2, 0 },
	[ST_TPL_ADD] = { "INSERT INTO api_templates (id, name, display_name, "
	    "description) VALUES (?, ?, ?, ?)", 4, 1 },
	[ST_TPL_LIST_ALL] = { "SELECT id, name, display_name, description, "
	    "is_active FROM api_templates ORDER BY name", 0, 0 },
	[ST_TPL_DISABLE] = { "UPDATE api_templates SET is_active = 0 "
	    "WHERE name = ?", 1, 0 },
	[ST_TPL_GET_BY_NAME] = { "SELECT id, name, display_name, description, "
	    "is_active FROM api_templates WHERE name = ? AND is_active = 1",
	    1, 0 },
	[ST_EVENT_BY_IDEM] = { "SELECT id, deliveries FROM events "
	    "WHERE source_user_id = ? AND idempotency_key = ?", 2, 0 },
	[ST_EVENT_INSERT] = { "INSERT INTO events (id, source_user_id, "
	    "idempotency_key, user_id, api_template_id, type, deliveries, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", 8, 1 },
	[ST_WH_FOR] = { "SELECT id, status = 'enabled' FROM webhooks "
	    "WHERE user_id = ? AND api_template_id = ?", 2, 0 },
	/* The webhook's next event number (the row lock orders concurrent
	 * events: numbers are committed in order, none skipped). */
	[ST_SEQ_NEXT] = { "INSERT INTO webhook_sequences (webhook_id, "
	    "last_sequence) VALUES (?, 1) ON DUPLICATE KEY UPDATE "
	    "last_sequence = last_sequence + 1", 1, 1 },
	[ST_SEQ_LAST] = { "SELECT last_sequence FROM webhook_sequences "
	    "WHERE webhook_id = ?", 1, 0 },
	/* With its webhook, in the delete's transaction. */
	[ST_SEQ_DELETE] = { "DELETE FROM webhook_sequences WHERE webhook_id = ?",
	    1, 0 },
	/* An event's template, owner and webhook (of any status: a
	 * disabled one keeps its events) in one round trip
	 * (each step a unique key); no row: one of the first two is
	 * unknown.  Parameters: username, template id or name. */
	[ST_EVENT_RESOLVE_ID] = { "SELECT STRAIGHT_JOIN " EV_RESOLVE_COLS
	    "FROM api_templates t JOIN users u ON u.username = ? "
	    "LEFT JOIN webhooks w ON w.user_id = u.id "
	    "AND w.api_template_id = t.id "
	    "WHERE t.id = ? AND t.is_active = 1", 2, 0 },
	[ST_EVENT_RESOLVE_NAME] = { "SELECT STRAIGHT_JOIN " EV_RESOLVE_COLS
	    "FROM api_templates t JOIN users u ON u.username = ? "
	    "LEFT JOIN webhooks w ON w.user_id = u.id "
	    "AND w.api_template_id = t.id "
	    "WHERE t.name = ? AND t.is_active = 1", 2, 0 },
	/* The last parameter: the webhook whose number (just taken with
	 * ST_SEQ_NEXT) the delivery gets, or NULL for none (a test).
	 * Parameters: id, event, webhook, user, type, body, manual, limit,
	 * status, error, next attempt, now, numbered webhook. */
	[ST_DELIVERY_INSERT] = { "INSERT INTO deliveries (id, event_id, "
	    "webhook_id, user_id, event_type, body, manual, attempt_limit, "
	    "status, error, next_attempt_at, created_at, sequence) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT last_sequence "
	    "FROM webhook_sequences WHERE webhook_id = ?))", 13, 1 },
	/* A webhook's numbered events after a sequence, oldest first (the
	 * bodies are read one by one: see db_event_list). */
	[ST_EVENT_LIST] = { "SELECT id, event_id, sequence, event_type, "
	    "status, " TS("created_at") ", OCTET_LENGTH(body), body IS NULL "
	    "FROM deliveries "
	    "FORCE INDEX (ix_deliveries_sequence) WHERE webhook_id = ? AND "
	    "user_id = ? AND sequence > ? ORDER BY sequence LIMIT ?", 4, 0 },
	[ST_DELIVERY_BODY] = { "SELECT body FROM deliveries WHERE id = ?",
	    1, 0 },
	/* A webhook's deliveries by the list index, named for the reason
	 * given at ST_WH_LIST_ALL: a webhook owning most rows must not
	 * turn its first page into a scan and a filesort. */
	[ST_DELIVERY_LIST_FIRST] = { "SELECT " DL_COLS "FROM deliveries "
	    "FORCE INDEX (ix_deliveries_webhook) "
	    "WHERE webhook_id = ? AND user_id = ? "
	    "ORDER BY created_at DESC, id DESC LIMIT ?", 3, 0 },
	/* The OR-expanded keyset predicate: MariaDB seeks on it, not on a
	 * row constructor. */
	[ST_DELIVERY_LIST_AFTER] = { "SELECT " DL_COLS "FROM deliveries "
	    "FORCE INDEX (ix_deliveries_webhook) "
	    "WHERE webhook_id = ? AND user_id = ? AND (created_at < ? OR "
	    "(created_at = ? AND id < ?)) "
	    "ORDER BY created_at DESC, id DESC LIMIT ?", 6, 0 },
	[ST_DELIVERY_GET] = { "SELECT " DL_COLS "FROM deliveries "
	    "WHERE id = ? AND webhook_id = ? AND user_id = ?", 3, 0 },
	/* The newest attempts (at most the parameter), oldest first. */
	[ST_ATTEMPT_LIST] = { "SELECT * FROM (SELECT " TS("attempted_at") ", "
	    "response_code, error_class, error, duration_ms, dns_ms, "
	    "connect_ms, tls_ms, first_byte_ms, response_excerpt, id "
	    "FROM delivery_attempts WHERE delivery_id = ? ORDER BY id DESC "
	    "LIMIT ?) a ORDER BY id", 2, 0 },
	/* A finished delivery gets one more attempt (and is manual now);
	 * a pending one is only brought forward.  Left to right: the
	 * old status decides before it is set. */
	[ST_DELIVERY_REDELIVER] = { "UPDATE deliveries SET "
	    "attempt_limit = IF(status = 'pending', attempt_limit, attempts + 1), "
	    "manual = IF(status = 'pending', manual, 1), status = 'pending', "
	    "next_attempt_at = UTC_TIMESTAMP(6), claim = NULL "
	    "WHERE id = ? AND webhook_id = ? AND user_id = ?", 3, 0 },
	[ST_MANUAL_PENDING] = { "SELECT COUNT(*), COALESCE(GREATEST(0, CEIL("
	    "TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), MIN(next_attempt_at)) "
	    "/ 1000000)), 0) FROM deliveries "
	    "WHERE webhook_id = ? AND status = 'pending' AND manual = 1", 1, 0 },
	/* Replays.  A webhook's jobs of the last hour, those still
	 * running, and the seconds until the oldest of the hour leaves it. */
	[ST_RP_RECENT] = { "SELECT COALESCE(SUM(created_at > UTC_TIMESTAMP(6) "
	    "- INTERVAL 1 HOUR), 0), COALESCE(SUM(status = 'running'), 0), "
	    "COALESCE(TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(6), MIN(IF(created_at "
	    "> UTC_TIMESTAMP(6) - INTERVAL 1 HOUR, created_at, NULL)) + "
	    "INTERVAL 1 HOUR), 0) FROM replay_jobs "
	    "FORCE INDEX (ix_replay_webhook) WHERE webhook_id = ? AND "
	    "(status = 'running' OR created_at > UTC_TIMESTAMP(6) - "
	    "INTERVAL 1 HOUR)", 1, 0 },
	/* The deliveries a filter matches, counted up to a bound (the
	 * last parameter: the bound + 1).  Parameters: webhook, user,
	 * status, status, since, since, until, until, after, after, n. */
	[ST_RP_COUNT] = { "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries "
	    "FORCE INDEX (ix_deliveries_webhook) WHERE webhook_id = ? AND "
	    "user_id = ? " RP_FILTER "LIMIT ?) m", 11, 0 },
	/* Parameters: id, webhook, user, status, f_status, f_since, f_until,
	 * f_after, matched, now, now, finished. */
	[ST_RP_INSERT] = { "INSERT INTO replay_jobs (id, webhook_id, user_id, "
	    "status, f_status, f_since, f_until, f_after, matched, created_at, "
	    "updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    12, 1 },
	[ST_RP_GET] = { "SELECT id, webhook_id, status, f_status, "
	    TS("f_since") ", " TS("f_until") ", f_after, matched, requeued, "
	    "skipped, " TS("created_at") ", " TS("updated_at") ", "
	    TS("finished_at") " FROM replay_jobs WHERE id = ? AND "
	    "webhook_id = ? AND user_id = ?", 3, 0 },
	/* The running job whose turn it is (the least recently stepped),
	 * locked for this step; one another dispatcher steps is skipped.
	 * The times come as DATETIME(6) literals, for the next statements. */
	[ST_RP_NEXT] = { "SELECT id, webhook_id, f_status, f_since, f_until, "
	    "f_after, cursor_at, cursor_id, created_at FROM replay_jobs "
	    "FORCE INDEX (ix_replay_due) WHERE status = 'running' "
	    "ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED", 0, 0 },
	/* The next deliveries of the filter after the cursor, oldest first,
	 * made no later than the job (what fails after it is not its to
	 * requeue: it stays within what it counted).  Parameters: webhook,
	 * status, status, since, since, until, until, after, after, the job's
	 * created_at, cursor_at, cursor_at, cursor_at, cursor_id, n. */
	[ST_RP_PICK] = { "SELECT id, DATE_FORMAT(created_at, "
	    "'%Y-%m-%d %H:%i:%s.%f') FROM deliveries "
	    "FORCE INDEX (ix_deliveries_webhook) WHERE webhook_id = ? "
	    RP_FILTER "AND created_at <= ? AND (? IS NULL OR created_at > ? OR "
	    "(created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ? "
	    "FOR UPDATE", 15, 0 },
	/* As a redelivery: one more attempt each, manual, due now; the
	 * first parameter is WH_MAX_ATTEMPTS. */
	[ST_RP_REQUEUE] = { "UPDATE deliveries SET "
	    "attempt_limit = attempts + 1, manual = 1, status = 'pending', "
	    "next_attempt_at = UTC_TIMESTAMP(6), claim = NULL WHERE "
	    "status IN ('failed', 'cancelled') AND attempts < ? AND id IN ("
	    P64 ")", 1 + WH_REPLAY_STEP, 0 },
	/* Parameters: cursor_at, cursor_id, requeued, skipped, now, done,
	 * done, now, id. */
	[ST_RP_ADVANCE] = { "UPDATE replay_jobs SET cursor_at = ?, "
	    "cursor_id = ?, requeued = requeued + ?, skipped = skipped + ?, "
	    "updated_at = ?, status = IF(?, 'completed', status), "
	    "finished_at = IF(?, ?, finished_at) WHERE id = ?", 9, 0 },
	[ST_RP_TOUCH] = { "UPDATE replay_jobs SET updated_at = ? WHERE id = ?",
	    2, 0 },
	[ST_RP_END] = { "UPDATE replay_jobs SET status = ?, updated_at = ?, "
	    "finished_at = ? WHERE id = ?", 4, 0 },
	/* The dispatcher's queue.  A claim locks due rows without waiting
	 * for other dispatchers' (SKIP LOCKED) and moves them past a lease. */
	/* Parameters: the webhooks to skip (" id id ... ", the dispatcher's
	 * full ones: see fair.h), the batch size.  webhook_id is in the
	 * index, so a skipped webhook's backlog costs index reads only (one
	 * per due row ahead of the batch, on every claim). */
	[ST_DQ_SELECT_DUE] = { "SELECT id FROM deliveries "
	    "WHERE status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(6) "
	    "AND LOCATE(CONCAT(' ', webhook_id, ' '), ?) = 0 "
	    "ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED", 2, 0 },
	[ST_DQ_MARK] = { "UPDATE deliveries SET claim = ?, "
	    "next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND "
	    "WHERE id IN (" P64 ")", 2 + WH_DQ_MAX_BATCH, 0 },
	/* Claimed deliveries that may not start now (their webhook or host
	 * is full): due again at once, for any dispatcher. */
	[ST_DQ_RELEASE] = { "UPDATE deliveries SET claim = NULL, "
	    "next_attempt_at = UTC_TIMESTAMP(6) WHERE claim = ? AND id IN ("
	    P64 ")", 1 + WH_DQ_MAX_BATCH, 0 },
	/* A held delivery about to start: still this claim's (not
	 * cancelled, redelivered or taken over since), with a fresh lease. */
	[ST_DQ_RENEW] = { "UPDATE deliveries SET next_attempt_at = "
	    "UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE id = ? AND "
	    "claim = ? AND status = 'pending'", 3, 0 },
	[ST_DQ_LOAD] = { "SELECT d.id, d.event_id, d.webhook_id, d.event_type, "
	    "d.body, d.attempts, d.attempt_limit, d.manual, w.id IS NOT NULL, "
	    "w.endpoint_url, w.status, w.secret_ct, w.secret_key_id, "
	    "IF(w.prev_secret_until > UTC_TIMESTAMP(6), w.prev_secret_ct, NULL), "
	    "w.prev_secret_key_id, d.sequence, w.signing_key_ct, "
	    "w.signing_key_id, IF(w.prev_signing_until > UTC_TIMESTAMP(6), "
	    "w.prev_signing_key_ct, NULL), w.prev_signing_key_id "
	    "FROM deliveries d "
	    "LEFT JOIN webhooks w ON w.id = d.webhook_id "
	    "WHERE d.claim = ? AND d.status = 'pending'", 1, 0 },
	[ST_DQ_ATTEMPT_INSERT] = { "INSERT INTO delivery_attempts (delivery_id, "
	    "attempted_at, response_code, error_class, error, duration_ms, "
	    "dns_ms, connect_ms, tls_ms, first_byte_ms, response_excerpt) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 11, 1 },
	[ST_DQ_FINISH] = { "UPDATE deliveries SET status = ?, "
	    "attempts = attempts + 1, next_attempt_at = ?, claim = NULL, "
	    "response_code = ?, error = ?, duration_ms = ?, last_attempt_at = ? "
	    "WHERE id = ? AND claim = ?", 8, 0 },
	[ST_DQ_CANCEL_ONE] = { "UPDATE deliveries SET status = 'cancelled', "
	    "next_attempt_at = NULL, claim = NULL WHERE id = ? AND claim = ?",
	    2, 0 },
	/* Recording locks the webhook before the delivery, the order the
	 * API's disable and delete take. */
	[ST_DQ_LOCK_WEBHOOK] = { "SELECT id FROM webhooks WHERE id = ? "
	    "FOR UPDATE", 1, 0 },
	/* An attempt whose claim was lost (redelivered or cancelled in the
	 * meantime) still counts: attempts matches the attempt log. */
	[ST_DQ_COUNT_LOST] = { "UPDATE deliveries SET attempts = attempts + 1, "
	    "response_code = ?, error = ?, duration_ms = ?, "
	    "last_attempt_at = ? WHERE id = ?", 5, 0 },
	[ST_DQ_WH_SUCCESS] = { "UPDATE webhooks SET consecutive_failures = 0, "
	    "failing_since = NULL, last_delivery_at = ?, "
	    "last_delivery_status = 'succeeded', last_delivery_code = ? "
	    "WHERE id = ?", 3, 0 },
	/* A test or a redelivery shows in last_delivery; it never resets
	 * (nor adds to) the failure count. */
	[ST_DQ_WH_MANUAL_SUCCESS] = { "UPDATE webhooks SET last_delivery_at = ?, "
	    "last_delivery_status = 'succeeded', last_delivery_code = ? "
	    "WHERE id = ?", 3, 0 },
	[ST_DQ_WH_ATTEMPT_FAILED] = { "UPDATE webhooks SET last_delivery_at = ?, "
	    "last_delivery_status = 'failed', last_delivery_code = ? "
	    "WHERE id = ?", 3, 0 },
	/* Parameters: now, now, code, threshold, threshold, now, window_us,
	 * id.  Left to right: the count is raised before it is compared,
	 * and disabled_reason is decided before status follows it. */
	[ST_DQ_WH_DELIVERY_FAILED] = { "UPDATE webhooks SET "
	    "consecutive_failures = consecutive_failures + 1, "
	    "failing_since = COALESCE(failing_since, ?), "
	    "last_delivery_at = ?, last_delivery_status = 'failed', "
	    "last_delivery_code = ?, "
	    "disabled_reason = IF(status = 'enabled' AND ? > 0 AND "
	    "consecutive_failures >= ? AND "
	    "failing_since <= ? - INTERVAL ? MICROSECOND, "
	    "'too_many_failures', disabled_reason), "
	    "status = IF(disabled_reason = 'too_many_failures', 'disabled', "
	    "status) WHERE id = ?", 8, 0 },
	[ST_DQ_WH_GONE] = { "UPDATE webhooks SET status = 'disabled', "
	    "disabled_reason = 'gone', "
	    "consecutive_failures = consecutive_failures + 1, "
	    "failing_since = COALESCE(failing_since, ?), last_delivery_at = ?, "
	    "last_delivery_status = 'failed', last_delivery_code = 410 "
	    "WHERE id = ? AND status = 'enabled'", 3, 0 },
	[ST_DQ_CANCEL_DISABLED] = { "UPDATE deliveries d JOIN webhooks w "
	    "ON w.id = d.webhook_id SET d.status = 'cancelled', "
	    "d.next_attempt_at = NULL, d.claim = NULL WHERE d.webhook_id = ? "
	    "AND d.status = 'pending' AND d.manual = 0 "
	    "AND w.status = 'disabled'", 1, 0 },
	[ST_DQ_STATS] = { "SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(MICROSECOND, "
	    "MIN(next_attempt_at), UTC_TIMESTAMP(6)), 0) FROM deliveries "
	    "WHERE status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(6)",
	    0, 0 },
	[ST_ADM_DELIVERY_LIST] = { "SELECT " DL_COLS ", webhook_id "
	    "FROM deliveries WHERE (? IS NULL OR webhook_id = ?) "
	    "AND (? IS NULL OR status = ?) "
	    "ORDER BY created_at DESC, id DESC LIMIT ?", 5, 0 },
	[ST_ADM_DELIVERY_RETRY] = { "UPDATE deliveries SET "
	    "attempt_limit = IF(status = 'pending', attempt_limit, attempts + 1), "
	    "status = 'pending', "
	    "next_attempt_at = UTC_TIMESTAMP(6), claim = NULL WHERE id = ? "
	    "AND attempts < ?", 2, 0 },
	[ST_ADM_DELIVERY_ATTEMPTS] = { "SELECT attempts FROM deliveries "
	    "WHERE id = ?", 1, 0 },
	/* Retention: the oldest finished deliveries past the cutoff (the
	 * parameter: event_retention_days), locked, skipping those another
	 * purger holds; then their attempts and themselves by id. */
	[ST_PG_PICK] = { "SELECT id FROM deliveries "
	    "FORCE INDEX (ix_deliveries_created) WHERE created_at < "
	    "UTC_TIMESTAMP(6) - INTERVAL ? DAY AND status <> 'pending' "
	    "ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED", 2, 0 },
	[ST_PG_ATTEMPTS] = { "DELETE FROM delivery_attempts WHERE delivery_id "
	    "IN (" P64 ")", WH_PURGE_BATCH, 0 },
	[ST_PG_DELIVERIES] = { "DELETE FROM deliveries WHERE id IN (" P64 ")",
	    WH_PURGE_BATCH, 0 },
	/* Events past the cutoff that no delivery refers to any more (an
	 * idempotency key is forgotten with its event). */
	[ST_PG_EVENTS] = { "DELETE FROM events WHERE created_at < "
	    "UTC_TIMESTAMP(6) - INTERVAL ? DAY AND NOT EXISTS (SELECT 1 FROM "
	    "deliveries d WHERE d.event_id = events.id) ORDER BY created_at "
	    "LIMIT ?", 2, 0 },
	[ST_PG_REPLAYS] = { "DELETE FROM replay_jobs WHERE status IN "
	    "('completed', 'cancelled') AND updated_at < UTC_TIMESTAMP(6) - "
	    "INTERVAL ? DAY LIMIT ?", 2, 0 },
	/* Erasure (DELETE /events/{id}/): the service user's own event. */
	[ST_EV_ERASE_LOCK] = { "SELECT id FROM events WHERE id = ? AND "
	    "source_user_id = ? FOR UPDATE", 2, 0 },
	[ST_EV_ERASE_MARK] = { "UPDATE events SET erased_at = "
	    "COALESCE(erased_at, UTC_TIMESTAMP(6)) WHERE id = ?", 1, 0 },
	/* Left to right: the old status decides error and next attempt
	 * before it changes; a pending delivery cannot be sent any more. */
	[ST_EV_ERASE_BODIES] = { "UPDATE deliveries SET "
	    "error = IF(status = 'pending', 'not sent: the event''s body was "
	    "erased', error), next_attempt_at = IF(status = 'pending', NULL, "
	    "next_attempt_at), claim = IF(status = 'pending', NULL, claim), "
	    "status = IF(status = 'pending', 'cancelled', status), body = NULL "
	    "WHERE event_id = ?", 1, 0 },
	[ST_MIG_APPLIED] = { "SELECT COUNT(*) FROM schema_migrations "
	    "WHERE version = ?", 1, 0 },
	[ST_MIG_RECORD] = { "INSERT INTO schema_migrations (version, name) "
	    "VALUES (?, ?)", 2, 1 },
};
