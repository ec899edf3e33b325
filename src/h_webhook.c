/* SPDX-License-Identifier: MIT */
/* h_webhook.c: list, create, retrieve, update and delete webhooks. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "fields.h"
#include "handlers.h"
#include "log.h"
#include "render.h"

/* The change an input asks for. */
static struct webhook_change
change_of(const struct webhook_input *in)
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

/* The field error of a template that is not active (or not there). */
static int
template_error(json_object **errors)
{
	return fields_error(errors, "api_template",
	    "No active API template has this id.");
}

/* The template of a create must be active: one more validation, against
 * the database (w->tpl is filled); -1 when answered or out of memory.  A
 * create that is otherwise valid may take the worker's cached copy (the
 * insert checks the template again); one with other errors asks the
 * database, so that every error is in the one answer. */
static int
create_validate(struct ctx *c, const struct webhook_input *in,
    struct webhook_row *w,
    json_object **errors)
{
	enum db_rc	rc;

	if (!in->has_template)
		return 0;
	if (*errors == NULL &&
	    tpl_cache_get(c->svc->tpls, in->api_template, &w->tpl))
		return 0;
	rc = db_template_get(c->svc->db, in->api_template, &w->tpl);
	if (rc == DB_NOTFOUND)
		return template_error(errors);
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return -1;
	}
	tpl_cache_put(c->svc->tpls, &w->tpl);
	return 0;
}

void
h_webhook_create(struct ctx *c)
{
	const struct webhook_input	*in = &c->in.webhook;
	struct webhook_row		 w;
	struct webhook_change		 ch;
	char				 loc[64], dup[WH_UUID_LEN + 1];
	enum db_rc		 rc;

	memset(&w, 0, sizeof(w));
	if (create_validate(c, in, &w, &c->errors) == -1) {
		if (c->resp->status == 0)
			resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (c->errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
		c->errors = NULL;	/* taken */
		return;
	}
	ch = change_of(in);
	rc = act_webhook_create(c->svc->db, c->svc->keys, c->who.user_id,
	    &w.tpl, &ch, &w, dup);
	if (rc == DB_DUP) {
		answer_duplicate(c, dup);
		return;
	}
	if (rc == DB_NOTFOUND) {	/* disabled since it was cached */
		tpl_cache_forget(c->svc->tpls, w.tpl.id);
		if (template_error(&c->errors) == -1) {
			resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
			return;		/* c->errors freed by the service */
		}
		resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
		c->errors = NULL;	/* taken */
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
	enum db_rc		rc;

	if ((rc = db_webhook_get(c->svc->db, c->who.user_id, c->path_id,
	    &w)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	answer_webhook(c, 200, &w);
}

/* PUT and PATCH: their fields (declared in inputs.c) differ only in what
 * is required. */
void
h_webhook_update(struct ctx *c)
{
	const struct webhook_input	*in = &c->in.webhook;
	struct webhook_row		 w;
	struct webhook_change		 ch;
	enum db_rc			 rc;

	/* A changed api_template is one more invalid field, reported with
	 * the others, so the stored webhook is read before answering 400
	 * (when that read fails, the errors known so far answer). */
	rc = DB_NOTFOUND;
	if ((c->errors == NULL || in->has_template) && c->path_ok)
		rc = db_webhook_get(c->svc->db, c->who.user_id, c->path_id, &w);
	if (rc == DB_OK && in->has_template &&
	    strcmp(in->api_template, w.tpl.id) != 0 &&
	    fields_error(&c->errors, "api_template",
	    "The API template of a webhook cannot be changed.") == -1) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (c->errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
		c->errors = NULL;	/* taken */
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	ch = change_of(in);
	if ((rc = act_webhook_update(c->svc->db, c->svc->keys, c->svc->conf,
	    c->who.user_id, &w, &ch)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	answer_webhook(c, 200, &w);
}

void
h_webhook_delete(struct ctx *c)
{
	const char	*id = c->path_id;
	enum db_rc	 rc;

	if ((rc = db_webhook_delete(c->svc->db, c->who.user_id, id)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("user %llu deleted webhook %s",
	    (unsigned long long)c->who.user_id, id);
	c->resp->status = 204;
}

void
h_webhook_list(struct ctx *c)
{
	const struct webhook_list_input	*in = &c->in.webhooks;
	struct webhook_filter		 f = { in->has_status ? in->status : NULL,
	    in->has_template ? in->api_template : NULL };
	struct page			 p;
	struct webhook_row		*rows;
	struct jw			 w;
	long long			 count;
	int				 n = 0;
	enum db_rc			 rc;

	if (ctx_page(c, &in->p, &p) == -1)
		return;
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
