/* SPDX-License-Identifier: MIT */
/* render.c: write templates, webhooks, deliveries, attempts, a webhook's
 * events, signing key and replays as JSON. */
#include <json-c/json.h>

#include "jsonx.h"
#include "render.h"

void
render_template(struct jw *w, const struct template_row *t)
{
	jw_obj(w);
	jw_key(w, "id");
	jw_str(w, t->id);
	jw_key(w, "name");
	jw_str(w, t->name);
	jw_key(w, "display_name");
	jw_str(w, t->display_name);
	jw_key(w, "description");
	if (t->has_description)
		jw_str(w, t->description);
	else
		jw_null(w);
	jw_obj_end(w);
}

static void
render_last_delivery(struct jw *w, const struct webhook_row *h)
{
	if (h->last_at[0] == '\0') {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "at");
	jw_str(w, h->last_at);
	jw_key(w, "status");
	jw_str(w, h->last_status);
	jw_key(w, "response_code");
	jw_int_or_null(w, h->last_code);
	jw_obj_end(w);
}

void
render_webhook(struct jw *w, const struct webhook_row *h, const char *created_by)
{
	jw_obj(w);
	jw_key(w, "id");
	jw_str(w, h->id);
	jw_key(w, "api_template");
	render_template(w, &h->tpl);
	jw_key(w, "endpoint_url");
	jw_str(w, h->endpoint_url);
	jw_key(w, "status");
	jw_str(w, h->status);
	jw_key(w, "has_secret");
	jw_bool(w, h->has_secret);
	jw_key(w, "created_by");
	jw_str(w, created_by);
	jw_key(w, "created_at");
	jw_str(w, h->created_at);
	jw_key(w, "updated_at");
	jw_str(w, h->updated_at);
	jw_key(w, "disabled_reason");
	jw_str_or_null(w, h->disabled_reason);
	jw_key(w, "consecutive_failures");
	jw_int(w, h->consecutive_failures);
	jw_key(w, "last_delivery");
	render_last_delivery(w, h);
	jw_obj_end(w);
}

void
render_delivery(struct jw *w, const struct delivery_row *d, int open)
{
	jw_obj(w);
	jw_key(w, "id");
	jw_str(w, d->id);
	jw_key(w, "event_id");
	jw_str(w, d->event_id);
	jw_key(w, "event_type");
	jw_str(w, d->event_type);
	jw_key(w, "status");
	jw_str(w, d->status);
	jw_key(w, "attempts");
	jw_int(w, d->attempts);
	jw_key(w, "response_code");
	jw_int_or_null(w, d->response_code);
	jw_key(w, "error");
	jw_str_or_null(w, d->error);
	jw_key(w, "duration_ms");
	jw_int_or_null(w, d->duration_ms);
	jw_key(w, "created_at");
	jw_str(w, d->created_at);
	jw_key(w, "last_attempt_at");
	jw_str_or_null(w, d->last_attempt_at);
	jw_key(w, "next_attempt_at");
	jw_str_or_null(w, d->next_attempt_at);
	if (!open)
		jw_obj_end(w);
}

void
render_attempt(struct jw *w, const struct attempt_row *a)
{
	json_object	*ex;

	jw_obj(w);
	jw_key(w, "at");
	jw_str(w, a->at);
	jw_key(w, "response_code");
	jw_int_or_null(w, a->response_code);
	jw_key(w, "error_class");
	jw_str_or_null(w, a->error_class);
	jw_key(w, "error");
	jw_str_or_null(w, a->error);
	jw_key(w, "duration_ms");
	jw_int(w, a->duration_ms);
	jw_key(w, "timings");
	jw_obj(w);
	jw_key(w, "dns_ms");
	jw_int_or_null(w, a->dns_ms);
	jw_key(w, "connect_ms");
	jw_int_or_null(w, a->connect_ms);
	jw_key(w, "tls_ms");
	jw_int_or_null(w, a->tls_ms);
	jw_key(w, "first_byte_ms");
	jw_int_or_null(w, a->first_byte_ms);
	jw_obj_end(w);
	jw_key(w, "response_excerpt");
	if (!a->has_excerpt)
		jw_null(w);
	else if ((ex = jsonx_string_lossy(a->excerpt, a->excerpt_len,
	    sizeof(a->excerpt) - 1)) == NULL)
		w->err = 1;
	else {
		/* A receiver's bytes, made valid UTF-8 first. */
		jw_strn(w, json_object_get_string(ex),
		    (size_t)json_object_get_string_len(ex));
		json_object_put(ex);
	}
	jw_obj_end(w);
}

void
render_event(struct jw *w, const struct event_row *e, const char *body,
    size_t body_len)
{
	jw_obj(w);
	jw_key(w, "id");
	jw_str(w, e->id);
	jw_key(w, "sequence");
	jw_int(w, e->sequence);
	jw_key(w, "type");
	jw_str(w, e->type);
	jw_key(w, "created_at");
	jw_str(w, e->created_at);
	jw_key(w, "delivery_id");
	jw_str(w, e->delivery_id);
	jw_key(w, "delivery_status");
	jw_str(w, e->status);
	jw_key(w, "body");
	if (body == NULL)
		jw_null(w);		/* erased */
	else
		jw_raw(w, body, body_len);
	jw_obj_end(w);
}

void
render_replay(struct jw *w, const struct replay_row *r)
{
	jw_obj(w);
	jw_key(w, "id");
	jw_str(w, r->id);
	jw_key(w, "webhook");
	jw_str(w, r->webhook_id);
	jw_key(w, "status");
	jw_str(w, r->status);
	jw_key(w, "filter");
	jw_obj(w);
	jw_key(w, "status");
	jw_str_or_null(w, r->f_status);
	jw_key(w, "since");
	jw_str_or_null(w, r->f_since);
	jw_key(w, "until");
	jw_str_or_null(w, r->f_until);
	jw_key(w, "after");
	jw_int_or_null(w, r->f_after);
	jw_obj_end(w);
	jw_key(w, "matched");
	jw_int(w, r->matched);
	jw_key(w, "requeued");
	jw_int(w, r->requeued);
	jw_key(w, "skipped");
	jw_int(w, r->skipped);
	jw_key(w, "created_at");
	jw_str(w, r->created_at);
	jw_key(w, "updated_at");
	jw_str(w, r->updated_at);
	jw_key(w, "finished_at");
	jw_str_or_null(w, r->finished_at);
	jw_obj_end(w);
}

void
render_signing_key(struct jw *w, const struct signing_key_row *k)
{
	jw_obj(w);
	jw_key(w, "public_key");
	jw_str(w, k->public_key);
	jw_key(w, "created_at");
	jw_str(w, k->created_at);
	jw_key(w, "previous_public_key");
	jw_str_or_null(w, k->prev_public_key);
	jw_key(w, "previous_expires_at");
	jw_str_or_null(w, k->prev_until);
	jw_obj_end(w);
}
