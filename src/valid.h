/* SPDX-License-Identifier: MIT */
/* valid.h: pure validators for untrusted input; no I/O, no allocation kept. */
#ifndef WH_VALID_H
#define WH_VALID_H

#include <stddef.h>

#include "wh_limits.h"

/*
 * String validators take the bytes and their length (a JSON string may
 * hold NUL bytes) and return NULL when valid, else the message for the
 * person who sent it.  They never echo the input.
 */

/* A UUID in 8-4-4-4-12 hex form; out gets it in lowercase. */
const char	*valid_uuid(const char *s, size_t len, char out[WH_UUID_LEN + 1]);

/* An absolute http(s) URL with a host, no fragment, no credentials, at
 * most WH_MAX_URL_LEN characters; literal refused addresses (see
 * netaddr.h) and localhost fail unless allow_private. */
const char	*valid_endpoint_url(const char *s, size_t len, int allow_private);

/* A signing secret: valid UTF-8 (the JSON parser checks it) of
 * WH_MIN_SECRET_CP to WH_MAX_SECRET_CP code points, no C0, DEL or C1. */
const char	*valid_secret(const char *s, size_t len);

/* "enabled" or "disabled". */
const char	*valid_status(const char *s, size_t len);

enum valid_int { VALID_INT_OK, VALID_INT_BAD, VALID_INT_HUGE };

/*
 * A positive decimal integer, digits only.  VALID_INT_HUGE when it is
 * well-formed but above max (out is then max); VALID_INT_BAD for
 * anything else, zero included.
 */
enum valid_int	 valid_positive_int(const char *s, long long max, long long *out);

#endif
