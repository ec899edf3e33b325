/* SPDX-License-Identifier: MIT */
/* db_replay.c: replay jobs: a webhook's failed or cancelled deliveries
 * requeued in bounded steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_delivery.h"
#include "db_replay.h"
#include "db_stmts.h"
#include "db_webhook.h"

/* The filter's four pairs of arguments into a (8 of them). */
static void
filter_args(const struct replay_filter *f, struct db_arg *a)
{
	const char	*st = f->status[0] ? f->status : NULL;
	const char	*since = f->since[0] ? f->since : NULL;
	const char	*until = f->until[0] ? f->until : NULL;
	struct db_arg	 none = { DBA_NULL, NULL, 0, 0 };
	struct db_arg	 after = f->after < 0 ? none :
			    (struct db_arg)ARG_INT(f->after);

	a[0] = a[1] = st ? (struct db_arg)ARG_STR(st) : none;
	a[2] = a[3] = since ? (struct db_arg)ARG_STR(since) : none;
	a[4] = a[5] = until ? (struct db_arg)ARG_STR(until) : none;
	a[6] = a[7] = after;
}

struct three {
	long long	v[3];
};

static int
three_row(void *vctx, const struct db_col *c, int n)
{
	struct three	*x = vctx;

	for (int i = 0; i < n && i < 3; i++)
		x->v[i] = c[i].is_null ? 0 : strtoll(c[i].buf, NULL, 10);
	return 0;
}

enum db_rc
db_replay_recent(struct db *db, const char *webhook_id, long long *hour,
    long long *running, long long *wait_s)
{
	struct db_arg	a[] = { ARG_STR(webhook_id) };
	char		b[3][24];
	struct db_col	cols[] = { COL(b[0]), COL(b[1]), COL(b[2]) };
	struct three	x = { { 0, 0, 0 } };
	enum db_rc	rc;

	rc = db_exec(db, ST_RP_RECENT, ARGS(a), cols, 3, three_row, &x, NULL);
	*hour = x.v[0];
	*running = x.v[1];
	*wait_s = x.v[2];
	return rc;
}

enum db_rc
db_replay_count(struct db *db, uint64_t user_id, const char *webhook_id,
    const struct replay_filter *f, long long bound, long long *n)
{
	struct db_arg	a[11];
	char		buf[24];
	struct db_col	col[] = { COL(buf) };

	a[0] = (struct db_arg)ARG_STR(webhook_id);
	a[1] = (struct db_arg)ARG_INT(user_id);
	filter_args(f, a + 2);
	a[10] = (struct db_arg)ARG_INT(bound + 1);
	*n = 0;
	return db_exec(db, ST_RP_COUNT, ARGS(a), col, 1, db_count_row, n, NULL);
}

enum db_rc
db_replay_insert(struct db *db, const char *id, const char *webhook_id,
    uint64_t user_id, const struct replay_filter *f, long long matched,
    const char *now_db)
{
	struct db_arg	a[12], fa[8];

	filter_args(f, fa);
	a[0] = (struct db_arg)ARG_STR(id);
	a[1] = (struct db_arg)ARG_STR(webhook_id);
	a[2] = (struct db_arg)ARG_INT(user_id);
	a[3] = (struct db_arg)ARG_STR(matched > 0 ? "running" : "completed");
	a[4] = fa[0];
	a[5] = fa[2];
	a[6] = fa[4];
	a[7] = fa[6];
	a[8] = (struct db_arg)ARG_INT(matched);
	a[9] = a[10] = (struct db_arg)ARG_STR(now_db);
	a[11] = matched > 0 ? (struct db_arg){ DBA_NULL, NULL, 0, 0 } :
	    (struct db_arg)ARG_STR(now_db);
	return db_exec(db, ST_RP_INSERT, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

struct get_ctx {
	struct replay_row	*r;
	char			 num[4][24];
	int			 found;
};

static int
get_row(void *vctx, const struct db_col *c, int n)
{
	struct get_ctx	*x = vctx;

	(void)n;
	x->r->f_after = c[6].is_null ? -1 : strtoll(x->num[0], NULL, 10);
	x->r->matched = strtoll(x->num[1], NULL, 10);
	x->r->requeued = strtoll(x->num[2], NULL, 10);
	x->r->skipped = strtoll(x->num[3], NULL, 10);
	x->found = 1;
	return 0;
}

enum db_rc
db_replay_get(struct db *db, uint64_t user_id, const char *webhook_id,
    const char *id, struct replay_row *out)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_STR(webhook_id),
	    ARG_INT(user_id) };
	struct get_ctx	x = { .r = out };
	/* out is an output, filled here: */
	/* cppcheck-suppress ctuuninitvar */
	struct db_col	cols[] = { COL(out->id), COL(out->webhook_id),
	    COL(out->status), COL(out->f_status), TCOL(out->f_since),
	    TCOL(out->f_until), COL(x.num[0]), COL(x.num[1]), COL(x.num[2]),
	    COL(x.num[3]), TCOL(out->created_at), TCOL(out->updated_at),
	    TCOL(out->finished_at) };
	enum db_rc	rc;

	memset(out, 0, sizeof(*out));
	rc = db_exec(db, ST_RP_GET, ARGS(a), cols, 13, get_row, &x, NULL);
	return rc == DB_OK && !x.found ? DB_NOTFOUND : rc;
}

