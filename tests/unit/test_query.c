/* SPDX-License-Identifier: MIT */
/* test_query.c: query-string parsing (first wins) and page-link rewriting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "query.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- query_parse and query_get ---- */

struct get_row {
	const char	*qs;
	const char	*key;
	const char	*want;		/* NULL: absent */
};

static const struct get_row get_rows[] = {
	{ "page=2&page_size=5", "page", "2" },
	{ "page=2&page_size=5", "page_size", "5" },
	{ "page=2&page_size=5", "status", NULL },
	/* The first occurrence wins. */
	{ "page=1&page=2", "page", "1" },
	{ "status=enabled&x=1&status=disabled", "status", "enabled" },
	/* '+' is a space; %XX decodes, in keys too. */
	{ "q=a+b", "q", "a b" },
	{ "q=a%20b", "q", "a b" },
	{ "q=%41", "q", "A" },
	{ "q=%4a%4A", "q", "JJ" },
	{ "q=%2B", "q", "+" },
	{ "q=%26x%3Dy", "q", "&x=y" },
	{ "pa%67e=3", "page", "3" },
	{ "a+b=1", "a b", "1" },
	{ "q=%c3%a9", "q", "\xc3\xa9" },
	/* %00 and broken escapes stay literal. */
	{ "q=%00", "q", "%00" },
	{ "q=a%00b", "q", "a%00b" },
	{ "q=%4", "q", "%4" },
	{ "q=%zz", "q", "%zz" },
	{ "q=%", "q", "%" },
	{ "q=%%41", "q", "%A" },
	{ "q=%g1", "q", "%g1" },
	{ "q=%4&r=1", "q", "%4" },
	{ "q=%4&r=1", "r", "1" },
	/* Only the first '=' splits. */
	{ "q=a=b", "q", "a=b" },
	{ "q==", "q", "=" },
	/* No '=': an empty value; an empty value. */
	{ "flag", "flag", "" },
	{ "flag&page=2", "flag", "" },
	{ "flag&page=2", "page", "2" },
	{ "page=", "page", "" },
	{ "=x", "", "x" },
	/* Empty pairs are ignored. */
	{ "&&page=2&&", "page", "2" },
	{ "&", "page", NULL },
	{ "&&&", "", NULL },
	/* Keys compare exactly. */
	{ "Page=2", "page", NULL },
	{ "page =2", "page", NULL },
	{ "page_size=5", "page", NULL },
};

static void
test_get_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(get_rows); i++) {
		const struct get_row *r = &get_rows[i];
		struct query q;
		const char *got;

		assert_int_equal(query_parse(&q, r->qs), 0);
		got = query_get(&q, r->key);
		if (r->want == NULL ? got != NULL :
		    got == NULL || strcmp(got, r->want) != 0) {
			print_message("query row %zu: \"%s\" [%s]: expected "
			    "\"%s\", got \"%s\"\n", i, r->qs, r->key,
			    r->want ? r->want : "(absent)",
			    got ? got : "(absent)");
			bad++;
		}
		query_free(&q);
	}
	assert_int_equal(bad, 0);
}

static void
test_parse_pairs(void **state)
{
	struct query	q;

	(void)state;
	assert_int_equal(query_parse(&q, "a=1&&b&c=%41+&=z&"), 0);
	assert_int_equal(q.n, 4);
	assert_string_equal(q.p[0].key, "a");
	assert_string_equal(q.p[0].val, "1");
	assert_string_equal(q.p[1].key, "b");
	assert_string_equal(q.p[1].val, "");
	assert_string_equal(q.p[2].key, "c");
	assert_string_equal(q.p[2].val, "A ");
	assert_string_equal(q.p[3].key, "");
	assert_string_equal(q.p[3].val, "z");
	query_free(&q);
	assert_int_equal(q.n, 0);
	assert_null(q.p);
	query_free(&q);
	query_free(NULL);
}

static void
test_parse_null_and_empty(void **state)
{
	struct query	q;

	(void)state;
	memset(&q, 0x5a, sizeof(q));
	assert_int_equal(query_parse(&q, NULL), 0);
	assert_int_equal(q.n, 0);
	assert_null(query_get(&q, "page"));
	query_free(&q);

	memset(&q, 0x5a, sizeof(q));
	assert_int_equal(query_parse(&q, ""), 0);
	assert_int_equal(q.n, 0);
	assert_null(query_get(&q, ""));
	query_free(&q);
}

