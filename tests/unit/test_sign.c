/* SPDX-License-Identifier: MIT */
/* test_sign.c: Standard Webhooks signatures against the reference vector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <gcrypt.h>
#include <nettle/base64.h>

#include "crypto.h"
#include "sign.h"

/* The Standard Webhooks reference libraries' test vector. */
#define VEC_SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID		"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS		1614265330LL
#define VEC_BODY	"{\"test\": 2432232314}"
#define VEC_SIG		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void
sign_reference_vector(void **state)
{
	unsigned char	key[64];
	size_t		n = sign_key(VEC_SECRET, strlen(VEC_SECRET), key);
	char		sig[SIGN_V1_LEN + 1];

	assert_int_equal(n, 24);	/* base64 of 24 bytes after whsec_ */
	assert_int_equal(sign_v1(key, n, VEC_ID, VEC_TS, VEC_BODY,
	    strlen(VEC_BODY), sig), 0);
	assert_string_equal(sig, VEC_SIG);
}

static void
sign_changes_with_every_input(void **state)
{
	unsigned char	key[64];
	size_t		n = sign_key(VEC_SECRET, strlen(VEC_SECRET), key);
	char		sig[SIGN_V1_LEN + 1];

	sign_v1(key, n, VEC_ID, VEC_TS + 1, VEC_BODY, strlen(VEC_BODY), sig);
	assert_string_not_equal(sig, VEC_SIG);
	sign_v1(key, n, "msg_other", VEC_TS, VEC_BODY, strlen(VEC_BODY), sig);
	assert_string_not_equal(sig, VEC_SIG);
	sign_v1(key, n, VEC_ID, VEC_TS, "{\"test\": 2432232315}",
	    strlen(VEC_BODY), sig);
	assert_string_not_equal(sig, VEC_SIG);
}

/* A secret without whsec_ is used as its own bytes: the signature is the
 * HMAC under those bytes (expected value computed independently with
 * Python's hmac module). */
static void
sign_plain_secret_is_raw_key(void **state)
{
	unsigned char	key[16];
	size_t		n = sign_key("Jefe", 4, key);
	char		sig[SIGN_V1_LEN + 1];

	assert_int_equal(n, 4);
	assert_memory_equal(key, "Jefe", 4);
	assert_int_equal(sign_v1(key, n, "msg_1", 1700000000LL, "{\"a\":1}", 7,
	    sig), 0);
	assert_string_equal(sig, "v1,d0RJKx1I1gWj34NuiszgvZNnbDFFnv95Rn8tyEgvdd8=");
}

static void
sign_bad_whsec_falls_back_to_raw(void **state)
{
	const char	*s = "whsec_***not base64***";
	unsigned char	 key[64];
	size_t		 n = sign_key(s, strlen(s), key);

	assert_int_equal(n, strlen(s));
	assert_memory_equal(key, s, n);
}

/* RFC 8032's test 2 key; the expected signatures were made by another
 * implementation (OpenSSL, through Node's crypto.sign), which gives that
 * RFC's own signature for its message "r". */
static const unsigned char rfc_seed[32] = {
	0x4c, 0xcd, 0x08, 0x9b, 0x28, 0xff, 0x96, 0xda, 0x9d, 0xb6, 0xc3, 0x46,
	0xec, 0x11, 0x4e, 0x0f, 0x5b, 0x8a, 0x31, 0x9f, 0x35, 0xab, 0xa6, 0x24,
	0xda, 0x8c, 0xf6, 0xed, 0x4f, 0xb8, 0xa6, 0xfb };
static const unsigned char rfc_pub[32] = {
	0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a, 0xa7,
	0x4d, 0x1b, 0x7e, 0xbc, 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c,
	0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c };

static void
v1a_known_answers(void **state)
{
	char	out[SIGN_V1A_LEN + 1], pk[SIGN_WHPK_LEN + 1];
	unsigned char pub[32];
	const char *body = "{\"test\": 2432232314}";

	assert_int_equal(sign_v1a(rfc_seed, "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265330, body, strlen(body), out), 0);
	assert_string_equal(out, "v1a,7anDmyOh9LNskt5GJUTacHmbvyUkT0/S1jnxFAp+"
	    "h2hcVXnQLWhtWA2+wP6vO0AUwEYP23IIZVuneGRhNj7hDQ==");
	/* UTF-8 bodies are signed as their bytes */
	assert_int_equal(sign_v1a(rfc_seed, "id", 1, "caf\xc3\xa9", 5, out), 0);
	assert_string_equal(out, "v1a,URgcCC0Dt1KlzypVxxju0ow6m8De6xjasH+vFl9R"
	    "ciS3xgWsEU4mve6A5rMlijwNvurWqwu8MhAx0VMH58/eAw==");
	assert_int_equal(sign_ed25519_public(rfc_seed, pub), 0);
	assert_memory_equal(pub, rfc_pub, 32);
	sign_whpk(rfc_pub, pk);
	assert_string_equal(pk, "whpk_PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=");
}

/* A new pair: the public key verifies what the seed signs, and only
 * that message. */
static void
v1a_new_pair_verifies(void **state)
{
	unsigned char	 seed[32], pub[32], rs[64], seed2[32], pub2[32];
	char		 out[SIGN_V1A_LEN + 1];
	gcry_sexp_t	 pk, sig, good, bad;
	const char	*msg = "e1.42.{\"a\":1}", *other = "e1.42.{\"a\":2}";
	struct base64_decode_ctx b64;
	size_t		 n = sizeof(rs);

	assert_int_equal(sign_ed25519_new(seed, pub), 0);
	assert_int_equal(sign_ed25519_new(seed2, pub2), 0);
	assert_memory_not_equal(seed, seed2, 32);
	assert_memory_not_equal(pub, pub2, 32);
	assert_int_equal(sign_v1a(seed, "e1", 42, "{\"a\":1}", 7, out), 0);
	assert_memory_equal(out, "v1a,", 4);
	base64_decode_init(&b64);
	assert_int_equal(base64_decode_update(&b64, &n, rs, 88, out + 4), 1);
	assert_int_equal(base64_decode_final(&b64), 1);
	assert_int_equal(n, 64);
	assert_int_equal(gcry_sexp_build(&pk, NULL, "(public-key (ecc (curve "
	    "Ed25519) (flags eddsa) (q %b)))", 32, pub), 0);
	assert_int_equal(gcry_sexp_build(&sig, NULL, "(sig-val (eddsa (r %b) "
	    "(s %b)))", 32, rs, 32, rs + 32), 0);
	assert_int_equal(gcry_sexp_build(&good, NULL, "(data (flags eddsa) "
	    "(hash-algo sha512) (value %b))", (int)strlen(msg), msg), 0);
	assert_int_equal(gcry_sexp_build(&bad, NULL, "(data (flags eddsa) "
	    "(hash-algo sha512) (value %b))", (int)strlen(other), other), 0);
	assert_int_equal(gcry_pk_verify(sig, good, pk), 0);
	assert_int_not_equal(gcry_pk_verify(sig, bad, pk), 0);
	gcry_sexp_release(pk);
	gcry_sexp_release(sig);
	gcry_sexp_release(good);
	gcry_sexp_release(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_reference_vector),
		cmocka_unit_test(sign_changes_with_every_input),
		cmocka_unit_test(sign_plain_secret_is_raw_key),
		cmocka_unit_test(sign_bad_whsec_falls_back_to_raw),
		cmocka_unit_test(v1a_known_answers),
		cmocka_unit_test(v1a_new_pair_verifies),
	};

	if (crypto_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
