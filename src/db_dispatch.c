/* SPDX-License-Identifier: MIT */
/* db_dispatch.c: claiming due deliveries and recording their attempts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_dispatch.h"
#include "db_stmts.h"
#include "log.h"

/* What the claim reads holds what the API accepts (events.c refuses a
 * delivery body over WH_MAX_DELIVERY_BODY). */
#define DQ_BODY_BUF	(WH_MAX_DELIVERY_BODY + 1)
_Static_assert(sizeof(((struct dq_job_row *)0)->secret) == WH_SEALED_MAX + 1 &&
    sizeof(((struct dq_job_row *)0)->prev_secret) == WH_SEALED_MAX + 1,
    "a sealed secret and the reader's NUL");
_Static_assert(sizeof(((struct dq_job_row *)0)->endpoint_url) ==
    WH_MAX_URL_LEN + 1, "an endpoint_url the validator accepts");

#define DQ_LOAD_COLS	20
static const char *const load_col_name[DQ_LOAD_COLS] = { "id", "event_id",
    "webhook_id", "event_type", "body", "attempts", "attempt_limit", "manual",
    "webhook", "endpoint_url", "webhook status", "secret", "secret key id",
    "previous secret", "previous secret key id", "sequence", "signing key",
    "signing key id", "previous signing key", "previous signing key id" };

struct claim_ids {
	char	id[WH_DQ_MAX_BATCH][WH_UUID_LEN + 1];
	int	n;
};

static int
collect_id(void *ctx, const struct db_col *c, int n)
{
	struct claim_ids	*x = ctx;

	if (x->n < WH_DQ_MAX_BATCH)
		memcpy(x->id[x->n++], c[0].buf, WH_UUID_LEN + 1);
	return 0;
}

/* Locks and marks up to n due deliveries with claim; commits. */
static enum db_rc
claim_mark(struct db *db, unsigned long long claim, int n, long long lease_us,
    const char *exclude, int *claimed)
{
	struct db_arg		 sel[] = { ARG_STR(exclude), ARG_INT(n) };
	struct db_arg		 mark[2 + WH_DQ_MAX_BATCH];
	struct claim_ids	 x;
	char			 buf[WH_UUID_LEN + 1];
	struct db_col		 col[] = { COL(buf) };
	enum db_rc		 rc;

	x.n = 0;
	if ((rc = db_begin(db)) != DB_OK)
		return rc;
	rc = db_exec(db, ST_DQ_SELECT_DUE, ARGS(sel), col, 1, collect_id, &x, NULL);
	if (rc == DB_OK && x.n > 0) {
		mark[0] = (struct db_arg)ARG_INT(claim);
		mark[1] = (struct db_arg)ARG_INT(lease_us);
		for (int i = 0; i < WH_DQ_MAX_BATCH; i++)
			mark[2 + i] = i < x.n ? (struct db_arg)ARG_STR(x.id[i]) :
			    (struct db_arg){ DBA_NULL, NULL, 0, 0 };
		rc = db_exec(db, ST_DQ_MARK, ARGS(mark), NULL, 0, NULL, NULL, NULL);
	}
	if (rc != DB_OK) {
		db_rollback(db);
		return rc;
	}
	*claimed = x.n;
	return db_commit(db);
}

struct load_ctx {
	struct dq_job_row	*row;
	char			 num[4][24];
	char			*body;
	char			 bad[128];
	dq_job_fn		 fn;
	void			*ctx;
};

static int
load_row(void *vctx, const struct db_col *c, int n)
{
	struct load_ctx		*x = vctx;
	struct dq_job_row	*r = x->row;

	/* A value too large to read ends this delivery alone (the caller
	 * records why); the other rows of the claim go on. */
	r->bad = NULL;
	for (int i = 0; i < n && r->bad == NULL; i++)
		if (c[i].truncated) {
			snprintf(x->bad, sizeof(x->bad), "not sent: the stored "
			    "%s is larger than the dispatcher reads (%zu bytes)",
			    load_col_name[i], c[i].cap - 1);
			r->bad = x->bad;
		}
	/* Erased (DELETE /events/) after it was queued again: nothing to
	 * send, failed at once like a row that cannot be read. */
	if (r->bad == NULL && c[4].is_null) {
		snprintf(x->bad, sizeof(x->bad), "not sent: the event's body "
		    "was erased");
		r->bad = x->bad;
	}
	r->body = c[4].buf;
	r->body_len = c[4].len;
	r->attempts = atoi(c[5].buf);
	r->attempt_limit = atoi(c[6].buf);
	r->manual = c[7].buf[0] == '1';
	r->webhook_exists = c[8].buf[0] == '1';
	r->secret_len = c[11].is_null ? 0 : c[11].len;
	r->prev_secret_len = c[13].is_null ? 0 : c[13].len;
	r->signing_key_len = c[16].is_null ? 0 : c[16].len;
	r->prev_signing_key_len = c[18].is_null ? 0 : c[18].len;
	return x->fn(x->ctx, r);
}

