/* SPDX-License-Identifier: MIT */
/* auth.c: parse the Authorization header and resolve its token. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "crypto.h"
#include "timeutil.h"
#include "wh_limits.h"

struct auth_slot {
	unsigned char		 hash[32];
	struct principal	 who;
	long long		 expires_ms;	/* 0: empty */
};

/* A token the database did not know: not asked again until expires_ms,
 * so one invented token repeated costs one query per ttl, not one each. */
struct auth_unknown {
	unsigned char		 hash[32];
	long long		 expires_ms;	/* 0: empty */
};

struct auth_cache {
	int			 ttl_ms;
	struct auth_slot	 slot[WH_TOKEN_CACHE_SLOTS];
	struct auth_unknown	 unknown[WH_TOKEN_UNKNOWN_SLOTS];
};

struct auth_cache *
auth_cache_new(int ttl)
{
	struct auth_cache	*c;

	if ((c = calloc(1, sizeof(*c))) != NULL)
		c->ttl_ms = ttl * 1000;
	return c;
}

void
auth_cache_free(struct auth_cache *c)
{
	if (c == NULL)
		return;
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

enum wh_err
auth_parse_header(const char *h, char *tok, size_t toklen)
{
	size_t	n;

	if (h == NULL)
		return WH_E_NOT_AUTH;
	while (is_space(*h))
		h++;
	if (strncasecmp(h, "Bearer", 6) != 0 ||
	    (h[6] != '\0' && !is_space(h[6])))
		return WH_E_NOT_AUTH;
	for (h += 6; is_space(*h); h++)
		;
	n = strlen(h);
	while (n > 0 && is_space(h[n - 1]))
		n--;
	if (n == 0 || n >= toklen)
		return WH_E_AUTH_FAILED;
	memcpy(tok, h, n);
	tok[n] = '\0';
	return crypto_token_wellformed(tok) ? WH_OK : WH_E_AUTH_FAILED;
}

enum wh_err
auth_check(struct auth_cache *c, struct db *db, const char *header,
    struct principal *out)
{
	char			 tok[WH_TOKEN_LEN + 2];
	unsigned char		 hash[32];
	struct auth_slot	*s;
	struct auth_unknown	*u;
	enum wh_err		 e;
	long long		 now;

	if ((e = auth_parse_header(header, tok, sizeof(tok))) != WH_OK)
		return e;
	crypto_token_hash(tok, hash);
	explicit_bzero(tok, sizeof(tok));
	s = &c->slot[hash[0] % WH_TOKEN_CACHE_SLOTS];
	u = &c->unknown[hash[1] % WH_TOKEN_UNKNOWN_SLOTS];
	now = time_mono_ms();
	if (c->ttl_ms > 0 && s->expires_ms > now &&
	    memcmp(s->hash, hash, sizeof(hash)) == 0) {
		*out = s->who;
		return WH_OK;
	}
	if (c->ttl_ms > 0 && u->expires_ms > now &&
	    memcmp(u->hash, hash, sizeof(hash)) == 0)
		return WH_E_AUTH_FAILED;
	switch (db_auth_token(db, hash, out)) {
	case DB_OK:
		break;
	case DB_NOTFOUND:
		/* Tokens are random: an unknown one never becomes valid. */
		if (c->ttl_ms > 0) {
			memcpy(u->hash, hash, sizeof(hash));
			u->expires_ms = now + c->ttl_ms;
		}
		return WH_E_AUTH_FAILED;
	default:
		return WH_E_UNAVAILABLE;
	}
	if (c->ttl_ms > 0) {
		memcpy(s->hash, hash, sizeof(hash));
		s->who = *out;
		/* Never past the token's own expiry. */
		s->expires_ms = now + (out->expires_in_ms >= 0 &&
		    out->expires_in_ms < c->ttl_ms ? out->expires_in_ms :
		    c->ttl_ms);
	}
	return WH_OK;
}
