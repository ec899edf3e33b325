/* SPDX-License-Identifier: MIT */
/* test_h_webhook.c: the webhook handlers (list, create, get, update,
 * delete) driven through service_handle, with the domain and database
 * calls they make wrapped (-Wl,--wrap=act_webhook_create,...): what they
 * are asked (the caller's id, the validated input) and how their answers
 * become the contract's. */
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
#define TPL_UP	"488F4644-057D-41E7-9A74-72C040602647"
#define TPL2	"588f4644-057d-41e7-9a74-72c040602647"
#define DUP	"0193a3c4-0000-7000-8000-000000000001"
#define BASE	"/webhooks/v1/webhook/"
#define ONE	BASE WID "/"
#define SECRET	"s3cr3t-never-echoed"

/* What a wrapped call saw of an optional string: absent, null or it. */
#define OPT(has, s)	(!(has) ? "(absent)" : (s) == NULL ? "(null)" : (s))

/* The wrapped calls: each checks its arguments against expect_*() and
 * answers from will_return(): a row to copy out (NULL: none), then rc. */

enum db_rc	__wrap_db_template_get(struct db *, const char *,
		    struct template_row *);
enum db_rc
__wrap_db_template_get(struct db *db, const char *id, struct template_row *out)
{
	const struct template_row	*row;

	(void)db;
	check_expected(id);
	if ((row = mock_ptr_type(const struct template_row *)) != NULL)
		*out = *row;
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_db_webhook_get(struct db *, uint64_t, const char *,
		    struct webhook_row *);
enum db_rc
__wrap_db_webhook_get(struct db *db, uint64_t user_id, const char *id,
    struct webhook_row *out)
{
	const struct webhook_row	*row;

	(void)db;
	check_expected(user_id);
	check_expected(id);
	if ((row = mock_ptr_type(const struct webhook_row *)) != NULL)
		*out = *row;
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_db_webhook_delete(struct db *, uint64_t, const char *);
enum db_rc
__wrap_db_webhook_delete(struct db *db, uint64_t user_id, const char *id)
{
	(void)db;
	check_expected(user_id);
	check_expected(id);
	return mock_type(enum db_rc);
}

/* The change of a create or an update, checked member by member. */
static void
check_change(const struct webhook_change *ch)
{
	const char	*url = OPT(ch->has_url, ch->url);
	const char	*status = OPT(ch->has_status, ch->status);
	const char	*secret = OPT(ch->has_secret, ch->secret);
	size_t		 secret_len = ch->has_secret ? ch->secret_len : 0;

	check_expected(url);
	check_expected(status);
	check_expected(secret);
	check_expected(secret_len);
}

static void
expect_change(const char *url, const char *status, const char *secret)
{
	expect_string(check_change, url, url);
	expect_string(check_change, status, status);
	expect_string(check_change, secret, secret);
	expect_value(check_change, secret_len, secret[0] == '(' ? 0 :
	    strlen(secret));
}

enum db_rc	__wrap_act_webhook_create(struct db *,
		    const struct crypto_keys *, uint64_t,
		    const struct template_row *, const struct webhook_change *,
		    struct webhook_row *, char[WH_UUID_LEN + 1]);
enum db_rc
__wrap_act_webhook_create(struct db *db, const struct crypto_keys *keys,
    uint64_t user_id, const struct template_row *tpl,
    const struct webhook_change *ch, struct webhook_row *out,
    char dup_id[WH_UUID_LEN + 1])
{
	const struct webhook_row	*row;
	const char			*dup, *tpl_id = tpl->id;

	(void)db;
	(void)keys;
	check_expected(user_id);
	check_expected(tpl_id);
	check_change(ch);
	if ((row = mock_ptr_type(const struct webhook_row *)) != NULL)
		*out = *row;
	if ((dup = mock_ptr_type(const char *)) != NULL)
		snprintf(dup_id, WH_UUID_LEN + 1, "%s", dup);
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_act_webhook_update(struct db *,
		    const struct crypto_keys *, const struct conf *, uint64_t,
		    struct webhook_row *, const struct webhook_change *);
enum db_rc
__wrap_act_webhook_update(struct db *db, const struct crypto_keys *keys,
    const struct conf *conf, uint64_t user_id, struct webhook_row *w,
    const struct webhook_change *ch)
{
	const struct webhook_row	*row;
	const char			*id = w->id;

	(void)db;
	(void)keys;
	(void)conf;
	check_expected(user_id);
	check_expected(id);
	check_change(ch);
	if ((row = mock_ptr_type(const struct webhook_row *)) != NULL)
		*w = *row;	/* the state after the update */
	return mock_type(enum db_rc);
}

/* Ids of listed rows: the i-th of a page. */
static void
row_id(char id[WH_UUID_LEN + 1], int i)
{
	snprintf(id, WH_UUID_LEN + 1, "0193a3c4-5b2e-7c1d-9f00-0000000000%02u",
	    (unsigned)i % 100);
}

enum db_rc	__wrap_db_webhook_list(struct db *, uint64_t,
		    const struct webhook_filter *, long long, long long,
		    struct webhook_row *, int *);
enum db_rc
__wrap_db_webhook_list(struct db *db, uint64_t user_id,
    const struct webhook_filter *flt, long long limit, long long offset,
    struct webhook_row *rows, int *n)
{
	const char	*status = flt->status ? flt->status : "(any)";
	const char	*api_template = flt->api_template ? flt->api_template :
			    "(any)";
	char		 id[WH_UUID_LEN + 1];
	int		 count;

	(void)db;
	check_expected(user_id);
	check_expected(status);
	check_expected(api_template);
	check_expected(limit);
	check_expected(offset);
	count = mock_type(int);
	assert_true(count <= limit);
	for (int i = 0; i < count; i++) {
		row_id(id, i);
		fake_webhook_row(&rows[i], id, TPL);
	}
	*n = count;
	return mock_type(enum db_rc);
}

enum db_rc	__wrap_db_webhook_count(struct db *, uint64_t,
		    const struct webhook_filter *, long long *);
enum db_rc
__wrap_db_webhook_count(struct db *db, uint64_t user_id,
    const struct webhook_filter *flt, long long *count)
{
	const char	*status = flt->status ? flt->status : "(any)";

	(void)db;
	check_expected(user_id);
	check_expected(status);
	*count = mock_type(long long);
	return mock_type(enum db_rc);
}

static void
will_template_get(const char *id, const struct template_row *row,
    enum db_rc rc)
{
	expect_string(__wrap_db_template_get, id, id);
	will_return(__wrap_db_template_get, row);
	will_return(__wrap_db_template_get, rc);
}

static void
will_webhook_get(uint64_t user, const char *id, const struct webhook_row *row,
    enum db_rc rc)
{
	expect_value(__wrap_db_webhook_get, user_id, user);
	expect_string(__wrap_db_webhook_get, id, id);
	will_return(__wrap_db_webhook_get, row);
	will_return(__wrap_db_webhook_get, rc);
}

static void
will_list(uint64_t user, const char *status, const char *tpl,
    long long limit, long long offset, int rows, enum db_rc rc)
{
	expect_value(__wrap_db_webhook_list, user_id, user);
	expect_string(__wrap_db_webhook_list, status, status);
	expect_string(__wrap_db_webhook_list, api_template, tpl);
	expect_value(__wrap_db_webhook_list, limit, limit);
	expect_value(__wrap_db_webhook_list, offset, offset);
	will_return(__wrap_db_webhook_list, rows);
	will_return(__wrap_db_webhook_list, rc);
}

static void
will_count(uint64_t user, const char *status, long long count, enum db_rc rc)
{
	expect_value(__wrap_db_webhook_count, user_id, user);
	expect_string(__wrap_db_webhook_count, status, status);
	will_return(__wrap_db_webhook_count, count);
	will_return(__wrap_db_webhook_count, rc);
}

/* The contract's webhook at path p of the answer ("" for the top). */
static void
assert_webhook(const struct fake *f, const char *p)
{
	char	k[96];

#define AT(m)	(snprintf(k, sizeof(k), "%s%s%s", p, *p ? "." : "", m), k)
	assert_int_equal(fake_type(f, AT("id")), json_type_string);
	assert_int_equal(fake_type(f, AT("api_template")), json_type_object);
	assert_int_equal(fake_type(f, AT("api_template.id")), json_type_string);
	assert_int_equal(fake_type(f, AT("api_template.name")),
	    json_type_string);
	assert_int_equal(fake_type(f, AT("api_template.display_name")),
	    json_type_string);
	assert_true(fake_has(f, AT("api_template.description")));
	assert_int_equal(fake_type(f, AT("endpoint_url")), json_type_string);
	assert_int_equal(fake_type(f, AT("status")), json_type_string);
	assert_int_equal(fake_type(f, AT("has_secret")), json_type_boolean);
	assert_string_equal(fake_str(f, AT("created_by")), FAKE_USERNAME);
	assert_int_equal(fake_type(f, AT("created_at")), json_type_string);
	assert_int_equal(fake_type(f, AT("updated_at")), json_type_string);
	assert_true(fake_has(f, AT("disabled_reason")));
	assert_int_equal(fake_type(f, AT("consecutive_failures")),
	    json_type_int);
	assert_true(fake_has(f, AT("last_delivery")));
	assert_false(fake_has(f, AT("secret")));
	assert_false(fake_has(f, AT("secret_hash")));
#undef AT
}

/* --- create --- */

static void
create_passes_caller_and_validated_input_and_answers_201(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;
	struct webhook_row	 made;

	fake_template_row(&tpl, TPL, "invoice_extraction");
	fake_webhook_row(&made, WID, TPL);
	made.has_secret = 1;
	fake_user_id = 1001;
	/* the template id lowercased, looked up as the last validation */
	will_template_get(TPL, &tpl, DB_OK);
	expect_value(__wrap_act_webhook_create, user_id, 1001);
	expect_string(__wrap_act_webhook_create, tpl_id, TPL);
	expect_change("https://example.com/hook", "(absent)", SECRET);
	will_return(__wrap_act_webhook_create, &made);
	will_return(__wrap_act_webhook_create, NULL);
	will_return(__wrap_act_webhook_create, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, BASE, NULL,
	    "{\"api_template\": \"" TPL_UP "\", \"endpoint_url\": "
	    "\"https://example.com/hook\", \"secret_hash\": \"" SECRET "\"}"),
	    201);
	assert_non_null(fake_header(f, "Location"));
	assert_string_equal(fake_header(f, "Location"), ONE);
	assert_webhook(f, "");
	assert_string_equal(fake_str(f, "id"), WID);
	assert_string_equal(fake_str(f, "api_template.id"), TPL);
	assert_true(json_object_get_boolean(fake_at(f, "has_secret")));
	assert_false(fake_answer_has(f, SECRET));
}

static void
create_passes_status_and_a_null_secret(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;
	struct webhook_row	 made;

	fake_template_row(&tpl, TPL, "invoice_extraction");
	fake_webhook_row(&made, WID, TPL);
	snprintf(made.status, sizeof(made.status), "disabled");
	will_template_get(TPL, &tpl, DB_OK);
	expect_value(__wrap_act_webhook_create, user_id, 42);
	expect_string(__wrap_act_webhook_create, tpl_id, TPL);
	expect_change("http://example.com/h", "disabled", "(null)");
	will_return(__wrap_act_webhook_create, &made);
	will_return(__wrap_act_webhook_create, NULL);
	will_return(__wrap_act_webhook_create, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, BASE, NULL,
	    "{\"api_template\": \"" TPL "\", \"endpoint_url\": "
	    "\"http://example.com/h\", \"secret_hash\": null, "
	    "\"status\": \"disabled\"}"), 201);
	assert_string_equal(fake_str(f, "status"), "disabled");
	assert_false(json_object_get_boolean(fake_at(f, "has_secret")));
}

static void
create_duplicate_is_409_with_the_existing_id(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;

	fake_template_row(&tpl, TPL, "invoice_extraction");
	will_template_get(TPL, &tpl, DB_OK);
	expect_value(__wrap_act_webhook_create, user_id, 42);
	expect_string(__wrap_act_webhook_create, tpl_id, TPL);
	expect_change("https://example.com/hook", "(absent)", SECRET);
	will_return(__wrap_act_webhook_create, NULL);
	will_return(__wrap_act_webhook_create, DUP);
	will_return(__wrap_act_webhook_create, DB_DUP);
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"" TPL
	    "\", \"endpoint_url\": \"https://example.com/hook\", "
	    "\"secret_hash\": \"" SECRET "\"}");
	fake_assert_error(f, 409, "duplicate");
	assert_string_equal(fake_str(f, "id"), DUP);
	assert_null(fake_header(f, "Location"));
	assert_false(fake_answer_has(f, SECRET));
}

