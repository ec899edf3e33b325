/* SPDX-License-Identifier: MIT */
/* http.h: the request and response as handlers see them, free of FastCGI. */
#ifndef WH_HTTP_H
#define WH_HTTP_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"
#include "err.h"
#include "wh_limits.h"

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
	HTTP_OTHER = 1 << 7
};

/*
 * Reads the request's body, at most limit bytes, once the route that says
 * the limit is known: *body and *len point into memory the reader owns
 * until the response is written; *too_large is set when there is more
 * (which is not kept).  Returns 0, or -1 when memory runs out.
 */
typedef int (*req_body_fn)(void *src, size_t limit, const char **body,
    size_t *len, int *too_large);

/*
 * A request.  The strings point into the FastCGI environment and live
 * until the response is written; the body is read on demand.
 */
struct req {
	enum http_method	 method;
	const char		*path;		/* without the query */
	size_t			 path_len;
	const char		*query;		/* raw, without '?'; may be NULL */
	const char		*content_type;	/* NULL when absent */
	long long		 content_length; /* -1 when absent */
	const char		*authorization;
	const char		*host;
	const char		*scheme;	/* "http" or "https" */
	const char		*request_id;
	const char		*origin;	/* Origin header, CORS */
	const char		*acr_method;	/* Access-Control-Request-Method */
	req_body_fn		 read_body;	/* NULL: no body */
	void			*body_src;
};


/* A response; status 0 means "not answered yet". */
struct resp {
	int		 status;
	const char	*hname[WH_RESP_MAX_HEADERS];
	char		*hval[WH_RESP_MAX_HEADERS];	/* owned */
	int		 nheaders;
	struct buf	 body;				/* JSON text */
};

/* The method enum of a REQUEST_METHOD string. */
enum http_method http_method_parse(const char *);

/* "GET, HEAD, POST" style list of a method mask into out. */
void	resp_allow_list(unsigned mask, char *out, size_t outlen);

/* Adds a header (value copied); returns 0 or -1 (no room, no memory). */
int	resp_header(struct resp *, const char *name, const char *value);

/* Sets status and the body to the JSON text of obj (which it does not
 * take).  Returns 0 or -1 (out of memory: the response becomes a 503). */
int	resp_json(struct resp *, int status, json_object *obj);

/* Ends a response whose body a jw wrote: status, or a 503 when the
 * writer ran out of memory.  Returns 0 or -1. */
struct jw;
int	resp_jw_done(struct resp *, int status, const struct jw *);

/* Sets an error response in the contract's shape; errors (may be NULL)
 * becomes the "errors" member and is taken; detail NULL: the default. */
void	resp_error(struct resp *, enum wh_err, const char *detail,
	    json_object *errors);

void	resp_reset(struct resp *);	/* frees headers and empties the body */
void	resp_free(struct resp *);

/* Does a Content-Type value name application/json (case-insensitive,
 * parameters allowed)? */
int	http_is_json_type(const char *);

#endif
