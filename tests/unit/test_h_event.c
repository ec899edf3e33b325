/* SPDX-License-Identifier: MIT */
/* test_h_event.c: POST /webhooks/v1/events/ driven through service_handle,
 * with the template, user and webhook lookups, the ingest and the
 * dispatchers' wake-up wrapped (-Wl,--wrap=events_ingest,...): what the
 * ingest is asked for whom, and how its answers become the contract's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db_auth.h"
#include "events.h"
#include "fake_service.h"

#define EVENTS	"/webhooks/v1/events/"
#define TPL	"488f4644-057d-41e7-9a74-72c040602647"
#define TPL_UP	"488F4644-057D-41E7-9A74-72C040602647"
#define NAME	"invoice_extraction"
#define WID	"0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"
#define EVID	"0193a3c6-0000-7000-8000-000000000001"
#define DISABLED_WID "d193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"
#define OWNER	9

/* What a wrapped call saw of an optional string. */
#define OPT(s)	((s) != NULL ? (s) : "(none)")

static struct template_row	tpl_row;

/* will_return: the template found (NULL: none), the user id, the webhook
 * id ("" for none), then rc.  The webhook is enabled unless its id starts
 * with "d" (DISABLED_WID). */
enum db_rc	__wrap_db_event_resolve(struct db *, const char *, const char *,
		    const char *, struct template_row *, uint64_t *,
		    char[WH_UUID_LEN + 1], int *);
enum db_rc
__wrap_db_event_resolve(struct db *db, const char *tpl_id,
    const char *tpl_name, const char *username, struct template_row *tpl,
    uint64_t *user_id, char webhook_id[WH_UUID_LEN + 1], int *enabled)
{
	const struct template_row	*row;

	(void)db;
	tpl_id = OPT(tpl_id);
	check_expected(tpl_id);
	check_expected(tpl_name);
	check_expected(username);
	if ((row = mock_ptr_type(const struct template_row *)) != NULL)
		*tpl = *row;
	*user_id = mock_type(uint64_t);
	snprintf(webhook_id, WH_UUID_LEN + 1, "%s", mock_ptr_type(const char *));
	*enabled = webhook_id[0] != '\0' && webhook_id[0] != 'd';
	return mock_type(enum db_rc);
}

/* The stored answer of a key: will_return the deliveries, then rc (the
 * id is EVID). */
enum db_rc	__wrap_db_event_by_idempotency(struct db *, uint64_t,
		    const char *, char[WH_UUID_LEN + 1], int *);
enum db_rc
__wrap_db_event_by_idempotency(struct db *db, uint64_t source_user_id,
    const char *key, char id[WH_UUID_LEN + 1], int *deliveries)
{
	(void)db;
	check_expected(source_user_id);
	check_expected(key);
	snprintf(id, WH_UUID_LEN + 1, "%s", EVID);
	*deliveries = mock_type(int);
	return mock_type(enum db_rc);
}

static void
will_look_up_key(const char *key, int deliveries, enum db_rc rc)
{
	expect_value(__wrap_db_event_by_idempotency, source_user_id, 500);
	expect_string(__wrap_db_event_by_idempotency, key, key);
	will_return(__wrap_db_event_by_idempotency, deliveries);
	will_return(__wrap_db_event_by_idempotency, rc);
}

/* The lookups one by one, when the one query found nothing: rc only. */
enum db_rc	__wrap_db_template_get(struct db *, const char *,
		    struct template_row *);
enum db_rc
__wrap_db_template_get(struct db *db, const char *id, struct template_row *out)
{
	enum db_rc	rc;

	(void)db;
	check_expected(id);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		*out = tpl_row;
	return rc;
}

enum db_rc	__wrap_db_template_get_by_name(struct db *, const char *,
		    struct template_row *);
enum db_rc
__wrap_db_template_get_by_name(struct db *db, const char *name,
    struct template_row *out)
{
	enum db_rc	rc;

	(void)db;
	check_expected(name);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		*out = tpl_row;
	return rc;
}

enum db_rc	__wrap_db_user_id(struct db *, const char *, uint64_t *);
enum db_rc
__wrap_db_user_id(struct db *db, const char *name, uint64_t *id)
{
	enum db_rc	rc;

	(void)db;
	check_expected(name);
	if ((rc = mock_type(enum db_rc)) == DB_OK)
		*id = OWNER;
	return rc;
}

