/* SPDX-License-Identifier: MIT */
/* router.c: match request paths against the route table. */
#include <string.h>

#include "handlers.h"
#include "inputs.h"
#include "wh_limits.h"
#include "router.h"

#define PREFIX "/webhooks/v1/"

#define NONE	NULL, 0
static const struct route routes[] = {
	{ "health", HTTP_GET, h_health, RF_NOAUTH, 0, NONE, NONE },
	{ "templates", HTTP_GET, h_template_list, 0, 0, NONE,
	    INPUT_TABLE(page_query) },
	{ "templates/*", HTTP_GET, h_template_get, 0, 0, NONE, NONE },
	{ "webhook", HTTP_GET, h_webhook_list, 0, 0, NONE,
	    INPUT_TABLE(webhook_list_query) },
	{ "webhook", HTTP_POST, h_webhook_create, RF_BODY | RF_LOOKUP,
	    WH_MAX_BODY, INPUT_TABLE(webhook_create_fields), NONE },
	{ "webhook/*", HTTP_GET, h_webhook_get, 0, 0, NONE, NONE },
	{ "webhook/*", HTTP_PUT, h_webhook_update, RF_BODY | RF_LOOKUP,
	    WH_MAX_BODY, INPUT_TABLE(webhook_put_fields), NONE },
	{ "webhook/*", HTTP_PATCH, h_webhook_update, RF_BODY | RF_LOOKUP,
	    WH_MAX_BODY, INPUT_TABLE(webhook_patch_fields), NONE },
	{ "webhook/*", HTTP_DELETE, h_webhook_delete, 0, 0, NONE, NONE },
	{ "webhook/*/test", HTTP_POST, h_webhook_test, 0, 0, NONE, NONE },
	{ "webhook/*/deliveries", HTTP_GET, h_delivery_list, 0, 0, NONE,
	    INPUT_TABLE(delivery_list_query) },
	{ "webhook/*/deliveries/*", HTTP_GET, h_delivery_get, 0, 0, NONE,
	    NONE },
	{ "webhook/*/deliveries/*/redeliver", HTTP_POST, h_delivery_redeliver,
	    0, 0, NONE, NONE },
	{ "webhook/*/signing-key", HTTP_POST, h_signing_key_create, 0, 0,
	    NONE, NONE },
	{ "webhook/*/signing-key", HTTP_GET, h_signing_key_get, 0, 0, NONE,
	    NONE },
	{ "webhook/*/signing-key", HTTP_DELETE, h_signing_key_delete, 0, 0,
	    NONE, NONE },
	{ "webhook/*/replay", HTTP_POST, h_replay_create, RF_BODY,
	    WH_MAX_BODY, INPUT_TABLE(replay_fields), NONE },
	{ "webhook/*/replay/*", HTTP_GET, h_replay_get, 0, 0, NONE, NONE },
	{ "webhook/*/events", HTTP_GET, h_webhook_events, 0, 0, NONE,
	    INPUT_TABLE(event_list_query) },
	{ "events", HTTP_POST, h_event_create, RF_BODY | RF_SERVICE | RF_LOOKUP,
	    WH_MAX_EVENT_BODY, INPUT_TABLE(event_fields), NONE },
	{ "events/*", HTTP_DELETE, h_event_erase, RF_SERVICE, 0, NONE, NONE },
};
#undef NONE

/* Does path p (n bytes, no prefix, no trailing slash) fit pattern?  The
 * '*' segments are stored in m. */
static int
fits(const char *pat, const char *p, size_t n, struct route_match *m)
{
	size_t	i = 0;
	int	k = 0;

	for (; *pat != '\0'; pat++) {
		if (*pat == '*') {
			size_t start = i;
			while (i < n && p[i] != '/')
				i++;
			if (i == start)
				return 0;
			if (k++ == 0) {
				m->id = p + start;
				m->id_len = i - start;
			} else {
				m->id2 = p + start;
				m->id2_len = i - start;
			}
			continue;
		}
		if (i >= n || p[i] != *pat)
			return 0;
		i++;
	}
	return i == n;
}

void
router_match(const char *path, size_t len, enum http_method m,
    struct route_match *out)
{
	const size_t	 pn = sizeof(PREFIX) - 1;
	enum http_method want = m == HTTP_HEAD ? HTTP_GET : m;

	memset(out, 0, sizeof(*out));
	if (len < pn || len > WH_MAX_PATH_LEN || memcmp(path, PREFIX, pn) != 0)
		return;
	path += pn;
	len -= pn;
	if (len > 0 && path[len - 1] == '/')
		len--;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		struct route_match	cand;

		memset(&cand, 0, sizeof(cand));
		if (!fits(routes[i].pattern, path, len, &cand))
			continue;
		/* OPTIONS is answered for every route (CORS preflights). */
		out->allowed |= routes[i].method | HTTP_OPTIONS;
		if (routes[i].method == HTTP_GET)
			out->allowed |= HTTP_HEAD;
		if (routes[i].method == want && out->route == NULL) {
			cand.route = &routes[i];
			cand.allowed = out->allowed;
			*out = cand;
		}
	}
}
