/* SPDX-License-Identifier: MIT */
/* fuzz_body.c: libFuzzer harness for request bodies: the strict JSON
 * pre-check, json-c's parse as the service does it, and the field
 * validators on every string member. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "jsonx.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct json_tokener	*tok;
	struct jsonx_span	 sp;
	json_object		*o;
	char			 uuid[WH_UUID_LEN + 1];

	if (n > 1 << 16 || jsonx_check((const char *)data, n, &sp) != NULL)
		return 0;
	if ((tok = json_tokener_new_ex(16)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)data, (int)n);
	if (o != NULL && json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			const char	*s;
			size_t		 len;

			(void)key;
			if (!json_object_is_type(val, json_type_string))
				continue;
			s = json_object_get_string(val);
			len = (size_t)json_object_get_string_len(val);
			(void)valid_uuid(s, len, uuid);
			(void)valid_endpoint_url(s, len, 0);
			(void)valid_endpoint_url(s, len, 1);
			(void)valid_secret(s, len);
			(void)valid_status(s, len);
		}
	}
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}
