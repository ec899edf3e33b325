/* SPDX-License-Identifier: MIT */
/* db_delivery.c: events, the delivery outbox and its attempt log (API side). */
#include <stdlib.h>
#include <string.h>

#include "db_delivery.h"
#include "db_stmts.h"

struct idem_ctx {
	char	*id;
	int	*deliveries;
	int	 found;
};

static int
idem_row(void *vctx, const struct db_col *c, int n)
{
	struct idem_ctx	*x = vctx;

	memcpy(x->id, c[0].buf, WH_UUID_LEN + 1);
	*x->deliveries = atoi(c[1].buf);
	x->found = 1;
	return 0;
}

enum db_rc
db_event_by_idempotency(struct db *db, uint64_t source_user_id,
    const char *key, char id[WH_UUID_LEN + 1], int *deliveries)
{
	struct db_arg	 a[] = { ARG_INT(source_user_id), ARG_STR(key) };
	char		 idb[WH_UUID_LEN + 1], nb[8];
	struct db_col	 cols[] = { COL(idb), COL(nb) };
	struct idem_ctx	 x = { id, deliveries, 0 };
	enum db_rc	 rc;

	rc = db_exec(db, ST_EVENT_BY_IDEM, ARGS(a), cols, 2, idem_row, &x, NULL);
	return rc == DB_OK && !x.found ? DB_NOTFOUND : rc;
}

