/* SPDX-License-Identifier: MIT */
/* db.h: one MariaDB connection, its prepared statements, and the queries
 * of the service as plain C functions.  No MariaDB type leaves db*.c. */
#ifndef WH_DB_H
#define WH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "wh_limits.h"

enum db_rc {
	DB_OK = 0,
	DB_NOTFOUND,	/* no row, or no row changed */
	DB_DUP,		/* a unique key said no */
	DB_DOWN,	/* the database cannot be reached now */
	DB_DEADLOCK,	/* a deadlock or lock wait rolled the transaction back:
			 * run the whole transaction again */
	DB_LIMIT,	/* a bound the caller checks was reached: roll back */
	DB_ERR		/* anything else; logged */
};

struct db;

/* A handle that connects on first use and reconnects after a lost
 * connection; NULL when out of memory.  db_free accepts NULL. */
struct db	*db_new(const struct conf *c);
void		 db_free(struct db *);

/* Connects now (for programs that want to fail early); DB_OK or DB_DOWN. */
enum db_rc	 db_connect(struct db *);

/* Does the database answer?  DB_OK or DB_DOWN. */
enum db_rc	 db_ping(struct db *);

/*
 * Transactions.  A statement that fails inside one is never resent; the
 * caller rolls back (a lost connection already did).  db_commit returns
 * DB_OK, DB_DOWN or DB_ERR.
 */
enum db_rc	 db_begin(struct db *);

/* How often a transaction is run again after DB_DEADLOCK. */
#define DB_TX_TRIES	4
enum db_rc	 db_commit(struct db *);
void		 db_rollback(struct db *);

/*
 * Runs fn(db, ctx) in a transaction: committed when it returns DB_OK,
 * rolled back otherwise; the whole transaction runs again (up to
 * DB_TX_TRIES times) after DB_DEADLOCK.  Returns fn's or the commit's code.
 */
enum db_rc	 db_tx(struct db *, enum db_rc (*fn)(struct db *, void *),
		    void *ctx);

/* The last error text, for logs and the CLI. */
const char	*db_error(struct db *);

struct template_row {
	char	id[WH_UUID_LEN + 1];
	char	name[WH_MAX_TEMPLATE_NAME + 1];
	char	display_name[WH_MAX_DISPLAY_NAME + 1];
	char	description[WH_MAX_DESCRIPTION + 1];
	int	has_description;
	int	is_active;
};

struct webhook_row {
	char			id[WH_UUID_LEN + 1];
	struct template_row	tpl;
	char			endpoint_url[WH_MAX_URL_LEN + 1];
	char			status[16];
	int			has_secret;
	char			disabled_reason[32];	/* "" for null */
	long long		consecutive_failures;
	char			created_at[WH_TIME_LEN + 1];
	char			updated_at[WH_TIME_LEN + 1];
	char			last_at[WH_TIME_LEN + 1];	/* "" for null */
	char			last_status[16];
	int			last_code;			/* -1 for null */
};

struct principal {
	uint64_t	user_id;
	char		username[WH_MAX_NAME_LEN + 1];
	int		is_service;
	long long	expires_in_ms;	/* -1: the token does not expire */
};

/* Row callbacks return 0 to go on, -1 to stop with DB_ERR. */
typedef int (*db_template_fn)(void *ctx, const struct template_row *);

/* Tokens: looks up a live token by its SHA-256. */
enum db_rc	db_auth_token(struct db *, const unsigned char hash[32],
		    struct principal *out);

/* Templates (active only unless said). */
enum db_rc	db_template_get(struct db *, const char *id,
		    struct template_row *out);
enum db_rc	db_template_count(struct db *, long long *count);
/*
 * The lists fetch a page into the caller's array, which holds limit rows:
 * *n gets how many came (fetch, then render; nothing is rendered here).
 */
enum db_rc	db_template_list(struct db *, long long limit,
		    long long offset, struct template_row *rows, int *n);

/* Webhooks, always scoped to user_id.  A NULL filter is no filter. */
struct webhook_filter {
	const char	*status;
	const char	*api_template;
};

enum db_rc	db_webhook_get(struct db *, uint64_t user_id, const char *id,
		    struct webhook_row *out);
enum db_rc	db_webhook_count(struct db *, uint64_t user_id,
		    const struct webhook_filter *, long long *count);
enum db_rc	db_webhook_list(struct db *, uint64_t user_id,
		    const struct webhook_filter *, long long limit,
		    long long offset, struct webhook_row *rows, int *n);