/* Whatever else the create returns leaves it without effect: 503. */
static void
create_database_errors_are_503(void **state)
{
	static const enum db_rc	rcs[] = { DB_DOWN, DB_DEADLOCK, DB_ERR,
	    DB_LIMIT };
	struct fake		*f = *state;
	struct template_row	 tpl;

	fake_template_row(&tpl, TPL, "invoice_extraction");
	for (size_t i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		will_template_get(TPL, &tpl, DB_OK);
		expect_value(__wrap_act_webhook_create, user_id, 42);
		expect_string(__wrap_act_webhook_create, tpl_id, TPL);
		expect_change("https://example.com/hook", "(absent)",
		    "(absent)");
		will_return(__wrap_act_webhook_create, NULL);
		will_return(__wrap_act_webhook_create, NULL);
		will_return(__wrap_act_webhook_create, rcs[i]);
		fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \""
		    TPL "\", \"endpoint_url\": \"https://example.com/hook\"}");
		fake_assert_error(f, 503, "unavailable");
		assert_null(fake_header(f, "Location"));
		assert_non_null(fake_header(f, "Retry-After"));
		assert_string_equal(fake_header(f, "Retry-After"), "1");
	}
}

/* A create with its template cached: the domain, once, and its answer. */
static void
will_create(struct webhook_row *made, enum db_rc rc)
{
	expect_value(__wrap_act_webhook_create, user_id, 1001);
	expect_string(__wrap_act_webhook_create, tpl_id, TPL);
	expect_change("https://example.com/hook", "(absent)", "(absent)");
	will_return(__wrap_act_webhook_create, made);
	will_return(__wrap_act_webhook_create, NULL);
	will_return(__wrap_act_webhook_create, rc);
}

