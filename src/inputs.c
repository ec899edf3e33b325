/* SPDX-License-Identifier: MIT */
/* inputs.c: the declared fields of the routes (see router.c). */
#include <stddef.h>

#include "inputs.h"

#define W(name, check, val, seen, flags) { name, check, \
	offsetof(struct webhook_input, val), \
	offsetof(struct webhook_input, seen), flags, 0 }
/* POST: a template and an endpoint; PUT: an endpoint (the template may
 * be sent with its current value); PATCH: any of them. */
const struct body_field webhook_create_fields[4] = {
	W("api_template", fc_uuid, api_template, has_template, FIELD_REQUIRED),
	W("endpoint_url", fc_url, url, has_url, FIELD_REQUIRED),
	W("secret_hash", fc_secret, secret, has_secret, 0),
	W("status", fc_status, status, has_status, 0),
};
const struct body_field webhook_put_fields[4] = {
	W("api_template", fc_uuid, api_template, has_template, 0),
	W("endpoint_url", fc_url, url, has_url, FIELD_REQUIRED),
	W("secret_hash", fc_secret, secret, has_secret, 0),
	W("status", fc_status, status, has_status, 0),
};
const struct body_field webhook_patch_fields[4] = {
	W("api_template", fc_uuid, api_template, has_template, 0),
	W("endpoint_url", fc_url, url, has_url, 0),
	W("secret_hash", fc_secret, secret, has_secret, 0),
	W("status", fc_status, status, has_status, 0),
};
#undef W

#define E(name, check, val, seen, flags, max) { name, check, \
	offsetof(struct event_input, val), offsetof(struct event_input, seen), \
	flags, max }
const struct body_field event_fields[4] = {
	E("api_template", fc_string, api_template, has_template,
	    FIELD_REQUIRED, WH_MAX_TEMPLATE_NAME),
	E("user", fc_string, user, has_user, FIELD_REQUIRED, WH_MAX_NAME_LEN),
	E("data", fc_object, data, has_data, FIELD_REQUIRED, 0),
	E("idempotency_key", fc_token_key, idempotency_key, has_key, 0,
	    WH_MAX_IDEMPOTENCY_KEY),
};
#undef E

#define R(name, check, val, seen) { name, check, \
	offsetof(struct replay_input, val), \
	offsetof(struct replay_input, seen), 0, 0 }
const struct body_field replay_fields[4] = {
	R("status", fc_replay_status, status, has_status),
	R("since", fc_time, since, has_since),
	R("until", fc_time, until, has_until),
	R("after", fc_sequence, after, has_after),
};
#undef R

#define Q(type, name, check, val, seen) { name, check, \
	offsetof(type, val), offsetof(type, seen) }
const struct query_field page_query[2] = {
	Q(struct page_input, "page", qc_page, page, has_page),
	Q(struct page_input, "page_size", qc_page_size, size, has_size),
};
const struct query_field webhook_list_query[4] = {
	Q(struct webhook_list_input, "page", qc_page, p.page, p.has_page),
	Q(struct webhook_list_input, "page_size", qc_page_size, p.size,
	    p.has_size),
	Q(struct webhook_list_input, "status", qc_status, status, has_status),
	Q(struct webhook_list_input, "api_template", qc_uuid, api_template,
	    has_template),
};
const struct query_field delivery_list_query[2] = {
	Q(struct delivery_list_input, "limit", qc_limit, limit, has_limit),
	Q(struct delivery_list_input, "cursor", qc_cursor, cursor, has_cursor),
};
const struct query_field event_list_query[2] = {
	Q(struct event_list_input, "after", qc_sequence, after, has_after),
	Q(struct event_list_input, "limit", qc_limit, limit, has_limit),
};
#undef Q
