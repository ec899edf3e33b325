/* SPDX-License-Identifier: MIT */
/* test_db_auth.c: token lookup by hash and user ids, over the scripted
 * database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db_auth.h"
#include "fake_db.h"

/* A hash with a NUL inside: the argument is 32 bytes, not a string. */
static const unsigned char hash[32] = { 0xde, 0xad, 0x00, 0xbe, 0xef, 1, 2, 3,
    4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    24, 25, 26, 27 };

static void
token_is_looked_up_by_its_hash(void **state)
{
	struct principal	 p;
	const struct fake_call	*c;

	memset(&p, 0, sizeof(p));
	fake_db_rows(ST_AUTH_TOKEN, 1, 4, CELLS("42", "alice", "1", "1500"));
	assert_int_equal(db_auth_token(fake_db(), hash, &p), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(c->id, ST_AUTH_TOKEN);
	assert_int_equal(c->arg[0].t, DBA_BLOB);
	assert_int_equal(c->arg[0].len, 32);
	assert_memory_equal(c->arg[0].p, hash, 32);
	assert_int_equal(p.user_id, 42);
	assert_string_equal(p.username, "alice");
	assert_int_equal(p.is_service, 1);
	assert_int_equal(p.expires_in_ms, 1500);
}

static void
token_without_expiry_is_minus_one(void **state)
{
	struct principal	p;

	memset(&p, 0, sizeof(p));
	fake_db_rows(ST_AUTH_TOKEN, 1, 4, CELLS("18446744073709551615", "bob",
	    "0", NULL));
	assert_int_equal(db_auth_token(fake_db(), hash, &p), DB_OK);
	assert_true(p.user_id == UINT64_MAX);
	assert_string_equal(p.username, "bob");
	assert_int_equal(p.is_service, 0);
	assert_int_equal(p.expires_in_ms, -1);
}

static void
token_unknown_is_notfound(void **state)
{
	struct principal	p;

	memset(&p, 0, sizeof(p));
	fake_db_rows(ST_AUTH_TOKEN, 0, 4, NULL);
	assert_int_equal(db_auth_token(fake_db(), hash, &p), DB_NOTFOUND);
}

static void
token_errors_pass_through(void **state)
{
	static const enum db_rc	 rcs[] = { DB_DOWN, DB_ERR, DB_DEADLOCK };
	struct principal	 p;

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		fake_db_expect(ST_AUTH_TOKEN, rcs[i], 0);
		assert_int_equal(db_auth_token(fake_db(), hash, &p), rcs[i]);
	}
}

/* A user name longer than the principal holds is never cut to a prefix
 * (which could name another user): the lookup fails. */
static void
token_with_oversized_name_fails(void **state)
{
	struct principal	p;
	char			name[WH_MAX_NAME_LEN + 2];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(&p, 0, sizeof(p));
	fake_db_rows(ST_AUTH_TOKEN, 1, 4, CELLS("1", name, "0", NULL));
	assert_int_equal(db_auth_token(fake_db(), hash, &p), DB_ERR);
	assert_int_equal(fake_db_exec(0)->col[1].may_truncate, 0);
}

static void
user_id_by_name(void **state)
{
	uint64_t	id = 0;

	fake_db_rows(ST_USER_ID, 1, 1, CELLS("77"));
	assert_int_equal(db_user_id(fake_db(), "carol", &id), DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), "carol");
	assert_true(id == 77);
}

static void
user_id_unknown_is_notfound(void **state)
{
	uint64_t	id = 5;

	fake_db_rows(ST_USER_ID, 0, 1, NULL);
	assert_int_equal(db_user_id(fake_db(), "nobody", &id), DB_NOTFOUND);
	fake_db_expect(ST_USER_ID, DB_DOWN, 0);
	assert_int_equal(db_user_id(fake_db(), "nobody", &id), DB_DOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
		T(token_is_looked_up_by_its_hash),
		T(token_without_expiry_is_minus_one),
		T(token_unknown_is_notfound),
		T(token_errors_pass_through),
		T(token_with_oversized_name_fails),
		T(user_id_by_name),
		T(user_id_unknown_is_notfound),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
