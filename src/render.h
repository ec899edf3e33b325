/* SPDX-License-Identifier: MIT */
/* render.h: resources as the contract's JSON objects, written in place. */
#ifndef WH_RENDER_H
#define WH_RENDER_H

#include "db_delivery.h"
#include "db_webhook.h"
#include "jw.h"

/* Each writes one object as the next value of w (errors stay in w). */
void	render_template(struct jw *, const struct template_row *);
void	render_webhook(struct jw *, const struct webhook_row *,
	    const char *created_by);
/* A delivery; with open set the object is left open, for attempt_log. */
void	render_delivery(struct jw *, const struct delivery_row *, int open);
void	render_attempt(struct jw *, const struct attempt_row *);

#endif