/* What a create or an update writes; secret NULL with has_secret 0. */
struct webhook_write {
	const char		*id;
	const char		*api_template;
	const char		*endpoint_url;
	const char		*status;
	const char		*disabled_reason;	/* NULL: null */
	int			 reset_failures;
	int			 secret_change;		/* update: touch it? */
	const unsigned char	*secret_ct;		/* NULL: no secret */
	size_t			 secret_ct_len;
	const char		*secret_key_id;
	const char		*now_db;		/* "YYYY-MM-DD HH:MM:SS.ffffff" */
	int			 rotation_grace;	/* seconds the old secret signs */
	int			 cancel_pending;	/* disabling: cancel the queue */
};

/* DB_DUP when the user has a webhook for that template already. */
enum db_rc	db_webhook_insert(struct db *, uint64_t user_id,
		    const struct webhook_write *);
/* The id of the user's webhook for a template, into id. */
enum db_rc	db_webhook_id_by_template(struct db *, uint64_t user_id,
		    const char *api_template, char id[WH_UUID_LEN + 1]);
/* DB_NOTFOUND when no such webhook of the user.  Replacing a secret keeps
 * the old one signing for rotation_grace seconds; cancel_pending cancels
 * the webhook's queued (not manual) deliveries in the same transaction.
 * Deleting cancels all of them. */
enum db_rc	db_webhook_update(struct db *, uint64_t user_id,
		    const struct webhook_write *);
enum db_rc	db_webhook_delete(struct db *, uint64_t user_id,
		    const char *id);

/* Events and deliveries. */
struct delivery_row {
	char		id[WH_UUID_LEN + 1];
	char		event_id[WH_UUID_LEN + 1];
	char		event_type[WH_UTF8MB4_BYTES(WH_EVENT_TYPE_COL) + 1];
	char		status[16];
	long long	attempts;
	int		response_code;			/* -1 for null */
	char		error[WH_UTF8MB4_BYTES(WH_ERROR_COL) + 1]; /* "" for null */
	long long	duration_ms;			/* -1 for null */
	char		created_at[WH_TIME_LEN + 1];
	char		last_attempt_at[WH_TIME_LEN + 1];	/* "" for null */
	char		next_attempt_at[WH_TIME_LEN + 1];	/* "" for null */
	char		cursor[24];			/* created_at as 20 digits */
};

struct attempt_row {
	char		at[WH_TIME_LEN + 1];
	int		response_code;			/* -1 for null */
	char		error_class[WH_UTF8MB4_BYTES(WH_ERROR_CLASS_COL) + 1];
	char		error[WH_UTF8MB4_BYTES(WH_ERROR_COL) + 1]; /* "" for null */
	long long	duration_ms;
	long long	dns_ms, connect_ms, tls_ms, first_byte_ms; /* -1: null */
	char		excerpt[1025];
	size_t		excerpt_len;
	int		has_excerpt;
};


enum db_rc	db_template_get_by_name(struct db *, const char *name,
		    struct template_row *out);
/* The stored answer of an idempotency key: event id and delivery count. */
enum db_rc	db_event_by_idempotency(struct db *, uint64_t source_user_id,
		    const char *key, char id[WH_UUID_LEN + 1], int *deliveries);
enum db_rc	db_event_insert(struct db *, const char *id,
		    uint64_t source_user_id, const char *idempotency_key,
		    uint64_t user_id, const char *api_template_id,
		    const char *type, int deliveries, const char *now_db);
/*
 * An event's template (by id when tpl_id is set, else by name), the id of
 * the user named username and that user's enabled webhook for the
 * template (webhook_id "" when none), in one query.  DB_NOTFOUND: the
 * template (active) or the user is unknown; which one, the caller asks.
 */
enum db_rc	db_event_resolve(struct db *, const char *tpl_id,
		    const char *tpl_name, const char *username,
		    struct template_row *tpl, uint64_t *user_id,
		    char webhook_id[WH_UUID_LEN + 1]);
/* The user's enabled webhook for a template, into id; DB_NOTFOUND. */
enum db_rc	db_webhook_enabled_for(struct db *, uint64_t user_id,
		    const char *api_template_id, char id[WH_UUID_LEN + 1]);
struct delivery_new {
	const char	*id, *event_id, *webhook_id, *event_type, *body;
	uint64_t	 user_id;
	int		 manual, attempt_limit;
	const char	*now_db;
};
enum db_rc	db_delivery_insert(struct db *, const struct delivery_new *);
/* Newest first; after_* (both NULL for the first page) is the keyset
 * position: created_at as "YYYY-MM-DD HH:MM:SS.ffffff" and id. */
