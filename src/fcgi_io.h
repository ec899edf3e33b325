/* SPDX-License-Identifier: MIT */
/* fcgi_io.h: FastCGI request in, response out; the only libfcgi user. */
#ifndef WH_FCGI_IO_H
#define WH_FCGI_IO_H

#include <fcgiapp.h>

#include "buf.h"
#include "http.h"

/* Where a request's body is read from, and the worker's buffer for it. */
struct fcgi_body {
	FCGX_Request	*r;
	struct buf	 buf;
};

/*
 * Fills q from the FastCGI environment of r; its body is read only when
 * the service asks (q->read_body, from b, which must outlive q).  The
 * strings of q live until FCGX_Finish_r.
 */
void	fcgi_read_request(FCGX_Request *r, struct req *q, struct fcgi_body *b);

/* Reads what is left of the request's body, so that nothing of it is
 * taken for the next request on a kept connection. */
void	fcgi_drain(FCGX_Request *r);

/* Ends the request (FCGX_Finish_r).  A connection whose request was read
 * to its end is closed at once: nginx sends nothing more on it.  libfcgi's
 * own lingering close shuts down writes and waits for nginx to close first
 * (up to 2 s), and the worker could not take its next request meanwhile.
 * A stream that failed keeps the lingering close. */
void	fcgi_finish(FCGX_Request *r);

/* Writes the response: status line, headers, and the body unless HEAD. */
void	fcgi_write_response(FCGX_Request *r, const struct req *q,
	    const struct resp *p);

#endif
