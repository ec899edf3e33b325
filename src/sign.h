/* SPDX-License-Identifier: MIT */
/* sign.h: Standard Webhooks signatures (HMAC-SHA256 over id.timestamp.body). */
#ifndef WH_SIGN_H
#define WH_SIGN_H

#include <stddef.h>

#define SIGN_V1_LEN	47	/* "v1," and 44 base64 characters */

/*
 * The HMAC key of a webhook secret: for "whsec_<base64>" the decoded
 * bytes (what Standard Webhooks verifier libraries expect), else the
 * secret's own bytes.  key must hold n bytes.  Returns the key length.
 */
size_t	sign_key(const char *secret, size_t n, unsigned char *key);

/*
 * Writes "v1,<base64 HMAC-SHA256(key, id "." ts "." body)>" into out
 * (SIGN_V1_LEN + 1 bytes).  Returns 0, or -1 when libgcrypt fails.
 */
int	sign_v1(const unsigned char *key, size_t keylen, const char *id,
	    long long ts, const char *body, size_t n, char out[SIGN_V1_LEN + 1]);

#endif