enum db_rc	db_delivery_list(struct db *, uint64_t user_id,
		    const char *webhook_id, const char *after_at,
		    const char *after_id, long long limit,
		    struct delivery_row *rows, int *n);
enum db_rc	db_delivery_get(struct db *, uint64_t user_id,
		    const char *webhook_id, const char *id,
		    struct delivery_row *out);
/* The newest WH_MAX_ATTEMPT_LOG attempts, oldest first, into rows (which
 * holds that many). */
enum db_rc	db_attempt_list(struct db *, const char *delivery_id,
		    struct attempt_row *rows, int *n);
enum db_rc	db_delivery_redeliver(struct db *, uint64_t user_id,
		    const char *webhook_id, const char *id);
/* Locks the webhook row for the transaction; DB_NOTFOUND when it is gone.
 * Manual sends count under it; the dispatcher's recording takes the
 * webhooks' locks first, in id order, then the deliveries': the order the
 * API's disable and delete use, so they do not deadlock. */
enum db_rc	db_webhook_lock(struct db *, const char *id);
/* The webhook's pending manual deliveries, and the seconds until the
 * soonest of them is due (0 when none is, or it is due now). */
enum db_rc	db_manual_pending(struct db *, const char *webhook_id,
		    long long *count, long long *soonest_s);

/* The dispatcher's side of the queue. */
#define DQ_MAX_BATCH	WH_DQ_MAX_BATCH

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
	/* NULL, or why this row cannot be sent (a stored value larger than
	 * the buffers above): the delivery fails alone, with this reason. */
	const char	*bad;
};

typedef int (*dq_job_fn)(void *ctx, const struct dq_job_row *);

/* Claims up to n (<= DQ_MAX_BATCH) due deliveries under claim for lease_us
 * microseconds, skipping those of the webhooks in exclude (" id id ... "),
 * and calls fn for each, with its webhook.  *claimed gets the count. */
enum db_rc	dq_claim(struct db *, unsigned long long claim, int n,
		    long long lease_us, const char *exclude, dq_job_fn fn,
		    void *ctx, int *claimed);
/* Gives n (<= DQ_MAX_BATCH) claimed deliveries back, due at once. */
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

/* Operators: the newest deliveries (filters may be NULL), and retry. */
typedef int (*dq_admin_fn)(void *ctx, const struct delivery_row *,
		    const char *webhook_id);
enum db_rc	db_admin_delivery_list(struct db *, const char *webhook_id,
		    const char *status, long long limit, dq_admin_fn, void *ctx);
enum db_rc	db_admin_delivery_retry(struct db *, const char *id);

/* Administration (webhookctl). */
enum db_rc	db_migrate(struct db *, const char *sql_dir, int *applied);
enum db_rc	db_user_add(struct db *, const char *name);
enum db_rc	db_user_id(struct db *, const char *name, uint64_t *id);
enum db_rc	db_token_add(struct db *, uint64_t user_id,
		    const unsigned char hash[32], const char *prefix,
		    const char *name, int is_service,
		    long long expires_ms);	/* <= 0: never expires */
enum db_rc	db_token_revoke(struct db *, const unsigned char hash[32]);
/* By the id `token list` shows; DB_NOTFOUND when none live has it. */
enum db_rc	db_token_revoke_id(struct db *, uint64_t id);

struct token_row {
	uint64_t	id;
	char		username[WH_MAX_NAME_LEN + 1];
	char		prefix[16];
	char		name[WH_UTF8MB4_BYTES(100) + 1];	/* "" for null */
	int		is_service;
	char		created_at[WH_TIME_LEN + 1];
	char		expires_at[WH_TIME_LEN + 1];	/* "" for null */
	char		revoked_at[WH_TIME_LEN + 1];	/* "" for null */
};
typedef int (*db_token_fn)(void *ctx, const struct token_row *);
/* Every token (of username, unless NULL), oldest first. */
enum db_rc	db_token_list(struct db *, const char *username, db_token_fn,
		    void *ctx);
enum db_rc	db_template_add(struct db *, const char *id, const char *name,
		    const char *display, const char *description);
enum db_rc	db_template_list_all(struct db *, db_template_fn, void *ctx);
enum db_rc	db_template_disable(struct db *, const char *name);

#endif
