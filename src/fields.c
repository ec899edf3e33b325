/* SPDX-License-Identifier: MIT */
/* fields.c: body members checked against a route's declared fields. */
#include <limits.h>
#include <string.h>

#include "fields.h"
#include "query.h"
#include "timeutil.h"
#include "valid.h"

#define MSG_REQUIRED	"This field is required."
#define MSG_STRING	"Must be a string."
#define MSG_NOT_NULL	"This field may not be null."
#define MSG_BLANK	"This field may not be blank."

/* The string value of v, or the message of its type. */
static const char *
string_of(json_object *v, const char **s, size_t *n)
{
	if (!json_object_is_type(v, json_type_string))
		return v == NULL ? MSG_NOT_NULL : MSG_STRING;
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	return NULL;
}

const char *
fc_uuid(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL)
		return why;
	return valid_uuid(s, n, out);
}

const char *
fc_url(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL ||
	    (why = valid_endpoint_url(s, n, e->allow_private)) != NULL)
		return why;
	*(const char **)out = s;
	return NULL;
}

const char *
fc_secret(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	struct field_secret	*sec = out;
	const char		*s, *why;
	size_t			 n;

	if (v == NULL) {
		sec->s = NULL;
		sec->len = 0;
		return NULL;
	}
	if ((why = string_of(v, &s, &n)) != NULL ||
	    (why = valid_secret(s, n)) != NULL)
		return why;
	sec->s = s;
	sec->len = n;
	return NULL;
}

const char *
fc_replay_status(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL)
		return why;
	if (strcmp(s, "failed") != 0 && strcmp(s, "cancelled") != 0)
		return "Must be \"failed\" or \"cancelled\".";
	*(const char **)out = s;
	return NULL;
}

const char *
fc_time(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL)
		return why;
	if (time_db_from_rfc3339(s, n, out) == -1)
		return "Must be an RFC 3339 time, such as "
		    "\"2026-11-29T10:30:00Z\".";
	return NULL;
}

const char *
fc_sequence(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	if (v == NULL)
		return MSG_NOT_NULL;
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return "A valid non-negative integer is required.";
	*(long long *)out = json_object_get_int64(v);
	return NULL;
}

const char *
fc_status(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL ||
	    (why = valid_status(s, n)) != NULL)
		return why;
	*(const char **)out = s;
	return NULL;
}

const char *
fc_string(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*s, *why;
	size_t		 n;

	if ((why = string_of(v, &s, &n)) != NULL)
		return why;
	if (n == 0)
		return MSG_BLANK;
	if (n > f->max)
		return "Too long.";
	if (memchr(s, '\0', n) != NULL)
		return "Must not contain NUL.";
	*(const char **)out = s;
	return NULL;
}

const char *
fc_token_key(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	const char	*why, *s;

	if ((why = fc_string(f, e, v, &s)) != NULL)
		return why;
	for (const char *p = s; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e)
			return "Use 1 to 255 printable ASCII characters "
			    "without spaces.";
	*(const char **)out = s;
	return NULL;
}

const char *
fc_object(const struct body_field *f, const struct field_env *e,
    json_object *v, void *out)
{
	if (!json_object_is_type(v, json_type_object))
		return "Must be a JSON object.";
	*(json_object **)out = v;
	return NULL;
}

int
fields_error(json_object **errors, const char *field, const char *msg)
{
	json_object	*list, *m;

	if (*errors == NULL && (*errors = json_object_new_object()) == NULL)
		return -1;
	if (!json_object_object_get_ex(*errors, field, &list)) {
		if ((list = json_object_new_array()) == NULL)
			return -1;
		if (json_object_object_add(*errors, field, list) != 0) {
			json_object_put(list);
			return -1;
		}
	}
	if ((m = json_object_new_string(msg)) == NULL)
		return -1;
	if (json_object_array_add(list, m) != 0) {
		json_object_put(m);
		return -1;
	}
	return 0;
}

static const struct body_field *
field_named(const struct body_field *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

int
fields_parse(const struct body_field *t, size_t n, const struct field_env *e,
    json_object *obj, void *input, size_t input_size, json_object **errors)
{
	const struct body_field	*f;
	const char		*why;

	memset(input, 0, input_size);
	json_object_object_foreach(obj, key, val) {
		if ((f = field_named(t, n, key)) == NULL)
			why = "Unknown field.";
		else if ((why = f->check(f, e, val, (char *)input + f->off)) ==
		    NULL)
			*(int *)(void *)((char *)input + f->seen) = 1;
		if (why != NULL && fields_error(errors, key, why) == -1)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if ((t[i].flags & FIELD_REQUIRED) &&
		    !json_object_object_get_ex(obj, t[i].name, NULL) &&
		    fields_error(errors, t[i].name, MSG_REQUIRED) == -1)
			return -1;
	return 0;
}

const char *
qc_page(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	struct field_page	*p = out;
	long long		 v;

	p->bad = valid_positive_int(s, WH_MAX_PAGE, &v) != VALID_INT_OK;
	p->number = p->bad ? 1 : v;
	return NULL;
}

const char *
qc_page_size(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	long long	v;

	if (valid_positive_int(s, WH_MAX_PAGE, &v) == VALID_INT_BAD)
		return "A valid positive integer is required.";
	*(long long *)out = v < e->max_page_size ? v : e->max_page_size;
	return NULL;
}

const char *
qc_limit(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	long long	v;

	if (valid_positive_int(s, WH_MAX_PAGE_SIZE, &v) == VALID_INT_BAD)
		return "A valid positive integer is required.";
	*(long long *)out = v;
	return NULL;
}

/* A webhook's event number: 0 (before the first) or more; one too large
 * to represent is past every event (the handler says which is last). */
const char *
qc_sequence(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	long long	v = 0;

	if (strcmp(s, "0") != 0 &&
	    valid_positive_int(s, LLONG_MAX, &v) == VALID_INT_BAD)
		return "A valid non-negative integer is required.";
	*(long long *)out = v;
	return NULL;
}

const char *
qc_status(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	if (valid_status(s, strlen(s)) != NULL)
		return "Must be \"enabled\" or \"disabled\".";
	*(const char **)out = s;
	return NULL;
}

const char *
qc_uuid(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	return valid_uuid(s, strlen(s), out) != NULL ? "Must be a valid UUID." :
	    NULL;
}

/* "<20 digits>_<uuid>": the created_at (a real time) and id of a row. */
const char *
qc_cursor(const struct query_field *f, const struct field_env *e,
    const char *s, void *out)
{
	struct field_cursor	*c = out;

	if (strlen(s) != WH_CURSOR_LEN || s[20] != '_' ||
	    valid_uuid(s + 21, WH_UUID_LEN, c->id) != NULL ||
	    time_db_from_digits(s, c->at) == -1)
		return "Invalid cursor.";
	return NULL;
}

int
fields_query(const struct query_field *t, size_t n, const struct field_env *e,
    const struct query *q, void *input, json_object **errors)
{
	const char	*s, *why;

	for (size_t i = 0; i < n; i++) {
		if ((s = query_get(q, t[i].name)) == NULL)
			continue;
		if ((why = t[i].check(&t[i], e, s, (char *)input + t[i].off)) ==
		    NULL)
			*(int *)(void *)((char *)input + t[i].seen) = 1;
		else if (fields_error(errors, t[i].name, why) == -1)
			return -1;
	}
	return 0;
}
