/* SPDX-License-Identifier: MIT */
/* service.c: the request pipeline and the helpers handlers share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "router.h"
#include "service.h"
#include "valid.h"

static void	service_route(struct svc *, const struct req *, struct resp *);

/*
 * The one mapping of database results to the contract's errors.  Only a
 * lookup's wrapper (db_*_get, update, delete) gives DB_NOTFOUND, so it is
 * the caller's object that is missing: 404.  A duplicate, a deadlock that
 * retries did not resolve, an outage or any other error leaves the
 * request without effect: 503.  (DB_DUP and DB_LIMIT have answers of their
 * own where they can happen.)
 */
static enum wh_err
err_of_db(enum db_rc rc)
{
	switch (rc) {
	case DB_OK:
		return WH_OK;
	case DB_NOTFOUND:
		return WH_E_NOT_FOUND;
	default:
		return WH_E_UNAVAILABLE;
	}
}

void
ctx_db_error(struct ctx *c, enum db_rc rc)
{
	/* An operator sees why a request got its 503. */
	if (err_of_db(rc) == WH_E_UNAVAILABLE)
		log_warn("answered 503: the database reported %s (%s)",
		    rc == DB_DOWN ? "unreachable" : rc == DB_DEADLOCK ?
		    "conflicts" : "an error", db_error(c->svc->db));
	resp_error(c->resp, err_of_db(rc), NULL, NULL);
}

int
ctx_page(struct ctx *c, const struct page_input *in, struct page *p)
{
	if (in->has_page && in->page.bad) {
		resp_error(c->resp, WH_E_INVALID_PAGE, NULL, NULL);
		return -1;
	}
	p->number = in->has_page ? in->page.number : 1;
	p->size = in->has_size ? in->size : c->svc->conf->page_size;
	return 0;
}

long long
page_count_from_rows(const struct page *p, long long fetched)
{
	return fetched <= p->size ? (p->number - 1) * p->size + fetched : -1;
}

/* The largest row a page or the attempt log is fetched as. */
static size_t
row_size_max(void)
{
	size_t	m = sizeof(struct template_row);

	if (sizeof(struct webhook_row) > m)
		m = sizeof(struct webhook_row);
	if (sizeof(struct delivery_row) > m)
		m = sizeof(struct delivery_row);
	if (sizeof(struct attempt_row) > m)
		m = sizeof(struct attempt_row);
	if (sizeof(struct event_row) > m)
		m = sizeof(struct event_row);
	return m;
}

int
svc_rows_init(struct svc *svc)
{
	/* A page of webhooks or templates (max_page_size), of deliveries
	 * (WH_MAX_PAGE_SIZE), each with its look-ahead row; an attempt log. */
	long long	n = svc->conf->max_page_size;

	if (n < WH_MAX_PAGE_SIZE)
		n = WH_MAX_PAGE_SIZE;
	if (n < WH_MAX_ATTEMPT_LOG)
		n = WH_MAX_ATTEMPT_LOG;
	n++;
	svc->rows_bytes = (size_t)n * row_size_max();
	return (svc->rows = malloc(svc->rows_bytes)) == NULL ? -1 : 0;
}

void
svc_rows_free(struct svc *svc)
{
	free(svc->rows);
	svc->rows = NULL;
	svc->rows_bytes = 0;
}

void *
svc_rows(struct svc *svc, size_t size, long long n)
{
	return n > 0 && (size_t)n <= svc->rows_bytes / size ? svc->rows : NULL;
}

void
ctx_link(struct ctx *c, struct jw *w, const char *path, const char *key,
    const char *value)
{
	struct buf	b = { 0 };

	if (buf_printf(&b, "%s://%s%s?", c->req->scheme ? c->req->scheme :
	    "http", c->req->host ? c->req->host : "localhost", path) == 0 &&
	    query_link_str(&b, c->req->query, key, value) == 0)
		jw_strn(w, b.data, b.len);
	else
		w->err = 1;
	buf_free(&b);
}

void
ctx_field_error(struct ctx *c, const char *field, const char *msg)
{
	if (fields_error(&c->errors, field, msg) == -1) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;		/* c->errors freed by the service */
	}
	resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
	c->errors = NULL;	/* taken */
}

/* The link to page number of path, as the next value of w. */
static void
page_link(struct ctx *c, struct jw *w, const char *path, long long number)
{
	char	num[24];

	snprintf(num, sizeof(num), "%lld", number);
	ctx_link(c, w, path, "page", num);
}

