/* SPDX-License-Identifier: MIT */
/* crypto.h: libgcrypt set-up, random ids and tokens, secrets sealed at rest. */
#ifndef WH_CRYPTO_H
#define WH_CRYPTO_H

#include <stddef.h>

#include "wh_limits.h"

/* Initialises libgcrypt (system RNG: fork-safe); 0 or -1. Call once,
 * before forking and before any other crypto_ function. */
int	crypto_init(void);

void	crypto_random(void *buf, size_t n);
void	crypto_sha256(const void *data, size_t n, unsigned char out[32]);
void	crypto_hex(const unsigned char *in, size_t n, char *out); /* 2n+1 */

/* A new time-ordered UUID (version 7), lowercase, into out. */
void	crypto_uuid_v7(char out[WH_UUID_LEN + 1]);

/* A new bearer token: WH_TOKEN_PREFIX and 64 hex characters. */
void	crypto_token_new(char out[WH_TOKEN_LEN + 1]);

/* 1 when s has the shape of a token (worth a lookup), else 0. */
int	crypto_token_wellformed(const char *s);

/* The SHA-256 of a token, the only form in which it is stored. */
void	crypto_token_hash(const char *token, unsigned char out[32]);

/* Keys for secrets at rest: the first is current, the others may still
 * open what they sealed (rotation). Key bytes live in secure memory. */
struct crypto_keys {
	int		 n;
	char		 id[WH_MAX_KEYS][WH_KEY_ID_LEN + 1];
	unsigned char	*key[WH_MAX_KEYS];
};

/*
 * Loads a key file: one key per line as 64 hex characters, '#' comments.
 * The file must not be accessible to others (mode & 007 == 0).  Returns 0,
 * or -1 with a message in err.  Free with crypto_keys_free.
 */
int	crypto_keys_load(struct crypto_keys *ks, const char *path, char *err,
	    size_t errlen);
void	crypto_keys_free(struct crypto_keys *ks);

/* Writes a new key file (mode 0600, never over an existing file). */
int	crypto_key_generate(const char *path, char *err, size_t errlen);

/*
 * Seals pt (n bytes) with AES-256-GCM under the current key, a fresh
 * random 96-bit nonce and aad as associated data.  out must hold
 * n + WH_SEALED_MAX - WH_MAX_SECRET_BYTES bytes; *outlen gets the size,
 * key_id the key's id.  Returns 0 or -1.
 */
int	crypto_seal(const struct crypto_keys *ks, const char *aad,
	    const void *pt, size_t n, unsigned char *out, size_t *outlen,
	    char key_id[WH_KEY_ID_LEN + 1]);

/*
 * Opens what crypto_seal made with the key key_id and the same aad.  pt
 * must hold n bytes; *ptlen gets the size.  Returns 0, or -1 for an
 * unknown key, a tampered or truncated value, or a wrong aad.
 */
int	crypto_open(const struct crypto_keys *ks, const char *key_id,
	    const char *aad, const unsigned char *in, size_t n,
	    unsigned char *pt, size_t *ptlen);

#endif
