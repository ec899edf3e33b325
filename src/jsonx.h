/* SPDX-License-Identifier: MIT */
/* jsonx.h: the strictness json-c lacks, checked on the raw body first. */
#ifndef WH_JSONX_H
#define WH_JSONX_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * Checks what json-c 0.16 lets through even in strict mode: the bytes
 * must be well-formed UTF-8 (no overlong forms, surrogates or code points
 * above U+10FFFF), values outside strings only JSON's own tokens (no
 * single quotes, NaN or Infinity), strings without raw control characters
 * or lone surrogate escapes.  json-c cuts an object key at an escaped
 * U+0000, so the first such key is reported in *nul_key (offset and
 * length of its raw text between the quotes; length 0 when none).
 * Returns NULL, or why the body is not acceptable JSON.
 */
struct jsonx_span {
	size_t	off;
	size_t	len;
};

const char	*jsonx_check(const char *s, size_t n, struct jsonx_span *nul_key);

/*
 * A JSON string of n bytes that may not be UTF-8 (a receiver's answer):
 * each ill-formed sequence becomes U+FFFD, and the result stops before it
 * would pass max bytes (never inside a character).  NULL when out of
 * memory.
 */
json_object	*jsonx_string_lossy(const char *s, size_t n, size_t max);

#endif