#define CREATE_BODY	"{\"api_template\": \"" TPL "\", \"endpoint_url\": " \
	"\"https://example.com/hook\"}"

/* The worker's template cache: a second create does not read the
 * template again (db_template_get is wrapped: an unexpected call fails). */
static void
create_takes_the_cached_template(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;
	struct webhook_row	 made;

	assert_non_null(f->svc.tpls = tpl_cache_new());
	fake_template_row(&tpl, TPL, "invoice_extraction");
	fake_webhook_row(&made, WID, TPL);
	fake_user_id = 1001;
	will_template_get(TPL, &tpl, DB_OK);
	will_create(&made, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, BASE, NULL, CREATE_BODY), 201);
	will_create(&made, DB_OK);
	assert_int_equal(fake_request(f, HTTP_POST, BASE, NULL, CREATE_BODY), 201);
	assert_string_equal(fake_str(f, "api_template.name"), "invoice_extraction");
	tpl_cache_free(f->svc.tpls);
	f->svc.tpls = NULL;
}

/* Cached, then disabled: the insert finds it inactive (DB_NOTFOUND); the
 * answer is the same 400 as without the cache, and the copy is dropped. */
static void
create_on_a_template_disabled_since_it_was_cached_is_400(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;
	struct webhook_row	 made;

	assert_non_null(f->svc.tpls = tpl_cache_new());
	fake_template_row(&tpl, TPL, "invoice_extraction");
	fake_webhook_row(&made, WID, TPL);
	fake_user_id = 1001;
	tpl_cache_put(f->svc.tpls, &tpl);
	will_create(NULL, DB_NOTFOUND);
	fake_request(f, HTTP_POST, BASE, NULL, CREATE_BODY);
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_null(fake_header(f, "Location"));
	/* dropped: the next create asks the database */
	will_template_get(TPL, NULL, DB_NOTFOUND);
	fake_request(f, HTTP_POST, BASE, NULL, CREATE_BODY);
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	tpl_cache_free(f->svc.tpls);
	f->svc.tpls = NULL;
}

