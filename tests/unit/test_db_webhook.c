/* SPDX-License-Identifier: MIT */
/* test_db_webhook.c: webhook queries scoped to their owner, their row
 * mapping and the transactions of update and delete, over the scripted
 * database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db_webhook.h"
#include "fake_db.h"

#define USER	4242ULL
#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
#define WH2	"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
#define WH3	"cccccccc-cccc-cccc-cccc-cccccccccccc"
#define TPL1	"11111111-1111-1111-1111-111111111111"
#define NOW	"2026-01-02 03:04:05.123456"
#define NOW_Z	"2026-01-02T03:04:05.123456Z"

/* A webhook row: never delivered, no secret, nulls where they may be. */
#define ROW_NEW(id)	(id), TPL1, "github", "GitHub", NULL, \
	"https://example.com/hook", "enabled", "0", NULL, "0", NOW, \
	"2026-01-02 03:04:06.000001", NULL, NULL, NULL

static void
get_is_scoped_to_the_user(void **state)
{
	struct webhook_row	 r;
	const struct fake_call	*c;

	memset(&r, 'x', sizeof(r));
	fake_db_rows(ST_WH_GET, 1, 15, CELLS(ROW_NEW(WH1)));
	assert_int_equal(db_webhook_get(fake_db(), USER, WH1, &r), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->id, ST_WH_GET);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	/* The nulls' sentinels. */
	assert_string_equal(r.id, WH1);
	assert_string_equal(r.tpl.id, TPL1);
	assert_string_equal(r.tpl.description, "");
	assert_int_equal(r.tpl.has_description, 0);
	assert_int_equal(r.tpl.is_active, 1);
	assert_string_equal(r.endpoint_url, "https://example.com/hook");
	assert_string_equal(r.status, "enabled");
	assert_int_equal(r.has_secret, 0);
	assert_string_equal(r.disabled_reason, "");
	assert_int_equal(r.consecutive_failures, 0);
	assert_string_equal(r.last_at, "");
	assert_string_equal(r.last_status, "");
	assert_int_equal(r.last_code, -1);
}

/* The three times, and only they, are written as RFC 3339. */
static void
get_times_are_rfc3339(void **state)
{
	struct webhook_row	 r;
	const struct fake_call	*c;

	fake_db_rows(ST_WH_GET, 1, 15, CELLS(WH1, TPL1, "github", "GitHub",
	    "desc", "https://example.com/hook", "disabled", "1",
	    "too_many_failures", "17", NOW, "2026-01-02 03:04:06.000001",
	    "2026-01-03 00:00:00.000000", "failed", "503"));
	assert_int_equal(db_webhook_get(fake_db(), USER, WH1, &r), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->ncols, 15);
	for (int k = 0; k < 15; k++)
		assert_int_equal(c->col[k].rfc3339, k >= 10 && k <= 12);
	assert_string_equal(r.created_at, NOW_Z);
	assert_string_equal(r.updated_at, "2026-01-02T03:04:06.000001Z");
	assert_string_equal(r.last_at, "2026-01-03T00:00:00.000000Z");
	assert_string_equal(r.tpl.description, "desc");
	assert_int_equal(r.tpl.has_description, 1);
	assert_string_equal(r.status, "disabled");
	assert_int_equal(r.has_secret, 1);
	assert_string_equal(r.disabled_reason, "too_many_failures");
	assert_int_equal(r.consecutive_failures, 17);
	assert_string_equal(r.last_status, "failed");
	assert_int_equal(r.last_code, 503);
}

static void
get_unknown_is_notfound(void **state)
{
	struct webhook_row	r;

	fake_db_rows(ST_WH_GET, 0, 15, NULL);
	assert_int_equal(db_webhook_get(fake_db(), USER, WH1, &r), DB_NOTFOUND);
	fake_db_expect(ST_WH_GET, DB_DOWN, 0);
	assert_int_equal(db_webhook_get(fake_db(), USER, WH1, &r), DB_DOWN);
}

