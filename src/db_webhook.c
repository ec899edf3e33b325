/* SPDX-License-Identifier: MIT */
/* db_webhook.c: webhook queries, every one scoped to its owner. */
#include <stdlib.h>
#include <string.h>

#include "db_webhook.h"
#include "db_stmts.h"

#define WH_NCOLS 15

struct wh_ctx {
	struct webhook_row	*row;
	char			 flags[4][24];	/* has_secret, failures, code, tpl active */
	int			 found;
	struct webhook_row	*out;		/* a list's rows, at most max */
	int			 max, n;
};

static void
cols_for_webhook(struct db_col *c, struct wh_ctx *w)
{
	struct webhook_row *r = w->row;
	struct db_col v[WH_NCOLS] = {
		COL(r->id), COL(r->tpl.id), COL(r->tpl.name),
		COL(r->tpl.display_name), COL(r->tpl.description),
		COL(r->endpoint_url), COL(r->status), COL(w->flags[0]),
		COL(r->disabled_reason), COL(w->flags[1]), TCOL(r->created_at),
		TCOL(r->updated_at), TCOL(r->last_at), COL(r->last_status),
		COL(w->flags[2]),
	};

	memcpy(c, v, sizeof(v));
}

static int
wh_row(void *vctx, const struct db_col *c, int n)
{
	struct wh_ctx		*w = vctx;
	struct webhook_row	*r = w->row;

	r->tpl.has_description = !c[4].is_null;
	r->tpl.is_active = 1;
	r->has_secret = c[7].buf[0] == '1';
	r->consecutive_failures = strtoll(c[9].buf, NULL, 10);
	r->last_code = c[14].is_null ? -1 : atoi(c[14].buf);
	w->found = 1;
	if (w->out != NULL && w->n < w->max)
		w->out[w->n++] = *r;
	return 0;
}

/* One row into row, or (out not NULL) every row into out[max]. */
static enum db_rc
wh_query(struct db *db, enum stmt_id id, struct db_args args,
    struct webhook_row *row, struct webhook_row *out, int max, int *found)
{
	struct db_col	 cols[WH_NCOLS];
	struct wh_ctx	 w;
	enum db_rc	 rc;

	memset(&w, 0, sizeof(w));
	w.row = row;
	w.out = out;
	w.max = max;
	cols_for_webhook(cols, &w);
	rc = db_exec(db, id, args, cols, WH_NCOLS, wh_row, &w, NULL);
	*found = out != NULL ? w.n : w.found;
	return rc;
}

enum db_rc
db_webhook_get(struct db *db, uint64_t user_id, const char *id,
    struct webhook_row *out)
{
	struct db_arg	 a[] = { ARG_STR(id), ARG_INT(user_id) };
	int		 found;
	enum db_rc	 rc;

	rc = wh_query(db, ST_WH_GET, ARGS(a), out, NULL, 0, &found);
	return rc == DB_OK && !found ? DB_NOTFOUND : rc;
}

enum db_rc
db_webhook_count(struct db *db, uint64_t user_id,
    const struct webhook_filter *f, long long *count)
{
	char		 buf[24];
	struct db_col	 col[] = { COL(buf) };
	struct db_arg	 a[] = { ARG_INT(user_id), ARG_STRN(f->status),
	    ARG_STRN(f->status), ARG_STRN(f->api_template),
	    ARG_STRN(f->api_template) };

	*count = 0;
	return db_exec(db, ST_WH_COUNT, ARGS(a), col, 1, db_count_row, count, NULL);
}

enum db_rc
db_webhook_list(struct db *db, uint64_t user_id,
    const struct webhook_filter *f, long long limit, long long offset,
    struct webhook_row *rows, int *n)
{
	struct webhook_row	*row;
	struct db_arg		 a[] = { ARG_INT(user_id), ARG_STRN(f->status),
	    ARG_STRN(f->status), ARG_STRN(f->api_template),
	    ARG_STRN(f->api_template), ARG_INT(limit), ARG_INT(offset) };
	enum db_rc		 rc;

	struct db_arg		 all[] = { ARG_INT(user_id), ARG_INT(limit),
	    ARG_INT(offset) };

	if ((row = malloc(sizeof(*row))) == NULL)
		return DB_ERR;
	if (f->status == NULL && f->api_template == NULL)
		rc = wh_query(db, ST_WH_LIST_ALL, ARGS(all), row, rows,
		    (int)limit, n);
	else
		rc = wh_query(db, ST_WH_LIST, ARGS(a), row, rows, (int)limit, n);
	free(row);
	return rc;
}

