/* SPDX-License-Identifier: MIT */
/* test_db_admin.c: webhookctl's users, tokens, migrations and delivery
 * listing and retry, over the scripted database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_admin.h"
#include "fake_db.h"

#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
#define WH2	"bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
#define EV1	"eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
#define DL1	"d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1d1"
#define DL2	"d2d2d2d2-d2d2-d2d2-d2d2-d2d2d2d2d2d2"
#define T1	"2026-01-02 03:04:05.123456"
#define T1_Z	"2026-01-02T03:04:05.123456Z"

static const unsigned char hash[32] = { 0xab, 0, 0xcd, 3, 4, 5, 6, 7, 8, 9,
    10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
    28, 29, 30, 31 };

static void
user_add_passes_the_name(void **state)
{
	fake_db_expect(ST_USER_ADD, DB_OK, 1);
	assert_int_equal(db_user_add(fake_db(), "frank"), DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), "frank");
	fake_db_expect(ST_USER_ADD, DB_DUP, 0);
	assert_int_equal(db_user_add(fake_db(), "frank"), DB_DUP);
}

static void
token_add_with_expiry(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_TOKEN_ADD, DB_OK, 1);
	assert_int_equal(db_token_add(fake_db(), 12, hash, "whk_abcd", "ci", 1,
	    86400000LL), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), 12);
	assert_int_equal(c->arg[1].t, DBA_BLOB);
	assert_int_equal(c->arg[1].len, 32);
	assert_memory_equal(c->arg[1].p, hash, 32);
	assert_string_equal(fake_arg_str(c, 2), "whk_abcd");
	assert_string_equal(fake_arg_str(c, 3), "ci");
	assert_int_equal(fake_arg_int(c, 4), 1);
	/* Microseconds, in both placeholders. */
	assert_int_equal(fake_arg_int(c, 5), 86400000000LL);
	assert_int_equal(fake_arg_int(c, 6), 86400000000LL);
}

static void
token_add_never_expiring(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_TOKEN_ADD, DB_OK, 1);
	assert_int_equal(db_token_add(fake_db(), 12, hash, "whk_abcd", NULL, 0,
	    0), DB_OK);
	c = fake_db_exec(0);
	assert_true(fake_arg_is_null(c, 3));
	assert_int_equal(fake_arg_int(c, 4), 0);
	assert_true(fake_arg_is_null(c, 5));
	assert_true(fake_arg_is_null(c, 6));
	fake_db_expect(ST_TOKEN_ADD, DB_OK, 1);
	assert_int_equal(db_token_add(fake_db(), 12, hash, "whk_abcd", NULL, 0,
	    -5), DB_OK);
	assert_true(fake_arg_is_null(fake_db_exec(1), 5));
}

static void
token_revoke_none_live_is_notfound(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_TOKEN_REVOKE, DB_OK, 1);
	assert_int_equal(db_token_revoke(fake_db(), hash), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->arg[0].t, DBA_BLOB);
	assert_memory_equal(c->arg[0].p, hash, 32);
	fake_db_expect(ST_TOKEN_REVOKE, DB_OK, 0);
	assert_int_equal(db_token_revoke(fake_db(), hash), DB_NOTFOUND);
	fake_db_expect(ST_TOKEN_REVOKE_ID, DB_OK, 1);
	assert_int_equal(db_token_revoke_id(fake_db(), 99), DB_OK);
	assert_int_equal(fake_arg_int(fake_db_exec(2), 0), 99);
	fake_db_expect(ST_TOKEN_REVOKE_ID, DB_OK, 0);
	assert_int_equal(db_token_revoke_id(fake_db(), 99), DB_NOTFOUND);
	fake_db_expect(ST_TOKEN_REVOKE_ID, DB_DOWN, 0);
	assert_int_equal(db_token_revoke_id(fake_db(), 99), DB_DOWN);
}

