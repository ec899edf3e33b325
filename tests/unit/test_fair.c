/* SPDX-License-Identifier: MIT */
/* test_fair.c: a dispatcher's caps per webhook and per host. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fair.h"

#define W1 "0193a3c4-0000-7000-8000-000000000001"
#define W2 "0193a3c4-0000-7000-8000-000000000002"
#define W3 "0193a3c4-0000-7000-8000-000000000003"

static void
host_keys(void **state)
{
	uint64_t	a = fair_host_key("https://hooks.example.com/a/b?x=1");

	assert_true(a == fair_host_key("https://hooks.example.com"));
	assert_true(a == fair_host_key("https://HOOKS.Example.COM/other"));
	assert_true(a == fair_host_key("http://hooks.example.com?q"));
	assert_true(a == fair_host_key("https://hooks.example.com#f"));
	assert_true(a != fair_host_key("https://hooks.example.com:8443/a"));
	assert_true(a != fair_host_key("https://other.example.com/a"));
	assert_true(fair_host_key("http://[::1]:80/") ==
	    fair_host_key("http://[::1]:80/x"));
	assert_true(fair_host_key("http://[::1]:80/") !=
	    fair_host_key("http://[::1]:81/"));
	assert_true(fair_host_key("http://127.0.0.1:9000/a") !=
	    fair_host_key("http://127.0.0.1:9001/a"));
}

/* HELD: a webhook is skipped once more than HELD - WH_DQ_MAX_BATCH of
 * its deliveries are held, so that a claim can always hold what it brings. */
#define HELD	(WH_DQ_MAX_BATCH + 3)

static void
per_webhook_cap(void **state)
{
	struct fair	*f = fair_new(2, 10, 8, HELD, 200);
	uint64_t	 h = fair_host_key("https://a.example/");
	struct buf	 b = { 0 };

	assert_non_null(f);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	assert_int_equal(fair_take(f, W1, h), FAIR_WEBHOOK_FULL);
	assert_int_equal(fair_take(f, W2, h), FAIR_GO);
	/* given back (not held): skipped while the webhook is full */
	fair_park(f, W1, h);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " " W1 " ");
	fair_done(f, W1, h);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	buf_free(&b);
	fair_free(f);
	fair_free(NULL);
}

static void
held_deliveries(void **state)
{
	struct fair	*f = fair_new(2, 10, 8, HELD, HELD + 2);
	struct buf	 b = { 0 };

	assert_non_null(f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fair_hold(f, W1), 1);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");		/* 3 held: room for a claim */
	assert_int_equal(fair_hold(f, W1), 1);		/* 4 > HELD - batch */
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " " W1 " ");
	fair_unhold(f, W1);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	/* per webhook at most HELD; in all at most max_held */
	for (int i = 3; i < HELD; i++)
		assert_int_equal(fair_hold(f, W1), 1);
	assert_int_equal(fair_hold(f, W1), 0);
	assert_int_equal(fair_hold(f, W2), 1);
	assert_int_equal(fair_hold(f, W2), 1);
	assert_int_equal(fair_hold(f, W3), 0);
	fair_unhold(f, W2);
	assert_int_equal(fair_hold(f, W3), 1);
	buf_free(&b);
	fair_free(f);
}

static void
per_host_cap_parks_webhooks(void **state)
{
	struct fair	*f = fair_new(4, 3, 16, HELD, 200);
	uint64_t	 slow = fair_host_key("https://slow.example/"),
			 fast = fair_host_key("https://fast.example/");
	struct buf	 b = { 0 };

	assert_non_null(f);
	assert_int_equal(fair_take(f, W1, slow), FAIR_GO);
	assert_int_equal(fair_take(f, W1, slow), FAIR_GO);
	assert_int_equal(fair_take(f, W2, slow), FAIR_GO);
	/* The host is full: another webhook on it waits; given back, it is
	 * skipped (parked) until the host has room. */
	assert_int_equal(fair_take(f, W3, slow), FAIR_HOST_FULL);
	assert_int_equal(fair_take(f, W1, slow), FAIR_HOST_FULL);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	fair_park(f, W3, slow);
	fair_park(f, W1, slow);
	assert_int_equal(fair_take(f, W3, fast), FAIR_GO);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_non_null(strstr(b.data, " " W3 " "));
	assert_non_null(strstr(b.data, " " W1 " "));
	assert_null(strstr(b.data, W2));
	/* Room on the host: nothing is skipped any more. */
	fair_done(f, W2, slow);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	assert_int_equal(fair_take(f, W3, slow), FAIR_GO);
	buf_free(&b);
	fair_free(f);
}

static void
parked_set_is_bounded(void **state)
{
	struct fair	*f = fair_new(1, 1, 4, HELD, 200);
	uint64_t	 h = fair_host_key("https://busy.example/");
	struct buf	 b = { 0 };
	char		 id[WH_UUID_LEN + 1];

	assert_non_null(f);
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	for (int i = 0; i < WH_DISPATCH_PARKED + 10; i++) {
		snprintf(id, sizeof(id), "0193a3c4-0000-7000-8000-%012d", 100 + i);
		assert_int_equal(fair_take(f, id, h), FAIR_HOST_FULL);
		fair_park(f, id, h);
	}
	assert_int_equal(fair_exclusions(f, &b), 0);
	/* The first WH_DISPATCH_PARKED parked ones. */
	assert_int_equal(b.len, 1 + (WH_UUID_LEN + 1) * WH_DISPATCH_PARKED);
	buf_free(&b);
	fair_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_keys),
		cmocka_unit_test(per_webhook_cap),
		cmocka_unit_test(held_deliveries),
		cmocka_unit_test(per_host_cap_parks_webhooks),
		cmocka_unit_test(parked_set_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
