/* SPDX-License-Identifier: MIT */
/* db_purge.h: retention: what is older than event_retention_days goes, in
 * small transactions. */
#ifndef WH_DB_PURGE_H
#define WH_DB_PURGE_H

#include "db.h"

struct purge_batch {
	long long	deliveries, attempts, events, replays;
	int		more;		/* a bound was reached: call again */
};

/*
 * One batch: up to WH_PURGE_BATCH finished deliveries created more than
 * days ago (and their attempts) in one transaction, oldest first, skipping
 * rows another purger holds; when no more are due, up to WH_PURGE_ROWS
 * events left without deliveries and finished replays (one statement
 * each).  Pending deliveries and their
 * events stay, whatever their age.
 */
enum db_rc	db_purge_batch(struct db *, int days, struct purge_batch *out);

#endif
