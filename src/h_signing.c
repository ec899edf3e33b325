/* SPDX-License-Identifier: MIT */
/* h_signing.c: a webhook's Ed25519 signing key: create or rotate (POST),
 * show (GET), remove (DELETE) .../webhook/{id}/signing-key/. */
#include <stdio.h>
#include <string.h>

#include "actions.h"
#include "handlers.h"
#include "log.h"
#include "render.h"

#define NO_KEY	"This webhook has no signing key."

static void
answer_key(struct ctx *c, int status, const struct signing_key_row *k)
{
	struct jw	w;

	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_signing_key(&w, k);
	resp_jw_done(c->resp, status, &w);
}

void
h_signing_key_create(struct ctx *c)
{
	struct signing_key_row	k;
	char			loc[128];
	enum db_rc		rc;

	rc = act_signing_key_new(c->svc->db, c->svc->keys, c->svc->conf,
	    c->who.user_id, c->path_id, &k);
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	log_info("webhook %s: new signing key %.13s...", c->path_id,
	    k.public_key);
	answer_key(c, 201, &k);
	snprintf(loc, sizeof(loc), "/webhooks/v1/webhook/%s/signing-key/",
	    c->path_id);
	resp_header(c->resp, "Location", loc);
}

void
h_signing_key_get(struct ctx *c)
{
	struct signing_key_row	k;
	int			exists;
	enum db_rc		rc;

	rc = db_signing_key_get(c->svc->db, c->who.user_id, c->path_id, &k,
	    &exists);
	if (rc == DB_NOTFOUND && exists)
		resp_error(c->resp, WH_E_NOT_FOUND, NO_KEY, NULL);
	else if (rc != DB_OK)
		ctx_db_error(c, rc);
	else
		answer_key(c, 200, &k);
}

void
h_signing_key_delete(struct ctx *c)
{
	struct signing_key_row	k;
	int			exists = 0;
	enum db_rc		rc;

	rc = db_signing_key_delete(c->svc->db, c->who.user_id, c->path_id);
	/* None to remove: say whether the webhook has none, or is not the
	 * caller's. */
	if (rc == DB_NOTFOUND &&
	    (rc = db_signing_key_get(c->svc->db, c->who.user_id, c->path_id,
	    &k, &exists)) == DB_OK)
		rc = DB_NOTFOUND;
	if (rc == DB_OK) {
		log_info("webhook %s: signing key removed", c->path_id);
		c->resp->status = 204;
	} else if (rc == DB_NOTFOUND && exists)
		resp_error(c->resp, WH_E_NOT_FOUND, NO_KEY, NULL);
	else
		ctx_db_error(c, rc);
}
