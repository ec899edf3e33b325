/* SPDX-License-Identifier: MIT */
/* webhookctl.c: the admin CLI: migrations, users, tokens, templates, keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "conf.h"
#include "crypto.h"
#include "db_admin.h"
#include "db_auth.h"
#include "db_template.h"
#include "events.h"
#include "wh_limits.h"
#include "log.h"
#include "valid.h"


struct cli {
	struct conf	 conf;
	struct db	*db;
	int		 argc;
	char		**argv;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: webhookctl -c CONFIG COMMAND [ARGS]\n"
	    "  migrate [--sql-dir DIR]\n"
	    "  user add NAME\n"
	    "  token create USER [--service] [--name LABEL] [--expires-days N | --expires-in DURATION]\n"
	    "  token revoke - | --id ID | TOKEN   (-: the token on standard input)\n"
	    "  token list [USER]\n"
	    "  template add NAME DISPLAY_NAME [--description TEXT]\n"
	    "  template list\n"
	    "  template disable NAME\n"
	    "  emit TEMPLATE USER JSON [--idempotency-key KEY]\n"
	    "  deliveries list [--webhook ID] [--status STATUS] [--limit N]\n"
	    "  deliveries retry DELIVERY_ID\n"
	    "  key generate FILE            (no -c needed)\n");
	exit(2);
}

/* The value after option name in argv[from..], or NULL; flag: present. */
static const char *
opt_value(struct cli *c, int from, const char *name, int *flag)
{
	for (int i = from; i < c->argc && c->argv[i] != NULL; i++)
		if (strcmp(c->argv[i], name) == 0) {
			if (flag != NULL) {
				*flag = 1;
				return "";
			}
			if (i + 1 >= c->argc)
				usage();
			return c->argv[i + 1];
		}
	return NULL;
}

static int
fail(struct cli *c, const char *what, enum db_rc rc)
{
	switch (rc) {
	case DB_DUP:
		fprintf(stderr, "webhookctl: %s: already exists\n", what);
		break;
	case DB_NOTFOUND:
		fprintf(stderr, "webhookctl: %s: not found\n", what);
		break;
	default:
		fprintf(stderr, "webhookctl: %s: %s\n", what, db_error(c->db));
	}
	return 1;
}

static int
cmd_migrate(struct cli *c)
{
	const char	*dir = opt_value(c, 1, "--sql-dir", NULL);
	int		 applied = 0;
	enum db_rc	 rc;

	if (dir == NULL)
		dir = PKGDATADIR "/sql";
	if ((rc = db_migrate(c->db, dir, &applied)) != DB_OK)
		return fail(c, "migrate", rc);
	printf("%d migration(s) applied\n", applied);
	return 0;
}

static int
check_name(const char *what, const char *s, size_t max)
{
	size_t	n = strlen(s);

	if (n == 0 || n > max) {
		fprintf(stderr, "webhookctl: %s must have 1 to %zu bytes\n",
		    what, max);
		return -1;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			fprintf(stderr, "webhookctl: %s has a control "
			    "character\n", what);
			return -1;
		}
	return 0;
}

static int
cmd_user(struct cli *c)
{
	enum db_rc	rc;

	if (c->argc != 3 || strcmp(c->argv[1], "add") != 0)
		usage();
	if (check_name("user name", c->argv[2], WH_MAX_NAME_LEN) == -1)
		return 1;
	if ((rc = db_user_add(c->db, c->argv[2])) != DB_OK)
		return fail(c, c->argv[2], rc);
	fprintf(stderr, "user %s added\n", c->argv[2]);
	return 0;
}

