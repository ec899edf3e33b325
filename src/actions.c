/* SPDX-License-Identifier: MIT */
/* actions.c: the API's writes as transactions, with the times, ids and
 * sealed secrets they store; handlers parse before and render after. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "events.h"
#include "sign.h"
#include "log.h"
#include "timeutil.h"

/* Seals the secret of ch for webhook id; 0 or -1 (logged). */
static int
seal(const struct crypto_keys *keys, const struct webhook_change *ch,
    const char *id, unsigned char ct[WH_SEALED_MAX], size_t *ctlen,
    char key_id[WH_KEY_ID_LEN + 1])
{
	if (crypto_seal(keys, id, ch->secret, ch->secret_len, ct, ctlen,
	    key_id) == -1) {
		log_error("webhook %s: sealing the secret failed", id);
		return -1;
	}
	return 0;
}

enum db_rc
act_webhook_create(struct db *db, const struct crypto_keys *keys,
    uint64_t user_id, const struct template_row *tpl,
    const struct webhook_change *ch, struct webhook_row *w,
    char dup_id[WH_UUID_LEN + 1])
{
	struct template_row	t = *tpl;	/* tpl may be &w->tpl */
	unsigned char		ct[WH_SEALED_MAX];
	char			dbnow[TIME_DB_LEN + 1], key_id[WH_KEY_ID_LEN + 1];
	size_t			ctlen = 0;
	enum db_rc		rc;

	memset(w, 0, sizeof(*w));
	w->tpl = t;
	crypto_uuid_v7(w->id);
	time_now(w->created_at, dbnow);
	memcpy(w->updated_at, w->created_at, sizeof(w->created_at));
	snprintf(w->endpoint_url, sizeof(w->endpoint_url), "%s", ch->url);
	snprintf(w->status, sizeof(w->status), "%s",
	    ch->has_status ? ch->status : "enabled");
	w->has_secret = ch->has_secret && ch->secret != NULL;
	w->last_code = -1;
	if (strcmp(w->status, "disabled") == 0)
		snprintf(w->disabled_reason, sizeof(w->disabled_reason), "manual");
	if (w->has_secret && seal(keys, ch, w->id, ct, &ctlen, key_id) == -1)
		return DB_ERR;
	rc = db_webhook_insert(db, user_id, &(struct webhook_write){
	    .id = w->id, .api_template = w->tpl.id,
	    .endpoint_url = w->endpoint_url, .status = w->status,
	    .disabled_reason = w->disabled_reason[0] ? w->disabled_reason : NULL,
	    .secret_ct = w->has_secret ? ct : NULL, .secret_ct_len = ctlen,
	    .secret_key_id = w->has_secret ? key_id : NULL, .now_db = dbnow });
	explicit_bzero(ct, sizeof(ct));
	if (rc != DB_DUP)
		return rc;
	/* The one it has: gone again in between, the create may be retried. */
	if (db_webhook_id_by_template(db, user_id, w->tpl.id, dup_id) != DB_OK)
		return DB_DOWN;
	return DB_DUP;
}

/* Applies ch to the stored row w (status rules included); whether the
 * failure count is reset. */
static int
merge(struct webhook_row *w, const struct webhook_change *ch)
{
	int	reset = 0;

	if (ch->has_url)
		snprintf(w->endpoint_url, sizeof(w->endpoint_url), "%s", ch->url);
	if (ch->has_status) {
		snprintf(w->status, sizeof(w->status), "%s", ch->status);
		if (strcmp(ch->status, "enabled") == 0) {
			w->disabled_reason[0] = '\0';
			w->consecutive_failures = 0;
			reset = 1;
		} else
			snprintf(w->disabled_reason, sizeof(w->disabled_reason),
			    "manual");
	}
	if (ch->has_secret)
		w->has_secret = ch->secret != NULL;
	return reset;
}

enum db_rc
act_webhook_update(struct db *db, const struct crypto_keys *keys,
    const struct conf *c, uint64_t user_id, struct webhook_row *w,
    const struct webhook_change *ch)
{
	unsigned char	ct[WH_SEALED_MAX];
	char		dbnow[TIME_DB_LEN + 1], key_id[WH_KEY_ID_LEN + 1];
	size_t		ctlen = 0;
	int		reset, sealed;
	enum db_rc	rc;

	reset = merge(w, ch);
	sealed = ch->has_secret && ch->secret != NULL;
	if (sealed && seal(keys, ch, w->id, ct, &ctlen, key_id) == -1)
		return DB_ERR;
	time_now(w->updated_at, dbnow);
	rc = db_webhook_update(db, user_id, &(struct webhook_write){
	    .id = w->id, .endpoint_url = w->endpoint_url, .status = w->status,
	    .disabled_reason = w->disabled_reason[0] ? w->disabled_reason : NULL,
	    .reset_failures = reset, .secret_change = ch->has_secret,
	    .secret_ct = sealed ? ct : NULL, .secret_ct_len = ctlen,
	    .secret_key_id = sealed ? key_id : NULL, .now_db = dbnow,
	    .rotation_grace = c->secret_rotation_grace,
	    .cancel_pending = ch->has_status &&
	    strcmp(ch->status, "disabled") == 0 });
	explicit_bzero(ct, sizeof(ct));
	return rc;
}

