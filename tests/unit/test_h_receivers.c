/* SPDX-License-Identifier: MIT */
/* test_h_receivers.c: the receivers' handlers driven through
 * service_handle: a webhook's events (catch-up pages), its signing key and
 * its replays, with the database and domain calls wrapped
 * (-Wl,--wrap=db_event_list,...). */
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
#define TPL	"488f4644-057d-41e7-9a74-72c040602647"
#define JOB	"0193a3c9-0000-7000-8000-00000000aaaa"
#define HOOK	"/webhooks/v1/webhook/" WID "/"
#define PK	"whpk_PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw="

enum db_rc	__wrap_db_webhook_get(struct db *, uint64_t, const char *,
		    struct webhook_row *);
enum db_rc
__wrap_db_webhook_get(struct db *db, uint64_t user_id, const char *id,
    struct webhook_row *out)
{
	enum db_rc	rc;

	(void)db;
	(void)user_id;
	check_expected(id);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		fake_webhook_row(out, id, TPL);
	return rc;
}

/* will_return: the last sequence. */
enum db_rc	__wrap_db_sequence_last(struct db *, const char *, long long *);
enum db_rc
__wrap_db_sequence_last(struct db *db, const char *webhook_id, long long *last)
{
	(void)db;
	(void)webhook_id;
	*last = mock_type(long long);
	return DB_OK;
}

/* Rows numbered after + 1, after + 2, ...: will_return how many; row 1
 * (the second) is erased when the test says so via the global below. */
static int	erased_row = -1;
static long long row_body_len = 9;	/* each row's body length */
enum db_rc	__wrap_db_event_list(struct db *, uint64_t, const char *,
		    long long, long long, struct event_row *, int *);
enum db_rc
__wrap_db_event_list(struct db *db, uint64_t user_id, const char *webhook_id,
    long long after, long long limit, struct event_row *rows, int *n)
{
	int	count;

	(void)db;
	(void)user_id;
	(void)webhook_id;
	check_expected(after);
	check_expected(limit);
	count = mock_type(int);
	for (int i = 0; i < count; i++) {
		memset(&rows[i], 0, sizeof(rows[i]));
		snprintf(rows[i].delivery_id, sizeof(rows[i].delivery_id),
		    "0193a3c5-0000-7000-8000-0000000000%02u", (unsigned)i % 100);
		snprintf(rows[i].id, sizeof(rows[i].id),
		    "0193a3c6-0000-7000-8000-0000000000%02u", (unsigned)i % 100);
		rows[i].sequence = after + 1 + i;
		snprintf(rows[i].type, sizeof(rows[i].type), "x.completed");
		snprintf(rows[i].status, sizeof(rows[i].status), "succeeded");
		snprintf(rows[i].created_at, sizeof(rows[i].created_at),
		    "2026-11-29T10:30:00.123456Z");
		rows[i].body_len = row_body_len;
		rows[i].erased = i == erased_row;
	}
	*n = count;
	return DB_OK;
}

/* will_return per call: rc, then (DB_OK) erased-now. */
enum db_rc	__wrap_db_delivery_body(struct db *, const char *, char *,
		    size_t, size_t *, int *);
enum db_rc
__wrap_db_delivery_body(struct db *db, const char *delivery_id, char *out,
    size_t cap, size_t *len, int *erased)
{
	enum db_rc	rc = mock_type(enum db_rc);

	(void)db;
	(void)delivery_id;
	*len = 0;
	*erased = 0;
	if (rc == DB_OK && !(*erased = mock_type(int)))
		*len = (size_t)snprintf(out, cap, "{\"n\":%d}", 1);
	return rc;
}

enum db_rc	__wrap_act_signing_key_new(struct db *,
		    const struct crypto_keys *, const struct conf *, uint64_t,
		    const char *, struct signing_key_row *);
enum db_rc
__wrap_act_signing_key_new(struct db *db, const struct crypto_keys *keys,
    const struct conf *c, uint64_t user_id, const char *webhook_id,
    struct signing_key_row *out)
{
	(void)db;
	(void)keys;
	(void)c;
	(void)user_id;
	check_expected(webhook_id);
	memset(out, 0, sizeof(*out));
	snprintf(out->public_key, sizeof(out->public_key), "%s", PK);
	snprintf(out->created_at, sizeof(out->created_at),
	    "2026-12-07T22:50:00.000100Z");
	return mock_type(enum db_rc);
}

