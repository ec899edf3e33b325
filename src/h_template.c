/* SPDX-License-Identifier: MIT */
/* h_template.c: GET /webhooks/v1/templates/ and /templates/{id}/. */
#include "handlers.h"
#include "render.h"

static int
add_template(void *ctx, const struct template_row *t)
{
	struct page_rows	*rows = ctx;

	if (page_rows_take(rows))
		render_template(&rows->w, t);
	return 0;
}

void
h_template_list(struct ctx *c)
{
	struct page	 p;
	struct page_rows rows;
	json_object	*errors = NULL;
	long long	 count;
	int		 bad_page;
	enum db_rc	 rc;

	if (page_parse(c, &p, &errors, &bad_page) == -1) {
		json_object_put(errors);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	if (errors != NULL) {
		resp_error(c->resp, WH_E_INVALID, NULL, errors);
		return;
	}
	if (bad_page) {
		resp_error(c->resp, WH_E_INVALID_PAGE, NULL, NULL);
		return;
	}
	page_rows_init(c, &rows, p.size);
	rc = db_template_list(c->svc->db, p.size + 1, (p.number - 1) * p.size,
	    add_template, &rows);
	if (rc == DB_OK && (count = page_count_from_rows(&p, rows.fetched)) < 0)
		rc = db_template_count(c->svc->db, &count);
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	page_answer(c, &p, count, "/webhooks/v1/templates/", &rows);
}

void
h_template_get(struct ctx *c)
{
	struct template_row	 t;
	struct jw		 w;
	char			 id[WH_UUID_LEN + 1];
	enum db_rc		 rc;

	if (ctx_path_uuid(c, id) == -1)
		return;
	if ((rc = db_template_get(c->svc->db, id, &t)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_template(&w, &t);
	resp_jw_done(c->resp, 200, &w);
}
