/* SPDX-License-Identifier: MIT */
/* db_admin.c: users, tokens, templates and migrations for webhookctl. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_admin.h"
#include "db_stmts.h"
#include "log.h"

enum db_rc
db_user_add(struct db *db, const char *name)
{
	struct db_arg	a[] = { ARG_STR(name) };

	return db_exec(db, ST_USER_ADD, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
db_token_add(struct db *db, uint64_t user_id, const unsigned char hash[32],
    const char *prefix, const char *name, int is_service, long long expires_ms)
{
	long long	us = expires_ms * 1000;
	struct db_arg	exp = expires_ms > 0 ? (struct db_arg)ARG_INT(us) :
	    (struct db_arg){ DBA_NULL, NULL, 0, 0 };
	struct db_arg	a[] = { ARG_INT(user_id), ARG_BLOB(hash, 32),
	    ARG_STR(prefix), ARG_STRN(name), ARG_INT(is_service), exp, exp };

	return db_exec(db, ST_TOKEN_ADD, ARGS(a), NULL, 0, NULL, NULL, NULL);
}

enum db_rc
db_token_revoke(struct db *db, const unsigned char hash[32])
{
	struct db_arg		a[] = { ARG_BLOB(hash, 32) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_TOKEN_REVOKE, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

enum db_rc
db_token_revoke_id(struct db *db, uint64_t id)
{
	struct db_arg		a[] = { ARG_INT(id) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_TOKEN_REVOKE_ID, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

struct token_ctx {
	struct token_row	 row;
	char			 num[2][24];
	db_token_fn		 fn;
	void			*ctx;
};

static int
token_row(void *vctx, const struct db_col *c, int n)
{
	struct token_ctx	*x = vctx;

	x->row.id = strtoull(x->num[0], NULL, 10);
	x->row.is_service = x->num[1][0] == '1';
	return x->fn(x->ctx, &x->row);
}

enum db_rc
db_token_list(struct db *db, const char *username, db_token_fn fn, void *ctx)
{
	struct db_arg		 a[] = { ARG_STRN(username), ARG_STRN(username) };
	struct token_ctx	*x;
	enum db_rc		 rc;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return DB_ERR;
	x->fn = fn;
	x->ctx = ctx;
	struct db_col cols[8] = { COL(x->num[0]), COL(x->row.username),
	    COL(x->row.prefix), COL(x->row.name), COL(x->num[1]),
	    TCOL(x->row.created_at), TCOL(x->row.expires_at),
	    TCOL(x->row.revoked_at) };
	rc = db_exec(db, ST_TOKEN_LIST, ARGS(a), cols, 8, token_row, x, NULL);
	free(x);
	return rc;
}

static int
is_migration(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 8 && d->d_name[0] >= '0' && d->d_name[0] <= '9' &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

static char *
read_file(const char *path)
{
	FILE	*f;
	char	*s;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (s = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	s[fread(s, 1, (size_t)n, f)] = '\0';
	fclose(f);
	return s;
}

/* Applies one file unless recorded; *applied counts what it applied. */
static enum db_rc
migrate_one(struct db *db, const char *dir, const char *file, int *applied)
{
	char		 path[4096], buf[24];
	struct db_col	 col[] = { COL(buf) };
	long long	 version = strtoll(file, NULL, 10), seen = 0;
	struct db_arg	 a[] = { ARG_INT(version), ARG_STR(file) };
	enum db_rc	 rc;
	char		*sql;

	/* The version alone says whether it ran (a[0]); recording it also
	 * keeps the file's name. */
	rc = db_exec(db, ST_MIG_APPLIED, (struct db_args){ a, 1 }, col, 1,
	    db_count_row, &seen, NULL);
	if (rc != DB_OK || seen > 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((sql = read_file(path)) == NULL) {
		log_error("%s: %s", path, strerror(errno));
		return DB_ERR;
	}
	rc = db_exec_script(db, sql);
	free(sql);
	if (rc != DB_OK) {
		log_error("%s: %s", path, db_error(db));
		return rc;
	}
	if ((rc = db_exec(db, ST_MIG_RECORD, ARGS(a), NULL, 0, NULL, NULL, NULL)) ==
	    DB_OK) {
		log_info("applied %s", file);
		(*applied)++;
	}
	return rc;
}

enum db_rc
db_migrate(struct db *db, const char *dir, int *applied)
{
	struct dirent	**list;
	int		  n;
	enum db_rc	  rc;

	*applied = 0;
	if ((rc = db_exec_script(db, "CREATE TABLE IF NOT EXISTS "
	    "schema_migrations (version INT UNSIGNED NOT NULL PRIMARY KEY, "
	    "name VARCHAR(255) NOT NULL, applied_at DATETIME(6) NOT NULL "
	    "DEFAULT UTC_TIMESTAMP(6)) ENGINE=InnoDB")) != DB_OK) {
		log_error("schema_migrations: %s", db_error(db));
		return rc;
	}
	if ((n = scandir(dir, &list, is_migration, alphasort)) < 0) {
		log_error("%s: %s", dir, strerror(errno));
		return DB_ERR;
	}
	for (int i = 0; i < n; i++) {
		if (rc == DB_OK)
			rc = migrate_one(db, dir, list[i]->d_name, applied);
		free(list[i]);
	}
	free(list);
	return rc;
}

struct adm_ctx {
	struct delivery_row	*row;
	char			 num[3][24];
	char			 webhook_id[WH_UUID_LEN + 1];
	dq_admin_fn		 fn;
	void			*ctx;
};

static int
adm_row(void *vctx, const struct db_col *c, int n)
{
	struct adm_ctx		*x = vctx;
	struct delivery_row	*r = x->row;

	r->attempts = strtoll(c[4].buf, NULL, 10);
	r->response_code = c[5].is_null ? -1 : atoi(c[5].buf);
	r->duration_ms = c[7].is_null ? -1 : strtoll(c[7].buf, NULL, 10);
	return x->fn(x->ctx, r, x->webhook_id);
}

enum db_rc
db_admin_delivery_list(struct db *db, const char *webhook_id,
    const char *status, long long limit, dq_admin_fn fn, void *ctx)
{
	struct delivery_row	 row;
	struct adm_ctx		 x;
	struct db_arg		 a[] = { ARG_STRN(webhook_id),
	    ARG_STRN(webhook_id), ARG_STRN(status), ARG_STRN(status),
	    ARG_INT(limit) };

	memset(&x, 0, sizeof(x));
	x.row = &row;
	x.fn = fn;
	x.ctx = ctx;
	struct db_col cols[13] = { COL(row.id), COL(row.event_id),
	    COL(row.event_type), COL(row.status), COL(x.num[0]), COL(x.num[1]),
	    COL(row.error), COL(x.num[2]), TCOL(row.created_at),
	    TCOL(row.last_attempt_at), TCOL(row.next_attempt_at), COL(row.cursor),
	    COL(x.webhook_id) };
	return db_exec(db, ST_ADM_DELIVERY_LIST, ARGS(a), cols, 13, adm_row, &x, NULL);
}

enum db_rc
db_admin_delivery_retry(struct db *db, const char *id)
{
	struct db_arg		a[] = { ARG_STR(id), ARG_INT(WH_MAX_ATTEMPTS) };
	char			buf[24];
	struct db_col		col[] = { COL(buf) };
	unsigned long long	n = 0;
	long long		attempts = -1;
	enum db_rc		rc;

	rc = db_exec(db, ST_ADM_DELIVERY_RETRY, ARGS(a), NULL, 0, NULL, NULL, &n);
	if (rc != DB_OK || n > 0)
		return rc;
	/* Unknown, or at WH_MAX_ATTEMPTS already? */
	rc = db_exec(db, ST_ADM_DELIVERY_ATTEMPTS, (struct db_args){ a, 1 },
	    col, 1, db_count_row, &attempts, NULL);
	if (rc != DB_OK)
		return rc;
	return attempts < 0 ? DB_NOTFOUND : DB_LIMIT;
}