enum db_rc
dq_claim(struct db *db, unsigned long long claim, int n, long long lease_us,
    const char *exclude, dq_job_fn fn, void *ctx, int *claimed)
{
	struct load_ctx		 x;
	struct dq_job_row	*r;
	struct db_arg		 a[] = { ARG_INT(claim) };
	enum db_rc		 rc;

	*claimed = 0;
	if (n > WH_DQ_MAX_BATCH)
		n = WH_DQ_MAX_BATCH;
	if ((rc = claim_mark(db, claim, n, lease_us, exclude, claimed)) != DB_OK ||
	    *claimed == 0)
		return rc;
	memset(&x, 0, sizeof(x));
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (x.body = malloc(DQ_BODY_BUF)) == NULL) {
		free(r);
		return DB_ERR;	/* the lease brings them back */
	}
	x.row = r;
	x.fn = fn;
	x.ctx = ctx;
#define T(b)	TRCOL(b, sizeof(b))
	struct db_col cols[DQ_LOAD_COLS] = { T(r->id), T(r->event_id),
	    T(r->webhook_id), T(r->event_type), TRCOL(x.body, DQ_BODY_BUF),
	    T(x.num[0]), T(x.num[1]), T(x.num[2]), T(x.num[3]),
	    T(r->endpoint_url), T(r->webhook_status), T(r->secret),
	    T(r->secret_key_id), T(r->prev_secret), T(r->prev_secret_key_id),
	    T(r->sequence), T(r->signing_key), T(r->signing_key_id),
	    T(r->prev_signing_key), T(r->prev_signing_key_id) };
#undef T
	rc = db_exec(db, ST_DQ_LOAD, ARGS(a), cols, DQ_LOAD_COLS, load_row, &x, NULL);
	explicit_bzero(r, sizeof(*r));
	free(r);
	free(x.body);
	return rc;
}

