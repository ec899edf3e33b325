/* SPDX-License-Identifier: MIT */
/* test_jw.c: the streaming JSON writer: structure, escaping, nulls, and
 * misuse reported instead of written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "jw.h"

static void
nested_values_are_valid_json(void **state)
{
	struct buf	 b = { 0 };
	struct jw	 w;
	json_object	*o, *v;

	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "s");
	jw_str(&w, "plain");
	jw_key(&w, "n");
	jw_int(&w, -42);
	jw_key(&w, "big");
	jw_int(&w, 9007199254740993LL);
	jw_key(&w, "t");
	jw_bool(&w, 1);
	jw_key(&w, "z");
	jw_null(&w);
	jw_key(&w, "a");
	jw_arr(&w);
	jw_int(&w, 1);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr(&w);
	jw_arr_end(&w);
	jw_str_or_null(&w, "");
	jw_str_or_null(&w, "x");
	jw_int_or_null(&w, -1);
	jw_int_or_null(&w, 7);
	jw_arr_end(&w);
	jw_obj_end(&w);
	assert_int_equal(jw_error(&w), 0);
	assert_string_equal(b.data, "{\"s\":\"plain\",\"n\":-42,"
	    "\"big\":9007199254740993,\"t\":true,\"z\":null,"
	    "\"a\":[1,{},[],null,\"x\",null,7]}");
	o = json_tokener_parse(b.data);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_int_equal(json_object_array_length(v), 7);
	json_object_put(o);
	buf_free(&b);
}

static void
strings_are_escaped(void **state)
{
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
	} rows[] = {
		{ "a\"b", 3, "\"a\\\"b\"" },
		{ "back\\slash", 10, "\"back\\\\slash\"" },
		{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\u0008\\u000c\"" },
		{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
		{ "nul\0in", 6, "\"nul\\u0000in\"" },
		{ "\xc3\xa9t\xc3\xa9", 5, "\"\xc3\xa9t\xc3\xa9\"" },
		{ "/slash", 6, "\"/slash\"" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct buf	b = { 0 };
		struct jw	w;

		jw_init(&w, &b);
		jw_strn(&w, rows[i].in, rows[i].n);
		assert_int_equal(jw_error(&w), 0);
		assert_string_equal(b.data, rows[i].out);
		buf_free(&b);
	}
}

static void
misuse_is_an_error(void **state)
{
	struct buf	b = { 0 };
	struct jw	w;

	/* closing what is not open */
	jw_init(&w, &b);
	jw_obj_end(&w);
	assert_int_equal(jw_error(&w), -1);
	buf_free(&b);
	/* deeper than JW_MAX_DEPTH */
	jw_init(&w, &b);
	for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
		jw_arr(&w);
	assert_int_equal(jw_error(&w), -1);
	buf_free(&b);
}

/* A stored body goes in as it is, separated like any other value. */
static void
raw_values_keep_their_bytes(void **state)
{
	struct buf	 b = { 0 };
	struct jw	 w;

	jw_init(&w, &b);
	jw_arr(&w);
	jw_raw(&w, "{\"a\":\"\\u00e9\"}", 14);
	jw_raw(&w, "[1]", 3);
	jw_obj(&w);
	jw_key(&w, "k");
	jw_raw(&w, "null", 4);
	jw_obj_end(&w);
	jw_arr_end(&w);
	assert_int_equal(jw_error(&w), 0);
	assert_int_equal(b.len, strlen("[{\"a\":\"\\u00e9\"},[1],{\"k\":null}]"));
	assert_memory_equal(b.data, "[{\"a\":\"\\u00e9\"},[1],{\"k\":null}]", b.len);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nested_values_are_valid_json),
		cmocka_unit_test(strings_are_escaped),
		cmocka_unit_test(misuse_is_an_error),
		cmocka_unit_test(raw_values_keep_their_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