int
page_begin(struct ctx *c, const struct page *p, long long count,
    const char *path, struct jw *w)
{
	long long	last = count == 0 ? 1 : (count + p->size - 1) / p->size;

	if (p->number > last) {
		resp_error(c->resp, WH_E_INVALID_PAGE, NULL, NULL);
		return -1;
	}
	buf_reset(&c->resp->body);
	jw_init(w, &c->resp->body);
	jw_obj(w);
	jw_key(w, "count");
	jw_int(w, count);
	jw_key(w, "next");
	if (p->number < last)
		page_link(c, w, path, p->number + 1);
	else
		jw_null(w);
	jw_key(w, "previous");
	if (p->number > 1)
		page_link(c, w, path, p->number - 1);
	else
		jw_null(w);
	jw_key(w, "results");
	jw_arr(w);
	return 0;
}

void
page_end(struct ctx *c, struct jw *w)
{
	jw_arr_end(w);
	jw_obj_end(w);
	resp_jw_done(c->resp, 200, w);
}

/* Authentication and role; 0 to go on, -1 when answered. */
static int
check_auth(struct ctx *c, const struct route *r)
{
	enum wh_err	e;

	if (r->flags & RF_NOAUTH)
		return 0;
	e = auth_check(c->svc->auth, c->svc->db, c->req->authorization, &c->who);
	if (e == WH_E_NOT_AUTH || e == WH_E_AUTH_FAILED) {
		resp_error(c->resp, e, NULL, NULL);
		resp_header(c->resp, "WWW-Authenticate", "Bearer realm=\"webhooks\"");
		return -1;
	}
	if (e != WH_OK) {
		resp_error(c->resp, e, NULL, NULL);
		return -1;
	}
	if ((r->flags & RF_SERVICE) && !c->who.is_service) {
		resp_error(c->resp, WH_E_PERMISSION, "This endpoint needs a "
		    "token with the service role.", NULL);
		return -1;
	}
	return 0;
}

/*
 * A key holding an escaped U+0000 names no field of ours, but json-c
 * would cut it at the NUL; answer with the key exactly as sent (its raw
 * text between the quotes, which jsonx_check found to be valid JSON).
 */
static void
answer_nul_key(struct ctx *c, const char *raw, size_t n)
{
	struct resp	*r = c->resp;

	buf_reset(&r->body);
	if (buf_printf(&r->body, "{\"detail\":\"%s\",\"code\":\"%s\","
	    "\"errors\":{\"%.*s\":[\"Unknown field.\"]}}",
	    err_detail(WH_E_INVALID), err_code(WH_E_INVALID), (int)n, raw) == -1)
		resp_error(r, WH_E_NOMEM, NULL, NULL);
	else
		r->status = err_status(WH_E_INVALID);
}