/* Other fields invalid: the template is asked of the database, so that
 * the one 400 says every problem, the cache notwithstanding. */
static void
create_with_other_errors_does_not_trust_the_cache(void **state)
{
	struct fake		*f = *state;
	struct template_row	 tpl;

	assert_non_null(f->svc.tpls = tpl_cache_new());
	fake_template_row(&tpl, TPL, "invoice_extraction");
	tpl_cache_put(f->svc.tpls, &tpl);
	will_template_get(TPL, NULL, DB_NOTFOUND);
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"" TPL
	    "\", \"endpoint_url\": \"ftp://example.com/hook\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_int_equal(fake_len(f, "errors.endpoint_url"), 1);
	tpl_cache_free(f->svc.tpls);
	f->svc.tpls = NULL;
}

static void
create_with_an_inactive_template_is_400_without_the_domain(void **state)
{
	struct fake	*f = *state;

	/* act_webhook_create has nothing queued: a call fails the test */
	will_template_get(TPL, NULL, DB_NOTFOUND);
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"" TPL
	    "\", \"endpoint_url\": \"https://example.com/hook\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	/* the template's lookup failing is the outage's 503, not a 400 */
	will_template_get(TPL, NULL, DB_DOWN);
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"" TPL
	    "\", \"endpoint_url\": \"https://example.com/hook\"}");
	fake_assert_error(f, 503, "unavailable");
}

