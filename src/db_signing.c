/* SPDX-License-Identifier: MIT */
/* db_signing.c: a webhook's Ed25519 signing key (v1a), scoped to its owner. */
#include <string.h>

#include "db_signing.h"
#include "db_stmts.h"

enum db_rc
db_signing_key_set(struct db *db, uint64_t user_id, const char *webhook_id,
    int grace_s, const unsigned char *ct, size_t ctlen, const char *key_id,
    const char *public_key, const char *now_db)
{
	struct db_arg		a[] = { ARG_INT(grace_s), ARG_BLOB(ct, ctlen),
	    ARG_STR(key_id), ARG_STR(public_key), ARG_STR(now_db),
	    ARG_STR(now_db), ARG_STR(webhook_id), ARG_INT(user_id) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_SK_SET, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}

static int
sk_row(void *vctx, const struct db_col *c, int n)
{
	(void)c;
	(void)n;
	*(int *)vctx = 1;
	return 0;
}

enum db_rc
db_signing_key_get(struct db *db, uint64_t user_id, const char *webhook_id,
    struct signing_key_row *out, int *exists)
{
	struct db_arg	a[] = { ARG_STR(webhook_id), ARG_INT(user_id) };
	/* out is an output, filled here: */
	/* cppcheck-suppress ctuuninitvar */
	struct db_col	cols[] = { COL(out->public_key), TCOL(out->created_at),
	    COL(out->prev_public_key), TCOL(out->prev_until) };
	enum db_rc	rc;

	memset(out, 0, sizeof(*out));
	*exists = 0;
	rc = db_exec(db, ST_SK_GET, ARGS(a), cols, 4, sk_row, exists, NULL);
	if (rc == DB_OK && (!*exists || out->public_key[0] == '\0'))
		return DB_NOTFOUND;
	return rc;
}

enum db_rc
db_signing_key_delete(struct db *db, uint64_t user_id, const char *webhook_id)
{
	struct db_arg		a[] = { ARG_STR(webhook_id), ARG_INT(user_id) };
	unsigned long long	n = 0;
	enum db_rc		rc;

	rc = db_exec(db, ST_SK_DELETE, ARGS(a), NULL, 0, NULL, NULL, &n);
	return rc == DB_OK && n == 0 ? DB_NOTFOUND : rc;
}
