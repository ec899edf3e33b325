/* SPDX-License-Identifier: MIT */
/* webhookd.c: the FastCGI service: its own worker pool, or one worker
 * under spawn-fcgi with the listening socket on fd 0. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "config.h"
#include "crypto.h"
#include "fcgi_io.h"
#include "handlers.h"
#include "log.h"
#include "pool.h"
#include "service.h"
#include "tplcache.h"

static volatile sig_atomic_t stop_requested;

struct app {
	struct conf		conf;
	struct crypto_keys	keys;
};

static void
on_stop(int sig)
{
	stop_requested = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: webhookd [-n] -c CONFIG\n"
	    "  -c CONFIG  configuration file\n"
	    "  -n         check the configuration and the key file, then exit\n");
	exit(2);
}

/* SIGTERM/SIGINT end the accept loop; blocked while a request runs so
 * that database and FastCGI I/O are never interrupted halfway. */
static void
worker_signals(sigset_t *busy)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: accept() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(busy);
	sigaddset(busy, SIGTERM);
	sigaddset(busy, SIGINT);
}

static long long
elapsed_us(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void
serve_one(struct svc *svc, FCGX_Request *r, struct fcgi_body *body,
    struct resp *resp)
{
	struct req	q;
	struct timespec	t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	resp_reset(resp);
	fcgi_read_request(r, &q, body);
	service_handle(svc, &q, resp);
	fcgi_drain(r);
	fcgi_write_response(r, &q, resp);
	/* A body may hold a plain secret (secret_hash): not left behind. */
	if (body->buf.data != NULL)
		explicit_bzero(body->buf.data, body->buf.len);
	log_debug("%s %.*s %d %lldus id=%s", FCGX_GetParam("REQUEST_METHOD",
	    r->envp), (int)(q.path_len > 200 ? 200 : q.path_len), q.path,
	    resp->status, elapsed_us(&t0), q.request_id ? q.request_id : "-");
}

static int
worker_main(int fd, void *arg)
{
	struct app	*app = arg;
	struct svc	 svc = { .conf = &app->conf, .keys = &app->keys };
	struct fcgi_body body = { NULL, { 0 } };
	struct resp	 resp;
	FCGX_Request	 r;
	sigset_t	 busy;
	long		 served = 0;
	int		 rc;

	worker_signals(&busy);
	memset(&resp, 0, sizeof(resp));
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&r, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0 ||
	    (svc.db = db_new(&app->conf)) == NULL ||
	    (svc.auth = auth_cache_new(app->conf.token_cache_ttl)) == NULL ||
	    (svc.tpls = tpl_cache_new()) == NULL ||
	    svc_rows_init(&svc) == -1) {
		log_error("worker start-up failed");
		return 1;
	}
	/* Connect early so the first request does not pay for it; a
	 * database that is down now is retried on each request. */
	db_connect(svc.db);
	while (!stop_requested) {
		if ((rc = FCGX_Accept_r(&r)) < 0) {
			if (stop_requested)
				break;
			if (rc == -EMFILE || rc == -ENFILE) {
				log_warn("accept: out of file descriptors");
				usleep(100 * 1000);
			}
			continue;
		}
		sigprocmask(SIG_BLOCK, &busy, NULL);
		serve_one(&svc, &r, &body, &resp);
		fcgi_finish(&r);
		sigprocmask(SIG_UNBLOCK, &busy, NULL);
		if (app->conf.max_requests > 0 &&
		    ++served >= app->conf.max_requests) {
			log_info("recycling after %ld requests", served);
			break;
		}
	}
	FCGX_Free(&r, 0);
	resp_free(&resp);
	buf_free(&body.buf);
	auth_cache_free(svc.auth);
	tpl_cache_free(svc.tpls);
	svc_rows_free(&svc);
	db_free(svc.db);
	return 0;
}

/* Is fd 0 a listening socket (spawn-fcgi hands us one)? */
static int
inherited_socket(void)
{
	int		v = 0;
	socklen_t	l = sizeof(v);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) == 0 && v;
}

static int
load(struct app *app, const char *path)
{
	char	err[512];

	conf_defaults(&app->conf);
	if (conf_load(&app->conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "webhookd: %s\n", err);
		return -1;
	}
	log_set_level(app->conf.log_level);
	if (app->conf.key_file == NULL) {
		fprintf(stderr, "webhookd: %s: key_file: missing\n", path);
		return -1;
	}
	if (crypto_keys_load(&app->keys, app->conf.key_file, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "webhookd: %s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct app	 app;
	const char	*cfg = NULL;
	char		 err[512];
	int		 ch, check = 0, fd, rc;

	memset(&app, 0, sizeof(app));
	while ((ch = getopt(argc, argv, "c:nV")) != -1) {
		switch (ch) {
		case 'c': cfg = optarg; break;
		case 'n': check = 1; break;
		case 'V': printf("webhookd %s\n", PACKAGE_VERSION); return 0;
		default: usage();
		}
	}
	if (cfg == NULL || optind != argc)
		usage();
	log_set_ident("webhookd");
	if (crypto_init() == -1 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "webhookd: library initialisation failed\n");
		return 1;
	}
	if (load(&app, cfg) == -1)
		return 1;
	if (check) {
		printf("webhookd: %s: configuration OK\n", cfg);
		rc = 0;
	} else if ((fd = pool_activated(err, sizeof(err))) != -1) {
		/* systemd's socket (webhookd.socket): the pool on it; the
		 * socket stays systemd's, so it is not unlinked at exit. */
		if (fd == -2) {
			fprintf(stderr, "webhookd: %s\n", err);
			rc = 1;
		} else {
			log_info("serving on the socket systemd passed");
			rc = pool_run(&app.conf, fd, worker_main, &app);
		}
	} else if (inherited_socket()) {
		log_info("serving on the inherited socket (spawn-fcgi)");
		rc = worker_main(0, &app);
	} else if ((fd = pool_listen(&app.conf, err, sizeof(err))) == -1) {
		fprintf(stderr, "webhookd: %s\n", err);
		rc = 1;
	} else {
		rc = pool_run(&app.conf, fd, worker_main, &app);
		close(fd);
		if (app.conf.listen[0] == '/' || app.conf.listen[0] == '.')
			unlink(app.conf.listen);
	}
	crypto_keys_free(&app.keys);
	conf_free(&app.conf);
	curl_global_cleanup();
	return rc;
}
