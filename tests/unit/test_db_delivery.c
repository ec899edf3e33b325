/* SPDX-License-Identifier: MIT */
/* test_db_delivery.c: events, the outbox and its attempt log as the API
 * reads them, over the scripted database of fake_db.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_delivery.h"
#include "fake_db.h"

#define USER	31337ULL
#define SRC	7ULL
#define WH1	"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
#define EV1	"eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
#define DL1	"d1d1d1d1-d1d1-d1d1-d1d1-d1d1d1d1d1d1"
#define DL2	"d2d2d2d2-d2d2-d2d2-d2d2-d2d2d2d2d2d2"
#define DL3	"d3d3d3d3-d3d3-d3d3-d3d3-d3d3d3d3d3d3"
#define TPL1	"11111111-1111-1111-1111-111111111111"
#define NOW	"2026-01-02 03:04:05.123456"
#define NOW_Z	"2026-01-02T03:04:05.123456Z"

/* A delivery never tried: every nullable column null. */
#define DL_NEW(id)	(id), EV1, "push", "pending", "0", NULL, NULL, NULL, \
	NOW, NULL, NULL, "20260102030405123456"

static void
idempotency_key_is_the_sources(void **state)
{
	char			 id[WH_UUID_LEN + 1];
	int			 n = -1;
	const struct fake_call	*c;

	fake_db_rows(ST_EVENT_BY_IDEM, 1, 2, CELLS(EV1, "3"));
	assert_int_equal(db_event_by_idempotency(fake_db(), SRC, "k-1", id, &n),
	    DB_OK);
	c = fake_db_exec(0);
	assert_int_equal(fake_arg_int(c, 0), SRC);
	assert_string_equal(fake_arg_str(c, 1), "k-1");
	assert_string_equal(id, EV1);
	assert_int_equal(n, 3);
	fake_db_rows(ST_EVENT_BY_IDEM, 0, 2, NULL);
	assert_int_equal(db_event_by_idempotency(fake_db(), SRC, "k-2", id, &n),
	    DB_NOTFOUND);
}

static void
event_insert_arguments(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_EVENT_INSERT, DB_OK, 1);
	assert_int_equal(db_event_insert(fake_db(), EV1, SRC, NULL, USER, NULL,
	    "push", 2, NOW), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), EV1);
	assert_int_equal(fake_arg_int(c, 1), SRC);
	assert_true(fake_arg_is_null(c, 2));
	assert_int_equal(fake_arg_int(c, 3), USER);
	assert_true(fake_arg_is_null(c, 4));
	assert_string_equal(fake_arg_str(c, 5), "push");
	assert_int_equal(fake_arg_int(c, 6), 2);
	assert_string_equal(fake_arg_str(c, 7), NOW);
	fake_db_expect(ST_EVENT_INSERT, DB_DUP, 0);
	assert_int_equal(db_event_insert(fake_db(), EV1, SRC, "k", USER, TPL1,
	    "push", 0, NOW), DB_DUP);
	c = fake_db_exec(1);
	assert_string_equal(fake_arg_str(c, 2), "k");
	assert_string_equal(fake_arg_str(c, 4), TPL1);
}

