/* SPDX-License-Identifier: MIT */
/* db_run.c: what is built on db_exec and the transactions of db.c (the
 * retried transaction, the one-row helpers).  A file of its own, so that
 * its calls into db.c are calls between objects, which the unit tests'
 * fake database (-Wl,--wrap) intercepts. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "db_stmts.h"
#include "log.h"

void
db_conflict_pause(int k)
{
	unsigned long long	r;
	long long		us, max_us;
	struct timespec		ts;

	max_us = ((long long)WH_DB_CONFLICT_BACKOFF_MS << (k - 1)) * 1000;
	crypto_random(&r, sizeof(r));
	us = (long long)(r % (unsigned long long)(max_us + 1));
	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

enum db_rc
db_tx(struct db *db, enum db_rc (*fn)(struct db *, void *), void *ctx)
{
	enum db_rc	rc;
	int		conflicts = 0, lost = 0;

	for (;;) {
		if ((rc = db_begin(db)) != DB_OK)
			return rc;
		if ((rc = fn(db, ctx)) != DB_OK) {
			db_rollback(db);
			/* The connection went before the commit, so the server
			 * rolled the transaction back: run it again (on the
			 * next node of a cluster). */
			if (rc == DB_DOWN && ++lost <= DB_TX_RECONNECTS)
				continue;
		} else if ((rc = db_commit(db)) == DB_DOWN)
			return rc;	/* it may have committed: never again */
		if (rc == DB_DEADLOCK && ++conflicts < DB_TX_TRIES) {
			db_conflict_pause(conflicts);
			continue;
		}
		if (rc == DB_DEADLOCK)
			log_warn("database: a transaction conflicted %d times; "
			    "given up: %s", conflicts, db_error(db));
		return rc;
	}
}

int
db_count_row(void *ctx, const struct db_col *c, int n)
{
	*(long long *)ctx = strtoll(c[0].buf, NULL, 10);
	return 0;
}

static int
pair_row(void *ctx, const struct db_col *c, int n)
{
	long long	*v = ctx;

	v[0] = strtoll(c[0].buf, NULL, 10);
	v[1] = strtoll(c[1].buf, NULL, 10);
	return 0;
}

enum db_rc
db_exec_pair(struct db *db, enum stmt_id id, struct db_args args,
    long long *a, long long *b)
{
	char		 b0[24], b1[24];
	struct db_col	 cols[] = { COL(b0), COL(b1) };
	long long	 v[2] = { 0, 0 };
	enum db_rc	 rc;

	rc = db_exec(db, id, args, cols, 2, pair_row, v, NULL);
	*a = v[0];
	*b = v[1];
	return rc;
}

static int
copy_id_row(void *ctx, const struct db_col *c, int n)
{
	memcpy(ctx, c[0].buf, WH_UUID_LEN + 1);
	return 0;
}

enum db_rc
db_exec_id(struct db *db, enum stmt_id id, struct db_args args,
    char out[WH_UUID_LEN + 1])
{
	char		buf[WH_UUID_LEN + 1];
	struct db_col	col[] = { COL(buf) };
	enum db_rc	rc;

	out[0] = '\0';
	rc = db_exec(db, id, args, col, 1, copy_id_row, out, NULL);
	return rc == DB_OK && out[0] == '\0' ? DB_NOTFOUND : rc;
}
