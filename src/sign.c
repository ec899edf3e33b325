/* SPDX-License-Identifier: MIT */
/* sign.c: Standard Webhooks signing with libgcrypt's HMAC and nettle's base64. */
#include <stdio.h>
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
