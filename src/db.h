/* SPDX-License-Identifier: MIT */
/* db.h: one MariaDB connection, its transactions and result codes.  The
 * queries are in db_<module>.h, one header per db_<module>.c; no MariaDB
 * type leaves db*.c. */
#ifndef WH_DB_H
#define WH_DB_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "wh_limits.h"

enum db_rc {
	DB_OK = 0,
	DB_NOTFOUND,	/* no row, or no row changed */
	DB_DUP,		/* a unique key said no */
	DB_DOWN,	/* the database cannot be reached now */
	DB_DEADLOCK,	/* a deadlock or lock wait rolled the transaction back:
			 * run the whole transaction again */
	DB_LIMIT,	/* a bound the caller checks was reached: roll back */
	DB_ERR		/* anything else; logged */
};

struct db;

/* A handle that connects on first use and reconnects after a lost
 * connection; NULL when out of memory.  db_free accepts NULL. */
struct db	*db_new(const struct conf *c);
void		 db_free(struct db *);

/* Connects now (for programs that want to fail early); DB_OK or DB_DOWN. */
enum db_rc	 db_connect(struct db *);

/* Does the database answer?  DB_OK or DB_DOWN. */
enum db_rc	 db_ping(struct db *);

/*
 * Transactions.  A statement that fails inside one is never resent; the
 * caller rolls back (a lost connection already did).  db_commit returns
 * DB_OK, DB_DOWN or DB_ERR.
 */
enum db_rc	 db_begin(struct db *);

/* How often a transaction runs in all while DB_DEADLOCK (a lock conflict,
 * or Galera's certification at commit) ends it; and how often more after
 * its connection was lost before the commit. */
#define DB_TX_TRIES	8
#define DB_TX_RECONNECTS	1
enum db_rc	 db_commit(struct db *);

/* Before the k-th run again (k from 1) of what a conflict ended: a random
 * sleep of up to WH_DB_CONFLICT_BACKOFF_MS << (k - 1), so that what
 * conflicted (or a Galera view change that aborted several at once) does
 * not meet again in step. */
void		 db_conflict_pause(int k);
void		 db_rollback(struct db *);

/*
 * Runs fn(db, ctx) in a transaction: committed when it returns DB_OK,
 * rolled back otherwise; the whole transaction runs again (up to
 * DB_TX_TRIES times) after DB_DEADLOCK, and once more after DB_DOWN from
 * fn (the server rolled it back; the handle reconnects, to the next
 * endpoint of a list).  A commit that ends in DB_DOWN may have happened
 * and is not retried.  Returns fn's or the commit's code.
 */
enum db_rc	 db_tx(struct db *, enum db_rc (*fn)(struct db *, void *),
		    void *ctx);

/* The last error text, for logs and the CLI. */
const char	*db_error(struct db *);

#endif
