/* SPDX-License-Identifier: MIT */
/* jsonx.c: strict UTF-8 and JSON token checks before json-c parses a body. */
#include <string.h>

#include "buf.h"
#include "jsonx.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char	c = s[0];
	size_t		len;
	unsigned char	lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;		/* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;		/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;		/* not above U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static int
is_word(const char *s, size_t n, size_t *used)
{
	static const char *const words[] = { "true", "false", "null" };
	size_t	k = 0;

	while (k < n && ((s[k] >= 'a' && s[k] <= 'z') ||
	    (s[k] >= 'A' && s[k] <= 'Z')))
		k++;
	*used = k;
	for (size_t i = 0; i < 3; i++)
		if (strlen(words[i]) == k && memcmp(s, words[i], k) == 0)
			return 1;
	return 0;
}

static int
hex4(const char *s, size_t n, size_t i, unsigned *out)
{
	*out = 0;
	if (i + 4 > n)
		return -1;
	for (size_t k = i; k < i + 4; k++) {
		char c = s[k];
		*out <<= 4;
		if (c >= '0' && c <= '9')
			*out |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*out |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*out |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A \u escape whose 4 hex digits start at s[*i]; advances *i to its last
 * digit (or the last digit of the low surrogate that must follow). */
static const char *
scan_unicode(const char *s, size_t n, size_t *i, int *nul)
{
	unsigned	u, lo;

	if (hex4(s, n, *i, &u) == -1)
		return "JSON parse error: bad \\u escape.";
	*i += 3;
	if (u == 0)
		*nul = 1;
	if (u >= 0xdc00 && u <= 0xdfff)
		return "JSON parse error: lone surrogate escape.";
	if (u >= 0xd800 && u <= 0xdbff) {
		if (*i + 2 >= n || s[*i + 1] != '\\' || s[*i + 2] != 'u' ||
		    hex4(s, n, *i + 3, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return "JSON parse error: lone surrogate escape.";
		*i += 6;
	}
	return NULL;
}

/* Scans the string whose first byte is s[*i], up to its closing quote. */
static const char *
scan_string(const char *s, size_t n, size_t *i, int *nul)
{
	const char	*why;

	for (; *i < n; (*i)++) {
		if (s[*i] == '"')
			return NULL;
		if ((unsigned char)s[*i] < 0x20)
			return "JSON parse error: control character in a string.";
		if (s[*i] != '\\')
			continue;
		if (++(*i) >= n)
			break;
		if (s[*i] == 'u') {
			(*i)++;
			if ((why = scan_unicode(s, n, i, nul)) != NULL)
				return why;
		}
	}
	return "JSON parse error: unterminated string.";
}

/* Is the string that ended at s[end] an object key (a ':' follows)? */
static int
is_key(const char *s, size_t n, size_t end)
{
	size_t	k = end + 1;

	while (k < n && strchr(" \t\r\n", s[k]) != NULL && s[k] != '\0')
		k++;
	return k < n && s[k] == ':';
}

const char *
jsonx_check(const char *s, size_t n, struct jsonx_span *nul_key)
{
	const char	*why;
	size_t		 used, start;
	int		 nul;

	nul_key->off = nul_key->len = 0;
	for (size_t i = 0; i < n; i += used) {
		used = utf8_len((const unsigned char *)s + i, n - i);
		if (used == 0)
			return "Request body is not valid UTF-8.";
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			start = ++i;
			nul = 0;
			if ((why = scan_string(s, n, &i, &nul)) != NULL)
				return why;
			if (nul && nul_key->len == 0 && is_key(s, n, i)) {
				nul_key->off = start;
				nul_key->len = i - start;
			}
		} else if ((c == 'e' || c == 'E') && i > 0 &&
		    ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.')) {
			continue;	/* an exponent; json-c checks the number */
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			if (!is_word(s + i, n - i, &used))
				return "JSON parse error: unexpected literal.";
			i += used - 1;
		} else if (strchr("{}[]:,-+.0123456789 \t\r\n", c) == NULL ||
		    c == '\0')
			return "JSON parse error: unexpected character.";
	}
	return NULL;
}

json_object *
jsonx_string_lossy(const char *s, size_t n, size_t max)
{
	struct buf	 b = { 0 };
	json_object	*o = NULL;
	size_t		 used;

	for (size_t i = 0; i < n; i += used) {
		used = utf8_len((const unsigned char *)s + i, n - i);
		if (b.len + (used == 0 ? 3 : used) > max)
			break;
		if (used == 0) {
			used = 1;
			if (buf_append(&b, "\xef\xbf\xbd", 3) == -1)
				goto out;
		} else if (buf_append(&b, s + i, used) == -1)
			goto out;
	}
	o = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
out:
	buf_free(&b);
	return o;
}