/* A value never carries a NUL, whatever the escapes. */
static void
test_no_nul_in_values(void **state)
{
	struct query	q;

	(void)state;
	assert_int_equal(query_parse(&q, "%00=%00&k%00=v%00x"), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(q.p[0].key, "%00");
	assert_string_equal(q.p[0].val, "%00");
	assert_string_equal(q.p[1].key, "k%00");
	assert_string_equal(q.p[1].val, "v%00x");
	query_free(&q);
}

/* Many pairs, long values: everything fits its block. */
static void
test_parse_large(void **state)
{
	struct query	 q;
	char		*qs;
	size_t		 n = 0;

	(void)state;
	qs = malloc(20000);
	assert_non_null(qs);
	for (int i = 0; i < 2000; i++)
		n += (size_t)snprintf(qs + n, 20000 - n, "%s%d=%%41", i ? "&" :
		    "", i);
	assert_int_equal(query_parse(&q, qs), 0);
	assert_int_equal(q.n, 2000);
	assert_string_equal(query_get(&q, "1999"), "A");
	assert_string_equal(q.p[0].key, "0");
	query_free(&q);

	memset(qs, '&', 19999);
	qs[19999] = '\0';
	assert_int_equal(query_parse(&q, qs), 0);
	assert_int_equal(q.n, 0);
	query_free(&q);
	free(qs);
}

/* ---- query_link ---- */

struct link_row {
	const char	*qs;
	long long	 page;
	const char	*want;
};

static const struct link_row link_rows[] = {
	{ "page=2&page_size=5", 3, "page=3&page_size=5" },
	{ "page_size=5&page=2", 3, "page_size=5&page=3" },
	{ "page_size=5&foo=bar", 3, "page=3&page_size=5&foo=bar" },
	{ NULL, 3, "page=3" },
	{ "", 3, "page=3" },
	{ "page=2", 1, "page=1" },
	{ "page=1&page=2", 2, "page=2" },
	{ "a=1&page=1&b=2&page=9&c=3", 2, "a=1&page=2&b=2&c=3" },
	{ "pa%67e=2&x=1", 3, "page=3&x=1" },
	{ "x=1&pa%67e=2&page=5", 3, "x=1&page=3" },
	{ "q=a%20b&page=1", 2, "q=a%20b&page=2" },
	{ "q=a+b&status=enabled&api_template=488f4644-057d-41e7-9a74-"
	    "72c040602647", 2, "page=2&q=a+b&status=enabled&api_template="
	    "488f4644-057d-41e7-9a74-72c040602647" },
	{ "q=%zz&r=%00", 2, "page=2&q=%zz&r=%00" },
	{ "&&page=2&&x=1&", 3, "page=3&x=1" },
	{ "flag&page=4", 5, "flag&page=5" },
	{ "page", 5, "page=5" },
	{ "page=", 5, "page=5" },
	{ "pages=2", 3, "page=3&pages=2" },
	{ "Page=2", 3, "page=3&Page=2" },
	{ "page_size=5", 100000000, "page=100000000&page_size=5" },
};

static void
test_link_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(link_rows); i++) {
		const struct link_row *r = &link_rows[i];
		struct buf b = { 0 };
		int rc = query_link(&b, r->qs, "page", r->page);
		const char *got = b.data ? b.data : "";

		if (rc != 0 || strcmp(got, r->want) != 0) {
			print_message("query_link row %zu: \"%s\" page=%lld: "
			    "expected \"%s\", got %d \"%s\"\n", i,
			    r->qs ? r->qs : "(null)", r->page, r->want, rc,
			    got);
			bad++;
		}
		buf_free(&b);
	}
	assert_int_equal(bad, 0);
}

/* It appends to what the buffer already holds (the link's start). */
static void
test_link_appends(void **state)
{
	struct buf	b = { 0 };

	(void)state;
	assert_int_equal(buf_puts(&b, "http://h/webhooks/v1/webhook/?"), 0);
	assert_int_equal(query_link(&b, "page_size=5", "page", 2), 0);
	assert_string_equal(b.data,
	    "http://h/webhooks/v1/webhook/?page=2&page_size=5");
	buf_free(&b);
}

static void
test_link_str(void **state)
{
	struct buf	b = { 0 };

	(void)state;
	assert_int_equal(query_link_str(&b, "limit=5&cursor=old&x=y",
	    "cursor", "abc_DEF-1"), 0);
	assert_string_equal(b.data, "limit=5&cursor=abc_DEF-1&x=y");
	buf_free(&b);
	assert_int_equal(query_link_str(&b, "limit=5", "cursor", "c1"), 0);
	assert_string_equal(b.data, "cursor=c1&limit=5");
	buf_free(&b);
}

/* A name longer than any key we rewrite is kept as it is. */
static void
test_link_long_key(void **state)
{
	struct buf	 b = { 0 };
	char		 qs[200];

	(void)state;
	memset(qs, 'k', 100);
	strcpy(qs + 100, "=1&page=2");
	assert_int_equal(query_link(&b, qs, "page", 3), 0);
	assert_int_equal(strlen(b.data), strlen(qs));
	assert_memory_equal(b.data, qs, 100);
	assert_string_equal(b.data + 100, "=1&page=3");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_rows),
		cmocka_unit_test(test_parse_pairs),
		cmocka_unit_test(test_parse_null_and_empty),
		cmocka_unit_test(test_no_nul_in_values),
		cmocka_unit_test(test_parse_large),
		cmocka_unit_test(test_link_rows),
		cmocka_unit_test(test_link_appends),
		cmocka_unit_test(test_link_str),
		cmocka_unit_test(test_link_long_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
