/* SPDX-License-Identifier: MIT */
/* dispatcher.c: webhook-dispatcher, which drains the delivery outbox:
 * claims due deliveries in batches, POSTs them concurrently with
 * libcurl's multi interface, and records every attempt. */
#include "config.h"	/* first: it selects the GNU extensions */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "crypto.h"
#include "db_dispatch.h"
#include "db_purge.h"
#include "db_replay.h"
#include "db_webhook.h"
#include "deliver.h"
#include "fair.h"
#include "metrics.h"
#include "log.h"
#include "timeutil.h"


static volatile sig_atomic_t stop_requested;

struct disp {
	struct conf		 conf;
	struct crypto_keys	 keys;
	struct db		*db;
	CURLM			*multi;
	int			 inflight;
	struct fair		*fair;		/* in flight per webhook, host */
	struct buf		 exclude;	/* what the next claim skips */
	int			 trimmed_last;	/* the last claim gave some back */
	/* Claimed, waiting here for their webhook or host to have room,
	 * oldest first; given back before their lease could run out. */
	struct held		*held, *held_last;
	int			 nheld;
	long long		 hold_ms;	/* the longest one may wait */
	int			 notify_fd;	/* -1: none */
	struct metrics		*metrics;	/* NULL: none */
	long long		 stats_ms;	/* when depth was read */
	long long		 depth, oldest_us;
	ino_t			 notify_ino;	/* of the socket this one bound */
	/* Finished, not yet recorded, in the order they finished: the
	 * webhook's last_delivery and failure count follow that order. */
	struct job		*to_record, *to_record_last;
	int			 unrecorded;
	long long		 next_claim_ms;	/* monotonic */
	long long		 next_replay_ms;
	long long		 next_purge_ms;
	struct purge_batch	 pass;		/* the purge pass so far */
	long long		 pass_batches, pass_longest_ms, pass_start_ms;
	long long		 next_record_ms;
	unsigned long long	 sent_ok, sent_failed;
	unsigned long long	 conflicts;	/* commits another node won */
};

static void
on_stop(int sig)
{
	stop_requested = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: webhook-dispatcher [-n] -c CONFIG\n");
	exit(2);
}

