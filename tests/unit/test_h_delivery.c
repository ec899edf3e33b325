/* SPDX-License-Identifier: MIT */
/* test_h_delivery.c: the delivery handlers (test, list by cursor, one with
 * its attempt log, redeliver) driven through service_handle, with the
 * webhook lookup, the domain calls and the dispatchers' wake-up wrapped
 * (-Wl,--wrap=act_webhook_test,...). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "fake_service.h"

#define WID	"0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"
#define WID_UP	"0193A3C4-5B2E-7C1D-9F00-2A3B4C5D6E7F"
#define TPL	"488f4644-057d-41e7-9a74-72c040602647"
#define DID	"0193a3c5-0000-7000-8000-00000000abcd"
#define DID_UP	"0193A3C5-0000-7000-8000-00000000ABCD"
#define HOOK	"/webhooks/v1/webhook/" WID "/"
#define LIST	HOOK "deliveries/"
#define ONE	LIST DID "/"

/* A delivery row as the database gives it; row i of a page has an id and
 * a cursor of its own. */
static void
delivery_row(struct delivery_row *d, const char *id, unsigned i)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s", id);
	snprintf(d->event_id, sizeof(d->event_id),
	    "0193a3c5-1111-7000-8000-0000000000%02u", i % 100);
	snprintf(d->event_type, sizeof(d->event_type), "webhook.test");
	snprintf(d->status, sizeof(d->status), "pending");
	d->response_code = -1;
	d->duration_ms = -1;
	snprintf(d->created_at, sizeof(d->created_at),
	    "2026-11-29T10:30:%02u.123456Z", i % 60);
	snprintf(d->next_attempt_at, sizeof(d->next_attempt_at),
	    "2026-11-29T10:31:00.000000Z");
	snprintf(d->cursor, sizeof(d->cursor), "202611291030%02u123456",
	    i % 60);
}

/* The view of a delivery that had nlog attempts, the last one failed. */
static void
fill_view(struct delivery_view *v, int nlog)
{
	delivery_row(&v->d, DID, 0);
	v->d.attempts = nlog;
	for (int i = 0; i < nlog; i++) {
		struct attempt_row	*a = &v->log[i];

		memset(a, 0, sizeof(*a));
		snprintf(a->at, sizeof(a->at), "2026-11-29T10:30:0%u.000000Z",
		    (unsigned)i % 10);
		a->response_code = i == 0 ? -1 : 503;
		snprintf(a->error_class, sizeof(a->error_class), "%s",
		    i == 0 ? "dns" : "http_status");
		a->duration_ms = 12;
		a->dns_ms = 3;
		a->connect_ms = a->tls_ms = a->first_byte_ms = i == 0 ? -1 : 4;
		a->has_excerpt = i > 0;
		a->excerpt_len = (size_t)snprintf(a->excerpt, sizeof(a->excerpt),
		    "busy");
	}
	v->nlog = nlog;
}

/* The wrapped calls: arguments against expect_*(), answers from
 * will_return(). */

enum db_rc	__wrap_db_webhook_get(struct db *, uint64_t, const char *,
		    struct webhook_row *);
enum db_rc
__wrap_db_webhook_get(struct db *db, uint64_t user_id, const char *id,
    struct webhook_row *out)
{
	enum db_rc	rc;

	(void)db;
	check_expected(user_id);
	check_expected(id);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		fake_webhook_row(out, id, TPL);
	return rc;
}

/* will_return: the attempts of the view (-1: none filled), then rc. */
enum db_rc	__wrap_act_webhook_test(struct db *, const struct conf *,
		    uint64_t, const struct webhook_row *,
		    struct delivery_view *, long long *);
