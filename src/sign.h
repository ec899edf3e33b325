/* SPDX-License-Identifier: MIT */
/* sign.h: Standard Webhooks signatures (HMAC-SHA256 over id.timestamp.body). */
#ifndef WH_SIGN_H
#define WH_SIGN_H

#include <stddef.h>

#define SIGN_V1_LEN	47	/* "v1," and 44 base64 characters */
#define SIGN_V1A_LEN	92	/* "v1a," and 88 base64 characters */
#define SIGN_ED25519_SEED 32	/* an Ed25519 private key (RFC 8032) */
#define SIGN_ED25519_PUB 32
#define SIGN_WHPK_LEN	49	/* "whpk_" and 44 base64 characters */

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

/*
 * A new Ed25519 key pair: the private seed (32 bytes of the system RNG)
 * and its public key, 32 bytes each.  Returns 0 or -1.
 */
int	sign_ed25519_new(unsigned char seed[SIGN_ED25519_SEED],
	    unsigned char pub[SIGN_ED25519_PUB]);

/* The public key of an Ed25519 seed (RFC 8032); 0 or -1. */
int	sign_ed25519_public(const unsigned char seed[SIGN_ED25519_SEED],
	    unsigned char pub[SIGN_ED25519_PUB]);

/* The Standard Webhooks form of a public key: "whpk_<base64>". */
void	sign_whpk(const unsigned char pub[SIGN_ED25519_PUB],
	    char out[SIGN_WHPK_LEN + 1]);

/*
 * Writes "v1a,<base64 Ed25519(seed, id "." ts "." body)>" into out
 * (SIGN_V1A_LEN + 1 bytes): the asymmetric signature of Standard Webhooks,
 * which a receiver checks with the public key alone.  Returns 0, or -1
 * when out of memory or libgcrypt fails.
 */
int	sign_v1a(const unsigned char seed[SIGN_ED25519_SEED], const char *id,
	    long long ts, const char *body, size_t n,
	    char out[SIGN_V1A_LEN + 1]);

#endif