static void
delivery_insert_arguments(void **state)
{
	struct delivery_new	 d = { DL1, EV1, WH1, "push", "{\"a\":1}", USER,
	    1, 5, NOW, 1, NULL };
	const struct fake_call	*c;

	fake_db_expect(ST_DELIVERY_INSERT, DB_OK, 1);
	assert_int_equal(db_delivery_insert(fake_db(), &d), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_string_equal(fake_arg_str(c, 1), EV1);
	assert_string_equal(fake_arg_str(c, 2), WH1);
	assert_int_equal(fake_arg_int(c, 3), USER);
	assert_string_equal(fake_arg_str(c, 4), "push");
	assert_string_equal(fake_arg_str(c, 5), "{\"a\":1}");
	assert_int_equal(fake_arg_int(c, 6), 1);
	assert_int_equal(fake_arg_int(c, 7), 5);
	assert_string_equal(fake_arg_str(c, 8), "pending");
	assert_true(fake_arg_is_null(c, 9));
	assert_string_equal(fake_arg_str(c, 10), NOW);	/* due at once */
	assert_string_equal(fake_arg_str(c, 11), NOW);
	assert_string_equal(fake_arg_str(c, 12), WH1);	/* numbered */
}

/* A disabled webhook's event: kept as cancelled, never due; a test's
 * delivery is not numbered. */
static void
delivery_insert_kept_and_unnumbered(void **state)
{
	struct delivery_new	 d = { DL1, EV1, WH1, "push", "{}", USER,
	    0, 0, NOW, 1, "not sent: disabled" };
	struct delivery_new	 t = { DL1, EV1, WH1, "webhook.test", "{}",
	    USER, 1, 1, NOW, 0, NULL };
	const struct fake_call	*c;

	fake_db_expect(ST_DELIVERY_INSERT, DB_OK, 1);
	assert_int_equal(db_delivery_insert(fake_db(), &d), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 8), "cancelled");
	assert_string_equal(fake_arg_str(c, 9), "not sent: disabled");
	assert_true(fake_arg_is_null(c, 10));
	assert_string_equal(fake_arg_str(c, 12), WH1);
	fake_db_expect(ST_DELIVERY_INSERT, DB_OK, 1);
	assert_int_equal(db_delivery_insert(fake_db(), &t), DB_OK);
	c = fake_db_exec(1);
	assert_string_equal(fake_arg_str(c, 8), "pending");
	assert_true(fake_arg_is_null(c, 12));
}

/* The events of a webhook after a sequence, and a body that does not fit
 * its buffer is an error, not a cut JSON. */
static void
event_list_and_body(void **state)
{
	struct event_row	 rows[2];
	const struct fake_call	*c;
	char			 body[8];
	size_t			 len = 99;
	int			 n = -1, erased = -1;

	fake_db_rows(ST_EVENT_LIST, 2, 8, CELLS(
	    DL1, EV1, "4", "push", "cancelled", "2026-11-29 10:30:00.123456", "7",
	    "0",
	    DL1, EV1, "5", "push", "pending", "2026-11-29 10:30:01.000000", NULL,
	    "1"));
	assert_int_equal(db_event_list(fake_db(), USER, WH1, 3, 2, rows, &n),
	    DB_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].sequence, 4);
	assert_int_equal(rows[0].body_len, 7);
	assert_string_equal(rows[0].status, "cancelled");
	assert_string_equal(rows[0].created_at, "2026-11-29T10:30:00.123456Z");
	assert_int_equal(rows[0].erased, 0);
	assert_int_equal(rows[1].sequence, 5);
	assert_int_equal(rows[1].erased, 1);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	assert_int_equal(fake_arg_int(c, 2), 3);
	assert_int_equal(fake_arg_int(c, 3), 2);
	fake_db_rows(ST_DELIVERY_BODY, 1, 1, CELLS("{\"a\":1}"));
	assert_int_equal(db_delivery_body(fake_db(), DL1, body, sizeof(body),
	    &len, &erased), DB_OK);
	assert_string_equal(body, "{\"a\":1}");
	assert_int_equal(len, 7);
	assert_int_equal(erased, 0);
	fake_db_rows(ST_DELIVERY_BODY, 1, 1, CELLS(NULL));
	assert_int_equal(db_delivery_body(fake_db(), DL1, body, sizeof(body),
	    &len, &erased), DB_OK);
	assert_int_equal(erased, 1);
	assert_int_equal(len, 0);
	fake_db_rows(ST_DELIVERY_BODY, 1, 1, CELLS("{\"a\":12}"));
	assert_int_equal(db_delivery_body(fake_db(), DL1, body, sizeof(body),
	    &len, &erased), DB_ERR);
	fake_db_rows(ST_DELIVERY_BODY, 0, 1, NULL);
	assert_int_equal(db_delivery_body(fake_db(), DL1, body, sizeof(body),
	    &len, &erased), DB_NOTFOUND);
}