static void
count_passes_user_and_filters(void **state)
{
	struct webhook_filter	 none = { NULL, NULL }, both = { "enabled", TPL1 };
	const struct fake_call	*c;
	long long		 n = -1;

	fake_db_rows(ST_WH_COUNT, 1, 1, CELLS("3"));
	assert_int_equal(db_webhook_count(fake_db(), USER, &none, &n), DB_OK);
	assert_int_equal(n, 3);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), USER);
	for (int k = 1; k < 5; k++)
		assert_true(fake_arg_is_null(c, k));
	fake_db_rows(ST_WH_COUNT, 1, 1, CELLS("1"));
	assert_int_equal(db_webhook_count(fake_db(), USER, &both, &n), DB_OK);
	c = fake_db_exec(1);
	assert_int_equal(fake_arg_int(c, 0), USER);
	assert_string_equal(fake_arg_str(c, 1), "enabled");
	assert_string_equal(fake_arg_str(c, 2), "enabled");
	assert_string_equal(fake_arg_str(c, 3), TPL1);
	assert_string_equal(fake_arg_str(c, 4), TPL1);
	fake_db_expect(ST_WH_COUNT, DB_DOWN, 0);
	assert_int_equal(db_webhook_count(fake_db(), USER, &both, &n), DB_DOWN);
	assert_int_equal(n, 0);
}

static void
list_unfiltered_uses_list_all(void **state)
{
	struct webhook_filter	 none = { NULL, NULL };
	struct webhook_row	 rows[2];
	const struct fake_call	*c;
	int			 n = -1;

	fake_db_rows(ST_WH_LIST_ALL, 1, 15, CELLS(ROW_NEW(WH1)));
	assert_int_equal(db_webhook_list(fake_db(), USER, &none, 2, 20, rows,
	    &n), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->id, ST_WH_LIST_ALL);
	assert_int_equal(fake_arg_int(c, 0), USER);
	assert_int_equal(fake_arg_int(c, 1), 2);
	assert_int_equal(fake_arg_int(c, 2), 20);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].id, WH1);
	assert_int_equal(rows[0].last_code, -1);
	assert_string_equal(rows[0].created_at, NOW_Z);
}

/* Either filter alone takes the filtered statement. */
static void
list_filtered_uses_list(void **state)
{
	struct webhook_filter	 st = { "disabled", NULL }, tp = { NULL, TPL1 };
	struct webhook_row	 rows[1];
	const struct fake_call	*c;
	int			 n = -1;

	fake_db_rows(ST_WH_LIST, 0, 15, NULL);
	assert_int_equal(db_webhook_list(fake_db(), USER, &st, 1, 0, rows, &n),
	    DB_OK);
	assert_int_equal(n, 0);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), USER);
	assert_string_equal(fake_arg_str(c, 1), "disabled");
	assert_string_equal(fake_arg_str(c, 2), "disabled");
	assert_true(fake_arg_is_null(c, 3));
	assert_true(fake_arg_is_null(c, 4));
	assert_int_equal(fake_arg_int(c, 5), 1);
	assert_int_equal(fake_arg_int(c, 6), 0);
	fake_db_rows(ST_WH_LIST, 0, 15, NULL);
	assert_int_equal(db_webhook_list(fake_db(), USER, &tp, 1, 0, rows, &n),
	    DB_OK);
	c = fake_db_exec(1);
	assert_true(fake_arg_is_null(c, 1));
	assert_string_equal(fake_arg_str(c, 3), TPL1);
	assert_string_equal(fake_arg_str(c, 4), TPL1);
}

/* The caller's array holds limit rows (a page and one more). */
static void
list_fills_at_most_limit_rows(void **state)
{
	struct webhook_filter	none = { NULL, NULL };
	struct webhook_row	rows[3];
	int			n = -1;

	memset(rows, 0, sizeof(rows));
	fake_db_rows(ST_WH_LIST_ALL, 3, 15, CELLS(ROW_NEW(WH1), ROW_NEW(WH2),
	    ROW_NEW(WH3)));
	assert_int_equal(db_webhook_list(fake_db(), USER, &none, 2, 0, rows,
	    &n), DB_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].id, WH1);
	assert_string_equal(rows[1].id, WH2);
	assert_string_equal(rows[2].id, "");
	fake_db_expect(ST_WH_LIST_ALL, DB_DOWN, 0);
	assert_int_equal(db_webhook_list(fake_db(), USER, &none, 2, 0, rows,
	    &n), DB_DOWN);
}