/* A unix datagram socket webhookd pokes after queueing a delivery. */
static int
notify_open(const char *path, ino_t *ino)
{
	struct sockaddr_un	sun;
	int			fd;

	if (path == NULL || *path == '\0')
		return -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warn("dispatcher_notify: path too long; polling only");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);	/* length checked */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	unlink(path);
	struct stat st;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || stat(path, &st) == -1) {
		log_warn("dispatcher_notify %s: %s; polling only", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	*ino = st.st_ino;
	return fd;
}

/* The figures of a scrape; the queue's at most WH_METRICS_STATS_MS old, so
 * that scrapes cost the database one query a second at most. */
static void
metrics_fill(void *ctx, struct metrics_vals *v)
{
	struct disp	*d = ctx;
	long long	 now = time_mono_ms();

	if (d->stats_ms == 0 || now - d->stats_ms >= WH_METRICS_STATS_MS) {
		if (dq_stats(d->db, &d->depth, &d->oldest_us) != DB_OK)
			d->depth = -1;
		d->stats_ms = now;
	}
	v->depth = d->depth;
	v->oldest_us = d->oldest_us;
	v->inflight = d->inflight;
	v->unrecorded = d->unrecorded;
	v->ok = d->sent_ok;
	v->failed = d->sent_failed;
	v->conflicts = d->conflicts;
}

/* A short, random wait after a claim or a record that another node's
 * commit won (Galera's certification): soon, but not in step with it. */
static long long
conflict_backoff_ms(struct disp *d)
{
	unsigned	r;

	d->conflicts++;
	crypto_random(&r, sizeof(r));
	return 1 + (long long)(r % WH_DISPATCH_CONFLICT_MS);
}

struct claim_ctx {
	struct disp		*d;
	unsigned long long	 claim;
	/* Deliveries to cancel: done after the claimed rows are read, as
	 * the connection is busy while they are. */
	char			 cancel[WH_DQ_MAX_BATCH][WH_UUID_LEN + 1];
	int			 ncancel;
	/* Claimed, but their webhook or host is full: given back. */
	char			 release[WH_DQ_MAX_BATCH][WH_UUID_LEN + 1];
	int			 nrelease;
};

static void	finished(struct disp *, struct job *);

/* A claimed delivery held back: its row (the body copied), its claim. */
struct held {
	struct dq_job_row	 row;
	char			*body;
	unsigned long long	 claim;
	uint64_t		 host;
	long long		 since_ms;
	struct held		*next;
};

/* Starts a delivery its caps allow (fair_take said FAIR_GO, or the row
 * cannot be sent at all: r->bad). */
static void
launch(struct disp *d, const struct dq_job_row *r, unsigned long long claim,
    uint64_t host)
{
	struct job	*j;

	if ((j = job_new(r, &d->conf, &d->keys, claim)) == NULL) {
		if (r->bad == NULL)
			fair_done(d->fair, r->webhook_id, host);
		return;		/* out of memory: the lease brings it back */
	}
	j->host = host;
	if (j->not_sent != NULL) {
		/* Nothing to send: its failed attempt is recorded at once. */
		if (r->bad == NULL)
			fair_done(d->fair, j->webhook_id, host);
		finished(d, j);
		return;
	}
	if (curl_multi_add_handle(d->multi, j->easy) != CURLM_OK) {
		fair_done(d->fair, j->webhook_id, host);
		job_free(j);
		return;
	}
	d->inflight++;
}

/* Keeps a claimed row to start when its webhook and host have room;
 * -1 when there is no room to keep it (give it back). */
static int
hold(struct disp *d, const struct dq_job_row *r, unsigned long long claim,
    uint64_t host)
{
	struct held	*h;

	if (d->hold_ms <= 0 || !fair_hold(d->fair, r->webhook_id))
		return -1;
	if ((h = malloc(sizeof(*h))) == NULL ||
	    (h->body = malloc(r->body_len + 1)) == NULL) {
		free(h);
		fair_unhold(d->fair, r->webhook_id);
		return -1;
	}
	h->row = *r;
	memcpy(h->body, r->body, r->body_len);
	h->body[r->body_len] = '\0';
	h->row.body = h->body;
	h->claim = claim;
	h->host = host;
	h->since_ms = time_mono_ms();
	h->next = NULL;
	if (d->held == NULL)
		d->held = h;
	else
		d->held_last->next = h;
	d->held_last = h;
	d->nheld++;
	return 0;
}

static void
held_free(struct held *h)
{
	explicit_bzero(h->row.secret, sizeof(h->row.secret));
	explicit_bzero(h->row.prev_secret, sizeof(h->row.prev_secret));
	free(h->body);
	free(h);
}

/* Claimed deliveries to give back, gathered so that one statement gives
 * back a run of them under the same claim. */
struct giveback {
	char			id[WH_DQ_MAX_BATCH][WH_UUID_LEN + 1];
	int			n;
	unsigned long long	claim;
};

static void
giveback_flush(struct disp *d, struct giveback *g)
{
	if (g->n > 0)
		dq_release(d->db, g->claim, g->id, g->n);	/* else: lease */
	g->n = 0;
}

static void
giveback_add(struct disp *d, struct giveback *g, const char *id,
    unsigned long long claim)
{
	if (g->n > 0 && (g->claim != claim || g->n == WH_DQ_MAX_BATCH))
		giveback_flush(d, g);
	g->claim = claim;
	memcpy(g->id[g->n++], id, WH_UUID_LEN + 1);
}

/*
 * Whether the held row h may start now (its webhook and host counted when
 * it may): there is a free transfer, its caps allow it, and, when it has
 * waited WH_DISPATCH_RECHECK_MS or more, it is still this claim's, with a
 * fresh lease.  *gone is set when it no longer is (forget it).
 */
static int
held_may_start(struct disp *d, struct held *h, long long now, int *gone)
{
	enum db_rc	rc;

	*gone = 0;
	if (d->inflight >= d->conf.dispatcher_concurrency ||
	    fair_take(d->fair, h->row.webhook_id, h->host) != FAIR_GO)
		return 0;
	if (now - h->since_ms < WH_DISPATCH_RECHECK_MS)
		return 1;
	/* Cancelled or redelivered while it waited: sending it now could
	 * send it twice, or to a webhook that was disabled. */
	if ((rc = dq_renew(d->db, h->row.id, h->claim,
	    d->conf.dispatcher_lease_ms * 1000)) == DB_OK)
		return 1;
	fair_done(d->fair, h->row.webhook_id, h->host);
	*gone = rc == DB_NOTFOUND;
	return 0;
}

/*
 * Starts the held deliveries that may start now, oldest first; gives back
 * those that waited hold_ms (or all, when stopping), and forgets those
 * that are no longer this dispatcher's.
 */
static void
start_held(struct disp *d, int give_all_back)
{
	struct held	**pp = &d->held, *h;
	struct giveback	  g = { .n = 0 };
	long long	  now = time_mono_ms();
	int		  go, gone;

	d->held_last = NULL;
	while ((h = *pp) != NULL) {
		go = gone = 0;
		if (give_all_back || now - h->since_ms >= d->hold_ms)
			giveback_add(d, &g, h->row.id, h->claim);
		else if (!(go = held_may_start(d, h, now, &gone)) && !gone) {
			d->held_last = h;
			pp = &h->next;
			continue;
		}
		*pp = h->next;
		d->nheld--;
		fair_unhold(d->fair, h->row.webhook_id);
		if (go)
			launch(d, &h->row, h->claim, h->host);
		held_free(h);
	}
	giveback_flush(d, &g);
}

/* The soonest a held delivery must be given back (monotonic ms), or -1. */
static long long
held_deadline(const struct disp *d)
{
	/* Oldest first: the head waited longest. */
	return d->held != NULL ? d->held->since_ms + d->hold_ms : -1;
}

/* One claimed delivery: start it, hold it or give it back when its
 * webhook or host is full, or cancel it when it may not go out. */
static int
start_job(void *vctx, const struct dq_job_row *r)
{
	struct claim_ctx	*x = vctx;
	struct disp		*d = x->d;
	uint64_t		 host;

	if (!r->webhook_exists || (!r->manual &&
	    strcmp(r->webhook_status, "enabled") != 0)) {
		log_info("delivery %s: webhook %s %s; cancelled", r->id,
		    r->webhook_id, r->webhook_exists ? "disabled" : "deleted");
		if (x->ncancel < WH_DQ_MAX_BATCH)
			memcpy(x->cancel[x->ncancel++], r->id, WH_UUID_LEN + 1);
		return 0;
	}
	host = fair_host_key(r->endpoint_url);
	if (r->bad == NULL &&
	    fair_take(d->fair, r->webhook_id, host) != FAIR_GO) {
		if (hold(d, r, x->claim, host) == 0)
			return 0;
		/* Given back: claims skip it while its webhook or host is
		 * full, instead of claiming it again every poll. */
		fair_park(d->fair, r->webhook_id, host);
		if (x->nrelease < WH_DQ_MAX_BATCH)
			memcpy(x->release[x->nrelease++], r->id, WH_UUID_LEN + 1);
		return 0;
	}
	launch(d, r, x->claim, host);
	return 0;
}

static void
claim(struct disp *d)
{
	struct claim_ctx	x;
	int			room = d->conf.dispatcher_concurrency - d->inflight;
	int			n = room < d->conf.dispatcher_batch ? room :
				    d->conf.dispatcher_batch, got = 0;
	long long		now = time_mono_ms();

	/* Outcomes not yet recorded come first: claiming again could
	 * resend deliveries whose lease ran out during an outage. */
	if (n <= 0 || now < d->next_claim_ms || d->to_record != NULL)
		return;
	memset(&x, 0, sizeof(x));
	x.d = d;
	crypto_random(&x.claim, sizeof(x.claim));
	x.claim &= 0x7fffffffffffffffULL;
	if (fair_exclusions(d->fair, &d->exclude) == -1) {
		d->next_claim_ms = now + WH_DISPATCH_DB_RETRY_MS;
		return;
	}
	switch (dq_claim(d->db, x.claim, n, d->conf.dispatcher_lease_ms * 1000,
	    d->exclude.data, start_job, &x, &got)) {
	case DB_OK:
		for (int i = 0; i < x.ncancel; i++)
			dq_cancel(d->db, x.cancel[i], x.claim);	/* else: lease */
		if (x.nrelease > 0)
			dq_release(d->db, x.claim, x.release, x.nrelease);
		/*
		 * A full batch: more may be due, claim again at once.  So too
		 * once after a claim that held rows back (their webhooks are
		 * skipped from now on, so others' rows come next); otherwise
		 * wait to poll.
		 */
		d->next_claim_ms = (got >= n && x.nrelease == 0) ||
		    (x.nrelease > 0 && !d->trimmed_last) ? now :
		    now + d->conf.dispatcher_poll_ms;
		d->trimmed_last = x.nrelease > 0;
		break;
	case DB_DEADLOCK:
		/* Another node claimed some of these rows first: nothing
		 * was claimed here; claim again. */
		d->next_claim_ms = now + conflict_backoff_ms(d);
		break;
	default:
		d->next_claim_ms = now + WH_DISPATCH_DB_RETRY_MS;
		break;
	}
}

static void
log_attempt(const struct job *j)
{
	const struct dq_result *r = &j->res;

	log_info("delivery %s webhook %s event %s attempt %d: %s%s%s "
	    "code %d in %lld ms -> %s%s%s", j->id, j->webhook_id, j->event_id,
	    j->attempts + 1, r->error_class ? r->error_class : "ok",
	    r->error ? ": " : "", r->error ? r->error : "", r->response_code,
	    r->duration_ms, r->status, r->next_at_db ? " at " : "",
	    r->next_at_db ? r->next_at_db : "");
}

/* Queues a job whose outcome is known for recording, in finishing order. */
static void
finished(struct disp *d, struct job *j)
{
	if (j->res.error_class == NULL)
		d->sent_ok++;
	else
		d->sent_failed++;
	log_attempt(j);
	j->next = NULL;
	if (d->to_record == NULL)
		d->to_record = j;
	else
		d->to_record_last->next = j;
	d->to_record_last = j;
	d->unrecorded++;
}

/* Moves finished transfers to the record queue. */
static void
collect(struct disp *d)
{
	CURLMsg		*m;
	struct job	*j;
	int		 left;

	while ((m = curl_multi_info_read(d->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		job_result(j, m->data.result, &d->conf, &j->res, j->res_next,
		    j->res_err);
		curl_multi_remove_handle(d->multi, j->easy);
		d->inflight--;
		fair_done(d->fair, j->webhook_id, j->host);
		finished(d, j);
	}
	start_held(d, 0);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Locks each webhook of the queued outcomes once, in id order. */
static enum db_rc
lock_webhooks(struct disp *d)
{
	const char	**ids;
	struct job	 *j;
	enum db_rc	  rc = DB_OK;
	int		  n = 0;

	if ((ids = calloc((size_t)d->unrecorded, sizeof(*ids))) == NULL)
		return DB_ERR;
	for (j = d->to_record; j != NULL && n < d->unrecorded; j = j->next)
		ids[n++] = j->webhook_id;
	qsort(ids, (size_t)n, sizeof(*ids), cmp_id);
	for (int i = 0; i < n && rc == DB_OK; i++)
		if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0)
			if ((rc = db_webhook_lock(d->db, ids[i])) == DB_NOTFOUND)
				rc = DB_OK;	/* deleted: nothing to lock */
	free(ids);
	return rc;
}

/* Writes the queued outcomes in one transaction; keeps them on failure. */
static void
record(struct disp *d)
{
	char		 now[32];
	struct job	*j, *next;
	enum db_rc	 rc;
	int		 lost;

	if (d->to_record == NULL || time_mono_ms() < d->next_record_ms)
		return;
	time_now(NULL, now);
	if ((rc = db_begin(d->db)) == DB_OK) {
		rc = lock_webhooks(d);
		for (j = d->to_record; j != NULL && rc == DB_OK; j = j->next) {
			rc = dq_record(d->db, &j->res, d->conf.disable_after_failures,
			    d->conf.disable_after_ms * 1000, now, &lost);
			if (rc == DB_OK && lost)
				log_warn("delivery %s: the claim expired before "
				    "the attempt was recorded", j->id);
		}
		if (rc == DB_OK)
			rc = db_commit(d->db);
		else
			db_rollback(d->db);
	}
	if (rc == DB_DEADLOCK) {
		log_info("recording %d attempts conflicted with another "
		    "transaction; retrying", d->unrecorded);
		d->next_record_ms = time_mono_ms() + conflict_backoff_ms(d);
		return;
	}
	if (rc != DB_OK) {
		log_warn("recording %d attempts failed (%s); retrying",
		    d->unrecorded, db_error(d->db));
		d->next_record_ms = time_mono_ms() + WH_DISPATCH_DB_RETRY_MS;
		return;
	}
	for (j = d->to_record; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	d->to_record = d->to_record_last = NULL;
	d->unrecorded = 0;
}

static void
drain_notify(struct disp *d)
{
	char	buf[64];

	while (recv(d->notify_fd, buf, sizeof(buf), 0) > 0)
		d->next_claim_ms = 0;
}

/*
 * One step of a replay job (db_replay_step) when one is due: every
 * WH_REPLAY_STEP_MS while jobs have work, every WH_REPLAY_IDLE_MS when
 * none is running.  What a step requeued is claimed at once.
 */
static void
replay(struct disp *d)
{
	struct replay_step	st;
	long long		now = time_mono_ms();
	enum db_rc		rc;

	if (now < d->next_replay_ms || d->to_record != NULL)
		return;
	rc = db_replay_step(d->db, d->conf.manual_pending_max, &st);
	if (rc == DB_DEADLOCK) {	/* another node stepped it */
		d->next_replay_ms = now + conflict_backoff_ms(d);
		return;
	}
	if (rc != DB_OK) {
		log_warn("replay step: %s", db_error(d->db));
		d->next_replay_ms = now + WH_DISPATCH_DB_RETRY_MS;
		return;
	}
	d->next_replay_ms = now + (st.none ? WH_REPLAY_IDLE_MS :
	    WH_REPLAY_STEP_MS);
	if (st.none)
		return;
	if (st.requeued > 0)
		d->next_claim_ms = now;
	if (st.finished)
		log_info("replay %s of webhook %s finished", st.id,
		    st.webhook_id);
	else
		log_debug("replay %s: %lld requeued, %lld skipped%s", st.id,
		    st.requeued, st.skipped, st.waiting ? " (webhook full)" : "");
}

/*
 * One purge batch (db_purge_batch) when one is due: every
 * WH_PURGE_PAUSE_MS while a pass finds more, every WH_PURGE_INTERVAL_MS
 * once it has caught up; a pass that purged anything is logged with its
 * longest batch (the longest any row was locked for it).
 */
static void
purge(struct disp *d)
{
	struct purge_batch	b;
	long long		now = time_mono_ms(), took;
	enum db_rc		rc;

	if (d->conf.event_retention_days == 0 || now < d->next_purge_ms ||
	    d->to_record != NULL)
		return;
	if (d->pass_batches == 0)
		d->pass_start_ms = now;
	rc = db_purge_batch(d->db, d->conf.event_retention_days, &b);
	took = time_mono_ms() - now;
	if (rc == DB_DEADLOCK) {	/* another node purged those rows */
		d->next_purge_ms = now + WH_PURGE_PAUSE_MS + conflict_backoff_ms(d);
		return;
	}
	if (rc != DB_OK) {
		log_warn("purge: %s", db_error(d->db));
		d->next_purge_ms = now + WH_DISPATCH_DB_RETRY_MS;
		return;
	}
	d->pass_batches++;
	if (took > d->pass_longest_ms)
		d->pass_longest_ms = took;
	d->pass.deliveries += b.deliveries;
	d->pass.attempts += b.attempts;
	d->pass.events += b.events;
	d->pass.replays += b.replays;
	if (b.more) {
		d->next_purge_ms = now + WH_PURGE_PAUSE_MS;
		return;
	}
	if (d->pass.deliveries + d->pass.events + d->pass.replays > 0)
		log_info("purged what is older than %d days: %lld deliveries "
		    "(%lld attempts), %lld events, %lld replays in %lld batches, "
		    "%lld ms; the longest batch %lld ms",
		    d->conf.event_retention_days, d->pass.deliveries,
		    d->pass.attempts, d->pass.events, d->pass.replays,
		    d->pass_batches, time_mono_ms() - d->pass_start_ms,
		    d->pass_longest_ms);
	memset(&d->pass, 0, sizeof(d->pass));
	d->pass_batches = d->pass_longest_ms = 0;
	d->next_purge_ms = now + WH_PURGE_INTERVAL_MS;
}

/* Waits for transfers, a wake-up, a scrape or the next claim time. */
static void
wait_events(struct disp *d)
{
	struct curl_waitfd	 extra[2 + WH_METRICS_CLIENTS];
	int			 mfds[1 + WH_METRICS_CLIENTS];
	unsigned		 n = 0;
	long long		 now = time_mono_ms(), due, wait, mdue;
	int			 got, nm;

	/* No claim happens while outcomes wait to be written: then the
	 * next write (after a failed one) is what is due. */
	if (d->to_record != NULL)
		due = d->next_record_ms;
	else if (d->inflight >= d->conf.dispatcher_concurrency ||
	    stop_requested)
		due = now + 1000;
	else
		due = d->next_claim_ms;
	if (!stop_requested && d->to_record == NULL && d->next_replay_ms < due)
		due = d->next_replay_ms;
	if (!stop_requested && d->to_record == NULL &&
	    d->conf.event_retention_days > 0 && d->next_purge_ms < due)
		due = d->next_purge_ms;
	/* A scrape that sends nothing is closed at its deadline. */
	if ((mdue = metrics_deadline(d->metrics)) != -1 && mdue < due)
		due = mdue;
	/* A held delivery is given back on time, not at the next poll. */
	if ((mdue = held_deadline(d)) != -1 && mdue < due)
		due = mdue;
	wait = due > now ? due - now : 0;
	if (d->notify_fd != -1)
		extra[n++] = (struct curl_waitfd){ d->notify_fd, CURL_WAIT_POLLIN, 0 };
	nm = metrics_fds(d->metrics, mfds, 1 + WH_METRICS_CLIENTS);
	for (int i = 0; i < nm; i++)
		extra[n++] = (struct curl_waitfd){ mfds[i], CURL_WAIT_POLLIN, 0 };
	curl_multi_poll(d->multi, extra, n, (int)wait, &got);
	for (unsigned i = 0; i < n; i++) {
		if (!(extra[i].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)))
			continue;
		if (extra[i].fd == d->notify_fd)
			drain_notify(d);
		else
			metrics_ready(d->metrics, extra[i].fd, metrics_fill, d);
	}
	metrics_ready(d->metrics, -1, metrics_fill, d);		/* deadlines */
}

static int
run(struct disp *d)
{
	int	running;

	log_info("dispatching: concurrency %d (%d per webhook, %d per host), "
	    "batch %d, %d retries", d->conf.dispatcher_concurrency,
	    d->conf.dispatcher_per_webhook, d->conf.dispatcher_per_host,
	    d->conf.dispatcher_batch, d->conf.retry_n);
	while (!stop_requested || d->inflight > 0 || d->to_record != NULL ||
	    d->nheld > 0) {
		record(d);
		if (stop_requested && d->nheld > 0)
			start_held(d, 1);	/* back to the queue at once */
		if (!stop_requested) {
			replay(d);
			purge(d);
			claim(d);
		}
		curl_multi_perform(d->multi, &running);
		collect(d);
		record(d);
		if (stop_requested && d->inflight == 0 && d->to_record != NULL &&
		    time_mono_ms() < d->next_record_ms) {
			/* Stopping with the database away: the leases bring
			 * these deliveries back; do not wait forever. */
			log_warn("stopping with %d attempts unrecorded",
			    d->unrecorded);
			break;
		}
		wait_events(d);
	}
	log_info("stopped");
	return 0;
}

static int
setup(struct disp *d, const char *cfg)
{
	char			err[512];
	struct sigaction	sa;

	conf_defaults(&d->conf);
	if (conf_load(&d->conf, cfg, err, sizeof(err)) == -1 ||
	    (d->conf.key_file == NULL && snprintf(err, sizeof(err),
	    "%s: key_file: missing", cfg) > 0) ||
	    crypto_keys_load(&d->keys, d->conf.key_file, err, sizeof(err)) == -1) {
		fprintf(stderr, "webhook-dispatcher: %s\n", err);
		return -1;
	}
	log_set_level(d->conf.log_level);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* nothing to reload; never die of it */
	if ((d->db = db_new(&d->conf)) == NULL ||
	    (d->multi = curl_multi_init()) == NULL ||
	    (d->fair = fair_new(d->conf.dispatcher_per_webhook,
	    d->conf.dispatcher_per_host, d->conf.dispatcher_concurrency,
	    WH_DISPATCH_HELD / 2, WH_DISPATCH_HELD)) == NULL)
		return -1;
	/* A held delivery must start early enough to finish within its
	 * lease (none is held when the lease is that short). */
	d->hold_ms = d->conf.dispatcher_lease_ms - d->conf.delivery_timeout_ms -
	    WH_DISPATCH_HOLD_MARGIN_MS;
	curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)d->conf.dispatcher_concurrency);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct disp	 d;
	const char	*cfg = NULL;
	int		 ch, check = 0, rc = 1;

	memset(&d, 0, sizeof(d));
	d.notify_fd = -1;
	while ((ch = getopt(argc, argv, "c:nV")) != -1) {
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'n': check = 1; break;
		case 'V': printf("webhook-dispatcher %s\n", PACKAGE_VERSION); return 0;
		default: usage();
		}
	}
	if (cfg == NULL || optind != argc)
		usage();
	log_set_ident("webhook-dispatcher");
	if (crypto_init() == -1 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "webhook-dispatcher: library initialisation failed\n");
		return 1;
	}
	if (setup(&d, cfg) == 0) {
		if (check) {
			printf("webhook-dispatcher: %s: configuration OK\n", cfg);
			rc = 0;
		} else {
			/* Only a real run takes over the sockets: -n must not
			 * replace a running dispatcher's wake-up socket. */
			d.notify_fd = notify_open(d.conf.dispatcher_notify,
			    &d.notify_ino);
			d.metrics = metrics_open(d.conf.metrics_listen);
			rc = run(&d);
		}
	}
	if (d.notify_fd != -1) {
		struct stat st;
		close(d.notify_fd);
		/* Another dispatcher may have bound the path since. */
		if (stat(d.conf.dispatcher_notify, &st) == 0 &&
		    st.st_ino == d.notify_ino)
			unlink(d.conf.dispatcher_notify);
	}
	metrics_close(d.metrics);
	for (struct held *h = d.held, *n; h != NULL; h = n) {
		n = h->next;
		held_free(h);
	}
	for (struct job *j = d.to_record, *n; j != NULL; j = n) {
		n = j->next;
		job_free(j);
	}
	if (d.multi != NULL)
		curl_multi_cleanup(d.multi);
	db_free(d.db);
	fair_free(d.fair);
	buf_free(&d.exclude);
	crypto_keys_free(&d.keys);
	conf_free(&d.conf);
	curl_global_cleanup();
	return rc;
}
