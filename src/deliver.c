/* SPDX-License-Identifier: MIT */
/* deliver.c: sign and send one delivery with libcurl, and classify it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "actions.h"
#include "config.h"
#include "deliver.h"
#include "log.h"
#include "netaddr.h"
#include "retry.h"
#include "timeutil.h"

/* The address curl is about to connect to, after DNS: refused ones never
 * get a socket, so rebinding between a check and the connect is moot. */
static curl_socket_t
open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job	*j = clientp;

	if (!j->allow_private && netaddr_refused_sockaddr(&a->addr)) {
		j->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static size_t
on_body(char *p, size_t size, size_t n, void *clientp)
{
	struct job	*j = clientp;
	size_t		 len = size * n, keep;

	if (j->excerpt_len < WH_DELIVER_EXCERPT) {
		keep = WH_DELIVER_EXCERPT - j->excerpt_len;
		if (keep > len)
			keep = len;
		memcpy(j->excerpt + j->excerpt_len, p, keep);
		j->excerpt_len += keep;
	}
	j->received += len;
	if (j->received > WH_DELIVER_BODY_LIMIT) {
		j->too_large = 1;
		return 0;	/* aborts the transfer */
	}
	return len;
}

/* One signature of msg_id.ts.body made with an opened sealed value (a
 * secret, or an Ed25519 seed) into sig; 0 or -1. */
typedef int (*signer_fn)(const unsigned char *pt, size_t n,
    const struct dq_job_row *, const char *msg_id, long long ts, char *sig);

static int
sign_with_secret(const unsigned char *pt, size_t n, const struct dq_job_row *r,
    const char *msg_id, long long ts, char *sig)
{
	unsigned char	key[WH_SEALED_MAX];
	size_t		keyn = sign_key((const char *)pt, n, key);
	int		rc;

	rc = sign_v1(key, keyn, msg_id, ts, r->body, r->body_len, sig);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int
sign_with_seed(const unsigned char *pt, size_t n, const struct dq_job_row *r,
    const char *msg_id, long long ts, char *sig)
{
	if (n != SIGN_ED25519_SEED)
		return -1;
	return sign_v1a(pt, msg_id, ts, r->body, r->body_len, sig);
}

/*
 * Appends the signature of each of the two sealed values (the current
 * one, then the one in its grace; length 0: none), opened with aad, to out
 * (*used bytes so far), separated by spaces; 0, or -1 when one will not
 * open or sign.
 */
static int
append_signatures(const struct crypto_keys *keys, const char *aad,
    const unsigned char *ct[2], const size_t ctn[2], const char *kid[2],
    signer_fn fn, const struct dq_job_row *r, long long ts, char *out,
    size_t outlen, size_t *used)
{
	unsigned char	pt[WH_SEALED_MAX];
	char		sig[SIGN_V1A_LEN + 1];
	size_t		ptn;
	int		rc = 0;

	for (int i = 0; i < 2 && rc == 0; i++) {
		if (ctn[i] == 0)
			continue;
		if (crypto_open(keys, kid[i], aad, ct[i], ctn[i], pt, &ptn) == -1 ||
		    fn(pt, ptn, r, r->event_id, ts, sig) == -1)
			rc = -1;
		else
			*used += (size_t)snprintf(out + *used, outlen - *used,
			    "%s%s", *used ? " " : "", sig);
	}
	explicit_bzero(pt, sizeof(pt));
	return rc;
}

/* "v1,<new> v1,<old>" into out; 0, or -1 when a secret will not open. */
static int
signatures(const struct dq_job_row *r, const struct crypto_keys *keys,
    long long ts, char *out, size_t outlen, size_t *used)
{
	const unsigned char	*ct[2] = { r->secret, r->prev_secret };
	const size_t		 ctn[2] = { r->secret_len, r->prev_secret_len };
	const char		*kid[2] = { r->secret_key_id, r->prev_secret_key_id };

	return append_signatures(keys, r->webhook_id, ct, ctn, kid,
	    sign_with_secret, r, ts, out, outlen, used);
}

/* " v1a,<new> v1a,<old>" appended to out; 0, or -1 when a signing key
 * will not open or cannot sign. */
static int
asymmetric(const struct dq_job_row *r, const struct crypto_keys *keys,
    long long ts, char *out, size_t outlen, size_t *used)
{
	const unsigned char	*ct[2] = { r->signing_key, r->prev_signing_key };
	const size_t		 ctn[2] = { r->signing_key_len,
				    r->prev_signing_key_len };
	const char		*kid[2] = { r->signing_key_id,
				    r->prev_signing_key_id };
	char			 aad[WH_UUID_LEN + 16];

	act_signing_aad(r->webhook_id, aad);
	return append_signatures(keys, aad, ct, ctn, kid, sign_with_seed, r,
	    ts, out, outlen, used);
}

/* Every signature: two v1 (secret, and the one in its grace), two v1a. */
#define SIGS_MAX	(2 * (SIGN_V1_LEN + 1) + 2 * (SIGN_V1A_LEN + 1) + 1)

static int
job_headers(struct job *j, const struct dq_job_row *r,
    const struct crypto_keys *keys)
{
	char		 line[SIGS_MAX + 64];
	char		 sigs[SIGS_MAX];
	size_t		 used = 0;
	long long	 ts = j->started_wall_ms / 1000;
	const char	*fixed[] = { "Content-Type: application/json",
	    "User-Agent: webhookd/" PACKAGE_VERSION, "Expect:" };

	sigs[0] = '\0';
	if (signatures(r, keys, ts, sigs, sizeof(sigs), &used) == -1) {
		log_error("delivery %s: the secret of webhook %s cannot be "
		    "decrypted with the key file (key %s or %s)", r->id,
		    r->webhook_id, r->secret_key_id[0] ? r->secret_key_id : "-",
		    r->prev_secret_key_id[0] ? r->prev_secret_key_id : "-");
		j->not_sent = "not sent: the webhook's signing secret cannot be "
		    "decrypted by the service (its key is missing from the key "
		    "file)";
		return 0;
	}
	if (asymmetric(r, keys, ts, sigs, sizeof(sigs), &used) == -1) {
		log_error("delivery %s: the signing key of webhook %s cannot be "
		    "decrypted with the key file (key %s or %s)", r->id,
		    r->webhook_id, r->signing_key_id[0] ? r->signing_key_id : "-",
		    r->prev_signing_key_id[0] ? r->prev_signing_key_id : "-");
		j->not_sent = "not sent: the webhook's Ed25519 signing key cannot "
		    "be decrypted by the service (its key is missing from the key "
		    "file)";
		return 0;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if ((j->headers = curl_slist_append(j->headers, fixed[i])) == NULL)
			return -1;
	snprintf(line, sizeof(line), "webhook-id: %s", r->event_id);
	if ((j->headers = curl_slist_append(j->headers, line)) == NULL)
		return -1;
	snprintf(line, sizeof(line), "webhook-timestamp: %lld", ts);
	if ((j->headers = curl_slist_append(j->headers, line)) == NULL)
		return -1;
	if (r->sequence[0] != '\0') {
		snprintf(line, sizeof(line), "webhook-sequence: %s", r->sequence);
		if ((j->headers = curl_slist_append(j->headers, line)) == NULL)
			return -1;
	}
	if (sigs[0] != '\0') {
		snprintf(line, sizeof(line), "webhook-signature: %s", sigs);
		if ((j->headers = curl_slist_append(j->headers, line)) == NULL)
			return -1;
	}
	return 0;
}

static int
job_easy(struct job *j, const struct conf *c)
{
	CURL	*e;
	int	 bad = 0;

	if ((e = j->easy = curl_easy_init()) == NULL)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_URL, j->url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->delivery_timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, j) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, j) != CURLE_OK;
	return bad ? -1 : 0;
}

static void	not_sent(struct job *, const struct conf *, int final);

struct job *
job_new(const struct dq_job_row *r, const struct conf *c,
    const struct crypto_keys *keys, unsigned long long claim)
{
	struct job	*j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	memcpy(j->id, r->id, sizeof(j->id));
	memcpy(j->event_id, r->event_id, sizeof(j->event_id));
	memcpy(j->webhook_id, r->webhook_id, sizeof(j->webhook_id));
	memcpy(j->sequence, r->sequence, sizeof(j->sequence));
	j->claim = claim;
	j->attempts = r->attempts;
	j->attempt_limit = r->attempt_limit;
	j->manual = r->manual;
	j->allow_private = c->allow_private_endpoints;
	j->started_wall_ms = time_wall_ms();
	time_now(NULL, j->started_db);
	if (r->bad != NULL) {
		/* Its stored values cannot be read whole: retrying cannot help. */
		j->not_sent = r->bad;
		not_sent(j, c, 1);
		return j;
	}
	if ((j->body = malloc(r->body_len + 1)) == NULL ||
	    (j->url = strdup(r->endpoint_url)) == NULL)
		goto fail;
	memcpy(j->body, r->body, r->body_len);
	j->body[r->body_len] = '\0';
	j->body_len = r->body_len;
	if (job_headers(j, r, keys) == -1)
		goto fail;
	if (j->not_sent == NULL && job_easy(j, c) == -1) {
		if (j->easy == NULL)
			goto fail;	/* out of memory */
		log_error("delivery %s: libcurl refuses the endpoint_url of "
		    "webhook %s", j->id, j->webhook_id);
		j->not_sent = "not sent: the endpoint_url cannot be used";
	}
	if (j->not_sent != NULL) {
		if (j->easy != NULL)
			curl_easy_cleanup(j->easy);
		j->easy = NULL;
		not_sent(j, c, 0);
	}
	return j;
fail:
	job_free(j);
	return NULL;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->easy != NULL)
		curl_easy_cleanup(j->easy);
	curl_slist_free_all(j->headers);
	free(j->body);
	free(j->url);
	free(j);
}