static void
insert_writes_owner_and_secret(void **state)
{
	static const unsigned char	 ct[] = { 1, 0, 2, 3 };
	struct webhook_write		 w = { .id = WH1, .api_template = TPL1,
	    .endpoint_url = "https://e.example/h", .status = "enabled",
	    .secret_ct = ct, .secret_ct_len = sizeof(ct),
	    .secret_key_id = "0123abcd", .now_db = NOW };
	const struct fake_call		*c;

	fake_db_expect(ST_WH_INSERT, DB_OK, 1);
	assert_int_equal(db_webhook_insert(fake_db(), USER, &w), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	assert_string_equal(fake_arg_str(c, 2), "https://e.example/h");
	assert_string_equal(fake_arg_str(c, 3), "enabled");
	assert_true(fake_arg_is_null(c, 4));
	assert_int_equal(c->arg[5].t, DBA_BLOB);
	assert_int_equal(c->arg[5].len, sizeof(ct));
	assert_memory_equal(c->arg[5].p, ct, sizeof(ct));
	assert_string_equal(fake_arg_str(c, 6), "0123abcd");
	assert_string_equal(fake_arg_str(c, 7), NOW);
	assert_string_equal(fake_arg_str(c, 8), NOW);
	/* the template last: the insert selects it, active only */
	assert_string_equal(fake_arg_str(c, 9), TPL1);
	assert_int_equal(c->tx, 0);
}

static void
insert_without_secret_and_dup(void **state)
{
	struct webhook_write	 w = { .id = WH1, .api_template = TPL1,
	    .endpoint_url = "https://e.example/h", .status = "disabled",
	    .disabled_reason = "user", .now_db = NOW };
	const struct fake_call	*c;

	fake_db_expect(ST_WH_INSERT, DB_DUP, 0);
	assert_int_equal(db_webhook_insert(fake_db(), USER, &w), DB_DUP);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 4), "user");
	assert_true(fake_arg_is_null(c, 5));
	assert_true(fake_arg_is_null(c, 6));
}

/* No row inserted: the template is not active (any more). */
static void
insert_on_an_inactive_template_is_notfound(void **state)
{
	struct webhook_write	 w = { .id = WH1, .api_template = TPL1,
	    .endpoint_url = "https://e.example/h", .status = "enabled",
	    .now_db = NOW };

	fake_db_expect(ST_WH_INSERT, DB_OK, 0);
	assert_int_equal(db_webhook_insert(fake_db(), USER, &w), DB_NOTFOUND);
}

static void
id_by_template_is_scoped(void **state)
{
	char			 id[WH_UUID_LEN + 1];
	const struct fake_call	*c;

	fake_db_rows(ST_WH_ID_BY_TPL, 1, 1, CELLS(WH2));
	assert_int_equal(db_webhook_id_by_template(fake_db(), USER, TPL1, id),
	    DB_OK);
	assert_string_equal(id, WH2);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), USER);
	assert_string_equal(fake_arg_str(c, 1), TPL1);
	fake_db_rows(ST_WH_ID_BY_TPL, 0, 1, NULL);
	assert_int_equal(db_webhook_id_by_template(fake_db(), USER, TPL1, id),
	    DB_NOTFOUND);
}

