/* SPDX-License-Identifier: MIT */
/* auth.h: bearer tokens checked against their stored hash, briefly cached. */
#ifndef WH_AUTH_H
#define WH_AUTH_H

#include "db_auth.h"
#include "err.h"

struct auth_cache;

/* A per-worker cache of live tokens kept ttl seconds, and of tokens the
 * database did not know, refused for ttl seconds without asking it again
 * (0: no cache). */
struct auth_cache	*auth_cache_new(int ttl);
void			 auth_cache_free(struct auth_cache *);

/*
 * Checks an Authorization header value (NULL when absent).  Returns
 * WH_OK with *out filled, WH_E_NOT_AUTH (no header or another scheme),
 * WH_E_AUTH_FAILED (Bearer with a bad token) or WH_E_UNAVAILABLE.
 */
enum wh_err	auth_check(struct auth_cache *, struct db *, const char *header,
		    struct principal *out);

/* Splits a header into its token (copied to tok, NUL-terminated);
 * WH_OK, WH_E_NOT_AUTH or WH_E_AUTH_FAILED.  Exposed for the tests. */
enum wh_err	auth_parse_header(const char *header, char *tok, size_t toklen);

#endif
