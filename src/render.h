/* SPDX-License-Identifier: MIT */
/* render.h: resources as the contract's JSON objects, written in place. */
#ifndef WH_RENDER_H
#define WH_RENDER_H

#include "db_delivery.h"
#include "db_replay.h"
#include "db_signing.h"
#include "db_webhook.h"
#include "jw.h"

/* Each writes one object as the next value of w (errors stay in w). */
void	render_template(struct jw *, const struct template_row *);
void	render_webhook(struct jw *, const struct webhook_row *,
	    const char *created_by);
/* A delivery; with open set the object is left open, for attempt_log. */
void	render_delivery(struct jw *, const struct delivery_row *, int open);
void	render_attempt(struct jw *, const struct attempt_row *);
/* One of a webhook's numbered events with the body it is sent with (raw
 * JSON of body_len bytes; NULL: erased, written as null). */
void	render_event(struct jw *, const struct event_row *, const char *body,
	    size_t body_len);
/* A signing key: its public parts only. */
void	render_signing_key(struct jw *, const struct signing_key_row *);
void	render_replay(struct jw *, const struct replay_row *);

#endif