/* will_return: deliveries, replayed, too_large, then rc. */
enum db_rc	__wrap_events_ingest(struct db *, const struct event_spec *,
		    struct event_result *);
enum db_rc
__wrap_events_ingest(struct db *db, const struct event_spec *e,
    struct event_result *r)
{
	uint64_t	 source_user_id = e->source_user_id;
	uint64_t	 user_id = e->user_id;
	const char	*tpl_id = e->tpl != NULL ? e->tpl->id : "(none)";
	const char	*owner_webhook_id = OPT(e->owner_webhook_id);
	int		 owner_enabled = e->owner_enabled;
	const char	*webhook_id = OPT(e->webhook_id);
	const char	*idempotency_key = OPT(e->idempotency_key);
	const char	*type = e->type;
	const char	*data = json_object_to_json_string_ext(e->data,
			    JSON_C_TO_STRING_PLAIN);
	int		 manual = e->manual, attempt_limit = e->attempt_limit;

	(void)db;
	check_expected(source_user_id);
	check_expected(user_id);
	check_expected(tpl_id);
	check_expected(owner_webhook_id);
	check_expected(owner_enabled);
	check_expected(webhook_id);
	check_expected(idempotency_key);
	check_expected(type);
	check_expected(data);
	check_expected(manual);
	check_expected(attempt_limit);
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", EVID);
	r->deliveries = mock_type(int);
	r->replayed = mock_type(int);
	r->too_large = mock_type(int);
	return mock_type(enum db_rc);
}

void	__wrap_events_notify(const char *);
void
__wrap_events_notify(const char *path)
{
	(void)path;
	function_called();
}

static void
will_resolve(const char *tpl_id, const char *name, const char *user,
    const char *wid, enum db_rc rc)
{
	expect_string(__wrap_db_event_resolve, tpl_id, tpl_id);
	expect_string(__wrap_db_event_resolve, tpl_name, name);
	expect_string(__wrap_db_event_resolve, username, user);
	will_return(__wrap_db_event_resolve, rc == DB_OK ? &tpl_row : NULL);
	will_return(__wrap_db_event_resolve, rc == DB_OK ? OWNER : 0);
	will_return(__wrap_db_event_resolve, rc == DB_OK ? wid : "");
	will_return(__wrap_db_event_resolve, rc);
}

/* The ingest of an event of NAME for OWNER, reported by the caller. */
static void
will_ingest(const char *wid, const char *key, const char *data,
    int deliveries, int replayed, int too_large, enum db_rc rc)
{
	expect_value(__wrap_events_ingest, source_user_id, fake_user_id);
	expect_value(__wrap_events_ingest, user_id, OWNER);
	expect_string(__wrap_events_ingest, tpl_id, TPL);
	expect_string(__wrap_events_ingest, owner_webhook_id, wid);
	expect_value(__wrap_events_ingest, owner_enabled,
	    wid[0] != '\0' && wid[0] != 'd');
	expect_string(__wrap_events_ingest, webhook_id, "(none)");
	expect_string(__wrap_events_ingest, idempotency_key, key);
	expect_string(__wrap_events_ingest, type, NAME ".completed");
	expect_string(__wrap_events_ingest, data, data);
	expect_value(__wrap_events_ingest, manual, 0);
	expect_value(__wrap_events_ingest, attempt_limit, 0);
	will_return(__wrap_events_ingest, deliveries);
	will_return(__wrap_events_ingest, replayed);
	will_return(__wrap_events_ingest, too_large);
	will_return(__wrap_events_ingest, rc);
}

/* Per test: the caller is the pipeline's service account. */
static int
service_caller(void **state)
{
	fake_reset(state);
	fake_user_id = 500;
	fake_is_service = 1;
	fake_template_row(&tpl_row, TPL, NAME);
	return 0;
}

#define BODY(tpl, user) "{\"api_template\": \"" tpl "\", \"user\": \"" \
	user "\", \"data\": {\"page\": 1, \"text\": \"ok\"}}"
#define DATA	"{\"page\":1,\"text\":\"ok\"}"

