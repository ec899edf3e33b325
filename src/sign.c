/* SPDX-License-Identifier: MIT */
/* sign.c: Standard Webhooks signing with libgcrypt's HMAC and Ed25519 and
 * nettle's base64. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <nettle/base64.h>

#include "sign.h"

#define WHSEC	"whsec_"

size_t
sign_key(const char *secret, size_t n, unsigned char *key)
{
	struct base64_decode_ctx	ctx;
	const size_t			pn = sizeof(WHSEC) - 1;
	size_t				out = n;

	if (n > pn && memcmp(secret, WHSEC, pn) == 0) {
		base64_decode_init(&ctx);
		out = n;
		if (base64_decode_update(&ctx, &out, key, n - pn,
		    secret + pn) == 1 && base64_decode_final(&ctx) == 1 &&
		    out > 0)
			return out;
	}
	/* Not whsec_ (or not valid base64 after it): the bytes as they are. */
	memcpy(key, secret, n);
	return n;
}

int
sign_v1(const unsigned char *key, size_t keylen, const char *id, long long ts,
    const char *body, size_t n, char out[SIGN_V1_LEN + 1])
{
	gcry_mac_hd_t	h;
	unsigned char	mac[32];
	size_t		maclen = sizeof(mac);
	char		tsbuf[32];
	int		tn, rc = -1;

	tn = snprintf(tsbuf, sizeof(tsbuf), ".%lld.", ts);
	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0)
		return -1;
	if (gcry_mac_setkey(h, key, keylen) == 0 &&
	    gcry_mac_write(h, id, strlen(id)) == 0 &&
	    gcry_mac_write(h, tsbuf, (size_t)tn) == 0 &&
	    gcry_mac_write(h, body, n) == 0 &&
	    gcry_mac_read(h, mac, &maclen) == 0 && maclen == sizeof(mac)) {
		memcpy(out, "v1,", 3);
		base64_encode_raw(out + 3, sizeof(mac), mac);
		out[SIGN_V1_LEN] = '\0';
		rc = 0;
	}
	gcry_mac_close(h);
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

/*
 * The private key of seed, built from a copy in libgcrypt's secure memory
 * (an S-expression made from secure memory is secure itself, and wiped
 * when released); NULL when that fails.
 */
static gcry_sexp_t
private_key(const unsigned char seed[SIGN_ED25519_SEED])
{
	unsigned char	*d;
	gcry_sexp_t	 sk = NULL;

	if ((d = gcry_malloc_secure(SIGN_ED25519_SEED)) == NULL)
		return NULL;
	memcpy(d, seed, SIGN_ED25519_SEED);
	if (gcry_sexp_build(&sk, NULL, "(private-key (ecc (curve Ed25519) "
	    "(flags eddsa) (d %b)))", SIGN_ED25519_SEED, d) != 0)
		sk = NULL;
	gcry_free(d);		/* secure memory: wiped */
	return sk;
}

/* The n bytes of the value of token name in s, into out; -1 when absent
 * or of another length. */
static int
sexp_bytes(gcry_sexp_t s, const char *name, unsigned char *out, size_t n)
{
	gcry_sexp_t	 t = gcry_sexp_find_token(s, name, 0);
	const char	*p;
	size_t		 len = 0;
	int		 rc = -1;

	if (t != NULL && (p = gcry_sexp_nth_data(t, 1, &len)) != NULL &&
	    len == n) {
		memcpy(out, p, n);
		rc = 0;
	}
	gcry_sexp_release(t);
	return rc;
}

int
sign_ed25519_public(const unsigned char seed[SIGN_ED25519_SEED],
    unsigned char pub[SIGN_ED25519_PUB])
{
	gcry_sexp_t	sk = NULL, pk = NULL;
	gcry_ctx_t	ctx = NULL;
	int		rc = -1;

	if ((sk = private_key(seed)) != NULL &&
	    gcry_mpi_ec_new(&ctx, sk, NULL) == 0 &&
	    gcry_pubkey_get_sexp(&pk, GCRY_PK_GET_PUBKEY, ctx) == 0 &&
	    sexp_bytes(pk, "q", pub, SIGN_ED25519_PUB) == 0)
		rc = 0;
	gcry_sexp_release(sk);
	gcry_sexp_release(pk);
	gcry_ctx_release(ctx);
	return rc;
}

int
sign_ed25519_new(unsigned char seed[SIGN_ED25519_SEED],
    unsigned char pub[SIGN_ED25519_PUB])
{
	/*
	 * 32 bytes of the system RNG (getrandom: what crypto_random and the
	 * secrets' nonces use).  Not gcry_pk_genkey: it asks for
	 * GCRY_VERY_STRONG_RANDOM, whose entropy collector keeps 128 KiB
	 * that LeakSanitizer reports.
	 */
	gcry_randomize(seed, SIGN_ED25519_SEED, GCRY_STRONG_RANDOM);
	return sign_ed25519_public(seed, pub);
}

void
sign_whpk(const unsigned char pub[SIGN_ED25519_PUB],
    char out[SIGN_WHPK_LEN + 1])
{
	memcpy(out, "whpk_", 5);
	base64_encode_raw(out + 5, SIGN_ED25519_PUB, pub);
	out[SIGN_WHPK_LEN] = '\0';
}

int
sign_v1a(const unsigned char seed[SIGN_ED25519_SEED], const char *id,
    long long ts, const char *body, size_t n, char out[SIGN_V1A_LEN + 1])
{
	gcry_sexp_t	 key = NULL, data = NULL, sig = NULL;
	unsigned char	 rs[64];
	char		*msg;
	size_t		 idn = strlen(id), len;
	int		 tn, rc = -1;

	/* EdDSA hashes the whole message twice: it is signed in one piece. */
	if ((msg = malloc(idn + 48 + n)) == NULL)
		return -1;
	memcpy(msg, id, idn);
	tn = snprintf(msg + idn, 48, ".%lld.", ts);
	memcpy(msg + idn + (size_t)tn, body, n);
	len = idn + (size_t)tn + n;
	if ((key = private_key(seed)) != NULL &&
	    gcry_sexp_build(&data, NULL, "(data (flags eddsa) (hash-algo "
	    "sha512) (value %b))", (int)len, msg) == 0 &&
	    gcry_pk_sign(&sig, data, key) == 0 &&
	    sexp_bytes(sig, "r", rs, 32) == 0 &&
	    sexp_bytes(sig, "s", rs + 32, 32) == 0) {
		memcpy(out, "v1a,", 4);
		base64_encode_raw(out + 4, sizeof(rs), rs);
		out[SIGN_V1A_LEN] = '\0';
		rc = 0;
	}
	gcry_sexp_release(key);
	gcry_sexp_release(data);
	gcry_sexp_release(sig);
	free(msg);
	explicit_bzero(rs, sizeof(rs));
	return rc;
}
