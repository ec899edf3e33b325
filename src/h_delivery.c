/* SPDX-License-Identifier: MIT */
/* h_delivery.c: a webhook's deliveries: test, list (cursor), one with its
 * attempt log, redeliver. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "events.h"
#include "handlers.h"
#include "log.h"
#include "render.h"


/* The caller's webhook named by the path into w; -1 when answered. */
static int
owned_webhook(struct ctx *c, struct webhook_row *w)
{
	enum db_rc	rc;

	if ((rc = db_webhook_get(c->svc->db, c->who.user_id, c->path_id,
	    w)) != DB_OK) {
		ctx_db_error(c, rc);
		return -1;
	}
	return 0;
}

/* Answers status with the delivery v in its single form, attempt log
 * included. */
static void
answer_delivery(struct ctx *c, int status, const struct delivery_view *v)
{
	struct jw	w;

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_delivery(&w, &v->d, 1);
	jw_key(&w, "attempt_log");
	jw_arr(&w);
	for (int i = 0; i < v->nlog; i++)
		render_attempt(&w, &v->log[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	resp_jw_done(c->resp, status, &w);
}

/* A view with room for the attempt log; -1 (answered) when none. */
static int
view_init(struct ctx *c, struct delivery_view *v)
{
	memset(v, 0, sizeof(*v));
	if ((v->log = svc_rows(c->svc, sizeof(*v->log),
	    WH_MAX_ATTEMPT_LOG)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The 429 of a manual send over the bound, with when to try again. */
static void
answer_manual_limit(struct ctx *c, long long retry_s)
{
	char	s[24];

	snprintf(s, sizeof(s), "%lld", retry_s > 0 ? retry_s : 1);
	resp_error(c->resp, WH_E_MANUAL_LIMIT, NULL, NULL);
	resp_header(c->resp, "Retry-After", s);
}

/*
 * The answer of a manual send (test/, redeliver/) that returned rc: 202
 * with the queued delivery (and the dispatchers woken), 429 past the
 * pending bound, 409 past the attempts of a delivery, or the error.
 */
static void
answer_manual_send(struct ctx *c, enum db_rc rc, enum wh_err limit,
    long long retry_s, const struct delivery_view *v)
{
	char	why[128];

	if (rc == DB_LIMIT && limit == WH_E_ATTEMPT_LIMIT) {
		snprintf(why, sizeof(why), "This delivery has had %d attempts, "
		    "the most a delivery may have; it cannot be redelivered.",
		    WH_MAX_ATTEMPTS);
		resp_error(c->resp, WH_E_ATTEMPT_LIMIT, why, NULL);
	} else if (rc == DB_LIMIT)
		answer_manual_limit(c, retry_s);
	else if (rc != DB_OK)
		ctx_db_error(c, rc);
	else {
		answer_delivery(c, 202, v);
		events_notify(c->svc->conf->dispatcher_notify);
	}
}

void
h_webhook_test(struct ctx *c)
{
	struct webhook_row	w;
	struct delivery_view	v;
	long long		retry_s = 0;
	enum db_rc		rc;

	if (owned_webhook(c, &w) == -1 || view_init(c, &v) == -1)
		return;
	rc = act_webhook_test(c->svc->db, c->svc->conf, c->who.user_id, &w,
	    &v, &retry_s);
	answer_manual_send(c, rc, WH_E_MANUAL_LIMIT, retry_s, &v);
}

void
h_delivery_get(struct ctx *c)
{
	struct webhook_row	w;
	struct delivery_view	v;
	enum db_rc		rc;

	if (owned_webhook(c, &w) == -1 || view_init(c, &v) == -1)
		return;
	if ((rc = act_delivery_read(c->svc->db, c->who.user_id, w.id, c->path_id2,
	    &v)) != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_delivery(c, 200, &v);
}

void
h_delivery_redeliver(struct ctx *c)
{
	struct webhook_row	w;
	struct delivery_view	v;
	enum wh_err		limit = WH_OK;
	long long		retry_s = 0;
	enum db_rc		rc;

	if (owned_webhook(c, &w) == -1 || view_init(c, &v) == -1)
		return;
	rc = act_redeliver(c->svc->db, c->svc->conf, c->who.user_id, w.id,
	    c->path_id2,
	    &v, &limit, &retry_s);
	answer_manual_send(c, rc, limit, retry_s, &v);
}

/* {"next", "results"} of n fetched rows, limit of them on the page (a
 * row more says there is a next page, after the last one kept). */
static void
answer_dlist(struct ctx *c, const struct delivery_row *rows, int n,
    long long limit, const char *webhook_id)
{
	struct buf	b = { 0 };
	struct jw	w;
	char		cursor[WH_CURSOR_LEN + 1];

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	jw_obj(&w);
	jw_key(&w, "next");
	if (n <= limit)
		jw_null(&w);
	else if (snprintf(cursor, sizeof(cursor), "%.20s_%.36s",
	    rows[limit - 1].cursor, rows[limit - 1].id) > 0 &&
	    buf_printf(&b, "%s://%s/webhooks/v1/webhook/%s/deliveries/?",
	    c->req->scheme ? c->req->scheme : "http",
	    c->req->host ? c->req->host : "localhost", webhook_id) == 0 &&
	    query_link_str(&b, c->req->query, "cursor", cursor) == 0)
		jw_strn(&w, b.data, b.len);
	else
		w.err = 1;
	jw_key(&w, "results");
	jw_arr(&w);
	for (int i = 0; i < n && i < limit; i++)
		render_delivery(&w, &rows[i], 0);
	jw_arr_end(&w);
	jw_obj_end(&w);
	resp_jw_done(c->resp, 200, &w);
	buf_free(&b);
}

void
h_delivery_list(struct ctx *c)
{
	const struct delivery_list_input *in = &c->in.deliveries;
	struct webhook_row	 w;
	struct delivery_row	*rows;
	long long		 limit = in->has_limit ? in->limit :
				    WH_DEFAULT_PAGE_SIZE;
	int			 n = 0;
	enum db_rc		 rc;

	if (owned_webhook(c, &w) == -1)
		return;
	if ((rows = svc_rows(c->svc, sizeof(*rows), limit + 1)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = db_delivery_list(c->svc->db, c->who.user_id, w.id,
	    in->has_cursor ? in->cursor.at : NULL,
	    in->has_cursor ? in->cursor.id : NULL, limit + 1,
	    rows, &n);
	if (rc != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_dlist(c, rows, n, limit, w.id);
}
