/* SPDX-License-Identifier: MIT */
/* query.c: parse query strings and rewrite them for pagination links. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of s into out (room for n + 1); returns out. */
static char *
decode(const char *s, size_t n, char *out)
{
	char	*o = out;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0 && (hi | lo) != 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

int
query_parse(struct query *q, const char *qs)
{
	const char	*seg, *amp, *eq;
	char		*o;
	size_t		 len, pairs = 1;

	memset(q, 0, sizeof(*q));
	if (qs == NULL || *qs == '\0')
		return 0;
	len = strlen(qs);
	for (const char *c = qs; *c != '\0'; c++)
		pairs += *c == '&';
	/* One block: the pair array, then each pair's decoded key and value,
	 * which fit in their raw bytes plus two NULs. */
	if (pairs > (SIZE_MAX - len) / (sizeof(*q->p) + 2) ||
	    (q->store = malloc(pairs * sizeof(*q->p) + len + 2 * pairs)) == NULL)
		return -1;
	q->p = (struct query_param *)(void *)q->store;
	o = q->store + pairs * sizeof(*q->p);
	for (seg = qs; seg != NULL; seg = amp) {
		const char *end;
		amp = strchr(seg, '&');
		end = amp != NULL ? amp : seg + strlen(seg);
		if (amp != NULL)
			amp++;
		if (end == seg)
			continue;
		eq = memchr(seg, '=', (size_t)(end - seg));
		q->p[q->n].key = decode(seg, (size_t)((eq ? eq : end) - seg), o);
		o += strlen(o) + 1;
		q->p[q->n].val = decode(eq ? eq + 1 : end,
		    eq ? (size_t)(end - eq - 1) : 0, o);
		o += strlen(o) + 1;
		q->n++;
	}
	return 0;
}

void
query_free(struct query *q)
{
	if (q == NULL)
		return;
	free(q->store);
	q->store = NULL;
	q->p = NULL;
	q->n = 0;
}

const char *
query_get(const struct query *q, const char *key)
{
	for (int i = 0; i < q->n; i++)
		if (strcmp(q->p[i].key, key) == 0)
			return q->p[i].val;
	return NULL;
}

/* Does the raw pair seg[0..n) have the decoded name key? */
static int
pair_named(const char *seg, size_t n, const char *key)
{
	char		 tmp[64];
	const char	*eq = memchr(seg, '=', n);
	size_t		 kn = (size_t)((eq ? eq : seg + n) - seg);

	if (kn >= sizeof(tmp))
		return 0;
	return strcmp(decode(seg, kn, tmp), key) == 0;
}

static int
pair_present(const char *qs, const char *key)
{
	const char	*seg, *amp;

	for (seg = qs; *seg != '\0'; seg = amp) {
		size_t n;
		amp = strchr(seg, '&');
		n = amp != NULL ? (size_t)(amp - seg) : strlen(seg);
		amp = amp != NULL ? amp + 1 : seg + n;
		if (n > 0 && pair_named(seg, n, key))
			return 1;
	}
	return 0;
}

int
query_link_str(struct buf *out, const char *qs, const char *key,
    const char *value)
{
	const char	*seg, *amp;
	int		 placed = 0, first = 1;

	if (qs == NULL)
		qs = "";
	if (!pair_present(qs, key)) {
		if (buf_printf(out, "%s=%s", key, value) == -1)
			return -1;
		placed = 1;
		first = 0;
	}
	for (seg = qs; *seg != '\0'; seg = amp) {
		size_t n;
		amp = strchr(seg, '&');
		n = amp != NULL ? (size_t)(amp - seg) : strlen(seg);
		amp = amp != NULL ? amp + 1 : seg + n;
		if (n == 0)
			continue;
		if (pair_named(seg, n, key)) {
			if (placed)
				continue;
			placed = 1;
			if (buf_printf(out, "%s%s=%s", first ? "" : "&", key,
			    value) == -1)
				return -1;
		} else if ((!first && buf_puts(out, "&") == -1) ||
		    buf_append(out, seg, n) == -1)
			return -1;
		first = 0;
	}
	return 0;
}

int
query_link(struct buf *out, const char *qs, const char *key, long long value)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", value);
	return query_link_str(out, qs, key, num);
}
