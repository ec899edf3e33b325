/* SPDX-License-Identifier: MIT */
/* test_auth.c: splitting the Authorization header into a bearer token, and
 * the per-worker token cache (the database and the clock mocked with
 * -Wl,--wrap). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "crypto.h"
#include "wh_limits.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define TOK	"whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TOKLEN	(WH_TOKEN_LEN + 2)	/* as auth_check's buffer */

struct auth_row {
	const char	*h;
	enum wh_err	 want;
	const char	*tok;	/* the token copied when WH_OK */
};

static const struct auth_row rows[] = {
	{ NULL, WH_E_NOT_AUTH, NULL },
	/* Another scheme, or no scheme: not authenticated. */
	{ "", WH_E_NOT_AUTH, NULL },
	{ "   ", WH_E_NOT_AUTH, NULL },
	{ "Basic abc", WH_E_NOT_AUTH, NULL },
	{ "Basic dXNlcjpwYXNz", WH_E_NOT_AUTH, NULL },
	{ "Token x", WH_E_NOT_AUTH, NULL },
	{ "Token " TOK, WH_E_NOT_AUTH, NULL },
	{ "Bearerx tok", WH_E_NOT_AUTH, NULL },
	{ "Bearer" TOK, WH_E_NOT_AUTH, NULL },
	{ "Bearer:" TOK, WH_E_NOT_AUTH, NULL },
	{ "Beare " TOK, WH_E_NOT_AUTH, NULL },
	{ TOK, WH_E_NOT_AUTH, NULL },
	{ "Digest username=\"a\"", WH_E_NOT_AUTH, NULL },
	/* Bearer with nothing: authentication failed. */
	{ "Bearer", WH_E_AUTH_FAILED, NULL },
	{ "Bearer ", WH_E_AUTH_FAILED, NULL },
	{ "Bearer    ", WH_E_AUTH_FAILED, NULL },
	{ "Bearer\t", WH_E_AUTH_FAILED, NULL },
	{ "bearer", WH_E_AUTH_FAILED, NULL },
	/* The scheme name in any case; blanks around. */
	{ "Bearer " TOK, WH_OK, TOK },
	{ "bearer " TOK, WH_OK, TOK },
	{ "BEARER " TOK, WH_OK, TOK },
	{ "bEaReR " TOK, WH_OK, TOK },
	{ "Bearer    " TOK, WH_OK, TOK },
	{ "Bearer\t" TOK, WH_OK, TOK },
	{ "Bearer " TOK "   ", WH_OK, TOK },
	{ "Bearer " TOK "\t", WH_OK, TOK },
	{ "  Bearer " TOK, WH_OK, TOK },
	{ "\tBearer \t " TOK " \t ", WH_OK, TOK },
	/* A malformed token: authentication failed. */
	{ "Bearer x", WH_E_AUTH_FAILED, NULL },
	{ "Bearer abc", WH_E_AUTH_FAILED, NULL },
	{ "Bearer Basic", WH_E_AUTH_FAILED, NULL },
	{ "Bearer whk_", WH_E_AUTH_FAILED, NULL },
	{ "Bearer whk_0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcde", WH_E_AUTH_FAILED, NULL },	/* 1 short */
	{ "Bearer whk_0123456789ABCDEF0123456789abcdef0123456789abcdef"
	    "0123456789abcdef", WH_E_AUTH_FAILED, NULL },	/* upper case */
	{ "Bearer WHK_0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef", WH_E_AUTH_FAILED, NULL },
	{ "Bearer " TOK "0", WH_E_AUTH_FAILED, NULL },	/* 1 long */
	{ "Bearer " TOK "00", WH_E_AUTH_FAILED, NULL },	/* 2 long */
	{ "Bearer " TOK " " TOK, WH_E_AUTH_FAILED, NULL },
	{ "Bearer " TOK " x", WH_E_AUTH_FAILED, NULL },
	{ "Bearer  \"" TOK "\"", WH_E_AUTH_FAILED, NULL },
	{ "Bearer " TOK "\n", WH_E_AUTH_FAILED, NULL },
	{ "Bearer\n" TOK, WH_E_NOT_AUTH, NULL },
};

static const char *
err_name(enum wh_err e)
{
	switch (e) {
	case WH_OK:
		return "WH_OK";
	case WH_E_NOT_AUTH:
		return "WH_E_NOT_AUTH";
	case WH_E_AUTH_FAILED:
		return "WH_E_AUTH_FAILED";
	default:
		return err_code(e);
	}
}

