/* SPDX-License-Identifier: MIT */
/* db_auth.h: bearer tokens looked up by their hash, users by name. */
#ifndef WH_DB_AUTH_H
#define WH_DB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct principal {
	uint64_t	user_id;
	char		username[WH_MAX_NAME_LEN + 1];
	int		is_service;
	long long	expires_in_ms;	/* -1: the token does not expire */
};

/* Tokens: looks up a live token by its SHA-256. */
enum db_rc	db_auth_token(struct db *, const unsigned char hash[32],
		    struct principal *out);

/* The id of the user named name; DB_NOTFOUND. */
enum db_rc	db_user_id(struct db *, const char *name, uint64_t *id);

#endif