/* Every placeholder of ST_WH_UPDATE, in the statement's order. */
static void
update_arguments_in_order(void **state)
{
	static const unsigned char	 ct[] = { 9, 8, 7 };
	struct webhook_write		 w = { .id = WH1,
	    .endpoint_url = "https://n.example/h", .status = "enabled",
	    .reset_failures = 1, .secret_change = 1, .secret_ct = ct,
	    .secret_ct_len = sizeof(ct), .secret_key_id = "feedbeef",
	    .now_db = NOW, .rotation_grace = 3600 };
	const struct fake_call		*c;

	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_OK);
	fake_db_assert_trace((const struct fake_step[]){
	    STEP_EXEC(ST_WH_UPDATE) }, 1);
	c = fake_db_exec(0);
	assert_int_equal(c->tx, 0);
	assert_string_equal(fake_arg_str(c, 0), "https://n.example/h");
	assert_string_equal(fake_arg_str(c, 1), "enabled");
	assert_true(fake_arg_is_null(c, 2));
	assert_int_equal(fake_arg_int(c, 3), 1);	/* reset */
	assert_int_equal(fake_arg_int(c, 4), 1);
	for (int k = 5; k <= 10; k++)		/* change, set: both 1 */
		assert_int_equal(fake_arg_int(c, k), 1);
	assert_int_equal(fake_arg_int(c, 11), 3600);
	assert_int_equal(fake_arg_int(c, 12), 1);
	assert_int_equal(c->arg[13].t, DBA_BLOB);
	assert_memory_equal(c->arg[13].p, ct, sizeof(ct));
	assert_int_equal(fake_arg_int(c, 14), 1);
	assert_string_equal(fake_arg_str(c, 15), "feedbeef");
	assert_string_equal(fake_arg_str(c, 16), NOW);
	assert_string_equal(fake_arg_str(c, 17), WH1);
	assert_int_equal(fake_arg_int(c, 18), USER);
}

/* Removing the secret: change 1, set 0, the column written null. */
static void
update_removing_the_secret(void **state)
{
	struct webhook_write	 w = { .id = WH1,
	    .endpoint_url = "https://n.example/h", .status = "disabled",
	    .disabled_reason = "user", .secret_change = 1, .now_db = NOW };
	const struct fake_call	*c;

	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 2), "user");
	/* reset, reset, then (change, set) three times, grace, change, ct,
	 * change, key id. */
	static const int	want[] = { 0, 0, 1, 0, 1, 0, 1, 0, 0, 1 };
	for (int k = 3; k <= 12; k++)
		assert_int_equal(fake_arg_int(c, k), want[k - 3]);
	assert_true(fake_arg_is_null(c, 13));
	assert_int_equal(fake_arg_int(c, 14), 1);
	assert_true(fake_arg_is_null(c, 15));
}

static void
update_nothing_matched_is_notfound(void **state)
{
	struct webhook_write	w = { .id = WH1, .endpoint_url = "https://x/",
	    .status = "enabled", .now_db = NOW };

	fake_db_expect(ST_WH_UPDATE, DB_OK, 0);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_NOTFOUND);
	fake_db_expect(ST_WH_UPDATE, DB_DOWN, 0);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_DOWN);
}

/* Disabling: the update, then its queued (not manual) deliveries
 * cancelled, in one transaction. */
static void
update_with_cancel_is_one_transaction(void **state)
{
	struct webhook_write	 w = { .id = WH1, .endpoint_url = "https://x/",
	    .status = "disabled", .disabled_reason = "user", .now_db = NOW,
	    .cancel_pending = 1 };
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_UPDATE),
	    STEP_EXEC(ST_WH_CANCEL_PENDING), STEP_COMMIT };
	const struct fake_call	*u, *c;

	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_OK, 5);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	u = fake_db_exec(0);
	c = fake_db_exec(1);
	assert_int_not_equal(u->tx, 0);
	assert_int_equal(u->tx, c->tx);
	assert_int_equal(fake_arg_int(u, 18), USER);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), 0);	/* not the manual ones */
}

static void
update_with_cancel_not_found_cancels_nothing(void **state)
{
	struct webhook_write	 w = { .id = WH1, .endpoint_url = "https://x/",
	    .status = "disabled", .now_db = NOW, .cancel_pending = 1 };
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_UPDATE),
	    STEP_ROLLBACK };

	fake_db_expect(ST_WH_UPDATE, DB_OK, 0);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_NOTFOUND);
	fake_db_assert_trace(want, NSTEPS(want));
}