struct tokens {
	struct token_row	r[3];
	int			n, stop_at;
};

static int
keep_token(void *ctx, const struct token_row *r)
{
	struct tokens	*x = ctx;

	x->r[x->n++] = *r;
	return x->n == x->stop_at ? -1 : 0;
}

static void
token_list_maps_rows(void **state)
{
	struct tokens		 x = { .stop_at = 0 };
	const struct fake_call	*c;

	fake_db_rows(ST_TOKEN_LIST, 2, 8, CELLS(
	    "1", "alice", "whk_0123", NULL, "0", T1, NULL, NULL,
	    "2", "alice", "whk_4567", "ci", "1", T1, T1, T1));
	assert_int_equal(db_token_list(fake_db(), "alice", keep_token, &x),
	    DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), "alice");
	assert_string_equal(fake_arg_str(c, 1), "alice");
	for (int k = 0; k < 8; k++)
		assert_int_equal(c->col[k].rfc3339, k >= 5);
	assert_int_equal(x.n, 2);
	assert_true(x.r[0].id == 1);
	assert_string_equal(x.r[0].username, "alice");
	assert_string_equal(x.r[0].prefix, "whk_0123");
	assert_string_equal(x.r[0].name, "");
	assert_int_equal(x.r[0].is_service, 0);
	assert_string_equal(x.r[0].created_at, T1_Z);
	assert_string_equal(x.r[0].expires_at, "");
	assert_string_equal(x.r[0].revoked_at, "");
	assert_true(x.r[1].id == 2);
	assert_string_equal(x.r[1].name, "ci");
	assert_int_equal(x.r[1].is_service, 1);
	assert_string_equal(x.r[1].expires_at, T1_Z);
	assert_string_equal(x.r[1].revoked_at, T1_Z);
}

static void
token_list_everyone_and_stop(void **state)
{
	struct tokens		 x = { .stop_at = 1 };
	const struct fake_call	*c;

	fake_db_rows(ST_TOKEN_LIST, 2, 8, CELLS(
	    "1", "alice", "whk_0123", NULL, "0", T1, NULL, NULL,
	    "2", "bob", "whk_4567", NULL, "0", T1, NULL, NULL));
	assert_int_equal(db_token_list(fake_db(), NULL, keep_token, &x),
	    DB_ERR);
	c = fake_db_exec(0);
	assert_true(fake_arg_is_null(c, 0));
	assert_true(fake_arg_is_null(c, 1));
	assert_int_equal(x.n, 1);
}

struct dels {
	struct delivery_row	r[2];
	char			wh[2][WH_UUID_LEN + 1];
	int			n, stop_at;
};

static int
keep_delivery(void *ctx, const struct delivery_row *r, const char *wh)
{
	struct dels	*x = ctx;

	x->r[x->n] = *r;
	strcpy(x->wh[x->n], wh);
	return ++x->n == x->stop_at ? -1 : 0;
}

