/* SPDX-License-Identifier: MIT */
/* db_webhook.h: webhooks, every query scoped to its owner. */
#ifndef WH_DB_WEBHOOK_H
#define WH_DB_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "db_template.h"

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

/* DB_DUP when the user has a webhook for that template already,
 * DB_NOTFOUND (nothing written) when the template is not active. */
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

/* The user's webhook for a template, into id, and whether it is enabled;
 * DB_NOTFOUND when there is none. */
enum db_rc	db_webhook_for(struct db *, uint64_t user_id,
		    const char *api_template_id, char id[WH_UUID_LEN + 1],
		    int *enabled);
/* Takes the webhook's next event number (its counter row locked until
 * the transaction ends), for the delivery inserted next. */
enum db_rc	db_sequence_next(struct db *, const char *webhook_id);
/* The webhook's last event number (0 before its first event). */
enum db_rc	db_sequence_last(struct db *, const char *webhook_id,
		    long long *last);
/* Locks the webhook row for the transaction; DB_NOTFOUND when it is gone.
 * Manual sends count under it; the dispatcher's recording takes the
 * webhooks' locks first, in id order, then the deliveries': the order the
 * API's disable and delete use, so they do not deadlock. */
enum db_rc	db_webhook_lock(struct db *, const char *id);

#endif
