/* SPDX-License-Identifier: MIT */
/* test_conf.c: the key = value configuration file: defaults, values, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "wh_limits.h"

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define REQUIRED	"db_user = webhookd\ndb_name = webhooks\n"

/* Parses text into c (defaults first); returns conf_parse's result. */
static int
parse(struct conf *c, const char *text, char *err, size_t errlen)
{
	conf_defaults(c);
	err[0] = '\0';
	return conf_parse(c, text, err, errlen);
}

static void
test_defaults(void **state)
{
	struct conf	c;

	(void)state;
	conf_defaults(&c);
	assert_null(c.listen);
	assert_int_equal(c.listen_mode, 0660);
	assert_int_equal(c.listen_backlog, 1024);
	assert_int_equal(c.workers, 4);
	assert_int_equal(c.max_requests, 0);
	assert_int_equal(c.shutdown_timeout, 10);
	assert_null(c.db_socket);
	assert_null(c.db_host);
	assert_int_equal(c.db_port, 3306);
	assert_null(c.db_user);
	assert_null(c.db_password);
	assert_null(c.db_name);
	assert_int_equal(c.db_connect_timeout, 2);
	assert_int_equal(c.db_rw_timeout, 10);
	assert_null(c.key_file);
	assert_int_equal(c.page_size, WH_DEFAULT_PAGE_SIZE);
	assert_int_equal(c.max_page_size, WH_MAX_PAGE_SIZE);
	assert_int_equal(c.allow_private_endpoints, 0);
	assert_int_equal(c.token_cache_ttl, 5);
	assert_int_equal(c.secret_rotation_grace, 86400);
	assert_null(c.cors_origins);
	assert_int_equal(c.cors_max_age, 600);
	assert_int_equal(c.retry_n, 7);
	assert_int_equal(c.retry_ms[0], 5000);
	assert_int_equal(c.retry_ms[1], 300000);
	assert_int_equal(c.retry_ms[2], 1800000);
	assert_int_equal(c.retry_ms[3], 7200000);
	assert_int_equal(c.retry_ms[4], 18000000);
	assert_int_equal(c.retry_ms[5], 36000000);
	assert_int_equal(c.retry_ms[6], 36000000);
	assert_int_equal(conf_attempt_limit(&c), 8);
	assert_int_equal(c.retry_jitter, 20);
	assert_int_equal(c.dispatcher_concurrency, 64);
	assert_int_equal(c.dispatcher_batch, 64);
	assert_int_equal(c.dispatcher_poll_ms, 100);
	assert_int_equal(c.dispatcher_lease_ms, 120000);
	assert_null(c.dispatcher_notify);
	assert_null(c.metrics_listen);
	assert_int_equal(c.connect_timeout_ms, 5000);
	assert_int_equal(c.delivery_timeout_ms, 15000);
	assert_int_equal(c.disable_after_failures, 20);
	assert_int_equal(c.disable_after_ms, 5LL * 86400000);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
	conf_free(&c);
	conf_free(&c);		/* twice is harmless */
	conf_free(NULL);
}

/* Only db_user and db_name are required. */
static void
test_minimal(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	assert_int_equal(parse(&c, REQUIRED, err, sizeof(err)), 0);
	assert_string_equal(c.db_user, "webhookd");
	assert_string_equal(c.db_name, "webhooks");
	assert_int_equal(c.workers, 4);
	conf_free(&c);
}

