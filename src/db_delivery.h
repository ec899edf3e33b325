/* SPDX-License-Identifier: MIT */
/* db_delivery.h: events, the delivery outbox and its attempt log (the API's side). */
#ifndef WH_DB_DELIVERY_H
#define WH_DB_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

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


/* The stored answer of an idempotency key: event id and delivery count. */
enum db_rc	db_event_by_idempotency(struct db *, uint64_t source_user_id,
		    const char *key, char id[WH_UUID_LEN + 1], int *deliveries);
enum db_rc	db_event_insert(struct db *, const char *id,
		    uint64_t source_user_id, const char *idempotency_key,
		    uint64_t user_id, const char *api_template_id,
		    const char *type, int deliveries, const char *now_db);
struct delivery_new {
	const char	*id, *event_id, *webhook_id, *event_type, *body;
	uint64_t	 user_id;
	int		 manual, attempt_limit;
	const char	*now_db;
	/* Takes the number db_sequence_next just took for webhook_id (0: a
	 * test, not numbered). */
	int		 numbered;
	/* NULL: pending, due at once; else kept as cancelled with this
	 * error (an event for a disabled webhook). */
	const char	*kept_error;
};
enum db_rc	db_delivery_insert(struct db *, const struct delivery_new *);

/* A numbered event of a webhook, as GET .../events/ lists it. */
struct event_row {
	char		delivery_id[WH_UUID_LEN + 1];
	char		id[WH_UUID_LEN + 1];		/* the event's */
	long long	sequence;
	char		type[WH_UTF8MB4_BYTES(WH_EVENT_TYPE_COL) + 1];
	char		status[16];			/* of its delivery */
	char		created_at[WH_TIME_LEN + 1];
	long long	body_len;
	int		erased;		/* its body was erased (DELETE /events/) */
};
/* The webhook's events numbered above after, oldest first, at most limit
 * into rows. */
enum db_rc	db_event_list(struct db *, uint64_t user_id,
		    const char *webhook_id, long long after, long long limit,
		    struct event_row *rows, int *n);
/* Erases the body of the service user's event source_user_id reported:
 * every delivery of it keeps its row and log, body NULL, a pending one
 * cancelled.  DB_NOTFOUND when it is not that user's event. */
enum db_rc	db_event_erase(struct db *, uint64_t source_user_id,
		    const char *event_id);

/* The body of a delivery into out (cap bytes with its NUL; *len gets its
 * length, *erased 1 when it is NULL); DB_NOTFOUND when the delivery is
 * gone, DB_ERR when the body does not fit. */
enum db_rc	db_delivery_body(struct db *, const char *delivery_id,
		    char *out, size_t cap, size_t *len, int *erased);
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
/* The webhook's pending manual deliveries, and the seconds until the
 * soonest of them is due (0 when none is, or it is due now). */
enum db_rc	db_manual_pending(struct db *, const char *webhook_id,
		    long long *count, long long *soonest_s);

#endif