static int
token_create(struct cli *c)
{
	char		 tok[WH_TOKEN_LEN + 1], prefix[13];
	unsigned char	 hash[32];
	const char	*name = opt_value(c, 3, "--name", NULL);
	const char	*expires = opt_value(c, 3, "--expires-days", NULL);
	const char	*expires_in = opt_value(c, 3, "--expires-in", NULL);
	long long	 days, ms = -1;
	int		 service = 0;
	uint64_t	 uid;
	enum db_rc	 rc;

	opt_value(c, 3, "--service", &service);
	if ((rc = db_user_id(c->db, c->argv[2], &uid)) != DB_OK)
		return fail(c, c->argv[2], rc);
	if (name != NULL && check_name("token name", name, 100) == -1)
		return 1;
	if (expires != NULL && expires_in != NULL) {
		fprintf(stderr, "webhookctl: --expires-days or --expires-in, "
		    "not both\n");
		return 1;
	}
	if (expires != NULL) {
		if (valid_positive_int(expires, WH_TOKEN_MAX_DAYS, &days) !=
		    VALID_INT_OK) {
			fprintf(stderr, "webhookctl: --expires-days takes 1 to "
			    "%d\n", WH_TOKEN_MAX_DAYS);
			return 1;
		}
		ms = days * 86400000LL;
	}
	if (expires_in != NULL && (conf_parse_duration(expires_in, &ms) == -1 ||
	    ms < 1000 || ms > WH_TOKEN_MAX_DAYS * 86400000LL)) {
		fprintf(stderr, "webhookctl: --expires-in takes a duration from "
		    "1s to %dd, such as 90s, 12h or 30d\n", WH_TOKEN_MAX_DAYS);
		return 1;
	}
	crypto_token_new(tok);
	crypto_token_hash(tok, hash);
	snprintf(prefix, sizeof(prefix), "%.12s", tok);
	if ((rc = db_token_add(c->db, uid, hash, prefix, name, service, ms)) !=
	    DB_OK)
		return fail(c, "token", rc);
	printf("%s\n", tok);
	explicit_bzero(tok, sizeof(tok));
	return 0;
}

static int
print_token(void *ctx, const struct token_row *t)
{
	printf("%llu\t%s\t%s...\t%s\t%s\tcreated %s\texpires %s\t%s%s\n",
	    (unsigned long long)t->id, t->username, t->prefix,
	    t->name[0] ? t->name : "-", t->is_service ? "service" : "user",
	    t->created_at, t->expires_at[0] ? t->expires_at : "never",
	    t->revoked_at[0] ? "revoked " : "live",
	    t->revoked_at[0] ? t->revoked_at : "");
	return 0;
}

/* The token of `token revoke -`: one line on standard input. */
static int
token_from_stdin(char tok[WH_TOKEN_LEN + 2])
{
	char	line[WH_TOKEN_LEN + 8];
	size_t	n;

	/* Unbuffered: no copy of the token is left in stdio's buffer. */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return -1;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (n > WH_TOKEN_LEN) {
		explicit_bzero(line, sizeof(line));
		return -1;
	}
	memcpy(tok, line, n + 1);
	explicit_bzero(line, sizeof(line));
	return 0;
}

/* token revoke TOKEN | - | --id N */
static int
token_revoke(struct cli *c)
{
	char		tok[WH_TOKEN_LEN + 2];
	unsigned char	hash[32];
	long long	id;
	enum db_rc	rc;

	if (c->argc == 4 && strcmp(c->argv[2], "--id") == 0) {
		if (valid_positive_int(c->argv[3], 1LL << 53, &id) !=
		    VALID_INT_OK) {
			fprintf(stderr, "webhookctl: --id takes a token id "
			    "(see token list)\n");
			return 1;
		}
		rc = db_token_revoke_id(c->db, (uint64_t)id);
	} else if (c->argc == 3) {
		if (strcmp(c->argv[2], "-") == 0 ? token_from_stdin(tok) == -1 :
		    snprintf(tok, sizeof(tok), "%s", c->argv[2]) >= (int)sizeof(tok)) {
			fprintf(stderr, "webhookctl: not a token\n");
			return 1;
		}
		if (!crypto_token_wellformed(tok)) {
			explicit_bzero(tok, sizeof(tok));
			fprintf(stderr, "webhookctl: not a token\n");
			return 1;
		}
		crypto_token_hash(tok, hash);
		explicit_bzero(tok, sizeof(tok));
		rc = db_token_revoke(c->db, hash);
	} else
		usage();
	if (rc != DB_OK)
		return fail(c, "token", rc);
	fprintf(stderr, "token revoked\n");
	return 0;
}