enum db_rc
__wrap_act_webhook_test(struct db *db, const struct conf *conf,
    uint64_t user_id, const struct webhook_row *w, struct delivery_view *out,
    long long *retry_s)
{
	const char	*webhook_id = w->id;
	int		 nlog;

	(void)db;
	(void)conf;
	check_expected(user_id);
	check_expected(webhook_id);
	if ((nlog = mock_type(int)) >= 0)
		fill_view(out, nlog);
	*retry_s = mock_type(long long);
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_act_delivery_read(struct db *, uint64_t, const char *,
		    const char *, struct delivery_view *);
enum db_rc
__wrap_act_delivery_read(struct db *db, uint64_t user_id,
    const char *webhook_id, const char *id, struct delivery_view *out)
{
	int	nlog;

	(void)db;
	check_expected(user_id);
	check_expected(webhook_id);
	check_expected(id);
	if ((nlog = mock_type(int)) >= 0)
		fill_view(out, nlog);
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_act_redeliver(struct db *, const struct conf *, uint64_t,
		    const char *, const char *, struct delivery_view *,
		    enum wh_err *, long long *);
enum db_rc
__wrap_act_redeliver(struct db *db, const struct conf *conf,
    uint64_t user_id, const char *webhook_id, const char *id,
    struct delivery_view *out, enum wh_err *limit, long long *retry_s)
{
	int	nlog;

	(void)db;
	(void)conf;
	check_expected(user_id);
	check_expected(webhook_id);
	check_expected(id);
	if ((nlog = mock_type(int)) >= 0)
		fill_view(out, nlog);
	*limit = mock_type(enum wh_err);
	*retry_s = mock_type(long long);
	return mock_type(enum db_rc);
}

/* will_return: how many rows come, then rc. */
enum db_rc	__wrap_db_delivery_list(struct db *, uint64_t, const char *,
		    const char *, const char *, long long,
		    struct delivery_row *, int *);
enum db_rc
__wrap_db_delivery_list(struct db *db, uint64_t user_id,
    const char *webhook_id, const char *after_at, const char *after_id,
    long long limit, struct delivery_row *rows, int *n)
{
	char	id[WH_UUID_LEN + 1];
	int	count;

	(void)db;
	check_expected(user_id);
	check_expected(webhook_id);
	after_at = after_at != NULL ? after_at : "(none)";
	after_id = after_id != NULL ? after_id : "(none)";
	check_expected(after_at);
	check_expected(after_id);
	check_expected(limit);
	count = mock_type(int);
	assert_true(count <= limit);
	for (int i = 0; i < count; i++) {
		snprintf(id, sizeof(id), "0193a3c5-0000-7000-8000-0000000000%02u",
		    (unsigned)i % 100);
		delivery_row(&rows[i], id, (unsigned)i);
	}
	*n = count;
	return mock_type(enum db_rc);
}

/* A 202 wakes the dispatchers: expect_function_call() says when. */
void	__wrap_events_notify(const char *);
void
__wrap_events_notify(const char *path)
{
	(void)path;
	function_called();
}

static void
will_webhook_get(uint64_t user, enum db_rc rc)
{
	expect_value(__wrap_db_webhook_get, user_id, user);
	expect_string(__wrap_db_webhook_get, id, WID);
	will_return(__wrap_db_webhook_get, rc);
}

static void
will_test(uint64_t user, int nlog, long long retry_s, enum db_rc rc)
{
	expect_value(__wrap_act_webhook_test, user_id, user);
	expect_string(__wrap_act_webhook_test, webhook_id, WID);
	will_return(__wrap_act_webhook_test, nlog);
	will_return(__wrap_act_webhook_test, retry_s);
	will_return(__wrap_act_webhook_test, rc);
}

static void
will_read(uint64_t user, int nlog, enum db_rc rc)
{
	expect_value(__wrap_act_delivery_read, user_id, user);
	expect_string(__wrap_act_delivery_read, webhook_id, WID);
	expect_string(__wrap_act_delivery_read, id, DID);
	will_return(__wrap_act_delivery_read, nlog);
	will_return(__wrap_act_delivery_read, rc);
}

static void
will_redeliver(uint64_t user, int nlog, enum wh_err limit, long long retry_s,
    enum db_rc rc)
{
	expect_value(__wrap_act_redeliver, user_id, user);
	expect_string(__wrap_act_redeliver, webhook_id, WID);
	expect_string(__wrap_act_redeliver, id, DID);
	will_return(__wrap_act_redeliver, nlog);
	will_return(__wrap_act_redeliver, limit);
	will_return(__wrap_act_redeliver, retry_s);
	will_return(__wrap_act_redeliver, rc);
}

static void
will_list(uint64_t user, const char *after_at, const char *after_id,
    long long limit, int rows, enum db_rc rc)
{
	expect_value(__wrap_db_delivery_list, user_id, user);
	expect_string(__wrap_db_delivery_list, webhook_id, WID);
	expect_string(__wrap_db_delivery_list, after_at, after_at);
	expect_string(__wrap_db_delivery_list, after_id, after_id);
	expect_value(__wrap_db_delivery_list, limit, limit);
	will_return(__wrap_db_delivery_list, rows);
	will_return(__wrap_db_delivery_list, rc);
}

/* The contract's delivery at path p of the answer ("" for the top). */
static void
assert_delivery(const struct fake *f, const char *p)
{
	char	k[96];

#define AT(m)	(snprintf(k, sizeof(k), "%s%s%s", p, *p ? "." : "", m), k)
	assert_int_equal(fake_type(f, AT("id")), json_type_string);
	assert_int_equal(fake_type(f, AT("event_id")), json_type_string);
	assert_int_equal(fake_type(f, AT("event_type")), json_type_string);
	assert_int_equal(fake_type(f, AT("status")), json_type_string);
	assert_int_equal(fake_type(f, AT("attempts")), json_type_int);
	assert_true(fake_has(f, AT("response_code")));
	assert_true(fake_has(f, AT("error")));
	assert_true(fake_has(f, AT("duration_ms")));
	assert_int_equal(fake_type(f, AT("created_at")), json_type_string);
	assert_true(fake_has(f, AT("last_attempt_at")));
	assert_int_equal(fake_type(f, AT("next_attempt_at")), json_type_string);
#undef AT
}

/* --- test/ --- */

static void
test_queues_for_the_callers_webhook_and_answers_202(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 11;
	/* the path's id lowercased; no body, no Content-Type needed */
	will_webhook_get(11, DB_OK);
	will_test(11, 0, 0, DB_OK);
	expect_function_call(__wrap_events_notify);
	assert_int_equal(fake_request(f, HTTP_POST, "/webhooks/v1/webhook/"
	    WID_UP "/test/", NULL, NULL), 202);
	assert_delivery(f, "");
	assert_string_equal(fake_str(f, "id"), DID);
	assert_string_equal(fake_str(f, "event_type"), "webhook.test");
	assert_int_equal(fake_int(f, "attempts"), 0);
	assert_int_equal(fake_type(f, "response_code"), json_type_null);
	assert_int_equal(fake_len(f, "attempt_log"), 0);
}

static void
test_over_the_pending_bound_is_429_with_retry_after(void **state)
{
	struct fake	*f = *state;

	/* no expect_function_call: waking the dispatchers fails the test */
	will_webhook_get(42, DB_OK);
	will_test(42, -1, 30, DB_LIMIT);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 429, "too_many_pending");
	assert_non_null(fake_header(f, "Retry-After"));
	assert_string_equal(fake_header(f, "Retry-After"), "30");
	/* due now: at least a second */
	will_webhook_get(42, DB_OK);
	will_test(42, -1, 0, DB_LIMIT);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 429, "too_many_pending");
	assert_string_equal(fake_header(f, "Retry-After"), "1");
}