static const char full_file[] =
    "# webhookd.conf: every key\n"
    "listen = /run/webhookd/webhookd.sock\n"
    "listen_mode = 0600\n"
    "listen_backlog = 512\n"
    "workers = 8\n"
    "max_requests = 10000\n"
    "shutdown_timeout = 30\n"
    "db_socket = /run/mysqld/mysqld.sock\n"
    "db_host = db.internal\n"
    "db_port = 3307\n"
    "db_user = webhookd\n"
    "db_password = s3cret=with=equals\n"
    "db_name = webhooks\n"
    "db_connect_timeout = 5\n"
    "db_rw_timeout = 20\n"
    "key_file = /etc/webhookd/keys\n"
    "page_size = 50\n"
    "max_page_size = 200\n"
    "allow_private_endpoints = true\n"
    "token_cache_ttl = 0\n"
    "secret_rotation_grace = 3600\n"
    "cors_origins = https://app.example.com, https://admin.example.com\n"
    "cors_max_age = 86400\n"
    "retry_schedule = 1s,2m,3h\n"
    "retry_jitter = 0\n"
    "dispatcher_concurrency = 10000\n"
    "dispatcher_batch = 1000\n"
    "dispatcher_poll_ms = 250\n"
    "dispatcher_lease_ms = 5m\n"
    "dispatcher_notify = /run/webhookd/notify.sock\n"
    "metrics_listen = 127.0.0.1:9464\n"
    "connect_timeout_ms = 2s\n"
    "delivery_timeout_ms = 30000\n"
    "disable_after_failures = 0\n"
    "disable_after_ms = 1d\n"
    "log_level = debug\n";

