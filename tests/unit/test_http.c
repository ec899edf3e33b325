/* SPDX-License-Identifier: MIT */
/* test_http.c: media types, methods, Allow lists and the error body shape. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "http.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- http_is_json_type ---- */

struct ct_row {
	const char	*ct;
	int		 json;
};

static const struct ct_row ct_rows[] = {
	{ "application/json", 1 },
	{ "Application/JSON", 1 },
	{ "APPLICATION/JSON", 1 },
	{ "application/json; charset=utf-8", 1 },
	{ "application/json;charset=UTF-8", 1 },
	{ "application/json ; charset=utf-8", 1 },
	{ "application/json;", 1 },
	{ " application/json", 1 },
	{ "\tapplication/json\t", 1 },
	{ "application/json ", 1 },

	{ "application/jsonx", 0 },
	{ "application/json-patch+json", 0 },
	{ "application/json5", 0 },
	{ "application/json,text/plain", 0 },
	{ "application/jso", 0 },
	{ "application/", 0 },
	{ "application", 0 },
	{ "text/json", 0 },
	{ "text/plain", 0 },
	{ "application/x-www-form-urlencoded", 0 },
	{ "multipart/form-data; boundary=x", 0 },
	{ "application/xml", 0 },
	{ "application/vnd.api+json", 0 },
	{ "application /json", 0 },
	{ "application/ json", 0 },
	{ "xapplication/json", 0 },
	{ "", 0 },
	{ " ", 0 },
	{ NULL, 0 },
};

