/* SPDX-License-Identifier: MIT */
/* db_dispatch.h: the dispatcher's side of the outbox: claims and records. */
#ifndef WH_DB_DISPATCH_H
#define WH_DB_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* The dispatcher's side of the queue. */

struct dq_job_row {
	char		 id[WH_UUID_LEN + 1];
	char		 event_id[WH_UUID_LEN + 1];
	char		 webhook_id[WH_UUID_LEN + 1];
	char		 event_type[WH_UTF8MB4_BYTES(WH_EVENT_TYPE_COL) + 1];
	const char	*body;			/* valid during the callback */
	size_t		 body_len;
	int		 attempts, attempt_limit, manual;
	int		 webhook_exists;
	char		 endpoint_url[WH_MAX_URL_LEN + 1];
	char		 webhook_status[16];
	/* sealed, as stored (+ 1: the reader's NUL); len 0: none */
	unsigned char	 secret[WH_SEALED_MAX + 1];
	size_t		 secret_len;
	char		 secret_key_id[WH_KEY_ID_LEN + 1];
	unsigned char	 prev_secret[WH_SEALED_MAX + 1];	/* in its grace */
	size_t		 prev_secret_len;
	char		 prev_secret_key_id[WH_KEY_ID_LEN + 1];
	char		 sequence[24];		/* "" for none (a test) */
	/* the Ed25519 signing keys, sealed (+ 1: the reader's NUL) */
	unsigned char	 signing_key[WH_SEALED_MAX + 1];
	size_t		 signing_key_len;
	char		 signing_key_id[WH_KEY_ID_LEN + 1];
	unsigned char	 prev_signing_key[WH_SEALED_MAX + 1];	/* in its grace */
	size_t		 prev_signing_key_len;
	char		 prev_signing_key_id[WH_KEY_ID_LEN + 1];
	/* NULL, or why this row cannot be sent (a stored value larger than
	 * the buffers above): the delivery fails alone, with this reason. */
	const char	*bad;
};

typedef int (*dq_job_fn)(void *ctx, const struct dq_job_row *);

/* Claims up to n (<= WH_DQ_MAX_BATCH) due deliveries under claim for lease_us
 * microseconds, skipping those of the webhooks in exclude (" id id ... "),
 * and calls fn for each, with its webhook.  *claimed gets the count. */
enum db_rc	dq_claim(struct db *, unsigned long long claim, int n,
		    long long lease_us, const char *exclude, dq_job_fn fn,
		    void *ctx, int *claimed);
/* Renews the lease of a claimed delivery that is still pending under
 * claim; DB_NOTFOUND when it is not (cancelled, redelivered, taken). */
enum db_rc	dq_renew(struct db *, const char *id, unsigned long long claim,
		    long long lease_us);
/* Gives n (<= WH_DQ_MAX_BATCH) claimed deliveries back, due at once. */
enum db_rc	dq_release(struct db *, unsigned long long claim,
		    char ids[][WH_UUID_LEN + 1], int n);

/* What one attempt did, and what it means for the delivery. */
struct dq_result {
	const char	*delivery_id, *webhook_id;
	unsigned long long claim;
	int		 manual;
	const char	*at_db;			/* attempt start */
	int		 response_code;		/* -1: none */
	const char	*error_class;		/* NULL: success */
	const char	*error;			/* NULL: none */
	long long	 duration_ms;
	long long	 dns_ms, connect_ms, tls_ms, first_byte_ms; /* -1: n/a */
	const char	*excerpt;
	size_t		 excerpt_len;
	int		 has_excerpt;
	const char	*status;		/* pending, succeeded, failed */
	const char	*next_at_db;		/* when pending */
	int		 gone;			/* 410: disable the webhook */
	int		 delivery_failed;	/* the last attempt failed */
};

/* Records the attempt, moves the delivery on and updates the webhook's
 * monitoring fields (auto-disable included), in the caller's
 * transaction.  *lost is set when the claim had expired (another
 * dispatcher may have the delivery): the attempt is still logged. */
enum db_rc	dq_record(struct db *, const struct dq_result *,
		    int disable_after_failures, long long disable_after_us,
		    const char *now_db, int *lost);

/* Cancels a claimed delivery (its webhook is gone or disabled). */
enum db_rc	dq_cancel(struct db *, const char *id, unsigned long long claim);

/* Due deliveries and how long the oldest has waited (microseconds). */
enum db_rc	dq_stats(struct db *, long long *depth, long long *oldest_us);

#endif
