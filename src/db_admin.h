/* SPDX-License-Identifier: MIT */
/* db_admin.h: operators' queries (webhookctl): users, tokens, migrations, deliveries. */
#ifndef WH_DB_ADMIN_H
#define WH_DB_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "db_delivery.h"

/* Operators: the newest deliveries (filters may be NULL), and retry. */
typedef int (*dq_admin_fn)(void *ctx, const struct delivery_row *,
		    const char *webhook_id);
enum db_rc	db_admin_delivery_list(struct db *, const char *webhook_id,
		    const char *status, long long limit, dq_admin_fn, void *ctx);
/* DB_LIMIT when the delivery has had WH_MAX_ATTEMPTS already. */
enum db_rc	db_admin_delivery_retry(struct db *, const char *id);

/* Administration (webhookctl). */
enum db_rc	db_migrate(struct db *, const char *sql_dir, int *applied);
enum db_rc	db_user_add(struct db *, const char *name);
enum db_rc	db_token_add(struct db *, uint64_t user_id,
		    const unsigned char hash[32], const char *prefix,
		    const char *name, int is_service,
		    long long expires_ms);	/* <= 0: never expires */
enum db_rc	db_token_revoke(struct db *, const unsigned char hash[32]);
/* By the id `token list` shows; DB_NOTFOUND when none live has it. */
enum db_rc	db_token_revoke_id(struct db *, uint64_t id);

struct token_row {
	uint64_t	id;
	char		username[WH_MAX_NAME_LEN + 1];
	char		prefix[16];
	char		name[WH_UTF8MB4_BYTES(100) + 1];	/* "" for null */
	int		is_service;
	char		created_at[WH_TIME_LEN + 1];
	char		expires_at[WH_TIME_LEN + 1];	/* "" for null */
	char		revoked_at[WH_TIME_LEN + 1];	/* "" for null */
};
typedef int (*db_token_fn)(void *ctx, const struct token_row *);
/* Every token (of username, unless NULL), oldest first. */
enum db_rc	db_token_list(struct db *, const char *username, db_token_fn,
		    void *ctx);

#endif
