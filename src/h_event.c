/* SPDX-License-Identifier: MIT */
/* h_event.c: POST /webhooks/v1/events/, a processed document reported by
 * the pipeline, and DELETE /webhooks/v1/events/{id}/, its body erased
 * (service role). */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "log.h"
#include "valid.h"

/*
 * Resolves the template (by id or name), the user and the user's webhook
 * for it (wid, "" for none, NULL when not resolved; *enabled) in one query;
 * when that finds nothing, looks them up one by one to say which is
 * unknown (field errors).  Returns -1 when answered (database trouble).
 * The webhook is read before the outbox transaction: one disabled or
 * deleted in between gets a delivery that its dispatcher cancels.
 */
static int
event_lookup(struct ctx *c, const struct event_input *in,
    struct template_row *tpl, uint64_t *user_id, char wid[WH_UUID_LEN + 1],
    int *enabled, const char **resolved, json_object **errors)
{
	char		id[WH_UUID_LEN + 1];
	int		by_name = 0;
	enum db_rc	rc = DB_NOTFOUND;

	*resolved = NULL;
	if (in->api_template != NULL)
		by_name = valid_uuid(in->api_template,
		    strlen(in->api_template), id) != NULL;
	if (in->api_template != NULL && in->user != NULL) {
		rc = db_event_resolve(c->svc->db, by_name ? NULL : id,
		    in->api_template, in->user, tpl, user_id, wid, enabled);
		if (rc == DB_OK) {
			*resolved = wid;
			return 0;
		}
		if (rc != DB_NOTFOUND)
			goto fail;
	}
	if (in->api_template != NULL) {
		rc = by_name ?
		    db_template_get_by_name(c->svc->db, in->api_template, tpl) :
		    db_template_get(c->svc->db, id, tpl);
		if (rc == DB_NOTFOUND && fields_error(errors, "api_template",
		    "No active API template has this id or name.") == -1)
			goto nomem;
		else if (rc != DB_OK && rc != DB_NOTFOUND)
			goto fail;
	}
	if (in->user != NULL) {
		rc = db_user_id(c->svc->db, in->user, user_id);
		if (rc == DB_NOTFOUND &&
		    fields_error(errors, "user", "No such user.") == -1)
			goto nomem;
		else if (rc != DB_OK && rc != DB_NOTFOUND)
			goto fail;
	}
	return 0;
nomem:
	resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
	return -1;
fail:
	ctx_db_error(c, rc);
	return -1;
}

/* 202 with the event's id and its delivery count. */
static void
answer_event(struct ctx *c, const struct event_result *r)
{
	json_object	*o;

	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "id", json_object_new_string(r->id)) != 0 ||
	    json_object_object_add(o, "deliveries",
	    json_object_new_int(r->deliveries)) != 0) {
		json_object_put(o);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	resp_json(c->resp, 202, o);
	json_object_put(o);
}

/*
 * A key this service user sent before gets the stored answer, whatever
 * the new body names, even a template or user unknown since (asked only
 * then: a known pair reaches the ingest, which replays the key itself):
 * 1 when answered (stored, or database trouble), 0 to go on.
 */
static int
answer_replay(struct ctx *c, const char *key)
{
	struct event_result	r;
	enum db_rc		rc;

	if (key == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	rc = db_event_by_idempotency(c->svc->db, c->who.user_id, key, r.id,
	    &r.deliveries);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_event(c, &r);
	return 1;
}

void
h_event_create(struct ctx *c)
{
	const struct event_input *in = &c->in.event;
	struct template_row	 tpl;
	struct event_result	 r;
	char			 type[WH_MAX_TEMPLATE_NAME + 16];
	char			 wid[WH_UUID_LEN + 1];
	const char		*resolved;
	int			 enabled = 0;
	uint64_t		 user_id = 0;
	enum db_rc		 rc;

	/* The template and the user must exist: field errors too, unless
	 * the key was sent before (the ingest replays it otherwise). */
	if (event_lookup(c, in, &tpl, &user_id, wid, &enabled, &resolved,
	    &c->errors) == -1)
		return;
	if (c->errors != NULL && answer_replay(c, in->idempotency_key))
		return;		/* c->errors freed by the service */
	if (c->errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, c->errors);
		c->errors = NULL;	/* taken */
		return;
	}
	snprintf(type, sizeof(type), "%s.completed", tpl.name);
	rc = events_ingest(c->svc->db, &(struct event_spec){
	    .source_user_id = c->who.user_id,
	    .idempotency_key = in->idempotency_key, .user_id = user_id,
	    .tpl = &tpl, .owner_webhook_id = resolved,
	    .owner_enabled = enabled, .type = type,
	    .data = in->data,
	    .attempt_limit = 0 }, &r);	/* the dispatchers' schedule */
	if (rc != DB_OK && r.too_large) {
		resp_error(c->resp, WH_E_TOO_LARGE, "The event's data is too "
		    "large to deliver.", NULL);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	if (r.deliveries > 0 && !r.replayed)
		events_notify(c->svc->conf->dispatcher_notify);
	if (!r.replayed)
		log_info("event %s %s for user %s: %d delivery", r.id, type,
		    in->user, r.deliveries);
	answer_event(c, &r);
}

void
h_event_erase(struct ctx *c)
{
	enum db_rc	rc;

	if ((rc = db_event_erase(c->svc->db, c->who.user_id,
	    c->path_id)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("event %s: body erased by user %llu", c->path_id,
	    (unsigned long long)c->who.user_id);
	c->resp->status = 204;
}
