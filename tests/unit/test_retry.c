/* SPDX-License-Identifier: MIT */
/* test_retry.c: the retry schedule, jitter and Retry-After. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "retry.h"

static void
schedule(struct conf *c, const char *s, int jitter)
{
	char	err[256], text[512];

	conf_defaults(c);
	snprintf(text, sizeof(text), "db_user = u\ndb_name = d\n"
	    "retry_schedule = %s\nretry_jitter = %d\n", s, jitter);
	assert_int_equal(conf_parse(c, text, err, sizeof(err)), 0);
}

static void
retry_default_schedule(void **state)
{
	struct conf	c;
	const long long	want[] = { 5000, 300000, 1800000, 7200000, 18000000,
	    36000000, 36000000 };

	conf_defaults(&c);
	assert_int_equal(c.retry_n, 7);
	assert_int_equal(conf_attempt_limit(&c), 8);
	c.retry_jitter = 0;
	for (int i = 0; i < 7; i++)
		assert_int_equal(retry_delay_ms(&c, i + 1, -1, 12345), want[i]);
	/* past the end: the last step */
	assert_int_equal(retry_delay_ms(&c, 20, -1, 1), 36000000);
	conf_free(&c);
}

static void
retry_jitter_stays_within_bounds(void **state)
{
	struct conf	c;
	long long	lo = 1LL << 62, hi = 0;

	schedule(&c, "10s", 20);
	for (unsigned r = 0; r < 200000; r += 7) {
		long long d = retry_delay_ms(&c, 1, -1, r * 2654435761u);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo >= 8000 && lo < 8200);
	assert_true(hi <= 12000 && hi > 11800);
	conf_free(&c);
}

static void
retry_after_lengthens_but_is_capped(void **state)
{
	struct conf	c;

	schedule(&c, "100ms,200ms,1500ms", 0);
	/* shorter than the step: the step wins */
	assert_int_equal(retry_delay_ms(&c, 1, 50, 0), 100);
	/* longer: honoured */
	assert_int_equal(retry_delay_ms(&c, 1, 1000, 0), 1000);
	/* longer than the longest step: capped */
	assert_int_equal(retry_delay_ms(&c, 1, 60000, 0), 1500);
	conf_free(&c);
}

static void
schedule_parse_errors(void **state)
{
	struct conf	c;
	char		err[256];
	const char	*bad[] = { "retry_schedule = 5x\n", "retry_schedule = ,\n",
	    "retry_schedule = -5s\n", "retry_schedule = 5 s\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		conf_defaults(&c);
		assert_int_equal(conf_parse(&c, bad[i], err, sizeof(err)), -1);
		assert_non_null(strstr(err, "retry_schedule"));
		conf_free(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retry_default_schedule),
		cmocka_unit_test(retry_jitter_stays_within_bounds),
		cmocka_unit_test(retry_after_lengthens_but_is_capped),
		cmocka_unit_test(schedule_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
