/* SPDX-License-Identifier: MIT */
/* service.h: one request through routing, auth, body checks and handler. */
#ifndef WH_SERVICE_H
#define WH_SERVICE_H

#include "handlers.h"

/*
 * Answers req into resp (status, headers, JSON body), checking in the
 * contract's order: route 404, method 405, auth 401/403, size 413, type
 * 415, JSON 400, then the handler's validation, lookup and conflict.
 */
void	service_handle(struct svc *, const struct req *, struct resp *);

#endif