static void
test_result_mapping(void **state)
{
	struct fake	*f = *state;

	/* not the caller's webhook: no test queued */
	will_webhook_get(42, DB_NOTFOUND);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_DOWN);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* deleted in between */
	will_webhook_get(42, DB_OK);
	will_test(42, -1, 0, DB_NOTFOUND);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_test(42, -1, 0, DB_DOWN);
	fake_request(f, HTTP_POST, HOOK "test/", NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* a malformed id: nothing looked up */
	fake_request(f, HTTP_POST, "/webhooks/v1/webhook/x/test/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
}

/* --- deliveries/{id}/ --- */

static void
get_reads_the_delivery_of_the_callers_webhook(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 12;
	will_webhook_get(12, DB_OK);
	will_read(12, 2, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST DID_UP "/", NULL,
	    NULL), 200);
	assert_delivery(f, "");
	assert_string_equal(fake_str(f, "id"), DID);
	assert_int_equal(fake_int(f, "attempts"), 2);
	assert_int_equal(fake_len(f, "attempt_log"), 2);
	assert_int_equal(fake_type(f, "attempt_log.0.at"), json_type_string);
	assert_int_equal(fake_type(f, "attempt_log.0.response_code"),
	    json_type_null);
	assert_string_equal(fake_str(f, "attempt_log.0.error_class"), "dns");
	assert_int_equal(fake_type(f, "attempt_log.0.response_excerpt"),
	    json_type_null);
	assert_int_equal(fake_int(f, "attempt_log.1.response_code"), 503);
	assert_int_equal(fake_int(f, "attempt_log.1.duration_ms"), 12);
	assert_int_equal(fake_type(f, "attempt_log.1.timings"),
	    json_type_object);
	assert_int_equal(fake_int(f, "attempt_log.1.timings.dns_ms"), 3);
	assert_int_equal(fake_type(f, "attempt_log.0.timings.tls_ms"),
	    json_type_null);
	assert_string_equal(fake_str(f, "attempt_log.1.response_excerpt"),
	    "busy");
}