static int
cmd_token(struct cli *c)
{
	enum db_rc	rc;

	if (c->argc >= 3 && strcmp(c->argv[1], "create") == 0)
		return token_create(c);
	if (c->argc >= 3 && strcmp(c->argv[1], "revoke") == 0)
		return token_revoke(c);
	if ((c->argc == 2 || c->argc == 3) && strcmp(c->argv[1], "list") == 0) {
		if ((rc = db_token_list(c->db, c->argc == 3 ? c->argv[2] : NULL,
		    print_token, NULL)) != DB_OK)
			return fail(c, "token list", rc);
		return 0;
	}
	usage();
	return 2;
}

static int
print_template(void *ctx, const struct template_row *t)
{
	printf("%s\t%s\t%s\t%s\n", t->id, t->is_active ? "active" : "disabled",
	    t->name, t->display_name);
	return 0;
}

static int
template_add(struct cli *c)
{
	const char	*desc = opt_value(c, 4, "--description", NULL);
	char		 id[WH_UUID_LEN + 1];
	enum db_rc	 rc;

	if (check_name("template name", c->argv[2], WH_MAX_TEMPLATE_NAME) == -1 ||
	    check_name("display name", c->argv[3], WH_MAX_DISPLAY_NAME) == -1 ||
	    (desc != NULL && check_name("description", desc,
	    WH_MAX_DESCRIPTION) == -1))
		return 1;
	crypto_uuid_v7(id);
	if ((rc = db_template_add(c->db, id, c->argv[2], c->argv[3], desc)) !=
	    DB_OK)
		return fail(c, c->argv[2], rc);
	printf("%s\n", id);
	return 0;
}

static int
cmd_template(struct cli *c)
{
	enum db_rc	rc;

	if (c->argc >= 4 && strcmp(c->argv[1], "add") == 0)
		return template_add(c);
	if (c->argc == 2 && strcmp(c->argv[1], "list") == 0) {
		if ((rc = db_template_list_all(c->db, print_template, NULL)) !=
		    DB_OK)
			return fail(c, "template list", rc);
		return 0;
	}
	if (c->argc == 3 && strcmp(c->argv[1], "disable") == 0) {
		if ((rc = db_template_disable(c->db, c->argv[2])) != DB_OK)
			return fail(c, c->argv[2], rc);
		fprintf(stderr, "template %s disabled\n", c->argv[2]);
		return 0;
	}
	usage();
	return 2;
}

/* emit: what POST /webhooks/v1/events/ does, from the shell, as the
 * user itself (operators reporting by hand). */
static int
cmd_emit(struct cli *c)
{
	struct template_row	 tpl;
	struct event_result	 r;
	json_object		*data;
	const char		*key;
	char			 id[WH_UUID_LEN + 1], type[WH_MAX_TEMPLATE_NAME + 16];
	char			 wid[WH_UUID_LEN + 1];
	uint64_t		 uid;
	int			 enabled;
	enum db_rc		 rc;

	if (c->argc < 4)
		usage();
	key = opt_value(c, 4, "--idempotency-key", NULL);
	if ((data = json_tokener_parse(c->argv[3])) == NULL ||
	    !json_object_is_type(data, json_type_object)) {
		json_object_put(data);
		fprintf(stderr, "webhookctl: JSON must be an object\n");
		return 1;
	}
	rc = db_event_resolve(c->db, valid_uuid(c->argv[1], strlen(c->argv[1]),
	    id) == NULL ? id : NULL, c->argv[1], c->argv[2], &tpl, &uid, wid,
	    &enabled);
	if (rc != DB_OK) {
		json_object_put(data);
		return fail(c, "template or user", rc);
	}
	snprintf(type, sizeof(type), "%s.completed", tpl.name);
	rc = events_ingest(c->db, &(struct event_spec){ .source_user_id = uid,
	    .idempotency_key = key, .user_id = uid, .tpl = &tpl, .type = type,
	    .owner_webhook_id = wid, .owner_enabled = enabled, .data = data,
	    .attempt_limit = 0 }, &r);
	json_object_put(data);
	if (rc != DB_OK)
		return fail(c, "emit", rc);
	events_notify(c->conf.dispatcher_notify);
	printf("%s %d\n", r.id, r.deliveries);
	return 0;
}

