/* SPDX-License-Identifier: MIT */
/* test_db_template.c: API template queries and the event's one-query
 * resolution, over the scripted database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "db_template.h"
#include "fake_db.h"

#define TPL1	"11111111-1111-1111-1111-111111111111"
#define TPL2	"22222222-2222-2222-2222-222222222222"
#define TPL3	"33333333-3333-3333-3333-333333333333"
#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

static void
get_by_id_maps_the_row(void **state)
{
	struct template_row	r;

	fake_db_rows(ST_TPL_GET, 1, 5, CELLS(TPL1, "github", "GitHub",
	    "Pushes and issues", "1"));
	assert_int_equal(db_template_get(fake_db(), TPL1, &r), DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), TPL1);
	assert_string_equal(r.id, TPL1);
	assert_string_equal(r.name, "github");
	assert_string_equal(r.display_name, "GitHub");
	assert_string_equal(r.description, "Pushes and issues");
	assert_int_equal(r.has_description, 1);
	assert_int_equal(r.is_active, 1);
}

static void
get_null_description_is_empty_and_flagged(void **state)
{
	struct template_row	r;

	memset(&r, 'x', sizeof(r));
	fake_db_rows(ST_TPL_GET, 1, 5, CELLS(TPL1, "github", "GitHub", NULL,
	    "0"));
	assert_int_equal(db_template_get(fake_db(), TPL1, &r), DB_OK);
	assert_string_equal(r.description, "");
	assert_int_equal(r.has_description, 0);
	assert_int_equal(r.is_active, 0);
}

static void
get_unknown_is_notfound(void **state)
{
	struct template_row	r;

	fake_db_rows(ST_TPL_GET, 0, 5, NULL);
	assert_int_equal(db_template_get(fake_db(), TPL1, &r), DB_NOTFOUND);
	fake_db_expect(ST_TPL_GET, DB_DOWN, 0);
	assert_int_equal(db_template_get(fake_db(), TPL1, &r), DB_DOWN);
}

static void
get_by_name_uses_the_name(void **state)
{
	struct template_row	r;

	fake_db_rows(ST_TPL_GET_BY_NAME, 1, 5, CELLS(TPL2, "stripe",
	    "Stripe", NULL, "1"));
	assert_int_equal(db_template_get_by_name(fake_db(), "stripe", &r),
	    DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), "stripe");
	assert_string_equal(r.id, TPL2);
	fake_db_rows(ST_TPL_GET_BY_NAME, 0, 5, NULL);
	assert_int_equal(db_template_get_by_name(fake_db(), "nope", &r),
	    DB_NOTFOUND);
}

static void
count_reads_one_number(void **state)
{
	long long	n = -1;

	fake_db_rows(ST_TPL_COUNT, 1, 1, CELLS("12"));
	assert_int_equal(db_template_count(fake_db(), &n), DB_OK);
	assert_int_equal(fake_db_exec(0)->nargs, 0);
	assert_int_equal(n, 12);
	fake_db_expect(ST_TPL_COUNT, DB_DOWN, 0);
	assert_int_equal(db_template_count(fake_db(), &n), DB_DOWN);
	assert_int_equal(n, 0);
}

/* The caller's array holds limit rows: more from the database are not
 * written past it. */
static void
list_fills_at_most_limit_rows(void **state)
{
	struct template_row	 rows[2 + 1];
	const struct fake_call	*c;
	int			 n = -1;

	memset(rows, 0, sizeof(rows));
	fake_db_rows(ST_TPL_LIST, 3, 5, CELLS(
	    TPL1, "a", "A", "first", "1",
	    TPL2, "b", "B", NULL, "1",
	    TPL3, "c", "C", "third", "1"));
	assert_int_equal(db_template_list(fake_db(), 2, 40, rows, &n), DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), 2);
	assert_int_equal(fake_arg_int(c, 1), 40);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].id, TPL1);
	assert_string_equal(rows[0].description, "first");
	assert_int_equal(rows[0].has_description, 1);
	assert_string_equal(rows[1].id, TPL2);
	assert_int_equal(rows[1].has_description, 0);
	assert_string_equal(rows[2].id, "");	/* untouched */
}

static void
list_empty_page(void **state)
{
	struct template_row	rows[1];
	int			n = -1;

	fake_db_rows(ST_TPL_LIST, 0, 5, NULL);
	assert_int_equal(db_template_list(fake_db(), 1, 0, rows, &n), DB_OK);
	assert_int_equal(n, 0);
	fake_db_expect(ST_TPL_LIST, DB_ERR, 0);
	assert_int_equal(db_template_list(fake_db(), 1, 0, rows, &n), DB_ERR);
	assert_int_equal(n, 0);
}

struct seen {
	char	names[4][16];
	int	n, stop_at;
};

static int
collect(void *ctx, const struct template_row *r)
{
	struct seen	*s = ctx;

	strcpy(s->names[s->n], r->name);
	return ++s->n == s->stop_at ? -1 : 0;
}

static void
list_all_calls_back_per_row(void **state)
{
	struct seen	s = { .stop_at = 0 };

	fake_db_rows(ST_TPL_LIST_ALL, 3, 5, CELLS(
	    TPL1, "a", "A", NULL, "1",
	    TPL2, "b", "B", NULL, "0",
	    TPL3, "c", "C", NULL, "1"));
	assert_int_equal(db_template_list_all(fake_db(), collect, &s), DB_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "a");
	assert_string_equal(s.names[2], "c");
}