static void
event_by_name_is_ingested_for_its_owner_and_answered_202(void **state)
{
	struct fake	*f = *state;

	will_resolve("(none)", NAME, "bob", WID, DB_OK);
	will_ingest(WID, "(none)", DATA, 1, 0, 0, DB_OK);
	expect_function_call(__wrap_events_notify);
	assert_int_equal(fake_request(f, HTTP_POST, EVENTS, NULL,
	    BODY(NAME, "bob")), 202);
	assert_string_equal(fake_str(f, "id"), EVID);
	assert_int_equal(fake_int(f, "deliveries"), 1);
	assert_int_equal(json_object_object_length(f->json), 2);
}

/* A disabled webhook's event is kept (the ingest is told), not sent: no
 * dispatcher woken, deliveries 0. */
static void
event_for_a_disabled_webhook_is_kept_and_answered_0(void **state)
{
	struct fake	*f = *state;

	will_resolve("(none)", NAME, "bob", DISABLED_WID, DB_OK);
	will_ingest(DISABLED_WID, "(none)", DATA, 0, 0, 0, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, EVENTS, NULL,
	    BODY(NAME, "bob")), 202);
	assert_int_equal(fake_int(f, "deliveries"), 0);
}

static void
event_by_id_passes_the_key_and_a_replay_wakes_nobody(void **state)
{
	struct fake	*f = *state;

	/* the id lowercased for the lookup; the stored answer repeated */
	will_resolve(TPL, TPL_UP, "bob", WID, DB_OK);
	will_ingest(WID, "order-17", "{}", 1, 1, 0, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, EVENTS, NULL,
	    "{\"api_template\": \"" TPL_UP "\", \"user\": \"bob\", "
	    "\"data\": {}, \"idempotency_key\": \"order-17\"}"), 202);
	assert_string_equal(fake_str(f, "id"), EVID);
	assert_int_equal(fake_int(f, "deliveries"), 1);
}

/* The template and user of the body unknown: they are looked up one by
 * one (as for any 400)... */
static void
will_miss_both(const char *key)
{
	will_resolve("(none)", "gone_template", "gone", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get_by_name, name, "gone_template");
	will_return(__wrap_db_template_get_by_name, DB_NOTFOUND);
	expect_string(__wrap_db_user_id, name, "gone");
	will_return(__wrap_db_user_id, DB_NOTFOUND);
	if (key != NULL)
		will_look_up_key(key, 1, DB_OK);
}

#define GONE_BODY(key) "{\"api_template\": \"gone_template\", " \
	"\"user\": \"gone\", \"data\": {}, \"idempotency_key\": \"" key "\"}"

/* ...then a key sent before gets its stored answer, not the 400, even
 * though the body names a template and a user that do not exist. */
static void
a_stored_key_is_answered_when_its_template_is_gone(void **state)
{
	struct fake	*f = *state;

	will_miss_both("order-18");
	assert_int_equal(fake_request(f, HTTP_POST, EVENTS, NULL,
	    GONE_BODY("order-18")), 202);
	assert_string_equal(fake_str(f, "id"), EVID);
	assert_int_equal(fake_int(f, "deliveries"), 1);
	assert_int_equal(json_object_object_length(f->json), 2);
}

/* A key never sent: the 400 of the unknown fields. */
static void
a_new_key_with_unknown_fields_is_400(void **state)
{
	struct fake	*f = *state;

	will_miss_both(NULL);
	will_look_up_key("order-20", 0, DB_NOTFOUND);
	fake_request(f, HTTP_POST, EVENTS, NULL, GONE_BODY("order-20"));
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_int_equal(fake_len(f, "errors.user"), 1);
}

static void
a_key_lookup_failing_is_503(void **state)
{
	struct fake	*f = *state;

	will_miss_both(NULL);
	will_look_up_key("order-19", 0, DB_DOWN);
	fake_request(f, HTTP_POST, EVENTS, NULL, GONE_BODY("order-19"));
	fake_assert_error(f, 503, "unavailable");
}

static void
event_without_an_enabled_webhook_has_no_delivery(void **state)
{
	struct fake	*f = *state;

	will_resolve("(none)", NAME, "bob", "", DB_OK);
	will_ingest("", "(none)", DATA, 0, 0, 0, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, EVENTS, NULL,
	    BODY(NAME, "bob")), 202);
	assert_int_equal(fake_int(f, "deliveries"), 0);
}

