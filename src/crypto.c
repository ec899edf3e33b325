/* SPDX-License-Identifier: MIT */
/* crypto.c: libgcrypt for randomness, hashing and AES-256-GCM at rest. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gcrypt.h>

#include "crypto.h"
#include "privfile.h"

#define SEAL_VERSION	1

int
crypto_init(void)
{
	/* The system RNG reads getrandom() on every call: nothing is
	 * inherited across fork, so pre-forked workers are safe. */
	gcry_control(GCRYCTL_SET_PREFERRED_RNG_TYPE, GCRY_RNG_TYPE_SYSTEM);
	if (gcry_check_version(GCRYPT_VERSION) == NULL)
		return -1;
	gcry_control(GCRYCTL_SUSPEND_SECMEM_WARN);
	gcry_control(GCRYCTL_INIT_SECMEM, 32768, 0);
	gcry_control(GCRYCTL_RESUME_SECMEM_WARN);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

void
crypto_random(void *buf, size_t n)
{
	gcry_randomize(buf, n, GCRY_STRONG_RANDOM);
}

void
crypto_sha256(const void *data, size_t n, unsigned char out[32])
{
	gcry_md_hash_buffer(GCRY_MD_SHA256, out, data, n);
}

void
crypto_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
crypto_uuid_v7(char out[WH_UUID_LEN + 1])
{
	unsigned char	 u[16];
	char		 hex[33];
	struct timespec	 ts;
	unsigned long long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
	crypto_random(u + 6, 10);
	for (int i = 0; i < 6; i++)
		u[i] = (unsigned char)(ms >> (40 - 8 * i));
	u[6] = (unsigned char)(0x70 | (u[6] & 0x0f));	/* version 7 */
	u[8] = (unsigned char)(0x80 | (u[8] & 0x3f));	/* variant 10 */
	crypto_hex(u, 16, hex);
	snprintf(out, WH_UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s",
	    hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

void
crypto_token_new(char out[WH_TOKEN_LEN + 1])
{
	unsigned char	raw[WH_TOKEN_RAW_BYTES];

	crypto_random(raw, sizeof(raw));
	memcpy(out, WH_TOKEN_PREFIX, sizeof(WH_TOKEN_PREFIX) - 1);
	crypto_hex(raw, sizeof(raw), out + sizeof(WH_TOKEN_PREFIX) - 1);
	explicit_bzero(raw, sizeof(raw));
}

int
crypto_token_wellformed(const char *s)
{
	const size_t	pn = sizeof(WH_TOKEN_PREFIX) - 1;

	if (strlen(s) != WH_TOKEN_LEN || strncmp(s, WH_TOKEN_PREFIX, pn) != 0)
		return 0;
	for (s += pn; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

void
crypto_token_hash(const char *token, unsigned char out[32])
{
	crypto_sha256(token, strlen(token), out);
}

static void
key_id_of(const unsigned char *key, char id[WH_KEY_ID_LEN + 1])
{
	unsigned char	 h[32];
	gcry_md_hd_t	 md;

	if (gcry_md_open(&md, GCRY_MD_SHA256, 0) != 0) {
		snprintf(id, WH_KEY_ID_LEN + 1, "00000000");
		return;
	}
	gcry_md_write(md, "webhookd key id:", 16);
	gcry_md_write(md, key, WH_KEY_BYTES);
	memcpy(h, gcry_md_read(md, GCRY_MD_SHA256), 4);
	gcry_md_close(md);
	crypto_hex(h, 4, id);
}

static int
hex_decode(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* Adds the key written on one line; returns 0, or -1 with err set. */
static int
keys_add_line(struct crypto_keys *ks, const char *line, int lineno,
    char *err, size_t errlen)
{
	size_t	n;

	line += strspn(line, " \t");
	n = strcspn(line, " \t\r\n#");

	if (n == 0)
		return 0;
	if (ks->n == WH_MAX_KEYS) {
		snprintf(err, errlen, "line %d: more than %d keys", lineno,
		    WH_MAX_KEYS);
		return -1;
	}
	if ((ks->key[ks->n] = gcry_malloc_secure(WH_KEY_BYTES)) == NULL) {
		snprintf(err, errlen, "out of secure memory");
		return -1;
	}
	if (n != 2 * WH_KEY_BYTES || hex_decode(line, WH_KEY_BYTES,
	    ks->key[ks->n]) == -1) {
		gcry_free(ks->key[ks->n]);
		ks->key[ks->n] = NULL;
		snprintf(err, errlen, "line %d: a key is 64 hex characters",
		    lineno);
		return -1;
	}
	key_id_of(ks->key[ks->n], ks->id[ks->n]);
	ks->n++;
	return 0;
}

int
crypto_keys_load(struct crypto_keys *ks, const char *path, char *err,
    size_t errlen)
{
	FILE		*f;
	char		 line[256];
	int		 lineno = 0, rc = 0;

	memset(ks, 0, sizeof(*ks));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "key_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (privfile_check(fileno(f), "key_file", path, err, errlen) == -1) {
		fclose(f);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL)
		rc = keys_add_line(ks, line, ++lineno, err, errlen);
	explicit_bzero(line, sizeof(line));
	fclose(f);
	if (rc == 0 && ks->n == 0) {
		snprintf(err, errlen, "key_file %s: holds no key", path);
		rc = -1;
	}
	if (rc == -1)
		crypto_keys_free(ks);
	return rc;
}

void
crypto_keys_free(struct crypto_keys *ks)
{
	if (ks == NULL)
		return;
	for (int i = 0; i < ks->n; i++)
		gcry_free(ks->key[i]);	/* secure memory is wiped on free */
	memset(ks, 0, sizeof(*ks));
}

int
crypto_key_generate(const char *path, char *err, size_t errlen)
{
	unsigned char	 key[WH_KEY_BYTES];
	char		 hex[2 * WH_KEY_BYTES + 2];
	int		 fd;
	ssize_t		 w;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The system RNG (crypto_init) serves every level from getrandom(). */
	gcry_randomize(key, sizeof(key), GCRY_STRONG_RANDOM);
	crypto_hex(key, sizeof(key), hex);
	hex[2 * WH_KEY_BYTES] = '\n';
	w = write(fd, hex, 2 * WH_KEY_BYTES + 1);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	if (w != 2 * WH_KEY_BYTES + 1 || fsync(fd) == -1 || close(fd) == -1) {
		snprintf(err, errlen, "%s: write failed", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static gcry_cipher_hd_t
gcm_open(const unsigned char *key, const unsigned char *iv, const char *aad)
{
	gcry_cipher_hd_t	h;

	if (gcry_cipher_open(&h, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM,
	    GCRY_CIPHER_SECURE) != 0)
		return NULL;
	if (gcry_cipher_setkey(h, key, WH_KEY_BYTES) != 0 ||
	    gcry_cipher_setiv(h, iv, WH_GCM_IV_BYTES) != 0 ||
	    gcry_cipher_authenticate(h, aad, strlen(aad)) != 0) {
		gcry_cipher_close(h);
		return NULL;
	}
	return h;
}

int
crypto_seal(const struct crypto_keys *ks, const char *aad, const void *pt,
    size_t n, unsigned char *out, size_t *outlen,
    char key_id[WH_KEY_ID_LEN + 1])
{
	gcry_cipher_hd_t	 h;
	unsigned char		*iv = out + 1, *ct = out + 1 + WH_GCM_IV_BYTES;
	int			 rc = -1;

	if (ks->n == 0)
		return -1;
	out[0] = SEAL_VERSION;
	crypto_random(iv, WH_GCM_IV_BYTES);
	if ((h = gcm_open(ks->key[0], iv, aad)) == NULL)
		return -1;
	if (gcry_cipher_final(h) == 0 &&
	    gcry_cipher_encrypt(h, ct, n, pt, n) == 0 &&
	    gcry_cipher_gettag(h, ct + n, WH_GCM_TAG_BYTES) == 0) {
		*outlen = 1 + WH_GCM_IV_BYTES + n + WH_GCM_TAG_BYTES;
		memcpy(key_id, ks->id[0], WH_KEY_ID_LEN + 1);
		rc = 0;
	}
	gcry_cipher_close(h);
	return rc;
}

int
crypto_open(const struct crypto_keys *ks, const char *key_id,
    const char *aad, const unsigned char *in, size_t n, unsigned char *pt,
    size_t *ptlen)
{
	gcry_cipher_hd_t	 h;
	const unsigned char	*key = NULL;
	size_t			 ctn;
	int			 rc = -1;

	for (int i = 0; i < ks->n; i++)
		if (strcmp(ks->id[i], key_id) == 0)
			key = ks->key[i];
	if (key == NULL || n < 1 + WH_GCM_IV_BYTES + WH_GCM_TAG_BYTES ||
	    in[0] != SEAL_VERSION)
		return -1;
	ctn = n - 1 - WH_GCM_IV_BYTES - WH_GCM_TAG_BYTES;
	if ((h = gcm_open(key, in + 1, aad)) == NULL)
		return -1;
	if (gcry_cipher_final(h) == 0 &&
	    gcry_cipher_decrypt(h, pt, ctn, in + 1 + WH_GCM_IV_BYTES, ctn) == 0 &&
	    gcry_cipher_checktag(h, in + n - WH_GCM_TAG_BYTES,
	    WH_GCM_TAG_BYTES) == 0) {
		*ptlen = ctn;
		rc = 0;
	} else
		explicit_bzero(pt, ctn);
	gcry_cipher_close(h);
	return rc;
}
