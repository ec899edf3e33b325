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

static void
per_webhook_cap(void **state)
{
	struct fair	*f = fair_new(2, 10, 8);
	uint64_t	 h = fair_host_key("https://a.example/");
	struct buf	 b = { 0 };

	assert_non_null(f);
	assert_int_equal(fair_exclusions(f, &b), 0);
	assert_string_equal(b.data, " ");
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	assert_int_equal(fair_take(f, W1, h), FAIR_WEBHOOK_FULL);
	assert_int_equal(fair_take(f, W2, h), FAIR_GO);
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
per_host_cap_parks_webhooks(void **state)
{
	struct fair	*f = fair_new(4, 3, 16);
	uint64_t	 slow = fair_host_key("https://slow.example/"),
			 fast = fair_host_key("https://fast.example/");
	struct buf	 b = { 0 };

	assert_non_null(f);
	assert_int_equal(fair_take(f, W1, slow), FAIR_GO);
	assert_int_equal(fair_take(f, W1, slow), FAIR_GO);
	assert_int_equal(fair_take(f, W2, slow), FAIR_GO);
	/* The host is full: another webhook on it waits, and is skipped. */
	assert_int_equal(fair_take(f, W3, slow), FAIR_HOST_FULL);
	assert_int_equal(fair_take(f, W1, slow), FAIR_HOST_FULL);
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
	struct fair	*f = fair_new(1, 1, 4);
	uint64_t	 h = fair_host_key("https://busy.example/");
	struct buf	 b = { 0 };
	char		 id[WH_UUID_LEN + 1];

	assert_non_null(f);
	assert_int_equal(fair_take(f, W1, h), FAIR_GO);
	for (int i = 0; i < WH_DISPATCH_PARKED + 10; i++) {
		snprintf(id, sizeof(id), "0193a3c4-0000-7000-8000-%012d", 100 + i);
		assert_int_equal(fair_take(f, id, h), FAIR_HOST_FULL);
	}
	assert_int_equal(fair_exclusions(f, &b), 0);
	/* W1 (full itself) and the first WH_DISPATCH_PARKED parked ones. */
	assert_int_equal(b.len, 1 + (WH_UUID_LEN + 1) * (WH_DISPATCH_PARKED + 1));
	buf_free(&b);
	fair_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_keys),
		cmocka_unit_test(per_webhook_cap),
		cmocka_unit_test(per_host_cap_parks_webhooks),
		cmocka_unit_test(parked_set_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
