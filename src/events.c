/* SPDX-License-Identifier: MIT */
/* events.c: the transactional outbox: an event and its delivery together. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdlib.h>
#include <unistd.h>

#include "crypto.h"
#include "events.h"
#include "log.h"
#include "timeutil.h"

/* The JSON every attempt of this delivery sends; NULL when out of memory. */
static char *
delivery_body(const struct event_spec *e, const char *webhook_id,
    const char *now)
{
	json_object	*o = json_object_new_object();
	char		*s = NULL;

	if (o != NULL &&
	    json_object_object_add(o, "type", json_object_new_string(e->type)) == 0 &&
	    json_object_object_add(o, "timestamp", json_object_new_string(now)) == 0 &&
	    json_object_object_add(o, "webhook",
	    json_object_new_string(webhook_id)) == 0 &&
	    json_object_object_add(o, "data", json_object_get(e->data)) == 0)
		s = strdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static enum db_rc
replay(struct db *db, const struct event_spec *e, struct event_result *r)
{
	enum db_rc	rc;

	rc = db_event_by_idempotency(db, e->source_user_id, e->idempotency_key,
	    r->id, &r->deliveries);
	if (rc == DB_OK)
		r->replayed = 1;
	return rc;
}

/* The statements of the transaction; DB_OK or what failed. */
static enum db_rc
ingest_tx(struct db *db, const struct event_spec *e, struct event_result *r,
    const char *rfc, const char *dbnow)
{
	char		 wid[WH_UUID_LEN + 1] = "";
	char		*body;
	int		 enabled = 1, numbered = e->webhook_id == NULL;
	enum db_rc	 rc;

	if (e->webhook_id != NULL)
		snprintf(wid, sizeof(wid), "%s", e->webhook_id);
	else if (e->owner_webhook_id != NULL) {
		snprintf(wid, sizeof(wid), "%s", e->owner_webhook_id);
		enabled = e->owner_enabled;
	} else if ((rc = db_webhook_for(db, e->user_id, e->tpl->id, wid,
	    &enabled)) != DB_OK && rc != DB_NOTFOUND)
		return rc;
	r->deliveries = wid[0] != '\0' && enabled;
	if ((rc = db_event_insert(db, r->id, e->source_user_id,
	    e->idempotency_key, e->user_id, e->tpl ? e->tpl->id : NULL,
	    e->type, r->deliveries, dbnow)) != DB_OK || wid[0] == '\0')
		return rc;
	if ((body = delivery_body(e, wid, rfc)) == NULL)
		return DB_ERR;
	if (strlen(body) > WH_MAX_DELIVERY_BODY) {
		/* Never written: no dispatcher could read it back whole. */
		free(body);
		r->too_large = 1;
		return DB_ERR;
	}
	crypto_uuid_v7(r->delivery_id);
	if (numbered && (rc = db_sequence_next(db, wid)) != DB_OK) {
		free(body);
		return rc;
	}
	rc = db_delivery_insert(db, &(struct delivery_new){ .id = r->delivery_id,
	    .event_id = r->id, .webhook_id = wid, .event_type = e->type,
	    .body = body, .user_id = e->user_id, .manual = e->manual,
	    .attempt_limit = e->attempt_limit, .now_db = dbnow,
	    .numbered = numbered, .kept_error = enabled ? NULL :
	    "not sent: the webhook was disabled when the event came" });
	free(body);
	if (!enabled)
		r->delivery_id[0] = '\0';
	return rc;
}

struct ingest_ctx {
	const struct event_spec	*e;
	struct event_result	*r;
};

/* One try: fresh ids and time, the rows, then the caller's hook. */
static enum db_rc
ingest_try(struct db *db, void *vctx)
{
	struct ingest_ctx	*x = vctx;
	char			 rfc[WH_TIME_LEN + 1], dbnow[TIME_DB_LEN + 1];
	enum db_rc		 rc;

	memset(x->r, 0, sizeof(*x->r));
	if (x->e->before != NULL &&
	    (rc = x->e->before(db, x->e->hook_ctx)) != DB_OK)
		return rc;
	crypto_uuid_v7(x->r->id);
	time_now(rfc, dbnow);
	if ((rc = ingest_tx(db, x->e, x->r, rfc, dbnow)) != DB_OK)
		return rc;
	if (x->e->written == NULL || !x->r->deliveries)
		return DB_OK;
	return x->e->written(db, x->r, x->e->hook_ctx);
}

enum db_rc
events_ingest(struct db *db, const struct event_spec *e,
    struct event_result *r)
{
	enum db_rc	rc;

	memset(r, 0, sizeof(*r));
	if (e->idempotency_key != NULL &&
	    (rc = replay(db, e, r)) != DB_NOTFOUND)
		return rc;
	rc = db_tx(db, ingest_try, &(struct ingest_ctx){ e, r });
	/* The same key committed by a concurrent report first. */
	if (rc == DB_DUP && e->idempotency_key != NULL) {
		memset(r, 0, sizeof(*r));
		/* Not found now: it went in between; the report may be retried. */
		return (rc = replay(db, e, r)) == DB_NOTFOUND ? DB_DOWN : rc;
	}
	return rc;
}

void
events_notify(const char *path)
{
	/* One socket per process, made on first use (after fork in the
	 * workers), not one per event. */
	static int		fd = -1;
	struct sockaddr_un	sun;
	size_t			n;

	if (path == NULL || (n = strlen(path)) == 0 || n >= sizeof(sun.sun_path))
		return;
	if (fd == -1 && (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n + 1);
	/* ENOENT/ECONNREFUSED: no dispatcher listens; EAGAIN: it has
	 * wake-ups queued already.  Either way there is nothing to do. */
	(void)sendto(fd, "!", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
}
