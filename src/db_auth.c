/* SPDX-License-Identifier: MIT */
/* db_auth.c: token lookup by hash. */
#include <stdlib.h>
#include <string.h>

#include "db_auth.h"
#include "db_stmts.h"

struct auth_ctx {
	struct principal	*p;
	int			 found;
};

static int
auth_row(void *vctx, const struct db_col *c, int n)
{
	struct auth_ctx	*a = vctx;

	/* The user name was fetched into p->username itself (its column). */
	a->p->user_id = strtoull(c[0].buf, NULL, 10);
	a->p->is_service = c[2].buf[0] == '1';
	a->p->expires_in_ms = c[3].is_null ? -1 : strtoll(c[3].buf, NULL, 10);
	a->found = 1;
	return 0;
}

enum db_rc
db_auth_token(struct db *db, const unsigned char hash[32],
    struct principal *out)
{
	struct db_arg	 a[] = { ARG_BLOB(hash, 32) };
	char		 uid[24], svc[4], exp[24];
	struct db_col	 cols[] = { COL(uid), COL(out->username), COL(svc),
	    COL(exp) };
	struct auth_ctx	 ctx = { out, 0 };
	enum db_rc	 rc;

	rc = db_exec(db, ST_AUTH_TOKEN, ARGS(a), cols, 4, auth_row, &ctx, NULL);
	return rc == DB_OK && !ctx.found ? DB_NOTFOUND : rc;
}

enum db_rc
db_user_id(struct db *db, const char *name, uint64_t *id)
{
	struct db_arg	 a[] = { ARG_STR(name) };
	char		 buf[24];
	struct db_col	 col[] = { COL(buf) };
	long long	 v = 0;
	enum db_rc	 rc;

	rc = db_exec(db, ST_USER_ID, ARGS(a), col, 1, db_count_row, &v, NULL);
	if (rc == DB_OK && v == 0)
		return DB_NOTFOUND;
	*id = (uint64_t)v;
	return rc;
}
