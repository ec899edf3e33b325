/* SPDX-License-Identifier: MIT */
/* h_webhook.c: list, create, retrieve, update and delete webhooks. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "render.h"
#include "valid.h"

/* The fields a create or update may carry, validated. */
struct wh_input {
	int			 has_template, has_url, has_secret, has_status;
	char			 api_template[WH_UUID_LEN + 1];
	const char		*url;
	struct field_secret	 secret;	/* .s NULL: remove it */
	const char		*status;
};

#define F(name, check, val, seen, flags) { name, check, \
	offsetof(struct wh_input, val), offsetof(struct wh_input, seen), \
	flags, 0 }
/* POST: a template and an endpoint; PUT: an endpoint (the template may
 * be sent with its current value); PATCH: any of them. */
static const struct body_field create_fields[] = {
	F("api_template", fc_uuid, api_template, has_template, FIELD_REQUIRED),
	F("endpoint_url", fc_url, url, has_url, FIELD_REQUIRED),
	F("secret_hash", fc_secret, secret, has_secret, 0),
	F("status", fc_status, status, has_status, 0),
};
static const struct body_field put_fields[] = {
	F("api_template", fc_uuid, api_template, has_template, 0),
	F("endpoint_url", fc_url, url, has_url, FIELD_REQUIRED),
	F("secret_hash", fc_secret, secret, has_secret, 0),
	F("status", fc_status, status, has_status, 0),
};
static const struct body_field patch_fields[] = {
	F("api_template", fc_uuid, api_template, has_template, 0),
	F("endpoint_url", fc_url, url, has_url, 0),
	F("secret_hash", fc_secret, secret, has_secret, 0),
	F("status", fc_status, status, has_status, 0),
};
#undef F
#define NFIELDS	(sizeof(create_fields) / sizeof(create_fields[0]))

/* Validates the body against fields (NFIELDS of them) into in; messages
 * go to *errors.  -1 only when out of memory. */
static int
input_parse(struct ctx *c, const struct body_field *fields,
    struct wh_input *in, json_object **errors)
{
	struct field_env	e = { c->svc->conf->allow_private_endpoints };

	return fields_parse(fields, NFIELDS, &e, c->body, in, sizeof(*in),
	    errors);
}

/* The change an input asks for. */
static struct webhook_change
change_of(const struct wh_input *in)
{
	return (struct webhook_change){ .has_url = in->has_url,
	    .has_status = in->has_status, .has_secret = in->has_secret,
	    .url = in->url, .status = in->status, .secret = in->secret.s,
	    .secret_len = in->secret.len };
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

/* The template of a create must be active: one more validation, against
 * the database (w->tpl is filled); -1 when answered or out of memory. */
static int
create_validate(struct ctx *c, struct wh_input *in, struct webhook_row *w,
    json_object **errors)
{
	enum db_rc	rc;

	if (!in->has_template)
		return 0;
	rc = db_template_get(c->svc->db, in->api_template, &w->tpl);
	if (rc == DB_NOTFOUND)
		return fields_error(errors, "api_template",
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
	if (input_parse(c, create_fields, &in, &errors) == -1 ||
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

	if (input_parse(c, put ? put_fields : patch_fields, &in, &errors) == -1) {
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
	    fields_error(&errors, "api_template",
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
		else if (fields_error(errors, "status",
		    "Must be \"enabled\" or \"disabled\".") == -1)
			return -1;
	}
	if ((s = query_get(&c->query, "api_template")) != NULL) {
		if (valid_uuid(s, strlen(s), tpl) == NULL)
			f->api_template = tpl;
		else if (fields_error(errors, "api_template",
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