static void
list_all_stops_when_the_callback_says(void **state)
{
	struct seen	s = { .stop_at = 2 };

	fake_db_rows(ST_TPL_LIST_ALL, 3, 5, CELLS(
	    TPL1, "a", "A", NULL, "1",
	    TPL2, "b", "B", NULL, "0",
	    TPL3, "c", "C", NULL, "1"));
	assert_int_equal(db_template_list_all(fake_db(), collect, &s), DB_ERR);
	assert_int_equal(s.n, 2);
	assert_int_equal(fake_db_exec(0)->ncb, 2);
}

static void
resolve_by_id(void **state)
{
	struct template_row	 t;
	uint64_t		 uid = 0;
	char			 wh[WH_UUID_LEN + 1];
	int			 on = 0;
	const struct fake_call	*c;

	fake_db_rows(ST_EVENT_RESOLVE_ID, 1, 8, CELLS(TPL1, "github", "GitHub",
	    NULL, "1", "9", WH1, "1"));
	assert_int_equal(db_event_resolve(fake_db(), TPL1, "ignored", "dave",
	    &t, &uid, wh, &on), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), "dave");
	assert_string_equal(fake_arg_str(c, 1), TPL1);
	assert_string_equal(t.name, "github");
	assert_true(uid == 9);
	assert_string_equal(wh, WH1);
	assert_int_equal(on, 1);
}

/* A disabled webhook resolves too (its events are kept), flagged. */
static void
resolve_a_disabled_webhook(void **state)
{
	struct template_row	 t;
	uint64_t		 uid = 0;
	char			 wh[WH_UUID_LEN + 1];
	int			 on = 1;

	fake_db_rows(ST_EVENT_RESOLVE_ID, 1, 8, CELLS(TPL1, "github", "GitHub",
	    NULL, "1", "9", WH1, "0"));
	assert_int_equal(db_event_resolve(fake_db(), TPL1, "ignored", "dave",
	    &t, &uid, wh, &on), DB_OK);
	assert_string_equal(wh, WH1);
	assert_int_equal(on, 0);
}

/* No enabled webhook: the template and user still resolve. */
static void
resolve_by_name_without_webhook(void **state)
{
	struct template_row	 t;
	uint64_t		 uid = 0;
	char			 wh[WH_UUID_LEN + 1];
	const struct fake_call	*c;

	int			 on = 1;

	memset(wh, 'x', sizeof(wh));
	fake_db_rows(ST_EVENT_RESOLVE_NAME, 1, 8, CELLS(TPL2, "stripe",
	    "Stripe", "pay", "1", "10", NULL, NULL));
	assert_int_equal(db_event_resolve(fake_db(), NULL, "stripe", "erin",
	    &t, &uid, wh, &on), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), "erin");
	assert_string_equal(fake_arg_str(c, 1), "stripe");
	assert_string_equal(t.id, TPL2);
	assert_int_equal(t.has_description, 1);
	assert_true(uid == 10);
	assert_string_equal(wh, "");
	assert_int_equal(on, 0);
}

static void
resolve_unknown_is_notfound(void **state)
{
	struct template_row	t;
	uint64_t		uid = 0;
	char			wh[WH_UUID_LEN + 1];
	int			on = 0;

	fake_db_rows(ST_EVENT_RESOLVE_NAME, 0, 8, NULL);
	assert_int_equal(db_event_resolve(fake_db(), NULL, "x", "erin", &t,
	    &uid, wh, &on), DB_NOTFOUND);
	fake_db_expect(ST_EVENT_RESOLVE_ID, DB_DOWN, 0);
	assert_int_equal(db_event_resolve(fake_db(), TPL1, NULL, "erin", &t,
	    &uid, wh, &on), DB_DOWN);
}

static void
add_passes_a_null_description(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_TPL_ADD, DB_OK, 1);
	assert_int_equal(db_template_add(fake_db(), TPL1, "n", "N", NULL),
	    DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), TPL1);
	assert_string_equal(fake_arg_str(c, 1), "n");
	assert_string_equal(fake_arg_str(c, 2), "N");
	assert_true(fake_arg_is_null(c, 3));
	fake_db_expect(ST_TPL_ADD, DB_DUP, 0);
	assert_int_equal(db_template_add(fake_db(), TPL1, "n", "N", "d"),
	    DB_DUP);
	assert_string_equal(fake_arg_str(fake_db_exec(1), 3), "d");
}

static void
disable_nothing_changed_is_notfound(void **state)
{
	fake_db_expect(ST_TPL_DISABLE, DB_OK, 1);
	assert_int_equal(db_template_disable(fake_db(), "github"), DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), "github");
	fake_db_expect(ST_TPL_DISABLE, DB_OK, 0);
	assert_int_equal(db_template_disable(fake_db(), "gone"), DB_NOTFOUND);
	fake_db_expect(ST_TPL_DISABLE, DB_DOWN, 0);
	assert_int_equal(db_template_disable(fake_db(), "x"), DB_DOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
		T(get_by_id_maps_the_row),
		T(get_null_description_is_empty_and_flagged),
		T(get_unknown_is_notfound),
		T(get_by_name_uses_the_name),
		T(count_reads_one_number),
		T(list_fills_at_most_limit_rows),
		T(list_empty_page),
		T(list_all_calls_back_per_row),
		T(list_all_stops_when_the_callback_says),
		T(resolve_by_id),
		T(resolve_a_disabled_webhook),
		T(resolve_by_name_without_webhook),
		T(resolve_unknown_is_notfound),
		T(add_passes_a_null_description),
		T(disable_nothing_changed_is_notfound),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
