/* SPDX-License-Identifier: MIT */
/* test_render.c: rows as the contract's JSON: every member, nulls where
 * the row has none, a receiver's bytes made valid UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "render.h"

static json_object *
written(struct buf *b, struct jw *w)
{
	json_object	*o;

	assert_int_equal(jw_error(w), 0);
	o = json_tokener_parse(b->data);
	assert_non_null(o);
	return o;
}

static const char *
str(json_object *o, const char *k)
{
	json_object	*v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_is_type(v, json_type_null) ? NULL :
	    json_object_get_string(v);
}

static void
webhook_members_and_nulls(void **state)
{
	static const char *const keys[] = { "id", "api_template", "endpoint_url",
	    "status", "has_secret", "created_by", "created_at", "updated_at",
	    "disabled_reason", "consecutive_failures", "last_delivery" };
	struct webhook_row	 h;
	struct buf		 b = { 0 };
	struct jw		 w;
	json_object		*o, *t, *ld;

	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f");
	snprintf(h.tpl.id, sizeof(h.tpl.id), "488f4644-057d-41e7-9a74-72c040602647");
	snprintf(h.tpl.name, sizeof(h.tpl.name), "t");
	snprintf(h.tpl.display_name, sizeof(h.tpl.display_name), "T \"q\"");
	snprintf(h.endpoint_url, sizeof(h.endpoint_url), "https://e.example/h");
	snprintf(h.status, sizeof(h.status), "enabled");
	snprintf(h.created_at, sizeof(h.created_at), "2026-11-29T10:30:00.123456Z");
	snprintf(h.updated_at, sizeof(h.updated_at), "2026-11-29T10:30:00.123456Z");
	h.last_code = -1;
	jw_init(&w, &b);
	render_webhook(&w, &h, "alice");
	o = written(&b, &w);
	assert_int_equal(json_object_object_length(o), 11);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_true(json_object_object_get_ex(o, keys[i], NULL));
	assert_null(str(o, "disabled_reason"));
	assert_null(str(o, "last_delivery"));
	assert_string_equal(str(o, "created_by"), "alice");
	assert_false(json_object_get_boolean(json_object_object_get(o,
	    "has_secret")));
	t = json_object_object_get(o, "api_template");
	assert_string_equal(str(t, "display_name"), "T \"q\"");
	assert_null(str(t, "description"));
	json_object_put(o);

	/* a last delivery without a response code */
	snprintf(h.last_at, sizeof(h.last_at), "2026-11-29T11:00:00.000001Z");
	snprintf(h.last_status, sizeof(h.last_status), "failed");
	snprintf(h.disabled_reason, sizeof(h.disabled_reason), "gone");
	h.has_secret = 1;
	buf_reset(&b);
	jw_init(&w, &b);
	render_webhook(&w, &h, "alice");
	o = written(&b, &w);
	ld = json_object_object_get(o, "last_delivery");
	assert_string_equal(str(ld, "status"), "failed");
	assert_null(str(ld, "response_code"));
	assert_string_equal(str(o, "disabled_reason"), "gone");
	json_object_put(o);
	buf_free(&b);
}

static void
attempt_excerpt_is_valid_utf8(void **state)
{
	struct attempt_row	 a;
	struct buf		 b = { 0 };
	struct jw		 w;
	json_object		*o, *t;

	memset(&a, 0, sizeof(a));
	snprintf(a.at, sizeof(a.at), "2026-11-29T10:30:00.123456Z");
	a.response_code = 500;
	snprintf(a.error_class, sizeof(a.error_class), "http_status");
	a.dns_ms = a.connect_ms = a.tls_ms = a.first_byte_ms = -1;
	memcpy(a.excerpt, "ok \xff\xfe bad \xc3", 12);
	a.excerpt_len = 12;
	a.has_excerpt = 1;
	jw_init(&w, &b);
	render_attempt(&w, &a);
	o = written(&b, &w);
	assert_int_equal(json_object_get_int(json_object_object_get(o,
	    "response_code")), 500);
	assert_null(str(o, "error"));
	t = json_object_object_get(o, "timings");
	assert_null(str(t, "dns_ms"));
	assert_non_null(strstr(str(o, "response_excerpt"), "ok "));
	json_object_put(o);
	buf_free(&b);
}

static void
delivery_left_open_for_its_log(void **state)
{
	struct delivery_row	 d;
	struct buf		 b = { 0 };
	struct jw		 w;
	json_object		*o;

	memset(&d, 0, sizeof(d));
	snprintf(d.status, sizeof(d.status), "pending");
	d.response_code = -1;
	d.duration_ms = -1;
	jw_init(&w, &b);
	render_delivery(&w, &d, 1);
	jw_key(&w, "attempt_log");
	jw_arr(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	o = written(&b, &w);
	assert_int_equal(json_object_object_length(o), 12);
	assert_null(str(o, "next_attempt_at"));
	assert_null(str(o, "response_code"));
	json_object_put(o);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(webhook_members_and_nulls),
		cmocka_unit_test(attempt_excerpt_is_valid_utf8),
		cmocka_unit_test(delivery_left_open_for_its_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