static void
create_invalid_fields_are_400_together_without_the_domain(void **state)
{
	struct fake	*f = *state;

	/* the template exists, the URL and the secret do not pass: both
	 * reported, nothing created, the secret not echoed */
	will_template_get(TPL, NULL, DB_OK);
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"" TPL
	    "\", \"endpoint_url\": \"ftp://example.com/\", "
	    "\"secret_hash\": \"bad\\u0001" SECRET "\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.endpoint_url"), 1);
	assert_int_equal(fake_len(f, "errors.secret_hash"), 1);
	assert_false(fake_has(f, "errors.api_template"));
	assert_false(fake_answer_has(f, SECRET));
	/* a malformed template is not looked up at all */
	fake_request(f, HTTP_POST, BASE, NULL, "{\"api_template\": \"x\", "
	    "\"endpoint_url\": \"https://example.com/hook\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
}

/* --- get --- */

static void
get_is_scoped_to_the_caller_and_answers_the_webhook(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w;

	fake_webhook_row(&w, WID, TPL);
	w.has_secret = 1;
	snprintf(w.last_at, sizeof(w.last_at), "2026-11-29T11:00:00.000001Z");
	snprintf(w.last_status, sizeof(w.last_status), "failed");
	w.last_code = 500;
	fake_user_id = 77;
	/* the path's id, lowercased */
	will_webhook_get(77, WID, &w, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, BASE WID_UP "/", NULL,
	    NULL), 200);
	assert_webhook(f, "");
	assert_string_equal(fake_str(f, "id"), WID);
	assert_true(json_object_get_boolean(fake_at(f, "has_secret")));
	assert_string_equal(fake_str(f, "last_delivery.status"), "failed");
	assert_int_equal(fake_int(f, "last_delivery.response_code"), 500);
	assert_null(fake_header(f, "Location"));
}

/* The one mapping: DB_NOTFOUND 404, anything else 503, never a 500. */
static void
get_result_mapping(void **state)
{
	static const struct {
		enum db_rc	 rc;
		int		 status;
		const char	*code;
	} rows[] = {
		{ DB_NOTFOUND, 404, "not_found" },
		{ DB_DOWN, 503, "unavailable" },
		{ DB_DEADLOCK, 503, "unavailable" },
		{ DB_ERR, 503, "unavailable" },
		{ DB_DUP, 503, "unavailable" },
		{ DB_LIMIT, 503, "unavailable" },
	};
	struct fake	*f = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		will_webhook_get(42, WID, NULL, rows[i].rc);
		fake_request(f, HTTP_GET, ONE, NULL, NULL);
		fake_assert_error(f, rows[i].status, rows[i].code);
	}
}