enum db_rc
act_delivery_read(struct db *db, uint64_t user_id, const char *webhook_id,
    const char *id, struct delivery_view *v)
{
	enum db_rc	rc;

	v->nlog = 0;
	if ((rc = db_delivery_get(db, user_id, webhook_id, id, &v->d)) != DB_OK)
		return rc;
	return db_attempt_list(db, id, v->log, &v->nlog);
}

/*
 * Manual sends are bounded per webhook: with the webhook's row locked (so
 * that concurrent sends count one after the other), DB_LIMIT when
 * manual_pending_max of them are pending already.
 */
static enum db_rc
manual_room(struct db *db, const struct conf *c, const char *webhook_id,
    long long *retry_s)
{
	long long	n;
	enum db_rc	rc;

	if ((rc = db_webhook_lock(db, webhook_id)) != DB_OK ||
	    (rc = db_manual_pending(db, webhook_id, &n, retry_s)) != DB_OK)
		return rc;
	return n >= c->manual_pending_max ? DB_LIMIT : DB_OK;
}

struct test_ctx {
	const struct conf	*c;
	uint64_t		 user_id;
	const char		*webhook_id;
	struct delivery_view	*out;
	long long		*retry_s;
};

static enum db_rc
test_room(struct db *db, void *vctx)
{
	struct test_ctx	*x = vctx;

	return manual_room(db, x->c, x->webhook_id, x->retry_s);
}

/* Read in the transaction that queued it: what was queued, not what a
 * dispatcher made of it since. */
static enum db_rc
test_read(struct db *db, const struct event_result *r, void *vctx)
{
	struct test_ctx	*x = vctx;

	return act_delivery_read(db, x->user_id, x->webhook_id, r->delivery_id,
	    x->out);
}

enum db_rc
act_webhook_test(struct db *db, const struct conf *c, uint64_t user_id,
    const struct webhook_row *w, struct delivery_view *out, long long *retry_s)
{
	struct test_ctx		 x = { c, user_id, w->id, out, retry_s };
	struct event_result	 r;
	json_object		*data;
	enum db_rc		 rc;

	if ((data = json_object_new_object()) == NULL ||
	    json_object_object_add(data, "message", json_object_new_string(
	    "A test event sent from the webhooks API.")) != 0 ||
	    json_object_object_add(data, "api_template",
	    json_object_new_string(w->tpl.name)) != 0) {
		json_object_put(data);
		return DB_ERR;
	}
	rc = events_ingest(db, &(struct event_spec){
	    .source_user_id = user_id, .user_id = user_id,
	    .webhook_id = w->id, .type = "webhook.test", .data = data,
	    .manual = 1, .attempt_limit = 0, .before = test_room,
	    .written = test_read, .hook_ctx = &x }, &r);
	json_object_put(data);
	return rc;
}

struct redeliver_ctx {
	const struct conf	*c;
	uint64_t		 user_id;
	const char		*webhook_id, *id;
	struct delivery_view	*out;
	enum wh_err		*limit;
	long long		*retry_s;
};

/* The row stays locked until the commit, so the answer shows it as
 * queued (a dispatcher's claim skips it meanwhile). */
static enum db_rc
redeliver_tx(struct db *db, void *vctx)
{
	struct redeliver_ctx	*x = vctx;
	struct delivery_row	 d;
	enum db_rc		 rc;

	/* The webhook's lock first, as the dispatcher's recording takes it:
	 * the delivery read next cannot change before the update. */
	if ((rc = db_webhook_lock(db, x->webhook_id)) != DB_OK ||
	    (rc = db_delivery_get(db, x->user_id, x->webhook_id, x->id, &d)) !=
	    DB_OK)
		return rc;
	if (d.attempts >= WH_MAX_ATTEMPTS) {
		*x->limit = WH_E_ATTEMPT_LIMIT;
		return DB_LIMIT;
	}
	/* A finished delivery becomes one more pending manual one. */
	if (strcmp(d.status, "pending") != 0 &&
	    (rc = manual_room(db, x->c, x->webhook_id, x->retry_s)) != DB_OK) {
		if (rc == DB_LIMIT)
			*x->limit = WH_E_MANUAL_LIMIT;
		return rc;
	}
	if ((rc = db_delivery_redeliver(db, x->user_id, x->webhook_id,
	    x->id)) != DB_OK)
		return rc;
	return act_delivery_read(db, x->user_id, x->webhook_id, x->id, x->out);
}

