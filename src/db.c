/* SPDX-License-Identifier: MIT */
/* db.c: the MariaDB connection, lazy prepared statements, reconnects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "db_stmts.h"
#include "log.h"
#include "timeutil.h"


struct db {
	const struct conf	*c;
	MYSQL			*m;		/* NULL while disconnected */
	MYSQL_STMT		*st[ST__COUNT];	/* NULL until first use */
	long long		 last_fail_ms;	/* last failed connect */
	long long		 last_use_ms;
	int			 cur;		/* the endpoint tried first */
	int			 in_tx;		/* no resend inside a transaction */
	char			 err[256];
};

struct db *
db_new(const struct conf *c)
{
	struct db	*db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	db->c = c;
	db->last_fail_ms = -WH_DB_RETRY_BACKOFF_MS;
	return db;
}

static void
db_disconnect(struct db *db)
{
	db->in_tx = 0;
	for (int i = 0; i < ST__COUNT; i++)
		if (db->st[i] != NULL) {
			mysql_stmt_close(db->st[i]);
			db->st[i] = NULL;
		}
	if (db->m != NULL) {
		mysql_close(db->m);
		db->m = NULL;
	}
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

const char *
db_error(struct db *db)
{
	return db->err;
}

/* Errors after which the connection cannot be trusted again. */
static int
is_conn_error(unsigned e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_COMMANDS_OUT_OF_SYNC:
	case ER_CONNECTION_KILLED:
	case ER_UNKNOWN_STMT_HANDLER:
	case ER_SERVER_SHUTDOWN:
	case 4031:	/* ER_CLIENT_INTERACTION_TIMEOUT */
	case ER_UNKNOWN_COM_ERROR:	/* a Galera node out of the primary
					 * component: "WSREP has not yet
					 * prepared node for application use" */
		return 1;
	}
	return 0;
}

/* After a lost connection or a node that may not serve: start the next
 * connect at the next endpoint (a node that went away, or left its
 * cluster, is tried last). */
static void
db_next_endpoint(struct db *db, unsigned e)
{
	if (db->c->db_nep > 1 && (e == ER_UNKNOWN_COM_ERROR ||
	    e == CR_SERVER_LOST || e == CR_SERVER_GONE_ERROR ||
	    e == CR_SERVER_LOST_EXTENDED || e == ER_CONNECTION_KILLED ||
	    e == ER_SERVER_SHUTDOWN))
		db->cur = (db->cur + 1) % db->c->db_nep;
}

