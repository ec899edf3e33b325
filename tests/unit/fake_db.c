/* SPDX-License-Identifier: MIT */
/* fake_db.c: db_exec and the transactions answered from a script, every
 * call recorded (see fake_db.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_db.h"

struct fake_reply {
	enum fake_ev		 ev;
	enum stmt_id		 id;
	enum db_rc		 rc;
	unsigned long long	 affected;
	int			 nrows, ncols;
	const char *const	*cell;
	const size_t		*len;	/* NULL: strlen */
};

#define FAKE_MAX_TXRC	8

static struct fake {
	struct fake_call	 call[FAKE_MAX_CALLS];
	int			 ncalls;
	struct fake_reply	 reply[FAKE_MAX_REPLIES];
	int			 nreplies, next;
	enum db_rc		 begin_rc[FAKE_MAX_TXRC], commit_rc[FAKE_MAX_TXRC];
	int			 nbegin, nbegin_used, ncommit, ncommit_used;
	int			 in_tx, tx_seq;
} f;

static char	fake_handle;

static void
fake_free(void)
{
	for (int i = 0; i < f.ncalls; i++) {
		for (int k = 0; k < f.call[i].nargs; k++)
			free(f.call[i].arg[k].p);
		free(f.call[i].sql);
	}
	memset(&f, 0, sizeof(f));
}

int
fake_db_setup(void **state)
{
	fake_free();
	return 0;
}

int
fake_db_teardown(void **state)
{
	int	rc = 0;

	if (f.next != f.nreplies) {
		fprintf(stderr, "fake_db: %d scripted replies left unused\n",
		    f.nreplies - f.next);
		rc = -1;
	}
	if (f.in_tx) {
		fprintf(stderr, "fake_db: a transaction was left open\n");
		rc = -1;
	}
	fake_free();
	return rc;
}

struct db *
fake_db(void)
{
	return (struct db *)(void *)&fake_handle;
}

static struct fake_reply *
add_reply(enum fake_ev ev, enum stmt_id id, enum db_rc rc)
{
	struct fake_reply	*r;

	assert_true(f.nreplies < FAKE_MAX_REPLIES);
	r = &f.reply[f.nreplies++];
	memset(r, 0, sizeof(*r));
	r->ev = ev;
	r->id = id;
	r->rc = rc;
	return r;
}

void
fake_db_expect(enum stmt_id id, enum db_rc rc, unsigned long long n)
{
	add_reply(FAKE_EXEC, id, rc)->affected = n;
}

void
fake_db_rows_len(enum stmt_id id, int nrows, int ncols,
    const char *const *cells, const size_t *lens)
{
	struct fake_reply	*r = add_reply(FAKE_EXEC, id, DB_OK);

	assert_in_range(ncols, 1, WH_DB_MAX_COLS);
	r->affected = (unsigned long long)nrows;
	r->nrows = nrows;
	r->ncols = ncols;
	r->cell = cells;
	r->len = lens;
}

void
fake_db_rows(enum stmt_id id, int nrows, int ncols, const char *const *cells)
{
	fake_db_rows_len(id, nrows, ncols, cells, NULL);
}

void
fake_db_expect_script(enum db_rc rc)
{
	add_reply(FAKE_SCRIPT, ST__COUNT, rc);
}

void
fake_db_expect_begin(enum db_rc rc)
{
	assert_true(f.nbegin < FAKE_MAX_TXRC);
	f.begin_rc[f.nbegin++] = rc;
}

void
fake_db_expect_commit(enum db_rc rc)
{
	assert_true(f.ncommit < FAKE_MAX_TXRC);
	f.commit_rc[f.ncommit++] = rc;
}

int
fake_db_ncalls(void)
{
	return f.ncalls;
}

const struct fake_call *
fake_db_call(int i)
{
	assert_in_range(i, 0, f.ncalls - 1);
	return &f.call[i];
}

int
fake_db_nexec(void)
{
	int	n = 0;

	for (int i = 0; i < f.ncalls; i++)
		n += f.call[i].ev == FAKE_EXEC;
	return n;
}

const struct fake_call *
fake_db_exec(int i)
{
	for (int k = 0, n = 0; k < f.ncalls; k++)
		if (f.call[k].ev == FAKE_EXEC && n++ == i)
			return &f.call[k];
	fail_msg("fake_db: no statement %d (%d were run)", i, fake_db_nexec());
	return NULL;
}