static void
delivery_list_filters_and_maps(void **state)
{
	struct dels		*x = calloc(1, sizeof(*x));
	const struct fake_call	*c;

	assert_non_null(x);
	fake_db_rows(ST_ADM_DELIVERY_LIST, 2, 13, CELLS(
	    DL1, EV1, "push", "failed", "3", "500", "http_5xx", "12", T1, T1,
	    NULL, "20260102030405123456", WH1,
	    DL2, EV1, "push", "pending", "0", NULL, NULL, NULL, T1, NULL, T1,
	    "20260102030405123456", WH2));
	assert_int_equal(db_admin_delivery_list(fake_db(), WH1, "failed", 50,
	    keep_delivery, x), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_string_equal(fake_arg_str(c, 1), WH1);
	assert_string_equal(fake_arg_str(c, 2), "failed");
	assert_string_equal(fake_arg_str(c, 3), "failed");
	assert_int_equal(fake_arg_int(c, 4), 50);
	assert_int_equal(x->n, 2);
	assert_string_equal(x->r[0].id, DL1);
	assert_int_equal(x->r[0].attempts, 3);
	assert_int_equal(x->r[0].response_code, 500);
	assert_int_equal(x->r[0].duration_ms, 12);
	assert_string_equal(x->r[0].created_at, T1_Z);
	assert_string_equal(x->wh[0], WH1);
	assert_int_equal(x->r[1].response_code, -1);
	assert_int_equal(x->r[1].duration_ms, -1);
	assert_string_equal(x->r[1].error, "");
	assert_string_equal(x->r[1].last_attempt_at, "");
	assert_string_equal(x->r[1].next_attempt_at, T1_Z);
	assert_string_equal(x->wh[1], WH2);
	free(x);
}

static void
delivery_list_unfiltered_and_stop(void **state)
{
	struct dels		*x = calloc(1, sizeof(*x));
	const struct fake_call	*c;

	assert_non_null(x);
	x->stop_at = 1;
	fake_db_rows(ST_ADM_DELIVERY_LIST, 2, 13, CELLS(
	    DL1, EV1, "push", "failed", "3", "500", "http_5xx", "12", T1, T1,
	    NULL, "20260102030405123456", WH1,
	    DL2, EV1, "push", "pending", "0", NULL, NULL, NULL, T1, NULL, T1,
	    "20260102030405123456", WH2));
	assert_int_equal(db_admin_delivery_list(fake_db(), NULL, NULL, 10,
	    keep_delivery, x), DB_ERR);
	c = fake_db_exec(0);
	for (int k = 0; k < 4; k++)
		assert_true(fake_arg_is_null(c, k));
	assert_int_equal(x->n, 1);
	free(x);
}

static void
retry_queued(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_ADM_DELIVERY_RETRY, DB_OK, 1);
	assert_int_equal(db_admin_delivery_retry(fake_db(), DL1), DB_OK);
	fake_db_assert_trace((const struct fake_step[]){
	    STEP_EXEC(ST_ADM_DELIVERY_RETRY) }, 1);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_int_equal(fake_arg_int(c, 1), WH_MAX_ATTEMPTS);
}

/* Nothing changed: an unknown delivery, or one at the attempt limit. */
static void
retry_refused_says_why(void **state)
{
	fake_db_expect(ST_ADM_DELIVERY_RETRY, DB_OK, 0);
	fake_db_rows(ST_ADM_DELIVERY_ATTEMPTS, 1, 1, CELLS("100"));
	assert_int_equal(db_admin_delivery_retry(fake_db(), DL1), DB_LIMIT);
	assert_string_equal(fake_arg_str(fake_db_exec(1), 0), DL1);
	fake_db_expect(ST_ADM_DELIVERY_RETRY, DB_OK, 0);
	fake_db_rows(ST_ADM_DELIVERY_ATTEMPTS, 0, 1, NULL);
	assert_int_equal(db_admin_delivery_retry(fake_db(), DL1), DB_NOTFOUND);
	fake_db_expect(ST_ADM_DELIVERY_RETRY, DB_OK, 0);
	fake_db_expect(ST_ADM_DELIVERY_ATTEMPTS, DB_DOWN, 0);
	assert_int_equal(db_admin_delivery_retry(fake_db(), DL1), DB_DOWN);
	fake_db_expect(ST_ADM_DELIVERY_RETRY, DB_DOWN, 0);
	assert_int_equal(db_admin_delivery_retry(fake_db(), DL1), DB_DOWN);
	assert_int_equal(fake_db_nexec(), 7);
}

static char	mig_dir[64];

static void
write_file(const char *name, const char *text)
{
	char	 path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", mig_dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char *const mig_files[] = { "002_b.sql", "001_a.sql",
    "003_c.sql", "004_d.sql", "1.sql", "notes.txt", "x_000001.sql" };