/* Milliseconds between two curl phase marks (microseconds), or -1. */
static long long
phase_ms(curl_off_t from, curl_off_t to)
{
	return to > 0 && to >= from ? (long long)(to - from) / 1000 : -1;
}

static void
job_timings(struct job *j, struct dq_result *r)
{
	curl_off_t	dns = 0, conn = 0, tls = 0, first = 0, total = 0;

	curl_easy_getinfo(j->easy, CURLINFO_NAMELOOKUP_TIME_T, &dns);
	curl_easy_getinfo(j->easy, CURLINFO_CONNECT_TIME_T, &conn);
	curl_easy_getinfo(j->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
	curl_easy_getinfo(j->easy, CURLINFO_STARTTRANSFER_TIME_T, &first);
	curl_easy_getinfo(j->easy, CURLINFO_TOTAL_TIME_T, &total);
	r->dns_ms = dns > 0 ? (long long)dns / 1000 : (conn > 0 ? 0 : -1);
	r->connect_ms = phase_ms(dns, conn);
	r->tls_ms = phase_ms(conn, tls);
	r->first_byte_ms = phase_ms(tls > 0 ? tls : conn, first);
	r->duration_ms = (long long)total / 1000;
}

const char *
deliver_error_class(CURLcode code, long status, int too_large, int refused)
{
	if (code == CURLE_OK)
		return status >= 200 && status < 300 ? NULL : "http_status";
	if (too_large)
		return "too_large";
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return refused ? "refused_address" : "connect";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "tls";
	default:
		return refused ? "refused_address" : "connect";
	}
}

