/* SPDX-License-Identifier: MIT */
/* conf.c: parse the key = value configuration file, checked key by key. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "privfile.h"
#include "wh_limits.h"

enum conf_type { CT_STR, CT_INT, CT_BOOL, CT_MODE, CT_LEVEL, CT_DURATION,
    CT_SCHEDULE };

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	long		 min, max;	/* CT_INT bounds */
};

#define K(n, t, lo, hi) { #n, t, offsetof(struct conf, n), lo, hi }
static const struct conf_key keys[] = {
	K(listen, CT_STR, 0, 0),
	K(listen_mode, CT_MODE, 0, 0),
	K(listen_backlog, CT_INT, 1, 65535),
	K(workers, CT_INT, 1, WH_POOL_MAX_WORKERS),
	K(max_requests, CT_INT, 0, LONG_MAX),
	K(shutdown_timeout, CT_INT, 0, 3600),
	K(db_socket, CT_STR, 0, 0),
	K(db_host, CT_STR, 0, 0),
	K(db_port, CT_INT, 1, 65535),
	K(db_sync_wait, CT_INT, 0, 15),
	K(db_user, CT_STR, 0, 0),
	K(db_password, CT_STR, 0, 0),
	K(db_name, CT_STR, 0, 0),
	K(db_connect_timeout, CT_INT, 1, 300),
	K(db_rw_timeout, CT_INT, 1, 3600),
	K(key_file, CT_STR, 0, 0),
	K(page_size, CT_INT, 1, WH_MAX_PAGE_SIZE),
	K(max_page_size, CT_INT, 1, 1000),
	K(allow_private_endpoints, CT_BOOL, 0, 0),
	K(token_cache_ttl, CT_INT, 0, 3600),
	K(secret_rotation_grace, CT_INT, 0, 30 * 86400),
	K(cors_origins, CT_STR, 0, 0),
	K(cors_max_age, CT_INT, 0, 86400),
	K(manual_pending_max, CT_INT, 1, 100000),
	K(replay_max_deliveries, CT_INT, 1, 1000000),
	K(replays_per_hour, CT_INT, 1, 10000),
	K(event_retention_days, CT_INT, 0, 36500),
	{ "retry_schedule", CT_SCHEDULE, offsetof(struct conf, retry_ms), 0, 0 },
	K(retry_jitter, CT_INT, 0, 100),
	K(dispatcher_concurrency, CT_INT, 1, 10000),
	K(dispatcher_batch, CT_INT, 1, 1000),
	K(dispatcher_per_webhook, CT_INT, 1, 10000),
	K(dispatcher_per_host, CT_INT, 1, 10000),
	K(dispatcher_poll_ms, CT_DURATION, 1, 60000),
	K(dispatcher_lease_ms, CT_DURATION, 1000, 86400000),
	K(dispatcher_notify, CT_STR, 0, 0),
	K(metrics_listen, CT_STR, 0, 0),
	K(connect_timeout_ms, CT_DURATION, 1, 600000),
	K(delivery_timeout_ms, CT_DURATION, 1, 3600000),
	K(disable_after_failures, CT_INT, 0, 1000000),
	K(disable_after_ms, CT_DURATION, 0, 365LL * 86400000),
	K(log_level, CT_LEVEL, 0, 0),
};
#undef K

int
conf_parse_duration(const char *s, long long *ms)
{
	return conf_parse_duration_unit(s, 1000, ms);
}

int
conf_parse_duration_unit(const char *s, long long bare, long long *ms)
{
	const struct {
		const char	*unit;
		long long	 ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "", bare },
	    { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 } };
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (v > LLONG_MAX / units[i].ms)
				return -1;
			*ms = v * units[i].ms;
			return 0;
		}
	return -1;
}

/* Parses "5s,5m 30m" (steps separated by a comma and/or blanks) into
 * c->retry_ms ("" for no retries); 0 or -1 (c unchanged). */
