/* SPDX-License-Identifier: MIT */
/* db_template.h: API templates, and an event's template, owner and webhook in one query. */
#ifndef WH_DB_TEMPLATE_H
#define WH_DB_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct template_row {
	char	id[WH_UUID_LEN + 1];
	char	name[WH_MAX_TEMPLATE_NAME + 1];
	char	display_name[WH_MAX_DISPLAY_NAME + 1];
	char	description[WH_MAX_DESCRIPTION + 1];
	int	has_description;
	int	is_active;
};

/* Row callbacks return 0 to go on, -1 to stop with DB_ERR. */
typedef int (*db_template_fn)(void *ctx, const struct template_row *);

/* Templates (active only unless said). */
enum db_rc	db_template_get(struct db *, const char *id,
		    struct template_row *out);
enum db_rc	db_template_count(struct db *, long long *count);
/*
 * The lists fetch a page into the caller's array, which holds limit rows:
 * *n gets how many came (fetch, then render; nothing is rendered here).
 */
enum db_rc	db_template_list(struct db *, long long limit,
		    long long offset, struct template_row *rows, int *n);

enum db_rc	db_template_get_by_name(struct db *, const char *name,
		    struct template_row *out);

/*
 * An event's template (by id when tpl_id is set, else by name), the id of
 * the user named username and that user's webhook for the template
 * (webhook_id "" when none; *webhook_enabled 1 when it is enabled), in
 * one query.  DB_NOTFOUND: the template (active) or the user is unknown;
 * which one, the caller asks.
 */
enum db_rc	db_event_resolve(struct db *, const char *tpl_id,
		    const char *tpl_name, const char *username,
		    struct template_row *tpl, uint64_t *user_id,
		    char webhook_id[WH_UUID_LEN + 1], int *webhook_enabled);

/* Administration (webhookctl). */
enum db_rc	db_template_add(struct db *, const char *id, const char *name,
		    const char *display, const char *description);
enum db_rc	db_template_list_all(struct db *, db_template_fn, void *ctx);
enum db_rc	db_template_disable(struct db *, const char *name);

#endif
