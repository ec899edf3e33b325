/* SPDX-License-Identifier: MIT */
/* fair.c: per-webhook and per-host counts of a dispatcher's transfers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fair.h"

struct tally {
	char		id[WH_UUID_LEN + 1];	/* a webhook, or "" for a host */
	uint64_t	host;
	int		n;
};

struct fair {
	int		 per_webhook, per_host, cap;
	int		 per_webhook_held, max_held, nheld;
	struct tally	*webhooks;	/* cap entries; n == 0: free */
	struct tally	*hosts;
	struct tally	*held;		/* max_held entries */
	struct tally	*parked;	/* WH_DISPATCH_PARKED entries */
	int		 nparked;
};

uint64_t
fair_host_key(const char *url)
{
	const char	*p = strstr(url, "://");
	uint64_t	 h = 1469598103934665603ULL;	/* FNV-1a */

	for (p = p != NULL ? p + 3 : url; *p != '\0' &&
	    strchr("/?#", *p) == NULL; p++) {
		h ^= (unsigned char)tolower((unsigned char)*p);
		h *= 1099511628211ULL;
	}
	return h;
}

struct fair *
fair_new(int per_webhook, int per_host, int max_inflight,
    int per_webhook_held, int max_held)
{
	struct fair	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->per_webhook = per_webhook;
	f->per_host = per_host;
	f->cap = max_inflight;
	f->per_webhook_held = per_webhook_held;
	f->max_held = max_held > 0 ? max_held : 1;
	if ((f->webhooks = calloc((size_t)f->cap, sizeof(*f->webhooks))) == NULL ||
	    (f->hosts = calloc((size_t)f->cap, sizeof(*f->hosts))) == NULL ||
	    (f->held = calloc((size_t)f->max_held, sizeof(*f->held))) == NULL ||
	    (f->parked = calloc(WH_DISPATCH_PARKED, sizeof(*f->parked))) == NULL) {
		fair_free(f);
		return NULL;
	}
	return f;
}

void
fair_free(struct fair *f)
{
	if (f == NULL)
		return;
	free(f->webhooks);
	free(f->hosts);
	free(f->held);
	free(f->parked);
	free(f);
}

/* The entry of key (id, or host when id is NULL); NULL when none. */
static struct tally *
find(struct tally *t, int n, const char *id, uint64_t host)
{
	for (int i = 0; i < n; i++)
		if (t[i].n > 0 && (id != NULL ? strcmp(t[i].id, id) == 0 :
		    t[i].host == host))
			return &t[i];
	return NULL;
}

static int
count(struct tally *t, int n, const char *id, uint64_t host)
{
	struct tally	*e = find(t, n, id, host);

	return e != NULL ? e->n : 0;
}

/* Adds one to key's entry, taking a free one when it has none. */
static void
add(struct tally *t, int n, const char *id, uint64_t host)
{
	struct tally	*e = find(t, n, id, host);

	for (int i = 0; e == NULL && i < n; i++)
		if (t[i].n == 0) {
			e = &t[i];
			memcpy(e->id, id != NULL ? id : "", id != NULL ?
			    WH_UUID_LEN + 1 : 1);
			e->host = host;
		}
	if (e != NULL)
		e->n++;
}

void
fair_park(struct fair *f, const char *webhook_id, uint64_t host)
{
	for (int i = 0; i < f->nparked; i++)
		if (strcmp(f->parked[i].id, webhook_id) == 0)
			return;
	if (f->nparked == WH_DISPATCH_PARKED)
		return;		/* claimed and released again: no harm */
	memcpy(f->parked[f->nparked].id, webhook_id, WH_UUID_LEN + 1);
	f->parked[f->nparked++].host = host;
}

enum fair_verdict
fair_take(struct fair *f, const char *webhook_id, uint64_t host)
{
	if (count(f->webhooks, f->cap, webhook_id, 0) >= f->per_webhook)
		return FAIR_WEBHOOK_FULL;
	if (count(f->hosts, f->cap, NULL, host) >= f->per_host)
		return FAIR_HOST_FULL;
	add(f->webhooks, f->cap, webhook_id, 0);
	add(f->hosts, f->cap, NULL, host);
	return FAIR_GO;
}

void
fair_done(struct fair *f, const char *webhook_id, uint64_t host)
{
	struct tally	*e;

	if ((e = find(f->webhooks, f->cap, webhook_id, 0)) != NULL)
		e->n--;
	if ((e = find(f->hosts, f->cap, NULL, host)) != NULL)
		e->n--;
}

int
fair_hold(struct fair *f, const char *webhook_id)
{
	if (f->nheld >= f->max_held ||
	    count(f->held, f->max_held, webhook_id, 0) >= f->per_webhook_held)
		return 0;
	add(f->held, f->max_held, webhook_id, 0);
	f->nheld++;
	return 1;
}

void
fair_unhold(struct fair *f, const char *webhook_id)
{
	struct tally	*e;

	if ((e = find(f->held, f->max_held, webhook_id, 0)) != NULL) {
		e->n--;
		f->nheld--;
	}
}

int
fair_exclusions(struct fair *f, struct buf *out)
{
	int	keep = 0;

	buf_reset(out);
	if (buf_puts(out, " ") == -1)
		return -1;
	/* Enough of these wait here already: one more claim (at most
	 * WH_DQ_MAX_BATCH rows) could not all be held, so skip them. */
	for (int i = 0; i < f->max_held; i++)
		if (f->held[i].n > 0 &&
		    f->held[i].n > f->per_webhook_held - WH_DQ_MAX_BATCH &&
		    buf_printf(out, "%s ", f->held[i].id) == -1)
			return -1;
	for (int i = 0; i < f->nparked; i++) {
		if (count(f->hosts, f->cap, NULL, f->parked[i].host) <
		    f->per_host && count(f->webhooks, f->cap, f->parked[i].id,
		    0) < f->per_webhook)
			continue;	/* it has room again: claim it again */
		f->parked[keep++] = f->parked[i];
		if (buf_printf(out, "%s ", f->parked[i].id) == -1)
			return -1;
	}
	f->nparked = keep;
	return 0;
}