static int
conf_set_schedule(struct conf *c, const char *v)
{
	long long	 ms[WH_CONF_MAX_RETRIES];
	char		 tmp[64];
	int		 n = 0;
	size_t		 len;

	for (;;) {
		v += strspn(v, " \t");
		if (*v == '\0')
			break;
		len = strcspn(v, ", \t");
		if (n == WH_CONF_MAX_RETRIES || len == 0 || len >= sizeof(tmp))
			return -1;	/* an empty step: ",," or a leading comma */
		memcpy(tmp, v, len);
		tmp[len] = '\0';
		if (conf_parse_duration(tmp, &ms[n++]) == -1)
			return -1;
		v += len;
		v += strspn(v, " \t");
		if (*v == ',' && *(v + 1 + strspn(v + 1, " \t")) == '\0')
			return -1;	/* a trailing comma */
		if (*v == ',')
			v++;
	}
	memcpy(c->retry_ms, ms, sizeof(ms[0]) * (size_t)n);
	c->retry_n = n;
	return 0;
}

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_mode = 0660;
	c->listen_backlog = 1024;
	c->workers = 4;
	c->shutdown_timeout = 10;
	c->db_port = 3306;
	c->db_sync_wait = 1;
	c->db_connect_timeout = 2;
	c->db_rw_timeout = 10;
	c->page_size = WH_DEFAULT_PAGE_SIZE;
	c->max_page_size = WH_MAX_PAGE_SIZE;
	c->token_cache_ttl = 5;
	c->secret_rotation_grace = 86400;
	c->cors_max_age = 600;
	c->manual_pending_max = WH_MANUAL_PENDING;
	c->replay_max_deliveries = WH_REPLAY_MAX;
	c->replays_per_hour = WH_REPLAYS_PER_HOUR;
	c->event_retention_days = WH_RETENTION_DAYS;
	conf_set_schedule(c, "5s,5m,30m,2h,5h,10h,10h");
	c->retry_jitter = 20;
	c->dispatcher_concurrency = 64;
	c->dispatcher_batch = 64;
	c->dispatcher_per_webhook = WH_DISPATCH_PER_WEBHOOK;
	c->dispatcher_per_host = WH_DISPATCH_PER_HOST;
	c->dispatcher_poll_ms = 100;
	c->dispatcher_lease_ms = 120000;
	c->connect_timeout_ms = 5000;
	c->delivery_timeout_ms = 15000;
	c->disable_after_failures = 20;
	c->disable_after_ms = 5LL * 86400000;
	c->log_level = LOG_LVL_INFO;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].type == CT_STR) {
			char **p = (char **)((char *)c + keys[i].off);
			free(*p);
			*p = NULL;
		}
}