enum db_rc
db_event_insert(struct db *db, const char *id, uint64_t source_user_id,
    const char *idempotency_key, uint64_t user_id, const char *api_template_id,
    const char *type, int deliveries, const char *now_db)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_INT(source_user_id),
	    ARG_STRN(idempotency_key), ARG_INT(user_id),
	    ARG_STRN(api_template_id), ARG_STR(type), ARG_INT(deliveries),
	    ARG_STR(now_db) };

	return db_exec(db, ST_EVENT_INSERT, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
db_delivery_insert(struct db *db, const struct delivery_new *d)
{
	const char	*next = d->kept_error == NULL ? d->now_db : NULL;
	const char	*seq_of = d->numbered ? d->webhook_id : NULL;
	struct db_arg	a[] = { ARG_STR(d->id), ARG_STR(d->event_id),
	    ARG_STR(d->webhook_id), ARG_INT(d->user_id),
	    ARG_STR(d->event_type), ARG_STR(d->body), ARG_INT(d->manual),
	    ARG_INT(d->attempt_limit),
	    ARG_STR(d->kept_error == NULL ? "pending" : "cancelled"),
	    ARG_STRN(d->kept_error), ARG_STRN(next), ARG_STR(d->now_db),
	    ARG_STRN(seq_of) };

	return db_exec(db, ST_DELIVERY_INSERT, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

struct dl_ctx {
	struct delivery_row	*row;
	char			 num[5][24];
	int			 found;
	struct delivery_row	*out;		/* a list's rows, at most max */
	int			 max, n;
};

static void
cols_for_delivery(struct db_col *c, struct dl_ctx *x)
{
	struct delivery_row *r = x->row;
	struct db_col v[12] = {
		COL(r->id), COL(r->event_id), COL(r->event_type), COL(r->status),
		COL(x->num[0]), COL(x->num[1]), COL(r->error), COL(x->num[2]),
		TCOL(r->created_at), TCOL(r->last_attempt_at),
		TCOL(r->next_attempt_at), COL(r->cursor),
	};

	memcpy(c, v, sizeof(v));
}

static int
dl_row(void *vctx, const struct db_col *c, int n)
{
	struct dl_ctx		*x = vctx;
	struct delivery_row	*r = x->row;

	r->attempts = strtoll(c[4].buf, NULL, 10);
	r->response_code = c[5].is_null ? -1 : atoi(c[5].buf);
	r->duration_ms = c[7].is_null ? -1 : strtoll(c[7].buf, NULL, 10);
	x->found = 1;
	if (x->out != NULL && x->n < x->max)
		x->out[x->n++] = *r;
	return 0;
}

/* One row into row, or (out not NULL) every row into out[max]; *found
 * gets whether one came, or how many. */
static enum db_rc
dl_query(struct db *db, enum stmt_id id, struct db_args a,
    struct delivery_row *row, struct delivery_row *out, int max, int *found)
{
	struct db_col	 cols[12];
	struct dl_ctx	 x;
	enum db_rc	 rc;

	memset(&x, 0, sizeof(x));
	x.row = row;
	x.out = out;
	x.max = max;
	cols_for_delivery(cols, &x);
	rc = db_exec(db, id, a, cols, 12, dl_row, &x, NULL);
	*found = out != NULL ? x.n : x.found;
	return rc;
}

enum db_rc
db_delivery_list(struct db *db, uint64_t user_id, const char *webhook_id,
    const char *after_at, const char *after_id, long long limit,
    struct delivery_row *rows, int *n)
{
	struct delivery_row	 row;
	struct db_arg		 first[] = { ARG_STR(webhook_id),
	    ARG_INT(user_id), ARG_INT(limit) };

	if (after_at == NULL)
		return dl_query(db, ST_DELIVERY_LIST_FIRST, ARGS(first), &row,
		    rows, (int)limit, n);
	struct db_arg after[] = { ARG_STR(webhook_id), ARG_INT(user_id),
	    ARG_STR(after_at), ARG_STR(after_at), ARG_STR(after_id),
	    ARG_INT(limit) };
	return dl_query(db, ST_DELIVERY_LIST_AFTER, ARGS(after), &row, rows,
	    (int)limit, n);
}

enum db_rc
db_delivery_get(struct db *db, uint64_t user_id, const char *webhook_id,
    const char *id, struct delivery_row *out)
{
	struct db_arg	 a[] = { ARG_STR(id), ARG_STR(webhook_id),
	    ARG_INT(user_id) };
	int		 found;
	enum db_rc	 rc;

	rc = dl_query(db, ST_DELIVERY_GET, ARGS(a), out, NULL, 0, &found);
	return rc == DB_OK && !found ? DB_NOTFOUND : rc;
}

struct at_ctx {
	struct attempt_row	 row;
	char			 num[7][24];
	struct attempt_row	*out;
	int			 n;
};

static long long
num_or_null(const struct db_col *c)
{
	return c->is_null ? -1 : strtoll(c->buf, NULL, 10);
}

static int
at_row(void *vctx, const struct db_col *c, int n)
{
	struct at_ctx		*x = vctx;
	struct attempt_row	*r = &x->row;

	r->response_code = (int)num_or_null(&c[1]);
	r->duration_ms = num_or_null(&c[4]);
	r->dns_ms = num_or_null(&c[5]);
	r->connect_ms = num_or_null(&c[6]);
	r->tls_ms = num_or_null(&c[7]);
	r->first_byte_ms = num_or_null(&c[8]);
	r->has_excerpt = !c[9].is_null;
	r->excerpt_len = c[9].len;
	if (x->n < WH_MAX_ATTEMPT_LOG)
		x->out[x->n++] = *r;
	return 0;
}

enum db_rc
db_attempt_list(struct db *db, const char *delivery_id,
    struct attempt_row *rows, int *n)
{
	struct at_ctx	*x;
	struct db_arg	 a[] = { ARG_STR(delivery_id),
	    ARG_INT(WH_MAX_ATTEMPT_LOG) };
	enum db_rc	 rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return DB_ERR;
	x->out = rows;
	struct db_col cols[11] = { TCOL(x->row.at), COL(x->num[0]),
	    COL(x->row.error_class), COL(x->row.error), COL(x->num[1]),
	    COL(x->num[2]), COL(x->num[3]), COL(x->num[4]), COL(x->num[5]),
	    COL(x->row.excerpt), COL(x->num[6]) };
	rc = db_exec(db, ST_ATTEMPT_LIST, ARGS(a), cols, 11, at_row, x, NULL);
	*n = x->n;
	free(x);
	return rc;
}

enum db_rc
db_delivery_redeliver(struct db *db, uint64_t user_id, const char *webhook_id,
    const char *id)
{
	struct db_arg		a[] = { ARG_STR(id), ARG_STR(webhook_id),
	    ARG_INT(user_id) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_DELIVERY_REDELIVER, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

enum db_rc
db_manual_pending(struct db *db, const char *webhook_id, long long *count,
    long long *soonest_s)
{
	struct db_arg	a[] = { ARG_STR(webhook_id) };

	return db_exec_pair(db, ST_MANUAL_PENDING, ARGS(a), count, soonest_s);
}

struct ev_ctx {
	struct event_row	 row;
	char			 seq[24], len[24], erased[4];
	struct event_row	*out;
	int			 max, n;
};

static int
ev_row(void *vctx, const struct db_col *c, int n)
{
	struct ev_ctx	*x = vctx;

	(void)c;
	(void)n;
	x->row.sequence = strtoll(x->seq, NULL, 10);
	x->row.body_len = strtoll(x->len, NULL, 10);
	x->row.erased = x->erased[0] == '1';
	if (x->n < x->max)
		x->out[x->n++] = x->row;
	return 0;
}

enum db_rc
db_event_list(struct db *db, uint64_t user_id, const char *webhook_id,
    long long after, long long limit, struct event_row *rows, int *n)
{
	struct db_arg	 a[] = { ARG_STR(webhook_id), ARG_INT(user_id),
	    ARG_INT(after), ARG_INT(limit) };
	struct ev_ctx	 x = { .out = rows, .max = (int)limit };
	struct db_col	 cols[] = { COL(x.row.delivery_id), COL(x.row.id),
	    COL(x.seq), COL(x.row.type), COL(x.row.status),
	    TCOL(x.row.created_at), COL(x.len), COL(x.erased) };
	enum db_rc	 rc;

	rc = db_exec(db, ST_EVENT_LIST, ARGS(a), cols, 8, ev_row, &x, NULL);
	*n = x.n;
	return rc;
}

struct body_ctx {
	int	found, truncated, is_null;
	size_t	len;
};

static int
body_row(void *vctx, const struct db_col *c, int n)
{
	struct body_ctx	*x = vctx;

	(void)n;
	x->found = 1;
	x->truncated = c[0].truncated;
	x->is_null = c[0].is_null;
	x->len = c[0].len;
	return 0;
}

enum db_rc
db_delivery_body(struct db *db, const char *delivery_id, char *out,
    size_t cap, size_t *len, int *erased)
{
	struct db_arg	 a[] = { ARG_STR(delivery_id) };
	struct db_col	 col[] = { TRCOL(out, cap) };
	struct body_ctx	 x = { 0 };
	enum db_rc	 rc;

	*len = 0;
	*erased = 0;
	rc = db_exec(db, ST_DELIVERY_BODY, ARGS(a), col, 1, body_row, &x, NULL);
	if (rc != DB_OK)
		return rc;
	if (!x.found)
		return DB_NOTFOUND;
	if (x.truncated)
		return DB_ERR;
	*len = x.len;
	*erased = x.is_null;
	return DB_OK;
}

struct erase_ctx {
	uint64_t	 source_user_id;
	const char	*event_id;
};

static enum db_rc
erase_tx(struct db *db, void *vctx)
{
	struct erase_ctx	*x = vctx;
	struct db_arg		 lock[] = { ARG_STR(x->event_id),
	    ARG_INT(x->source_user_id) };
	struct db_arg		 mark[] = { ARG_STR(x->event_id) };
	struct db_arg		 bodies[] = { ARG_STR(x->event_id) };
	char			 id[WH_UUID_LEN + 1];
	enum db_rc		 rc;

	if ((rc = db_exec_id(db, ST_EV_ERASE_LOCK, ARGS(lock), id)) != DB_OK ||
	    (rc = db_exec(db, ST_EV_ERASE_MARK, ARGS(mark), NULL, 0, NULL, NULL,
	    NULL)) != DB_OK)
		return rc;
	return db_exec(db, ST_EV_ERASE_BODIES, ARGS(bodies), NULL, 0, NULL, NULL,
	    NULL);
}

enum db_rc
db_event_erase(struct db *db, uint64_t source_user_id, const char *event_id)
{
	return db_tx(db, erase_tx, &(struct erase_ctx){ source_user_id,
	    event_id });
}