static void
test_json_type_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(ct_rows); i++) {
		int got = http_is_json_type(ct_rows[i].ct);

		if (got != ct_rows[i].json) {
			print_message("http_is_json_type row %zu: \"%s\": "
			    "expected %d, got %d\n", i,
			    ct_rows[i].ct ? ct_rows[i].ct : "(null)",
			    ct_rows[i].json, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- http_method_parse ---- */

static void
test_method_parse(void **state)
{
	static const struct {
		const char		*s;
		enum http_method	 m;
	} rows[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD },
		{ "POST", HTTP_POST }, { "PUT", HTTP_PUT },
		{ "PATCH", HTTP_PATCH }, { "DELETE", HTTP_DELETE },
		{ "OPTIONS", HTTP_OPTIONS },
		/* Methods are case-sensitive (RFC 9110). */
		{ "get", HTTP_OTHER }, { "Get", HTTP_OTHER },
		{ "TRACE", HTTP_OTHER }, { "CONNECT", HTTP_OTHER },
		{ "PROPFIND", HTTP_OTHER }, { "GETX", HTTP_OTHER },
		{ "GE", HTTP_OTHER }, { "GET ", HTTP_OTHER },
		{ "", HTTP_OTHER }, { NULL, HTTP_OTHER },
	};
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		enum http_method got = http_method_parse(rows[i].s);

		if (got != rows[i].m) {
			print_message("http_method_parse row %zu: \"%s\": "
			    "expected 0x%x, got 0x%x\n", i,
			    rows[i].s ? rows[i].s : "(null)",
			    (unsigned)rows[i].m, (unsigned)got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- resp_allow_list ---- */

static void
test_allow_list(void **state)
{
	static const struct {
		unsigned	 mask;
		const char	*want;
	} rows[] = {
		{ HTTP_GET | HTTP_HEAD | HTTP_POST, "GET, HEAD, POST" },
		{ HTTP_POST | HTTP_HEAD | HTTP_GET, "GET, HEAD, POST" },
		{ HTTP_GET, "GET" },
		{ HTTP_DELETE, "DELETE" },
		{ HTTP_GET | HTTP_HEAD | HTTP_PUT | HTTP_PATCH | HTTP_DELETE |
		    HTTP_OPTIONS,
		    "GET, HEAD, PUT, PATCH, DELETE, OPTIONS" },
		{ HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_PUT | HTTP_PATCH |
		    HTTP_DELETE | HTTP_OPTIONS,
		    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" },
		{ HTTP_POST | HTTP_OPTIONS, "POST, OPTIONS" },
		{ HTTP_OTHER, "" },
		{ 0, "" },
	};
	char	out[128];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		memset(out, 'X', sizeof(out));
		resp_allow_list(rows[i].mask, out, sizeof(out));
		if (strcmp(out, rows[i].want) != 0) {
			print_message("resp_allow_list row %zu: 0x%x: expected "
			    "\"%s\", got \"%s\"\n", i, rows[i].mask,
			    rows[i].want, out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A short buffer is cut, terminated and never overrun. */
static void
test_allow_list_short(void **state)
{
	struct {
		char	out[8];
		char	guard[16];
	} b;

	(void)state;
	memset(&b, 'G', sizeof(b));
	resp_allow_list(HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_DELETE, b.out,
	    sizeof(b.out));
	assert_string_equal(b.out, "GET, HE");
	for (size_t i = 0; i < sizeof(b.guard); i++)
		assert_int_equal(b.guard[i], 'G');

	memset(&b, 'G', sizeof(b));
	resp_allow_list(HTTP_GET, b.out, 1);
	assert_string_equal(b.out, "");
	assert_int_equal(b.out[1], 'G');
}

/* ---- responses ---- */

/* Parses r's body; the caller puts the object. */
static json_object *
body_of(const struct resp *r)
{
	json_object	*o;

	assert_non_null(r->body.data);
	o = json_tokener_parse(r->body.data);
	if (o == NULL)
		fail_msg("body is not JSON: %s", r->body.data);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static const char *
member_string(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no member \"%s\"", key);
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

struct err_row {
	enum wh_err	 e;
	int		 status;
	const char	*code;
	const char	*detail;	/* the default sentence */
};

static const struct err_row err_rows[] = {
	{ WH_E_NOT_FOUND, 404, "not_found", "Not found." },
	{ WH_E_INVALID_PAGE, 404, "invalid_page", "Invalid page." },
	{ WH_E_METHOD, 405, "method_not_allowed", "Method not allowed." },
	{ WH_E_NOT_AUTH, 401, "not_authenticated",
	    "Authentication credentials were not provided." },
	{ WH_E_AUTH_FAILED, 401, "authentication_failed", "Invalid token." },
	{ WH_E_PERMISSION, 403, "permission_denied", NULL },
	{ WH_E_TOO_LARGE, 413, "too_large", NULL },
	{ WH_E_MEDIA_TYPE, 415, "unsupported_media_type", NULL },
	{ WH_E_PARSE, 400, "parse_error", NULL },
	{ WH_E_INVALID, 400, "invalid", NULL },
	{ WH_E_DUPLICATE, 409, "duplicate", NULL },
	{ WH_E_UNAVAILABLE, 503, "unavailable", NULL },
	{ WH_E_NOMEM, 503, "unavailable", NULL },
};

static void
test_error_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(err_rows); i++) {
		const struct err_row *w = &err_rows[i];
		struct resp r;
		json_object *o, *v;
		const char *detail, *code;

		memset(&r, 0, sizeof(r));
		resp_error(&r, w->e, NULL, NULL);
		o = body_of(&r);
		detail = member_string(o, "detail");
		code = member_string(o, "code");
		if (r.status != w->status || strcmp(code, w->code) != 0 ||
		    *detail == '\0' ||
		    (w->detail != NULL && strcmp(detail, w->detail) != 0) ||
		    json_object_object_length(o) != 2 ||
		    json_object_object_get_ex(o, "errors", &v)) {
			print_message("resp_error row %zu (%d): got %d %s\n", i,
			    (int)w->e, r.status, r.body.data);
			bad++;
		}
		json_object_put(o);
		resp_free(&r);
	}
	assert_int_equal(bad, 0);
}

static void
test_error_not_found(void **state)
{
	struct resp	 r;
	json_object	*o;

	(void)state;
	memset(&r, 0, sizeof(r));
	resp_error(&r, WH_E_NOT_FOUND, NULL, NULL);
	assert_int_equal(r.status, 404);
	o = body_of(&r);
	assert_string_equal(member_string(o, "code"), "not_found");
	assert_string_equal(member_string(o, "detail"), "Not found.");
	json_object_put(o);
	resp_free(&r);
}

static void
test_error_auth_failed(void **state)
{
	struct resp	 r;
	json_object	*o;

	(void)state;
	memset(&r, 0, sizeof(r));
	resp_error(&r, WH_E_AUTH_FAILED, NULL, NULL);
	assert_int_equal(r.status, 401);
	o = body_of(&r);
	assert_string_equal(member_string(o, "code"),
	    "authentication_failed");
	assert_string_equal(member_string(o, "detail"), "Invalid token.");
	json_object_put(o);
	resp_free(&r);
}

/* A validation error carries errors: {"field": ["message", ...]}, and a
 * detail given by the caller, escaped as JSON. */
static void
test_error_invalid_with_errors(void **state)
{
	struct resp	 r;
	json_object	*errors, *list, *o, *e, *f;

	(void)state;
	memset(&r, 0, sizeof(r));
	errors = json_object_new_object();
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string(
	    "Enter a valid URL."));
	json_object_array_add(list, json_object_new_string("Second \"one\"."));
	json_object_object_add(errors, "endpoint_url", list);
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string(
	    "This field is required."));
	json_object_object_add(errors, "api_template", list);

	resp_error(&r, WH_E_INVALID, "Invalid \"input\"\n/here.", errors);
	assert_int_equal(r.status, 400);
	o = body_of(&r);
	assert_string_equal(member_string(o, "code"), "invalid");
	assert_string_equal(member_string(o, "detail"),
	    "Invalid \"input\"\n/here.");
	assert_true(json_object_object_get_ex(o, "errors", &e));
	assert_true(json_object_is_type(e, json_type_object));
	assert_int_equal(json_object_object_length(e), 2);
	assert_true(json_object_object_get_ex(e, "endpoint_url", &f));
	assert_true(json_object_is_type(f, json_type_array));
	assert_int_equal(json_object_array_length(f), 2);
	assert_string_equal(json_object_get_string(
	    json_object_array_get_idx(f, 0)), "Enter a valid URL.");
	assert_string_equal(json_object_get_string(
	    json_object_array_get_idx(f, 1)), "Second \"one\".");
	assert_true(json_object_object_get_ex(e, "api_template", &f));
	assert_int_equal(json_object_array_length(f), 1);
	json_object_put(o);
	/* Slashes are not escaped (JSON_C_TO_STRING_NOSLASHESCAPE). */
	assert_non_null(strstr(r.body.data, "/here."));
	resp_free(&r);
}

/* An error outside the enum never indexes past the table: 503. */
static void
test_error_out_of_range(void **state)
{
	struct resp	 r;
	json_object	*o;

	(void)state;
	memset(&r, 0, sizeof(r));
	resp_error(&r, WH_E__COUNT, NULL, NULL);
	assert_int_equal(r.status, 503);
	o = body_of(&r);
	assert_string_equal(member_string(o, "code"), "unavailable");
	json_object_put(o);
	resp_error(&r, (enum wh_err)-1, NULL, NULL);
	assert_int_equal(r.status, 503);
	resp_free(&r);
}

/* A response is reused after resp_reset; the later error replaces the
 * earlier body. */
static void
test_error_replaces_body(void **state)
{
	struct resp	 r;
	json_object	*o;

	(void)state;
	memset(&r, 0, sizeof(r));
	resp_error(&r, WH_E_INVALID, NULL, NULL);
	resp_error(&r, WH_E_NOT_FOUND, NULL, NULL);
	assert_int_equal(r.status, 404);
	o = body_of(&r);
	assert_string_equal(member_string(o, "code"), "not_found");
	json_object_put(o);
	resp_free(&r);
}

static void
test_resp_json(void **state)
{
	struct resp	 r;
	json_object	*obj, *o;

	(void)state;
	memset(&r, 0, sizeof(r));
	obj = json_object_new_object();
	json_object_object_add(obj, "status", json_object_new_string("ok"));
	json_object_object_add(obj, "url", json_object_new_string(
	    "https://example.com/a/b"));
	json_object_object_add(obj, "n", json_object_new_int(42));
	assert_int_equal(resp_json(&r, 200, obj), 0);
	json_object_put(obj);		/* not taken */
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, strlen(r.body.data));
	assert_non_null(strstr(r.body.data, "https://example.com/a/b"));
	o = body_of(&r);
	assert_string_equal(member_string(o, "status"), "ok");
	json_object_put(o);

	/* Again: the body is replaced, not appended to. */
	obj = json_object_new_array();
	assert_int_equal(resp_json(&r, 201, obj), 0);
	json_object_put(obj);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body.data, "[]");
	resp_free(&r);
	resp_free(&r);
	resp_free(NULL);
}

static void
test_resp_headers(void **state)
{
	struct resp	r;
	char		v[32];

	(void)state;
	memset(&r, 0, sizeof(r));
	snprintf(v, sizeof(v), "GET, HEAD");
	assert_int_equal(resp_header(&r, "Allow", v), 0);
	memset(v, 0, sizeof(v));	/* the value was copied */
	assert_int_equal(r.nheaders, 1);
	assert_string_equal(r.hname[0], "Allow");
	assert_string_equal(r.hval[0], "GET, HEAD");
	for (int i = 1; i < WH_RESP_MAX_HEADERS; i++)
		assert_int_equal(resp_header(&r, "X-N", "v"), 0);
	assert_int_equal(resp_header(&r, "X-Over", "v"), -1);
	assert_int_equal(r.nheaders, WH_RESP_MAX_HEADERS);

	resp_reset(&r);
	assert_int_equal(r.nheaders, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(resp_header(&r, "Location",
	    "/webhooks/v1/webhook/x/"), 0);
	resp_error(&r, WH_E_METHOD, NULL, NULL);
	assert_int_equal(r.status, 405);
	assert_int_equal(r.nheaders, 1);
	resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_type_rows),
		cmocka_unit_test(test_method_parse),
		cmocka_unit_test(test_allow_list),
		cmocka_unit_test(test_allow_list_short),
		cmocka_unit_test(test_error_rows),
		cmocka_unit_test(test_error_not_found),
		cmocka_unit_test(test_error_auth_failed),
		cmocka_unit_test(test_error_invalid_with_errors),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_error_replaces_body),
		cmocka_unit_test(test_resp_json),
		cmocka_unit_test(test_resp_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