/* A deadlock runs the whole transaction again, the update included. */
static void
update_with_cancel_deadlock_runs_again(void **state)
{
	struct webhook_write	 w = { .id = WH1, .endpoint_url = "https://x/",
	    .status = "disabled", .now_db = NOW, .cancel_pending = 1 };
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_UPDATE),
	    STEP_EXEC(ST_WH_CANCEL_PENDING), STEP_ROLLBACK, STEP_BEGIN,
	    STEP_EXEC(ST_WH_UPDATE), STEP_EXEC(ST_WH_CANCEL_PENDING),
	    STEP_COMMIT };

	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_DEADLOCK, 0);
	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_OK, 0);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(fake_arg_int(fake_db_exec(2), 18), USER);
	assert_string_equal(fake_arg_str(fake_db_exec(3), 0), WH1);
}

static void
update_with_cancel_failure_rolls_back(void **state)
{
	struct webhook_write	 w = { .id = WH1, .endpoint_url = "https://x/",
	    .status = "disabled", .now_db = NOW, .cancel_pending = 1 };
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_UPDATE),
	    STEP_EXEC(ST_WH_CANCEL_PENDING), STEP_ROLLBACK };

	fake_db_expect(ST_WH_UPDATE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_ERR, 0);
	assert_int_equal(db_webhook_update(fake_db(), USER, &w), DB_ERR);
	fake_db_assert_trace(want, NSTEPS(want));
}

/* Deleting cancels every pending delivery, manual ones too, and removes
 * the webhook's event counter, in the same transaction. */
static void
delete_then_cancel_all_in_one_transaction(void **state)
{
	const struct fake_step	 want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_DELETE),
	    STEP_EXEC(ST_WH_CANCEL_PENDING), STEP_EXEC(ST_SEQ_DELETE),
	    STEP_COMMIT };
	const struct fake_call	*d, *c;

	fake_db_expect(ST_WH_DELETE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_OK, 0);
	fake_db_expect(ST_SEQ_DELETE, DB_OK, 1);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_OK);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_string_equal(fake_arg_str(fake_db_exec(2), 0), WH1);
	d = fake_db_exec(0);
	c = fake_db_exec(1);
	assert_string_equal(fake_arg_str(d, 0), WH1);
	assert_int_equal(fake_arg_int(d, 1), USER);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), 1);
	assert_int_equal(d->tx, c->tx);
	assert_true(d->tx != 0);
}

static void
delete_unknown_is_notfound(void **state)
{
	const struct fake_step	want[] = { STEP_BEGIN, STEP_EXEC(ST_WH_DELETE),
	    STEP_ROLLBACK };

	fake_db_expect(ST_WH_DELETE, DB_OK, 0);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_NOTFOUND);
	fake_db_assert_trace(want, NSTEPS(want));
}

/* A deadlock on every try: given up after DB_TX_TRIES, and said. */
static void
delete_deadlocking_gives_up(void **state)
{
	for (int i = 0; i < DB_TX_TRIES; i++)
		fake_db_expect(ST_WH_DELETE, DB_DEADLOCK, 0);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_DEADLOCK);
	assert_int_equal(fake_db_nexec(), DB_TX_TRIES);
	assert_int_equal(fake_db_ncalls(), 3 * DB_TX_TRIES);
}

static void
delete_commit_failure_passes_through(void **state)
{
	fake_db_expect(ST_WH_DELETE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_OK, 0);
	fake_db_expect(ST_SEQ_DELETE, DB_OK, 0);
	fake_db_expect_commit(DB_DOWN);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_DOWN);
	fake_db_expect_begin(DB_DOWN);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_DOWN);
	assert_int_equal(fake_db_nexec(), 3);
}

/* The connection lost inside the transaction (the server rolled it back):
 * run once more, on a new connection; lost twice: DB_DOWN. */