enum db_rc
db_webhook_insert(struct db *db, uint64_t user_id,
    const struct webhook_write *w)
{
	struct db_arg		a[] = { ARG_STR(w->id), ARG_INT(user_id),
	    ARG_STR(w->endpoint_url), ARG_STR(w->status),
	    ARG_STRN(w->disabled_reason),
	    ARG_BLOB(w->secret_ct, w->secret_ct_len),
	    ARG_STRN(w->secret_key_id), ARG_STR(w->now_db),
	    ARG_STR(w->now_db), ARG_STR(w->api_template) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_WH_INSERT, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

enum db_rc
db_webhook_id_by_template(struct db *db, uint64_t user_id,
    const char *api_template, char id[WH_UUID_LEN + 1])
{
	struct db_arg	a[] = { ARG_INT(user_id), ARG_STR(api_template) };

	return db_exec_id(db, ST_WH_ID_BY_TPL, ARGS(a), id);
}

static enum db_rc
cancel_pending(struct db *db, const char *id, int all)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_INT(all) };

	return db_exec(db, ST_WH_CANCEL_PENDING, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

struct wh_tx {
	struct db_args		 a;
	const char		*id;
	int			 all;	/* delete: every pending delivery */
	enum stmt_id		 st;
};

/* The update or delete, then (same transaction) the pending deliveries. */
static enum db_rc
change_and_cancel(struct db *db, void *vctx)
{
	struct wh_tx		*x = vctx;
	unsigned long long	 n = 0;
	enum db_rc		 rc;

	rc = db_exec(db, x->st, x->a, NULL, 0, NULL, NULL, &n);
	if (rc == DB_OK && n == 0)
		rc = DB_NOTFOUND;
	if (rc == DB_OK)
		rc = cancel_pending(db, x->id, x->all);
	/* A deleted webhook's event counter goes with it. */
	if (rc == DB_OK && x->st == ST_WH_DELETE) {
		struct db_arg	a[] = { ARG_STR(x->id) };

		rc = db_exec(db, ST_SEQ_DELETE, ARGS(a), NULL, 0, NULL, NULL,
		    NULL);
	}
	return rc;
}

enum db_rc
db_webhook_update(struct db *db, uint64_t user_id,
    const struct webhook_write *w)
{
	int			set = w->secret_ct != NULL;
	struct db_arg		a[] = { ARG_STR(w->endpoint_url),
	    ARG_STR(w->status), ARG_STRN(w->disabled_reason),
	    ARG_INT(w->reset_failures), ARG_INT(w->reset_failures),
	    ARG_INT(w->secret_change), ARG_INT(set),
	    ARG_INT(w->secret_change), ARG_INT(set),
	    ARG_INT(w->secret_change), ARG_INT(set),
	    ARG_INT(w->rotation_grace),
	    ARG_INT(w->secret_change), ARG_BLOB(w->secret_ct, w->secret_ct_len),
	    ARG_INT(w->secret_change), ARG_STRN(w->secret_key_id),
	    ARG_STR(w->now_db), ARG_STR(w->id), ARG_INT(user_id) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	/* The webhook row is locked before its deliveries, as the
	 * dispatcher does; a deadlock left anyway is run again. */
	if (w->cancel_pending)
		return db_tx(db, change_and_cancel, &(struct wh_tx){ ARGS(a), w->id,
		    0, ST_WH_UPDATE });
	rc = db_exec(db, ST_WH_UPDATE, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

enum db_rc
db_webhook_delete(struct db *db, uint64_t user_id, const char *id)
{
	struct db_arg	a[] = { ARG_STR(id), ARG_INT(user_id) };

	return db_tx(db, change_and_cancel, &(struct wh_tx){ ARGS(a), id, 1,
	    ST_WH_DELETE });
}

struct for_ctx {
	char	*id;
	int	*enabled;
};

static int
for_row(void *vctx, const struct db_col *c, int n)
{
	struct for_ctx	*x = vctx;

	(void)n;
	memcpy(x->id, c[0].buf, WH_UUID_LEN + 1);
	*x->enabled = c[1].buf[0] == '1';
	return 0;
}

enum db_rc
db_webhook_for(struct db *db, uint64_t user_id, const char *api_template_id,
    char id[WH_UUID_LEN + 1], int *enabled)
{
	struct db_arg	 a[] = { ARG_INT(user_id), ARG_STR(api_template_id) };
	char		 wid[WH_UUID_LEN + 1], flag[4];
	struct db_col	 cols[] = { COL(wid), COL(flag) };
	enum db_rc	 rc;

	id[0] = '\0';
	*enabled = 0;
	rc = db_exec(db, ST_WH_FOR, ARGS(a), cols, 2, for_row,
	    &(struct for_ctx){ id, enabled }, NULL);
	return rc == DB_OK && id[0] == '\0' ? DB_NOTFOUND : rc;
}

enum db_rc
db_sequence_next(struct db *db, const char *webhook_id)
{
	struct db_arg	a[] = { ARG_STR(webhook_id) };

	return db_exec(db, ST_SEQ_NEXT, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
db_sequence_last(struct db *db, const char *webhook_id, long long *last)
{
	struct db_arg	a[] = { ARG_STR(webhook_id) };
	char		buf[24];
	struct db_col	col[] = { COL(buf) };

	*last = 0;
	return db_exec(db, ST_SEQ_LAST, ARGS(a), col, 1, db_count_row, last,
	    NULL);
}

enum db_rc
db_webhook_lock(struct db *db, const char *id)
{
	struct db_arg	a[] = { ARG_STR(id) };
	char		out[WH_UUID_LEN + 1];

	return db_exec_id(db, ST_DQ_LOCK_WEBHOOK, ARGS(a), out);
}
