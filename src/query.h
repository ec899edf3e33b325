/* SPDX-License-Identifier: MIT */
/* query.h: query-string parameters (first occurrence wins) and page links. */
#ifndef WH_QUERY_H
#define WH_QUERY_H

#include <stddef.h>

#include "buf.h"
#include "wh_limits.h"

struct query_param {
	char	*key;	/* percent-decoded, NUL-terminated */
	char	*val;	/* percent-decoded; "" when the pair had no '=' */
};

struct query {
	struct query_param	*p;	/* n pairs, in request order */
	int			 n;
	char			*store;	/* owns p and the decoded strings */
};

/*
 * Splits qs (may be NULL) on '&' and decodes each pair ('+' is a space,
 * %XX a byte; a %00 or a broken escape stays literal so that a value
 * never carries a NUL).  nginx bounds the query's length, and so the
 * number of pairs.  Returns 0, or -1 when memory runs out.  Free with query_free.
 */
int		 query_parse(struct query *q, const char *qs);
void		 query_free(struct query *q);

/* The decoded value of the first pair named key, or NULL. */
const char	*query_get(const struct query *q, const char *key);

/*
 * Appends to out the raw query string qs with every pair named key
 * removed and "key=value" put where the first one stood (first when
 * there was none).  Returns 0 or -1 (out of memory).
 */
int		 query_link(struct buf *out, const char *qs, const char *key,
		    long long value);

/* As query_link with a string value, which must need no escaping. */
int		 query_link_str(struct buf *out, const char *qs, const char *key,
		    const char *value);

#endif