/* The job a step works on, as ST_RP_NEXT reads it. */
struct step_job {
	char			id[WH_UUID_LEN + 1], webhook_id[WH_UUID_LEN + 1];
	struct replay_filter	f;
	char			after[24], cursor_at[TIME_DB_LEN + 1];
	char			cursor_id[WH_UUID_LEN + 1];
	char			created_at[TIME_DB_LEN + 1];
	int			found;
};

static int
job_row(void *vctx, const struct db_col *c, int n)
{
	struct step_job	*j = vctx;

	(void)n;
	j->f.after = c[5].is_null ? -1 : strtoll(j->after, NULL, 10);
	j->found = 1;
	return 0;
}

/* The deliveries a step picked: their ids, and the cursor of the last. */
struct picked {
	char		id[WH_REPLAY_STEP][WH_UUID_LEN + 1];
	int		n;
	char		row_id[WH_UUID_LEN + 1], row_at[TIME_DB_LEN + 1];
};

static int
pick_row(void *vctx, const struct db_col *c, int n)
{
	struct picked	*p = vctx;

	(void)c;
	(void)n;
	if (p->n < WH_REPLAY_STEP)
		memcpy(p->id[p->n++], p->row_id, WH_UUID_LEN + 1);
	return 0;
}

struct step_ctx {
	int			 manual_max;
	struct replay_step	*out;
	struct step_job		 j;
	struct picked		 p;
	char			 now[TIME_DB_LEN + 1];
};

/* The job's next room deliveries after its cursor into x->p, requeued
 * (ST_RP_REQUEUE passes over those that had WH_MAX_ATTEMPTS or changed
 * since: skipped). */
static enum db_rc
requeue_next(struct db *db, struct step_ctx *x, long long room)
{
	struct step_job		*j = &x->j;
	struct picked		*p = &x->p;
	struct db_arg		 a[15], rq[1 + WH_REPLAY_STEP];
	struct db_arg		 none = { DBA_NULL, NULL, 0, 0 };
	struct db_col		 cols[] = { COL(p->row_id), COL(p->row_at) };
	const char		*cat = j->cursor_at[0] ? j->cursor_at : NULL;
	unsigned long long	 requeued = 0;
	enum db_rc		 rc;

	a[0] = (struct db_arg)ARG_STR(j->webhook_id);
	filter_args(&j->f, a + 1);
	a[9] = (struct db_arg)ARG_STR(j->created_at);
	a[10] = a[11] = a[12] = cat ? (struct db_arg)ARG_STR(cat) : none;
	a[13] = cat ? (struct db_arg)ARG_STR(j->cursor_id) : none;
	a[14] = (struct db_arg)ARG_INT(room);
	if ((rc = db_exec(db, ST_RP_PICK, ARGS(a), cols, 2, pick_row, p,
	    NULL)) != DB_OK || p->n == 0)
		return rc;
	rq[0] = (struct db_arg)ARG_INT(WH_MAX_ATTEMPTS);
	for (int i = 0; i < WH_REPLAY_STEP; i++)
		rq[1 + i] = i < p->n ? (struct db_arg)ARG_STR(p->id[i]) : none;
	if ((rc = db_exec(db, ST_RP_REQUEUE, ARGS(rq), NULL, 0, NULL, NULL,
	    &requeued)) != DB_OK)
		return rc;
	x->out->requeued = (long long)requeued;
	x->out->skipped = p->n - (long long)requeued;
	return DB_OK;
}

