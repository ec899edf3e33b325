/* SPDX-License-Identifier: MIT */
/* metrics.h: the dispatcher's Prometheus endpoint, served without ever
 * blocking the delivery loop. */
#ifndef WH_METRICS_H
#define WH_METRICS_H

/* What a scrape shows. */
struct metrics_vals {
	long long		depth;		/* due, not claimed; -1: unknown */
	long long		oldest_us;
	int			inflight, unrecorded;
	unsigned long long	ok, failed;
	unsigned long long	conflicts;	/* claims lost to another node */
};

struct metrics;

/* Listens on host:port (non-blocking); NULL when listen_on is empty or
 * the socket cannot be made (logged).  metrics_close accepts NULL. */
struct metrics	*metrics_open(const char *listen_on);
void		 metrics_close(struct metrics *);

/* The descriptors to poll for input (the listener, then the clients
 * waiting for their request), at most max; their count. */
int		 metrics_fds(const struct metrics *, int *fds, int max);

/* The soonest client deadline (CLOCK_MONOTONIC ms), or -1 for none. */
long long	 metrics_deadline(const struct metrics *);

/*
 * fd (one of metrics_fds) is readable: accepts a connection, or reads a
 * client's request and answers it with what fill puts in vals.  Also
 * closes clients past their deadline.  Never waits.
 */
void		 metrics_ready(struct metrics *, int fd,
		    void (*fill)(void *ctx, struct metrics_vals *), void *ctx);

#endif
