/* SPDX-License-Identifier: MIT */
/* jw.h: a streaming JSON writer into a buf, for responses on hot paths
 * (no object tree, no allocation per value). */
#ifndef WH_JW_H
#define WH_JW_H

#include <stddef.h>

#include "buf.h"

#define JW_MAX_DEPTH	16

struct jw {
	struct buf	*b;
	int		 err;			/* out of memory or misuse */
	int		 depth;
	int		 after_key;		/* the next value follows a key */
	unsigned char	 count[JW_MAX_DEPTH];	/* values at each level (0, 1, many) */
};

/* Starts writing at the end of b. */
void	jw_init(struct jw *, struct buf *b);

void	jw_obj(struct jw *);
void	jw_obj_end(struct jw *);
void	jw_arr(struct jw *);
void	jw_arr_end(struct jw *);
void	jw_key(struct jw *, const char *key);	/* key: plain ASCII */

/* Values.  Strings are escaped as JSON requires (the bytes must be UTF-8). */
void	jw_str(struct jw *, const char *s);
void	jw_strn(struct jw *, const char *s, size_t n);
void	jw_str_or_null(struct jw *, const char *s);	/* NULL or "": null */
void	jw_int(struct jw *, long long v);
void	jw_int_or_null(struct jw *, long long v);	/* v < 0: null */
void	jw_bool(struct jw *, int v);
void	jw_null(struct jw *);
/* A value written as it is: s must be one JSON value the service wrote
 * itself (a stored delivery body). */
void	jw_raw(struct jw *, const char *s, size_t n);

/* 0, or -1 when anything went wrong since jw_init. */
int	jw_error(const struct jw *);

#endif
