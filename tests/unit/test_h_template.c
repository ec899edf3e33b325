/* SPDX-License-Identifier: MIT */
/* test_h_template.c: GET templates/ and templates/{id}/ driven through
 * service_handle with the template queries wrapped
 * (-Wl,--wrap=db_template_list,...): the page asked for, the envelope
 * and the rows rendered, and the 404/503 mapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fake_service.h"

#define LIST	"/webhooks/v1/templates/"
#define TPL	"488f4644-057d-41e7-9a74-72c040602647"
#define TPL_UP	"488F4644-057D-41E7-9A74-72C040602647"

/* Row i of a page: its own id and name; the odd ones described. */
static void
template_row(struct template_row *t, unsigned i)
{
	char	id[WH_UUID_LEN + 1], name[32];

	snprintf(id, sizeof(id), "488f4644-057d-41e7-9a74-0000000000%02u",
	    i % 100);
	snprintf(name, sizeof(name), "template_%02u", i % 100);
	fake_template_row(t, id, name);
	if (i % 2 == 1) {
		t->has_description = 1;
		snprintf(t->description, sizeof(t->description), "About %s.",
		    name);
	}
}

/* will_return: how many rows come, then rc. */
enum db_rc	__wrap_db_template_list(struct db *, long long, long long,
		    struct template_row *, int *);
enum db_rc
__wrap_db_template_list(struct db *db, long long limit, long long offset,
    struct template_row *rows, int *n)
{
	int	count;

	(void)db;
	check_expected(limit);
	check_expected(offset);
	count = mock_type(int);
	assert_true(count <= limit);
	for (int i = 0; i < count; i++)
		template_row(&rows[i], (unsigned)i);
	*n = count;
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_db_template_count(struct db *, long long *);
enum db_rc
__wrap_db_template_count(struct db *db, long long *count)
{
	(void)db;
	*count = mock_type(long long);
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_db_template_get(struct db *, const char *,
		    struct template_row *);
enum db_rc
__wrap_db_template_get(struct db *db, const char *id, struct template_row *out)
{
	enum db_rc	rc;

	(void)db;
	check_expected(id);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		template_row(out, 1);
	return rc;
}

static void
will_list(long long limit, long long offset, int rows, enum db_rc rc)
{
	expect_value(__wrap_db_template_list, limit, limit);
	expect_value(__wrap_db_template_list, offset, offset);
	will_return(__wrap_db_template_list, rows);
	will_return(__wrap_db_template_list, rc);
}

static void
will_count(long long count, enum db_rc rc)
{
	will_return(__wrap_db_template_count, count);
	will_return(__wrap_db_template_count, rc);
}

/* The contract's template at path p of the answer. */
static void
assert_template(const struct fake *f, const char *p, int described)
{
	char	k[64];

#define AT(m)	(snprintf(k, sizeof(k), "%s%s%s", p, *p ? "." : "", m), k)
	assert_int_equal(fake_type(f, AT("id")), json_type_string);
	assert_int_equal(fake_type(f, AT("name")), json_type_string);
	assert_int_equal(fake_type(f, AT("display_name")), json_type_string);
	assert_true(fake_has(f, AT("description")));
	assert_int_equal(fake_type(f, AT("description")), described ?
	    json_type_string : json_type_null);
	assert_false(fake_has(f, AT("is_active")));
#undef AT
}

static void
list_short_page_counts_from_the_rows_read(void **state)
{
	struct fake	*f = *state;

	/* the default page, and one row more to know of a next */
	will_list(21, 0, 2, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, NULL, NULL), 200);
	assert_int_equal(fake_int(f, "count"), 2);
	assert_true(fake_has(f, "next"));
	assert_int_equal(fake_type(f, "next"), json_type_null);
	assert_true(fake_has(f, "previous"));
	assert_int_equal(fake_type(f, "previous"), json_type_null);
	assert_int_equal(fake_len(f, "results"), 2);
	assert_template(f, "results.0", 0);
	assert_template(f, "results.1", 1);
	/* in the order read (the database sorts by name) */
	assert_string_equal(fake_str(f, "results.0.name"), "template_00");
	assert_string_equal(fake_str(f, "results.1.name"), "template_01");
	assert_string_equal(fake_str(f, "results.1.description"),
	    "About template_01.");
	/* exactly a page and no row more: still no count query */
	will_list(3, 0, 2, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, "page_size=2", NULL),
	    200);
	assert_int_equal(fake_int(f, "count"), 2);
	assert_int_equal(fake_type(f, "next"), json_type_null);
}

