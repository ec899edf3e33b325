/* SPDX-License-Identifier: MIT */
/* h_webhook.c: list, create, retrieve, update and delete webhooks. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "handlers.h"
#include "log.h"
#include "render.h"
#include "valid.h"

#define MSG_REQUIRED	"This field is required."
#define MSG_STRING	"Must be a string."
#define MSG_NOT_NULL	"This field may not be null."

/* The fields a create or update may carry, validated. */
struct wh_input {
	int		 has_template, has_url, has_secret, has_status;
	char		 api_template[WH_UUID_LEN + 1];
	const char	*url;
	const char	*secret;	/* NULL: remove (when has_secret) */
	size_t		 secret_len;
	const char	*status;
};

typedef const char *(*field_fn)(json_object *, struct wh_input *, int);

static const char *
f_template(json_object *v, struct wh_input *in, int allow_private)
{
	const char	*why;

	if (!json_object_is_type(v, json_type_string))
		return v == NULL ? MSG_NOT_NULL : MSG_STRING;
	why = valid_uuid(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), in->api_template);
	in->has_template = why == NULL;
	return why;
}

static const char *
f_url(json_object *v, struct wh_input *in, int allow_private)
{
	const char	*why;

	if (!json_object_is_type(v, json_type_string))
		return v == NULL ? MSG_NOT_NULL : MSG_STRING;
	why = valid_endpoint_url(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v), allow_private);
	if (why == NULL) {
		in->has_url = 1;
		in->url = json_object_get_string(v);
	}
	return why;
}

static const char *
f_secret(json_object *v, struct wh_input *in, int allow_private)
{
	const char	*why;

	if (v == NULL) {
		in->has_secret = 1;
		in->secret = NULL;
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string))
		return MSG_STRING;
	in->secret = json_object_get_string(v);
	in->secret_len = (size_t)json_object_get_string_len(v);
	if ((why = valid_secret(in->secret, in->secret_len)) == NULL)
		in->has_secret = 1;
	return why;
}

static const char *
f_status(json_object *v, struct wh_input *in, int allow_private)
{
	const char	*why;

	if (!json_object_is_type(v, json_type_string))
		return v == NULL ? MSG_NOT_NULL : MSG_STRING;
	why = valid_status(json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
	if (why == NULL) {
		in->has_status = 1;
		in->status = json_object_get_string(v);
	}
	return why;
}

static const struct {
	const char	*name;
	field_fn	 check;
} fields[] = {
	{ "api_template", f_template },
	{ "endpoint_url", f_url },
	{ "secret_hash", f_secret },
	{ "status", f_status },
};

/* Validates every member of the body; messages go to *errors. */
static int
input_parse(struct ctx *c, struct wh_input *in, json_object **errors)
{
	int	allow = c->svc->conf->allow_private_endpoints;

	memset(in, 0, sizeof(*in));
	json_object_object_foreach(c->body, key, val) {
		const char	*why = "Unknown field.";
		size_t		 i;

		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(key, fields[i].name) == 0) {
				why = fields[i].check(val, in, allow);
				break;
			}
		if (why != NULL && errors_add(errors, key, why) == -1)
			return -1;
	}
	return 0;
}

/* The change an input asks for. */
static struct webhook_change
change_of(const struct wh_input *in)
{
	return (struct webhook_change){ .has_url = in->has_url,
	    .has_status = in->has_status, .has_secret = in->has_secret,
	    .url = in->url, .status = in->status, .secret = in->secret,
	    .secret_len = in->secret_len };
}

/* Answers 200/201 with the webhook w. */
static void
answer_webhook(struct ctx *c, int status, const struct webhook_row *h)
{
	struct jw	w;

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_webhook(&w, h, c->who.username);
	resp_jw_done(c->resp, status, &w);
}

/* The 409 of a second webhook for a template, naming the first. */
static void
answer_duplicate(struct ctx *c, const char *id)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "detail", json_object_new_string(
	    err_detail(WH_E_DUPLICATE))) != 0 ||
	    json_object_object_add(o, "code", json_object_new_string(
	    err_code(WH_E_DUPLICATE))) != 0 ||
	    json_object_object_add(o, "id", json_object_new_string(id)) != 0) {
		json_object_put(o);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	resp_json(c->resp, 409, o);
	json_object_put(o);
}

/* Checks create input, the template included; fills w->tpl. */
static int
create_validate(struct ctx *c, struct wh_input *in, struct webhook_row *w,
    json_object **errors)
{
	enum db_rc	rc;

	if (json_object_object_get_ex(c->body, "api_template", NULL) == 0 &&
	    errors_add(errors, "api_template", MSG_REQUIRED) == -1)
		return -1;
	if (json_object_object_get_ex(c->body, "endpoint_url", NULL) == 0 &&
	    errors_add(errors, "endpoint_url", MSG_REQUIRED) == -1)
		return -1;
	if (!in->has_template)
		return 0;
	rc = db_template_get(c->svc->db, in->api_template, &w->tpl);
	if (rc == DB_NOTFOUND)
		return errors_add(errors, "api_template",
		    "No active API template has this id.");
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return -1;
	}
	return 0;
}