static const char *const ev_name[] = { "exec", "begin", "commit", "rollback",
    "script" };

static void
print_trace(void)
{
	for (int i = 0; i < f.ncalls; i++)
		if (f.call[i].ev == FAKE_EXEC)
			fprintf(stderr, "  %d: exec %d\n", i, (int)f.call[i].id);
		else
			fprintf(stderr, "  %d: %s\n", i, ev_name[f.call[i].ev]);
}

void
fake_db_assert_trace(const struct fake_step *want, int n)
{
	int	ok = n == f.ncalls;

	for (int i = 0; ok && i < n; i++)
		ok = want[i].ev == f.call[i].ev && (want[i].ev != FAKE_EXEC ||
		    want[i].id == f.call[i].id);
	if (!ok) {
		fprintf(stderr, "fake_db: %d events where %d were expected:\n",
		    f.ncalls, n);
		print_trace();
		fail();
	}
}

static const struct fake_arg *
arg_of(const struct fake_call *c, int k)
{
	assert_non_null(c);
	assert_int_equal(c->ev, FAKE_EXEC);
	assert_in_range(k, 0, c->nargs - 1);
	return &c->arg[k];
}

const char *
fake_arg_str(const struct fake_call *c, int k)
{
	const struct fake_arg	*a = arg_of(c, k);

	if (a->t != DBA_STR)
		fail_msg("statement %d argument %d: type %d, not a string",
		    (int)c->id, k, (int)a->t);
	return a->p;
}

long long
fake_arg_int(const struct fake_call *c, int k)
{
	const struct fake_arg	*a = arg_of(c, k);

	if (a->t != DBA_INT)
		fail_msg("statement %d argument %d: type %d, not an integer",
		    (int)c->id, k, (int)a->t);
	return a->i;
}

int
fake_arg_is_null(const struct fake_call *c, int k)
{
	return arg_of(c, k)->t == DBA_NULL;
}

static struct fake_call *
record(enum fake_ev ev, enum stmt_id id)
{
	struct fake_call	*c;

	assert_true(f.ncalls < FAKE_MAX_CALLS);
	c = &f.call[f.ncalls++];
	memset(c, 0, sizeof(*c));
	c->ev = ev;
	c->id = id;
	c->tx = f.in_tx ? f.tx_seq : 0;
	return c;
}

static void
copy_args(struct fake_call *c, struct db_args args)
{
	for (int k = 0; k < args.n; k++) {
		const struct db_arg	*a = &args.v[k];
		struct fake_arg		*o = &c->arg[k];

		o->t = a->t;
		o->i = a->i;
		o->len = a->len;
		if (a->t != DBA_STR && a->t != DBA_BLOB)
			continue;
		assert_non_null(a->p);
		o->p = malloc(a->len + 1);
		assert_non_null(o->p);
		memcpy(o->p, a->p, a->len);
		o->p[a->len] = '\0';
	}
	c->nargs = args.n;
}

static const struct fake_reply *
next_reply(enum fake_ev ev, enum stmt_id id)
{
	const struct fake_reply	*r;

	if (f.next >= f.nreplies)
		fail_msg("fake_db: unscripted %s of statement %d",
		    ev_name[ev], (int)id);
	r = &f.reply[f.next++];
	if (r->ev != ev || r->id != id)
		fail_msg("fake_db: %s of statement %d where %s of %d was "
		    "scripted", ev_name[ev], (int)id, ev_name[r->ev], (int)r->id);
	return r;
}

/* One value into a column, as db.c's fetch_rows leaves it. */
static void
fill_col(struct db_col *c, const char *v, size_t len)
{
	c->is_null = v == NULL;
	c->truncated = v != NULL && len > c->cap - 1;
	c->len = v == NULL ? 0 : c->truncated ? c->cap - 1 : len;
	if (v != NULL)
		memcpy(c->buf, v, c->len);
	c->buf[c->len] = '\0';
	if (c->rfc3339 && c->len == 26 && c->cap > 27) {
		c->buf[10] = 'T';
		c->buf[26] = 'Z';
		c->buf[27] = '\0';
		c->len = 27;
	}
}

/* Row i into cols: DB_ERR (nothing copied) when a value is longer than
 * its column holds and the column does not allow truncation. */
