/* SPDX-License-Identifier: MIT */
/* db_purge.c: retention: what is older than event_retention_days goes, in
 * small transactions. */
#include <string.h>

#include "db_purge.h"
#include "db_stmts.h"

struct pick {
	char	id[WH_PURGE_BATCH][WH_UUID_LEN + 1];
	char	row[WH_UUID_LEN + 1];
	int	n;
};

static int
pick_row(void *vctx, const struct db_col *c, int n)
{
	struct pick	*p = vctx;

	(void)c;
	(void)n;
	if (p->n < WH_PURGE_BATCH)
		memcpy(p->id[p->n++], p->row, WH_UUID_LEN + 1);
	return 0;
}

struct batch_ctx {
	int			 days;
	struct purge_batch	*out;
	struct pick		 p;
};

static enum db_rc
deliveries_tx(struct db *db, void *vctx)
{
	struct batch_ctx	*x = vctx;
	struct pick		*p = &x->p;
	struct db_arg		 a[] = { ARG_INT(x->days), ARG_INT(WH_PURGE_BATCH) };
	struct db_arg		 ids[WH_PURGE_BATCH];
	struct db_col		 col[] = { COL(p->row) };
	unsigned long long	 na = 0, nd = 0;
	enum db_rc		 rc;

	p->n = 0;
	if ((rc = db_exec(db, ST_PG_PICK, ARGS(a), col, 1, pick_row, p,
	    NULL)) != DB_OK || p->n == 0)
		return rc;
	for (int i = 0; i < WH_PURGE_BATCH; i++)
		ids[i] = i < p->n ? (struct db_arg)ARG_STR(p->id[i]) :
		    (struct db_arg){ DBA_NULL, NULL, 0, 0 };
	if ((rc = db_exec(db, ST_PG_ATTEMPTS, ARGS(ids), NULL, 0, NULL, NULL,
	    &na)) != DB_OK ||
	    (rc = db_exec(db, ST_PG_DELIVERIES, ARGS(ids), NULL, 0, NULL, NULL,
	    &nd)) != DB_OK)
		return rc;
	x->out->attempts = (long long)na;
	x->out->deliveries = (long long)nd;
	return DB_OK;
}

/* One bounded DELETE; *n gets its rows, *more whether it hit the bound. */
static enum db_rc
purge_rows(struct db *db, enum stmt_id st, int days, long long *n, int *more)
{
	struct db_arg		a[] = { ARG_INT(days), ARG_INT(WH_PURGE_ROWS) };
	unsigned long long	k = 0;
	enum db_rc		rc;

	rc = db_exec(db, st, ARGS(a), NULL, 0, NULL, NULL, &k);
	*n = (long long)k;
	*more |= k >= WH_PURGE_ROWS;
	return rc;
}

enum db_rc
db_purge_batch(struct db *db, int days, struct purge_batch *out)
{
	struct batch_ctx	x = { .days = days, .out = out };
	enum db_rc		rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_tx(db, deliveries_tx, &x)) != DB_OK)
		return rc;
	if (out->deliveries >= WH_PURGE_BATCH) {
		out->more = 1;
		return DB_OK;
	}
	/* The deliveries are done: what they leave behind. */
	if ((rc = purge_rows(db, ST_PG_EVENTS, days, &out->events,
	    &out->more)) != DB_OK)
		return rc;
	return purge_rows(db, ST_PG_REPLAYS, days, &out->replays, &out->more);
}
