/* SPDX-License-Identifier: MIT */
/* test_fields.c: declared body fields: each check's good and bad values,
 * unknown and required members, all errors at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include "fields.h"

struct input {
	int			 has_id, has_url, has_secret, has_status, has_name,
				 has_key, has_data;
	char			 id[WH_UUID_LEN + 1];
	const char		*url, *status, *name, *key;
	struct field_secret	 secret;
	json_object		*data;
};

#define F(name, check, val, seen, flags, max) { name, check, \
	offsetof(struct input, val), offsetof(struct input, seen), flags, max }
static const struct body_field table[] = {
	F("id", fc_uuid, id, has_id, FIELD_REQUIRED, 0),
	F("url", fc_url, url, has_url, 0, 0),
	F("secret", fc_secret, secret, has_secret, 0, 0),
	F("status", fc_status, status, has_status, 0, 0),
	F("name", fc_string, name, has_name, 0, 5),
	F("key", fc_token_key, key, has_key, 0, 8),
	F("data", fc_object, data, has_data, 0, 0),
};
#undef F
#define N	(sizeof(table) / sizeof(table[0]))

/* Parses text; the errors object (or NULL) into *errors. */
static json_object *
parse(const char *text, struct input *in, json_object **errors, int priv)
{
	struct field_env	 e = { priv, WH_MAX_PAGE_SIZE };
	json_object		*o = json_tokener_parse(text);

	assert_non_null(o);
	*errors = NULL;
	assert_int_equal(fields_parse(table, N, &e, o, in, sizeof(*in), errors),
	    0);
	return o;
}

static int
has_error(json_object *errors, const char *field)
{
	return errors != NULL && json_object_object_get_ex(errors, field, NULL);
}

static void
good_values(void **state)
{
	struct input	 in;
	json_object	*errors, *o;

	o = parse("{\"id\": \"0193A3C4-5B2E-7C1D-9F00-2A3B4C5D6E7F\","
	    "\"url\": \"https://example.com/h\", \"secret\": null,"
	    "\"status\": \"disabled\", \"name\": \"abcde\", \"key\": \"k-1!~\","
	    "\"data\": {\"a\": 1}}", &in, &errors, 0);
	assert_null(errors);
	assert_string_equal(in.id, "0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f");
	assert_string_equal(in.url, "https://example.com/h");
	assert_true(in.has_secret && in.secret.s == NULL);
	assert_string_equal(in.status, "disabled");
	assert_string_equal(in.name, "abcde");
	assert_string_equal(in.key, "k-1!~");
	assert_true(in.has_data && json_object_is_type(in.data, json_type_object));
	assert_true(in.has_id && in.has_url && in.has_status && in.has_name &&
	    in.has_key);
	json_object_put(o);
	o = parse("{\"id\": \"0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f\","
	    "\"secret\": \"\\u00e9t\\u00e9\", \"url\": \"http://127.0.0.1/\"}",
	    &in, &errors, 1);
	assert_null(errors);
	assert_int_equal(in.secret.len, 5);	/* bytes of "été" */
	json_object_put(o);
}

static void
bad_values_all_at_once(void **state)
{
	static const char *const fields[] = { "id", "url", "secret", "status",
	    "name", "key", "data", "colour" };
	struct input	 in;
	json_object	*errors, *o;

	o = parse("{\"id\": \"not-a-uuid\", \"url\": \"ftp://x/\","
	    "\"secret\": \"\", \"status\": \"on\", \"name\": \"abcdef\","
	    "\"key\": \"a b\", \"data\": [1], \"colour\": 1}", &in, &errors, 0);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_true(has_error(errors, fields[i]));
	assert_int_equal(json_object_object_length(errors), 8);
	assert_false(in.has_id || in.has_url || in.has_secret ||
	    in.has_status || in.has_name || in.has_key || in.has_data);
	json_object_put(errors);
	json_object_put(o);
}

static void
types_nulls_and_required(void **state)
{
	struct input	 in;
	json_object	*errors, *o;

	/* absent: required; null where not allowed; wrong types */
	o = parse("{\"url\": null, \"status\": 1, \"name\": \"\","
	    "\"data\": null}", &in, &errors, 0);
	assert_true(has_error(errors, "id"));
	assert_true(has_error(errors, "url"));
	assert_true(has_error(errors, "status"));
	assert_true(has_error(errors, "name"));
	assert_true(has_error(errors, "data"));
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(errors, "id"), 0)), "This field is required.");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(errors, "url"), 0)),
	    "This field may not be null.");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(errors, "status"), 0)), "Must be a string.");
	json_object_put(errors);
	json_object_put(o);
	/* loopback refused unless the environment allows private endpoints */
	o = parse("{\"id\": \"0193a3c4-5b2e-7c1d-9f00-2a3b4c5d6e7f\","
	    "\"url\": \"http://127.0.0.1/\"}", &in, &errors, 0);
	assert_true(has_error(errors, "url"));
	json_object_put(errors);
	json_object_put(o);
}

/* ?after=: 0 or more, digits only; a huge one is past every event. */
static void
sequence_values(void **state)
{
	struct field_env	e = { 0, WH_MAX_PAGE_SIZE };
	long long		v = -1;
	const char		*bad[] = { "", "-1", "+1", "1.5", "abc", "1 ",
	    " 1", "0x10" };

	assert_null(qc_sequence(NULL, &e, "0", &v));
	assert_int_equal(v, 0);
	assert_null(qc_sequence(NULL, &e, "42", &v));
	assert_int_equal(v, 42);
	assert_null(qc_sequence(NULL, &e, "99999999999999999999999", &v));
	assert_true(v == LLONG_MAX);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(qc_sequence(NULL, &e, bad[i], &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_values),
		cmocka_unit_test(bad_values_all_at_once),
		cmocka_unit_test(types_nulls_and_required),
		cmocka_unit_test(sequence_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
