/* SPDX-License-Identifier: MIT */
/* test_router.c: request paths and methods against the route table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "wh_limits.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define U1		"488f4644-057d-41e7-9a74-72c040602647"
#define U2		"0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"
#define ANY		0xffffu		/* allowed not checked */

/* The methods each path of the table answers, OPTIONS included (CORS). */
#define A_GET		(HTTP_GET | HTTP_HEAD | HTTP_OPTIONS)
#define A_POST		(HTTP_POST | HTTP_OPTIONS)
#define A_LIST		(HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_OPTIONS)
#define A_ERASE		(HTTP_DELETE | HTTP_OPTIONS)
#define A_KEY		(HTTP_GET | HTTP_HEAD | HTTP_POST | HTTP_DELETE | \
			    HTTP_OPTIONS)
#define A_ONE		(HTTP_GET | HTTP_HEAD | HTTP_PUT | HTTP_PATCH | \
			    HTTP_DELETE | HTTP_OPTIONS)

struct route_row {
	const char		*path;
	enum http_method	 m;
	const char		*pattern;	/* NULL: no route */
	enum http_method	 route_m;	/* the route's method */
	unsigned		 allowed;
	const char		*id;		/* NULL: none */
	const char		*id2;
};

static const struct route_row rows[] = {
	{ "/webhooks/v1/health/", HTTP_GET, "health", HTTP_GET, A_GET, NULL,
	    NULL },
	{ "/webhooks/v1/health", HTTP_GET, "health", HTTP_GET, A_GET, NULL,
	    NULL },
	{ "/webhooks/v1/health/", HTTP_HEAD, "health", HTTP_GET, A_GET, NULL,
	    NULL },
	{ "/webhooks/v1/templates/", HTTP_GET, "templates", HTTP_GET, A_GET,
	    NULL, NULL },
	{ "/webhooks/v1/templates", HTTP_GET, "templates", HTTP_GET, A_GET,
	    NULL, NULL },
	{ "/webhooks/v1/templates/", HTTP_HEAD, "templates", HTTP_GET, A_GET,
	    NULL, NULL },
	{ "/webhooks/v1/templates/" U1 "/", HTTP_GET, "templates/*", HTTP_GET,
	    A_GET, U1, NULL },
	{ "/webhooks/v1/templates/" U1, HTTP_GET, "templates/*", HTTP_GET,
	    A_GET, U1, NULL },
	{ "/webhooks/v1/templates/abc/", HTTP_HEAD, "templates/*", HTTP_GET,
	    A_GET, "abc", NULL },
	{ "/webhooks/v1/webhook/", HTTP_GET, "webhook", HTTP_GET, A_LIST,
	    NULL, NULL },
	{ "/webhooks/v1/webhook", HTTP_GET, "webhook", HTTP_GET, A_LIST, NULL,
	    NULL },
	{ "/webhooks/v1/webhook/", HTTP_HEAD, "webhook", HTTP_GET, A_LIST,
	    NULL, NULL },
	{ "/webhooks/v1/webhook/", HTTP_POST, "webhook", HTTP_POST, A_LIST,
	    NULL, NULL },
	{ "/webhooks/v1/webhook", HTTP_POST, "webhook", HTTP_POST, A_LIST,
	    NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_GET, "webhook/*", HTTP_GET,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1, HTTP_GET, "webhook/*", HTTP_GET, A_ONE,
	    U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_HEAD, "webhook/*", HTTP_GET,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_PUT, "webhook/*", HTTP_PUT,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1, HTTP_PUT, "webhook/*", HTTP_PUT, A_ONE,
	    U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_PATCH, "webhook/*", HTTP_PATCH,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1, HTTP_PATCH, "webhook/*", HTTP_PATCH,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_DELETE, "webhook/*",
	    HTTP_DELETE, A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1, HTTP_DELETE, "webhook/*", HTTP_DELETE,
	    A_ONE, U1, NULL },
	{ "/webhooks/v1/webhook/abc/", HTTP_GET, "webhook/*", HTTP_GET, A_ONE,
	    "abc", NULL },
	{ "/webhooks/v1/webhook/" U1 "/test/", HTTP_POST, "webhook/*/test",
	    HTTP_POST, A_POST, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/test", HTTP_POST, "webhook/*/test",
	    HTTP_POST, A_POST, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/", HTTP_GET,
	    "webhook/*/deliveries", HTTP_GET, A_GET, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries", HTTP_GET,
	    "webhook/*/deliveries", HTTP_GET, A_GET, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/", HTTP_HEAD,
	    "webhook/*/deliveries", HTTP_GET, A_GET, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/", HTTP_GET,
	    "webhook/*/deliveries/*", HTTP_GET, A_GET, U1, U2 },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2, HTTP_GET,
	    "webhook/*/deliveries/*", HTTP_GET, A_GET, U1, U2 },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/redeliver/",
	    HTTP_POST, "webhook/*/deliveries/*/redeliver", HTTP_POST, A_POST,
	    U1, U2 },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/redeliver",
	    HTTP_POST, "webhook/*/deliveries/*/redeliver", HTTP_POST, A_POST,
	    U1, U2 },
	{ "/webhooks/v1/events/", HTTP_POST, "events", HTTP_POST, A_POST,
	    NULL, NULL },
	{ "/webhooks/v1/events", HTTP_POST, "events", HTTP_POST, A_POST, NULL,
	    NULL },
	{ "/webhooks/v1/events/" U1 "/", HTTP_DELETE, "events/*", HTTP_DELETE,
	    A_ERASE, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/events/", HTTP_GET, "webhook/*/events",
	    HTTP_GET, A_GET, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/signing-key/", HTTP_POST,
	    "webhook/*/signing-key", HTTP_POST, A_KEY, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/signing-key", HTTP_DELETE,
	    "webhook/*/signing-key", HTTP_DELETE, A_KEY, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/signing-key/", HTTP_HEAD,
	    "webhook/*/signing-key", HTTP_GET, A_KEY, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/replay/", HTTP_POST, "webhook/*/replay",
	    HTTP_POST, A_POST, U1, NULL },
	{ "/webhooks/v1/webhook/" U1 "/replay/" U2 "/", HTTP_GET,
	    "webhook/*/replay/*", HTTP_GET, A_GET, U1, U2 },

	/* Known paths, other methods: no route, the allowed mask. */
	{ "/webhooks/v1/webhook/", HTTP_DELETE, NULL, 0, A_LIST, NULL, NULL },
	{ "/webhooks/v1/webhook/", HTTP_PUT, NULL, 0, A_LIST, NULL, NULL },
	{ "/webhooks/v1/webhook/", HTTP_PATCH, NULL, 0, A_LIST, NULL, NULL },
	{ "/webhooks/v1/webhook/", HTTP_OPTIONS, NULL, 0, A_LIST, NULL, NULL },
	{ "/webhooks/v1/webhook/", HTTP_OTHER, NULL, 0, A_LIST, NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/", HTTP_POST, NULL, 0, A_ONE, NULL,
	    NULL },
	{ "/webhooks/v1/health/", HTTP_POST, NULL, 0, A_GET, NULL, NULL },
	{ "/webhooks/v1/health/", HTTP_DELETE, NULL, 0, A_GET, NULL, NULL },
	{ "/webhooks/v1/templates/", HTTP_POST, NULL, 0, A_GET, NULL, NULL },
	{ "/webhooks/v1/templates/" U1 "/", HTTP_DELETE, NULL, 0, A_GET, NULL,
	    NULL },
	{ "/webhooks/v1/events/", HTTP_GET, NULL, 0, A_POST, NULL, NULL },
	{ "/webhooks/v1/events/", HTTP_HEAD, NULL, 0, A_POST, NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/test/", HTTP_GET, NULL, 0, A_POST, NULL,
	    NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/", HTTP_POST, NULL, 0, A_GET,
	    NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/redeliver/",
	    HTTP_GET, NULL, 0, A_POST, NULL, NULL },

	/* Unknown paths: nothing allowed. */
	{ "/webhooks/v1/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/nope/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v2/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/V1/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/Webhooks/v1/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/Webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhooks/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook/x/y/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook//", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook///", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1//webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "//webhooks/v1/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhookx/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhookx", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhoo/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/healthz/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/health//", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/templates//", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/templates/a/b/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "//", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/nope/", HTTP_GET, NULL, 0, 0, NULL,
	    NULL },
	{ "/webhooks/v1/webhook/" U1 "/test/x/", HTTP_POST, NULL, 0, 0, NULL,
	    NULL },
	{ "/webhooks/v1/webhook//test/", HTTP_POST, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook//deliveries/", HTTP_GET, NULL, 0, 0, NULL,
	    NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries//", HTTP_GET, NULL, 0, 0,
	    NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries//redeliver/", HTTP_POST,
	    NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/redeliver/x/",
	    HTTP_POST, NULL, 0, 0, NULL, NULL },
	{ "/webhooks/v1/events/x/", HTTP_POST, NULL, 0, A_ERASE, NULL, NULL },
	{ "/webhooks/v1/events/" U1 "/x/", HTTP_DELETE, NULL, 0, 0, NULL,
	    NULL },
	{ "/webhooks/v1/webhook/" U1 "/replay/", HTTP_GET, NULL, 0, A_POST,
	    NULL, NULL },
	{ "/webhooks/v1/webhook/" U1 "/events/", HTTP_POST, NULL, 0, A_GET,
	    NULL, NULL },
	{ "/api/webhooks/v1/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
	{ "webhooks/v1/webhook/", HTTP_GET, NULL, 0, 0, NULL, NULL },
};

static const char *
method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET: return "GET";
	case HTTP_HEAD: return "HEAD";
	case HTTP_POST: return "POST";
	case HTTP_PUT: return "PUT";
	case HTTP_PATCH: return "PATCH";
	case HTTP_DELETE: return "DELETE";
	case HTTP_OPTIONS: return "OPTIONS";
	case HTTP_OTHER: return "OTHER";
	}
	return "?";
}

