/* SPDX-License-Identifier: MIT */
/* h_delivery.c: a webhook's deliveries: test, list (cursor), one with its
 * attempt log, redeliver. */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "log.h"
#include "render.h"
#include "timeutil.h"
#include "valid.h"

#define CURSOR_LEN	(20 + 1 + WH_UUID_LEN)	/* digits "_" uuid */

/* The caller's webhook named by the path into w; -1 when answered. */
static int
owned_webhook(struct ctx *c, struct webhook_row *w)
{
	char		id[WH_UUID_LEN + 1];
	enum db_rc	rc;

	if (ctx_path_uuid(c, id) == -1)
		return -1;
	if ((rc = db_webhook_get(c->svc->db, c->who.user_id, id, w)) != DB_OK) {
		ctx_db_error(c, rc);
		return -1;
	}
	return 0;
}

/*
 * Writes the delivery into the response with status, its attempt log when
 * log is set.  On an error nothing is answered: the caller does, after
 * rolling back when this ran inside a transaction.
 */
static enum db_rc
write_delivery(struct ctx *c, int status, const char *webhook_id,
    const char *id, int log)
{
	struct delivery_row	 d;
	struct attempt_row	*a = NULL;
	struct jw		 w;
	int			 n = 0;
	enum db_rc		 rc;

	if ((rc = db_delivery_get(c->svc->db, c->who.user_id, webhook_id, id,
	    &d)) != DB_OK)
		return rc;
	if (log && ((a = svc_rows(c->svc, sizeof(*a), WH_MAX_ATTEMPT_LOG)) ==
	    NULL || (rc = db_attempt_list(c->svc->db, id, a, &n)) != DB_OK))
		return a == NULL ? DB_ERR : rc;
	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_delivery(&w, &d, log);
	if (log) {
		jw_key(&w, "attempt_log");
		jw_arr(&w);
		for (int i = 0; i < n; i++)
			render_attempt(&w, &a[i]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	resp_jw_done(c->resp, status, &w);
	return DB_OK;
}

/*
 * Manual sends (test/, redeliver/) are bounded per webhook: with the
 * webhook's row locked (so that concurrent sends count one after the
 * other), DB_LIMIT when manual_pending_max of them are pending already;
 * *retry_s gets the seconds until the soonest of those is due.
 */
static enum db_rc
manual_room(struct ctx *c, struct db *db, const char *webhook_id,
    long long *retry_s)
{
	long long	n;
	enum db_rc	rc;

	if ((rc = db_webhook_lock(db, webhook_id)) != DB_OK ||
	    (rc = db_manual_pending(db, webhook_id, &n, retry_s)) != DB_OK)
		return rc;
	return n >= c->svc->conf->manual_pending_max ? DB_LIMIT : DB_OK;
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

/* The 202 of test/: read in the transaction that queued the delivery, so
 * that it shows what was queued, not what a dispatcher made of it since. */
struct queued {
	struct ctx	*c;
	const char	*webhook_id;
	long long	 retry_s;
};

static enum db_rc
check_room(struct db *db, void *vctx)
{
	struct queued	*q = vctx;

	return manual_room(q->c, db, q->webhook_id, &q->retry_s);
}

static enum db_rc
answer_queued(struct db *db, const struct event_result *r, void *vctx)
{
	struct queued	*q = vctx;

	(void)db;
	return write_delivery(q->c, 202, q->webhook_id, r->delivery_id, 1);
}

void
h_webhook_test(struct ctx *c)
{
	struct webhook_row	 w;
	struct event_result	 r;
	struct queued		 q;
	json_object		*data;
	enum db_rc		 rc;

	if (owned_webhook(c, &w) == -1)
		return;
	q = (struct queued){ c, w.id, 0 };
	if ((data = json_object_new_object()) == NULL ||
	    json_object_object_add(data, "message", json_object_new_string(
	    "A test event sent from the webhooks API.")) != 0 ||
	    json_object_object_add(data, "api_template",
	    json_object_new_string(w.tpl.name)) != 0) {
		json_object_put(data);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = events_ingest(c->svc->db, &(struct event_spec){
	    .source_user_id = c->who.user_id, .user_id = c->who.user_id,
	    .webhook_id = w.id, .type = "webhook.test", .data = data,
	    .manual = 1, .attempt_limit = 0, .before = check_room,
	    .written = answer_queued, .hook_ctx = &q }, &r);
	json_object_put(data);
	if (rc == DB_LIMIT) {
		answer_manual_limit(c, q.retry_s);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	events_notify(c->svc->conf->dispatcher_notify);
}

/* The delivery id of the path (second segment); -1 when answered. */
static int
path_delivery_id(struct ctx *c, char out[WH_UUID_LEN + 1])
{
	if (valid_uuid(c->id2, c->id2_len, out) != NULL) {
		resp_error(c->resp, WH_E_NOT_FOUND, NULL, NULL);
		return -1;
	}
	return 0;
}

void
h_delivery_get(struct ctx *c)
{
	struct webhook_row	w;
	char			id[WH_UUID_LEN + 1];
	enum db_rc		rc;

	if (owned_webhook(c, &w) == -1 || path_delivery_id(c, id) == -1)
		return;
	if ((rc = write_delivery(c, 200, w.id, id, 1)) != DB_OK)
		ctx_db_error(c, rc);
}

struct redeliver_ctx {
	struct ctx	*c;
	const char	*webhook_id, *id;
	enum wh_err	 limit;		/* which bound said DB_LIMIT */
	long long	 retry_s;
};

/*
 * Queues the delivery again and reads it back in the same transaction:
 * the row stays locked, so the answer shows it as queued (a dispatcher's
 * claim skips it until the commit).  A delivery at WH_MAX_ATTEMPTS is
 * refused; one that is finished becomes a pending manual delivery, so it
 * counts against manual_pending_max.
 */
static enum db_rc
redeliver_tx(struct db *db, void *vctx)
{
	struct redeliver_ctx	*x = vctx;
	struct delivery_row	 d;
	enum db_rc		 rc;

	if ((rc = db_delivery_get(db, x->c->who.user_id, x->webhook_id, x->id,
	    &d)) != DB_OK)
		return rc;
	if (d.attempts >= WH_MAX_ATTEMPTS) {
		x->limit = WH_E_ATTEMPT_LIMIT;
		return DB_LIMIT;
	}
	if (strcmp(d.status, "pending") != 0) {
		if ((rc = manual_room(x->c, db, x->webhook_id,
		    &x->retry_s)) == DB_LIMIT)
			x->limit = WH_E_MANUAL_LIMIT;
		if (rc != DB_OK)
			return rc;
	}
	if ((rc = db_delivery_redeliver(db, x->c->who.user_id, x->webhook_id,
	    x->id)) != DB_OK)
		return rc;
	return write_delivery(x->c, 202, x->webhook_id, x->id, 1);
}

void
h_delivery_redeliver(struct ctx *c)
{
	struct webhook_row	w;
	char			id[WH_UUID_LEN + 1];
	enum db_rc		rc;

	if (owned_webhook(c, &w) == -1 || path_delivery_id(c, id) == -1)
		return;
	struct redeliver_ctx	x = { c, w.id, id, WH_OK, 0 };

	rc = db_tx(c->svc->db, redeliver_tx, &x);
	if (rc == DB_LIMIT && x.limit == WH_E_MANUAL_LIMIT) {
		answer_manual_limit(c, x.retry_s);
		return;
	}
	if (rc == DB_LIMIT) {
		char	why[128];

		snprintf(why, sizeof(why), "This delivery has had %d attempts, "
		    "the most a delivery may have; it cannot be redelivered.",
		    WH_MAX_ATTEMPTS);
		resp_error(c->resp, WH_E_ATTEMPT_LIMIT, why, NULL);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	events_notify(c->svc->conf->dispatcher_notify);
}

/* A cursor "<20 digits>_<uuid>" into a DATETIME(6) literal and an id;
 * -1 unless the digits are a real time. */
static int
cursor_parse(const char *s, char at[TIME_DB_LEN + 1], char id[WH_UUID_LEN + 1])
{
	if (strlen(s) != CURSOR_LEN || s[20] != '_' ||
	    valid_uuid(s + 21, WH_UUID_LEN, id) != NULL)
		return -1;
	return time_db_from_digits(s, at);
}

/* Reads limit and cursor; messages into *errors. */
static int
dlist_params(struct ctx *c, long long *limit, char at[TIME_DB_LEN + 1],
    char after[WH_UUID_LEN + 1], int *has_cursor, json_object **errors)
{
	const char	*s;
	long long	 v;

	*limit = WH_DEFAULT_PAGE_SIZE;
	*has_cursor = 0;
	if ((s = query_get(&c->query, "limit")) != NULL) {
		if (valid_positive_int(s, WH_MAX_PAGE_SIZE, &v) == VALID_INT_BAD) {
			if (errors_add(errors, "limit",
			    "A valid positive integer is required.") == -1)
				return -1;
		} else
			*limit = v;
	}
	if ((s = query_get(&c->query, "cursor")) != NULL) {
		if (cursor_parse(s, at, after) == -1)
			return errors_add(errors, "cursor", "Invalid cursor.");
		*has_cursor = 1;
	}
	return 0;
}

/* {"next", "results"} of n fetched rows, limit of them on the page (a
 * row more says there is a next page, after the last one kept). */
static void
answer_dlist(struct ctx *c, const struct delivery_row *rows, int n,
    long long limit, const char *webhook_id)
{
	struct buf	b = { 0 };
	struct jw	w;
	char		cursor[CURSOR_LEN + 1];

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
	struct webhook_row	 w;
	struct delivery_row	*rows;
	json_object		*errors = NULL;
	char			 at[TIME_DB_LEN + 1], after[WH_UUID_LEN + 1];
	long long		 limit;
	int			 has_cursor, n = 0;
	enum db_rc		 rc;

	if (dlist_params(c, &limit, at, after, &has_cursor, &errors) == -1) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	if (owned_webhook(c, &w) == -1)
		return;
	if ((rows = svc_rows(c->svc, sizeof(*rows), limit + 1)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = db_delivery_list(c->svc->db, c->who.user_id, w.id,
	    has_cursor ? at : NULL, has_cursor ? after : NULL, limit + 1,
	    rows, &n);
	if (rc != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_dlist(c, rows, n, limit, w.id);
}
