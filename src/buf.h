/* SPDX-License-Identifier: MIT */
/* buf.h: a growable, always NUL-terminated byte buffer. */
#ifndef WH_BUF_H
#define WH_BUF_H

#include <stddef.h>

struct buf {
	char	*data;	/* NUL-terminated; NULL until the first append */
	size_t	 len;
	size_t	 cap;
};

/* Each returns 0, or -1 when memory runs out (the buffer is left as it was). */
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	buf_reset(struct buf *);	/* empties, keeps the memory */
void	buf_free(struct buf *);		/* frees; the struct may be reused */

#endif
