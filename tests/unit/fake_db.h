/* SPDX-License-Identifier: MIT */
/* fake_db.h: a scripted stand-in for db_exec and the transactions, linked
 * in with -Wl,--wrap=db_exec (and the rest below); it records every call. */
#ifndef WH_FAKE_DB_H
#define WH_FAKE_DB_H

#include <stddef.h>

#include "db_stmts.h"

/*
 * A test scripts the replies, in order, runs the code under test, then
 * reads what it sent.  Replies are consumed by the statements (and
 * db_exec_script) in order; each names the statement it expects, and
 * another statement fails the test.  db_begin and db_commit answer
 * DB_OK unless told otherwise.  Every table of cells must live until
 * the code under test has run.
 */

#define FAKE_MAX_CALLS	64
#define FAKE_MAX_REPLIES 32

enum fake_ev { FAKE_EXEC, FAKE_BEGIN, FAKE_COMMIT, FAKE_ROLLBACK, FAKE_SCRIPT };

/* An argument as the code under test passed it, copied. */
struct fake_arg {
	enum db_arg_type	 t;
	char			*p;	/* the bytes and a NUL; NULL unless STR or BLOB */
	size_t			 len;
	long long		 i;
};

/* How the caller declared a result column. */
struct fake_colinfo {
	size_t	cap;
	int	rfc3339, may_truncate;
};

struct fake_call {
	enum fake_ev		 ev;
	enum stmt_id		 id;	/* FAKE_EXEC */
	int			 tx;	/* 0 outside a transaction, else its number */
	int			 nargs;
	struct fake_arg		 arg[WH_DB_MAX_PARAMS];
	int			 ncols;
	struct fake_colinfo	 col[WH_DB_MAX_COLS];
	int			 ncb;	/* row callbacks made */
	char			*sql;	/* FAKE_SCRIPT */
};

/* One step of an expected trace, for fake_db_assert_trace. */
struct fake_step {
	enum fake_ev	ev;
	enum stmt_id	id;
};
#define STEP_EXEC(id)	{ FAKE_EXEC, (id) }
#define STEP_BEGIN	{ FAKE_BEGIN, ST__COUNT }
#define STEP_COMMIT	{ FAKE_COMMIT, ST__COUNT }
#define STEP_ROLLBACK	{ FAKE_ROLLBACK, ST__COUNT }
#define STEP_SCRIPT	{ FAKE_SCRIPT, ST__COUNT }
#define NSTEPS(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* A row table for fake_db_rows: row-major C strings, NULL for SQL NULL. */
#define CELLS(...)	((const char *const[]){ __VA_ARGS__ })

/* cmocka group or test setup and teardown: the teardown fails when a
 * scripted reply was not used or a transaction was left open. */
int		 fake_db_setup(void **);
int		 fake_db_teardown(void **);

/* The handle to pass to the code under test (never dereferenced). */
struct db	*fake_db(void);

/* Scripts the next statement: id answers rc; on DB_OK *affected gets n. */
void		 fake_db_expect(enum stmt_id, enum db_rc rc,
		    unsigned long long n);
/* Scripts the next statement: id answers DB_OK with nrows rows of ncols
 * cells each. */
void		 fake_db_rows(enum stmt_id, int nrows, int ncols,
		    const char *const *cells);
/* As fake_db_rows, with each cell's length (for bytes with a NUL). */
void		 fake_db_rows_len(enum stmt_id, int nrows, int ncols,
		    const char *const *cells, const size_t *lens);
/* Scripts the next db_exec_script. */
void		 fake_db_expect_script(enum db_rc);
/* The next db_begin or db_commit answers rc (queued, DB_OK after). */
void		 fake_db_expect_begin(enum db_rc);
void		 fake_db_expect_commit(enum db_rc);

/* What was called: every event, or only the statements. */
int		 fake_db_ncalls(void);
const struct fake_call *fake_db_call(int i);
int		 fake_db_nexec(void);
const struct fake_call *fake_db_exec(int i);
/* Fails unless the events are exactly want[n]. */
void		 fake_db_assert_trace(const struct fake_step *want, int n);

/* Argument k of a call, checked for its type. */
const char	*fake_arg_str(const struct fake_call *, int k);
long long	 fake_arg_int(const struct fake_call *, int k);
int		 fake_arg_is_null(const struct fake_call *, int k);

/* The wrapped functions (-Wl,--wrap=name). */
enum db_rc	 __wrap_db_exec(struct db *, enum stmt_id, struct db_args,
		    struct db_col *, int, db_row_cb, void *,
		    unsigned long long *);
enum db_rc	 __wrap_db_exec_script(struct db *, const char *);
enum db_rc	 __wrap_db_begin(struct db *);
enum db_rc	 __wrap_db_commit(struct db *);
void		 __wrap_db_rollback(struct db *);
const char	*__wrap_db_error(struct db *);

#endif