static int
mig_setup(void **state)
{
	strcpy(mig_dir, "/tmp/test_db_admin.XXXXXX");
	if (mkdtemp(mig_dir) == NULL)
		return -1;
	write_file(mig_files[0], "CREATE TABLE b (x INT);");
	write_file(mig_files[1], "CREATE TABLE a (x INT);");
	write_file(mig_files[2], "CREATE TABLE c (x INT);");
	write_file(mig_files[3], "CREATE TABLE d (x INT);");
	for (size_t i = 4; i < sizeof(mig_files) / sizeof(mig_files[0]); i++)
		write_file(mig_files[i], "not a migration");
	return fake_db_setup(state);
}

static int
mig_teardown(void **state)
{
	char	path[128];

	for (size_t i = 0; i < sizeof(mig_files) / sizeof(mig_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", mig_dir, mig_files[i]);
		unlink(path);
	}
	rmdir(mig_dir);
	return fake_db_teardown(state);
}

/* In name order, those recorded skipped, each applied one recorded;
 * the first failure stops the rest. */
static void
migrate_applies_in_order_and_stops(void **state)
{
	const struct fake_step	 want[] = { STEP_SCRIPT,
	    STEP_EXEC(ST_MIG_APPLIED), STEP_EXEC(ST_MIG_APPLIED), STEP_SCRIPT,
	    STEP_EXEC(ST_MIG_RECORD), STEP_EXEC(ST_MIG_APPLIED), STEP_SCRIPT };
	const struct fake_call	*c;
	int			 applied = -1;

	fake_db_expect_script(DB_OK);
	fake_db_rows(ST_MIG_APPLIED, 1, 1, CELLS("1"));
	fake_db_rows(ST_MIG_APPLIED, 1, 1, CELLS("0"));
	fake_db_expect_script(DB_OK);
	fake_db_expect(ST_MIG_RECORD, DB_OK, 1);
	fake_db_rows(ST_MIG_APPLIED, 1, 1, CELLS("0"));
	fake_db_expect_script(DB_ERR);
	assert_int_equal(db_migrate(fake_db(), mig_dir, &applied), DB_ERR);
	fake_db_assert_trace(want, NSTEPS(want));
	assert_int_equal(applied, 1);
	assert_non_null(strstr(fake_db_call(0)->sql, "schema_migrations"));
	assert_int_equal(fake_arg_int(fake_db_call(1), 0), 1);
	assert_int_equal(fake_arg_int(fake_db_call(2), 0), 2);
	assert_string_equal(fake_db_call(3)->sql, "CREATE TABLE b (x INT);");
	c = fake_db_call(4);
	assert_int_equal(fake_arg_int(c, 0), 2);
	assert_string_equal(fake_arg_str(c, 1), "002_b.sql");
	assert_int_equal(fake_arg_int(fake_db_call(5), 0), 3);
	assert_string_equal(fake_db_call(6)->sql, "CREATE TABLE c (x INT);");
}

static void
migrate_without_its_table_does_nothing(void **state)
{
	int	applied = -1;

	fake_db_expect_script(DB_DOWN);
	assert_int_equal(db_migrate(fake_db(), mig_dir, &applied), DB_DOWN);
	assert_int_equal(applied, 0);
	assert_int_equal(fake_db_ncalls(), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
#define M(f)	cmocka_unit_test_setup_teardown(f, mig_setup, mig_teardown)
		T(user_add_passes_the_name),
		T(token_add_with_expiry),
		T(token_add_never_expiring),
		T(token_revoke_none_live_is_notfound),
		T(token_list_maps_rows),
		T(token_list_everyone_and_stop),
		T(delivery_list_filters_and_maps),
		T(delivery_list_unfiltered_and_stop),
		T(retry_queued),
		T(retry_refused_says_why),
		M(migrate_applies_in_order_and_stops),
		M(migrate_without_its_table_does_nothing),
#undef M
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
