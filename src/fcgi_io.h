/* SPDX-License-Identifier: MIT */
/* fcgi_io.h: FastCGI request in, response out; the only libfcgi user. */
#ifndef WH_FCGI_IO_H
#define WH_FCGI_IO_H

#include <fcgiapp.h>

#include "buf.h"
#include "http.h"

/*
 * Fills q from the FastCGI environment of r and reads the body into body
 * (at most WH_MAX_EVENT_BODY bytes; past that q->body_too_large is set and
 * the rest is drained).  The strings of q live until FCGX_Finish_r.
 * Returns 0, or -1 when memory runs out.
 */
int	fcgi_read_request(FCGX_Request *r, struct req *q, struct buf *body);

/* Writes the response: status line, headers, and the body unless HEAD. */
void	fcgi_write_response(FCGX_Request *r, const struct req *q,
	    const struct resp *p);

#endif