/* The first row's second column of a SHOW ... LIKE; "" when none. */
static int
show_value(MYSQL *m, const char *sql, char *out, size_t outlen)
{
	MYSQL_RES	*res;
	MYSQL_ROW	 row;

	out[0] = '\0';
	if (mysql_real_query(m, sql, strlen(sql)) != 0 ||
	    (res = mysql_store_result(m)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && mysql_num_fields(res) >= 2 &&
	    row[1] != NULL)
		snprintf(out, outlen, "%s", row[1]);
	mysql_free_result(res);
	return 0;
}

/*
 * Is the server just connected one that may serve?  A plain MariaDB
 * always; a Galera node only when it is synced with the primary component
 * (wsrep_ready), and then its reads wait for the cluster's earlier commits
 * (db_sync_wait), so that a write through one node is seen through any.
 */
static int
db_node_ready(struct db *db)
{
	char	v[32], set[64];

	if (show_value(db->m, "SHOW VARIABLES LIKE 'wsrep_on'", v,
	    sizeof(v)) == -1)
		return -1;
	if (strcasecmp(v, "ON") != 0)
		return 0;
	if (show_value(db->m, "SHOW STATUS LIKE 'wsrep_ready'", v,
	    sizeof(v)) == -1)
		return -1;
	if (strcasecmp(v, "ON") != 0) {
		snprintf(db->err, sizeof(db->err), "connect: the Galera node is "
		    "not ready (wsrep_ready %s)", v[0] ? v : "unknown");
		return -1;
	}
	snprintf(set, sizeof(set), "SET SESSION wsrep_sync_wait = %d",
	    db->c->db_sync_wait);
	return mysql_real_query(db->m, set, strlen(set)) == 0 ? 0 : -1;
}

/* An endpoint as logs show it. */
static const char *
ep_name(const struct conf_db_ep *ep, char *buf, size_t len)
{
	if (ep->is_socket)
		snprintf(buf, len, "%s", ep->addr);
	else
		snprintf(buf, len, "%s%s%s:%u", strchr(ep->addr, ':') ? "[" : "",
		    ep->addr[0] ? ep->addr : "localhost",
		    strchr(ep->addr, ':') ? "]" : "", ep->port);
	return buf;
}

/* One endpoint: db->m connected and ready, or -1 with db->err set. */
static int
db_connect_ep(struct db *db, const struct conf_db_ep *ep)
{
	const struct conf	*c = db->c;
	unsigned		 cto = (unsigned)c->db_connect_timeout;
	unsigned		 rwto = (unsigned)c->db_rw_timeout;
	const char		*host = ep->is_socket ? "localhost" :
				    ep->addr[0] ? ep->addr : NULL;

	if ((db->m = mysql_init(NULL)) == NULL) {
		snprintf(db->err, sizeof(db->err), "mysql_init: out of memory");
		return -1;
	}
	mysql_optionsv(db->m, MYSQL_OPT_CONNECT_TIMEOUT, &cto);
	mysql_optionsv(db->m, MYSQL_OPT_READ_TIMEOUT, &rwto);
	mysql_optionsv(db->m, MYSQL_OPT_WRITE_TIMEOUT, &rwto);
	mysql_optionsv(db->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* READ COMMITTED takes no gap locks: inserts into the outbox do not
	 * wait on (or deadlock with) the dispatchers' claims. */
	mysql_optionsv(db->m, MYSQL_INIT_COMMAND,
	    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
	if (mysql_real_connect(db->m, host, c->db_user, c->db_password,
	    c->db_name, ep->port, ep->is_socket ? ep->addr : NULL,
	    CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS) == NULL ||
	    db_node_ready(db) == -1) {
		if (mysql_errno(db->m) != 0)
			snprintf(db->err, sizeof(db->err), "connect: %s",
			    mysql_error(db->m));
		mysql_close(db->m);
		db->m = NULL;
		return -1;
	}
	return 0;
}

enum db_rc
db_connect(struct db *db)
{
	const struct conf	*c = db->c;
	int			 n = c->db_nep > 0 ? c->db_nep : 1, i;
	char			 name[WH_DB_MAX_HOST_LEN + 16];

	if (db->m != NULL)
		return DB_OK;
	if (time_mono_ms() - db->last_fail_ms < WH_DB_RETRY_BACKOFF_MS)
		return DB_DOWN;
	/* Each endpoint once, from the one that served last. */
	for (int k = 0; k < n; k++) {
		i = (db->cur + k) % n;
		if (db_connect_ep(db, &c->db_ep[i]) == 0) {
			if (k > 0)
				log_info("database: connected to %s instead",
				    ep_name(&c->db_ep[i], name, sizeof(name)));
			db->cur = i;
			db->last_use_ms = time_mono_ms();
			log_debug("database connected");
			return DB_OK;
		}
		log_warn("database %s%s%s", db->err, n > 1 ? " at " : "",
		    n > 1 ? ep_name(&c->db_ep[i], name, sizeof(name)) : "");
	}
	db->last_fail_ms = time_mono_ms();
	return DB_DOWN;
}

enum db_rc
db_ping(struct db *db)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (db_connect(db) != DB_OK)
			return DB_DOWN;
		if (mysql_ping(db->m) == 0) {
			db->last_use_ms = time_mono_ms();
			return DB_OK;
		}
		snprintf(db->err, sizeof(db->err), "ping: %s", mysql_error(db->m));
		db_next_endpoint(db, mysql_errno(db->m));
		db_disconnect(db);
	}
	return DB_DOWN;
}

/* The statement id, prepared on this connection; NULL with db->err set. */
static MYSQL_STMT *
db_stmt(struct db *db, enum stmt_id id, unsigned *errnum)
{
	MYSQL_STMT	*st;
	const char	*sql = db_stmt_defs[id].sql;

	*errnum = 0;
	if (db->st[id] != NULL)
		return db->st[id];
	if ((st = mysql_stmt_init(db->m)) == NULL) {
		*errnum = CR_OUT_OF_MEMORY;
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		*errnum = mysql_stmt_errno(st);
		snprintf(db->err, sizeof(db->err), "prepare %d: %s", (int)id,
		    mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	return db->st[id] = st;
}

static void
bind_args(MYSQL_BIND *b, const struct db_arg *args, int n)
{
	memset(b, 0, sizeof(*b) * (size_t)n);
	for (int i = 0; i < n; i++) {
		switch (args[i].t) {
		case DBA_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DBA_STR:
		case DBA_BLOB:
			b[i].buffer_type = args[i].t == DBA_STR ?
			    MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
			b[i].buffer = (void *)(uintptr_t)args[i].p;
			b[i].buffer_length = (unsigned long)args[i].len;
			break;
		case DBA_INT:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)(uintptr_t)&args[i].i;
			break;
		}
	}
}

/* A truncated row is an error unless each cut column allows it. */
static int
truncation_allowed(struct db *db, const struct db_col *cols, int ncols,
    const my_bool *error, const my_bool *isnull)
{
	for (int i = 0; i < ncols; i++)
		if (error[i] && !isnull[i] && !cols[i].may_truncate) {
			snprintf(db->err, sizeof(db->err), "column %d truncated "
			    "(a value larger than %zu bytes)", i, cols[i].cap - 1);
			return 0;
		}
	return 1;
}

/* Fetches every row into cols and calls cb; DB_OK or an error code. */
static enum db_rc
fetch_rows(struct db *db, MYSQL_STMT *st, struct db_col *cols, int ncols,
    db_row_cb cb, void *ctx, unsigned *errnum)
{
	MYSQL_BIND	 b[WH_DB_MAX_COLS];
	unsigned long	 len[WH_DB_MAX_COLS];
	my_bool		 isnull[WH_DB_MAX_COLS], error[WH_DB_MAX_COLS];
	enum db_rc	 rc = DB_OK;
	int		 r;

	memset(b, 0, sizeof(b));
	for (int i = 0; i < ncols; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = cols[i].buf;
		b[i].buffer_length = (unsigned long)cols[i].cap - 1;
		b[i].length = &len[i];
		b[i].is_null = &isnull[i];
		b[i].error = &error[i];
	}
	if (mysql_stmt_bind_result(st, b) != 0) {
		*errnum = mysql_stmt_errno(st);
		return DB_ERR;
	}
	/* The library sets error[] only for the columns it copies (not for
	 * NULLs): clear it before every row. */
	while ((memset(error, 0, sizeof(error)),
	    r = mysql_stmt_fetch(st)) == 0 || r == MYSQL_DATA_TRUNCATED) {
		if (rc != DB_OK)
			continue;	/* drain the rest */
		if (r == MYSQL_DATA_TRUNCATED && !truncation_allowed(db, cols,
		    ncols, error, isnull)) {
			rc = DB_ERR;
			continue;
		}
		for (int i = 0; i < ncols; i++) {
			cols[i].is_null = isnull[i] != 0;
			cols[i].truncated = !isnull[i] && error[i] != 0;
			cols[i].len = isnull[i] ? 0 : error[i] ? cols[i].cap - 1 :
			    len[i];
			cols[i].buf[cols[i].len] = '\0';
			if (cols[i].rfc3339 && cols[i].len == 26 &&
			    cols[i].cap > 27) {
				cols[i].buf[10] = 'T';
				cols[i].buf[26] = 'Z';
				cols[i].buf[27] = '\0';
				cols[i].len = 27;
			}
		}
		if (cb != NULL && cb(ctx, cols, ncols) != 0)
			rc = DB_ERR;
	}
	if (r == 1) {
		*errnum = mysql_stmt_errno(st);
		snprintf(db->err, sizeof(db->err), "fetch: %s",
		    mysql_stmt_error(st));
		return DB_ERR;
	}
	return rc;
}

/* One try of db_exec; *errnum gets the MariaDB error number. */
static enum db_rc
exec_once(struct db *db, enum stmt_id id, struct db_args args,
    struct db_col *cols, int ncols, db_row_cb cb, void *ctx,
    unsigned long long *affected, unsigned *errnum)
{
	MYSQL_BIND	 b[WH_DB_MAX_PARAMS];
	MYSQL_STMT	*st;
	enum db_rc	 rc;
	int		 n = db_stmt_defs[id].nparams;

	if ((st = db_stmt(db, id, errnum)) == NULL)
		return DB_ERR;
	bind_args(b, args.v, n);
	if ((n > 0 && mysql_stmt_bind_param(st, b) != 0) ||
	    mysql_stmt_execute(st) != 0) {
		*errnum = mysql_stmt_errno(st);
		snprintf(db->err, sizeof(db->err), "execute %d: %s", (int)id,
		    mysql_stmt_error(st));
		if (*errnum == ER_LOCK_DEADLOCK || *errnum == ER_LOCK_WAIT_TIMEOUT)
			return DB_DEADLOCK;
		return *errnum == ER_DUP_ENTRY ? DB_DUP : DB_ERR;
	}
	if (affected != NULL)
		*affected = (unsigned long long)mysql_stmt_affected_rows(st);
	rc = ncols > 0 ? fetch_rows(db, st, cols, ncols, cb, ctx, errnum) : DB_OK;
	mysql_stmt_free_result(st);
	return rc;
}

enum db_rc
db_exec(struct db *db, enum stmt_id id, struct db_args args,
    struct db_col *cols, int ncols, db_row_cb cb, void *ctx,
    unsigned long long *affected)
{
	int		 write = db_stmt_defs[id].write, in_tx = db->in_tx;
	unsigned	 errnum = 0;
	enum db_rc	 rc = DB_DOWN;

	/* A caller's slip, never the database's: refused before it is sent. */
	if (args.n != db_stmt_defs[id].nparams || args.n > WH_DB_MAX_PARAMS) {
		snprintf(db->err, sizeof(db->err), "statement %d: %d arguments "
		    "for %d placeholders", (int)id, args.n,
		    db_stmt_defs[id].nparams);
		log_error("database: %s", db->err);
		return DB_ERR;
	}

	for (int attempt = 0; attempt < 2; attempt++) {
		if (in_tx && db->m == NULL)
			return DB_DOWN;		/* the transaction is gone */
		if (db_connect(db) != DB_OK)
			return DB_DOWN;
		/* A write is never resent, so first make sure an idle
		 * connection still stands. */
		if (write && !in_tx &&
		    time_mono_ms() - db->last_use_ms > WH_DB_IDLE_PING_MS &&
		    mysql_ping(db->m) != 0) {
			db_next_endpoint(db, mysql_errno(db->m));
			db_disconnect(db);
			continue;
		}
		rc = exec_once(db, id, args, cols, ncols, cb, ctx, affected,
		    &errnum);
		/* Outside a transaction the server rolled back only this
		 * statement: send it again. */
		for (int k = 1; rc == DB_DEADLOCK && !in_tx && k < DB_TX_TRIES; k++) {
			db_conflict_pause(k);
			rc = exec_once(db, id, args, cols, ncols, cb, ctx,
			    affected, &errnum);
		}
		db->last_use_ms = time_mono_ms();
		if (rc == DB_OK || rc == DB_DUP || rc == DB_DEADLOCK)
			return rc;
		if (!is_conn_error(errnum)) {
			log_error("database: %s (%u)", db->err, errnum);
			return DB_ERR;
		}
		log_warn("database connection lost: %s (%u)", db->err, errnum);
		db_next_endpoint(db, errnum);
		db_disconnect(db);
		rc = DB_DOWN;
		/* Safe to resend: reads, idempotent writes, and anything
		 * that failed before reaching the server (or that a Galera
		 * node out of its cluster refused); never a statement of a
		 * transaction the lost connection rolled back. */
		if (in_tx || (write && errnum != CR_SERVER_GONE_ERROR &&
		    errnum != ER_UNKNOWN_STMT_HANDLER &&
		    errnum != ER_UNKNOWN_COM_ERROR))
			break;
	}
	return rc;
}

enum db_rc
db_begin(struct db *db)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (db_connect(db) != DB_OK)
			return DB_DOWN;
		/* Nothing has happened yet: a stale connection may be
		 * replaced before the transaction starts. */
		if (time_mono_ms() - db->last_use_ms > WH_DB_IDLE_PING_MS &&
		    mysql_ping(db->m) != 0) {
			db_next_endpoint(db, mysql_errno(db->m));
			db_disconnect(db);
			continue;
		}
		if (mysql_real_query(db->m, "START TRANSACTION", 17) == 0) {
			db->in_tx = 1;
			db->last_use_ms = time_mono_ms();
			return DB_OK;
		}
		snprintf(db->err, sizeof(db->err), "begin: %s", mysql_error(db->m));
		if (!is_conn_error(mysql_errno(db->m)))
			return DB_ERR;
		db_next_endpoint(db, mysql_errno(db->m));
		db_disconnect(db);
	}
	return DB_DOWN;
}

