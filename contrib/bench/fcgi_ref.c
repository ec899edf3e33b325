/* SPDX-License-Identifier: MIT */
/*
 * fcgi_ref: the transport ceiling for contrib/bench.sh.  A bare libfcgi
 * prefork responder that does what every webhookd request does at least
 * once (one MariaDB primary-key lookup through a prepared statement) and
 * nothing else, so nginx -> fcgi_ref measures nginx + FastCGI + one DB round
 * trip on this machine.
 *
 * usage: fcgi_ref SOCKET WORKERS
 * environment: REF_DB_SOCKET, REF_DB_USER, REF_DB_PASSWORD, REF_DB_NAME,
 *              REF_ID (the api_templates id to look up)
 * SIGTERM/SIGINT stop the master and its workers.
 *
 * build: cc -O2 -o fcgi_ref fcgi_ref.c $(pkg-config --cflags --libs fcgi libmariadb)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <mysql.h>

#define REF_MAX_WORKERS	64
#define REF_SQL		"SELECT name, display_name FROM api_templates WHERE id = ?"

struct ref_db {
	MYSQL		*conn;
	MYSQL_STMT	*stmt;
	MYSQL_BIND	 param;
	MYSQL_BIND	 res[2];
	char		 id[40];
	unsigned long	 id_len;
	char		 name[192];
	char		 display[256];
	unsigned long	 name_len, display_len;
};

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* Connects and prepares the lookup; returns 0, or -1 with a message. */
static int
ref_db_open(struct ref_db *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->id, sizeof(d->id), "%s",
	    env_or("REF_ID", "488f4644-057d-41e7-9a74-72c040602647"));
	d->id_len = strlen(d->id);
	if ((d->conn = mysql_init(NULL)) == NULL)
		return -1;
	if (mysql_real_connect(d->conn, NULL, env_or("REF_DB_USER", "webhookd"),
	    env_or("REF_DB_PASSWORD", ""), env_or("REF_DB_NAME", "webhookd"), 0,
	    env_or("REF_DB_SOCKET", NULL), 0) == NULL ||
	    (d->stmt = mysql_stmt_init(d->conn)) == NULL ||
	    mysql_stmt_prepare(d->stmt, REF_SQL, strlen(REF_SQL)) != 0) {
		fprintf(stderr, "fcgi_ref: %s\n", mysql_error(d->conn));
		return -1;
	}
	d->param.buffer_type = MYSQL_TYPE_STRING;
	d->param.buffer = d->id;
	d->param.buffer_length = sizeof(d->id);
	d->param.length = &d->id_len;
	d->res[0].buffer_type = MYSQL_TYPE_STRING;
	d->res[0].buffer = d->name;
	d->res[0].buffer_length = sizeof(d->name) - 1;
	d->res[0].length = &d->name_len;
	d->res[1].buffer_type = MYSQL_TYPE_STRING;
	d->res[1].buffer = d->display;
	d->res[1].buffer_length = sizeof(d->display) - 1;
	d->res[1].length = &d->display_len;
	if (mysql_stmt_bind_param(d->stmt, &d->param) != 0 ||
	    mysql_stmt_bind_result(d->stmt, d->res) != 0) {
		fprintf(stderr, "fcgi_ref: %s\n", mysql_stmt_error(d->stmt));
		return -1;
	}
	return 0;
}

/* One lookup; returns 1 found, 0 not found, -1 error. */
static int
ref_db_lookup(struct ref_db *d)
{
	int rc;

	if (mysql_stmt_execute(d->stmt) != 0)
		return -1;
	rc = mysql_stmt_fetch(d->stmt);
	mysql_stmt_free_result(d->stmt);
	if (rc == 0 || rc == MYSQL_DATA_TRUNCATED) {
		d->name[d->name_len < sizeof(d->name) ? d->name_len : sizeof(d->name) - 1] = '\0';
		d->display[d->display_len < sizeof(d->display) ? d->display_len :
		    sizeof(d->display) - 1] = '\0';
		return 1;
	}
	return rc == MYSQL_NO_DATA ? 0 : -1;
}

static int
worker(int sock)
{
	struct ref_db	 d;
	FCGX_Request	 req;
	char		 buf[4096];
	int		 found;

	if (ref_db_open(&d) == -1)
		return 1;
	if (FCGX_InitRequest(&req, sock, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		/* Drain any body so that the connection stays well-formed. */
		while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
			;
		found = ref_db_lookup(&d);
		if (found == 1)
			FCGX_FPrintF(req.out, "Status: 200 OK\r\n"
			    "Content-Type: application/json\r\n\r\n"
			    "{\"id\":\"%s\",\"name\":\"%s\",\"display_name\":\"%s\"}",
			    d.id, d.name, d.display);
		else
			FCGX_FPrintF(req.out, "Status: %s\r\n"
			    "Content-Type: application/json\r\n\r\n"
			    "{\"detail\":\"lookup failed\",\"code\":\"%s\"}",
			    found == 0 ? "404 Not Found" : "503 Service Unavailable",
			    found == 0 ? "not_found" : "unavailable");
		/* Closed as webhookd closes (src/fcgi_io.c fcgi_finish): at
		 * once, the request having been read to its end. */
		if (FCGX_HasSeenEOF(req.in) == EOF && FCGX_GetError(req.in) == 0)
			FCGX_Detach(&req);
		FCGX_Finish_r(&req);
	}
	mysql_stmt_close(d.stmt);
	mysql_close(d.conn);
	return 0;
}

int
main(int argc, char *argv[])
{
	pid_t		 kids[REF_MAX_WORKERS];
	sigset_t	 set, old;
	int		 sock, n, i, sig, alive;

	if (argc != 3 || (n = atoi(argv[2])) < 1 || n > REF_MAX_WORKERS) {
		fprintf(stderr, "usage: fcgi_ref SOCKET WORKERS(1-%d)\n", REF_MAX_WORKERS);
		return 2;
	}
	if (mysql_library_init(0, NULL, NULL) != 0 || FCGX_Init() != 0) {
		fprintf(stderr, "fcgi_ref: library initialisation failed\n");
		return 1;
	}
	/* FCGX_OpenSocket unlinks the path and exits on failure. */
	if ((sock = FCGX_OpenSocket(argv[1], 1024)) < 0) {
		fprintf(stderr, "fcgi_ref: cannot listen on %s\n", argv[1]);
		return 1;
	}
	chmod(argv[1], 0660);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; i < n; i++) {
		if ((kids[i] = fork()) == -1) {
			perror("fcgi_ref: fork");
			n = i;
			break;
		}
		if (kids[i] == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			_exit(worker(sock));
		}
	}
	alive = n;
	while (alive > 0) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				alive--;
			if (alive > 0)
				continue;
			fprintf(stderr, "fcgi_ref: all workers exited\n");
			break;
		}
		for (i = 0; i < n; i++)
			kill(kids[i], SIGTERM);
		while (alive > 0 && waitpid(-1, NULL, 0) > 0)
			alive--;
	}
	unlink(argv[1]);
	return 0;
}
