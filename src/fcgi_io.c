/* SPDX-License-Identifier: MIT */
/* fcgi_io.c: turn a FastCGI request into struct req and struct resp back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_io.h"
#include "wh_limits.h"

static long long
parse_length(const char *s)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return WH_MAX_EVENT_BODY + 1LL;	/* absurd: too large */
	return v;
}

void
fcgi_drain(FCGX_Request *r)
{
	char	tmp[8192];

	while (FCGX_GetStr(tmp, sizeof(tmp), r->in) > 0)
		;
}

void
fcgi_finish(FCGX_Request *r)
{
	if (r->in != NULL && FCGX_HasSeenEOF(r->in) == EOF &&
	    FCGX_GetError(r->in) == 0)
		FCGX_Detach(r);
	FCGX_Finish_r(r);
}

/* req_body_fn: up to EOF, never more than limit bytes kept. */
static int
read_body(void *src, size_t limit, const char **body, size_t *len,
    int *too_large)
{
	struct fcgi_body	*b = src;
	char			 tmp[8192];
	int			 n;

	buf_reset(&b->buf);
	*too_large = 0;
	while ((n = FCGX_GetStr(tmp, sizeof(tmp), b->r->in)) > 0) {
		if (b->buf.len + (size_t)n > limit) {
			*too_large = 1;
			break;
		}
		if (buf_append(&b->buf, tmp, (size_t)n) == -1)
			return -1;
	}
	*body = b->buf.data != NULL ? b->buf.data : "";
	*len = b->buf.len;
	return 0;
}

void
fcgi_read_request(FCGX_Request *r, struct req *q, struct fcgi_body *b)
{
	const char	*uri, *qm;

	memset(q, 0, sizeof(*q));
	q->method = http_method_parse(FCGX_GetParam("REQUEST_METHOD", r->envp));
	if ((uri = FCGX_GetParam("REQUEST_URI", r->envp)) == NULL &&
	    (uri = FCGX_GetParam("DOCUMENT_URI", r->envp)) == NULL)
		uri = "/";
	q->path = uri;
	qm = strchr(uri, '?');
	q->path_len = qm != NULL ? (size_t)(qm - uri) : strlen(uri);
	q->query = FCGX_GetParam("QUERY_STRING", r->envp);
	if (q->query == NULL && qm != NULL)
		q->query = qm + 1;
	q->content_type = FCGX_GetParam("CONTENT_TYPE", r->envp);
	if (q->content_type != NULL && *q->content_type == '\0')
		q->content_type = NULL;
	q->content_length = parse_length(FCGX_GetParam("CONTENT_LENGTH", r->envp));
	q->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", r->envp);
	q->host = FCGX_GetParam("HTTP_HOST", r->envp);
	q->scheme = FCGX_GetParam("REQUEST_SCHEME", r->envp);
	if (q->scheme == NULL)
		q->scheme = FCGX_GetParam("HTTPS", r->envp) != NULL ? "https" : "http";
	q->request_id = FCGX_GetParam("REQUEST_ID", r->envp);
	q->origin = FCGX_GetParam("HTTP_ORIGIN", r->envp);
	q->acr_method = FCGX_GetParam("HTTP_ACCESS_CONTROL_REQUEST_METHOD",
	    r->envp);
	b->r = r;
	q->read_body = read_body;
	q->body_src = b;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	}
	return "Unknown";
}

void
fcgi_write_response(FCGX_Request *r, const struct req *q, const struct resp *p)
{
	int	status = p->status ? p->status : 503;

	FCGX_FPrintF(r->out, "Status: %d %s\r\n", status, reason(status));
	if (status != 204)
		FCGX_FPrintF(r->out, "Content-Type: application/json\r\n"
		    "Content-Length: %lu\r\n", (unsigned long)p->body.len);
	FCGX_PutS("Cache-Control: no-store\r\n", r->out);
	for (int i = 0; i < p->nheaders; i++)
		FCGX_FPrintF(r->out, "%s: %s\r\n", p->hname[i], p->hval[i]);
	FCGX_PutS("\r\n", r->out);
	if (status != 204 && q->method != HTTP_HEAD && p->body.len > 0)
		FCGX_PutStr(p->body.data, (int)p->body.len, r->out);
}
