/* SPDX-License-Identifier: MIT */
/* fake_service.h: the handler tests' service: no database behind it, a
 * wrapped token lookup (-Wl,--wrap=db_auth_token) naming a caller the test
 * chooses, requests built in memory and their answers read back as JSON. */
#ifndef WH_FAKE_SERVICE_H
#define WH_FAKE_SERVICE_H

#include <stdint.h>

#include <json-c/json.h>

#include "service.h"

/* The caller every request's token names (set before a request). */
extern uint64_t	fake_user_id;
extern int	fake_is_service;
/* The Authorization header sent (a valid bearer token; NULL: none). */
extern const char	*fake_authorization;
extern const char	 fake_token_header[];
#define FAKE_USERNAME	"alice"

/* The host and scheme every request carries (pagination links). */
#define FAKE_HOST	"api.example.test"
#define FAKE_BASE	"https://" FAKE_HOST

struct fake {
	struct conf	 conf;
	struct svc	 svc;
	struct resp	 resp;
	json_object	*json;	/* the last answer's body parsed, or NULL */
};

/* cmocka group setup and teardown: *state becomes a struct fake. */
int	fake_setup(void **state);
int	fake_teardown(void **state);

/* cmocka per-test setup: the caller is user 42, without the service role,
 * with a valid token. */
int	fake_reset(void **state);

/*
 * Sends method path?query (query NULL: none) through service_handle, with
 * body as its JSON body (NULL: no body, no Content-Type) and
 * fake_authorization.  Returns the status; the answer's JSON is in f->json (it
 * fails the test when a non-empty body is not a JSON object).
 */
int	fake_request(struct fake *, enum http_method, const char *path,
	    const char *query, const char *body);

/* The value of a response header, or NULL. */
const char	*fake_header(const struct fake *, const char *name);

/*
 * The member of the answer at a dotted path ("results.0.api_template.id":
 * digits index arrays), or NULL when absent.  fake_str is its string
 * (NULL when not a string), fake_type its type (json_type_null when
 * absent: check fake_has), fake_len its array length (-1: not an array).
 */
json_object	*fake_at(const struct fake *, const char *path);
int		 fake_has(const struct fake *, const char *path);
const char	*fake_str(const struct fake *, const char *path);
json_type	 fake_type(const struct fake *, const char *path);
long long	 fake_int(const struct fake *, const char *path);
int		 fake_len(const struct fake *, const char *path);

/* Does s occur in the answer's body or any of its header values? */
int	fake_answer_has(const struct fake *, const char *s);

/* Asserts the contract's error shape: status, code, detail a string. */
void	fake_assert_error(const struct fake *, int status, const char *code);

/* Rows as the database would give them (ids and times well formed). */
void	fake_template_row(struct template_row *, const char *id,
	    const char *name);
void	fake_webhook_row(struct webhook_row *, const char *id,
	    const char *tpl_id);

#endif
