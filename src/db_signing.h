/* SPDX-License-Identifier: MIT */
/* db_signing.h: a webhook's Ed25519 signing key (v1a), scoped to its owner. */
#ifndef WH_DB_SIGNING_H
#define WH_DB_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "sign.h"

/* What the API shows of a webhook's signing key: public parts only. */
struct signing_key_row {
	char	public_key[SIGN_WHPK_LEN + 1];
	char	created_at[WH_TIME_LEN + 1];
	char	prev_public_key[SIGN_WHPK_LEN + 1];	/* "" when none */
	char	prev_until[WH_TIME_LEN + 1];		/* "" when none */
};

/* A new key (sealed ct of ctlen bytes under key_id): the current one, if
 * any, keeps signing for grace_s seconds.  DB_NOTFOUND: no such webhook. */
enum db_rc	db_signing_key_set(struct db *, uint64_t user_id,
		    const char *webhook_id, int grace_s,
		    const unsigned char *ct, size_t ctlen, const char *key_id,
		    const char *public_key, const char *now_db);
/* DB_NOTFOUND with *exists 0: no such webhook; with *exists 1: it has no
 * key. */
enum db_rc	db_signing_key_get(struct db *, uint64_t user_id,
		    const char *webhook_id, struct signing_key_row *out,
		    int *exists);
/* Removes the key and the one in its grace; DB_NOTFOUND when the webhook
 * has none (or is not the user's). */
enum db_rc	db_signing_key_delete(struct db *, uint64_t user_id,
		    const char *webhook_id);

#endif