/* will_return: rc, exists. */
enum db_rc	__wrap_db_signing_key_get(struct db *, uint64_t, const char *,
		    struct signing_key_row *, int *);
enum db_rc
__wrap_db_signing_key_get(struct db *db, uint64_t user_id,
    const char *webhook_id, struct signing_key_row *out, int *exists)
{
	(void)db;
	(void)user_id;
	(void)webhook_id;
	memset(out, 0, sizeof(*out));
	snprintf(out->public_key, sizeof(out->public_key), "%s", PK);
	snprintf(out->created_at, sizeof(out->created_at),
	    "2026-12-07T22:50:00.000100Z");
	{
		enum db_rc rc = mock_type(enum db_rc);

		*exists = mock_type(int);
		return rc;
	}
}

enum db_rc	__wrap_db_signing_key_delete(struct db *, uint64_t,
		    const char *);
enum db_rc
__wrap_db_signing_key_delete(struct db *db, uint64_t user_id,
    const char *webhook_id)
{
	(void)db;
	(void)user_id;
	(void)webhook_id;
	return mock_type(enum db_rc);
}

/* will_return: rc, why, retry_s. */
enum db_rc	__wrap_act_replay_create(struct db *, const struct conf *,
		    uint64_t, const char *, const struct replay_filter *,
		    struct replay_row *, enum replay_refusal *, long long *);
enum db_rc
__wrap_act_replay_create(struct db *db, const struct conf *c,
    uint64_t user_id, const char *webhook_id, const struct replay_filter *f,
    struct replay_row *out, enum replay_refusal *why, long long *retry_s)
{
	const char	*since = f->since;

	(void)db;
	(void)c;
	(void)user_id;
	check_expected(since);
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", JOB);
	snprintf(out->webhook_id, sizeof(out->webhook_id), "%s", webhook_id);
	snprintf(out->status, sizeof(out->status), "running");
	out->f_after = f->after;
	out->matched = 3;
	snprintf(out->created_at, sizeof(out->created_at),
	    "2026-12-07T22:50:00.000100Z");
	memcpy(out->updated_at, out->created_at, sizeof(out->updated_at));
	{
		enum db_rc rc = mock_type(enum db_rc);

		*why = mock_type(enum replay_refusal);
		*retry_s = mock_type(long long);
		return rc;
	}
}

void	__wrap_events_notify(const char *);
void
__wrap_events_notify(const char *path)
{
	(void)path;
	function_called();
}

static void
will_webhook(enum db_rc rc)
{
	expect_string(__wrap_db_webhook_get, id, WID);
	will_return(__wrap_db_webhook_get, rc);
}

/* A full page: limit rows shown of limit + 1, next after the last shown. */
static void
events_page_and_next(void **state)
{
	struct fake	*f = *state;

	will_webhook(DB_OK);
	will_return(__wrap_db_sequence_last, 50);
	expect_value(__wrap_db_event_list, after, 40);
	expect_value(__wrap_db_event_list, limit, 3);
	will_return(__wrap_db_event_list, 3);
	for (int i = 0; i < 2; i++) {
		will_return(__wrap_db_delivery_body, DB_OK);
		will_return(__wrap_db_delivery_body, 0);
	}
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/",
	    "after=40&limit=2", NULL), 200);
	assert_int_equal(fake_int(f, "last_sequence"), 50);
	assert_int_equal(fake_len(f, "results"), 2);
	assert_int_equal(fake_int(f, "results.1.sequence"), 42);
	assert_int_equal(fake_int(f, "results.0.body.n"), 1);
	assert_string_equal(fake_str(f, "next"),
	    FAKE_BASE HOOK "events/?after=42&limit=2");
}

/* A row purged between the list and its body is passed over without
 * losing the page's place; one erased in between shows a null body; a
 * last_sequence read before the rows is never below them. */