static void
list_first_page_is_scoped_and_maps_nulls(void **state)
{
	struct delivery_row	*rows;
	const struct fake_call	*c;
	int			 n = -1;

	rows = calloc(2, sizeof(*rows));
	assert_non_null(rows);
	fake_db_rows(ST_DELIVERY_LIST_FIRST, 1, 12, CELLS(DL_NEW(DL1)));
	assert_int_equal(db_delivery_list(fake_db(), USER, WH1, NULL, NULL, 2,
	    rows, &n), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	assert_int_equal(fake_arg_int(c, 2), 2);
	for (int k = 0; k < 12; k++)
		assert_int_equal(c->col[k].rfc3339, k >= 8 && k <= 10);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].id, DL1);
	assert_string_equal(rows[0].event_id, EV1);
	assert_string_equal(rows[0].event_type, "push");
	assert_string_equal(rows[0].status, "pending");
	assert_int_equal(rows[0].attempts, 0);
	assert_int_equal(rows[0].response_code, -1);
	assert_string_equal(rows[0].error, "");
	assert_int_equal(rows[0].duration_ms, -1);
	assert_string_equal(rows[0].created_at, NOW_Z);
	assert_string_equal(rows[0].last_attempt_at, "");
	assert_string_equal(rows[0].next_attempt_at, "");
	assert_string_equal(rows[0].cursor, "20260102030405123456");
	free(rows);
}

static void
list_after_passes_the_keyset(void **state)
{
	struct delivery_row	*rows;
	const struct fake_call	*c;
	int			 n = -1;

	rows = calloc(1, sizeof(*rows));
	assert_non_null(rows);
	fake_db_rows(ST_DELIVERY_LIST_AFTER, 1, 12, CELLS(DL2, EV1, "push",
	    "failed", "4", "500", "http_5xx", "120", NOW,
	    "2026-01-02 04:00:00.000000", NULL, "20260102030405123456"));
	assert_int_equal(db_delivery_list(fake_db(), USER, WH1, NOW, DL3, 1,
	    rows, &n), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), WH1);
	assert_int_equal(fake_arg_int(c, 1), USER);
	assert_string_equal(fake_arg_str(c, 2), NOW);
	assert_string_equal(fake_arg_str(c, 3), NOW);
	assert_string_equal(fake_arg_str(c, 4), DL3);
	assert_int_equal(fake_arg_int(c, 5), 1);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].attempts, 4);
	assert_int_equal(rows[0].response_code, 500);
	assert_string_equal(rows[0].error, "http_5xx");
	assert_int_equal(rows[0].duration_ms, 120);
	assert_string_equal(rows[0].last_attempt_at,
	    "2026-01-02T04:00:00.000000Z");
	free(rows);
}

static void
list_fills_at_most_limit_rows(void **state)
{
	struct delivery_row	*rows;
	int			 n = -1;

	rows = calloc(3, sizeof(*rows));
	assert_non_null(rows);
	fake_db_rows(ST_DELIVERY_LIST_FIRST, 3, 12, CELLS(DL_NEW(DL1),
	    DL_NEW(DL2), DL_NEW(DL3)));
	assert_int_equal(db_delivery_list(fake_db(), USER, WH1, NULL, NULL, 2,
	    rows, &n), DB_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[1].id, DL2);
	assert_string_equal(rows[2].id, "");
	fake_db_expect(ST_DELIVERY_LIST_FIRST, DB_DOWN, 0);
	assert_int_equal(db_delivery_list(fake_db(), USER, WH1, NULL, NULL, 2,
	    rows, &n), DB_DOWN);
	free(rows);
}