static void
get_result_mapping(void **state)
{
	struct fake	*f = *state;

	will_webhook_get(42, DB_NOTFOUND);
	fake_request(f, HTTP_GET, ONE, NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_read(42, -1, DB_NOTFOUND);
	fake_request(f, HTTP_GET, ONE, NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_read(42, -1, DB_DOWN);
	fake_request(f, HTTP_GET, ONE, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* a malformed delivery id: nothing looked up */
	fake_request(f, HTTP_GET, LIST "1234/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
}

/* --- deliveries/{id}/redeliver/ --- */

static void
redeliver_queues_it_again_and_answers_202(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 13;
	will_webhook_get(13, DB_OK);
	will_redeliver(13, 1, WH_OK, 0, DB_OK);
	expect_function_call(__wrap_events_notify);
	assert_int_equal(fake_request(f, HTTP_POST, LIST DID_UP "/redeliver/",
	    NULL, NULL), 202);
	assert_delivery(f, "");
	assert_string_equal(fake_str(f, "id"), DID);
	assert_int_equal(fake_len(f, "attempt_log"), 1);
}

static void
redeliver_limits_are_409_and_429(void **state)
{
	struct fake	*f = *state;

	/* out of attempts: 409, nothing to wait for */
	will_webhook_get(42, DB_OK);
	will_redeliver(42, -1, WH_E_ATTEMPT_LIMIT, 0, DB_LIMIT);
	fake_request(f, HTTP_POST, ONE "redeliver/", NULL, NULL);
	fake_assert_error(f, 409, "too_many_attempts");
	assert_null(fake_header(f, "Retry-After"));
	/* over the pending bound: 429 and when */
	will_webhook_get(42, DB_OK);
	will_redeliver(42, -1, WH_E_MANUAL_LIMIT, 7, DB_LIMIT);
	fake_request(f, HTTP_POST, ONE "redeliver/", NULL, NULL);
	fake_assert_error(f, 429, "too_many_pending");
	assert_string_equal(fake_header(f, "Retry-After"), "7");
}

static void
redeliver_result_mapping(void **state)
{
	struct fake	*f = *state;

	will_webhook_get(42, DB_NOTFOUND);
	fake_request(f, HTTP_POST, ONE "redeliver/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_redeliver(42, -1, WH_OK, 0, DB_NOTFOUND);
	fake_request(f, HTTP_POST, ONE "redeliver/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_redeliver(42, -1, WH_OK, 0, DB_DEADLOCK);
	fake_request(f, HTTP_POST, ONE "redeliver/", NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
}

/* --- deliveries/ --- */

static void
list_short_page_has_no_next(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 14;
	/* 20 by default, and one more to know of a next page */
	will_webhook_get(14, DB_OK);
	will_list(14, "(none)", "(none)", 21, 3, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, NULL, NULL), 200);
	assert_true(fake_has(f, "next"));
	assert_int_equal(fake_type(f, "next"), json_type_null);
	assert_int_equal(fake_len(f, "results"), 3);
	assert_delivery(f, "results.0");
	assert_delivery(f, "results.2");
	/* the list form has no attempt log */
	assert_false(fake_has(f, "results.0.attempt_log"));
	assert_false(fake_has(f, "count"));
}

static void
list_full_page_links_the_cursor_of_its_last_row(void **state)
{
	struct fake	*f = *state;

	will_webhook_get(42, DB_OK);
	will_list(42, "(none)", "(none)", 3, 3, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, "limit=2&x=1", NULL),
	    200);
	assert_int_equal(fake_len(f, "results"), 2);
	/* after row 1, the last one kept: its created_at digits and id */
	assert_string_equal(fake_str(f, "next"), FAKE_BASE LIST
	    "?cursor=20261129103001123456_0193a3c5-0000-7000-8000-000000000001"
	    "&limit=2&x=1");
}

static void
list_from_a_cursor_passes_its_position(void **state)
{
	struct fake	*f = *state;

	/* the cursor's digits as a DATETIME(6), its id lowercased; limit
	 * clamped to 100 */
	will_webhook_get(42, DB_OK);
	will_list(42, "2026-11-29 10:30:00.123456", DID, 101, 101, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, LIST, "cursor="
	    "20261129103000123456_" DID_UP "&limit=500", NULL), 200);
	assert_int_equal(fake_len(f, "results"), 100);
	assert_string_equal(fake_str(f, "next"), FAKE_BASE LIST
	    "?cursor=20261129103039123456_0193a3c5-0000-7000-8000-000000000099"
	    "&limit=500");
}

static void
list_result_mapping(void **state)
{
	struct fake	*f = *state;

	/* not the caller's webhook: its deliveries are not read */
	will_webhook_get(42, DB_NOTFOUND);
	fake_request(f, HTTP_GET, LIST, NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	will_webhook_get(42, DB_OK);
	will_list(42, "(none)", "(none)", 21, 0, DB_DOWN);
	fake_request(f, HTTP_GET, LIST, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* a malformed cursor: 400, nothing read */
	fake_request(f, HTTP_GET, LIST, "cursor=abc", NULL);
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.cursor"), 1);
}

#define T(fn)	cmocka_unit_test_setup(fn, fake_reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_queues_for_the_callers_webhook_and_answers_202),
		T(test_over_the_pending_bound_is_429_with_retry_after),
		T(test_result_mapping),
		T(get_reads_the_delivery_of_the_callers_webhook),
		T(get_result_mapping),
		T(redeliver_queues_it_again_and_answers_202),
		T(redeliver_limits_are_409_and_429),
		T(redeliver_result_mapping),
		T(list_short_page_has_no_next),
		T(list_full_page_links_the_cursor_of_its_last_row),
		T(list_from_a_cursor_passes_its_position),
		T(list_result_mapping),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
