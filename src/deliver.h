/* SPDX-License-Identifier: MIT */
/* deliver.h: one signed webhook POST as a libcurl easy handle. */
#ifndef WH_DELIVER_H
#define WH_DELIVER_H

#include <curl/curl.h>

#include "conf.h"
#include "crypto.h"
#include "db_dispatch.h"
#include "sign.h"


/* A delivery in flight: what was claimed, and what the attempt saw. */
struct job {
	char		 id[WH_UUID_LEN + 1];
	char		 event_id[WH_UUID_LEN + 1];
	char		 webhook_id[WH_UUID_LEN + 1];
	char		 sequence[24];		/* webhook-sequence; "" for none */
	uint64_t	 host;			/* fair_host_key of the url */
	unsigned long long claim;
	int		 attempts, attempt_limit, manual;
	char		*body;
	size_t		 body_len;
	char		*url;
	CURL		*easy;
	struct curl_slist *headers;
	int		 allow_private;
	/* filled while it runs */
	char		 excerpt[WH_DELIVER_EXCERPT];
	size_t		 excerpt_len;
	size_t		 received;
	int		 too_large;
	int		 refused;		/* the SSRF guard said no */
	/* NULL, or why no request is made: then easy is NULL and res holds
	 * the attempt as failed, to be recorded like any other. */
	const char	*not_sent;
	long long	 started_wall_ms;
	char		 started_db[32];
	/* the outcome, kept until the database has it */
	struct dq_result res;
	char		 res_err[256];
	char		 res_next[32];
	struct job	*next;			/* in the record queue */
};

/*
 * Builds the job of a claimed delivery: decrypts the webhook's secrets
 * (the current one, and the replaced one during its grace period), signs
 * the body and prepares the easy handle with every safety option.
 * A delivery that cannot be sent (a stored value too large to read, a
 * secret that will not open, a URL libcurl refuses) gives a job with
 * not_sent set and its failed attempt in res (retried on the schedule,
 * or failed at once for a row that cannot be read): it never goes back to
 * the queue unrecorded.  Returns NULL only when out of memory (the lease
 * brings the delivery back).
 */
struct job	*job_new(const struct dq_job_row *, const struct conf *,
		    const struct crypto_keys *, unsigned long long claim);
void		 job_free(struct job *);

/* The contract's error class of a finished transfer (NULL for success):
 * from libcurl's code, the HTTP status, whether the body passed the limit
 * and whether the SSRF guard refused the address. */
const char	*deliver_error_class(CURLcode code, long status, int too_large,
		    int refused);

/*
 * Turns the finished transfer (code from curl) into r: error class,
 * timings, excerpt, and what happens next (strings point into j and
 * next_db, which must outlive r).
 */
void		 job_result(struct job *j, CURLcode code, const struct conf *,
		    struct dq_result *r, char next_db[32], char err[256]);

#endif
