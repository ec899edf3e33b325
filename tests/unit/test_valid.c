/* SPDX-License-Identifier: MIT */
/* test_valid.c: table-driven tests of the request validators in valid.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valid.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define LEN_STR		((size_t)-1)	/* a row's length: strlen of its input */

/* Prints n bytes of s with anything unprintable escaped, for row messages. */
static void
print_escaped(const char *s, size_t n)
{
	size_t	i;

	if (s == NULL) {
		print_message("(null)");
		return;
	}
	if (n > 120) {
		print_message("<%zu bytes starting ", n);
		print_escaped(s, 40);
		print_message(">");
		return;
	}
	print_message("\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			print_message("\\x%02x", c);
		else
			print_message("%c", c);
	}
	print_message("\"");
}

static size_t
row_len(const char *s, size_t len)
{
	return len == LEN_STR ? strlen(s) : len;
}

/* A string of prefix, then fill repeated until total bytes, then NUL.  The
 * caller frees it. */
static char *
make_filled(const char *prefix, const char *fill, size_t total)
{
	size_t	 pn = strlen(prefix), fn = strlen(fill), n;
	char	*s;

	s = malloc(total + 1);
	assert_non_null(s);
	memcpy(s, prefix, pn);
	for (n = pn; n < total; n += fn)
		memcpy(s + n, fill, total - n < fn ? total - n : fn);
	s[total] = '\0';
	return s;
}

/* ---- valid_uuid ---- */

struct uuid_row {
	const char	*in;
	size_t		 len;
	const char	*out;		/* NULL: must be refused */
};

static const struct uuid_row uuid_rows[] = {
	{ "488f4644-057d-41e7-9a74-72c040602647", LEN_STR,
	    "488f4644-057d-41e7-9a74-72c040602647" },
	{ "0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f", LEN_STR,
	    "0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f" },
	{ "488F4644-057D-41E7-9A74-72C040602647", LEN_STR,
	    "488f4644-057d-41e7-9a74-72c040602647" },
	{ "AbCdEf01-2345-6789-aBcD-eF0123456789", LEN_STR,
	    "abcdef01-2345-6789-abcd-ef0123456789" },
	{ "00000000-0000-0000-0000-000000000000", LEN_STR,
	    "00000000-0000-0000-0000-000000000000" },
	/* A path segment is not NUL-terminated: only len bytes count. */
	{ "488f4644-057d-41e7-9a74-72c040602647/test", 36,
	    "488f4644-057d-41e7-9a74-72c040602647" },

	{ "488f4644-057d-41e7-9a74-72c04060264", LEN_STR, NULL },	/* 35 */
	{ "488f4644-057d-41e7-9a74-72c0406026477", LEN_STR, NULL },	/* 37 */
	{ "488f4644-057d-41e7-9a74-72c040602647", 35, NULL },
	{ "{488f4644-057d-41e7-9a74-72c040602647}", LEN_STR, NULL },
	{ "{88f4644-057d-41e7-9a74-72c04060264}", LEN_STR, NULL },
	{ "488f4644057d41e79a7472c040602647", LEN_STR, NULL },
	{ "488f4644057d-41e7-9a74-72c040602647", LEN_STR, NULL },
	{ "488f4644-057d-41e7-9a74072c040602647", LEN_STR, NULL },
	{ "488f4644+057d-41e7-9a74-72c040602647", LEN_STR, NULL },
	{ "488f4644-057d-41e7-9a74-72c04060264g", LEN_STR, NULL },
	{ "z88f4644-057d-41e7-9a74-72c040602647", LEN_STR, NULL },
	{ "488f4644-057d-41e7-9a74-72c04060264 ", LEN_STR, NULL },
	{ " 488f4644-057d-41e7-9a74-72c04060264", LEN_STR, NULL },
	{ "488f4644-057d-41e7-9a74-72c04060264\0", 36, NULL },
	{ "488f4644-057d-41e7-9a74-72c04\0602647", 36, NULL },
	{ "", LEN_STR, NULL },
	{ "not-a-uuid", LEN_STR, NULL },
};

