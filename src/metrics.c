/* SPDX-License-Identifier: MIT */
/* metrics.c: /metrics for the dispatcher: non-blocking accept, a few
 * clients at a time each under a deadline, one short answer. */
#include "config.h"	/* first: it selects the GNU extensions */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "timeutil.h"
#include "wh_limits.h"

struct client {
	int		fd;		/* -1: free */
	long long	deadline_ms;
	size_t		got;		/* request bytes read */
	char		tail[3];	/* the last bytes read, for a blank line
					 * split across reads */
	size_t		ntail;
};

struct metrics {
	int		listen_fd;
	struct client	c[WH_METRICS_CLIENTS];
};

static int
listen_on(const char *spec)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon;
	int		 fd = -1, one = 1;

	if ((colon = strrchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof(host)) {
		log_warn("metrics_listen: expected host:port");
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		log_warn("metrics_listen %s: cannot resolve", spec);
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 16) == -1) {
		log_warn("metrics_listen %s: %s", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

struct metrics *
metrics_open(const char *spec)
{
	struct metrics	*m;

	if (spec == NULL || *spec == '\0')
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	for (int i = 0; i < WH_METRICS_CLIENTS; i++)
		m->c[i].fd = -1;
	if ((m->listen_fd = listen_on(spec)) == -1) {
		free(m);
		return NULL;
	}
	return m;
}

static void
drop(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	for (int i = 0; i < WH_METRICS_CLIENTS; i++)
		drop(&m->c[i]);
	close(m->listen_fd);
	free(m);
}

int
metrics_fds(const struct metrics *m, int *fds, int max)
{
	int	n = 0, busy = 0;

	if (m == NULL)
		return 0;
	for (int i = 0; i < WH_METRICS_CLIENTS && n < max; i++)
		if (m->c[i].fd != -1) {
			fds[n++] = m->c[i].fd;
			busy++;
		}
	/* The listener only when a connection could be taken: one waiting
	 * while every slot is busy would wake the loop for nothing. */
	if (busy < WH_METRICS_CLIENTS && n < max)
		fds[n++] = m->listen_fd;
	return n;
}

long long
metrics_deadline(const struct metrics *m)
{
	long long	soonest = -1;

	for (int i = 0; m != NULL && i < WH_METRICS_CLIENTS; i++)
		if (m->c[i].fd != -1 && (soonest == -1 ||
		    m->c[i].deadline_ms < soonest))
			soonest = m->c[i].deadline_ms;
	return soonest;
}

/* Accepts what waits, while there is a free slot (the rest wait in the
 * listen backlog: a crowd of idle clients only delays scrapes). */
static void
accept_clients(struct metrics *m)
{
	for (int i = 0; i < WH_METRICS_CLIENTS; i++) {
		if (m->c[i].fd != -1)
			continue;
		if ((m->c[i].fd = accept4(m->listen_fd, NULL, NULL,
		    SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1)
			return;
		m->c[i].deadline_ms = time_mono_ms() + WH_METRICS_TIMEOUT_MS;
		m->c[i].got = m->c[i].ntail = 0;
	}
}

/* The answer, written at once: it fits any socket buffer; a client that
 * cannot take it is dropped. */
static void
answer(struct client *c, const struct metrics_vals *v)
{
	char	body[1700], head[160];
	int	n;

	n = snprintf(body, sizeof(body),
	    "# HELP webhookd_queue_depth Deliveries due now and not claimed.\n"
	    "# TYPE webhookd_queue_depth gauge\n"
	    "webhookd_queue_depth %lld\n"
	    "# HELP webhookd_oldest_due_seconds How long the oldest due delivery has waited.\n"
	    "# TYPE webhookd_oldest_due_seconds gauge\n"
	    "webhookd_oldest_due_seconds %.3f\n"
	    "# HELP webhookd_in_flight Deliveries being sent by this dispatcher.\n"
	    "# TYPE webhookd_in_flight gauge\n"
	    "webhookd_in_flight %d\n"
	    "# HELP webhookd_unrecorded Attempts waiting for the database.\n"
	    "# TYPE webhookd_unrecorded gauge\n"
	    "webhookd_unrecorded %d\n"
	    "# HELP webhookd_attempts_total Attempts made by this dispatcher.\n"
	    "# TYPE webhookd_attempts_total counter\n"
	    "webhookd_attempts_total{result=\"succeeded\"} %llu\n"
	    "webhookd_attempts_total{result=\"failed\"} %llu\n"
	    "# HELP webhookd_claim_conflicts_total Claims or records a database "
	    "cluster refused at commit (retried).\n"
	    "# TYPE webhookd_claim_conflicts_total counter\n"
	    "webhookd_claim_conflicts_total %llu\n"
	    "# HELP webhookd_database_up Whether the last queue query worked.\n"
	    "# TYPE webhookd_database_up gauge\n"
	    "webhookd_database_up %d\n",
	    v->depth < 0 ? 0 : v->depth, (double)v->oldest_us / 1e6,
	    v->inflight, v->unrecorded, v->ok, v->failed, v->conflicts,
	    v->depth >= 0);
	snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\nContent-Type: "
	    "text/plain; version=0.0.4\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n", n);
	(void)!send(c->fd, head, strlen(head), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)!send(c->fd, body, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	drop(c);
}

/* Does what c read before, followed by the n bytes at p, hold the blank
 * line that ends a request head?  Keeps p's last bytes for the next read. */
static int
head_ends(struct client *c, const char *p, size_t n)
{
	char	buf[sizeof(c->tail) + 1024];
	size_t	len = c->ntail + n, keep;
	int	found;

	memcpy(buf, c->tail, c->ntail);
	memcpy(buf + c->ntail, p, n);
	found = memmem(buf, len, "\r\n\r\n", 4) != NULL ||
	    memmem(buf, len, "\n\n", 2) != NULL;
	keep = len < sizeof(c->tail) ? len : sizeof(c->tail);
	memcpy(c->tail, buf + len - keep, keep);
	c->ntail = keep;
	return found;
}

/* Reads what the client sent; answers once the request's head is in
 * (or its buffer is full: the path does not matter). */
static void
serve(struct client *c, void (*fill)(void *, struct metrics_vals *),
    void *ctx)
{
	char			buf[1024];
	ssize_t			n;
	struct metrics_vals	v;
	int			done = 0;

	while (!done && (n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		c->got += (size_t)n;
		if (head_ends(c, buf, (size_t)n) ||
		    c->got >= WH_METRICS_REQUEST_MAX)
			done = 1;
	}
	if (n == 0 && !done) {		/* gone, or half-closed after sending */
		if (c->got == 0) {
			drop(c);
			return;
		}
		done = 1;
	}
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
		drop(c);
		return;
	}
	if (!done)
		return;
	memset(&v, 0, sizeof(v));
	fill(ctx, &v);
	answer(c, &v);
}

void
metrics_ready(struct metrics *m, int fd,
    void (*fill)(void *, struct metrics_vals *), void *ctx)
{
	long long	now = time_mono_ms();

	if (m == NULL)
		return;
	for (int i = 0; i < WH_METRICS_CLIENTS; i++) {
		if (m->c[i].fd == -1)
			continue;
		if (m->c[i].fd == fd)
			serve(&m->c[i], fill, ctx);
		else if (now >= m->c[i].deadline_ms)
			drop(&m->c[i]);
	}
	if (fd == m->listen_fd)
		accept_clients(m);
}