/* The job's counts and cursor moved on (past the last row picked, the
 * one read last into row_*, or where it was); done: completed. */
static enum db_rc
advance(struct db *db, struct step_ctx *x, int done)
{
	struct step_job		*j = &x->j;
	struct picked		*p = &x->p;
	const char		*cat = p->n > 0 ? p->row_at :
				    j->cursor_at[0] ? j->cursor_at : NULL;
	const char		*cid = p->n > 0 ? p->row_id :
				    j->cursor_id[0] ? j->cursor_id : NULL;
	struct db_arg		 a[] = { ARG_STRN(cat), ARG_STRN(cid),
	    ARG_INT(x->out->requeued), ARG_INT(x->out->skipped),
	    ARG_STR(x->now), ARG_INT(done), ARG_INT(done), ARG_STR(x->now),
	    ARG_STR(j->id) };

	return db_exec(db, ST_RP_ADVANCE, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

static enum db_rc
step_tx(struct db *db, void *vctx)
{
	struct step_ctx		*x = vctx;
	struct step_job		*j = &x->j;
	struct replay_step	*o = x->out;
	struct db_col		 cols[] = { COL(j->id), COL(j->webhook_id),
	    COL(j->f.status), COL(j->f.since), COL(j->f.until), COL(j->after),
	    COL(j->cursor_at), COL(j->cursor_id), COL(j->created_at) };
	long long		 pending = 0, soonest = 0, room;
	enum db_rc		 rc;

	memset(o, 0, sizeof(*o));
	memset(j, 0, sizeof(*j));
	memset(&x->p, 0, sizeof(x->p));
	time_now(NULL, x->now);
	if ((rc = db_exec(db, ST_RP_NEXT, NOARGS, cols, 9, job_row, j,
	    NULL)) != DB_OK)
		return rc;
	if (!j->found) {
		o->none = 1;
		return DB_OK;
	}
	memcpy(o->id, j->id, sizeof(o->id));
	memcpy(o->webhook_id, j->webhook_id, sizeof(o->webhook_id));
	/* The webhook's row locked, as tests and redeliveries count their
	 * room under it (job, webhook, deliveries: the recorder's order
	 * after the job); a job whose webhook is gone ends. */
	if ((rc = db_webhook_lock(db, j->webhook_id)) == DB_NOTFOUND) {
		struct db_arg	end[] = { ARG_STR("cancelled"),
		    ARG_STR(x->now), ARG_STR(x->now), ARG_STR(j->id) };

		o->finished = 1;
		return db_exec(db, ST_RP_END, ARGS(end), NULL, 0, NULL, NULL,
		    NULL);
	}
	if (rc != DB_OK || (rc = db_manual_pending(db, j->webhook_id,
	    &pending, &soonest)) != DB_OK)
		return rc;
	if ((room = x->manual_max - pending) <= 0) {
		struct db_arg	touch[] = { ARG_STR(x->now), ARG_STR(j->id) };

		o->waiting = 1;
		return db_exec(db, ST_RP_TOUCH, ARGS(touch), NULL, 0, NULL, NULL,
		    NULL);
	}
	if (room > WH_REPLAY_STEP)
		room = WH_REPLAY_STEP;
	if ((rc = requeue_next(db, x, room)) != DB_OK)
		return rc;
	o->finished = x->p.n < room;
	return advance(db, x, o->finished);
}

enum db_rc
db_replay_step(struct db *db, int manual_max, struct replay_step *out)
{
	struct step_ctx	*x;
	enum db_rc	 rc;

	/* The picked ids are a few kilobytes: not on the dispatcher's
	 * stack. */
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return DB_ERR;
	x->manual_max = manual_max;
	x->out = out;
	rc = db_tx(db, step_tx, x);
	free(x);
	return rc;
}
