/* SPDX-License-Identifier: MIT */
/* pool.h: the listening socket and the pre-forked worker pool. */
#ifndef WH_POOL_H
#define WH_POOL_H

#include "conf.h"

/* A worker's life: serve on fd until told to stop; returns exit status. */
typedef int (*worker_fn)(int fd, void *arg);

/*
 * Opens c->listen (a unix socket path, mode c->listen_mode, or
 * host:port) with c->listen_backlog.  Returns the fd, or -1 with a
 * message in err.  A stale unix socket is replaced; a live one is not.
 */
int	pool_listen(const struct conf *c, char *err, size_t errlen);

/*
 * The socket systemd passed (socket activation: LISTEN_PID is this
 * process, LISTEN_FDS is 1, fd 3 listens): returns 3 and removes the
 * variables from the environment; -1 when none was passed; -2 with a
 * message in err when one was passed that cannot serve (several fds, or
 * fd 3 not a listening stream socket).
 */
#define POOL_ACTIVATED_FD	3
int	pool_activated(char *err, size_t errlen);

/*
 * Runs c->workers copies of fn(fd, arg) in child processes, restarts any
 * that exit (with a back-off when they crash at once), and on SIGTERM or
 * SIGINT asks them to finish their request and waits up to
 * c->shutdown_timeout seconds before killing the rest.  Returns 0.
 */
int	pool_run(const struct conf *c, int fd, worker_fn fn, void *arg);

#endif