static void
get_malformed_id_is_404_without_the_database(void **state)
{
	struct fake	*f = *state;

	fake_request(f, HTTP_GET, BASE "0193a3c4-5b2e-7c1d-9f00/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
}

/* --- update --- */

static void
patch_reads_the_callers_webhook_and_answers_its_new_state(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w, after;

	fake_webhook_row(&w, WID, TPL);
	after = w;
	snprintf(after.status, sizeof(after.status), "disabled");
	snprintf(after.disabled_reason, sizeof(after.disabled_reason),
	    "manual");
	fake_user_id = 5;
	will_webhook_get(5, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 5);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("(absent)", "disabled", "(absent)");
	will_return(__wrap_act_webhook_update, &after);
	will_return(__wrap_act_webhook_update, DB_OK);
	assert_int_equal(fake_request(f, HTTP_PATCH, BASE WID_UP "/", NULL,
	    "{\"status\": \"disabled\"}"), 200);
	assert_webhook(f, "");
	assert_string_equal(fake_str(f, "status"), "disabled");
	assert_string_equal(fake_str(f, "disabled_reason"), "manual");
}

static void
patch_secret_is_passed_on_and_never_answered(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w, after;

	fake_webhook_row(&w, WID, TPL);
	after = w;
	after.has_secret = 1;
	will_webhook_get(42, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 42);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("https://example.org/new", "(absent)", SECRET);
	will_return(__wrap_act_webhook_update, &after);
	will_return(__wrap_act_webhook_update, DB_OK);
	assert_int_equal(fake_request(f, HTTP_PATCH, ONE, NULL,
	    "{\"endpoint_url\": \"https://example.org/new\", "
	    "\"secret_hash\": \"" SECRET "\"}"), 200);
	assert_true(json_object_get_boolean(fake_at(f, "has_secret")));
	assert_false(fake_answer_has(f, SECRET));
	/* null removes it */
	after.has_secret = 0;
	will_webhook_get(42, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 42);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("(absent)", "(absent)", "(null)");
	will_return(__wrap_act_webhook_update, &after);
	will_return(__wrap_act_webhook_update, DB_OK);
	assert_int_equal(fake_request(f, HTTP_PATCH, ONE, NULL,
	    "{\"secret_hash\": null}"), 200);
	assert_false(json_object_get_boolean(fake_at(f, "has_secret")));
}

static void
put_with_the_current_template_is_accepted(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w;

	fake_webhook_row(&w, WID, TPL);
	will_webhook_get(42, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 42);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("https://example.com/hook", "enabled", "(absent)");
	will_return(__wrap_act_webhook_update, NULL);
	will_return(__wrap_act_webhook_update, DB_OK);
	assert_int_equal(fake_request(f, HTTP_PUT, ONE, NULL,
	    "{\"api_template\": \"" TPL_UP "\", \"endpoint_url\": "
	    "\"https://example.com/hook\", \"status\": \"enabled\"}"), 200);
	assert_string_equal(fake_str(f, "id"), WID);
}

static void
changing_the_template_is_400_without_the_domain(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w;

	fake_webhook_row(&w, WID, TPL);
	will_webhook_get(42, WID, &w, DB_OK);
	fake_request(f, HTTP_PATCH, ONE, NULL, "{\"api_template\": \"" TPL2
	    "\", \"status\": \"bogus\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.api_template"), 1);
	assert_int_equal(fake_len(f, "errors.status"), 1);
}

static void
invalid_update_is_400_before_any_lookup(void **state)
{
	struct fake	*f = *state;

	/* PUT needs endpoint_url: nothing is read, nothing written */
	fake_request(f, HTTP_PUT, ONE, NULL, "{\"status\": \"enabled\"}");
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.endpoint_url"), 1);
	/* 400 before the malformed id's 404 */
	fake_request(f, HTTP_PATCH, BASE "nope/", NULL, "{\"status\": 1}");
	fake_assert_error(f, 400, "invalid");
	fake_request(f, HTTP_PATCH, BASE "nope/", NULL, "{\"status\": "
	    "\"enabled\"}");
	fake_assert_error(f, 404, "not_found");
}

