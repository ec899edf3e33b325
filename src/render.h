/* SPDX-License-Identifier: MIT */
/* render.h: resources as the contract's JSON objects. */
#ifndef WH_RENDER_H
#define WH_RENDER_H

#include <json-c/json.h>

#include "db.h"

/* Each returns a new object (the caller puts it), or NULL: out of memory. */
json_object	*render_template(const struct template_row *);
json_object	*render_webhook(const struct webhook_row *, const char *created_by);
json_object	*render_delivery(const struct delivery_row *);
json_object	*render_attempt(const struct attempt_row *);

#endif
