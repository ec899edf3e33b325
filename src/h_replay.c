/* SPDX-License-Identifier: MIT */
/* h_replay.c: POST .../webhook/{id}/replay/ (a job requeuing the webhook's
 * failed or cancelled deliveries) and GET .../replay/{job}/ (its progress). */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "events.h"
#include "handlers.h"
#include "log.h"
#include "render.h"

static void
answer_replay(struct ctx *c, int status, const struct replay_row *r)
{
	struct jw	w;

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_replay(&w, r);
	resp_jw_done(c->resp, status, &w);
}

/* The refusals of act_replay_create. */
static void
answer_refused(struct ctx *c, enum replay_refusal why, long long retry_s)
{
	char	msg[192], s[24];

	if (why == RP_TOO_MANY) {
		snprintf(msg, sizeof(msg), "The filter matches more than %d "
		    "deliveries, the most one replay may requeue; narrow it "
		    "with since, until or after.",
		    c->svc->conf->replay_max_deliveries);
		ctx_field_error(c, "non_field_errors", msg);
		return;
	}
	if (why == RP_RUNNING)
		snprintf(msg, sizeof(msg), "A replay of this webhook is still "
		    "running; start another when it has finished.");
	else
		snprintf(msg, sizeof(msg), "This webhook has started %d "
		    "replays in the last hour, the most it may.",
		    c->svc->conf->replays_per_hour);
	resp_error(c->resp, WH_E_REPLAY_LIMIT, msg, NULL);
	snprintf(s, sizeof(s), "%lld", retry_s > 0 ? retry_s : 1);
	resp_header(c->resp, "Retry-After", s);
}

void
h_replay_create(struct ctx *c)
{
	const struct replay_input *in = &c->in.replay;
	struct replay_filter	 f;
	struct webhook_row	 w;
	struct replay_row	 r;
	enum replay_refusal	 why;
	long long		 retry_s;
	char			 loc[128];
	enum db_rc		 rc;

	if (in->has_since && in->has_until && strcmp(in->since, in->until) >= 0) {
		ctx_field_error(c, "until", "Must be after since.");
		return;
	}
	if ((rc = db_webhook_get(c->svc->db, c->who.user_id, c->path_id,
	    &w)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	memset(&f, 0, sizeof(f));
	if (in->has_status)
		snprintf(f.status, sizeof(f.status), "%s", in->status);
	if (in->has_since)
		memcpy(f.since, in->since, sizeof(f.since));
	if (in->has_until)
		memcpy(f.until, in->until, sizeof(f.until));
	f.after = in->has_after ? in->after : -1;
	rc = act_replay_create(c->svc->db, c->svc->conf, c->who.user_id, w.id,
	    &f, &r, &why, &retry_s);
	if (rc == DB_LIMIT) {
		answer_refused(c, why, retry_s);
		return;
	}
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("webhook %s: replay %s of %lld deliveries", w.id, r.id,
	    r.matched);
	answer_replay(c, 202, &r);
	snprintf(loc, sizeof(loc), "/webhooks/v1/webhook/%s/replay/%s/", w.id,
	    r.id);
	resp_header(c->resp, "Location", loc);
	if (r.matched > 0)
		events_notify(c->svc->conf->dispatcher_notify);
}

void
h_replay_get(struct ctx *c)
{
	struct replay_row	r;
	enum db_rc		rc;

	if ((rc = db_replay_get(c->svc->db, c->who.user_id, c->path_id,
	    c->path_id2, &r)) != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_replay(c, 200, &r);
}