static int
parse_long(const char *v, int base, long *out)
{
	char	*end;

	if (*v == '\0' || *v == '-' || *v == '+' || isspace((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtol(v, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Stores value v of key k in c; returns NULL or what is wrong with v. */
static const char *
conf_set(struct conf *c, const struct conf_key *k, const char *v)
{
	void	*p = (char *)c + k->off;
	long	 n;

	switch (k->type) {
	case CT_STR: {
		char *dup = strdup(v);
		if (dup == NULL)
			return "out of memory";
		free(*(char **)p);
		*(char **)p = dup;
		return NULL;
	}
	case CT_INT:
		if (parse_long(v, 10, &n) == -1 || n < k->min || n > k->max)
			return "must be a whole number in range";
		if (k->off == offsetof(struct conf, max_requests))
			*(long *)p = n;
		else
			*(int *)p = (int)n;
		return NULL;
	case CT_BOOL:
		return parse_bool(v, (int *)p) == -1 ?
		    "must be true or false" : NULL;
	case CT_MODE:
		if (parse_long(v, 8, &n) == -1 || n > 0777)
			return "must be an octal permission such as 0660";
		*(unsigned *)p = (unsigned)n;
		return NULL;
	case CT_LEVEL:
		return log_parse_level(v, (enum log_level *)p) == -1 ?
		    "must be debug, info, warn or error" : NULL;
	case CT_DURATION: {
		long long ms;
		/* A bare number is in the unit the key's name says. */
		if (conf_parse_duration_unit(v, 1, &ms) == -1 || ms < k->min ||
		    ms > k->max)
			return "must be a duration such as 500ms, 15s, 5m, 2h "
			    "or 5d, in range";
		*(long long *)p = ms;
		return NULL;
	}
	case CT_SCHEDULE:
		return conf_set_schedule(c, v) == -1 ? "must be a list "
		    "of at most 32 durations (5s,5m,30m)" : NULL;
	}
	return "unknown type";
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static const struct conf_key *
conf_find(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Parses one line (modified in place); returns 0 or -1 with err set. */
static int
conf_line(struct conf *c, char *line, int lineno, char *err, size_t errlen)
{
	const struct conf_key	*k;
	const char		*why;
	char			*eq, *key, *val;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL) {
		snprintf(err, errlen, "line %d: expected 'key = value'", lineno);
		return -1;
	}
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	if ((k = conf_find(key)) == NULL) {
		snprintf(err, errlen, "line %d: unknown key '%.64s'", lineno, key);
		return -1;
	}
	if ((why = conf_set(c, k, val)) != NULL) {
		snprintf(err, errlen, "line %d: %s: %s", lineno, k->name, why);
		return -1;
	}
	return 0;
}

/* One entry of a db_host list into ep; 0 or -1. */
static int
parse_host(const char *s, size_t len, unsigned port, struct conf_db_ep *ep)
{
	const char	*colon = NULL;
	long		 n;
	char		 num[8];

	memset(ep, 0, sizeof(*ep));
	ep->port = port;
	if (len == 0 || len > WH_DB_MAX_HOST_LEN)
		return -1;
	if (*s == '/') {
		ep->is_socket = 1;
		memcpy(ep->addr, s, len);
		return 0;
	}
	if (*s == '[') {		/* [v6] or [v6]:port */
		const char *close = memchr(s, ']', len);
		if (close == NULL || close == s + 1)
			return -1;
		if (close + 1 < s + len) {
			if (close[1] != ':')
				return -1;
			colon = close + 1;
		}
		memcpy(ep->addr, s + 1, (size_t)(close - s - 1));
	} else {
		colon = memchr(s, ':', len);
		if (colon != NULL && memchr(colon + 1, ':', len -
		    (size_t)(colon + 1 - s)) != NULL)
			return -1;	/* a bare v6 address: brackets, please */
		memcpy(ep->addr, s, colon != NULL ? (size_t)(colon - s) : len);
		if (ep->addr[0] == '\0')
			return -1;
	}
	if (colon != NULL) {
		size_t plen = len - (size_t)(colon + 1 - s);
		if (plen == 0 || plen >= sizeof(num))
			return -1;
		memcpy(num, colon + 1, plen);
		num[plen] = '\0';
		if (parse_long(num, 10, &n) == -1 || n < 1 || n > 65535)
			return -1;
		ep->port = (unsigned)n;
	}
	return 0;
}

int
conf_parse_hosts(const char *list, unsigned port, struct conf_db_ep *ep,
    int max)
{
	int	n = 0;
	size_t	len;

	for (;;) {
		list += strspn(list, ", \t");
		if (*list == '\0')
			break;
		len = strcspn(list, ", \t");
		if (n == max || parse_host(list, len, port, &ep[n]) == -1)
			return -1;
		n++;
		list += len;
	}
	return n;
}

/* The endpoints the database layer tries, in order: db_socket alone when
 * set (as before lists existed), else db_host's entries, else the client
 * library's default. */
static int
conf_endpoints(struct conf *c, char *err, size_t errlen)
{
	if (c->db_socket != NULL && *c->db_socket != '\0') {
		if (strlen(c->db_socket) > WH_DB_MAX_HOST_LEN) {
			snprintf(err, errlen, "db_socket: longer than %d bytes",
			    WH_DB_MAX_HOST_LEN);
			return -1;
		}
		memset(&c->db_ep[0], 0, sizeof(c->db_ep[0]));
		memcpy(c->db_ep[0].addr, c->db_socket, strlen(c->db_socket) + 1);
		c->db_ep[0].is_socket = 1;
		c->db_nep = 1;
		return 0;
	}
	c->db_nep = conf_parse_hosts(c->db_host != NULL ? c->db_host : "",
	    (unsigned)c->db_port, c->db_ep, WH_DB_MAX_HOSTS);
	if (c->db_nep == -1) {
		c->db_nep = 0;
		snprintf(err, errlen, "db_host: must be at most %d entries, "
		    "each host, host:port, [v6addr]:port or /socket/path",
		    WH_DB_MAX_HOSTS);
		return -1;
	}
	if (c->db_nep == 0) {	/* the library's default: localhost */
		memset(&c->db_ep[0], 0, sizeof(c->db_ep[0]));
		c->db_ep[0].port = (unsigned)c->db_port;
		c->db_nep = 1;
	}
	return 0;
}

/* Cross-key checks after the whole file is read. */
static int
conf_check(struct conf *c, char *err, size_t errlen)
{
	if (conf_endpoints(c, err, errlen) == -1)
		return -1;
	if (c->max_page_size < c->page_size) {
		snprintf(err, errlen, "page_size: larger than max_page_size");
		return -1;
	}
	if (c->db_name == NULL || *c->db_name == '\0') {
		snprintf(err, errlen, "db_name: missing");
		return -1;
	}
	if (c->db_user == NULL || *c->db_user == '\0') {
		snprintf(err, errlen, "db_user: missing");
		return -1;
	}
	return 0;
}

int
conf_parse(struct conf *c, const char *text, char *err, size_t errlen)
{
	char	*copy, *line, *next;
	int	 lineno = 0, rc = 0;

	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (line = copy; line != NULL && rc == 0; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		rc = conf_line(c, line, ++lineno, err, errlen);
	}
	free(copy);
	return rc == 0 ? conf_check(c, err, errlen) : rc;
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	FILE	*f;
	char	*text;
	long	 n;
	int	 rc;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    n > WH_CONF_MAX_FILE || fseek(f, 0, SEEK_SET) == -1) {
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB", path);
		fclose(f);
		return -1;
	}
	if ((text = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	text[fread(text, 1, (size_t)n, f)] = '\0';
	rc = conf_parse(c, text, err, errlen);
	explicit_bzero(text, (size_t)n);
	free(text);
	/* Only a file that holds the database password is a secret. */
	if (rc == 0 && c->db_password != NULL && *c->db_password != '\0' &&
	    privfile_check(fileno(f), "configuration file (it holds "
	    "db_password)", path, err, errlen) == -1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	if (rc == -1) {
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
		snprintf(err, errlen, "%s", tmp);
	}
	return rc;
}

int
conf_cors_allowed(const struct conf *c, const char *origin)
{
	const char	*p;
	size_t		 n;

	if (origin == NULL || c->cors_origins == NULL || *origin == '\0')
		return 0;
	n = strlen(origin);
	for (p = c->cors_origins; *p != '\0'; ) {
		size_t len;
		p += strspn(p, " ,\t");
		len = strcspn(p, " ,\t");
		if (len == n && memcmp(p, origin, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}