enum db_rc
dq_renew(struct db *db, const char *id, unsigned long long claim,
    long long lease_us)
{
	struct db_arg		a[] = { ARG_INT(lease_us), ARG_STR(id),
	    ARG_INT(claim) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_DQ_RENEW, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

enum db_rc
dq_release(struct db *db, unsigned long long claim, char ids[][WH_UUID_LEN + 1],
    int n)
{
	struct db_arg	a[1 + WH_DQ_MAX_BATCH];

	a[0] = (struct db_arg)ARG_INT(claim);
	for (int i = 0; i < WH_DQ_MAX_BATCH; i++)
		a[1 + i] = i < n ? (struct db_arg)ARG_STR(ids[i]) :
		    (struct db_arg){ DBA_NULL, NULL, 0, 0 };
	return db_exec(db, ST_DQ_RELEASE, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

static enum db_rc
record_webhook(struct db *db, const struct dq_result *r, int threshold,
    long long window_us, const char *now)
{
	struct db_arg	ok[] = { ARG_STR(r->at_db), ARG_INT(r->response_code),
	    ARG_STR(r->webhook_id) };
	struct db_arg	code = r->response_code < 0 ?
	    (struct db_arg){ DBA_NULL, NULL, 0, 0 } :
	    (struct db_arg)ARG_INT(r->response_code);
	struct db_arg	failed[] = { ARG_STR(r->at_db), code,
	    ARG_STR(r->webhook_id) };
	struct db_arg	final[] = { ARG_STR(r->at_db), ARG_STR(r->at_db), code,
	    ARG_INT(threshold), ARG_INT(threshold), ARG_STR(now),
	    ARG_INT(window_us), ARG_STR(r->webhook_id) };
	struct db_arg	gone[] = { ARG_STR(r->at_db), ARG_STR(r->at_db),
	    ARG_STR(r->webhook_id) };
	struct db_arg	cancel[] = { ARG_STR(r->webhook_id) };
	enum db_rc	rc;

	if (r->manual)	/* last_delivery only: never counted */
		return db_exec(db, r->error_class == NULL ?
		    ST_DQ_WH_MANUAL_SUCCESS : ST_DQ_WH_ATTEMPT_FAILED,
		    r->error_class == NULL ? ARGS(ok) : ARGS(failed), NULL, 0,
		    NULL, NULL, NULL);
	if (r->error_class == NULL)
		return db_exec(db, ST_DQ_WH_SUCCESS, ARGS(ok), NULL, 0, NULL, NULL, NULL);
	if (r->gone)
		rc = db_exec(db, ST_DQ_WH_GONE, ARGS(gone), NULL, 0, NULL, NULL, NULL);
	else if (r->delivery_failed)
		rc = db_exec(db, ST_DQ_WH_DELIVERY_FAILED, ARGS(final), NULL, 0, NULL,
		    NULL, NULL);
	else
		return db_exec(db, ST_DQ_WH_ATTEMPT_FAILED, ARGS(failed), NULL, 0,
		    NULL, NULL, NULL);
	if (rc != DB_OK)
		return rc;
	/* Disabled just now (or before): nothing more goes out to it. */
	return db_exec(db, ST_DQ_CANCEL_DISABLED, ARGS(cancel), NULL, 0, NULL, NULL,
	    NULL);
}

static struct db_arg
arg_num(long long v)
{
	return v < 0 ? (struct db_arg){ DBA_NULL, NULL, 0, 0 } :
	    (struct db_arg)ARG_INT(v);
}

enum db_rc
dq_record(struct db *db, const struct dq_result *r, int threshold,
    long long window_us, const char *now, int *lost)
{
	struct db_arg		 att[] = { ARG_STR(r->delivery_id),
	    ARG_STR(r->at_db), arg_num(r->response_code),
	    ARG_STRN(r->error_class), ARG_STRN(r->error),
	    ARG_INT(r->duration_ms), arg_num(r->dns_ms),
	    arg_num(r->connect_ms), arg_num(r->tls_ms),
	    arg_num(r->first_byte_ms), r->has_excerpt ?
	    (struct db_arg){ DBA_BLOB, r->excerpt, r->excerpt_len, 0 } :
	    (struct db_arg){ DBA_NULL, NULL, 0, 0 } };
	struct db_arg		 fin[] = { ARG_STR(r->status),
	    ARG_STRN(r->next_at_db), arg_num(r->response_code),
	    ARG_STRN(r->error), ARG_INT(r->duration_ms), ARG_STR(r->at_db),
	    ARG_STR(r->delivery_id), ARG_INT(r->claim) };
	unsigned long long	 n = 0;
	enum db_rc		 rc;

	struct db_arg		 cnt[] = { arg_num(r->response_code),
	    ARG_STRN(r->error), ARG_INT(r->duration_ms), ARG_STR(r->at_db),
	    ARG_STR(r->delivery_id) };

	*lost = 0;
	if ((rc = db_exec(db, ST_DQ_ATTEMPT_INSERT, ARGS(att), NULL, 0, NULL, NULL,
	    NULL)) != DB_OK ||
	    (rc = db_exec(db, ST_DQ_FINISH, ARGS(fin), NULL, 0, NULL, NULL, &n)) !=
	    DB_OK)
		return rc;
	if (n == 0) {
		*lost = 1;
		return db_exec(db, ST_DQ_COUNT_LOST, ARGS(cnt), NULL, 0, NULL, NULL,
		    NULL);
	}
	return record_webhook(db, r, threshold, window_us, now);
}

enum db_rc
dq_cancel(struct db *db, const char *id, unsigned long long claim)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_INT(claim) };

	return db_exec(db, ST_DQ_CANCEL_ONE, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
dq_stats(struct db *db, long long *depth, long long *oldest_us)
{
	return db_exec_pair(db, ST_DQ_STATS, NOARGS, depth, oldest_us);
}