static void
test_full_file(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	if (parse(&c, full_file, err, sizeof(err)) != 0)
		fail_msg("full file: %s", err);
	assert_string_equal(c.listen, "/run/webhookd/webhookd.sock");
	assert_int_equal(c.listen_mode, 0600);
	assert_int_equal(c.listen_backlog, 512);
	assert_int_equal(c.workers, 8);
	assert_int_equal(c.max_requests, 10000);
	assert_int_equal(c.shutdown_timeout, 30);
	assert_string_equal(c.db_socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(c.db_host, "db.internal");
	assert_int_equal(c.db_port, 3307);
	assert_string_equal(c.db_user, "webhookd");
	assert_string_equal(c.db_password, "s3cret=with=equals");
	assert_string_equal(c.db_name, "webhooks");
	assert_int_equal(c.db_connect_timeout, 5);
	assert_int_equal(c.db_rw_timeout, 20);
	assert_string_equal(c.key_file, "/etc/webhookd/keys");
	assert_int_equal(c.page_size, 50);
	assert_int_equal(c.max_page_size, 200);
	assert_int_equal(c.allow_private_endpoints, 1);
	assert_int_equal(c.token_cache_ttl, 0);
	assert_int_equal(c.secret_rotation_grace, 3600);
	assert_string_equal(c.cors_origins,
	    "https://app.example.com, https://admin.example.com");
	assert_int_equal(c.cors_max_age, 86400);
	assert_int_equal(c.retry_n, 3);
	assert_int_equal(c.retry_ms[0], 1000);
	assert_int_equal(c.retry_ms[1], 120000);
	assert_int_equal(c.retry_ms[2], 3LL * 3600000);
	assert_int_equal(conf_attempt_limit(&c), 4);
	assert_int_equal(c.retry_jitter, 0);
	assert_int_equal(c.dispatcher_concurrency, 10000);
	assert_int_equal(c.dispatcher_batch, 1000);
	assert_int_equal(c.dispatcher_poll_ms, 250);
	assert_int_equal(c.dispatcher_lease_ms, 300000);
	assert_string_equal(c.dispatcher_notify, "/run/webhookd/notify.sock");
	assert_string_equal(c.metrics_listen, "127.0.0.1:9464");
	assert_int_equal(c.connect_timeout_ms, 2000);
	assert_int_equal(c.delivery_timeout_ms, 30000);
	assert_int_equal(c.disable_after_failures, 0);
	assert_int_equal(c.disable_after_ms, 86400000);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(conf_cors_allowed(&c, "https://app.example.com"), 1);
	assert_int_equal(conf_cors_allowed(&c, "https://admin.example.com"), 1);
	conf_free(&c);
	assert_null(c.listen);
	assert_null(c.db_password);
}

static void
test_comments_and_blanks(void **state)
{
	struct conf	c;
	char		err[256];
	static const char text[] =
	    "\n"
	    "# a comment\n"
	    "   # an indented comment = with an equals sign\n"
	    "\t#tab-indented\n"
	    "   \t  \n"
	    "\n"
	    "workers = 2\n"
	    "#workers = 99999\n"
	    "db_user = u\n"
	    "db_name = d\n"
	    "\n";

	(void)state;
	if (parse(&c, text, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.workers, 2);
	conf_free(&c);

	/* An empty file lacks only the required keys. */
	assert_int_equal(parse(&c, "", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "db_"));
	conf_free(&c);
}

static void
test_whitespace(void **state)
{
	struct conf	c;
	char		err[256];
	static const char text[] =
	    "workers=3\n"
	    "  db_user\t=\twebhookd  \n"
	    "db_name    =    my db name   \t\n"
	    "\tlisten =127.0.0.1:9000\r\n"
	    "db_password= p#ss \"quoted\" \n"
	    "key_file =\n"
	    "log_level = warn\r\n";

	(void)state;
	if (parse(&c, text, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.workers, 3);
	assert_string_equal(c.db_user, "webhookd");
	assert_string_equal(c.db_name, "my db name");
	assert_string_equal(c.listen, "127.0.0.1:9000");
	/* No end-of-line comments, no quoting: the value as written. */
	assert_string_equal(c.db_password, "p#ss \"quoted\"");
	assert_string_equal(c.key_file, "");
	assert_int_equal(c.log_level, LOG_LVL_WARN);
	conf_free(&c);
}

/* A key given twice takes the later value (and the first is freed). */
static void
test_repeated_key(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	if (parse(&c, "listen = /a\nlisten = /b\nworkers = 1\nworkers = 9\n"
	    REQUIRED, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.listen, "/b");
	assert_int_equal(c.workers, 9);
	conf_free(&c);
}

struct bool_row {
	const char	*v;
	int		 want;	/* -1: an error */
};

static const struct bool_row bool_rows[] = {
	{ "yes", 1 }, { "no", 0 }, { "on", 1 }, { "off", 0 },
	{ "1", 1 }, { "0", 0 }, { "true", 1 }, { "false", 0 },
	{ "TRUE", 1 }, { "False", 0 }, { "YES", 1 }, { "Off", 0 },
	{ "maybe", -1 }, { "", -1 }, { "2", -1 }, { "y", -1 }, { "n", -1 },
	{ "truee", -1 }, { "on off", -1 }, { "-1", -1 },
};

static void
test_booleans(void **state)
{
	char	text[256], err[256];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(bool_rows); i++) {
		struct conf c;
		int rc;

		snprintf(text, sizeof(text), "allow_private_endpoints = %s\n"
		    REQUIRED, bool_rows[i].v);
		rc = parse(&c, text, err, sizeof(err));
		if (bool_rows[i].want == -1 ? rc != -1 ||
		    strstr(err, "line 1") == NULL ||
		    strstr(err, "allow_private_endpoints") == NULL :
		    rc != 0 || c.allow_private_endpoints != bool_rows[i].want) {
			print_message("boolean row %zu: \"%s\": expected %d, "
			    "got rc %d value %d err \"%s\"\n", i,
			    bool_rows[i].v, bool_rows[i].want, rc,
			    c.allow_private_endpoints, err);
			bad++;
		}
		conf_free(&c);
	}
	assert_int_equal(bad, 0);
}

/* Each bad file fails; err names the line (when there is one) and the key. */
struct err_row {
	const char	*text;
	int		 line;		/* 0: a cross-key check, no line */
	const char	*key;		/* NULL: no key to name */
};

static const struct err_row err_rows[] = {
	{ "worker = 4\n" REQUIRED, 1, "worker" },
	{ "# comment\n\nnot_a_key = 1\n" REQUIRED, 3, "not_a_key" },
	{ "Workers = 4\n" REQUIRED, 1, "Workers" },
	{ "= 4\n" REQUIRED, 1, NULL },
	{ "workers 4\n" REQUIRED, 1, NULL },
	{ "\n\nworkers\n" REQUIRED, 3, NULL },
	{ "workers = 0\n" REQUIRED, 1, "workers" },
	{ "workers = abc\n" REQUIRED, 1, "workers" },
	{ "workers = 99999\n" REQUIRED, 1, "workers" },
	{ "workers = 257\n" REQUIRED, 1, "workers" },
	{ "workers = -1\n" REQUIRED, 1, "workers" },
	{ "workers = +4\n" REQUIRED, 1, "workers" },
	{ "workers = 4.0\n" REQUIRED, 1, "workers" },
	{ "workers = 4 # four\n" REQUIRED, 1, "workers" },
	{ "workers = 0x10\n" REQUIRED, 1, "workers" },
	{ "workers =\n" REQUIRED, 1, "workers" },
	{ "workers = 99999999999999999999999\n" REQUIRED, 1, "workers" },
	{ "max_requests = -5\n" REQUIRED, 1, "max_requests" },
	{ "db_port = 65536\n" REQUIRED, 1, "db_port" },
	{ "db_port = 0\n" REQUIRED, 1, "db_port" },
	{ "listen_mode = 999\n" REQUIRED, 1, "listen_mode" },
	{ "listen_mode = 0888\n" REQUIRED, 1, "listen_mode" },
	{ "listen_mode = 01000\n" REQUIRED, 1, "listen_mode" },
	{ "listen_mode = rw-rw----\n" REQUIRED, 1, "listen_mode" },
	{ "listen_mode = -0660\n" REQUIRED, 1, "listen_mode" },
	{ "allow_private_endpoints = maybe\n" REQUIRED, 1,
	    "allow_private_endpoints" },
	{ "log_level = loud\n" REQUIRED, 1, "log_level" },
	{ "log_level = DEBUG\n" REQUIRED, 1, "log_level" },
	{ "log_level =\n" REQUIRED, 1, "log_level" },
	{ "page_size = 0\n" REQUIRED, 1, "page_size" },
	{ "page_size = 101\n" REQUIRED, 1, "page_size" },
	{ "max_page_size = 1001\n" REQUIRED, 1, "max_page_size" },
	{ "dispatcher_poll_ms = 0\n" REQUIRED, 1, "dispatcher_poll_ms" },
	{ "dispatcher_poll_ms = 61s\n" REQUIRED, 1, "dispatcher_poll_ms" },
	{ "dispatcher_poll_ms = 5 s\n" REQUIRED, 1, "dispatcher_poll_ms" },
	{ "dispatcher_poll_ms = 5sec\n" REQUIRED, 1, "dispatcher_poll_ms" },
	{ "dispatcher_poll_ms = -5\n" REQUIRED, 1, "dispatcher_poll_ms" },
	{ "dispatcher_lease_ms = 999\n" REQUIRED, 1, "dispatcher_lease_ms" },
	{ "disable_after_ms = 366d\n" REQUIRED, 1, "disable_after_ms" },
	{ "retry_schedule = 5s,,5m\n" REQUIRED, 1, "retry_schedule" },
	{ "retry_schedule = 5s,5m,\n" REQUIRED, 1, "retry_schedule" },
	{ "retry_schedule = ,5s\n" REQUIRED, 1, "retry_schedule" },
	{ "retry_schedule = 5x\n" REQUIRED, 1, "retry_schedule" },
	{ "retry_schedule = "
	    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n"
	    REQUIRED, 1, "retry_schedule" },
	{ "retry_jitter = 101\n" REQUIRED, 1, "retry_jitter" },
	{ REQUIRED "\n\nworkers = 0\n", 5, "workers" },
	{ "page_size = 50\nmax_page_size = 10\n" REQUIRED, 0, "page_size" },
	{ "max_page_size = 19\n" REQUIRED, 0, "page_size" },
	{ "db_user = u\n", 0, "db_name" },
	{ "db_user = u\ndb_name =\n", 0, "db_name" },
	{ "db_name = d\n", 0, "db_user" },
};

static void
test_error_rows(void **state)
{
	char	err[256], want_line[32];
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(err_rows); i++) {
		const struct err_row *r = &err_rows[i];
		struct conf c;
		int rc = parse(&c, r->text, err, sizeof(err));

		snprintf(want_line, sizeof(want_line), "line %d:", r->line);
		if (rc != -1 || err[0] == '\0' ||
		    (r->line > 0 && strstr(err, want_line) == NULL) ||
		    (r->key != NULL && strstr(err, r->key) == NULL)) {
			print_message("conf error row %zu: \"%s\": expected -1 "
			    "naming line %d and %s; got %d, \"%s\"\n", i,
			    r->text, r->line, r->key ? r->key : "-", rc, err);
			bad++;
		}
		conf_free(&c);
	}
	assert_int_equal(bad, 0);
}

/* The error names the key without echoing its value (it may be a
 * password), and a long unknown key is cut short. */
static void
test_error_message_shape(void **state)
{
	struct conf	c;
	char		err[256], text[600];

	(void)state;
	assert_int_equal(parse(&c, "workers = 99999\n" REQUIRED, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 1: workers: must be a whole number in "
	    "range");
	conf_free(&c);

	memset(text, 'k', 500);
	strcpy(text + 500, " = 1\n");
	assert_int_equal(parse(&c, text, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 1: unknown key 'kkkk"));
	assert_true(strlen(err) < 120);
	conf_free(&c);

	/* A small err buffer is never overrun. */
	memset(err, 'Z', sizeof(err));
	assert_int_equal(parse(&c, "workers = 0\n" REQUIRED, err, 8), -1);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'Z');
	conf_free(&c);
}

struct dur_row {
	const char	*s;
	int		 rc;
	long long	 ms;
};

static const struct dur_row dur_rows[] = {
	{ "0", 0, 0 },
	{ "5", 0, 5000 },
	{ "500ms", 0, 500 },
	{ "15s", 0, 15000 },
	{ "5m", 0, 300000 },
	{ "2h", 0, 7200000 },
	{ "5d", 0, 432000000 },
	{ "007s", 0, 7000 },
	{ "", -1, 0 },
	{ "s", -1, 0 },
	{ "-5s", -1, 0 },
	{ "+5s", -1, 0 },
	{ " 5s", -1, 0 },
	{ "5 s", -1, 0 },
	{ "5s ", -1, 0 },
	{ "5S", -1, 0 },
	{ "5sec", -1, 0 },
	{ "5w", -1, 0 },
	{ "1.5s", -1, 0 },
	{ "99999999999999999999", -1, 0 },
	{ "999999999999999999d", -1, 0 },
};

static void
test_duration_rows(void **state)
{
	int	bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS(dur_rows); i++) {
		long long ms = -1;
		int rc = conf_parse_duration(dur_rows[i].s, &ms);

		if (rc != dur_rows[i].rc || (rc == 0 && ms != dur_rows[i].ms)) {
			print_message("conf_parse_duration row %zu: \"%s\": "
			    "expected %d/%lld, got %d/%lld\n", i,
			    dur_rows[i].s, dur_rows[i].rc, dur_rows[i].ms, rc,
			    ms);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The *_ms keys take bare numbers as milliseconds. */
static void
test_duration_keys(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	if (parse(&c, "dispatcher_poll_ms = 100\nconnect_timeout_ms = 1m\n"
	    "delivery_timeout_ms = 1h\ndisable_after_ms = 0\n" REQUIRED, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.dispatcher_poll_ms, 100);
	assert_int_equal(c.connect_timeout_ms, 60000);
	assert_int_equal(c.delivery_timeout_ms, 3600000);
	assert_int_equal(c.disable_after_ms, 0);
	conf_free(&c);
}

static void
test_retry_schedule(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	/* An empty value: one attempt, no retries. */
	if (parse(&c, "retry_schedule =\n" REQUIRED, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.retry_n, 0);
	assert_int_equal(conf_attempt_limit(&c), 1);
	conf_free(&c);

	if (parse(&c, "retry_schedule = 100ms , 2 ,\t3m\n" REQUIRED, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.retry_n, 3);
	assert_int_equal(c.retry_ms[0], 100);
	assert_int_equal(c.retry_ms[1], 2000);	/* bare: seconds */
	assert_int_equal(c.retry_ms[2], 180000);
	conf_free(&c);

	if (parse(&c, "retry_schedule = "
	    "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,32\n"
	    REQUIRED, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.retry_n, WH_CONF_MAX_RETRIES);
	assert_int_equal(c.retry_ms[31], 32000);
	conf_free(&c);

	/* A bad schedule leaves the previous one. */
	assert_int_equal(parse(&c, "retry_schedule = 5s,,5m\n" REQUIRED, err,
	    sizeof(err)), -1);
	assert_int_equal(c.retry_n, 7);
	conf_free(&c);
}

/*
 * webhookd.conf(5): "up to 32 durations separated by commas, spaces or
 * tabs".
 */
static void
test_retry_schedule_blank_separated(void **state)
{
	struct conf	c;
	char		err[256];
	int		rc;

	(void)state;
	rc = parse(&c, "retry_schedule = 5s 5m\t30m\n" REQUIRED, err,
	    sizeof(err));
	if (rc != 0) {
		print_message("retry_schedule = 5s 5m<TAB>30m: %s\n", err);
		conf_free(&c);
		fail();
	}
	assert_int_equal(c.retry_n, 3);
	assert_int_equal(c.retry_ms[0], 5000);
	assert_int_equal(c.retry_ms[1], 300000);
	assert_int_equal(c.retry_ms[2], 1800000);
	conf_free(&c);
}

/* db_host lists: each row's entries as "addr port socket;" or NULL (-1). */
static const struct {
	const char	*list;
	const char	*want;
} host_rows[] = {
	{ "db1", "db1 3306 0;" },
	{ "db1:3307, db2 ,db3:1", "db1 3307 0;db2 3306 0;db3 1 0;" },
	{ "127.0.0.1:33061 127.0.0.1:33062", "127.0.0.1 33061 0;127.0.0.1 33062 0;" },
	{ "/run/mysqld/mysqld.sock, db2", "/run/mysqld/mysqld.sock 3306 1;db2 3306 0;" },
	{ "[::1]:3307,[fe80::1]", "::1 3307 0;fe80::1 3306 0;" },
	{ "", "" },
	{ " , ", "" },
	{ "::1", NULL },		/* a bare v6 address */
	{ "[::1", NULL },
	{ "[]:3306", NULL },
	{ "[::1]x", NULL },
	{ "db1:", NULL },
	{ ":3306", NULL },
	{ "db1:0", NULL },
	{ "db1:65536", NULL },
	{ "db1:33a", NULL },
	{ "db1:-1", NULL },
	{ "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", NULL },	/* 17 > WH_DB_MAX_HOSTS */
};

static void
test_host_rows(void **state)
{
	struct conf_db_ep	ep[WH_DB_MAX_HOSTS];
	char			got[WH_DB_MAX_HOSTS * (WH_DB_MAX_HOST_LEN + 16)];
	int			bad = 0, n;

	(void)state;
	_Static_assert(WH_DB_MAX_HOSTS == 16, "the 17-entry row");
	for (size_t i = 0; i < NROWS(host_rows); i++) {
		n = conf_parse_hosts(host_rows[i].list, 3306, ep, WH_DB_MAX_HOSTS);
		got[0] = '\0';
		for (int k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s %u %d;", ep[k].addr, ep[k].port, ep[k].is_socket);
		if (host_rows[i].want == NULL ? n != -1 :
		    n == -1 || strcmp(got, host_rows[i].want) != 0) {
			print_message("hosts row %zu \"%s\": got %d \"%s\"\n",
			    i, host_rows[i].list, n, got);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* db_socket alone when set; else db_host's list; else the default; a
 * bad list is refused naming the key; db_sync_wait's range. */
static void
test_db_endpoints(void **state)
{
	char		err[256];
	char		longhost[WH_DB_MAX_HOST_LEN + 20];
	struct conf	c;

	(void)state;
	assert_int_equal(parse(&c, REQUIRED "db_socket = /s/my sock\n"
	    "db_host = a, b\n", err, sizeof(err)), 0);
	assert_int_equal(c.db_nep, 1);
	assert_string_equal(c.db_ep[0].addr, "/s/my sock");
	assert_true(c.db_ep[0].is_socket);
	assert_int_equal(c.db_sync_wait, 1);
	conf_free(&c);
	assert_int_equal(parse(&c, REQUIRED "db_port = 4000\n"
	    "db_host = a, b:5\ndb_sync_wait = 0\n", err, sizeof(err)), 0);
	assert_int_equal(c.db_nep, 2);
	assert_string_equal(c.db_ep[1].addr, "b");
	assert_int_equal(c.db_ep[0].port, 4000);
	assert_int_equal(c.db_ep[1].port, 5);
	assert_int_equal(c.db_sync_wait, 0);
	conf_free(&c);
	assert_int_equal(parse(&c, REQUIRED, err, sizeof(err)), 0);
	assert_int_equal(c.db_nep, 1);
	assert_string_equal(c.db_ep[0].addr, "");
	conf_free(&c);
	assert_int_equal(parse(&c, REQUIRED "db_host = a:x\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "db_host"));
	conf_free(&c);
	memset(longhost, 'h', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	char text[512];
	snprintf(text, sizeof(text), REQUIRED "db_host = %s\n", longhost);
	assert_int_equal(parse(&c, text, err, sizeof(err)), -1);
	conf_free(&c);
	assert_int_equal(parse(&c, REQUIRED "db_sync_wait = 16\n", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "db_sync_wait"));
	conf_free(&c);
}

static void
test_cors_allowed(void **state)
{
	struct conf	c;
	char		err[256];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_cors_allowed(&c, "https://a.example"), 0);
	if (parse(&c, "cors_origins = https://a.example,https://b.example "
	    "\thttp://localhost:3000\n" REQUIRED, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(conf_cors_allowed(&c, "https://a.example"), 1);
	assert_int_equal(conf_cors_allowed(&c, "https://b.example"), 1);
	assert_int_equal(conf_cors_allowed(&c, "http://localhost:3000"), 1);
	assert_int_equal(conf_cors_allowed(&c, "https://a.exampl"), 0);
	assert_int_equal(conf_cors_allowed(&c, "https://a.example/"), 0);
	assert_int_equal(conf_cors_allowed(&c, "https://A.example"), 0);
	assert_int_equal(conf_cors_allowed(&c, "https://a.example,https://b"
	    ".example"), 0);
	assert_int_equal(conf_cors_allowed(&c, ""), 0);
	assert_int_equal(conf_cors_allowed(&c, NULL), 0);
	conf_free(&c);
}

/* Writes text to path with mode. */
static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* conf_load: a file on disk. */
static void
test_load(void **state)
{
	struct conf	c;
	char		dir[] = "/tmp/test_conf.XXXXXX", path[128], err[512];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/webhookd.conf", dir);

	/* Missing: the error names the path. */
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	conf_free(&c);

	write_text(path, "# test\nworkers = 6\n" REQUIRED, 0600);
	conf_defaults(&c);
	if (conf_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.workers, 6);
	assert_string_equal(c.db_name, "webhooks");
	conf_free(&c);

	/* A parse error names the path and the line. */
	write_text(path, REQUIRED "\nworkers = lots\n", 0600);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 4"));
	assert_non_null(strstr(err, "workers"));
	conf_free(&c);

	/* A file holding db_password is a secret: only its owner may
	 * read it.  Without one, any mode is fine. */
	write_text(path, REQUIRED "db_password = hunter2\n", 0644);
	conf_defaults(&c);
	err[0] = '\0';
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "db_password"));
	assert_non_null(strstr(err, "chmod 600"));
	conf_free(&c);
	assert_int_equal(chmod(path, 0660), 0);
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, path, err, sizeof(err)), -1);
	conf_free(&c);
	assert_int_equal(chmod(path, 0600), 0);
	conf_defaults(&c);
	if (conf_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.db_password, "hunter2");
	conf_free(&c);
	write_text(path, REQUIRED "db_password =\n", 0644);
	conf_defaults(&c);
	if (conf_load(&c, path, err, sizeof(err)) != 0)
		fail_msg("an empty db_password holds no secret: %s", err);
	conf_free(&c);

	/* A directory is not a configuration file. */
	conf_defaults(&c);
	assert_int_equal(conf_load(&c, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, dir));
	conf_free(&c);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_error_rows),
		cmocka_unit_test(test_error_message_shape),
		cmocka_unit_test(test_duration_rows),
		cmocka_unit_test(test_duration_keys),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_retry_schedule_blank_separated),
		cmocka_unit_test(test_host_rows),
		cmocka_unit_test(test_db_endpoints),
		cmocka_unit_test(test_cors_allowed),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