/* Size, media type and JSON of a body route; 0 or -1 when answered. */
static int
check_body(struct ctx *c, const struct route *r)
{
	const struct req	*q = c->req;
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	const char		*why;
	struct jsonx_span	 nul_key;
	char			 why413[64];
	int			 too_large = 0;

	/* The route's limit, checked before anything is read when the length
	 * is declared; otherwise no more than the limit is kept. */
	if ((q->content_length > 0 &&
	    (unsigned long long)q->content_length > r->max_body) ||
	    (q->read_body != NULL && q->read_body(q->body_src, r->max_body,
	    &c->body_text, &c->body_len, &too_large) == 0 && too_large)) {
		snprintf(why413, sizeof(why413), "Request body is larger than "
		    "%zu KiB.", r->max_body / 1024);
		resp_error(c->resp, WH_E_TOO_LARGE, why413, NULL);
		return -1;
	}
	if (q->read_body != NULL && c->body_text == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return -1;
	}
	if (c->body_text == NULL)
		c->body_text = "";
	if (!http_is_json_type(q->content_type)) {
		resp_error(c->resp, WH_E_MEDIA_TYPE, NULL, NULL);
		return -1;
	}
	if (c->body_len == 0) {
		resp_error(c->resp, WH_E_PARSE, "Request body is empty: "
		    "expected a JSON object.", NULL);
		return -1;
	}
	if ((why = jsonx_check(c->body_text, c->body_len, &nul_key)) != NULL) {
		resp_error(c->resp, WH_E_PARSE, why, NULL);
		return -1;
	}
	if (nul_key.len > 0) {
		answer_nul_key(c, c->body_text + nul_key.off, nul_key.len);
		return -1;
	}
	if ((tok = json_tokener_new_ex(WH_MAX_JSON_DEPTH)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	c->body = json_tokener_parse_ex(tok, c->body_text, (int)c->body_len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) != c->body_len) {
		/* Only white space may follow the value. */
		for (size_t i = json_tokener_get_parse_end(tok); i < c->body_len; i++)
			if (strchr(" \t\r\n", c->body_text[i]) == NULL || c->body_text[i] == '\0')
				jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success ||
	    !json_object_is_type(c->body, json_type_object)) {
		resp_error(c->resp, WH_E_PARSE, jerr != json_tokener_success ?
		    "JSON parse error: the request body is not valid JSON." :
		    "Malformed request body: expected a JSON object.", NULL);
		return -1;
	}
	return 0;
}

/*
 * CORS for browser callers on the allow-list: every answer (errors too)
 * names the origin so the page can read it; other origins get nothing.
 */
static void
cors_headers(struct svc *svc, const struct req *req, struct resp *resp)
{
	resp_header(resp, "Vary", "Origin");
	if (!conf_cors_allowed(svc->conf, req->origin))
		return;
	resp_header(resp, "Access-Control-Allow-Origin", req->origin);
	resp_header(resp, "Access-Control-Expose-Headers",
	    "Location, X-Request-Id, WWW-Authenticate, Retry-After");
}

/* A preflight (OPTIONS) of a known route: 204 with what may be sent. */
static void
preflight(struct svc *svc, const struct req *req, struct resp *resp,
    unsigned allowed)
{
	char	list[96], age[16];

	resp_allow_list(allowed, list, sizeof(list));
	resp->status = 204;
	resp_header(resp, "Allow", list);
	if (!conf_cors_allowed(svc->conf, req->origin))
		return;
	snprintf(age, sizeof(age), "%d", svc->conf->cors_max_age);
	resp_header(resp, "Access-Control-Allow-Methods", list);
	resp_header(resp, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type");
	resp_header(resp, "Access-Control-Max-Age", age);
}

void
service_handle(struct svc *svc, const struct req *req, struct resp *resp)
{
	service_route(svc, req, resp);
	if (svc->conf->cors_origins != NULL)
		cors_headers(svc, req, resp);
}

/*
 * The route's declared input: query parameters, body members and the
 * path's ids, into c->in and c->path_id*.  Answers 400 with every invalid
 * field, then 404 for a malformed id, and returns -1; a RF_LOOKUP route
 * gets its errors in c->errors to complete and answer itself.
 */
static int
validate(struct ctx *c, const struct route_match *m)
{
	const struct route	*r = m->route;
	struct field_env	 e = { c->svc->conf->allow_private_endpoints,
	    c->svc->conf->max_page_size };

	memset(&c->in, 0, sizeof(c->in));
	if ((r->fields != NULL && fields_parse(r->fields, r->nfields, &e,
	    c->body, &c->in, sizeof(c->in), &c->errors) == -1) ||
	    (r->query != NULL && fields_query(r->query, r->nquery, &e,
	    &c->query, &c->in, &c->errors) == -1)) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return -1;
	}
	c->path_ok = (m->id == NULL || valid_uuid(m->id, m->id_len,
	    c->path_id) == NULL) && (m->id2 == NULL || valid_uuid(m->id2,
	    m->id2_len, c->path_id2) == NULL);
	if (r->flags & RF_LOOKUP)
		return 0;
	if (c->errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
		c->errors = NULL;	/* taken */
		return -1;
	}
	if (!c->path_ok) {
		resp_error(c->resp, WH_E_NOT_FOUND, NULL, NULL);
		return -1;
	}
	return 0;
}

void
service_route(struct svc *svc, const struct req *req, struct resp *resp)
{
	struct route_match	m;
	struct ctx		c;
	char			allow[96];

	memset(&c, 0, sizeof(c));
	c.svc = svc;
	c.req = req;
	c.resp = resp;
	router_match(req->path, req->path_len, req->method, &m);
	if (m.allowed == 0) {
		resp_error(resp, WH_E_NOT_FOUND, NULL, NULL);
		return;
	}
	if (m.route == NULL && req->method == HTTP_OPTIONS) {
		preflight(svc, req, resp, m.allowed);
		return;
	}
	if (m.route == NULL) {
		resp_allow_list(m.allowed, allow, sizeof(allow));
		resp_error(resp, WH_E_METHOD, NULL, NULL);
		resp_header(resp, "Allow", allow);
		return;
	}
	c.id = m.id;
	c.id_len = m.id_len;
	c.id2 = m.id2;
	c.id2_len = m.id2_len;
	if (check_auth(&c, m.route) == -1)
		return;
	if ((m.route->flags & RF_BODY) && check_body(&c, m.route) == -1)
		goto out;
	if (query_parse(&c.query, req->query) == -1) {
		resp_error(resp, WH_E_NOMEM, NULL, NULL);
		goto out;
	}
	if (validate(&c, &m) == 0)
		m.route->fn(&c);
out:
	json_object_put(c.errors);
	query_free(&c.query);
	json_object_put(c.body);
}
