/* SPDX-License-Identifier: MIT */
/* http.c: building responses in the contract's JSON shape. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "jw.h"

static const struct {
	const char		*name;
	enum http_method	 m;
} methods[] = {
	{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD }, { "POST", HTTP_POST },
	{ "PUT", HTTP_PUT }, { "PATCH", HTTP_PATCH },
	{ "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
};

enum http_method
http_method_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].m;
	return HTTP_OTHER;
}

void
resp_allow_list(unsigned mask, char *out, size_t outlen)
{
	size_t	n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (!(mask & methods[i].m))
			continue;
		n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0,
		    "%s%s", n ? ", " : "", methods[i].name);
	}
}

int
resp_header(struct resp *r, const char *name, const char *value)
{
	char	*v;

	if (r->nheaders >= WH_RESP_MAX_HEADERS || (v = strdup(value)) == NULL)
		return -1;
	r->hname[r->nheaders] = name;
	r->hval[r->nheaders++] = v;
	return 0;
}

int
resp_json(struct resp *r, int status, json_object *obj)
{
	const char	*s;
	size_t		 n;

	buf_reset(&r->body);
	s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL || buf_append(&r->body, s, n) == -1) {
		r->status = 503;
		buf_reset(&r->body);
		buf_puts(&r->body, "{\"detail\": \"Out of memory.\", "
		    "\"code\": \"unavailable\"}");
		return -1;
	}
	r->status = status;
	return 0;
}

int
resp_jw_done(struct resp *r, int status, const struct jw *w)
{
	if (jw_error(w) == 0) {
		r->status = status;
		return 0;
	}
	r->status = 503;
	buf_reset(&r->body);
	buf_puts(&r->body, "{\"detail\": \"Out of memory.\", "
	    "\"code\": \"unavailable\"}");
	return -1;
}

void
resp_error(struct resp *r, enum wh_err e, const char *detail,
    json_object *errors)
{
	json_object	*o = json_object_new_object();
	int		 bad;

	bad = o == NULL ||
	    json_object_object_add(o, "detail", json_object_new_string(
	    detail ? detail : err_detail(e))) != 0 ||
	    json_object_object_add(o, "code",
	    json_object_new_string(err_code(e))) != 0;
	if (errors != NULL) {
		if (bad || json_object_object_add(o, "errors", errors) != 0) {
			json_object_put(errors);	/* not taken by o */
			bad = 1;
		}
	}
	if (bad) {
		json_object_put(o);
		r->status = 503;
		buf_reset(&r->body);
		buf_puts(&r->body, "{\"detail\": \"Out of memory.\", "
		    "\"code\": \"unavailable\"}");
		return;
	}
	resp_json(r, err_status(e), o);
	json_object_put(o);
	/* The database is away: one reconnect later may answer. */
	if (r->status == 503)
		(void)resp_header(r, "Retry-After", WH_UNAVAILABLE_RETRY_S);
}

void
resp_reset(struct resp *r)
{
	for (int i = 0; i < r->nheaders; i++)
		free(r->hval[i]);
	r->nheaders = 0;
	r->status = 0;
	buf_reset(&r->body);
}

void
resp_free(struct resp *r)
{
	if (r == NULL)
		return;
	resp_reset(r);
	buf_free(&r->body);
}

int
http_is_json_type(const char *ct)
{
	static const char	 want[] = "application/json";
	const size_t		 n = sizeof(want) - 1;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}
