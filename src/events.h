/* SPDX-License-Identifier: MIT */
/* events.h: accept an event and queue its delivery, atomically (outbox). */
#ifndef WH_EVENTS_H
#define WH_EVENTS_H

#include <json-c/json.h>

#include "db_delivery.h"
#include "db_webhook.h"

struct event_result;

struct event_spec {
	uint64_t			 source_user_id;	/* who reports it */
	const char			*idempotency_key;	/* NULL: none */
	uint64_t			 user_id;		/* the owner */
	const struct template_row	*tpl;		/* NULL for a test */
	const char			*webhook_id;	/* a test's target */
	/* The owner's webhook for tpl when the caller looked it up already
	 * ("" for none) and whether it is enabled; NULL: looked up here. */
	const char			*owner_webhook_id;
	int				 owner_enabled;
	const char			*type;
	json_object			*data;		/* not taken */
	int				 manual;
	int				 attempt_limit;	/* 0: the schedule's */
	/* NULL, or run first inside the transaction (before anything is
	 * written); not DB_OK rolls it back and is returned. */
	enum db_rc			(*before)(struct db *, void *);
	/* NULL, or run inside the transaction once the delivery is
	 * written, before the commit; not DB_OK rolls it back. */
	enum db_rc			(*written)(struct db *,
					    const struct event_result *, void *);
	void				*hook_ctx;	/* of both */
};

struct event_result {
	char	id[WH_UUID_LEN + 1];
	int	deliveries;			/* 0 or 1: to be sent */
	char	delivery_id[WH_UUID_LEN + 1];	/* "" when none or replayed */
	int	replayed;			/* the idempotency key's answer */
	int	too_large;	/* DB_ERR: the delivery body would be over
				 * WH_MAX_DELIVERY_BODY (nothing written) */
};

/*
 * Writes the event and, when the owner has a webhook for the template (or
 * a test names one), its delivery, in one transaction: once this returns
 * DB_OK the event cannot be lost.  A reported event takes the webhook's
 * next sequence number; for a disabled webhook its delivery is kept as
 * cancelled (listed, replayable) and not counted in deliveries.  A known
 * idempotency key gives the stored answer instead (replayed = 1), also
 * when two reports with the same key race.
 */
enum db_rc	events_ingest(struct db *, const struct event_spec *,
		    struct event_result *);

/* Wakes the dispatchers listening on the unix datagram socket path (NULL:
 * nothing to do).  Best effort: they also poll. */
void		events_notify(const char *path);

#endif
