/* SPDX-License-Identifier: MIT */
/* test_sign.c: Standard Webhooks signatures against the reference vector. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_reference_vector),
		cmocka_unit_test(sign_changes_with_every_input),
		cmocka_unit_test(sign_plain_secret_is_raw_key),
		cmocka_unit_test(sign_bad_whsec_falls_back_to_raw),
	};

	if (crypto_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
