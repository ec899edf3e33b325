/* SPDX-License-Identifier: MIT */
/* test_h_health.c: GET health/ driven through service_handle with the
 * database round trip wrapped (-Wl,--wrap=db_ping): 200 or 503, whatever
 * the Authorization header says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fake_service.h"

#define HEALTH	"/webhooks/v1/health/"

enum db_rc	__wrap_db_ping(struct db *);
enum db_rc
__wrap_db_ping(struct db *db)
{
	(void)db;
	return mock_type(enum db_rc);
}

static void
up_is_200_ok(void **state)
{
	struct fake	*f = *state;

	will_return(__wrap_db_ping, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, HEALTH, NULL, NULL), 200);
	assert_string_equal(fake_str(f, "status"), "ok");
	assert_int_equal(json_object_object_length(f->json), 1);
}

static void
down_is_503_in_the_error_shape(void **state)
{
	struct fake	*f = *state;

	will_return(__wrap_db_ping, DB_DOWN);
	fake_request(f, HTTP_GET, HEALTH, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	assert_string_equal(fake_str(f, "status"), "unavailable");
	assert_non_null(fake_header(f, "Retry-After"));
	assert_string_equal(fake_header(f, "Retry-After"), "1");
}

/* No token, another scheme, a bad token: the round trip all the same. */
static void
authorization_is_ignored(void **state)
{
	static const char	*headers[] = { NULL, "Basic dTpw", "Bearer ",
	    "Bearer nope" };
	struct fake		*f = *state;

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		fake_authorization = headers[i];
		will_return(__wrap_db_ping, DB_OK);
		assert_int_equal(fake_request(f, HTTP_GET, HEALTH, NULL, NULL),
		    200);
		assert_null(fake_header(f, "WWW-Authenticate"));
	}
}

#define T(fn)	cmocka_unit_test_setup(fn, fake_reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(up_is_200_ok),
		T(down_is_503_in_the_error_shape),
		T(authorization_is_ignored),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
