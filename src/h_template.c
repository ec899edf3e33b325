/* SPDX-License-Identifier: MIT */
/* h_template.c: GET /webhooks/v1/templates/ and /templates/{id}/. */
#include "handlers.h"
#include "render.h"

void
h_template_list(struct ctx *c)
{
	struct page		 p;
	struct template_row	*rows;
	struct jw		 w;
	long long		 count;
	int			 n = 0;
	enum db_rc		 rc;

	if (ctx_page(c, &c->in.page, &p) == -1)
		return;
	if ((rows = svc_rows(c->svc, sizeof(*rows), p.size + 1)) == NULL) {
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	rc = db_template_list(c->svc->db, p.size + 1, (p.number - 1) * p.size,
	    rows, &n);
	if (rc == DB_OK && (count = page_count_from_rows(&p, n)) < 0)
		rc = db_template_count(c->svc->db, &count);
	if (rc != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	if (page_begin(c, &p, count, "/webhooks/v1/templates/", &w) == -1)
		return;
	for (int i = 0; i < n && i < p.size; i++)
		render_template(&w, &rows[i]);
	page_end(c, &w);
}

void
h_template_get(struct ctx *c)
{
	struct template_row	 t;
	struct jw		 w;
	enum db_rc		 rc;

	if ((rc = db_template_get(c->svc->db, c->path_id, &t)) != DB_OK) {
		ctx_db_error(c, rc);
		return;
	}
	buf_reset(&c->resp->body);
	jw_init(&w, &c->resp->body);
	render_template(&w, &t);
	resp_jw_done(c->resp, 200, &w);
}