static void
unknown_template_or_user_is_400_on_that_field(void **state)
{
	struct fake	*f = *state;

	/* the one query finds nothing: which is unknown is asked */
	will_resolve("(none)", "nope", "bob", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get_by_name, name, "nope");
	will_return(__wrap_db_template_get_by_name, DB_NOTFOUND);
	expect_string(__wrap_db_user_id, name, "bob");
	will_return(__wrap_db_user_id, DB_OK);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY("nope", "bob"));
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_false(fake_has(f, "errors.user"));
	/* by id, and the user unknown */
	will_resolve(TPL, TPL, "eve", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get, id, TPL);
	will_return(__wrap_db_template_get, DB_OK);
	expect_string(__wrap_db_user_id, name, "eve");
	will_return(__wrap_db_user_id, DB_NOTFOUND);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(TPL, "eve"));
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.user"), 1);
	assert_false(fake_has(f, "errors.api_template"));
}

static void
invalid_body_is_400_without_the_ingest(void **state)
{
	struct fake	*f = *state;

	/* data missing, an unknown user: both reported at once */
	will_resolve("(none)", NAME, "eve", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get_by_name, name, NAME);
	will_return(__wrap_db_template_get_by_name, DB_OK);
	expect_string(__wrap_db_user_id, name, "eve");
	will_return(__wrap_db_user_id, DB_NOTFOUND);
	fake_request(f, HTTP_POST, EVENTS, NULL, "{\"api_template\": \"" NAME
	    "\", \"user\": \"eve\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.data"), 1);
	assert_int_equal(fake_len(f, "errors.user"), 1);
	/* nothing valid to look up: no lookup at all */
	fake_request(f, HTTP_POST, EVENTS, NULL, "{\"api_template\": 1, "
	    "\"user\": \"\", \"data\": [], \"idempotency_key\": \"a b\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_int_equal(fake_len(f, "errors.user"), 1);
	assert_int_equal(fake_len(f, "errors.data"), 1);
	assert_int_equal(fake_len(f, "errors.idempotency_key"), 1);
}

static void
a_caller_without_the_service_role_is_403(void **state)
{
	struct fake	*f = *state;

	fake_is_service = 0;
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 403, "permission_denied");
}

static void
lookup_failures_are_503(void **state)
{
	struct fake	*f = *state;

	will_resolve("(none)", NAME, "bob", NULL, DB_DOWN);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 503, "unavailable");
	will_resolve("(none)", NAME, "bob", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get_by_name, name, NAME);
	will_return(__wrap_db_template_get_by_name, DB_DEADLOCK);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 503, "unavailable");
	will_resolve("(none)", NAME, "bob", NULL, DB_NOTFOUND);
	expect_string(__wrap_db_template_get_by_name, name, NAME);
	will_return(__wrap_db_template_get_by_name, DB_OK);
	expect_string(__wrap_db_user_id, name, "bob");
	will_return(__wrap_db_user_id, DB_ERR);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 503, "unavailable");
}

static void
ingest_failures_are_503_or_413(void **state)
{
	struct fake	*f = *state;

	will_resolve("(none)", NAME, "bob", WID, DB_OK);
	will_ingest(WID, "(none)", DATA, 0, 0, 0, DB_DOWN);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 503, "unavailable");
	will_resolve("(none)", NAME, "bob", WID, DB_OK);
	will_ingest(WID, "(none)", DATA, 0, 0, 0, DB_ERR);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 503, "unavailable");
	/* the delivery's body would be too large: nothing written */
	will_resolve("(none)", NAME, "bob", WID, DB_OK);
	will_ingest(WID, "(none)", DATA, 0, 0, 1, DB_ERR);
	fake_request(f, HTTP_POST, EVENTS, NULL, BODY(NAME, "bob"));
	fake_assert_error(f, 413, "too_large");
}

#define T(fn)	cmocka_unit_test_setup(fn, service_caller)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(event_by_name_is_ingested_for_its_owner_and_answered_202),
		T(event_for_a_disabled_webhook_is_kept_and_answered_0),
		T(event_by_id_passes_the_key_and_a_replay_wakes_nobody),
		T(a_stored_key_is_answered_when_its_template_is_gone),
		T(a_new_key_with_unknown_fields_is_400),
		T(a_key_lookup_failing_is_503),
		T(event_without_an_enabled_webhook_has_no_delivery),
		T(unknown_template_or_user_is_400_on_that_field),
		T(invalid_body_is_400_without_the_ingest),
		T(a_caller_without_the_service_role_is_403),
		T(lookup_failures_are_503),
		T(ingest_failures_are_503_or_413),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
