/* SPDX-License-Identifier: MIT */
/* db_replay.h: replay jobs: a webhook's failed or cancelled deliveries
 * requeued in bounded steps (the API creates, the dispatchers step). */
#ifndef WH_DB_REPLAY_H
#define WH_DB_REPLAY_H

#include <stdint.h>

#include "db.h"
#include "timeutil.h"

/* What a replay requeues; "" / -1: not filtered on. */
struct replay_filter {
	char		status[16];			/* failed, cancelled */
	char		since[TIME_DB_LEN + 1];		/* DATETIME(6) literals */
	char		until[TIME_DB_LEN + 1];
	long long	after;				/* a sequence */
};

/* A job as the API shows it. */
struct replay_row {
	char		id[WH_UUID_LEN + 1];
	char		webhook_id[WH_UUID_LEN + 1];
	char		status[16];		/* running, completed, cancelled */
	char		f_status[16];		/* "" for null */
	char		f_since[WH_TIME_LEN + 1], f_until[WH_TIME_LEN + 1];
	long long	f_after;		/* -1 for null */
	long long	matched, requeued, skipped;
	char		created_at[WH_TIME_LEN + 1];
	char		updated_at[WH_TIME_LEN + 1];
	char		finished_at[WH_TIME_LEN + 1];	/* "" for null */
};

/* The webhook's jobs created in the last hour, those running, and the
 * seconds until the oldest of the hour leaves it. */
enum db_rc	db_replay_recent(struct db *, const char *webhook_id,
		    long long *hour, long long *running, long long *wait_s);
/* The deliveries f matches, counted up to bound + 1. */
enum db_rc	db_replay_count(struct db *, uint64_t user_id,
		    const char *webhook_id, const struct replay_filter *f,
		    long long bound, long long *n);
enum db_rc	db_replay_insert(struct db *, const char *id,
		    const char *webhook_id, uint64_t user_id,
		    const struct replay_filter *f, long long matched,
		    const char *now_db);
enum db_rc	db_replay_get(struct db *, uint64_t user_id,
		    const char *webhook_id, const char *id,
		    struct replay_row *out);

/* One step's outcome (db_replay_step). */
struct replay_step {
	int		none;		/* no running job was free */
	int		waiting;	/* its webhook had no room: not stepped */
	int		finished;	/* the job is completed or cancelled now */
	char		id[WH_UUID_LEN + 1];
	char		webhook_id[WH_UUID_LEN + 1];
	long long	requeued, skipped;
};

/*
 * One transaction: the least recently stepped running job (locked; one
 * another dispatcher holds is skipped) requeues, as redeliveries, up to
 * WH_REPLAY_STEP of its next deliveries, and no more than its webhook has
 * room for under manual_max pending manual deliveries; deliveries that
 * have had WH_MAX_ATTEMPTS are skipped, and none made after the job is
 * taken.  The webhook's row is locked for the step; a job whose webhook
 * is gone is cancelled.
 */
enum db_rc	db_replay_step(struct db *, int manual_max,
		    struct replay_step *out);

#endif