/* The answer's Retry-After (seconds or an HTTP date, as libcurl reads
 * it) in milliseconds; -1 without one (libcurl says 0 then). */
static long long
retry_after_ms(CURL *easy)
{
	curl_off_t	s = 0;

	if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &s) != CURLE_OK ||
	    s <= 0)
		return -1;
	return s > 365LL * 86400 ? 365LL * 86400000 : (long long)s * 1000;
}

/* The fields of r every outcome has. */
static void
result_init(const struct job *j, struct dq_result *r)
{
	memset(r, 0, sizeof(*r));
	r->delivery_id = j->id;
	r->webhook_id = j->webhook_id;
	r->claim = j->claim;
	r->manual = j->manual;
	r->at_db = j->started_db;
	r->response_code = -1;
	r->dns_ms = r->connect_ms = r->tls_ms = r->first_byte_ms = -1;
}

/*
 * After a failed attempt: the next one's time (retry_after_ms, -1 for
 * none, may ask for longer), or failed when final, gone or past the
 * delivery's attempts.
 */
static void
plan_next(const struct job *j, const struct conf *c, struct dq_result *r,
    long long retry_after, int final, char next_db[32])
{
	long long	delay;
	int		limit;
	unsigned	rnd;

	/* 0: as many as the dispatcher's retry_schedule allows. */
	limit = j->attempt_limit > 0 ? j->attempt_limit : conf_attempt_limit(c);
	if (limit > WH_MAX_ATTEMPTS)
		limit = WH_MAX_ATTEMPTS;
	if (final || r->gone || j->attempts + 1 >= limit) {
		r->status = "failed";
		r->delivery_failed = 1;
		return;
	}
	crypto_random(&rnd, sizeof(rnd));
	delay = retry_delay_ms(c, j->attempts + 1, retry_after, rnd);
	time_db_at(time_wall_ms() + delay, next_db);
	r->status = "pending";
	r->next_at_db = next_db;
}

/* The failed attempt of a job that sends nothing (j->not_sent says why). */
static void
not_sent(struct job *j, const struct conf *c, int final)
{
	struct dq_result	*r = &j->res;

	result_init(j, r);
	r->error_class = "connect";
	/* The reason may live in the claim's row buffers: keep a copy. */
	snprintf(j->res_err, sizeof(j->res_err), "%s", j->not_sent);
	j->not_sent = r->error = j->res_err;
	plan_next(j, c, r, -1, final, j->res_next);
}

void
job_result(struct job *j, CURLcode code, const struct conf *c,
    struct dq_result *r, char next_db[32], char err[256])
{
	long		status = 0;

	result_init(j, r);
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	r->response_code = status > 0 ? (int)status : -1;
	r->error_class = deliver_error_class(code, status, j->too_large,
	    j->refused);
	job_timings(j, r);
	r->excerpt = j->excerpt;
	r->excerpt_len = j->excerpt_len;
	r->has_excerpt = status > 0;
	if (r->error_class == NULL) {
		r->status = "succeeded";
		return;
	}
	if (code == CURLE_OK)
		snprintf(err, 256, "HTTP %ld", status);
	else if (j->refused)
		snprintf(err, 256, "the endpoint resolves to a refused address");
	else
		snprintf(err, 256, "%s", curl_easy_strerror(code));
	r->error = err;
	r->gone = status == 410;
	plan_next(j, c, r, (status == 429 || status == 503) ?
	    retry_after_ms(j->easy) : -1, 0, next_db);
}
