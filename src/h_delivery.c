/* SPDX-License-Identifier: MIT */
/* h_delivery.c: a webhook's deliveries: test, list (cursor), one with its
 * attempt log, redeliver; its numbered events (catch-up). */
#include <stdio.h>
#include <stdlib.h>
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
	struct jw	w;
	char		cursor[WH_CURSOR_LEN + 1], path[80];

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	jw_obj(&w);
	jw_key(&w, "next");
	if (n <= limit)
		jw_null(&w);
	else {
		snprintf(cursor, sizeof(cursor), "%.20s_%.36s",
		    rows[limit - 1].cursor, rows[limit - 1].id);
		snprintf(path, sizeof(path), "/webhooks/v1/webhook/%s/deliveries/",
		    webhook_id);
		ctx_link(c, &w, path, "cursor", cursor);
	}
	jw_key(&w, "results");
	jw_arr(&w);
	for (int i = 0; i < n && i < limit; i++)
		render_delivery(&w, &rows[i], 0);
	jw_arr_end(&w);
	jw_obj_end(&w);
	resp_jw_done(c->resp, 200, &w);
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

/* The 400 of an after past the webhook's last event. */
static void
answer_unknown_sequence(struct ctx *c, long long last)
{
	char	msg[128];

	snprintf(msg, sizeof(msg), "No event of this webhook has this "
	    "sequence; its last is %lld.", last);
	ctx_field_error(c, "after", msg);
}

/*
 * {"last_sequence", "next", "results"}: of the n rows fetched after the
 * sequence after (limit + 1 asked), those that fit limit and
 * WH_EVENTS_PAGE_BYTES of bodies (one at least), each body read as it is
 * written (a row purged since the list was read is passed over, one erased
 * since shows as erased).  next follows the last row looked at when any is
 * left.  -1: database trouble, answered.
 */
static int
answer_events(struct ctx *c, const struct event_row *rows, int n,
    long long limit, long long after, long long last, const char *webhook_id,
    char *body, size_t cap)
{
	struct jw	 w;
	size_t		 len, bytes = 0;
	long long	 cursor = after;
	char		 next[24], path[80];
	enum db_rc	 rc = DB_OK;
	int		 i, written = 0, gone;

	/* last_sequence was read before the rows: never below them */
	if (n > 0 && rows[n - 1].sequence > last)
		last = rows[n - 1].sequence;
	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	jw_obj(&w);
	jw_key(&w, "last_sequence");
	jw_int(&w, last);
	jw_key(&w, "results");
	jw_arr(&w);
	for (i = 0; i < n && i < limit; i++) {
		if (written > 0 && bytes + (size_t)rows[i].body_len >
		    WH_EVENTS_PAGE_BYTES)
			break;
		len = 0;
		gone = rows[i].erased;
		if (!gone && (rc = db_delivery_body(c->svc->db,
		    rows[i].delivery_id, body, cap, &len, &gone)) == DB_NOTFOUND) {
			rc = DB_OK;	/* purged since the list was read */
			cursor = rows[i].sequence;
			continue;
		}
		if (rc != DB_OK)
			break;
		render_event(&w, &rows[i], gone ? NULL : body, len);
		bytes += (size_t)rows[i].body_len;
		written++;
		cursor = rows[i].sequence;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return -1;
	}
	jw_arr_end(&w);
	jw_key(&w, "next");
	if (i >= n)
		jw_null(&w);
	else {
		snprintf(next, sizeof(next), "%lld", cursor);
		snprintf(path, sizeof(path), "/webhooks/v1/webhook/%s/events/",
		    webhook_id);
		ctx_link(c, &w, path, "after", next);
	}
	jw_obj_end(&w);
	resp_jw_done(c->resp, 200, &w);
	return 0;
}

void
h_webhook_events(struct ctx *c)
{
	const struct event_list_input *in = &c->in.events;
	struct webhook_row	 w;
	struct event_row	*rows;
	long long		 limit = in->has_limit ? in->limit :
				    WH_DEFAULT_PAGE_SIZE;
	long long		 after = in->has_after ? in->after : 0, last;
	char			*body;
	int			 n = 0;
	enum db_rc		 rc;

	if (owned_webhook(c, &w) == -1)
		return;
	if ((rc = db_sequence_last(c->svc->db, w.id, &last)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	if (after > last) {
		answer_unknown_sequence(c, last);
		return;
	}
	if ((rows = svc_rows(c->svc, sizeof(*rows), limit + 1)) == NULL ||
	    (body = malloc(WH_MAX_DELIVERY_BODY + 1)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = db_event_list(c->svc->db, c->who.user_id, w.id, after, limit + 1,
	    rows, &n);
	if (rc != DB_OK)
		ctx_db_error(c, rc);
	else
		(void)answer_events(c, rows, n, limit, after, last, w.id, body,
		    WH_MAX_DELIVERY_BODY + 1);
	free(body);
}
