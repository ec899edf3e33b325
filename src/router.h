/* SPDX-License-Identifier: MIT */
/* router.h: the table of routes: path pattern and method to handler. */
#ifndef WH_ROUTER_H
#define WH_ROUTER_H

#include <stddef.h>

#include "http.h"

struct ctx;
typedef void (*handler_fn)(struct ctx *);

enum route_flag {
	RF_NOAUTH = 1 << 0,	/* no Authorization needed or looked at */
	RF_BODY = 1 << 1,	/* takes a JSON object body */
	RF_SERVICE = 1 << 2,	/* needs a token with the service role */
	/* The handler adds field errors that need the database (an active
	 * template, an unchanged api_template, a known user) to ctx.errors
	 * and answers the 400 and the path's 404 itself. */
	RF_LOOKUP = 1 << 3
};

/*
 * A route: what it accepts, declared.  Every '*' of the pattern is a UUID
 * (a malformed one is a failed lookup: 404 after validation).  service
 * routes, authenticates, reads the body within max_body, validates the
 * body members (fields) and query parameters (query) into ctx.in, and
 * answers 400/404/413 itself; the handler gets valid values.
 */
struct route {
	const char		*pattern;	/* under /webhooks/v1/, '*' = one id */
	enum http_method	 method;
	handler_fn		 fn;
	unsigned		 flags;
	size_t			 max_body;
	const struct body_field	*fields;
	size_t			 nfields;
	const struct query_field *query;
	size_t			 nquery;
};

struct route_match {
	const struct route	*route;		/* NULL: see allowed */
	unsigned		 allowed;	/* methods of the path; 0: no route */
	const char		*id;		/* the first '*' segment, not terminated */
	size_t			 id_len;
	const char		*id2;		/* the second, if the pattern has one */
	size_t			 id2_len;
};

/* Matches a raw request path against the table.  HEAD matches GET. */
void	router_match(const char *path, size_t len, enum http_method m,
	    struct route_match *out);

#endif
