/* SPDX-License-Identifier: MIT */
/* test_timeutil.c: times as the API and the database write them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "timeutil.h"

static void
digits_of_real_times(void **state)
{
	static const struct {
		const char	*in, *want;
	} good[] = {
		{ "20261207083015123456", "2026-12-07 08:30:15.123456" },
		{ "20240229235959999999", "2024-02-29 23:59:59.999999" },
		{ "10000101000000000000", "1000-01-01 00:00:00.000000" },
		{ "99991231235959999999", "9999-12-31 23:59:59.999999" },
		{ "20000229000000000000", "2000-02-29 00:00:00.000000" },
	};
	char	db[TIME_DB_LEN + 1];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(db, 'x', sizeof(db));
		assert_int_equal(time_db_from_digits(good[i].in, db), 0);
		assert_string_equal(db, good[i].want);
	}
}

static void
digits_that_are_no_time(void **state)
{
	static const char *const bad[] = {
		"20261307083015123456",	/* month 13 */
		"20260007083015123456",	/* month 0 */
		"20260230083015123456",	/* 30 February */
		"20230229083015123456",	/* 29 February, not a leap year */
		"19000229000000000000",	/* nor 1900 */
		"20260431000000000000",	/* 31 April */
		"20261200083015123456",	/* day 0 */
		"20261207243015123456",	/* hour 24 */
		"20261207086015123456",	/* minute 60 */
		"20261207083060123456",	/* second 60 */
		"99999999999999999999",
		"00000000000000000000",
		"09991231235959999999",	/* before DATETIME's range */
		"2026120708301512345a",
		"2026-12-07T08:30:15Z",
		"+2026120708301512345",
	};
	char	db[TIME_DB_LEN + 1];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(time_db_from_digits(bad[i], db), -1);
}

static void
now_in_both_forms(void **state)
{
	char	rfc[WH_TIME_LEN + 1], db[TIME_DB_LEN + 1];

	time_now(rfc, db);
	assert_int_equal(strlen(rfc), WH_TIME_LEN);
	assert_int_equal(strlen(db), TIME_DB_LEN);
	assert_int_equal(rfc[10], 'T');
	assert_int_equal(rfc[26], 'Z');
	assert_int_equal(db[10], ' ');
	assert_memory_equal(rfc, db, 10);
	time_db_at(86400000LL + 1234, db);
	assert_string_equal(db, "1970-01-02 00:00:01.234000");
}

static void
rfc3339_times(void **state)
{
	char		 db[TIME_DB_LEN + 1];
	const struct {
		const char	*in, *out;
	} good[] = {
		{ "2026-11-29T10:30:00Z", "2026-11-29 10:30:00.000000" },
		{ "2026-11-29t10:30:00.5z", "2026-11-29 10:30:00.500000" },
		{ "2026-11-29T10:30:00.123456Z", "2026-11-29 10:30:00.123456" },
		{ "2026-11-29T00:30:00.000001+01:00", "2026-11-28 23:30:00.000001" },
		{ "2026-12-31T23:00:00-02:30", "2027-01-01 01:30:00.000000" },
		{ "2024-02-29T12:00:00+00:00", "2024-02-29 12:00:00.000000" },
	};
	const char	*bad[] = { "", "2026-11-29", "2026-11-29T10:30:00",
	    "2026-11-29 10:30:00Z", "2026-11-29T10:30:00.Z",
	    "2026-11-29T10:30:00.1234567Z", "2026-13-01T00:00:00Z",
	    "2025-02-29T00:00:00Z", "2026-11-29T24:00:00Z",
	    "2026-11-29T10:30:00+1:00", "2026-11-29T10:30:00+24:00",
	    "2026-11-29T10:30:00Zx", "0999-01-01T00:00:00Z",
	    "1000-01-01T00:30:00+01:00", "2026-11-29T10:30:0aZ" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(time_db_from_rfc3339(good[i].in,
		    strlen(good[i].in), db), 0);
		assert_string_equal(db, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(time_db_from_rfc3339(bad[i], strlen(bad[i]), db),
		    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(digits_of_real_times),
		cmocka_unit_test(digits_that_are_no_time),
		cmocka_unit_test(now_in_both_forms),
		cmocka_unit_test(rfc3339_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
