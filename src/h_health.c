/* SPDX-License-Identifier: MIT */
/* h_health.c: GET /webhooks/v1/health/, the database round trip. */
#include "handlers.h"

void
h_health(struct ctx *c)
{
	json_object	*o = json_object_new_object();
	int		 up = db_ping(c->svc->db) == DB_OK;

	if (o == NULL ||
	    json_object_object_add(o, "status",
	    json_object_new_string(up ? "ok" : "unavailable")) != 0 ||
	    (!up && (json_object_object_add(o, "detail", json_object_new_string(
	    "The database does not answer.")) != 0 ||
	    json_object_object_add(o, "code",
	    json_object_new_string("unavailable")) != 0))) {
		json_object_put(o);
		resp_error(c->resp, WH_E_NOMEM, NULL, NULL);
		return;
	}
	resp_json(c->resp, up ? 200 : 503, o);
	json_object_put(o);
	if (!up)
		(void)resp_header(c->resp, "Retry-After", WH_UNAVAILABLE_RETRY_S);
}
