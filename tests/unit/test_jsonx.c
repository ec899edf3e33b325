/* SPDX-License-Identifier: MIT */
/* test_jsonx.c: the strict JSON pre-check and lossy UTF-8 strings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "jsonx.h"

struct row {
	const char	*body;
	size_t		 len;	/* 0: strlen */
	int		 ok;
};

#define R(s, ok)	{ s, sizeof(s) - 1, ok }

static void
jsonx_check_rows(void **state)
{
	static const struct row rows[] = {
		R("{\"a\": 1}", 1), R("{\"a\": [true, false, null]}", 1),
		R("{\"n\": -1.5e+10, \"m\": 2E3}", 1),
		R("{\"s\": \"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", 1),
		R("{\"s\": \"\\ud83d\\ude00\"}", 1),
		R("{\"s\": \"a\\u0000b\"}", 1),		/* NUL in a value */
		R("{'a': 1}", 0), R("{\"a\": NaN}", 0), R("{\"a\": Infinity}", 0),
		R("{\"a\": True}", 0), R("{\"a\": nul}", 0),
		R("{\"a\": \"\xc0\xaf\"}", 0),		/* overlong */
		R("{\"a\": \"\xe0\x80\xaf\"}", 0),		/* overlong */
		R("{\"a\": \"\xed\xa0\x80\"}", 0),		/* surrogate */
		R("{\"a\": \"\xf4\x90\x80\x80\"}", 0),	/* > U+10FFFF */
		R("{\"a\": \"\xff\"}", 0), R("{\"a\": \"\xe2\x82\"}", 0),
		R("{\"a\": \"\\ud800\"}", 0), R("{\"a\": \"x\\udc00\"}", 0),
		R("{\"a\": \"\\ud800\\u0041\"}", 0), R("{\"a\": \"\\u12\"}", 0),
		R("{\"a\": \"tab\there\"}", 0),	/* raw control character */
		R("{\"a\": \"unterminated}", 0), R("{\"a\": 1}\0", 0),
	};
	struct jsonx_span	sp;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *why = jsonx_check(rows[i].body, rows[i].len, &sp);
		if ((why == NULL) != rows[i].ok)
			print_message("row %zu: %s\n", i, why ? why : "accepted");
		assert_int_equal(why == NULL, rows[i].ok);
	}
}

static void
jsonx_reports_nul_keys(void **state)
{
	const char		*b = "{\"ok\\u0000\": 1, \"x\": \"\\u0000\"}";
	struct jsonx_span	 sp;

	assert_null(jsonx_check(b, strlen(b), &sp));
	assert_int_equal(sp.len, 8);
	assert_memory_equal(b + sp.off, "ok\\u0000", 8);
	b = "{\"v\": \"\\u0000\"}";
	assert_null(jsonx_check(b, strlen(b), &sp));
	assert_int_equal(sp.len, 0);
}

static void
jsonx_lossy_strings(void **state)
{
	json_object	*o = jsonx_string_lossy("a\xff" "b\xc3\xa9", 5, 1024);

	assert_non_null(o);
	assert_string_equal(json_object_get_string(o), "a\xef\xbf\xbd" "b\xc3\xa9");
	json_object_put(o);
	o = jsonx_string_lossy("", 0, 1024);
	assert_string_equal(json_object_get_string(o), "");
	json_object_put(o);
	/* capped: never past max, never inside a character */
	o = jsonx_string_lossy("ab\xc3\xa9", 4, 3);
	assert_string_equal(json_object_get_string(o), "ab");
	json_object_put(o);
	o = jsonx_string_lossy("\xe9\xe9\xe9", 3, 7);
	assert_string_equal(json_object_get_string(o), "\xef\xbf\xbd\xef\xbf\xbd");
	json_object_put(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jsonx_check_rows),
		cmocka_unit_test(jsonx_reports_nul_keys),
		cmocka_unit_test(jsonx_lossy_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
