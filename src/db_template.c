/* SPDX-License-Identifier: MIT */
/* db_template.c: API template queries. */
#include <stdlib.h>
#include <string.h>

#include "db_template.h"
#include "db_stmts.h"

/* Rows go to fn (the CLI's full list) or into out[] (at most max). */
struct tpl_ctx {
	struct template_row	*row;
	db_template_fn		 fn;
	void			*ctx;
	int			 found;
	struct template_row	*out;
	int			 max, n;
};

static void
cols_for_template(struct db_col *c, struct template_row *r, char *active,
    size_t activecap)
{
	struct db_col v[5] = { COL(r->id), COL(r->name), COL(r->display_name),
	    COL(r->description), { .buf = active, .cap = activecap } };

	memcpy(c, v, sizeof(v));
}

static int
tpl_row(void *vctx, const struct db_col *c, int n)
{
	struct tpl_ctx	*t = vctx;

	t->row->has_description = !c[3].is_null;
	t->row->is_active = c[4].buf[0] == '1';
	t->found = 1;
	if (t->out != NULL && t->n < t->max)
		t->out[t->n++] = *t->row;
	return t->fn != NULL ? t->fn(t->ctx, t->row) : 0;
}

/* Runs a template statement with the rows going as t says. */
static enum db_rc
tpl_query(struct db *db, enum stmt_id id, struct db_args args,
    struct tpl_ctx *t)
{
	struct db_col	 cols[5];
	char		 active[4];

	cols_for_template(cols, t->row, active, sizeof(active));
	return db_exec(db, id, args, cols, 5, tpl_row, t, NULL);
}

enum db_rc
db_template_get(struct db *db, const char *id, struct template_row *out)
{
	struct db_arg	 a[] = { ARG_STR(id) };
	/* out is an output, filled by tpl_row: */
	/* cppcheck-suppress ctuuninitvar */
	struct tpl_ctx	 t = { out, NULL, NULL, 0, NULL, 0, 0 };
	enum db_rc	 rc;

	rc = tpl_query(db, ST_TPL_GET, ARGS(a), &t);
	return rc == DB_OK && !t.found ? DB_NOTFOUND : rc;
}

enum db_rc
db_template_get_by_name(struct db *db, const char *name,
    struct template_row *out)
{
	struct db_arg	 a[] = { ARG_STR(name) };
	/* out is an output, filled by tpl_row: */
	/* cppcheck-suppress ctuuninitvar */
	struct tpl_ctx	 t = { out, NULL, NULL, 0, NULL, 0, 0 };
	enum db_rc	 rc;

	rc = tpl_query(db, ST_TPL_GET_BY_NAME, ARGS(a), &t);
	return rc == DB_OK && !t.found ? DB_NOTFOUND : rc;
}

struct resolve_ctx {
	struct tpl_ctx	 t;
	uint64_t	*user_id;
	int		*enabled;
};

/* The webhook id is read into the caller's buffer ("" for NULL). */
static int
resolve_row(void *vctx, const struct db_col *c, int n)
{
	struct resolve_ctx	*x = vctx;

	*x->user_id = strtoull(c[5].buf, NULL, 10);
	*x->enabled = c[7].buf[0] == '1';
	return tpl_row(&x->t, c, n);
}

enum db_rc
db_event_resolve(struct db *db, const char *tpl_id, const char *tpl_name,
    const char *username, struct template_row *tpl, uint64_t *user_id,
    char webhook_id[WH_UUID_LEN + 1], int *webhook_enabled)
{
	struct db_arg		 a[] = { ARG_STR(username),
	    ARG_STR(tpl_id != NULL ? tpl_id : tpl_name) };
	struct db_col		 cols[8];
	char			 active[4], uid[24], enabled[4];
	/* tpl is an output, filled by tpl_row: */
	/* cppcheck-suppress ctuuninitvar */
	/* cppcheck-suppress ctuuninitvar */
	struct resolve_ctx	 x = { { tpl, NULL, NULL, 0, NULL, 0, 0 }, user_id,
	    webhook_enabled };
	enum db_rc		 rc;

	cols_for_template(cols, tpl, active, sizeof(active));
	cols[5] = (struct db_col)COL(uid);
	cols[6] = (struct db_col){ .buf = webhook_id, .cap = WH_UUID_LEN + 1 };
	cols[7] = (struct db_col)COL(enabled);
	*webhook_enabled = 0;
	rc = db_exec(db, tpl_id != NULL ? ST_EVENT_RESOLVE_ID :
	    ST_EVENT_RESOLVE_NAME, ARGS(a), cols, 8, resolve_row, &x, NULL);
	return rc == DB_OK && !x.t.found ? DB_NOTFOUND : rc;
}

enum db_rc
db_template_count(struct db *db, long long *count)
{
	char		 buf[24];
	struct db_col	 col[] = { COL(buf) };

	*count = 0;
	return db_exec(db, ST_TPL_COUNT, NOARGS, col, 1, db_count_row, count, NULL);
}

enum db_rc
db_template_list(struct db *db, long long limit, long long offset,
    struct template_row *rows, int *n)
{
	struct template_row	 row;
	struct db_arg		 a[] = { ARG_INT(limit), ARG_INT(offset) };
	struct tpl_ctx		 t = { &row, NULL, NULL, 0, rows, (int)limit, 0 };
	enum db_rc		 rc;

	rc = tpl_query(db, ST_TPL_LIST, ARGS(a), &t);
	*n = t.n;
	return rc;
}

enum db_rc
db_template_list_all(struct db *db, db_template_fn fn, void *ctx)
{
	struct template_row	row;
	struct tpl_ctx		t = { &row, fn, ctx, 0, NULL, 0, 0 };

	return tpl_query(db, ST_TPL_LIST_ALL, NOARGS, &t);
}

enum db_rc
db_template_add(struct db *db, const char *id, const char *name,
    const char *display, const char *description)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_STR(name), ARG_STR(display),
	    ARG_STRN(description) };

	return db_exec(db, ST_TPL_ADD, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
db_template_disable(struct db *db, const char *name)
{
	struct db_arg		a[] = { ARG_STR(name) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_TPL_DISABLE, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}