static void
events_purged_and_erased_rows(void **state)
{
	struct fake	*f = *state;

	will_webhook(DB_OK);
	will_return(__wrap_db_sequence_last, 1);	/* read before: stale */
	expect_value(__wrap_db_event_list, after, 0);
	expect_value(__wrap_db_event_list, limit, 3);
	will_return(__wrap_db_event_list, 3);
	will_return(__wrap_db_delivery_body, DB_NOTFOUND);	/* purged */
	will_return(__wrap_db_delivery_body, DB_OK);
	will_return(__wrap_db_delivery_body, 1);		/* erased now */
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", "limit=2",
	    NULL), 200);
	assert_int_equal(fake_len(f, "results"), 1);
	assert_int_equal(fake_int(f, "results.0.sequence"), 2);
	assert_int_equal(fake_type(f, "results.0.body"), json_type_null);
	assert_true(fake_has(f, "results.0.body"));
	assert_int_equal(fake_int(f, "last_sequence"), 3);
	assert_string_equal(fake_str(f, "next"),
	    FAKE_BASE HOOK "events/?after=2&limit=2");
}

/* An erased row needs no body read; the last page has no next. */
static void
events_erased_row_and_the_end(void **state)
{
	struct fake	*f = *state;

	erased_row = 1;
	will_webhook(DB_OK);
	will_return(__wrap_db_sequence_last, 2);
	expect_value(__wrap_db_event_list, after, 0);
	expect_value(__wrap_db_event_list, limit, 21);
	will_return(__wrap_db_event_list, 2);
	will_return(__wrap_db_delivery_body, DB_OK);
	will_return(__wrap_db_delivery_body, 0);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", NULL, NULL),
	    200);
	erased_row = -1;
	assert_int_equal(fake_len(f, "results"), 2);
	assert_int_equal(fake_type(f, "results.1.body"), json_type_null);
	assert_int_equal(fake_type(f, "next"), json_type_null);
	assert_true(fake_has(f, "next"));
}

/* Bodies that would pass WH_EVENTS_PAGE_BYTES end the page early (one
 * event at least), next after the last shown. */
static void
events_page_stops_at_its_bytes(void **state)
{
	struct fake	*f = *state;

	row_body_len = WH_EVENTS_PAGE_BYTES / 2 + 1;
	will_webhook(DB_OK);
	will_return(__wrap_db_sequence_last, 9);
	expect_value(__wrap_db_event_list, after, 0);
	expect_value(__wrap_db_event_list, limit, 11);
	will_return(__wrap_db_event_list, 5);
	will_return(__wrap_db_delivery_body, DB_OK);	/* the first only */
	will_return(__wrap_db_delivery_body, 0);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", "limit=10",
	    NULL), 200);
	row_body_len = 9;
	assert_int_equal(fake_len(f, "results"), 1);
	assert_string_equal(fake_str(f, "next"),
	    FAKE_BASE HOOK "events/?after=1&limit=10");
}

static void
events_after_the_last_is_400_and_bad_after_before_lookup(void **state)
{
	struct fake	*f = *state;

	will_webhook(DB_OK);
	will_return(__wrap_db_sequence_last, 7);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", "after=8",
	    NULL), 400);
	fake_assert_error(f, 400, "invalid");
	assert_non_null(strstr(fake_str(f, "errors.after.0"), "its last is 7"));
	/* malformed: 400 before the webhook is looked up (no wrap called) */
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", "after=-1",
	    NULL), 400);
	assert_true(fake_has(f, "errors.after"));
	will_webhook(DB_NOTFOUND);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "events/", NULL, NULL),
	    404);
}

