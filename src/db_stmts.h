/* SPDX-License-Identifier: MIT */
/* db_stmts.h: the statement table and the executor shared by db_*.c only. */
#ifndef WH_DB_STMTS_H
#define WH_DB_STMTS_H

#include <stddef.h>

#include "db.h"

enum stmt_id {
	ST_AUTH_TOKEN,
	ST_TPL_GET,
	ST_TPL_COUNT,
	ST_TPL_LIST,
	ST_WH_GET,
	ST_WH_COUNT,
	ST_WH_LIST,
	ST_WH_LIST_ALL,
	ST_WH_INSERT,
	ST_WH_ID_BY_TPL,
	ST_WH_UPDATE,
	ST_WH_DELETE,
	ST_WH_CANCEL_PENDING,
	ST_SK_SET,
	ST_SK_GET,
	ST_SK_DELETE,
	ST_USER_ADD,
	ST_USER_ID,
	ST_TOKEN_ADD,
	ST_TOKEN_REVOKE,
	ST_TOKEN_REVOKE_ID,
	ST_TOKEN_LIST,
	ST_TPL_ADD,
	ST_TPL_LIST_ALL,
	ST_TPL_DISABLE,
	ST_TPL_GET_BY_NAME,
	ST_EVENT_BY_IDEM,
	ST_EVENT_INSERT,
	ST_WH_FOR,
	ST_SEQ_NEXT,
	ST_SEQ_LAST,
	ST_SEQ_DELETE,
	ST_EVENT_RESOLVE_ID,
	ST_EVENT_RESOLVE_NAME,
	ST_DELIVERY_INSERT,
	ST_EVENT_LIST,
	ST_DELIVERY_BODY,
	ST_DELIVERY_LIST_FIRST,
	ST_DELIVERY_LIST_AFTER,
	ST_DELIVERY_GET,
	ST_ATTEMPT_LIST,
	ST_DELIVERY_REDELIVER,
	ST_MANUAL_PENDING,
	ST_RP_RECENT,
	ST_RP_COUNT,
	ST_RP_INSERT,
	ST_RP_GET,
	ST_RP_NEXT,
	ST_RP_PICK,
	ST_RP_REQUEUE,
	ST_RP_ADVANCE,
	ST_RP_TOUCH,
	ST_RP_END,
	ST_DQ_SELECT_DUE,
	ST_DQ_MARK,
	ST_DQ_RELEASE,
	ST_DQ_RENEW,
	ST_DQ_LOAD,
	ST_DQ_ATTEMPT_INSERT,
	ST_DQ_FINISH,
	ST_DQ_CANCEL_ONE,
	ST_DQ_LOCK_WEBHOOK,
	ST_DQ_COUNT_LOST,
	ST_DQ_WH_SUCCESS,
	ST_DQ_WH_MANUAL_SUCCESS,
	ST_DQ_WH_ATTEMPT_FAILED,
	ST_DQ_WH_DELIVERY_FAILED,
	ST_DQ_WH_GONE,
	ST_DQ_CANCEL_DISABLED,
	ST_DQ_STATS,
	ST_ADM_DELIVERY_LIST,
	ST_ADM_DELIVERY_RETRY,
	ST_ADM_DELIVERY_ATTEMPTS,
	ST_PG_PICK,
	ST_PG_ATTEMPTS,
	ST_PG_DELIVERIES,
	ST_PG_EVENTS,
	ST_PG_REPLAYS,
	ST_EV_ERASE_LOCK,
	ST_EV_ERASE_MARK,
	ST_EV_ERASE_BODIES,
	ST_MIG_APPLIED,
	ST_MIG_RECORD,
	ST__COUNT
};

struct stmt_def {
	const char	*sql;
	int		 nparams;
	int		 write;	/* not safe to send twice */
};

extern const struct stmt_def db_stmt_defs[ST__COUNT];

enum db_arg_type { DBA_NULL, DBA_STR, DBA_INT, DBA_BLOB };

struct db_arg {
	enum db_arg_type	 t;
	const void		*p;
	size_t			 len;
	long long		 i;
};

/* A statement's arguments with their count, which db_exec checks against
 * the statement's placeholders: ARGS(array) or NOARGS. */
struct db_args {
	const struct db_arg	*v;
	int			 n;
};
#define ARGS(a)		((struct db_args){ (a), (int)(sizeof(a) / sizeof((a)[0])) })
#define NOARGS		((struct db_args){ NULL, 0 })

/*
 * A result column, always fetched as text into buf (cap bytes, NUL added,
 * so a value may have cap - 1 bytes).  A longer value fails the statement
 * (DB_ERR), unless the column says may_truncate: then the row still
 * reaches the callback, with truncated set and the first cap - 1 bytes.
 */
struct db_col {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 is_null;
	int	 rfc3339;	/* a DATETIME(6): rewrite as ...T...Z */
	int	 may_truncate;
	int	 truncated;	/* out */
};

typedef int (*db_row_cb)(void *ctx, const struct db_col *cols, int ncols);

/*
 * Executes statement id with args; for each result row fills cols and
 * calls cb.  *affected (may be NULL) gets the changed rows of a write.
 * Reconnects and retries once where that cannot apply a write twice.
 */
enum db_rc	db_exec(struct db *, enum stmt_id, struct db_args args,
		    struct db_col *cols, int ncols, db_row_cb cb, void *ctx,
		    unsigned long long *affected);

/* A row callback storing column 0 as a number into *(long long *)ctx. */
int		db_count_row(void *ctx, const struct db_col *cols, int ncols);

/* Runs a statement whose one row is two numbers, into *a and *b (0 and 0
 * when no row comes). */
enum db_rc	db_exec_pair(struct db *, enum stmt_id, struct db_args args,
		    long long *a, long long *b);

/* Runs a statement whose one column is a UUID, into out: DB_NOTFOUND
 * when no row comes. */
enum db_rc	db_exec_id(struct db *, enum stmt_id, struct db_args args,
		    char out[WH_UUID_LEN + 1]);

/* Runs trusted SQL text (migrations), several statements allowed. */
enum db_rc	db_exec_script(struct db *, const char *sql);

#define ARG_STR(s)	{ DBA_STR, (s), strlen(s), 0 }
#define ARG_STRN(s)	{ (s) ? DBA_STR : DBA_NULL, (s), (s) ? strlen(s) : 0, 0 }
#define ARG_INT(v)	{ DBA_INT, NULL, 0, (long long)(v) }
#define ARG_BLOB(p, n)	{ (p) ? DBA_BLOB : DBA_NULL, (p), (n), 0 }
#define COL(b)		{ .buf = (b), .cap = sizeof(b) }
#define TCOL(b)		{ .buf = (b), .cap = sizeof(b), .rfc3339 = 1 }	/* a time */
#define BCOL(b)		{ .buf = (char *)(b), .cap = sizeof(b) }	/* binary */
/* A column the caller checks for truncation itself (one bad row must not
 * fail the others of its statement). */
#define TRCOL(b, n)	{ .buf = (char *)(b), .cap = (n), .may_truncate = 1 }

#endif