enum db_rc
db_commit(struct db *db)
{
	if (db->m == NULL || !db->in_tx)
		return DB_DOWN;
	db->in_tx = 0;
	if (mysql_commit(db->m) == 0)
		return DB_OK;
	if (mysql_errno(db->m) == ER_LOCK_DEADLOCK) {
		snprintf(db->err, sizeof(db->err), "commit: %s",
		    mysql_error(db->m));
		return DB_DEADLOCK;	/* Galera certification, say */
	}
	snprintf(db->err, sizeof(db->err), "commit: %s", mysql_error(db->m));
	log_warn("database %s", db->err);
	if (is_conn_error(mysql_errno(db->m))) {
		db_next_endpoint(db, mysql_errno(db->m));
		db_disconnect(db);
		return DB_DOWN;
	}
	return DB_ERR;
}

void
db_rollback(struct db *db)
{
	if (db->m == NULL || !db->in_tx)
		return;
	db->in_tx = 0;
	if (mysql_rollback(db->m) != 0)
		db_disconnect(db);
}

enum db_rc
db_exec_script(struct db *db, const char *sql)
{
	int	status;

	if (db_connect(db) != DB_OK)
		return DB_DOWN;
	if (mysql_real_query(db->m, sql, strlen(sql)) != 0)
		goto fail;
	do {
		MYSQL_RES *res = mysql_store_result(db->m);
		mysql_free_result(res);
		if ((status = mysql_next_result(db->m)) > 0)
			goto fail;
	} while (status == 0);
	return DB_OK;
fail:
	snprintf(db->err, sizeof(db->err), "%s", mysql_error(db->m));
	return DB_ERR;
}