static void
delete_lost_connection_runs_again_once(void **state)
{
	fake_db_expect(ST_WH_DELETE, DB_DOWN, 0);
	fake_db_expect(ST_WH_DELETE, DB_OK, 1);
	fake_db_expect(ST_WH_CANCEL_PENDING, DB_OK, 0);
	fake_db_expect(ST_SEQ_DELETE, DB_OK, 0);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_OK);
	assert_int_equal(fake_db_nexec(), 4);
	fake_db_expect(ST_WH_DELETE, DB_DOWN, 0);
	fake_db_expect(ST_WH_DELETE, DB_DOWN, 0);
	assert_int_equal(db_webhook_delete(fake_db(), USER, WH1), DB_DOWN);
	assert_int_equal(fake_db_nexec(), 6);
}

static void
webhook_for_is_scoped(void **state)
{
	char			 id[WH_UUID_LEN + 1];
	int			 on = 0;
	const struct fake_call	*c;

	fake_db_rows(ST_WH_FOR, 1, 2, CELLS(WH3, "1"));
	assert_int_equal(db_webhook_for(fake_db(), USER, TPL1, id, &on),
	    DB_OK);
	assert_string_equal(id, WH3);
	assert_int_equal(on, 1);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), USER);
	assert_string_equal(fake_arg_str(c, 1), TPL1);
	fake_db_rows(ST_WH_FOR, 1, 2, CELLS(WH3, "0"));
	assert_int_equal(db_webhook_for(fake_db(), USER, TPL1, id, &on),
	    DB_OK);
	assert_int_equal(on, 0);
	fake_db_rows(ST_WH_FOR, 0, 2, NULL);
	assert_int_equal(db_webhook_for(fake_db(), USER, TPL1, id, &on),
	    DB_NOTFOUND);
}

static void
sequence_last_is_zero_before_the_first(void **state)
{
	long long	last = -1;

	fake_db_rows(ST_SEQ_LAST, 0, 1, NULL);
	assert_int_equal(db_sequence_last(fake_db(), WH1, &last), DB_OK);
	assert_int_equal(last, 0);
	fake_db_rows(ST_SEQ_LAST, 1, 1, CELLS("41"));
	assert_int_equal(db_sequence_last(fake_db(), WH1, &last), DB_OK);
	assert_int_equal(last, 41);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), WH1);
}

static void
lock_gone_is_notfound(void **state)
{
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 1, 1, CELLS(WH1));
	assert_int_equal(db_webhook_lock(fake_db(), WH1), DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), WH1);
	fake_db_rows(ST_DQ_LOCK_WEBHOOK, 0, 1, NULL);
	assert_int_equal(db_webhook_lock(fake_db(), WH1), DB_NOTFOUND);
	fake_db_expect(ST_DQ_LOCK_WEBHOOK, DB_DEADLOCK, 0);
	assert_int_equal(db_webhook_lock(fake_db(), WH1), DB_DEADLOCK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
		T(get_is_scoped_to_the_user),
		T(get_times_are_rfc3339),
		T(get_unknown_is_notfound),
		T(count_passes_user_and_filters),
		T(list_unfiltered_uses_list_all),
		T(list_filtered_uses_list),
		T(list_fills_at_most_limit_rows),
		T(insert_writes_owner_and_secret),
		T(insert_without_secret_and_dup),
		T(insert_on_an_inactive_template_is_notfound),
		T(id_by_template_is_scoped),
		T(update_arguments_in_order),
		T(update_removing_the_secret),
		T(update_nothing_matched_is_notfound),
		T(update_with_cancel_is_one_transaction),
		T(update_with_cancel_not_found_cancels_nothing),
		T(update_with_cancel_deadlock_runs_again),
		T(update_with_cancel_failure_rolls_back),
		T(delete_then_cancel_all_in_one_transaction),
		T(delete_unknown_is_notfound),
		T(delete_deadlocking_gives_up),
		T(delete_commit_failure_passes_through),
		T(delete_lost_connection_runs_again_once),
		T(sequence_last_is_zero_before_the_first),
		T(webhook_for_is_scoped),
		T(lock_gone_is_notfound),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
