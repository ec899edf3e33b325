/* SPDX-License-Identifier: MIT */
/* fields.h: a route's body members declared as a table {name, check,
 * where the typed value goes, required}, and one parser over it. */
#ifndef WH_FIELDS_H
#define WH_FIELDS_H

#include <stddef.h>

#include <json-c/json.h>

#include "wh_limits.h"

/* What checks may depend on beyond the value. */
struct field_env {
	int	allow_private;		/* allow_private_endpoints */
};

struct body_field;

/*
 * A member's check: v is its value (NULL for JSON null); on success it
 * stores the typed value at out and returns NULL, else the message for
 * errors[name].  Values point into the parsed body.
 */
typedef const char *(*field_check)(const struct body_field *,
    const struct field_env *, json_object *v, void *out);

#define FIELD_REQUIRED	0x1	/* absent: "This field is required." */

struct body_field {
	const char	*name;
	field_check	 check;
	size_t		 off;	/* of the typed value in the input struct */
	size_t		 seen;	/* of an int set to 1 when the member is valid */
	unsigned	 flags;
	size_t		 max;	/* fc_string: bytes */
};

/* Typed values. */
struct field_secret {		/* fc_secret: s NULL means remove it */
	const char	*s;
	size_t		 len;
};

/* The checks of the service's fields. */
const char	*fc_uuid(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* char[WH_UUID_LEN + 1] */
const char	*fc_url(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* const char * */
const char	*fc_secret(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* struct field_secret, nullable */
const char	*fc_status(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* const char * */
const char	*fc_string(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* const char *, 1..max bytes */
const char	*fc_token_key(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* const char *, printable ASCII */
const char	*fc_object(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* json_object * (not taken) */

/*
 * Validates the members of obj against the n fields of t into input
 * (zeroed first): a member no field names is "Unknown field.", an invalid
 * one gets its check's message, a required one absent "This field is
 * required.", all into *errors (made on demand).  Returns 0, or -1 when
 * out of memory.
 */
int	fields_parse(const struct body_field *t, size_t n,
	    const struct field_env *, json_object *obj, void *input,
	    size_t input_size, json_object **errors);

/* Adds msg to errors[field] (errors made on demand); 0 or -1. */
int	fields_error(json_object **errors, const char *field, const char *msg);

#endif