static enum db_rc
fill_row(const struct fake_reply *r, int i, struct db_col *cols, int ncols)
{
	const char *const	*v = r->cell + (size_t)i * (size_t)ncols;
	size_t			 len[WH_DB_MAX_COLS];

	for (int k = 0; k < ncols; k++) {
		len[k] = v[k] == NULL ? 0 : r->len != NULL ?
		    r->len[(size_t)i * (size_t)ncols + (size_t)k] : strlen(v[k]);
		if (v[k] != NULL && len[k] > cols[k].cap - 1 &&
		    !cols[k].may_truncate)
			return DB_ERR;
	}
	for (int k = 0; k < ncols; k++)
		fill_col(&cols[k], v[k], len[k]);
	return DB_OK;
}

/* The rows of r through cb; a non-zero return stops them with DB_ERR
 * (db.c drains the rest unseen). */
static enum db_rc
fetch(struct fake_call *c, const struct fake_reply *r, struct db_col *cols,
    int ncols, db_row_cb cb, void *ctx)
{
	enum db_rc	rc;

	if (r->nrows > 0 && r->ncols != ncols)
		fail_msg("statement %d: %d columns read, %d scripted",
		    (int)c->id, ncols, r->ncols);
	for (int i = 0; i < r->nrows; i++) {
		if ((rc = fill_row(r, i, cols, ncols)) != DB_OK)
			return rc;
		c->ncb += cb != NULL;
		if (cb != NULL && cb(ctx, cols, ncols) != 0)
			return DB_ERR;
	}
	return DB_OK;
}

enum db_rc
__wrap_db_exec(struct db *db, enum stmt_id id, struct db_args args,
    struct db_col *cols, int ncols, db_row_cb cb, void *ctx,
    unsigned long long *affected)
{
	const struct fake_reply	*r;
	struct fake_call	*c;

	assert_ptr_equal(db, fake_db());
	assert_in_range(id, 0, ST__COUNT - 1);
	/* db_exec refuses a miscounted call: here it fails the test. */
	if (args.n != db_stmt_defs[id].nparams)
		fail_msg("statement %d: %d arguments for %d placeholders",
		    (int)id, args.n, db_stmt_defs[id].nparams);
	assert_in_range(ncols, 0, WH_DB_MAX_COLS);
	c = record(FAKE_EXEC, id);
	copy_args(c, args);
	c->ncols = ncols;
	for (int k = 0; k < ncols; k++)
		c->col[k] = (struct fake_colinfo){ cols[k].cap, cols[k].rfc3339,
		    cols[k].may_truncate };
	r = next_reply(FAKE_EXEC, id);
	if (r->rc != DB_OK)
		return r->rc;
	if (affected != NULL)
		*affected = r->affected;
	if (ncols == 0) {
		assert_int_equal(r->nrows, 0);
		return DB_OK;
	}
	return fetch(c, r, cols, ncols, cb, ctx);
}

enum db_rc
__wrap_db_exec_script(struct db *db, const char *sql)
{
	struct fake_call	*c;

	assert_ptr_equal(db, fake_db());
	c = record(FAKE_SCRIPT, ST__COUNT);
	c->sql = strdup(sql);
	assert_non_null(c->sql);
	return next_reply(FAKE_SCRIPT, ST__COUNT)->rc;
}

enum db_rc
__wrap_db_begin(struct db *db)
{
	enum db_rc	rc;

	assert_ptr_equal(db, fake_db());
	if (f.in_tx)
		fail_msg("fake_db: begin inside a transaction");
	record(FAKE_BEGIN, ST__COUNT);
	rc = f.nbegin_used < f.nbegin ? f.begin_rc[f.nbegin_used++] : DB_OK;
	if (rc == DB_OK) {
		f.in_tx = 1;
		f.tx_seq++;
	}
	return rc;
}

enum db_rc
__wrap_db_commit(struct db *db)
{
	assert_ptr_equal(db, fake_db());
	if (!f.in_tx)
		fail_msg("fake_db: commit outside a transaction");
	record(FAKE_COMMIT, ST__COUNT);
	f.in_tx = 0;
	return f.ncommit_used < f.ncommit ? f.commit_rc[f.ncommit_used++] :
	    DB_OK;
}

void
__wrap_db_rollback(struct db *db)
{
	assert_ptr_equal(db, fake_db());
	record(FAKE_ROLLBACK, ST__COUNT);
	f.in_tx = 0;
}

const char *
__wrap_db_error(struct db *db)
{
	return "fake database error";
}