static void
update_result_mapping(void **state)
{
	struct fake		*f = *state;
	struct webhook_row	 w;

	fake_webhook_row(&w, WID, TPL);
	/* not the caller's */
	will_webhook_get(42, WID, NULL, DB_NOTFOUND);
	fake_request(f, HTTP_PATCH, ONE, NULL, "{\"status\": \"enabled\"}");
	fake_assert_error(f, 404, "not_found");
	/* the read fails */
	will_webhook_get(42, WID, NULL, DB_DOWN);
	fake_request(f, HTTP_PATCH, ONE, NULL, "{\"status\": \"enabled\"}");
	fake_assert_error(f, 503, "unavailable");
	/* deleted between the read and the write */
	will_webhook_get(42, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 42);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("(absent)", "enabled", "(absent)");
	will_return(__wrap_act_webhook_update, NULL);
	will_return(__wrap_act_webhook_update, DB_NOTFOUND);
	fake_request(f, HTTP_PATCH, ONE, NULL, "{\"status\": \"enabled\"}");
	fake_assert_error(f, 404, "not_found");
	/* the write fails */
	will_webhook_get(42, WID, &w, DB_OK);
	expect_value(__wrap_act_webhook_update, user_id, 42);
	expect_string(__wrap_act_webhook_update, id, WID);
	expect_change("(absent)", "enabled", "(absent)");
	will_return(__wrap_act_webhook_update, NULL);
	will_return(__wrap_act_webhook_update, DB_DEADLOCK);
	fake_request(f, HTTP_PATCH, ONE, NULL, "{\"status\": \"enabled\"}");
	fake_assert_error(f, 503, "unavailable");
}

/* --- delete --- */

static void
delete_is_scoped_and_answers_204_without_a_body(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 9;
	expect_value(__wrap_db_webhook_delete, user_id, 9);
	expect_string(__wrap_db_webhook_delete, id, WID);
	will_return(__wrap_db_webhook_delete, DB_OK);
	assert_int_equal(fake_request(f, HTTP_DELETE, BASE WID_UP, NULL,
	    NULL), 204);
	assert_int_equal(f->resp.body.len, 0);
	expect_value(__wrap_db_webhook_delete, user_id, 9);
	expect_string(__wrap_db_webhook_delete, id, WID);
	will_return(__wrap_db_webhook_delete, DB_NOTFOUND);
	fake_request(f, HTTP_DELETE, ONE, NULL, NULL);
	fake_assert_error(f, 404, "not_found");
	expect_value(__wrap_db_webhook_delete, user_id, 9);
	expect_string(__wrap_db_webhook_delete, id, WID);
	will_return(__wrap_db_webhook_delete, DB_DOWN);
	fake_request(f, HTTP_DELETE, ONE, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	/* a malformed id: no delete */
	fake_request(f, HTTP_DELETE, BASE "x/", NULL, NULL);
	fake_assert_error(f, 404, "not_found");
}

/* --- list --- */

static void
list_short_page_counts_from_the_rows_read(void **state)
{
	struct fake	*f = *state;

	fake_user_id = 3;
	/* the default page: 20 rows and one more to know of a next */
	will_list(3, "(any)", "(any)", 21, 0, 3, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, BASE, NULL, NULL), 200);
	assert_int_equal(fake_int(f, "count"), 3);
	assert_true(fake_has(f, "next"));
	assert_int_equal(fake_type(f, "next"), json_type_null);
	assert_true(fake_has(f, "previous"));
	assert_int_equal(fake_type(f, "previous"), json_type_null);
	assert_int_equal(fake_len(f, "results"), 3);
	assert_webhook(f, "results.0");
	assert_webhook(f, "results.2");
	assert_string_equal(fake_str(f, "results.0.id"),
	    "0193a3c4-5b2e-7c1d-9f00-000000000000");
	assert_string_equal(fake_str(f, "results.2.id"),
	    "0193a3c4-5b2e-7c1d-9f00-000000000002");
}