static void
test_uuid_rows(void **state)
{
	char	out[WH_UUID_LEN + 1];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(uuid_rows); i++) {
		const struct uuid_row *r = &uuid_rows[i];
		size_t n = row_len(r->in, r->len);
		const char *why;

		memset(out, 'X', sizeof(out));
		why = valid_uuid(r->in, n, out);
		if (r->out == NULL ? why == NULL :
		    why != NULL || strcmp(out, r->out) != 0) {
			print_message("valid_uuid row %zu: ", i);
			print_escaped(r->in, n);
			print_message(" expected %s, got %s\n",
			    r->out ? r->out : "refused",
			    why ? why : "accepted");
			bad++;
		}
		if (why != NULL && strlen(why) == 0) {
			print_message("valid_uuid row %zu: empty message\n", i);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_endpoint_url ---- */

struct url_row {
	const char	*in;
	int		 ok;		/* with allow_private = 0 */
	int		 ok_private;	/* with allow_private = 1 */
};

static const struct url_row url_rows[] = {
	/* Good everywhere. */
	{ "https://example.com/webhook/assignment-processing", 1, 1 },
	{ "http://example.com", 1, 1 },
	{ "http://example.com/", 1, 1 },
	{ "https://example.com:8443/hook", 1, 1 },
	{ "http://example.com:80/a/b/c?x=1&y=2", 1, 1 },
	{ "https://example.com/?q=a%20b", 1, 1 },
	{ "https://example.com?x=1", 1, 1 },
	{ "https://api.example.co.uk/v1/hooks/", 1, 1 },
	{ "HTTPS://EXAMPLE.COM/HOOK", 1, 1 },
	{ "https://xn--bcher-kva.example/hook", 1, 1 },
	{ "https://xn--80ak6aa92e.com/", 1, 1 },
	{ "https://[2001:4860::1]/hook", 1, 1 },
	{ "https://[2001:4860:4860::8888]:8443/", 1, 1 },
	{ "https://8.8.8.8/hook", 1, 1 },
	{ "http://172.32.0.1/", 1, 1 },
	{ "http://172.15.255.255/", 1, 1 },
	{ "http://11.0.0.1/", 1, 1 },
	{ "http://100.128.0.1/", 1, 1 },
	{ "http://mylocalhost.com/", 1, 1 },
	{ "http://localhost.example.com/", 1, 1 },
	{ "http://localhostx/", 1, 1 },
	{ "http://example.com/localhost", 1, 1 },

	/* Bad everywhere: form. */
	{ "ftp://example.com/x", 0, 0 },
	{ "file:///etc/passwd", 0, 0 },
	{ "gopher://example.com/", 0, 0 },
	{ "javascript:alert(1)", 0, 0 },
	{ "javascript://example.com/%0aalert(1)", 0, 0 },
	{ "data:text/plain,hello", 0, 0 },
	{ "mailto:a@example.com", 0, 0 },
	{ "/x", 0, 0 },
	{ "//example.com/x", 0, 0 },
	{ "example.com/x", 0, 0 },
	{ "example.com", 0, 0 },
	{ "http://", 0, 0 },
	{ "https://", 0, 0 },
	{ "http:///x", 0, 0 },
	{ "http:/example.com/x", 0, 0 },
	{ "http:example.com", 0, 0 },
	{ "http://?x=1", 0, 0 },
	{ "http://:80/", 0, 0 },
	{ "://example.com/", 0, 0 },
	{ "ht tp://example.com/", 0, 0 },
	/* Fragments. */
	{ "https://example.com/#", 0, 0 },
	{ "https://example.com/#frag", 0, 0 },
	{ "https://example.com/x?y=1#frag", 0, 0 },
	{ "https://example.com#", 0, 0 },
	/* Credentials. */
	{ "https://u:p@example.com/", 0, 0 },
	{ "https://u@example.com/", 0, 0 },
	{ "https://:p@example.com/", 0, 0 },
	{ "https://user:pass@127.0.0.1/", 0, 0 },
	{ "https://example.com@evil.example/", 0, 0 },
	/* Spaces, controls, non-ASCII. */
	{ "https://example.com/a b", 0, 0 },
	{ " https://example.com/", 0, 0 },
	{ "https://example.com/ ", 0, 0 },
	{ "https://exa mple.com/", 0, 0 },
	{ "https://example.com/\t", 0, 0 },
	{ "https://example.com/\n", 0, 0 },
	{ "https://example.com/\r\nX-Injected: 1", 0, 0 },
	{ "https://example.com/\x01", 0, 0 },
	{ "https://example.com/\x1f", 0, 0 },
	{ "https://example.com/\x7f", 0, 0 },
	{ "https://example.com/\x80", 0, 0 },
	{ "https://example.com/\xff", 0, 0 },
	{ "https://b\xc3\xbc" "cher.example/", 0, 0 },
	{ "https://example.com/caf\xc3\xa9", 0, 0 },

	/* Refused addresses: bad unless allow_private. */
	{ "http://127.0.0.1/", 0, 1 },
	{ "http://127.0.0.1:8080/hook", 0, 1 },
	{ "http://127.0.0.1./", 0, 1 },
	{ "http://127.1/", 0, 1 },
	{ "http://127.0.1/", 0, 1 },
	{ "http://2130706433/", 0, 1 },
	{ "http://0x7f000001/", 0, 1 },
	{ "http://0X7F000001/", 0, 1 },
	{ "http://0x7f.0.0.1/", 0, 1 },
	{ "http://0x7f.1/", 0, 1 },
	{ "http://0177.0.0.1/", 0, 1 },
	{ "http://0177.1/", 0, 1 },
	{ "http://017700000001/", 0, 1 },
	{ "http://127.255.255.254/", 0, 1 },
	{ "http://[::1]/", 0, 1 },
	{ "http://[::1]:8080/x", 0, 1 },
	{ "http://[::ffff:127.0.0.1]/", 0, 1 },
	{ "http://[::ffff:7f00:1]/", 0, 1 },
	{ "http://[0:0:0:0:0:0:0:1]/", 0, 1 },
	{ "http://[0000:0000:0000:0000:0000:0000:0000:0001]/", 0, 1 },
	{ "http://[::127.0.0.1]/", 0, 1 },
	{ "http://[::ffff:10.0.0.1]/", 0, 1 },
	{ "http://[::ffff:169.254.169.254]/", 0, 1 },
	{ "http://[64:ff9b::7f00:1]/", 0, 1 },
	{ "http://[64:ff9b::a9fe:a9fe]/", 0, 1 },
	{ "http://[2002:7f00:1::]/", 0, 1 },
	{ "http://[2002:c0a8:1::1]/", 0, 1 },
	{ "http://10.0.0.1/", 0, 1 },
	{ "http://10.255.255.255/", 0, 1 },
	{ "http://172.16.0.1/", 0, 1 },
	{ "http://172.31.255.255/", 0, 1 },
	{ "http://192.168.0.1/", 0, 1 },
	{ "http://192.168.255.255/", 0, 1 },
	{ "http://169.254.169.254/latest/meta-data/", 0, 1 },
	{ "http://100.64.0.1/", 0, 1 },
	{ "http://100.127.255.255/", 0, 1 },
	{ "http://0.0.0.0/", 0, 1 },
	{ "http://0/", 0, 1 },
	{ "http://[::]/", 0, 1 },
	{ "http://224.0.0.1/", 0, 1 },
	{ "http://239.255.255.250/", 0, 1 },
	{ "http://255.255.255.255/", 0, 1 },
	{ "http://[fe80::1%25eth0]/", 0, 1 },
	{ "http://[fe80::1]/", 0, 1 },
	{ "http://[febf::1]/", 0, 1 },
	{ "http://[fc00::1]/", 0, 1 },
	{ "http://[fd12::1]/", 0, 1 },
	{ "http://[fdff:ffff::1]/", 0, 1 },
	{ "http://[ff02::1]/", 0, 1 },
	{ "http://[ff0e::1]/", 0, 1 },
	{ "http://localhost/", 0, 1 },
	{ "http://localhost:8080/hook", 0, 1 },
	{ "http://LOCALHOST/", 0, 1 },
	{ "http://LocalHost/", 0, 1 },
	{ "http://localhost./", 0, 1 },
	{ "http://foo.localhost/", 0, 1 },
	{ "http://a.b.localhost/", 0, 1 },
	{ "http://foo.LOCALHOST./", 0, 1 },
	/* A zone id on a global address means nothing: refused as well. */
	{ "http://[2001:4860::1%25eth0]/", 0, 1 },
};

static void
run_url_rows(int allow_private, int *bad)
{
	for (size_t i = 0; i < NROWS(url_rows); i++) {
		const struct url_row *r = &url_rows[i];
		int want = allow_private ? r->ok_private : r->ok;
		const char *why;

		why = valid_endpoint_url(r->in, strlen(r->in), allow_private);
		if ((why == NULL) != want) {
			print_message("valid_endpoint_url(allow_private=%d) "
			    "row %zu: ", allow_private, i);
			print_escaped(r->in, strlen(r->in));
			print_message(" expected %s, got %s\n",
			    want ? "accepted" : "refused",
			    why ? why : "accepted");
			(*bad)++;
		}
	}
}

static void
test_url_rows_strict(void **state)
{
	int	bad = 0;

	(void)state;
	run_url_rows(0, &bad);
	assert_int_equal(bad, 0);
}

static void
test_url_rows_private(void **state)
{
	int	bad = 0;

	(void)state;
	run_url_rows(1, &bad);
	assert_int_equal(bad, 0);
}

static void
test_url_length(void **state)
{
	char	*s;

	(void)state;
	assert_non_null(valid_endpoint_url("", 0, 0));
	assert_non_null(valid_endpoint_url("", 0, 1));

	s = make_filled("https://example.com/", "a", WH_MAX_URL_LEN);
	assert_int_equal(strlen(s), 2048);
	assert_null(valid_endpoint_url(s, strlen(s), 0));
	assert_null(valid_endpoint_url(s, strlen(s), 1));
	free(s);

	s = make_filled("https://example.com/", "a", WH_MAX_URL_LEN + 1);
	assert_non_null(valid_endpoint_url(s, strlen(s), 0));
	assert_non_null(valid_endpoint_url(s, strlen(s), 1));
	free(s);

	s = make_filled("https://example.com/?q=", "ab", 100000);
	assert_non_null(valid_endpoint_url(s, strlen(s), 0));
	free(s);
}

/* The bytes after len are not part of the value (a JSON string may hold
 * NULs): an embedded NUL is a control character. */
static void
test_url_embedded_nul(void **state)
{
	static const char	s[] = "https://example.com/\0https://x/";
	static const char	t[] = "https://example.com\0.evil/";

	(void)state;
	assert_non_null(valid_endpoint_url(s, sizeof(s) - 1, 0));
	assert_non_null(valid_endpoint_url(s, sizeof(s) - 1, 1));
	assert_non_null(valid_endpoint_url(t, sizeof(t) - 1, 1));
}

/*
 * The value is the len bytes, whatever follows them (valid.h: "take the
 * bytes and their length"; valid_uuid honours it for path segments).
 * "http://localhost" must be refused even when the buffer goes on.
 */
static void
test_url_only_len_bytes(void **state)
{
	static const char	buf[] = "http://localhost.example.com/";
	static const char	buf2[] = "https://example.com/#frag";

	(void)state;
	assert_non_null(valid_endpoint_url(buf, strlen("http://localhost"), 0));
	assert_null(valid_endpoint_url(buf2, strlen("https://example.com/"), 0));
}

/* *.localhost is refused whatever the length of the name (API.md). */
static void
test_url_long_localhost(void **state)
{
	const char	*strict, *lax;
	char		*s;

	(void)state;
	s = make_filled("http://", "a", 7 + 300);
	strcpy(s + 7 + 300 - strlen(".localhost/"), ".localhost/");
	strict = valid_endpoint_url(s, strlen(s), 0);
	lax = valid_endpoint_url(s, strlen(s), 1);
	free(s);
	assert_non_null(strict);
	assert_null(lax);
}

/* Messages never echo the input and say what is wrong. */
static void
test_url_messages(void **state)
{
	const char	*why;

	(void)state;
	why = valid_endpoint_url("https://u:secretpw@example.com/", 31, 0);
	assert_non_null(why);
	assert_null(strstr(why, "secretpw"));
	why = valid_endpoint_url("https://example.com/#x", 22, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "fragment"));
	why = valid_endpoint_url("ftp://example.com/", 18, 0);
	assert_non_null(why);
	assert_non_null(strstr(why, "scheme"));
}

/* ---- valid_secret ---- */

struct secret_row {
	const char	*in;
	size_t		 len;
	int		 ok;
};

static const struct secret_row secret_rows[] = {
	{ "x", LEN_STR, 1 },
	{ "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", LEN_STR, 1 },
	{ "with space and symbols !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	    LEN_STR, 1 },
	{ "\xc2\xa0", LEN_STR, 1 },			/* U+00A0 */
	{ "caf\xc3\xa9", LEN_STR, 1 },
	{ "\xe2\x82\xac", LEN_STR, 1 },			/* U+20AC */
	{ "\xf0\x9f\x94\x91", LEN_STR, 1 },		/* U+1F511 */
	{ "\xc2\xbf", LEN_STR, 1 },			/* U+00BF */

	{ "", LEN_STR, 0 },
	{ "\x01", LEN_STR, 0 },
	{ "a\x01" "b", LEN_STR, 0 },
	{ "\x1f", LEN_STR, 0 },
	{ "abc\x7f", LEN_STR, 0 },
	{ "\xc2\x80", LEN_STR, 0 },			/* U+0080 */
	{ "a\xc2\x85" "b", LEN_STR, 0 },		/* U+0085 NEL */
	{ "\xc2\x9f", LEN_STR, 0 },			/* U+009F */
	{ "a\tb", LEN_STR, 0 },
	{ "a\nb", LEN_STR, 0 },
	{ "a\rb", LEN_STR, 0 },
	{ "ab\n", LEN_STR, 0 },
	{ "a\0b", 3, 0 },
	{ "\0", 1, 0 },
};

static void
test_secret_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(secret_rows); i++) {
		const struct secret_row *r = &secret_rows[i];
		size_t n = row_len(r->in, r->len);
		const char *why = valid_secret(r->in, n);

		if ((why == NULL) != r->ok) {
			print_message("valid_secret row %zu: ", i);
			print_escaped(r->in, n);
			print_message(" expected %s, got %s\n",
			    r->ok ? "accepted" : "refused",
			    why ? why : "accepted");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Length counts code points, not bytes. */
static void
test_secret_length(void **state)
{
	static const char	*emoji = "\xf0\x9f\x98\x80";	/* U+1F600 */
	static const char	*two = "\xc3\xa9";		/* U+00E9 */
	char			*s;

	(void)state;
	s = make_filled("", "a", 256);
	assert_null(valid_secret(s, 256));
	free(s);
	s = make_filled("", "a", 257);
	assert_non_null(valid_secret(s, 257));
	free(s);

	s = make_filled("", emoji, 256 * 4);
	assert_int_equal(strlen(s), WH_MAX_SECRET_BYTES);
	assert_null(valid_secret(s, 256 * 4));
	free(s);
	s = make_filled("", emoji, 257 * 4);
	assert_non_null(valid_secret(s, 257 * 4));
	free(s);

	s = make_filled("", two, 256 * 2);
	assert_null(valid_secret(s, 256 * 2));
	free(s);
	s = make_filled("", two, 257 * 2);
	assert_non_null(valid_secret(s, 257 * 2));
	free(s);

	/* 255 ASCII and one 4-byte code point: 256. */
	s = make_filled("\xf0\x9f\x98\x80", "b", 4 + 255);
	assert_null(valid_secret(s, 4 + 255));
	free(s);
}

/* ---- valid_status ---- */

static void
test_status_rows(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		int		 ok;
	} rows[] = {
		{ "enabled", LEN_STR, 1 },
		{ "disabled", LEN_STR, 1 },
		{ "Enabled", LEN_STR, 0 },
		{ "DISABLED", LEN_STR, 0 },
		{ "", LEN_STR, 0 },
		{ "enabled ", LEN_STR, 0 },
		{ " enabled", LEN_STR, 0 },
		{ "enable", LEN_STR, 0 },
		{ "enabledd", LEN_STR, 0 },
		{ "enabled\0", 8, 0 },
		{ "disabled\0x", 10, 0 },
		{ "on", LEN_STR, 0 },
		{ "true", LEN_STR, 0 },
	};
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		size_t n = row_len(rows[i].in, rows[i].len);
		const char *why = valid_status(rows[i].in, n);

		if ((why == NULL) != rows[i].ok) {
			print_message("valid_status row %zu: ", i);
			print_escaped(rows[i].in, n);
			print_message(" expected %s\n",
			    rows[i].ok ? "accepted" : "refused");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- valid_positive_int ---- */

struct int_row {
	const char	*in;
	long long	 max;
	enum valid_int	 want;
	long long	 out;	/* checked unless want is VALID_INT_BAD */
};

static const struct int_row int_rows[] = {
	{ "1", 100, VALID_INT_OK, 1 },
	{ "20", 100, VALID_INT_OK, 20 },
	{ "007", 100, VALID_INT_OK, 7 },
	{ "99", 100, VALID_INT_OK, 99 },
	{ "100", 100, VALID_INT_OK, 100 },
	{ "0100", 100, VALID_INT_OK, 100 },
	{ "101", 100, VALID_INT_HUGE, 100 },
	{ "1000", 100, VALID_INT_HUGE, 100 },
	{ "100000000", WH_MAX_PAGE, VALID_INT_OK, 100000000 },
	{ "100000001", WH_MAX_PAGE, VALID_INT_HUGE, WH_MAX_PAGE },
	{ "99999999999999999999999", 100, VALID_INT_HUGE, 100 },
	{ "99999999999999999999999", WH_MAX_PAGE, VALID_INT_HUGE,
	    WH_MAX_PAGE },
	{ "9223372036854775807", 9223372036854775807LL, VALID_INT_OK,
	    9223372036854775807LL },
	{ "9223372036854775808", 9223372036854775807LL, VALID_INT_HUGE,
	    9223372036854775807LL },
	{ "99999999999999999999999", 9223372036854775807LL, VALID_INT_HUGE,
	    9223372036854775807LL },
	{ "95", 95, VALID_INT_OK, 95 },
	{ "96", 95, VALID_INT_HUGE, 95 },
	{ "10", 10, VALID_INT_OK, 10 },
	{ "11", 10, VALID_INT_HUGE, 10 },
	{ "5", 5, VALID_INT_OK, 5 },
	{ "1", 1, VALID_INT_OK, 1 },
	{ "10", 9, VALID_INT_HUGE, 9 },

	{ "0", 100, VALID_INT_BAD, 0 },
	{ "00", 100, VALID_INT_BAD, 0 },
	{ "", 100, VALID_INT_BAD, 0 },
	{ "-1", 100, VALID_INT_BAD, 0 },
	{ "-0", 100, VALID_INT_BAD, 0 },
	{ "+1", 100, VALID_INT_BAD, 0 },
	{ " 1", 100, VALID_INT_BAD, 0 },
	{ "1 ", 100, VALID_INT_BAD, 0 },
	{ "1.0", 100, VALID_INT_BAD, 0 },
	{ "1e3", 100, VALID_INT_BAD, 0 },
	{ "abc", 100, VALID_INT_BAD, 0 },
	{ "0x10", 100, VALID_INT_BAD, 0 },
	{ "1,000", 100, VALID_INT_BAD, 0 },
	{ "\xd9\xa1", 100, VALID_INT_BAD, 0 },	/* ARABIC-INDIC ONE */
	{ "99999999999999999999999x", 100, VALID_INT_BAD, 0 },
	{ "1\n", 100, VALID_INT_BAD, 0 },
};

static const char *
int_name(enum valid_int v)
{
	switch (v) {
	case VALID_INT_OK:
		return "OK";
	case VALID_INT_BAD:
		return "BAD";
	case VALID_INT_HUGE:
		return "HUGE";
	}
	return "?";
}

static void
test_positive_int_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(int_rows); i++) {
		const struct int_row *r = &int_rows[i];
		long long out = -12345;
		enum valid_int got = valid_positive_int(r->in, r->max, &out);

		if (got != r->want ||
		    (r->want != VALID_INT_BAD && out != r->out)) {
			print_message("valid_positive_int row %zu: ", i);
			print_escaped(r->in, strlen(r->in));
			print_message(" max %lld: expected %s/%lld, got "
			    "%s/%lld\n", r->max, int_name(r->want), r->out,
			    int_name(got), out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * valid.h: "VALID_INT_HUGE when it is well-formed but above max (out is
 * then max)".  With max below 9, a single digit above max passes: the
 * overflow test v > (max - d) / 10 truncates a negative (max - d) to 0.
 */
static void
test_positive_int_small_max(void **state)
{
	static const struct int_row rows[] = {
		{ "6", 5, VALID_INT_HUGE, 5 },
		{ "9", 5, VALID_INT_HUGE, 5 },
		{ "2", 1, VALID_INT_HUGE, 1 },
		{ "9", 8, VALID_INT_HUGE, 8 },
		{ "8", 8, VALID_INT_OK, 8 },
	};
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(rows); i++) {
		long long out = -12345;
		enum valid_int got = valid_positive_int(rows[i].in,
		    rows[i].max, &out);

		if (got != rows[i].want || out != rows[i].out) {
			print_message("valid_positive_int \"%s\" max %lld: "
			    "expected %s/%lld, got %s/%lld\n", rows[i].in,
			    rows[i].max, int_name(rows[i].want), rows[i].out,
			    int_name(got), out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_positive_int_null(void **state)
{
	long long	out = 7;

	(void)state;
	assert_int_equal(valid_positive_int(NULL, 100, &out), VALID_INT_BAD);
	assert_int_equal(out, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_rows),
		cmocka_unit_test(test_url_rows_strict),
		cmocka_unit_test(test_url_rows_private),
		cmocka_unit_test(test_url_length),
		cmocka_unit_test(test_url_embedded_nul),
		cmocka_unit_test(test_url_only_len_bytes),
		cmocka_unit_test(test_url_long_localhost),
		cmocka_unit_test(test_url_messages),
		cmocka_unit_test(test_secret_rows),
		cmocka_unit_test(test_secret_length),
		cmocka_unit_test(test_status_rows),
		cmocka_unit_test(test_positive_int_rows),
		cmocka_unit_test(test_positive_int_small_max),
		cmocka_unit_test(test_positive_int_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
