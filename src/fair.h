/* SPDX-License-Identifier: MIT */
/* fair.h: a dispatcher's caps on transfers in flight per webhook and per
 * host, so that one slow receiver cannot take every slot. */
#ifndef WH_FAIR_H
#define WH_FAIR_H

#include <stdint.h>

#include "buf.h"
#include "wh_limits.h"

struct fair;

/* The receiver an endpoint_url names: a hash of its authority (host and
 * port, lowercased), the same for every path and query on it. */
uint64_t	 fair_host_key(const char *url);

/*
 * A tally for at most max_inflight transfers, each webhook allowed
 * per_webhook of them and each host per_host, and for deliveries held
 * back (claimed, waiting for their webhook or host to have room): at most
 * per_webhook_held per webhook and max_held in all.  NULL when out of
 * memory; fair_free accepts NULL.
 */
struct fair	*fair_new(int per_webhook, int per_host, int max_inflight,
		    int per_webhook_held, int max_held);
void		 fair_free(struct fair *);

enum fair_verdict {
	FAIR_GO,		/* counted: start it */
	FAIR_WEBHOOK_FULL,	/* its webhook has per_webhook in flight */
	FAIR_HOST_FULL		/* its host has per_host in flight */
};

/* May a delivery of webhook_id to host start now?  FAIR_GO counts it
 * (until fair_done). */
enum fair_verdict fair_take(struct fair *, const char *webhook_id,
		    uint64_t host);

/* A delivery of webhook_id was given back because its webhook or host was
 * full and it could not be held: claims leave the webhook alone until
 * both have room again (parked). */
void		 fair_park(struct fair *, const char *webhook_id, uint64_t host);
void		 fair_done(struct fair *, const char *webhook_id, uint64_t host);

/* May one more delivery of webhook_id be held back?  1 (counted until
 * fair_unhold) or 0 (give it back to the queue). */
int		 fair_hold(struct fair *, const char *webhook_id);
void		 fair_unhold(struct fair *, const char *webhook_id);

/*
 * The webhooks a claim should skip now, as " id id ... " (a leading and a
 * trailing space, never empty) in out: those with more than
 * per_webhook_held - WH_DQ_MAX_BATCH held back already (so that a claim
 * never brings more of them than can be held), and the parked ones whose
 * webhook or host is still full (the others are forgotten).  0, or -1
 * when out of memory.
 */
int		 fair_exclusions(struct fair *, struct buf *out);

#endif