static void
list_full_page_asks_the_count_and_links_both_ways(void **state)
{
	struct fake	*f = *state;

	/* page 2 of size 2 reads rows 3 to 5; the third says there is more */
	will_list(42, "enabled", "(any)", 3, 2, 3, DB_OK);
	will_count(42, "enabled", 7, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, BASE, "page_size=2&page=2&"
	    "status=enabled&x=y", NULL), 200);
	assert_int_equal(fake_int(f, "count"), 7);
	assert_int_equal(fake_len(f, "results"), 2);
	assert_string_equal(fake_str(f, "next"), FAKE_BASE BASE
	    "?page_size=2&page=3&status=enabled&x=y");
	assert_string_equal(fake_str(f, "previous"), FAKE_BASE BASE
	    "?page_size=2&page=1&status=enabled&x=y");
}

static void
list_passes_the_validated_filters(void **state)
{
	struct fake	*f = *state;

	/* the template lowercased; page_size clamped to 100 */
	will_list(42, "disabled", TPL, 101, 0, 0, DB_OK);
	assert_int_equal(fake_request(f, HTTP_GET, BASE, "status=disabled&"
	    "api_template=" TPL_UP "&page_size=5000", NULL), 200);
	/* an empty list is page 1 with count 0 */
	assert_int_equal(fake_int(f, "count"), 0);
	assert_int_equal(fake_len(f, "results"), 0);
	assert_int_equal(fake_type(f, "next"), json_type_null);
	/* invalid filters: 400 and no query */
	fake_request(f, HTTP_GET, BASE, "status=on", NULL);
	fake_assert_error(f, 400, "invalid");
	assert_int_equal(fake_len(f, "errors.status"), 1);
}

static void
list_past_the_last_page_is_invalid_page(void **state)
{
	struct fake	*f = *state;

	will_list(42, "(any)", "(any)", 11, 20, 0, DB_OK);
	fake_request(f, HTTP_GET, BASE, "page=3&page_size=10", NULL);
	fake_assert_error(f, 404, "invalid_page");
}

static void
list_database_errors_are_503(void **state)
{
	struct fake	*f = *state;

	will_list(42, "(any)", "(any)", 21, 0, 0, DB_DOWN);
	fake_request(f, HTTP_GET, BASE, NULL, NULL);
	fake_assert_error(f, 503, "unavailable");
	will_list(42, "(any)", "(any)", 3, 0, 3, DB_OK);
	will_count(42, "(any)", 0, DB_DOWN);
	fake_request(f, HTTP_GET, BASE, "page_size=2", NULL);
	fake_assert_error(f, 503, "unavailable");
}

#define T(fn)	cmocka_unit_test_setup(fn, fake_reset)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(create_passes_caller_and_validated_input_and_answers_201),
		T(create_takes_the_cached_template),
		T(create_on_a_template_disabled_since_it_was_cached_is_400),
		T(create_with_other_errors_does_not_trust_the_cache),
		T(create_passes_status_and_a_null_secret),
		T(create_duplicate_is_409_with_the_existing_id),
		T(create_database_errors_are_503),
		T(create_with_an_inactive_template_is_400_without_the_domain),
		T(create_invalid_fields_are_400_together_without_the_domain),
		T(get_is_scoped_to_the_caller_and_answers_the_webhook),
		T(get_result_mapping),
		T(get_malformed_id_is_404_without_the_database),
		T(patch_reads_the_callers_webhook_and_answers_its_new_state),
		T(patch_secret_is_passed_on_and_never_answered),
		T(put_with_the_current_template_is_accepted),
		T(changing_the_template_is_400_without_the_domain),
		T(invalid_update_is_400_before_any_lookup),
		T(update_result_mapping),
		T(delete_is_scoped_and_answers_204_without_a_body),
		T(list_short_page_counts_from_the_rows_read),
		T(list_full_page_asks_the_count_and_links_both_ways),
		T(list_passes_the_validated_filters),
		T(list_past_the_last_page_is_invalid_page),
		T(list_database_errors_are_503),
	};

	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