static int
print_delivery(void *ctx, const struct delivery_row *d, const char *wid)
{
	printf("%s\t%s\t%s\t%-9s\t%lld\t%d\t%s\t%s\n", d->id, wid, d->created_at,
	    d->status, d->attempts, d->response_code,
	    d->next_attempt_at[0] ? d->next_attempt_at : "-",
	    d->error[0] ? d->error : "-");
	return 0;
}

static int
cmd_deliveries(struct cli *c)
{
	const char	*limit;
	long long	 n = 50;
	enum db_rc	 rc;

	if (c->argc >= 2 && strcmp(c->argv[1], "list") == 0) {
		limit = opt_value(c, 2, "--limit", NULL);
		if (limit != NULL && valid_positive_int(limit, 100000, &n) !=
		    VALID_INT_OK) {
			fprintf(stderr, "webhookctl: --limit takes 1 to "
			    "100000\n");
			return 1;
		}
		printf("id\twebhook\tcreated_at\tstatus\tattempts\tcode\t"
		    "next_attempt_at\terror\n");
		rc = db_admin_delivery_list(c->db, opt_value(c, 2, "--webhook",
		    NULL), opt_value(c, 2, "--status", NULL),
		    n, print_delivery, NULL);
		return rc == DB_OK ? 0 : fail(c, "deliveries", rc);
	}
	if (c->argc == 3 && strcmp(c->argv[1], "retry") == 0) {
		if ((rc = db_admin_delivery_retry(c->db, c->argv[2])) == DB_LIMIT) {
			fprintf(stderr, "webhookctl: %s: has had %d attempts, the "
			    "most a delivery may have\n", c->argv[2],
			    WH_MAX_ATTEMPTS);
			return 1;
		}
		if (rc != DB_OK)
			return fail(c, c->argv[2], rc);
		events_notify(c->conf.dispatcher_notify);
		fprintf(stderr, "delivery %s queued\n", c->argv[2]);
		return 0;
	}
	usage();
	return 2;
}

static int
cmd_key(int argc, char **argv)
{
	char	err[512];

	if (argc != 3 || strcmp(argv[1], "generate") != 0)
		usage();
	if (crypto_key_generate(argv[2], err, sizeof(err)) == -1) {
		fprintf(stderr, "webhookctl: %s\n", err);
		return 1;
	}
	fprintf(stderr, "key written to %s\n", argv[2]);
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct cli *);
} commands[] = {
	{ "migrate", cmd_migrate },
	{ "user", cmd_user },
	{ "token", cmd_token },
	{ "template", cmd_template },
	{ "emit", cmd_emit },
	{ "deliveries", cmd_deliveries },
};

static int
run(struct cli *c, const char *cfg)
{
	char	err[512];

	conf_defaults(&c->conf);
	if (conf_load(&c->conf, cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "webhookctl: %s\n", err);
		return 1;
	}
	log_set_level(c->conf.log_level);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(c->argv[0], commands[i].name) != 0)
			continue;
		if ((c->db = db_new(&c->conf)) == NULL ||
		    db_connect(c->db) != DB_OK) {
			fprintf(stderr, "webhookctl: database: %s\n",
			    c->db ? db_error(c->db) : "out of memory");
			return 1;
		}
		return commands[i].fn(c);
	}
	usage();
	return 2;
}

int
main(int argc, char *argv[])
{
	struct cli	 c;
	const char	*cfg = NULL;
	int		 ch, rc;

	memset(&c, 0, sizeof(c));
	log_set_ident("webhookctl");
	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch != 'c')
			usage();
		cfg = optarg;
	}
	c.argc = argc - optind;
	c.argv = argv + optind;
	if (c.argc < 1)
		usage();
	if (crypto_init() == -1 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	if (strcmp(c.argv[0], "key") == 0)
		rc = cmd_key(c.argc, c.argv);
	else if (cfg == NULL)
		usage();
	else
		rc = run(&c, cfg);
	db_free(c.db);
	conf_free(&c.conf);
	curl_global_cleanup();
	return rc;
}
