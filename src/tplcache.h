/* SPDX-License-Identifier: MIT */
/* tplcache.h: a worker's cache of the active templates a create named.
 * A hit saves the create's template query; the insert itself still
 * requires the template to be active (db_webhook_insert), so a template
 * disabled since costs the cached copy, never a webhook on it. */
#ifndef WH_TPLCACHE_H
#define WH_TPLCACHE_H

#include "db_template.h"

struct tpl_cache;

/* WH_TPL_CACHE_SLOTS templates kept WH_TPL_CACHE_TTL_MS each; NULL when
 * out of memory.  tpl_cache_free accepts NULL. */
struct tpl_cache	*tpl_cache_new(void);
void			 tpl_cache_free(struct tpl_cache *);

/* 1 with *out the cached active template id (lower case), 0 when not
 * cached or expired.  A NULL cache never hits. */
int	tpl_cache_get(struct tpl_cache *, const char *id,
	    struct template_row *out);
/* Keeps an active template (the oldest entry makes room). */
void	tpl_cache_put(struct tpl_cache *, const struct template_row *);
/* Drops id (the database said it is not active). */
void	tpl_cache_forget(struct tpl_cache *, const char *id);

#endif
