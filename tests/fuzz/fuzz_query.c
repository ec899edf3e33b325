/* SPDX-License-Identifier: MIT */
/* fuzz_query.c: libFuzzer harness for query strings, page parameters,
 * pagination links, routing and the Authorization header. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "query.h"
#include "router.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct query		 q;
	struct route_match	 m;
	struct buf		 b = { 0 };
	char			*s, tok[80];
	const char		*v;
	long long		 num;

	if (n > 1 << 14 || (s = malloc(n + 1)) == NULL)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	if (query_parse(&q, s) == 0) {
		if ((v = query_get(&q, "page")) != NULL)
			(void)valid_positive_int(v, 100000000LL, &num);
		if ((v = query_get(&q, "page_size")) != NULL)
			(void)valid_positive_int(v, 100000000LL, &num);
		query_free(&q);
	}
	(void)query_link(&b, s, "page", 2);
	(void)query_link_str(&b, s, "cursor", "x");
	buf_free(&b);
	router_match(s, strlen(s), HTTP_GET, &m);
	(void)auth_parse_header(s, tok, sizeof(tok));
	free(s);
	return 0;
}
