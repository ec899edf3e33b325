/* SPDX-License-Identifier: MIT */
/* test_crypto.c: hashing vectors, ids, tokens, key files and sealed secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define SEALED_SIZE(n)	((n) + WH_SEALED_MAX - WH_MAX_SECRET_BYTES)
#define AAD		"webhook:0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f"

/* A scratch directory for key files, made by the group setup. */
static char	tmpdir[] = "/tmp/test_crypto.XXXXXX";

static void
path_in(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", tmpdir, name);
}

/* Writes text to name in tmpdir with the given mode; the path into out. */
static void
write_file(const char *name, const char *text, mode_t mode, char *out,
    size_t outlen)
{
	FILE	*f;

	path_in(out, outlen, name);
	unlink(out);
	f = fopen(out, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0 || *text == '\0', 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(out, mode), 0);
}

/* Generates a fresh key file called name and loads it into ks. */
static void
new_keys(const char *name, struct crypto_keys *ks)
{
	char	path[256], err[256];

	path_in(path, sizeof(path), name);
	unlink(path);
	if (crypto_key_generate(path, err, sizeof(err)) != 0)
		fail_msg("crypto_key_generate: %s", err);
	if (crypto_keys_load(ks, path, err, sizeof(err)) != 0)
		fail_msg("crypto_keys_load: %s", err);
	unlink(path);
}

static int
is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- hashing ---- */

struct sha_row {
	const char	*msg;
	const char	*hex;
};

/* FIPS 180-2 appendix B and the NIST example values. */
static const struct sha_row sha_rows[] = {
	{ "",
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc",
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
};

static void
test_sha256_vectors(void **state)
{
	unsigned char	h[32];
	char		hex[65];
	int		bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(sha_rows); i++) {
		crypto_sha256(sha_rows[i].msg, strlen(sha_rows[i].msg), h);
		crypto_hex(h, sizeof(h), hex);
		if (strcmp(hex, sha_rows[i].hex) != 0) {
			print_message("sha256 row %zu \"%s\": got %s\n", i,
			    sha_rows[i].msg, hex);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* FIPS 180-2 B.3: one million 'a'. */
static void
test_sha256_million_a(void **state)
{
	unsigned char	 h[32];
	char		 hex[65];
	char		*m;

	(void)state;
	m = malloc(1000000);
	assert_non_null(m);
	memset(m, 'a', 1000000);
	crypto_sha256(m, 1000000, h);
	free(m);
	crypto_hex(h, sizeof(h), hex);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_hex(void **state)
{
	static const unsigned char	in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xcd, 0xef, 0xff, 0x10 };
	char				out[2 * sizeof(in) + 1];

	(void)state;
	memset(out, 'X', sizeof(out));
	crypto_hex(in, sizeof(in), out);
	assert_string_equal(out, "00017f80abcdefff10");
	memset(out, 'X', sizeof(out));
	crypto_hex(in, 0, out);
	assert_string_equal(out, "");
	crypto_hex(in + 7, 1, out);
	assert_string_equal(out, "ff");
}

static void
test_token_hash(void **state)
{
	unsigned char	a[32], b[32];

	(void)state;
	crypto_token_hash("abc", a);
	crypto_sha256("abc", 3, b);
	assert_memory_equal(a, b, 32);
}

/* ---- UUID v7 ---- */

static void
check_uuid_v7(const char *u)
{
	assert_int_equal(strlen(u), WH_UUID_LEN);
	for (int i = 0; i < WH_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else if (!is_lower_hex(u + i, 1))
			fail_msg("uuid %s: char %d not lowercase hex", u, i);
	}
	assert_int_equal(u[14], '7');
	if (strchr("89ab", u[19]) == NULL)
		fail_msg("uuid %s: variant nibble %c", u, u[19]);
}

static void
test_uuid_v7(void **state)
{
	char	prev[WH_UUID_LEN + 1], cur[WH_UUID_LEN + 1];
	char	first[WH_UUID_LEN + 1];

	(void)state;
	memset(prev, 'X', sizeof(prev));
	crypto_uuid_v7(prev);
	check_uuid_v7(prev);
	memcpy(first, prev, sizeof(first));
	for (int i = 0; i < 1000; i++) {
		crypto_uuid_v7(cur);
		check_uuid_v7(cur);
		assert_string_not_equal(cur, prev);
		/* The 48-bit millisecond time leads: later ids never sort
		 * before earlier ones' time prefix. */
		assert_true(strncmp(cur, prev, 13) >= 0);
		memcpy(prev, cur, sizeof(prev));
	}
	assert_true(strncmp(cur, first, 13) >= 0);
}

/* Two ids a few milliseconds apart sort as strings. */
static void
test_uuid_v7_order(void **state)
{
	char	a[WH_UUID_LEN + 1], b[WH_UUID_LEN + 1];

	(void)state;
	crypto_uuid_v7(a);
	usleep(3000);
	crypto_uuid_v7(b);
	assert_true(strcmp(b, a) > 0);
}

/* ---- tokens ---- */

static void
test_token_new(void **state)
{
	char	a[WH_TOKEN_LEN + 1], b[WH_TOKEN_LEN + 1];

	(void)state;
	memset(a, 'X', sizeof(a));
	crypto_token_new(a);
	crypto_token_new(b);
	assert_int_equal(strlen(a), WH_TOKEN_LEN);
	assert_int_equal(strlen(a), 68);
	assert_memory_equal(a, "whk_", 4);
	assert_true(is_lower_hex(a + 4, 64));
	assert_true(crypto_token_wellformed(a));
	assert_true(crypto_token_wellformed(b));
	assert_string_not_equal(a, b);
}

struct token_row {
	const char	*s;
	int		 ok;
};

static const struct token_row token_rows[] = {
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    1 },
	{ "whk_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	    1 },
	{ "whk_0000000000000000000000000000000000000000000000000000000000000000",
	    1 },
	/* Wrong prefix. */
	{ "whx_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "WHK_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
	    0 },
	/* Upper case hex. */
	{ "whk_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF",
	    0 },
	/* One short, one long. */
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
	    0 },
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
	    0 },
	/* Not hex. */
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
	    0 },
	{ "whk_g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk_0123456789abcdef0123456789abcd f0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk_0123456789abcdef0123456789abcd-f0123456789abcdef0123456789abcdef",
	    0 },
	{ "whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\xc3\xa9",
	    0 },
	{ "", 0 },
	{ "whk_", 0 },
	{ "Bearer whk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
	    0 },
};