static void
list_full_page_asks_the_count_and_links_both_ways(void **state)
{
	struct fake	*f = *state;

	will_list(3, 4, 3, DB_OK);
	will_count(9, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, "page=3&page_size=2",
	    NULL), 200);
	assert_int_equal(fake_int(f, "count"), 9);
	assert_int_equal(fake_len(f, "results"), 2);
	assert_string_equal(fake_str(f, "next"), FAKE_BASE LIST
	    "?page=4&page_size=2");
	assert_string_equal(fake_str(f, "previous"), FAKE_BASE LIST
	    "?page=2&page_size=2");
	/* the last page: no next */
	will_list(3, 8, 1, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, "page=5&page_size=2",
	    NULL), 200);
	assert_int_equal(fake_int(f, "count"), 9);
	assert_int_equal(fake_type(f, "next"), json_type_null);
	assert_string_equal(fake_str(f, "previous"), FAKE_BASE LIST
	    "?page=4&page_size=2");
}

static void
list_past_the_end_and_bad_pages(void **state)
{
	struct fake	*f = *state;

	will_list(21, 40, 0, DB_OK);
	fake_request(f, HTTP_GET, LIST, "page=3", NULL);
	fake_assert_error(f, 404, "invalid_page");
	/* nothing read for a page that is no number */
	fake_request(f, HTTP_GET, LIST, "page=two", NULL);
	fake_assert_error(f, 404, "invalid_page");
	fake_request(f, HTTP_GET, LIST, "page_size=-3", NULL);
	fake_assert_error(f, 400, "invalid");
}

static void
list_database_errors_are_503(void **state)
{
	struct fake	*f = *state;

	will_list(21, 0, 0, DB_DOWN);
	fake_request(f, HTTP_GET, LIST, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	will_list(2, 0, 2, DB_OK);
	will_count(0, DB_ERR);
	fake_request(f, HTTP_GET, LIST, "page_size=1", NULL);
	fake_assert_error(f, 503, "unavailable");
}

static void
get_answers_the_template_of_the_id(void **state)
{
	struct fake	*f = *state;

	expect_string(__wrap_db_template_get, id, TPL);
	will_return(__wrap_db_template_get, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST TPL_UP "/", NULL,
	    NULL), 200);
	assert_template(f, "", 1);
	assert_string_equal(fake_str(f, "name"), "template_01");
}

static void
get_result_mapping(void **state)
{
	struct fake	*f = *state;

	expect_string(__wrap_db_template_get, id, TPL);
	will_return(__wrap_db_template_get, DB_NOTFOUND);
	fake_request(f, HTTP_GET, LIST TPL, NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	expect_string(__wrap_db_template_get, id, TPL);
	will_return(__wrap_db_template_get, DB_DOWN);
	fake_request(f, HTTP_GET, LIST TPL, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* not an id: not looked up */
	fake_request(f, HTTP_GET, LIST "invoice_extraction/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
}

#define T(fn)	cmocka_unit_test_setup(fn, fake_reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(list_short_page_counts_from_the_rows_read),
		T(list_full_page_asks_the_count_and_links_both_ways),
		T(list_past_the_end_and_bad_pages),
		T(list_database_errors_are_503),
		T(get_answers_the_template_of_the_id),
		T(get_result_mapping),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
