/* SPDX-License-Identifier: MIT */
/* h_event.c: POST /webhooks/v1/events/, a processed document reported by
 * the pipeline (service role). */
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "handlers.h"
#include "log.h"
#include "valid.h"

struct event_input {
	const char	*api_template;	/* UUID or name */
	const char	*user;
	json_object	*data;
	const char	*idempotency_key;
};

static const char *
string_field(json_object *v, const char **out, size_t max)
{
	size_t	n;

	if (!json_object_is_type(v, json_type_string))
		return v == NULL ? "This field may not be null." :
		    "Must be a string.";
	n = (size_t)json_object_get_string_len(v);
	if (n == 0)
		return "This field may not be blank.";
	if (n > max || memchr(json_object_get_string(v), '\0', n) != NULL)
		return n > max ? "Too long." : "Must not contain NUL.";
	*out = json_object_get_string(v);
	return NULL;
}

static const char *
idempotency_field(json_object *v, const char **out)
{
	const char	*why, *s;

	if ((why = string_field(v, &s, 255)) != NULL)
		return why;
	for (const char *p = s; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return "Use 1 to 255 printable ASCII characters "
			    "without spaces.";
	*out = s;
	return NULL;
}

/* Validates the members of the body; messages go to *errors. */
static int
event_parse(struct ctx *c, struct event_input *in, json_object **errors)
{
	memset(in, 0, sizeof(*in));
	json_object_object_foreach(c->body, key, val) {
		const char *why = "Unknown field.";

		if (strcmp(key, "api_template") == 0)
			why = string_field(val, &in->api_template,
			    WH_MAX_TEMPLATE_NAME);
		else if (strcmp(key, "user") == 0)
			why = string_field(val, &in->user, WH_MAX_NAME_LEN);
		else if (strcmp(key, "data") == 0) {
			why = json_object_is_type(val, json_type_object) ?
			    NULL : "Must be a JSON object.";
			if (why == NULL)
				in->data = val;
		} else if (strcmp(key, "idempotency_key") == 0)
			why = idempotency_field(val, &in->idempotency_key);
		if (why != NULL && errors_add(errors, key, why) == -1)
			return -1;
	}
	static const char *const required[] = { "api_template", "user", "data" };
	for (size_t i = 0; i < 3; i++)
		if (!json_object_object_get_ex(c->body, required[i], NULL) &&
		    errors_add(errors, required[i], "This field is required.") == -1)
			return -1;
	return 0;
}

/*
 * Resolves the template (by id or name), the user and the user's enabled
 * webhook for it (wid, "" for none, NULL when not resolved) in one query;
 * when that finds nothing, looks them up one by one to say which is
 * unknown (field errors).  Returns -1 when answered (database trouble).
 * The webhook is read before the outbox transaction: one disabled or
 * deleted in between gets a delivery that its dispatcher cancels.
 */
static int
event_lookup(struct ctx *c, const struct event_input *in,
    struct template_row *tpl, uint64_t *user_id, char wid[WH_UUID_LEN + 1],
    const char **resolved, json_object **errors)
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
		    in->api_template, in->user, tpl, user_id, wid);
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
		if (rc == DB_NOTFOUND)
			errors_add(errors, "api_template",
			    "No active API template has this id or name.");
		else if (rc != DB_OK)
			goto fail;
	}
	if (in->user != NULL) {
		rc = db_user_id(c->svc->db, in->user, user_id);
		if (rc == DB_NOTFOUND)
			errors_add(errors, "user", "No such user.");
		else if (rc != DB_OK)
			goto fail;
	}
	return 0;
fail:
	ctx_db_error(c, rc);
	return -1;
}

void
h_event_create(struct ctx *c)
{
	struct event_input	 in;
	struct template_row	 tpl;
	struct event_result	 r;
	json_object		*errors = NULL, *o;
	char			 type[WH_MAX_TEMPLATE_NAME + 16];
	char			 wid[WH_UUID_LEN + 1];
	const char		*resolved;
	uint64_t		 user_id = 0;
	enum db_rc		 rc;

	if (event_parse(c, &in, &errors) == -1) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (event_lookup(c, &in, &tpl, &user_id, wid, &resolved,
	    &errors) == -1) {
		json_object_put(errors);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	snprintf(type, sizeof(type), "%s.completed", tpl.name);
	rc = events_ingest(c->svc->db, &(struct event_spec){
	    .source_user_id = c->who.user_id,
	    .idempotency_key = in.idempotency_key, .user_id = user_id,
	    .tpl = &tpl, .enabled_webhook_id = resolved, .type = type,
	    .data = in.data,
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
		    in.user, r.deliveries);
	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, "id", json_object_new_string(r.id)) != 0 ||
	    json_object_object_add(o, "deliveries",
	    json_object_new_int(r.deliveries)) != 0) {
		json_object_put(o);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	resp_json(c->resp, 202, o);
	json_object_put(o);
}
