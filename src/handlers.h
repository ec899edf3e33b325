/* SPDX-License-Identifier: MIT */
/* handlers.h: the request context and the handlers of the routes. */
#ifndef WH_HANDLERS_H
#define WH_HANDLERS_H

#include <json-c/json.h>

#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db_delivery.h"
#include "db_webhook.h"
#include "fields.h"
#include "inputs.h"
#include "http.h"
#include "jw.h"
#include "query.h"
#include "tplcache.h"

/* What a worker keeps across requests. */
struct svc {
	const struct conf		*conf;
	struct db			*db;
	const struct crypto_keys	*keys;
	struct auth_cache		*auth;
	struct tpl_cache		*tpls;		/* NULL: none */
	/* The rows a handler fetches a page (or an attempt log) into
	 * before rendering it: sized once, for the largest of them. */
	void				*rows;
	size_t				 rows_bytes;
};

/* Allocates svc->rows for max_page_size + 1 of any row; 0 or -1. */
int	svc_rows_init(struct svc *);
void	svc_rows_free(struct svc *);

/* svc->rows as an array of n rows of size bytes; NULL when they do not
 * fit (a page larger than the configuration allows). */
void	*svc_rows(struct svc *, size_t size, long long n);

/* One request on its way through the pipeline. */
struct ctx {
	struct svc		*svc;
	const struct req	*req;
	struct resp		*resp;
	struct principal	 who;
	const char		*body_text;	/* as read, RF_BODY */
	size_t			 body_len;
	json_object		*body;		/* the parsed object, RF_BODY */
	const char		*id;		/* the path's id segment */
	size_t			 id_len;
	const char		*id2;		/* a second one (deliveries) */
	size_t			 id2_len;
	/* Filled by service from the route's declarations: */
	union route_input	 in;		/* valid body members, parameters */
	json_object		*errors;	/* RF_LOOKUP: the 400 so far */
	char			 path_id[WH_UUID_LEN + 1];	/* lowercase */
	char			 path_id2[WH_UUID_LEN + 1];
	int			 path_ok;	/* every id of the path a UUID */
	struct query		 query;
};

void	h_health(struct ctx *);
void	h_template_list(struct ctx *);
void	h_template_get(struct ctx *);
void	h_webhook_list(struct ctx *);
void	h_webhook_create(struct ctx *);
void	h_webhook_get(struct ctx *);
void	h_webhook_update(struct ctx *);	/* PUT and PATCH */
void	h_webhook_delete(struct ctx *);
void	h_webhook_test(struct ctx *);
void	h_delivery_list(struct ctx *);
void	h_delivery_get(struct ctx *);
void	h_delivery_redeliver(struct ctx *);
void	h_webhook_events(struct ctx *);
void	h_signing_key_create(struct ctx *);
void	h_signing_key_get(struct ctx *);
void	h_signing_key_delete(struct ctx *);
void	h_replay_create(struct ctx *);
void	h_replay_get(struct ctx *);
void	h_event_create(struct ctx *);
void	h_event_erase(struct ctx *);

/* Shared by the handlers (service.c). */

/* Answers the error of a database result other than DB_OK. */
void	ctx_db_error(struct ctx *, enum db_rc);

/* Answers 400 invalid with msg for field (and the errors found before). */
void	ctx_field_error(struct ctx *, const char *field, const char *msg);

/* Writes "scheme://host<path>?<the request's query, key=value in it>"
 * (value needing no escaping) as the next value of w: a next link. */
void	ctx_link(struct ctx *, struct jw *, const char *path, const char *key,
	    const char *value);

struct page {
	long long	number;
	long long	size;
};

/* The page the query asks for (page 1 and page_size by default); -1 with
 * 404 invalid_page answered when page is not a positive integer. */
int	ctx_page(struct ctx *, const struct page_input *, struct page *);

/*
 * Pages are read with one row more than their size: when that row does
 * not come, the total is known without a COUNT query.  Returns it, or -1
 * when the database must count.
 */
long long	page_count_from_rows(const struct page *, long long fetched);

/*
 * Starts the answer of a page in the response: {count, next, previous,
 * "results": [ -- the caller renders the rows into w, then page_end
 * closes it.  Returns 0, or -1 with 404 invalid_page answered when the
 * page is past the end.
 */
int	page_begin(struct ctx *, const struct page *, long long count,
	    const char *path, struct jw *w);
void	page_end(struct ctx *, struct jw *w);

#endif