static void
get_is_scoped_to_user_and_webhook(void **state)
{
	struct delivery_row	*r;
	const struct fake_call	*c;

	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	fake_db_rows(ST_DELIVERY_GET, 1, 12, CELLS(DL1, EV1, "push", "pending",
	    "1", "0", NULL, "0", NOW, NOW, "2026-01-02 03:05:00.000000",
	    "20260102030405123456"));
	assert_int_equal(db_delivery_get(fake_db(), USER, WH1, DL1, r), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_string_equal(fake_arg_str(c, 1), WH1);
	assert_int_equal(fake_arg_int(c, 2), USER);
	/* Zero is a value, not null. */
	assert_int_equal(r->response_code, 0);
	assert_int_equal(r->duration_ms, 0);
	assert_string_equal(r->next_attempt_at, "2026-01-02T03:05:00.000000Z");
	fake_db_rows(ST_DELIVERY_GET, 0, 12, NULL);
	assert_int_equal(db_delivery_get(fake_db(), USER, WH1, DL1, r),
	    DB_NOTFOUND);
	fake_db_expect(ST_DELIVERY_GET, DB_DOWN, 0);
	assert_int_equal(db_delivery_get(fake_db(), USER, WH1, DL1, r),
	    DB_DOWN);
	free(r);
}

static void
attempts_map_nulls_and_excerpt_bytes(void **state)
{
	static const size_t	 lens[] = { 26, 3, 0, 0, 2, 1, 1, 1, 1, 5, 1,
	    26, 0, 7, 12, 4, 0, 0, 0, 0, 0, 1 };
	struct attempt_row	*rows;
	const struct fake_call	*c;
	int			 n = -1;

	rows = calloc(WH_MAX_ATTEMPT_LOG, sizeof(*rows));
	assert_non_null(rows);
	fake_db_rows_len(ST_ATTEMPT_LIST, 2, 11, CELLS(
	    NOW, "200", NULL, NULL, "42", "1", "2", "3", "4", "o\0k\n!", "1",
	    NOW, NULL, "timeout", "read timeout", "5000", NULL, NULL, NULL,
	    NULL, NULL, "2"), lens);
	assert_int_equal(db_attempt_list(fake_db(), DL1, rows, &n), DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_int_equal(fake_arg_int(c, 1), WH_MAX_ATTEMPT_LOG);
	assert_int_equal(c->col[0].rfc3339, 1);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].at, NOW_Z);
	assert_int_equal(rows[0].response_code, 200);
	assert_string_equal(rows[0].error_class, "");
	assert_string_equal(rows[0].error, "");
	assert_int_equal(rows[0].duration_ms, 42);
	assert_int_equal(rows[0].dns_ms, 1);
	assert_int_equal(rows[0].connect_ms, 2);
	assert_int_equal(rows[0].tls_ms, 3);
	assert_int_equal(rows[0].first_byte_ms, 4);
	assert_int_equal(rows[0].has_excerpt, 1);
	assert_int_equal(rows[0].excerpt_len, 5);
	assert_memory_equal(rows[0].excerpt, "o\0k\n!", 5);
	assert_int_equal(rows[1].response_code, -1);
	assert_string_equal(rows[1].error_class, "timeout");
	assert_string_equal(rows[1].error, "read timeout");
	assert_int_equal(rows[1].duration_ms, 5000);
	assert_int_equal(rows[1].dns_ms, -1);
	assert_int_equal(rows[1].connect_ms, -1);
	assert_int_equal(rows[1].tls_ms, -1);
	assert_int_equal(rows[1].first_byte_ms, -1);
	assert_int_equal(rows[1].has_excerpt, 0);
	assert_int_equal(rows[1].excerpt_len, 0);
	free(rows);
}