static void
test_token_wellformed_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(token_rows); i++) {
		int got = crypto_token_wellformed(token_rows[i].s);

		if (got != token_rows[i].ok) {
			print_message("crypto_token_wellformed row %zu \"%s\": "
			    "expected %d, got %d\n", i, token_rows[i].s,
			    token_rows[i].ok, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* ---- key files ---- */

static void
test_key_generate_load(void **state)
{
	struct crypto_keys	ks;
	struct stat		st;
	char			path[256], err[256], line[128];
	FILE			*f;

	(void)state;
	path_in(path, sizeof(path), "gen.key");
	unlink(path);
	if (crypto_key_generate(path, err, sizeof(err)) != 0)
		fail_msg("crypto_key_generate: %s", err);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* One line of 64 lowercase hex characters. */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(strlen(line), 65);
	assert_int_equal(line[64], '\n');
	assert_true(is_lower_hex(line, 64));
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);

	if (crypto_keys_load(&ks, path, err, sizeof(err)) != 0)
		fail_msg("crypto_keys_load: %s", err);
	assert_int_equal(ks.n, 1);
	assert_int_equal(strlen(ks.id[0]), WH_KEY_ID_LEN);
	assert_true(is_lower_hex(ks.id[0], WH_KEY_ID_LEN));
	assert_non_null(ks.key[0]);
	crypto_keys_free(&ks);
	assert_int_equal(ks.n, 0);
	crypto_keys_free(&ks);
	crypto_keys_free(NULL);

	/* Never over an existing file, which is left alone. */
	assert_int_equal(crypto_key_generate(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 65);
	unlink(path);
}

/* Two generated keys differ, and so do their ids. */
static void
test_key_generate_differs(void **state)
{
	struct crypto_keys	a, b;

	(void)state;
	new_keys("a.key", &a);
	new_keys("b.key", &b);
	assert_string_not_equal(a.id[0], b.id[0]);
	assert_memory_not_equal(a.key[0], b.key[0], WH_KEY_BYTES);
	crypto_keys_free(&a);
	crypto_keys_free(&b);
}

/* The id is a fingerprint of the key: the same key, the same id. */
static void
test_key_id_stable(void **state)
{
	static const char	key[] =
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
	struct crypto_keys	a, b;
	char			p1[256], p2[256], err[256], text[256];

	(void)state;
	snprintf(text, sizeof(text), "%s\n", key);
	write_file("id1.key", text, 0600, p1, sizeof(p1));
	/* Upper case hex, blanks and comments: the same key. */
	write_file("id2.key", "# rotated 2026-11-29\n\n  "
	    "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
	    "  # current\n", 0600, p2, sizeof(p2));
	if (crypto_keys_load(&a, p1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (crypto_keys_load(&b, p2, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_string_equal(a.id[0], b.id[0]);
	assert_memory_equal(a.key[0], b.key[0], WH_KEY_BYTES);
	assert_int_equal(a.key[0][0], 0x00);
	assert_int_equal(a.key[0][31], 0x1f);
	crypto_keys_free(&a);
	crypto_keys_free(&b);
	unlink(p1);
	unlink(p2);
}

struct keyfile_row {
	const char	*text;
	mode_t		 mode;
	const char	*errpart;	/* in err */
};

#define K64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static const struct keyfile_row bad_keyfiles[] = {
	{ K64 "\n", 0644, "others" },
	{ K64 "\n", 0660, "others than this program" },
	{ K64 "\n", 0604, "others" },
	{ K64 "\n", 0601, "others" },
	{ K64 "\n", 0666, "others" },
	{ "", 0600, "no key" },
	{ "# only a comment\n\n", 0600, "no key" },
	{ "not a key\n", 0600, "line 1" },
	{ K64 "\nnot-hex\n", 0600, "line 2" },
	{ "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef\n",
	    0600, "line 1" },			/* 63 characters */
	{ K64 "0\n", 0600, "line 1" },		/* 65 characters */
	{ "00112233445566778899aabbccddeeff00112233445566778899aabbccddeegg\n",
	    0600, "line 1" },			/* not hex */
	{ K64 "\n" K64 "\n" K64 "\n" K64 "\n" K64 "\n" K64 "\n" K64 "\n"
	    K64 "\n" K64 "\n", 0600, "line 9" },	/* more than 8 keys */
};

static void
test_keys_load_refuses(void **state)
{
	char	path[256], err[256];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(bad_keyfiles); i++) {
		struct crypto_keys ks;
		int rc;

		write_file("bad.key", bad_keyfiles[i].text,
		    bad_keyfiles[i].mode, path, sizeof(path));
		err[0] = '\0';
		rc = crypto_keys_load(&ks, path, err, sizeof(err));
		if (rc != -1 || strstr(err, bad_keyfiles[i].errpart) == NULL ||
		    ks.n != 0) {
			print_message("bad key file row %zu (mode %o): expected "
			    "-1 with \"%s\", got %d \"%s\"\n", i,
			    (unsigned)bad_keyfiles[i].mode,
			    bad_keyfiles[i].errpart, rc, err);
			bad++;
		}
		if (rc == 0)
			crypto_keys_free(&ks);
		unlink(path);
	}
	assert_int_equal(bad, 0);
}

/* The owner alone may read it (0600, 0400); 8 keys are fine. */
static void
test_keys_load_accepts(void **state)
{
	struct crypto_keys	ks;
	char			path[256], err[256];

	(void)state;
	write_file("ok.key", K64 "\n", 0600, path, sizeof(path));
	if (crypto_keys_load(&ks, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(ks.n, 1);
	crypto_keys_free(&ks);

	write_file("ok.key", K64 "\n" K64 "\n" K64 "\n" K64 "\n" K64 "\n" K64
	    "\n" K64 "\n" K64 "\r\n", 0400, path, sizeof(path));
	if (crypto_keys_load(&ks, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(ks.n, WH_MAX_KEYS);
	crypto_keys_free(&ks);

	/* Missing file: the error names the path. */
	unlink(path);
	assert_int_equal(crypto_keys_load(&ks, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

/* ---- seal and open ---- */

static void
seal_open_round_trip(const struct crypto_keys *ks, size_t n)
{
	unsigned char	*pt, *out, *back;
	size_t		 outlen = 0, backlen = 0;
	char		 kid[WH_KEY_ID_LEN + 1];

	pt = malloc(n);
	out = malloc(SEALED_SIZE(n));
	back = malloc(SEALED_SIZE(n));
	assert_non_null(pt);
	assert_non_null(out);
	assert_non_null(back);
	for (size_t i = 0; i < n; i++)
		pt[i] = (unsigned char)(i * 7 + 3);
	memset(kid, 'X', sizeof(kid));
	assert_int_equal(crypto_seal(ks, AAD, pt, n, out, &outlen, kid), 0);
	assert_int_equal(outlen, 1 + WH_GCM_IV_BYTES + n + WH_GCM_TAG_BYTES);
	assert_true(outlen <= SEALED_SIZE(n));
	assert_string_equal(kid, ks->id[0]);
	if (n >= 8)	/* the plaintext is not there in the clear */
		assert_memory_not_equal(out + 1 + WH_GCM_IV_BYTES, pt, n);
	assert_int_equal(crypto_open(ks, kid, AAD, out, outlen, back,
	    &backlen), 0);
	assert_int_equal(backlen, n);
	assert_memory_equal(back, pt, n);
	free(pt);
	free(out);
	free(back);
}

static void
test_seal_open_round_trip(void **state)
{
	struct crypto_keys	ks;

	(void)state;
	new_keys("rt.key", &ks);
	seal_open_round_trip(&ks, 1);
	seal_open_round_trip(&ks, 32);
	seal_open_round_trip(&ks, 256);
	seal_open_round_trip(&ks, WH_MAX_SECRET_BYTES);
	seal_open_round_trip(&ks, 1000);
	crypto_keys_free(&ks);
}

/* A fixture: one key, one sealed value of a known secret. */
struct sealed {
	struct crypto_keys	 ks;
	unsigned char		 out[SEALED_SIZE(64)];
	size_t			 outlen;
	char			 kid[WH_KEY_ID_LEN + 1];
};

static const char secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

static void
seal_secret(struct sealed *s, const char *keyname)
{
	new_keys(keyname, &s->ks);
	assert_int_equal(crypto_seal(&s->ks, AAD, secret, strlen(secret),
	    s->out, &s->outlen, s->kid), 0);
}

/* Opens in (n bytes) with key id kid and aad; 0 with the secret, or -1. */
static int
try_open(const struct crypto_keys *ks, const char *kid, const char *aad,
    const unsigned char *in, size_t n)
{
	unsigned char	pt[SEALED_SIZE(64)];
	size_t		ptlen = 12345;
	int		rc;

	memset(pt, 0xaa, sizeof(pt));
	rc = crypto_open(ks, kid, aad, in, n, pt, &ptlen);
	if (rc == 0 && (ptlen != strlen(secret) ||
	    memcmp(pt, secret, ptlen) != 0))
		fail_msg("crypto_open succeeded with the wrong plaintext");
	return rc;
}

static void
test_seal_fresh_nonce(void **state)
{
	struct sealed	a;
	unsigned char	second[sizeof(a.out)];
	size_t		n2;
	char		kid2[WH_KEY_ID_LEN + 1];

	(void)state;
	seal_secret(&a, "nonce.key");
	assert_int_equal(crypto_seal(&a.ks, AAD, secret, strlen(secret),
	    second, &n2, kid2), 0);
	assert_int_equal(n2, a.outlen);
	assert_string_equal(kid2, a.kid);
	assert_memory_not_equal(second + 1, a.out + 1, WH_GCM_IV_BYTES);
	assert_memory_not_equal(second, a.out, a.outlen);
	assert_int_equal(try_open(&a.ks, kid2, AAD, second, n2), 0);
	assert_int_equal(try_open(&a.ks, a.kid, AAD, a.out, a.outlen), 0);
	crypto_keys_free(&a.ks);
}

/* Flipping any one bit anywhere (version, iv, ciphertext, tag) fails. */
static void
test_seal_tamper(void **state)
{
	struct sealed	s;
	unsigned char	t[sizeof(s.out)];
	int		bad = 0;

	(void)state;
	seal_secret(&s, "tamper.key");
	assert_int_equal(try_open(&s.ks, s.kid, AAD, s.out, s.outlen), 0);
	for (size_t i = 0; i < s.outlen; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(t, s.out, s.outlen);
			t[i] ^= (unsigned char)(1u << bit);
			if (try_open(&s.ks, s.kid, AAD, t, s.outlen) != -1) {
				print_message("byte %zu bit %d flipped: opened"
				    "\n", i, bit);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
	crypto_keys_free(&s.ks);
}

static void
test_seal_tamper_regions(void **state)
{
	struct sealed	s;
	unsigned char	t[sizeof(s.out)];
	size_t		tag;

	(void)state;
	seal_secret(&s, "regions.key");
	tag = s.outlen - WH_GCM_TAG_BYTES;
	/* In the iv. */
	memcpy(t, s.out, s.outlen);
	t[1 + 5] ^= 0x01;
	assert_int_equal(try_open(&s.ks, s.kid, AAD, t, s.outlen), -1);
	/* In the ciphertext. */
	memcpy(t, s.out, s.outlen);
	t[1 + WH_GCM_IV_BYTES + 3] ^= 0x80;
	assert_int_equal(try_open(&s.ks, s.kid, AAD, t, s.outlen), -1);
	/* In the tag. */
	memcpy(t, s.out, s.outlen);
	t[tag + WH_GCM_TAG_BYTES - 1] ^= 0x01;
	assert_int_equal(try_open(&s.ks, s.kid, AAD, t, s.outlen), -1);
	/* The version byte. */
	memcpy(t, s.out, s.outlen);
	t[0] = 2;
	assert_int_equal(try_open(&s.ks, s.kid, AAD, t, s.outlen), -1);
	/* Untouched, it still opens. */
	assert_int_equal(try_open(&s.ks, s.kid, AAD, s.out, s.outlen), 0);
	crypto_keys_free(&s.ks);
}

static void
test_seal_wrong_aad(void **state)
{
	struct sealed	s;

	(void)state;
	seal_secret(&s, "aad.key");
	assert_int_equal(try_open(&s.ks, s.kid, AAD "x", s.out, s.outlen), -1);
	assert_int_equal(try_open(&s.ks, s.kid, "", s.out, s.outlen), -1);
	assert_int_equal(try_open(&s.ks, s.kid,
	    "webhook:0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7e", s.out, s.outlen),
	    -1);
	assert_int_equal(try_open(&s.ks, s.kid, AAD, s.out, s.outlen), 0);
	crypto_keys_free(&s.ks);
}

/* Another key under the same id, and a key of another id. */
static void
test_seal_wrong_key(void **state)
{
	struct sealed		s;
	struct crypto_keys	other;

	(void)state;
	seal_secret(&s, "right.key");
	new_keys("wrong.key", &other);
	/* Unknown id in the other set. */
	assert_int_equal(try_open(&other, s.kid, AAD, s.out, s.outlen), -1);
	/* The other key, asked for by its own id. */
	assert_int_equal(try_open(&other, other.id[0], AAD, s.out, s.outlen),
	    -1);
	/* Unknown ids in the right set. */
	assert_int_equal(try_open(&s.ks, other.id[0], AAD, s.out, s.outlen),
	    -1);
	assert_int_equal(try_open(&s.ks, "", AAD, s.out, s.outlen), -1);
	assert_int_equal(try_open(&s.ks, s.kid + 1, AAD, s.out, s.outlen), -1);
	crypto_keys_free(&other);
	crypto_keys_free(&s.ks);
}

static void
test_seal_truncated(void **state)
{
	struct sealed	s;
	int		bad = 0;

	(void)state;
	seal_secret(&s, "trunc.key");
	for (size_t n = 0; n < s.outlen; n++)
		if (try_open(&s.ks, s.kid, AAD, s.out, n) != -1) {
			print_message("truncated to %zu bytes: opened\n", n);
			bad++;
		}
	assert_int_equal(bad, 0);
	crypto_keys_free(&s.ks);
}

/* An empty key set seals nothing. */
static void
test_seal_no_keys(void **state)
{
	struct crypto_keys	ks;
	unsigned char		out[SEALED_SIZE(8)];
	size_t			n;
	char			kid[WH_KEY_ID_LEN + 1];

	(void)state;
	memset(&ks, 0, sizeof(ks));
	assert_int_equal(crypto_seal(&ks, AAD, "x", 1, out, &n, kid), -1);
}

/* Rotation: a new key first, the old one second; the new key seals, and
 * what the old key sealed still opens. */
static void
test_rotation(void **state)
{
	struct crypto_keys	old, both, newk;
	unsigned char		sealed_old[SEALED_SIZE(64)];
	unsigned char		sealed_new[SEALED_SIZE(64)];
	size_t			n_old, n_new;
	char			kid_old[WH_KEY_ID_LEN + 1];
	char			kid_new[WH_KEY_ID_LEN + 1];
	char			p_old[256], p_new[256], p_both[256];
	char			line_old[80], line_new[80], text[256], err[256];
	FILE			*f;

	(void)state;
	path_in(p_old, sizeof(p_old), "old.key");
	path_in(p_new, sizeof(p_new), "new.key");
	unlink(p_old);
	unlink(p_new);
	assert_int_equal(crypto_key_generate(p_old, err, sizeof(err)), 0);
	assert_int_equal(crypto_key_generate(p_new, err, sizeof(err)), 0);
	f = fopen(p_old, "r");
	assert_non_null(f);
	assert_non_null(fgets(line_old, sizeof(line_old), f));
	fclose(f);
	f = fopen(p_new, "r");
	assert_non_null(f);
	assert_non_null(fgets(line_new, sizeof(line_new), f));
	fclose(f);

	/* The old key alone seals. */
	assert_int_equal(crypto_keys_load(&old, p_old, err, sizeof(err)), 0);
	assert_int_equal(crypto_seal(&old, AAD, secret, strlen(secret),
	    sealed_old, &n_old, kid_old), 0);
	assert_string_equal(kid_old, old.id[0]);

	/* Both, the new one first. */
	snprintf(text, sizeof(text), "# current\n%s# previous\n%s", line_new,
	    line_old);
	write_file("both.key", text, 0600, p_both, sizeof(p_both));
	if (crypto_keys_load(&both, p_both, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(both.n, 2);
	assert_string_equal(both.id[1], kid_old);
	assert_string_not_equal(both.id[0], kid_old);

	/* What the old key sealed opens with the pair. */
	assert_int_equal(try_open(&both, kid_old, AAD, sealed_old, n_old), 0);

	/* New seals use the new key... */
	assert_int_equal(crypto_seal(&both, AAD, secret, strlen(secret),
	    sealed_new, &n_new, kid_new), 0);
	assert_string_equal(kid_new, both.id[0]);
	assert_int_equal(try_open(&both, kid_new, AAD, sealed_new, n_new), 0);
	/* ...which the old key alone cannot open... */
	assert_int_equal(try_open(&old, kid_new, AAD, sealed_new, n_new), -1);
	/* ...but the new key alone can. */
	assert_int_equal(crypto_keys_load(&newk, p_new, err, sizeof(err)), 0);
	assert_int_equal(try_open(&newk, kid_new, AAD, sealed_new, n_new), 0);
	assert_int_equal(try_open(&newk, kid_old, AAD, sealed_old, n_old), -1);

	crypto_keys_free(&old);
	crypto_keys_free(&both);
	crypto_keys_free(&newk);
	unlink(p_old);
	unlink(p_new);
	unlink(p_both);
}

static int
group_setup(void **state)
{
	(void)state;
	if (crypto_init() != 0)
		return -1;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_token_hash),
		cmocka_unit_test(test_uuid_v7),
		cmocka_unit_test(test_uuid_v7_order),
		cmocka_unit_test(test_token_new),
		cmocka_unit_test(test_token_wellformed_rows),
		cmocka_unit_test(test_key_generate_load),
		cmocka_unit_test(test_key_generate_differs),
		cmocka_unit_test(test_key_id_stable),
		cmocka_unit_test(test_keys_load_refuses),
		cmocka_unit_test(test_keys_load_accepts),
		cmocka_unit_test(test_seal_open_round_trip),
		cmocka_unit_test(test_seal_fresh_nonce),
		cmocka_unit_test(test_seal_tamper),
		cmocka_unit_test(test_seal_tamper_regions),
		cmocka_unit_test(test_seal_wrong_aad),
		cmocka_unit_test(test_seal_wrong_key),
		cmocka_unit_test(test_seal_truncated),
		cmocka_unit_test(test_seal_no_keys),
		cmocka_unit_test(test_rotation),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