static void
signing_key_create_get_delete(void **state)
{
	struct fake	*f = *state;

	expect_string(__wrap_act_signing_key_new, webhook_id, WID);
	will_return(__wrap_act_signing_key_new, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "signing-key/", NULL,
	    NULL), 201);
	assert_string_equal(fake_str(f, "public_key"), PK);
	assert_int_equal(fake_type(f, "previous_public_key"), json_type_null);
	assert_string_equal(fake_header(f, "Location"),
	    HOOK "signing-key/");
	expect_string(__wrap_act_signing_key_new, webhook_id, WID);
	will_return(__wrap_act_signing_key_new, DB_NOTFOUND);
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "signing-key/", NULL,
	    NULL), 404);
	/* GET: none (the webhook exists) and not the caller's, both 404 */
	will_return(__wrap_db_signing_key_get, DB_NOTFOUND);
	will_return(__wrap_db_signing_key_get, 1);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "signing-key/", NULL,
	    NULL), 404);
	assert_non_null(strstr(fake_str(f, "detail"), "no signing key"));
	will_return(__wrap_db_signing_key_get, DB_NOTFOUND);
	will_return(__wrap_db_signing_key_get, 0);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "signing-key/", NULL,
	    NULL), 404);
	fake_assert_error(f, 404, "not_found");
	will_return(__wrap_db_signing_key_delete, DB_OK);
	assert_int_equal(fake_request(f, HTTP_DELETE, HOOK "signing-key/", NULL,
	    NULL), 204);
	will_return(__wrap_db_signing_key_delete, DB_NOTFOUND);
	will_return(__wrap_db_signing_key_get, DB_NOTFOUND);
	will_return(__wrap_db_signing_key_get, 1);
	assert_int_equal(fake_request(f, HTTP_DELETE, HOOK "signing-key/", NULL,
	    NULL), 404);
	will_return(__wrap_db_signing_key_get, DB_DOWN);
	will_return(__wrap_db_signing_key_get, 0);
	assert_int_equal(fake_request(f, HTTP_GET, HOOK "signing-key/", NULL,
	    NULL), 503);
}

static void
replay_created_refused_and_validated(void **state)
{
	struct fake	*f = *state;

	will_webhook(DB_OK);
	expect_string(__wrap_act_replay_create, since,
	    "2026-11-30 23:00:00.000000");
	will_return(__wrap_act_replay_create, DB_OK);
	will_return(__wrap_act_replay_create, 0);
	will_return(__wrap_act_replay_create, 0LL);
	expect_function_call(__wrap_events_notify);
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "replay/", NULL,
	    "{\"since\": \"2026-12-01T00:00:00+01:00\", \"after\": 4}"), 202);
	assert_string_equal(fake_str(f, "id"), JOB);
	assert_int_equal(fake_int(f, "filter.after"), 4);
	assert_string_equal(fake_header(f, "Location"),
	    HOOK "replay/" JOB "/");
	/* still running: 429 with its Retry-After */
	will_webhook(DB_OK);
	expect_string(__wrap_act_replay_create, since, "");
	will_return(__wrap_act_replay_create, DB_LIMIT);
	will_return(__wrap_act_replay_create, RP_RUNNING);
	will_return(__wrap_act_replay_create, 1LL);
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "replay/", NULL, "{}"),
	    429);
	fake_assert_error(f, 429, "too_many_replays");
	assert_string_equal(fake_header(f, "Retry-After"), "1");
	/* over the bound: 400 naming it */
	will_webhook(DB_OK);
	expect_string(__wrap_act_replay_create, since, "");
	will_return(__wrap_act_replay_create, DB_LIMIT);
	will_return(__wrap_act_replay_create, RP_TOO_MANY);
	will_return(__wrap_act_replay_create, 0LL);
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "replay/", NULL, "{}"),
	    400);
	assert_non_null(strstr(fake_str(f, "errors.non_field_errors.0"),
	    "10000"));
	/* until not after since: 400 before any lookup */
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "replay/", NULL,
	    "{\"since\": \"2026-12-01T00:00:00Z\", "
	    "\"until\": \"2026-12-01T00:00:00Z\"}"), 400);
	assert_true(fake_has(f, "errors.until"));
	assert_int_equal(fake_request(f, HTTP_POST, HOOK "replay/", NULL,
	    "{\"status\": \"succeeded\", \"after\": true}"), 400);
	assert_true(fake_has(f, "errors.status") && fake_has(f, "errors.after"));
}

#define T(fn)	cmocka_unit_test_setup(fn, fake_reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(events_page_and_next),
		T(events_purged_and_erased_rows),
		T(events_erased_row_and_the_end),
		T(events_page_stops_at_its_bytes),
		T(events_after_the_last_is_400_and_bad_after_before_lookup),
		T(signing_key_create_get_delete),
		T(replay_created_refused_and_validated),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