enum db_rc
act_redeliver(struct db *db, const struct conf *c, uint64_t user_id,
    const char *webhook_id, const char *id, struct delivery_view *out,
    enum wh_err *limit, long long *retry_s)
{
	struct redeliver_ctx	x = { c, user_id, webhook_id, id, out, limit,
	    retry_s };

	*limit = WH_OK;
	return db_tx(db, redeliver_tx, &x);
}

void
act_signing_aad(const char *webhook_id, char out[WH_UUID_LEN + 16])
{
	snprintf(out, WH_UUID_LEN + 16, "%s/signing-key", webhook_id);
}

enum db_rc
act_signing_key_new(struct db *db, const struct crypto_keys *keys,
    const struct conf *c, uint64_t user_id, const char *webhook_id,
    struct signing_key_row *out)
{
	unsigned char	seed[SIGN_ED25519_SEED], pub[SIGN_ED25519_PUB];
	unsigned char	ct[SIGN_ED25519_SEED + WH_SEALED_MAX - WH_MAX_SECRET_BYTES];
	char		pk[SIGN_WHPK_LEN + 1], aad[WH_UUID_LEN + 16];
	char		key_id[WH_KEY_ID_LEN + 1];
	char		dbnow[TIME_DB_LEN + 1];
	size_t		ctlen = 0;
	int		exists, bad;
	enum db_rc	rc;

	act_signing_aad(webhook_id, aad);
	bad = sign_ed25519_new(seed, pub) == -1 ||
	    crypto_seal(keys, aad, seed, sizeof(seed), ct, &ctlen, key_id) == -1;
	explicit_bzero(seed, sizeof(seed));
	if (bad) {
		log_error("webhook %s: making or sealing a signing key failed",
		    webhook_id);
		return DB_ERR;
	}
	sign_whpk(pub, pk);
	time_now(NULL, dbnow);
	rc = db_signing_key_set(db, user_id, webhook_id,
	    c->secret_rotation_grace, ct, ctlen, key_id, pk, dbnow);
	explicit_bzero(ct, sizeof(ct));
	if (rc != DB_OK)
		return rc;
	rc = db_signing_key_get(db, user_id, webhook_id, out, &exists);
	/* Deleted in between: the new key went with it. */
	return rc == DB_NOTFOUND ? DB_NOTFOUND : rc;
}

struct replay_ctx {
	const struct conf		*c;
	uint64_t			 user_id;
	const char			*webhook_id;
	const struct replay_filter	*f;
	struct replay_row		*out;
	enum replay_refusal		*why;
	long long			*retry_s;
};

static enum db_rc
replay_tx(struct db *db, void *vctx)
{
	struct replay_ctx	*x = vctx;
	char			 id[WH_UUID_LEN + 1];
	char			 dbnow[TIME_DB_LEN + 1];
	long long		 hour, running, wait_s, matched;
	enum db_rc		 rc;

	if ((rc = db_webhook_lock(db, x->webhook_id)) != DB_OK ||
	    (rc = db_replay_recent(db, x->webhook_id, &hour, &running,
	    &wait_s)) != DB_OK)
		return rc;
	if (running > 0 || hour >= x->c->replays_per_hour) {
		*x->why = running > 0 ? RP_RUNNING : RP_RATE;
		*x->retry_s = running > 0 ? 1 : wait_s > 0 ? wait_s : 1;
		return DB_LIMIT;
	}
	if ((rc = db_replay_count(db, x->user_id, x->webhook_id, x->f,
	    x->c->replay_max_deliveries, &matched)) != DB_OK)
		return rc;
	if (matched > x->c->replay_max_deliveries) {
		*x->why = RP_TOO_MANY;
		return DB_LIMIT;
	}
	crypto_uuid_v7(id);
	time_now(NULL, dbnow);
	if ((rc = db_replay_insert(db, id, x->webhook_id, x->user_id, x->f,
	    matched, dbnow)) != DB_OK)
		return rc;
	return db_replay_get(db, x->user_id, x->webhook_id, id, x->out);
}

enum db_rc
act_replay_create(struct db *db, const struct conf *c, uint64_t user_id,
    const char *webhook_id, const struct replay_filter *f,
    struct replay_row *out, enum replay_refusal *why, long long *retry_s)
{
	*why = 0;
	*retry_s = 0;
	return db_tx(db, replay_tx, &(struct replay_ctx){ c, user_id,
	    webhook_id, f, out, why, retry_s });
}
