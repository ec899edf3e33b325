/* SPDX-License-Identifier: MIT */
/* inputs.h: what each route accepts, declared: its typed input and the
 * tables of body members and query parameters that fill it. */
#ifndef WH_INPUTS_H
#define WH_INPUTS_H

#include "fields.h"

/* POST/PUT/PATCH /webhook/...: the body. */
struct webhook_input {
	int			 has_template, has_url, has_secret, has_status;
	char			 api_template[WH_UUID_LEN + 1];
	const char		*url;
	struct field_secret	 secret;	/* .s NULL: remove it */
	const char		*status;
};

/* POST /events/: the body. */
struct event_input {
	int		 has_template, has_user, has_data, has_key;
	const char	*api_template;	/* UUID or name */
	const char	*user;
	json_object	*data;
	const char	*idempotency_key;
};

/* A numbered page (templates, webhooks): ?page=&page_size=. */
struct page_input {
	int			has_page, has_size;
	struct field_page	page;
	long long		size;
};

/* GET /webhook/: a page and its filters. */
struct webhook_list_input {
	struct page_input	 p;
	int			 has_status, has_template;
	const char		*status;
	char			 api_template[WH_UUID_LEN + 1];
};

/* GET /webhook/{id}/deliveries/: ?limit=&cursor=. */
struct delivery_list_input {
	int			has_limit, has_cursor;
	long long		limit;
	struct field_cursor	cursor;
};

/* GET /webhook/{id}/events/: ?after=&limit=. */
struct event_list_input {
	int			has_after, has_limit;
	long long		after, limit;
};

/* POST /webhook/{id}/replay/: the filter. */
struct replay_input {
	int		 has_status, has_since, has_until, has_after;
	const char	*status;
	char		 since[TIME_DB_LEN + 1], until[TIME_DB_LEN + 1];
	long long	 after;
};

union route_input {
	struct webhook_input		webhook;
	struct event_input		event;
	struct page_input		page;
	struct webhook_list_input	webhooks;
	struct delivery_list_input	deliveries;
	struct event_list_input		events;
	struct replay_input		replay;
};

/* The tables, with their lengths. */
#define INPUT_TABLE(t)	t, (sizeof(t) / sizeof((t)[0]))
extern const struct body_field	webhook_create_fields[4];
extern const struct body_field	webhook_put_fields[4];
extern const struct body_field	webhook_patch_fields[4];
extern const struct body_field	event_fields[4];
extern const struct body_field	replay_fields[4];
extern const struct query_field	page_query[2];
extern const struct query_field	webhook_list_query[4];
extern const struct query_field	delivery_list_query[2];
extern const struct query_field	event_list_query[2];

#endif