/* Does the captured segment (p, n) equal want (NULL: nothing captured)? */
static int
seg_is(const char *p, size_t n, const char *want)
{
	if (want == NULL)
		return p == NULL && n == 0;
	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

static void
test_route_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		const struct route_row *r = &rows[i];
		struct route_match m;
		int ok;

		memset(&m, 0x5a, sizeof(m));
		router_match(r->path, strlen(r->path), r->m, &m);
		if (r->pattern == NULL)
			ok = m.route == NULL;
		else
			ok = m.route != NULL &&
			    strcmp(m.route->pattern, r->pattern) == 0 &&
			    m.route->method == r->route_m &&
			    m.route->fn != NULL;
		ok = ok && (r->allowed == ANY || m.allowed == r->allowed);
		if (r->pattern != NULL)
			ok = ok && seg_is(m.id, m.id_len, r->id) &&
			    seg_is(m.id2, m.id2_len, r->id2);
		/* A captured id points into the path itself. */
		if (ok && r->id != NULL)
			ok = m.id >= r->path && m.id < r->path +
			    strlen(r->path);
		if (!ok) {
			print_message("router row %zu: %s %s: expected %s "
			    "allowed 0x%x; got %s allowed 0x%x id %.*s\n", i,
			    method_name(r->m), r->path,
			    r->pattern ? r->pattern : "(none)", r->allowed,
			    m.route ? m.route->pattern : "(none)", m.allowed,
			    m.route && m.id ? (int)m.id_len : 0,
			    m.route && m.id ? m.id : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* DELETE on the collection: no route, and the Allow list it makes. */
static void
test_method_not_allowed(void **state)
{
	struct route_match	m;
	const char		*p = "/webhooks/v1/webhook/";

	(void)state;
	router_match(p, strlen(p), HTTP_DELETE, &m);
	assert_null(m.route);
	assert_true(m.allowed & HTTP_GET);
	assert_true(m.allowed & HTTP_HEAD);
	assert_true(m.allowed & HTTP_POST);
	assert_false(m.allowed & HTTP_DELETE);
	assert_false(m.allowed & HTTP_PUT);
	assert_false(m.allowed & HTTP_PATCH);
}

/* The flags and body limits the handlers rely on. */
static void
test_route_flags(void **state)
{
	struct route_match	m;
	const char		*p;

	(void)state;
	p = "/webhooks/v1/health/";
	router_match(p, strlen(p), HTTP_GET, &m);
	assert_non_null(m.route);
	assert_true(m.route->flags & RF_NOAUTH);
	assert_false(m.route->flags & RF_BODY);

	p = "/webhooks/v1/webhook/";
	router_match(p, strlen(p), HTTP_POST, &m);
	assert_non_null(m.route);
	assert_int_equal(m.route->flags, RF_BODY | RF_LOOKUP);
	assert_int_equal(m.route->max_body, WH_MAX_BODY);
	assert_true(m.route->fields != NULL && m.route->nfields == 4);
	router_match(p, strlen(p), HTTP_GET, &m);
	assert_int_equal(m.route->flags, 0);
	assert_true(m.route->fields == NULL && m.route->nquery == 4);

	p = "/webhooks/v1/webhook/" U1 "/";
	router_match(p, strlen(p), HTTP_PUT, &m);
	assert_int_equal(m.route->flags, RF_BODY | RF_LOOKUP);
	router_match(p, strlen(p), HTTP_PATCH, &m);
	assert_int_equal(m.route->flags, RF_BODY | RF_LOOKUP);
	router_match(p, strlen(p), HTTP_DELETE, &m);
	assert_int_equal(m.route->flags, 0);

	/* test and redeliver take no body. */
	p = "/webhooks/v1/webhook/" U1 "/test/";
	router_match(p, strlen(p), HTTP_POST, &m);
	assert_false(m.route->flags & RF_BODY);
	p = "/webhooks/v1/webhook/" U1 "/deliveries/" U2 "/redeliver/";
	router_match(p, strlen(p), HTTP_POST, &m);
	assert_false(m.route->flags & RF_BODY);

	p = "/webhooks/v1/events/";
	router_match(p, strlen(p), HTTP_POST, &m);
	assert_int_equal(m.route->flags, RF_BODY | RF_SERVICE | RF_LOOKUP);
	assert_int_equal(m.route->max_body, WH_MAX_EVENT_BODY);

	/* Every other route needs a token. */
	p = "/webhooks/v1/templates/";
	router_match(p, strlen(p), HTTP_GET, &m);
	assert_false(m.route->flags & RF_NOAUTH);
}

/* The path is len bytes, not a C string (no terminator needed). */
static void
test_len_not_terminator(void **state)
{
	struct route_match	m;
	const char		*p = "/webhooks/v1/webhook/" U1 "/test/";
	char			*copy;
	size_t			 n = strlen("/webhooks/v1/webhook/" U1 "/");

	(void)state;
	router_match(p, n, HTTP_GET, &m);
	assert_non_null(m.route);
	assert_string_equal(m.route->pattern, "webhook/*");
	assert_true(seg_is(m.id, m.id_len, U1));

	/* Unterminated heap copy: valgrind/ASan see any read past n. */
	copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, p, n);
	router_match(copy, n, HTTP_DELETE, &m);
	assert_non_null(m.route);
	assert_int_equal(m.route->method, HTTP_DELETE);
	assert_ptr_equal(m.id, copy + strlen("/webhooks/v1/webhook/"));
	assert_int_equal(m.id_len, WH_UUID_LEN);
	free(copy);
}

/* A path over WH_MAX_PATH_LEN bytes is no route, even if it would fit. */
static void
test_path_too_long(void **state)
{
	struct route_match	 m;
	const char		*pre = "/webhooks/v1/webhook/";
	char			*p;
	size_t			 n;

	(void)state;
	p = malloc(WH_MAX_PATH_LEN + 2);
	assert_non_null(p);

	/* Exactly the limit: an id segment of the rest, with its slash. */
	n = WH_MAX_PATH_LEN;
	memcpy(p, pre, strlen(pre));
	memset(p + strlen(pre), 'a', n - strlen(pre) - 1);
	p[n - 1] = '/';
	router_match(p, n, HTTP_GET, &m);
	assert_non_null(m.route);
	assert_int_equal(m.id_len, n - strlen(pre) - 1);

	/* One more byte. */
	n = WH_MAX_PATH_LEN + 1;
	memset(p + strlen(pre), 'a', n - strlen(pre) - 1);
	p[n - 1] = '/';
	router_match(p, n, HTTP_GET, &m);
	assert_null(m.route);
	assert_int_equal(m.allowed, 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_rows),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_route_flags),
		cmocka_unit_test(test_len_not_terminator),
		cmocka_unit_test(test_path_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
