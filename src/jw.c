/* SPDX-License-Identifier: MIT */
/* jw.c: streaming JSON writer. */
#include <stdio.h>
#include <string.h>

#include "jw.h"

void
jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
}

static void
put(struct jw *w, const char *s, size_t n)
{
	if (!w->err && buf_append(w->b, s, n) == -1)
		w->err = 1;
}

/* The separator before a value (or a key) at the current level. */
static void
sep(struct jw *w)
{
	if (w->count[w->depth] != 0)
		put(w, ",", 1);
	w->count[w->depth] = 1;
}

static void
open_level(struct jw *w, const char *c)
{
	put(w, c, 1);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	w->count[++w->depth] = 0;
}

static void
close_level(struct jw *w, const char *c)
{
	put(w, c, 1);
	if (w->depth == 0)
		w->err = 1;
	else
		w->depth--;
}

/* Values after a key take no separator of their own. */
static void
value_start(struct jw *w)
{
	if (w->after_key)
		w->after_key = 0;
	else
		sep(w);
}

void
jw_obj(struct jw *w)
{
	value_start(w);
	open_level(w, "{");
}

void
jw_obj_end(struct jw *w)
{
	close_level(w, "}");
}

void
jw_arr(struct jw *w)
{
	value_start(w);
	open_level(w, "[");
}

void
jw_arr_end(struct jw *w)
{
	close_level(w, "]");
}

static void
escaped(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	start = 0;

	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];
		char		e[8];
		size_t		en = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + start, i - start);
		start = i + 1;
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			en = 6;
		}
		put(w, e, en);
	}
	put(w, s + start, n - start);
	put(w, "\"", 1);
}

void
jw_key(struct jw *w, const char *key)
{
	sep(w);
	escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->after_key = 1;
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	value_start(w);
	escaped(w, s, n);
}

void
jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void
jw_null(struct jw *w)
{
	value_start(w);
	put(w, "null", 4);
}

void
jw_str_or_null(struct jw *w, const char *s)
{
	if (s == NULL || *s == '\0')
		jw_null(w);
	else
		jw_str(w, s);
}

void
jw_int(struct jw *w, long long v)
{
	char	tmp[24];
	int	n = snprintf(tmp, sizeof(tmp), "%lld", v);

	value_start(w);
	put(w, tmp, (size_t)n);
}

void
jw_int_or_null(struct jw *w, long long v)
{
	if (v < 0)
		jw_null(w);
	else
		jw_int(w, v);
}

void
jw_bool(struct jw *w, int v)
{
	value_start(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

int
jw_error(const struct jw *w)
{
	return w->err ? -1 : 0;
}

void
jw_raw(struct jw *w, const char *s, size_t n)
{
	value_start(w);
	put(w, s, n);
}
