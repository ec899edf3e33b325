/* SPDX-License-Identifier: MIT */
/* tplcache.c: a small array searched in full (WH_TPL_CACHE_SLOTS ids, a
 * catalogue of API templates: a microsecond at most). */
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"
#include "tplcache.h"

struct tpl_entry {
	struct template_row	row;
	long long		expires_ms;	/* 0: free */
	long long		stored_ms;
};

struct tpl_cache {
	struct tpl_entry	e[WH_TPL_CACHE_SLOTS];
};

struct tpl_cache *
tpl_cache_new(void)
{
	return calloc(1, sizeof(struct tpl_cache));
}

void
tpl_cache_free(struct tpl_cache *c)
{
	free(c);
}

static struct tpl_entry *
find(struct tpl_cache *c, const char *id)
{
	for (int i = 0; i < WH_TPL_CACHE_SLOTS; i++)
		if (c->e[i].expires_ms != 0 &&
		    strcmp(c->e[i].row.id, id) == 0)
			return &c->e[i];
	return NULL;
}

int
tpl_cache_get(struct tpl_cache *c, const char *id, struct template_row *out)
{
	struct tpl_entry	*e;

	if (c == NULL || (e = find(c, id)) == NULL)
		return 0;
	if (time_mono_ms() >= e->expires_ms) {
		e->expires_ms = 0;
		return 0;
	}
	*out = e->row;
	return 1;
}

void
tpl_cache_put(struct tpl_cache *c, const struct template_row *row)
{
	struct tpl_entry	*e;
	long long		 now = time_mono_ms();

	if (c == NULL || !row->is_active)
		return;
	if ((e = find(c, row->id)) == NULL) {
		e = &c->e[0];
		for (int i = 1; i < WH_TPL_CACHE_SLOTS && e->expires_ms != 0; i++)
			if (c->e[i].expires_ms == 0 ||
			    c->e[i].stored_ms < e->stored_ms)
				e = &c->e[i];
	}
	e->row = *row;
	e->stored_ms = now;
	e->expires_ms = now + WH_TPL_CACHE_TTL_MS;
}

void
tpl_cache_forget(struct tpl_cache *c, const char *id)
{
	struct tpl_entry	*e;

	if (c != NULL && (e = find(c, id)) != NULL)
		e->expires_ms = 0;
}
