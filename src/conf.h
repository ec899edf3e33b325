/* SPDX-License-Identifier: MIT */
/* conf.h: the configuration file (key = value) shared by all programs. */
#ifndef WH_CONF_H
#define WH_CONF_H

#include <stddef.h>

#include "log.h"
#include "wh_limits.h"


/* One database endpoint: a unix socket, or a host and port. */
struct conf_db_ep {
	char		 addr[WH_DB_MAX_HOST_LEN + 1];	/* "" for the library's default */
	unsigned	 port;
	int		 is_socket;
};

struct conf {
	char		*listen;		/* unix path or host:port */
	unsigned	 listen_mode;		/* octal permission of a unix socket */
	int		 listen_backlog;
	int		 workers;
	long		 max_requests;		/* 0: never recycle */
	int		 shutdown_timeout;	/* seconds */
	char		*db_socket;
	char		*db_host;		/* a list: host[:port] or /socket */
	int		 db_port;		/* of a host without one */
	int		 db_sync_wait;		/* wsrep_sync_wait on a Galera node */
	struct conf_db_ep db_ep[WH_DB_MAX_HOSTS];	/* from db_socket or db_host */
	int		 db_nep;
	char		*db_user;
	char		*db_password;
	char		*db_name;
	int		 db_connect_timeout;	/* seconds */
	int		 db_rw_timeout;		/* seconds, read and write */
	char		*key_file;
	int		 page_size;
	int		 max_page_size;
	int		 allow_private_endpoints;
	int		 token_cache_ttl;	/* seconds; 0 disables */
	int		 secret_rotation_grace;	/* seconds an old secret signs */
	char		*cors_origins;		/* allowed Origins, space or comma separated */
	int		 cors_max_age;		/* seconds a preflight may be cached */
	int		 manual_pending_max;	/* pending tests/redeliveries per webhook */
	int		 replay_max_deliveries;	/* one replay's matches, at most */
	int		 replays_per_hour;	/* per webhook */
	int		 event_retention_days;	/* purged after; 0: kept for ever */
	/* Deliveries (webhook-dispatcher; webhookd counts the attempts). */
	long long	 retry_ms[WH_CONF_MAX_RETRIES];	/* delays after attempt 1.. */
	int		 retry_n;
	int		 retry_jitter;		/* percent, both ways */
	int		 dispatcher_concurrency;	/* transfers at once */
	int		 dispatcher_batch;		/* claimed per query */
	int		 dispatcher_per_webhook;	/* in flight per webhook */
	int		 dispatcher_per_host;	/* in flight per receiver host */
	long long	 dispatcher_poll_ms;	/* idle poll of the queue */
	long long	 dispatcher_lease_ms;	/* a claim's life */
	char		*dispatcher_notify;	/* unix datagram socket path */
	char		*metrics_listen;	/* host:port of /metrics */
	long long	 connect_timeout_ms;
	long long	 delivery_timeout_ms;
	int		 disable_after_failures;	/* consecutive failed deliveries */
	long long	 disable_after_ms;	/* ... failing for at least this */
	enum log_level	 log_level;
};

/*
 * Parses a db_host list ("db1:3306, db2, /run/mysqld/mysqld.sock"; commas
 * and/or blanks between entries; [v6]:port; port defaults to port) into
 * ep[0..max-1].  Returns the number of entries, or -1 (too many, an empty or
 * over-long entry, a bad port).
 */
int	conf_parse_hosts(const char *list, unsigned port, struct conf_db_ep *ep,
	    int max);

/* Is origin (exactly, as the browser sends it) in cors_origins? */
int	conf_cors_allowed(const struct conf *c, const char *origin);

/* The number of attempts a delivery gets: the first and one per step. */
#define conf_attempt_limit(c)	(1 + (c)->retry_n)

/*
 * Parses a duration: a whole number with a unit ms, s, m, h or d (seconds
 * without one; the *_ms keys take milliseconds without one).  Returns 0 with *ms set, or -1.
 */
int	conf_parse_duration(const char *s, long long *ms);

/* As conf_parse_duration, with a bare number worth bare milliseconds. */
int	conf_parse_duration_unit(const char *s, long long bare, long long *ms);

/*
 * Fills c with the defaults; conf_free releases what a parse stored.
 */
void	conf_defaults(struct conf *c);
void	conf_free(struct conf *c);

/*
 * Parses text (a whole file's contents) into c, which must hold the
 * defaults.  Returns 0, or -1 with a message naming the line and the key
 * in err.  The caller frees c with conf_free either way.
 */
int	conf_parse(struct conf *c, const char *text, char *err, size_t errlen);

/* Reads and parses the file at path; as conf_parse. */
int	conf_load(struct conf *c, const char *path, char *err, size_t errlen);

#endif