/* The caller's array holds WH_MAX_ATTEMPT_LOG rows. */
static void
attempts_fill_at_most_the_log(void **state)
{
	enum { NR = WH_MAX_ATTEMPT_LOG + 2, NC = 11 };
	const char		**cells;
	char			(*code)[8];
	struct attempt_row	*rows;
	int			 n = -1;

	cells = calloc(NR * NC, sizeof(*cells));
	code = calloc(NR, sizeof(*code));
	rows = calloc(WH_MAX_ATTEMPT_LOG + 1, sizeof(*rows));
	assert_true(cells != NULL && code != NULL && rows != NULL);
	for (int i = 0; i < NR; i++) {
		snprintf(code[i], sizeof(code[i]), "%d", 100 + i);
		cells[i * NC] = NOW;
		cells[i * NC + 1] = code[i];
		cells[i * NC + 4] = "1";
		cells[i * NC + 10] = code[i];
	}
	rows[WH_MAX_ATTEMPT_LOG].response_code = 12345;
	fake_db_rows(ST_ATTEMPT_LIST, NR, NC, cells);
	assert_int_equal(db_attempt_list(fake_db(), DL1, rows, &n), DB_OK);
	assert_int_equal(n, WH_MAX_ATTEMPT_LOG);
	assert_int_equal(rows[0].response_code, 100);
	assert_int_equal(rows[WH_MAX_ATTEMPT_LOG - 1].response_code,
	    100 + WH_MAX_ATTEMPT_LOG - 1);
	assert_int_equal(rows[WH_MAX_ATTEMPT_LOG].response_code, 12345);
	free(cells);
	free(code);
	free(rows);
}

static void
redeliver_is_scoped_and_notfound(void **state)
{
	const struct fake_call	*c;

	fake_db_expect(ST_DELIVERY_REDELIVER, DB_OK, 1);
	assert_int_equal(db_delivery_redeliver(fake_db(), USER, WH1, DL1),
	    DB_OK);
	c = fake_db_exec(0);
	assert_string_equal(fake_arg_str(c, 0), DL1);
	assert_string_equal(fake_arg_str(c, 1), WH1);
	assert_int_equal(fake_arg_int(c, 2), USER);
	fake_db_expect(ST_DELIVERY_REDELIVER, DB_OK, 0);
	assert_int_equal(db_delivery_redeliver(fake_db(), USER, WH1, DL1),
	    DB_NOTFOUND);
	fake_db_expect(ST_DELIVERY_REDELIVER, DB_DEADLOCK, 0);
	assert_int_equal(db_delivery_redeliver(fake_db(), USER, WH1, DL1),
	    DB_DEADLOCK);
}

static void
manual_pending_reads_count_and_soonest(void **state)
{
	long long	count = -1, soonest = -1;

	fake_db_rows(ST_MANUAL_PENDING, 1, 2, CELLS("2", "30"));
	assert_int_equal(db_manual_pending(fake_db(), WH1, &count, &soonest),
	    DB_OK);
	assert_string_equal(fake_arg_str(fake_db_exec(0), 0), WH1);
	assert_int_equal(count, 2);
	assert_int_equal(soonest, 30);
	fake_db_expect(ST_MANUAL_PENDING, DB_DOWN, 0);
	assert_int_equal(db_manual_pending(fake_db(), WH1, &count, &soonest),
	    DB_DOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, fake_db_setup, fake_db_teardown)
		T(idempotency_key_is_the_sources),
		T(event_insert_arguments),
		T(delivery_insert_arguments),
		T(delivery_insert_kept_and_unnumbered),
		T(event_list_and_body),
		T(list_first_page_is_scoped_and_maps_nulls),
		T(list_after_passes_the_keyset),
		T(list_fills_at_most_limit_rows),
		T(get_is_scoped_to_user_and_webhook),
		T(attempts_map_nulls_and_excerpt_bytes),
		T(attempts_fill_at_most_the_log),
		T(redeliver_is_scoped_and_notfound),
		T(manual_pending_reads_count_and_soonest),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
