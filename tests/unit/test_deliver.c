/* SPDX-License-Identifier: MIT */
/* test_deliver.c: a finished transfer's error class, row by row. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "deliver.h"

static void
error_class_rows(void **state)
{
	static const struct {
		CURLcode	 code;
		long		 status;
		int		 too_large, refused;
		const char	*want;	/* NULL: success */
	} rows[] = {
		{ CURLE_OK, 200, 0, 0, NULL },
		{ CURLE_OK, 204, 0, 0, NULL },
		{ CURLE_OK, 299, 0, 0, NULL },
		{ CURLE_OK, 199, 0, 0, "http_status" },
		{ CURLE_OK, 301, 0, 0, "http_status" },	/* redirects fail */
		{ CURLE_OK, 410, 0, 0, "http_status" },
		{ CURLE_OK, 500, 0, 0, "http_status" },
		{ CURLE_WRITE_ERROR, 200, 1, 0, "too_large" },
		{ CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, "dns" },
		{ CURLE_COULDNT_CONNECT, 0, 0, 0, "connect" },
		{ CURLE_COULDNT_CONNECT, 0, 0, 1, "refused_address" },
		{ CURLE_OPERATION_TIMEDOUT, 0, 0, 0, "timeout" },
		{ CURLE_SSL_CONNECT_ERROR, 0, 0, 0, "tls" },
		{ CURLE_PEER_FAILED_VERIFICATION, 0, 0, 0, "tls" },
		{ CURLE_GOT_NOTHING, 0, 0, 0, "connect" },
		{ CURLE_RECV_ERROR, 0, 0, 1, "refused_address" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = deliver_error_class(rows[i].code,
		    rows[i].status, rows[i].too_large, rows[i].refused);
		if (rows[i].want == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(got, rows[i].want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_class_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
