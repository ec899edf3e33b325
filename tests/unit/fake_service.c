/* SPDX-License-Identifier: MIT */
/* fake_service.c: a service without a database for the handler tests:
 * requests built in memory, the token lookup wrapped, answers parsed. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "crypto.h"
#include "fake_service.h"

#define TOK	"whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

uint64_t	fake_user_id = 42;
int		fake_is_service;
const char	fake_token_header[] = "Bearer " TOK;
const char	*fake_authorization = fake_token_header;

enum db_rc	__wrap_db_auth_token(struct db *, const unsigned char[32],
		    struct principal *);

/* Every token is the caller the test chose. */
enum db_rc
__wrap_db_auth_token(struct db *db, const unsigned char hash[32],
    struct principal *out)
{
	(void)db;
	(void)hash;
	memset(out, 0, sizeof(*out));
	out->user_id = fake_user_id;
	out->is_service = fake_is_service;
	snprintf(out->username, sizeof(out->username), "%s", FAKE_USERNAME);
	out->expires_in_ms = -1;
	return DB_OK;
}

/* The body of a request: all of it, at most limit kept. */
struct fake_body {
	const char	*text;
	size_t		 len;
};

static int
fake_read(void *src, size_t limit, const char **body, size_t *len,
    int *too_large)
{
	struct fake_body	*b = src;

	*too_large = b->len > limit;
	*body = b->text;
	*len = b->len > limit ? limit : b->len;
	return 0;
}

int
fake_setup(void **state)
{
	struct fake	*f = calloc(1, sizeof(*f));

	if (f == NULL || crypto_init() == -1) {
		free(f);
		return -1;
	}
	conf_defaults(&f->conf);
	f->svc.conf = &f->conf;
	f->svc.db = db_new(&f->conf);
	/* No cache: each request asks the (wrapped) lookup for its caller. */
	f->svc.auth = auth_cache_new(0);
	if (f->svc.db == NULL || f->svc.auth == NULL ||
	    svc_rows_init(&f->svc) == -1)
		return -1;
	*state = f;
	return 0;
}

int
fake_teardown(void **state)
{
	struct fake	*f = *state;

	json_object_put(f->json);
	resp_free(&f->resp);
	db_free(f->svc.db);
	auth_cache_free(f->svc.auth);
	svc_rows_free(&f->svc);
	free(f);
	return 0;
}

int
fake_reset(void **state)
{
	(void)state;
	fake_user_id = 42;
	fake_is_service = 0;
	fake_authorization = fake_token_header;
	return 0;
}

int
fake_request(struct fake *f, enum http_method method, const char *path,
    const char *query, const char *body)
{
	struct req		q;
	struct fake_body	b = { body, body != NULL ? strlen(body) : 0 };

	memset(&q, 0, sizeof(q));
	q.method = method;
	q.path = path;
	q.path_len = strlen(path);
	q.query = query;
	q.content_length = -1;
	q.authorization = fake_authorization;
	q.host = FAKE_HOST;
	q.scheme = "https";
	if (body != NULL) {
		q.content_type = "application/json";
		q.content_length = (long long)b.len;
		q.read_body = fake_read;
		q.body_src = &b;
	}
	json_object_put(f->json);
	f->json = NULL;
	resp_reset(&f->resp);
	service_handle(&f->svc, &q, &f->resp);
	if (f->resp.body.len > 0) {
		f->json = json_tokener_parse(f->resp.body.data);
		if (f->json == NULL || !json_object_is_type(f->json,
		    json_type_object))
			fail_msg("answer is not a JSON object: %s",
			    f->resp.body.data);
	}
	return f->resp.status;
}

const char *
fake_header(const struct fake *f, const char *name)
{
	for (int i = 0; i < f->resp.nheaders; i++)
		if (strcasecmp(f->resp.hname[i], name) == 0)
			return f->resp.hval[i];
	return NULL;
}

json_object *
fake_at(const struct fake *f, const char *path)
{
	json_object	*o = f->json;
	char		 key[128];
	const char	*p = path, *dot;

	while (o != NULL && *p != '\0') {
		size_t	n;

		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		p += n + (dot != NULL);
		if (json_object_is_type(o, json_type_array) &&
		    isdigit((unsigned char)key[0])) {
			size_t	i = strtoul(key, NULL, 10);

			o = i < json_object_array_length(o) ?
			    json_object_array_get_idx(o, i) : NULL;
		} else if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &o))
			return NULL;
	}
	return o;
}

int
fake_has(const struct fake *f, const char *path)
{
	json_object	*o = f->json;
	const char	*last = strrchr(path, '.');
	char		 parent[128];

	if (last != NULL) {
		if ((size_t)(last - path) >= sizeof(parent))
			return 0;
		memcpy(parent, path, (size_t)(last - path));
		parent[last - path] = '\0';
		o = fake_at(f, parent);
		last++;
	} else
		last = path;
	/* a member present with the value null is present */
	return o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, last, NULL);
}

const char *
fake_str(const struct fake *f, const char *path)
{
	json_object	*o = fake_at(f, path);

	return json_object_is_type(o, json_type_string) ?
	    json_object_get_string(o) : NULL;
}

json_type
fake_type(const struct fake *f, const char *path)
{
	return json_object_get_type(fake_at(f, path));
}

long long
fake_int(const struct fake *f, const char *path)
{
	json_object	*o = fake_at(f, path);

	assert_true(json_object_is_type(o, json_type_int));
	return (long long)json_object_get_int64(o);
}

int
fake_len(const struct fake *f, const char *path)
{
	json_object	*o = fake_at(f, path);

	return json_object_is_type(o, json_type_array) ?
	    (int)json_object_array_length(o) : -1;
}

int
fake_answer_has(const struct fake *f, const char *s)
{
	if (f->resp.body.data != NULL && strstr(f->resp.body.data, s) != NULL)
		return 1;
	for (int i = 0; i < f->resp.nheaders; i++)
		if (strstr(f->resp.hval[i], s) != NULL)
			return 1;
	return 0;
}

void
fake_assert_error(const struct fake *f, int status, const char *code)
{
	assert_int_equal(f->resp.status, status);
	assert_non_null(fake_str(f, "code"));
	assert_string_equal(fake_str(f, "code"), code);
	assert_non_null(fake_str(f, "detail"));
}

void
fake_template_row(struct template_row *t, const char *id, const char *name)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->display_name, sizeof(t->display_name), "Display %s", name);
	t->is_active = 1;
}

void
fake_webhook_row(struct webhook_row *w, const char *id, const char *tpl_id)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->id, sizeof(w->id), "%s", id);
	fake_template_row(&w->tpl, tpl_id, "invoice_extraction");
	snprintf(w->endpoint_url, sizeof(w->endpoint_url),
	    "https://example.com/hook");
	snprintf(w->status, sizeof(w->status), "enabled");
	snprintf(w->created_at, sizeof(w->created_at),
	    "2026-11-29T10:30:00.123456Z");
	snprintf(w->updated_at, sizeof(w->updated_at),
	    "2026-11-29T10:30:00.123456Z");
	w->last_code = -1;
}
