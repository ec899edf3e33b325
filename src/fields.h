/* SPDX-License-Identifier: MIT */
/* fields.h: a route's body members declared as a table {name, check,
 * where the typed value goes, required}, and one parser over it. */
#ifndef WH_FIELDS_H
#define WH_FIELDS_H

#include <stddef.h>

#include <json-c/json.h>

#include "timeutil.h"
#include "wh_limits.h"

/* What checks may depend on beyond the value. */
struct field_env {
	int		allow_private;		/* allow_private_endpoints */
	long long	max_page_size;		/* page_size is clamped to it */
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
const char	*fc_replay_status(const struct body_field *,
		    const struct field_env *, json_object *, void *);
						/* const char *: failed, cancelled */
const char	*fc_time(const struct body_field *, const struct field_env *,
		    json_object *, void *);	/* char[TIME_DB_LEN + 1], UTC */
const char	*fc_sequence(const struct body_field *,
		    const struct field_env *, json_object *, void *);
						/* long long, 0 or more */

/* A query parameter's check, as a body field's; s is the decoded value of
 * the first occurrence. */
struct query_field;
typedef const char *(*query_check)(const struct query_field *,
    const struct field_env *, const char *s, void *out);

struct query_field {
	const char	*name;
	query_check	 check;
	size_t		 off;	/* of the typed value in the input struct */
	size_t		 seen;	/* of an int set to 1 when the value is valid */
};

/* Typed query values. */
struct field_page {		/* qc_page: a bad page is a 404, not a 400 */
	long long	number;
	int		bad;
};
struct field_cursor {		/* qc_cursor: the keyset position */
	char		at[TIME_DB_LEN + 1];	/* DATETIME(6) literal */
	char		id[WH_UUID_LEN + 1];
};

const char	*qc_page(const struct query_field *, const struct field_env *,
		    const char *, void *);	/* struct field_page */
const char	*qc_page_size(const struct query_field *,
		    const struct field_env *, const char *, void *);
						/* long long, clamped */
const char	*qc_limit(const struct query_field *, const struct field_env *,
		    const char *, void *);	/* long long, up to 100 */
const char	*qc_status(const struct query_field *, const struct field_env *,
		    const char *, void *);	/* const char * */
const char	*qc_uuid(const struct query_field *, const struct field_env *,
		    const char *, void *);	/* char[WH_UUID_LEN + 1] */
const char	*qc_cursor(const struct query_field *, const struct field_env *,
		    const char *, void *);	/* struct field_cursor */
const char	*qc_sequence(const struct query_field *,
		    const struct field_env *, const char *, void *);
						/* long long, 0 or more */

struct query;
/* The parameters of q that t's n fields name, into input (not zeroed;
 * unknown parameters are ignored, as the contract says); messages into
 * *errors.  0, or -1 when out of memory. */
int	fields_query(const struct query_field *t, size_t n,
	    const struct field_env *, const struct query *q, void *input,
	    json_object **errors);

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
