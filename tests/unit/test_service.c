/* SPDX-License-Identifier: MIT */
/* test_service.c: the request pipeline's order and its body limits: the
 * body is read only once the route (and so its limit) is known, never more
 * than the limit, and a declared length over it is refused unread.  The
 * token lookup is wrapped (-Wl,--wrap=db_auth_token). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "service.h"

#define TOK	"whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

enum db_rc	__wrap_db_auth_token(struct db *, const unsigned char[32],
		    struct principal *);
enum db_rc
__wrap_db_auth_token(struct db *db, const unsigned char hash[32],
    struct principal *out)
{
	memset(out, 0, sizeof(*out));
	out->user_id = 7;
	out->is_service = 1;
	snprintf(out->username, sizeof(out->username), "u7");
	out->expires_in_ms = -1;
	return DB_OK;
}

/* A body source that records what the service asked of it. */
struct fake_body {
	const char	*text;
	size_t		 len;
	int		 calls;
	size_t		 limit;
};

static int
fake_read(void *src, size_t limit, const char **body, size_t *len,
    int *too_large)
{
	struct fake_body	*f = src;

	f->calls++;
	f->limit = limit;
	*too_large = f->len > limit;
	*body = f->text;
	*len = f->len > limit ? limit : f->len;
	return 0;
}

struct world {
	struct conf	 conf;
	struct svc	 svc;
	struct resp	 resp;
};

static int
setup(void **state)
{
	struct world	*w = calloc(1, sizeof(*w));

	if (w == NULL || crypto_init() == -1)
		return -1;
	conf_defaults(&w->conf);
	w->svc.conf = &w->conf;
	w->svc.db = db_new(&w->conf);
	w->svc.auth = auth_cache_new(0);
	if (svc_rows_init(&w->svc) == -1)
		return -1;
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world	*w = *state;

	resp_free(&w->resp);
	db_free(w->svc.db);
	auth_cache_free(w->svc.auth);
	svc_rows_free(&w->svc);
	free(w);
	return 0;
}

/* POSTs f's body (declared length cl, -1: none) to path; the status. */
static int
post(struct world *w, const char *path, long long cl, struct fake_body *f)
{
	struct req	q;

	memset(&q, 0, sizeof(q));
	q.method = HTTP_POST;
	q.path = path;
	q.path_len = strlen(path);
	q.content_type = "application/json";
	q.content_length = cl;
	q.authorization = "Bearer " TOK;
	q.read_body = fake_read;
	q.body_src = f;
	resp_reset(&w->resp);
	service_handle(&w->svc, &q, &w->resp);
	return w->resp.status;
}

static int
detail_has(struct world *w, const char *s)
{
	return w->resp.body.data != NULL && strstr(w->resp.body.data, s) != NULL;
}

static void
declared_length_over_the_route_limit_is_refused_unread(void **state)
{
	struct world		*w = *state;
	struct fake_body	 f = { "{}", 2, 0, 0 };

	assert_int_equal(post(w, "/webhooks/v1/webhook/", 200 * 1024, &f), 413);
	assert_int_equal(f.calls, 0);
	assert_true(detail_has(w, "larger than 64 KiB"));
	/* the events route allows 256 KiB: the same length is read */
	assert_int_equal(post(w, "/webhooks/v1/events/", 200 * 1024, &f), 400);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.limit, WH_MAX_EVENT_BODY);
	assert_int_equal(post(w, "/webhooks/v1/events/", WH_MAX_EVENT_BODY + 1,
	    &f), 413);
	assert_int_equal(f.calls, 1);
	assert_true(detail_has(w, "larger than 256 KiB"));
}

static void
undeclared_length_is_read_to_the_limit_only(void **state)
{
	struct world		*w = *state;
	static char		 big[WH_MAX_BODY + 10];
	struct fake_body	 f = { big, sizeof(big), 0, 0 };

	memset(big, ' ', sizeof(big));
	assert_int_equal(post(w, "/webhooks/v1/webhook/", -1, &f), 413);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.limit, WH_MAX_BODY);
	assert_true(detail_has(w, "larger than 64 KiB"));
}

static void
no_body_is_read_before_the_route_and_auth(void **state)
{
	struct world		*w = *state;
	struct fake_body	 f = { "{}", 2, 0, 0 };

	assert_int_equal(post(w, "/webhooks/v1/nope/", 10, &f), 404);
	assert_int_equal(post(w, "/webhooks/v1/templates/", 10, &f), 405);
	assert_int_equal(f.calls, 0);
	/* a body route with a bad body: read, then 400 parse_error */
	f.text = "{";
	f.len = 1;
	assert_int_equal(post(w, "/webhooks/v1/webhook/", 1, &f), 400);
	assert_int_equal(f.calls, 1);
	assert_true(detail_has(w, "parse_error"));
}

/* GETs path?query; the status. */
static int
get(struct world *w, const char *path, const char *query)
{
	struct req	q;

	memset(&q, 0, sizeof(q));
	q.method = HTTP_GET;
	q.path = path;
	q.path_len = strlen(path);
	q.query = query;
	q.content_length = -1;
	q.authorization = "Bearer " TOK;
	resp_reset(&w->resp);
	service_handle(&w->svc, &q, &w->resp);
	return w->resp.status;
}

/* Declared query parameters and path ids are checked before a handler
 * runs: these answers need no database (there is none here: a handler
 * that reached it would answer 503). */
static void
declared_input_is_checked_before_the_handler(void **state)
{
	struct world	*w = *state;

	assert_int_equal(get(w, "/webhooks/v1/webhook/", "page_size=abc&"
	    "status=on&api_template=x"), 400);
	assert_true(detail_has(w, "\"page_size\"") && detail_has(w,
	    "\"status\"") && detail_has(w, "\"api_template\""));
	assert_int_equal(get(w, "/webhooks/v1/templates/", "page_size=0"), 400);
	assert_int_equal(get(w, "/webhooks/v1/webhook/", "page=0"), 404);
	assert_true(detail_has(w, "invalid_page"));
	assert_int_equal(get(w, "/webhooks/v1/webhook/not-a-uuid/", NULL), 404);
	assert_true(detail_has(w, "not_found"));
	assert_int_equal(get(w, "/webhooks/v1/webhook/"
	    "0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f/deliveries/", "limit=-1&"
	    "cursor=99999999999999999999_0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"),
	    400);
	assert_true(detail_has(w, "\"limit\"") && detail_has(w, "\"cursor\""));
	/* 400 before the path's 404 */
	assert_int_equal(get(w, "/webhooks/v1/webhook/nope/deliveries/",
	    "limit=x"), 400);
	/* valid input reaches the handler, which finds no database */
	assert_int_equal(get(w, "/webhooks/v1/webhook/", "page_size=5"), 503);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(declared_length_over_the_route_limit_is_refused_unread),
		cmocka_unit_test(undeclared_length_is_read_to_the_limit_only),
		cmocka_unit_test(no_body_is_read_before_the_route_and_auth),
		cmocka_unit_test(declared_input_is_checked_before_the_handler),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