static void
test_parse_rows(void **state)
{
	char	tok[TOKLEN];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		const struct auth_row *r = &rows[i];
		enum wh_err got;

		memset(tok, 'X', sizeof(tok));
		got = auth_parse_header(r->h, tok, sizeof(tok));
		if (got != r->want || (r->want == WH_OK &&
		    (memchr(tok, '\0', sizeof(tok)) == NULL ||
		    strcmp(tok, r->tok) != 0))) {
			print_message("auth row %zu: \"%s\": expected %s, got "
			    "%s\n", i, r->h ? r->h : "(null)",
			    err_name(r->want), err_name(got));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A token longer than the buffer fails without writing past it. */
static void
test_long_token_no_overflow(void **state)
{
	struct {
		char	tok[16];
		char	guard[32];
	} b;
	char	*h;
	size_t	 n = 100000;

	(void)state;
	memset(&b, 'G', sizeof(b));
	assert_int_equal(auth_parse_header("Bearer " TOK, b.tok,
	    sizeof(b.tok)), WH_E_AUTH_FAILED);
	for (size_t i = 0; i < sizeof(b.guard); i++)
		assert_int_equal(b.guard[i], 'G');

	/* Exactly the buffer: one byte too many for the NUL. */
	memset(&b, 'G', sizeof(b));
	assert_int_equal(auth_parse_header("Bearer 0123456789abcdef", b.tok,
	    sizeof(b.tok)), WH_E_AUTH_FAILED);
	assert_int_equal(b.guard[0], 'G');

	h = malloc(n + 8);
	assert_non_null(h);
	memcpy(h, "Bearer ", 7);
	memset(h + 7, 'a', n);
	h[7 + n] = '\0';
	memset(&b, 'G', sizeof(b));
	assert_int_equal(auth_parse_header(h, b.tok, sizeof(b.tok)),
	    WH_E_AUTH_FAILED);
	for (size_t i = 0; i < sizeof(b.guard); i++)
		assert_int_equal(b.guard[i], 'G');
	free(h);
}

/* A buffer of exactly the token's size plus its NUL is enough. */
static void
test_exact_buffer(void **state)
{
	char	tok[WH_TOKEN_LEN + 1];

	(void)state;
	assert_int_equal(auth_parse_header("Bearer " TOK, tok, sizeof(tok)),
	    WH_OK);
	assert_string_equal(tok, TOK);
	assert_int_equal(auth_parse_header("Bearer " TOK, tok, 0),
	    WH_E_AUTH_FAILED);
}

/* Tokens the service issues parse. */
static void
test_fresh_tokens(void **state)
{
	char	tok[WH_TOKEN_LEN + 1], h[WH_TOKEN_LEN + 16], out[TOKLEN];

	(void)state;
	for (int i = 0; i < 50; i++) {
		crypto_token_new(tok);
		snprintf(h, sizeof(h), "Bearer %s", tok);
		assert_int_equal(auth_parse_header(h, out, sizeof(out)), WH_OK);
		assert_string_equal(out, tok);
	}
}

/* The database: each lookup is expected (expect_function_call) and
 * answers will_return(rc) then will_return(expires_in_ms). */
enum db_rc	__wrap_db_auth_token(struct db *, const unsigned char[32],
		    struct principal *);
enum db_rc
__wrap_db_auth_token(struct db *db, const unsigned char hash[32],
    struct principal *out)
{
	enum db_rc	rc;

	(void)db;
	(void)hash;
	function_called();
	rc = mock_type(enum db_rc);
	memset(out, 0, sizeof(*out));
	out->user_id = 7;
	snprintf(out->username, sizeof(out->username), "u7");
	out->expires_in_ms = mock_type(long long);
	return rc;
}

/* The clock: fake_ms when set (>= 0), the real one otherwise. */
static long long fake_ms = -1;
int	__real_clock_gettime(clockid_t, struct timespec *);
int	__wrap_clock_gettime(clockid_t, struct timespec *);
int
__wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (fake_ms < 0)
		return __real_clock_gettime(clk, ts);
	ts->tv_sec = (time_t)(fake_ms / 1000);
	ts->tv_nsec = (long)(fake_ms % 1000) * 1000000L;
	return 0;
}

static enum wh_err
check_at(struct auth_cache *c, long long at_ms, struct principal *p)
{
	fake_ms = at_ms;
	return auth_check(c, NULL, "Bearer " TOK, p);
}

static void
lookup_will(enum db_rc rc, long long expires_in_ms)
{
	expect_function_call(__wrap_db_auth_token);
	will_return(__wrap_db_auth_token, rc);
	will_return(__wrap_db_auth_token, expires_in_ms);
}

/* A token is looked up once per token_cache_ttl. */
static void
test_cache_keeps_a_token_for_the_ttl(void **state)
{
	struct auth_cache	*c = auth_cache_new(5);
	struct principal	 p;

	(void)state;
	lookup_will(DB_OK, -1);
	assert_int_equal(check_at(c, 100000, &p), WH_OK);
	assert_int_equal(p.user_id, 7);
	memset(&p, 0, sizeof(p));
	assert_int_equal(check_at(c, 104900, &p), WH_OK);	/* cached */
	assert_int_equal(p.user_id, 7);
	lookup_will(DB_OK, -1);
	assert_int_equal(check_at(c, 105100, &p), WH_OK);	/* looked up */
	auth_cache_free(c);
	fake_ms = -1;
}

/* ... but never past the token's own expiry. */
static void
test_cache_stops_at_the_expiry(void **state)
{
	struct auth_cache	*c = auth_cache_new(5);
	struct principal	 p;

	(void)state;
	lookup_will(DB_OK, 1500);
	assert_int_equal(check_at(c, 200000, &p), WH_OK);
	assert_int_equal(check_at(c, 201400, &p), WH_OK);	/* cached */
	lookup_will(DB_NOTFOUND, -1);				/* expired */
	assert_int_equal(check_at(c, 201600, &p), WH_E_AUTH_FAILED);
	/* refused from the cache of unknown tokens, no lookup */
	assert_int_equal(check_at(c, 201700, &p), WH_E_AUTH_FAILED);
	auth_cache_free(c);
	fake_ms = -1;
}

/* An unknown token is refused without a query for the ttl, then asked
 * about again; an outage is never remembered as unknown. */
static void
test_cache_of_unknown_tokens(void **state)
{
	struct auth_cache	*c = auth_cache_new(5);
	struct principal	 p;

	(void)state;
	lookup_will(DB_DOWN, -1);
	assert_int_equal(check_at(c, 400000, &p), WH_E_UNAVAILABLE);
	lookup_will(DB_NOTFOUND, -1);
	assert_int_equal(check_at(c, 400001, &p), WH_E_AUTH_FAILED);
	for (long long t = 400002; t < 404990; t += 499)
		assert_int_equal(check_at(c, t, &p), WH_E_AUTH_FAILED);
	lookup_will(DB_NOTFOUND, -1);				/* ttl over */
	assert_int_equal(check_at(c, 405002, &p), WH_E_AUTH_FAILED);
	auth_cache_free(c);
	/* off with the cache */
	c = auth_cache_new(0);
	lookup_will(DB_NOTFOUND, -1);
	assert_int_equal(check_at(c, 500000, &p), WH_E_AUTH_FAILED);
	lookup_will(DB_NOTFOUND, -1);
	assert_int_equal(check_at(c, 500001, &p), WH_E_AUTH_FAILED);
	auth_cache_free(c);
	fake_ms = -1;
}

/* ttl 0: every request is looked up; a database outage is 503. */
static void
test_cache_off_and_outage(void **state)
{
	struct auth_cache	*c = auth_cache_new(0);
	struct principal	 p;

	(void)state;
	lookup_will(DB_OK, -1);
	assert_int_equal(check_at(c, 300000, &p), WH_OK);
	lookup_will(DB_OK, -1);
	assert_int_equal(check_at(c, 300001, &p), WH_OK);
	lookup_will(DB_DOWN, -1);
	assert_int_equal(check_at(c, 300002, &p), WH_E_UNAVAILABLE);
	auth_cache_free(c);
	fake_ms = -1;
}

static void
test_cache_new_free(void **state)
{
	struct auth_cache	*c;

	(void)state;
	c = auth_cache_new(5);
	assert_non_null(c);
	auth_cache_free(c);
	c = auth_cache_new(0);
	assert_non_null(c);
	auth_cache_free(c);
	auth_cache_free(NULL);
}

static int
group_setup(void **state)
{
	(void)state;
	return crypto_init();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rows),
		cmocka_unit_test(test_long_token_no_overflow),
		cmocka_unit_test(test_exact_buffer),
		cmocka_unit_test(test_fresh_tokens),
		cmocka_unit_test(test_cache_new_free),
		cmocka_unit_test(test_cache_keeps_a_token_for_the_ttl),
		cmocka_unit_test(test_cache_stops_at_the_expiry),
		cmocka_unit_test(test_cache_off_and_outage),
		cmocka_unit_test(test_cache_of_unknown_tokens),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