void
h_webhook_create(struct ctx *c)
{
	struct wh_input		 in;
	struct webhook_row	 w;
	struct webhook_change	 ch;
	json_object		*errors = NULL;
	char			 loc[64], dup[WH_UUID_LEN + 1];
	enum db_rc		 rc;

	memset(&w, 0, sizeof(w));
	if (input_parse(c, &in, &errors) == -1 ||
	    create_validate(c, &in, &w, &errors) == -1) {
		json_object_put(errors);
		if (c->resp->status == 0)
			resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	ch = change_of(&in);
	rc = act_webhook_create(c->svc->db, c->svc->keys, c->who.user_id,
	    &w.tpl, &ch, &w, dup);
	if (rc == DB_DUP) {
		answer_duplicate(c, dup);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("user %llu created webhook %s for template %s",
	    (unsigned long long)c->who.user_id, w.id, w.tpl.name);
	snprintf(loc, sizeof(loc), "/webhooks/v1/webhook/%s/", w.id);
	resp_header(c->resp, "Location", loc);
	answer_webhook(c, 201, &w);
}

void
h_webhook_get(struct ctx *c)
{
	struct webhook_row	w;
	char			id[WH_UUID_LEN + 1];
	enum db_rc		rc;

	if (ctx_path_uuid(c, id) == -1)
		return;
	if ((rc = db_webhook_get(c->svc->db, c->who.user_id, id, &w)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	answer_webhook(c, 200, &w);
}

static void
webhook_update(struct ctx *c, int put)
{
	struct wh_input		 in;
	struct webhook_row	 w;
	struct webhook_change	 ch;
	json_object		*errors = NULL;
	char			 id[WH_UUID_LEN + 1];
	enum db_rc		 rc;

	if (input_parse(c, &in, &errors) == -1 || (put &&
	    !json_object_object_get_ex(c->body, "endpoint_url", NULL) &&
	    errors_add(&errors, "endpoint_url", MSG_REQUIRED) == -1)) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	/* A changed api_template is one more invalid field, reported with
	 * the others, so the stored webhook is read before answering 400
	 * (when that read fails, the errors known so far answer). */
	rc = DB_NOTFOUND;
	if ((errors == NULL || in.has_template) &&
	    valid_uuid(c->id, c->id_len, id) == NULL)
		rc = db_webhook_get(c->svc->db, c->who.user_id, id, &w);
	if (rc == DB_OK && in.has_template &&
	    strcmp(in.api_template, w.tpl.id) != 0 &&
	    errors_add(&errors, "api_template",
	    "The API template of a webhook cannot be changed.") == -1) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	ch = change_of(&in);
	if ((rc = act_webhook_update(c->svc->db, c->svc->keys, c->svc->conf,
	    c->who.user_id, &w, &ch)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	answer_webhook(c, 200, &w);
}

void
h_webhook_put(struct ctx *c)
{
	webhook_update(c, 1);
}

void
h_webhook_patch(struct ctx *c)
{
	webhook_update(c, 0);
}

void
h_webhook_delete(struct ctx *c)
{
	char		id[WH_UUID_LEN + 1];
	enum db_rc	rc;

	if (ctx_path_uuid(c, id) == -1)
		return;
	if ((rc = db_webhook_delete(c->svc->db, c->who.user_id, id)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("user %llu deleted webhook %s",
	    (unsigned long long)c->who.user_id, id);
	c->resp->status = 204;
}

/* Reads status and api_template filters; messages into *errors. */
static int
filter_parse(struct ctx *c, struct webhook_filter *f, char *tpl,
    json_object **errors)
{
	const char	*s;

	memset(f, 0, sizeof(*f));
	if ((s = query_get(&c->query, "status")) != NULL) {
		if (valid_status(s, strlen(s)) == NULL)
			f->status = s;
		else if (errors_add(errors, "status",
		    "Must be \"enabled\" or \"disabled\".") == -1)
			return -1;
	}
	if ((s = query_get(&c->query, "api_template")) != NULL) {
		if (valid_uuid(s, strlen(s), tpl) == NULL)
			f->api_template = tpl;
		else if (errors_add(errors, "api_template",
		    "Must be a valid UUID.") == -1)
			return -1;
	}
	return 0;
}

void
h_webhook_list(struct ctx *c)
{
	struct webhook_filter	 f;
	struct page		 p;
	struct webhook_row	*rows;
	struct jw		 w;
	json_object		*errors = NULL;
	char			 tpl[WH_UUID_LEN + 1];
	long long		 count;
	int			 bad_page, n = 0;
	enum db_rc		 rc;

	if (page_parse(c, &p, &errors, &bad_page) == -1 ||
	    filter_parse(c, &f, tpl, &errors) == -1) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	if (bad_page) {
		resp_error(c->resp, WH_E_INVALID_PAGE, NULL, NULL);
		return;
	}
	if ((rows = svc_rows(c->svc, sizeof(*rows), p.size + 1)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = db_webhook_list(c->svc->db, c->who.user_id, &f, p.size + 1,
	    (p.number - 1) * p.size, rows, &n);
	if (rc == DB_OK && (count = page_count_from_rows(&p, n)) < 0)
		rc = db_webhook_count(c->svc->db, c->who.user_id, &f, &count);
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	if (page_begin(c, &p, count, "/webhooks/v1/webhook/", &w) == -1)
		return;
	for (int i = 0; i < n && i < p.size; i++)
		render_webhook(&w, &rows[i], c->who.username);
	page_end(c, &w);
}
