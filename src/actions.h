/* SPDX-License-Identifier: MIT */
/* actions.h: what the API's writes do to the database, each in its
 * transaction: create and update a webhook (secret sealed and rotated),
 * test and redeliver.  Handlers parse before and render after; events.c
 * holds the ingest they share. */
#ifndef WH_ACTIONS_H
#define WH_ACTIONS_H

#include "conf.h"
#include "crypto.h"
#include "db_delivery.h"
#include "db_replay.h"
#include "db_signing.h"
#include "db_webhook.h"
#include "err.h"

/* The fields a create or an update may set, validated. */
struct webhook_change {
	int		 has_url, has_status, has_secret;
	const char	*url;
	const char	*status;
	const char	*secret;	/* NULL: remove (when has_secret) */
	size_t		 secret_len;
};

/*
 * Creates the user's webhook for tpl with ch into *out.  DB_DUP when the
 * user has one for tpl already (its id into dup_id; DB_DOWN if it went in
 * between: the create may be retried).  DB_NOTFOUND when tpl is no longer
 * active (nothing written).  A secret that cannot be sealed is DB_ERR
 * (logged).
 */
enum db_rc	act_webhook_create(struct db *, const struct crypto_keys *,
		    uint64_t user_id, const struct template_row *tpl,
		    const struct webhook_change *ch, struct webhook_row *out,
		    char dup_id[WH_UUID_LEN + 1]);

/*
 * Applies ch to the stored webhook *w (read by the caller) and writes it:
 * enabling clears disabled_reason and the failure count, disabling (by the
 * user: "manual") cancels the queued deliveries, a replaced secret keeps
 * signing for secret_rotation_grace.  *w becomes the new state.
 */
enum db_rc	act_webhook_update(struct db *, const struct crypto_keys *,
		    const struct conf *, uint64_t user_id,
		    struct webhook_row *w, const struct webhook_change *ch);

/* A delivery as the API answers it: the row, and its attempt log in the
 * caller's array (WH_MAX_ATTEMPT_LOG rows). */
struct delivery_view {
	struct delivery_row	 d;
	struct attempt_row	*log;
	int			 nlog;
};

enum db_rc	act_delivery_read(struct db *, uint64_t user_id,
		    const char *webhook_id, const char *id,
		    struct delivery_view *out);

/*
 * Queues a webhook.test delivery for w (manual: sent even when disabled)
 * and reads it back in the same transaction, so *out shows it as queued.
 * DB_LIMIT when the webhook has manual_pending_max pending manual
 * deliveries (*retry_s: seconds until the soonest is due).
 */
enum db_rc	act_webhook_test(struct db *, const struct conf *,
		    uint64_t user_id, const struct webhook_row *w,
		    struct delivery_view *out, long long *retry_s);

/*
 * Queues the delivery again (a finished one: one more attempt, manual; a
 * pending one: due now) and reads it back in the same transaction.
 * DB_LIMIT with *limit WH_E_ATTEMPT_LIMIT (it has had WH_MAX_ATTEMPTS) or
 * WH_E_MANUAL_LIMIT (*retry_s as for a test).
 */
enum db_rc	act_redeliver(struct db *, const struct conf *,
		    uint64_t user_id, const char *webhook_id, const char *id,
		    struct delivery_view *out, enum wh_err *limit,
		    long long *retry_s);

/*
 * Gives the webhook a new Ed25519 signing key (the private half sealed
 * under the key file, associated with the webhook and its use); the one
 * it had signs on for secret_rotation_grace.  *out: what the API shows.
 * DB_NOTFOUND: not the user's webhook; DB_ERR when the key cannot be
 * made or sealed (logged).
 */
enum db_rc	act_signing_key_new(struct db *, const struct crypto_keys *,
		    const struct conf *, uint64_t user_id,
		    const char *webhook_id, struct signing_key_row *out);

/* Why a replay was refused (act_replay_create's DB_LIMIT). */
enum replay_refusal {
	RP_RUNNING = 1,		/* one of the webhook's is still running */
	RP_RATE,		/* replays_per_hour in the last hour */
	RP_TOO_MANY		/* the filter matches over replay_max_deliveries */
};

/*
 * Starts a replay of the webhook's deliveries matching f (the webhook
 * read by the caller): with the webhook's row locked, so that concurrent
 * requests count one after the other, DB_LIMIT with *why (and *retry_s for
 * the first two) when refused; else the job, counted and written, into
 * *out (completed at once when nothing matches).
 */
enum db_rc	act_replay_create(struct db *, const struct conf *,
		    uint64_t user_id, const char *webhook_id,
		    const struct replay_filter *f, struct replay_row *out,
		    enum replay_refusal *why, long long *retry_s);

/* The associated data of a webhook's sealed signing key, into out. */
void		act_signing_aad(const char *webhook_id,
		    char out[WH_UUID_LEN + 16]);

#endif
