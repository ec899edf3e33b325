/* SPDX-License-Identifier: MIT */
/* pool.c: a php-fpm-like static prefork master for the FastCGI workers. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"
#include "timeutil.h"


struct slot {
	pid_t		pid;		/* 0: to be started */
	long long	started_ms;
	long long	not_before_ms;	/* respawn back-off */
	long long	backoff_ms;
};

/* A decimal environment value, or -1. */
static long
env_number(const char *name)
{
	const char	*v = getenv(name);
	char		*end;
	long		 n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : n;
}

int
pool_activated(char *err, size_t errlen)
{
	long		pid = env_number("LISTEN_PID");
	long		nfds = env_number("LISTEN_FDS");
	int		v = 0, type = 0;
	socklen_t	l = sizeof(v), tl = sizeof(type);

	if (pid != (long)getpid() || getenv("LISTEN_FDS") == NULL)
		return -1;		/* not for us (or no activation) */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (nfds != 1) {
		snprintf(err, errlen, "socket activation: LISTEN_FDS is %s, "
		    "expected one socket", nfds < 0 ? "not a number" : "not 1");
		return -2;
	}
	if (getsockopt(POOL_ACTIVATED_FD, SOL_SOCKET, SO_TYPE, &type,
	    &tl) == -1 || type != SOCK_STREAM ||
	    getsockopt(POOL_ACTIVATED_FD, SOL_SOCKET, SO_ACCEPTCONN, &v,
	    &l) == -1 || !v) {
		snprintf(err, errlen, "socket activation: fd %d is not a "
		    "listening stream socket", POOL_ACTIVATED_FD);
		return -2;
	}
	return POOL_ACTIVATED_FD;
}

static int
listen_unix(const struct conf *c, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->listen) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "listen: path too long");
		return -1;
	}
	memcpy(sun.sun_path, c->listen, strlen(c->listen) + 1);	/* checked */
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		goto fail;
	/* Refuse to steal the socket of a running instance. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(fd);
		snprintf(err, errlen, "listen: %s: another instance is "
		    "listening", c->listen);
		return -1;
	}
	unlink(c->listen);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(c->listen, c->listen_mode) == -1 ||
	    listen(fd, c->listen_backlog) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen: %s: %s", c->listen, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

static int
listen_tcp(const struct conf *c, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon = strrchr(c->listen, ':');
	int		 fd = -1, one = 1, rc;

	if (colon == NULL || (size_t)(colon - c->listen) >= sizeof(host) ||
	    colon == c->listen) {
		snprintf(err, errlen, "listen: expected a path or host:port");
		return -1;
	}
	memcpy(host, c->listen, (size_t)(colon - c->listen));
	host[colon - c->listen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "listen: %s: %s", c->listen,
		    gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, c->listen_backlog) == -1) {
		snprintf(err, errlen, "listen: %s: %s", c->listen,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
pool_listen(const struct conf *c, char *err, size_t errlen)
{
	if (c->listen == NULL || *c->listen == '\0') {
		snprintf(err, errlen, "listen: missing");
		return -1;
	}
	return c->listen[0] == '/' || c->listen[0] == '.' ?
	    listen_unix(c, err, errlen) : listen_tcp(c, err, errlen);
}

static void
spawn(struct slot *s, int fd, worker_fn fn, void *arg, const sigset_t *old)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		log_error("fork: %s", strerror(errno));
		s->not_before_ms = time_mono_ms() + WH_POOL_FORK_RETRY_MS;
		return;
	}
	if (pid == 0) {
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, old, NULL);
		exit(fn(fd, arg));	/* exit: sanitizers check the worker too */
	}
	s->pid = pid;
	s->started_ms = time_mono_ms();
}

/* Notes a dead worker and plans its restart. */
static void
bury(struct slot *slots, int n, pid_t pid, int status, int stopping)
{
	for (int i = 0; i < n; i++) {
		struct slot *s = &slots[i];
		long long lived;

		if (s->pid != pid)
			continue;
		s->pid = 0;
		lived = time_mono_ms() - s->started_ms;
		if (WIFSIGNALED(status))
			log_error("worker %ld killed by signal %d after %lld ms",
			    (long)pid, WTERMSIG(status), lived);
		else if (WEXITSTATUS(status) != 0 || !stopping)
			log_info("worker %ld exited with %d after %lld ms",
			    (long)pid, WEXITSTATUS(status), lived);
		/* Clean exits (recycling) restart at once; quick crashes
		 * back off so a broken worker cannot spin the machine. */
		if ((WIFSIGNALED(status) || WEXITSTATUS(status) != 0) &&
		    lived < WH_POOL_FAST_EXIT_MS) {
			s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 100;
			if (s->backoff_ms > WH_POOL_MAX_BACKOFF_MS)
				s->backoff_ms = WH_POOL_MAX_BACKOFF_MS;
		} else
			s->backoff_ms = 0;
		s->not_before_ms = time_mono_ms() + s->backoff_ms;
	}
}

static int
alive(const struct slot *slots, int n)
{
	int	k = 0;

	for (int i = 0; i < n; i++)
		k += slots[i].pid != 0;
	return k;
}

static void
signal_all(const struct slot *slots, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, sig);
}

int
pool_run(const struct conf *c, int fd, worker_fn fn, void *arg)
{
	struct slot	 slots[WH_POOL_MAX_WORKERS];
	sigset_t	 set, old;
	struct timespec	 tick = { 0, 200 * 1000000 };
	int		 n = c->workers, stopping = 0, status;
	long long	 deadline = 0;
	pid_t		 pid;

	memset(slots, 0, sizeof(slots));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	log_info("starting %d workers on %s", n, c->listen);
	for (;;) {
		for (int i = 0; i < n && !stopping; i++)
			if (slots[i].pid == 0 && time_mono_ms() >= slots[i].not_before_ms)
				spawn(&slots[i], fd, fn, arg, &old);
		switch (sigtimedwait(&set, NULL, &tick)) {
		case SIGTERM:
		case SIGINT:
			if (!stopping) {
				log_info("stopping: draining %d workers",
				    alive(slots, n));
				stopping = 1;
				deadline = time_mono_ms() + c->shutdown_timeout * 1000LL;
				signal_all(slots, n, SIGTERM);
			}
			break;
		case SIGHUP:
			log_info("SIGHUP: restarting workers");
			signal_all(slots, n, SIGTERM);
			break;
		default:
			break;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			bury(slots, n, pid, status, stopping);
		if (stopping && alive(slots, n) == 0)
			break;
		if (stopping && time_mono_ms() > deadline) {
			log_warn("shutdown_timeout passed: killing %d workers",
			    alive(slots, n));
			signal_all(slots, n, SIGKILL);
			deadline = time_mono_ms() + 60000;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_info("stopped");
	return 0;
}
