/* SPDX-License-Identifier: MIT */
/* render.c: build the JSON of templates and webhooks. */
#include "jsonx.h"
#include "render.h"

/* Adds key = val to o, taking val; returns 0 or -1 (val is then put). */
static int
add(json_object *o, const char *key, json_object *val)
{
	if (val == NULL)
		return -1;
	if (json_object_object_add(o, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

static json_object *
str_or_null(const char *s)
{
	/* json-c's null is the NULL pointer: never an allocation failure. */
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}

static int
add_nullable(json_object *o, const char *key, const char *s)
{
	if (s == NULL || *s == '\0')
		return json_object_object_add(o, key, NULL) == 0 ? 0 : -1;
	return add(o, key, str_or_null(s));
}

json_object *
render_template(const struct template_row *t)
{
	json_object	*o = json_object_new_object();

	if (o == NULL ||
	    add(o, "id", json_object_new_string(t->id)) == -1 ||
	    add(o, "name", json_object_new_string(t->name)) == -1 ||
	    add(o, "display_name", json_object_new_string(t->display_name)) == -1 ||
	    add_nullable(o, "description",
	    t->has_description ? t->description : NULL) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *
render_last_delivery(const struct webhook_row *w)
{
	json_object	*o = json_object_new_object();

	if (o == NULL ||
	    add(o, "at", json_object_new_string(w->last_at)) == -1 ||
	    add(o, "status", json_object_new_string(w->last_status)) == -1 ||
	    (w->last_code < 0 ?
	    json_object_object_add(o, "response_code", NULL) != 0 :
	    add(o, "response_code", json_object_new_int(w->last_code)) == -1)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *
render_webhook(const struct webhook_row *w, const char *created_by)
{
	json_object	*o = json_object_new_object();

	if (o == NULL ||
	    add(o, "id", json_object_new_string(w->id)) == -1 ||
	    add(o, "api_template", render_template(&w->tpl)) == -1 ||
	    add(o, "endpoint_url", json_object_new_string(w->endpoint_url)) == -1 ||
	    add(o, "status", json_object_new_string(w->status)) == -1 ||
	    add(o, "has_secret", json_object_new_boolean(w->has_secret)) == -1 ||
	    add(o, "created_by", json_object_new_string(created_by)) == -1 ||
	    add(o, "created_at", json_object_new_string(w->created_at)) == -1 ||
	    add(o, "updated_at", json_object_new_string(w->updated_at)) == -1 ||
	    add_nullable(o, "disabled_reason", w->disabled_reason) == -1 ||
	    add(o, "consecutive_failures",
	    json_object_new_int64(w->consecutive_failures)) == -1)
		goto err;
	if (w->last_at[0] == '\0') {
		if (json_object_object_add(o, "last_delivery", NULL) != 0)
			goto err;
	} else if (add(o, "last_delivery", render_last_delivery(w)) == -1)
		goto err;
	return o;
err:
	json_object_put(o);
	return NULL;
}

static int
add_int_or_null(json_object *o, const char *key, long long v)
{
	if (v < 0)
		return json_object_object_add(o, key, NULL) == 0 ? 0 : -1;
	return add(o, key, json_object_new_int64(v));
}

json_object *
render_delivery(const struct delivery_row *d)
{
	json_object	*o = json_object_new_object();

	if (o == NULL ||
	    add(o, "id", json_object_new_string(d->id)) == -1 ||
	    add(o, "event_id", json_object_new_string(d->event_id)) == -1 ||
	    add(o, "event_type", json_object_new_string(d->event_type)) == -1 ||
	    add(o, "status", json_object_new_string(d->status)) == -1 ||
	    add(o, "attempts", json_object_new_int64(d->attempts)) == -1 ||
	    add_int_or_null(o, "response_code", d->response_code) == -1 ||
	    add_nullable(o, "error", d->error) == -1 ||
	    add_int_or_null(o, "duration_ms", d->duration_ms) == -1 ||
	    add(o, "created_at", json_object_new_string(d->created_at)) == -1 ||
	    add_nullable(o, "last_attempt_at", d->last_attempt_at) == -1 ||
	    add_nullable(o, "next_attempt_at", d->next_attempt_at) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

json_object *
render_attempt(const struct attempt_row *a)
{
	json_object	*o = json_object_new_object();
	json_object	*t = json_object_new_object();

	if (o == NULL || t == NULL ||
	    add_int_or_null(t, "dns_ms", a->dns_ms) == -1 ||
	    add_int_or_null(t, "connect_ms", a->connect_ms) == -1 ||
	    add_int_or_null(t, "tls_ms", a->tls_ms) == -1 ||
	    add_int_or_null(t, "first_byte_ms", a->first_byte_ms) == -1) {
		json_object_put(t);
		goto err;
	}
	if (add(o, "timings", t) == -1)		/* add() put t */
		goto err;
	if (add(o, "at", json_object_new_string(a->at)) == -1 ||
	    add_int_or_null(o, "response_code", a->response_code) == -1 ||
	    add_nullable(o, "error_class", a->error_class) == -1 ||
	    add_nullable(o, "error", a->error) == -1 ||
	    add(o, "duration_ms", json_object_new_int64(a->duration_ms)) == -1)
		goto err;
	if (a->has_excerpt ? add(o, "response_excerpt",
	    jsonx_string_lossy(a->excerpt, a->excerpt_len)) == -1 :
	    json_object_object_add(o, "response_excerpt", NULL) != 0)
		goto err;
	return o;
err:
	json_object_put(o);
	return NULL;
}
