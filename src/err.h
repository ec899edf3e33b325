/* SPDX-License-Identifier: MIT */
/* err.h: the one error enum of the service and its HTTP mapping. */
#ifndef WH_ERR_H
#define WH_ERR_H

enum wh_err {
	WH_OK = 0,
	WH_E_NOT_FOUND,		/* 404 not_found */
	WH_E_INVALID_PAGE,	/* 404 invalid_page */
	WH_E_METHOD,		/* 405 method_not_allowed */
	WH_E_NOT_AUTH,		/* 401 not_authenticated */
	WH_E_AUTH_FAILED,	/* 401 authentication_failed */
	WH_E_PERMISSION,	/* 403 permission_denied */
	WH_E_TOO_LARGE,		/* 413 too_large */
	WH_E_MEDIA_TYPE,	/* 415 unsupported_media_type */
	WH_E_PARSE,		/* 400 parse_error */
	WH_E_INVALID,		/* 400 invalid */
	WH_E_DUPLICATE,		/* 409 duplicate */
	WH_E_ATTEMPT_LIMIT,	/* 409 too_many_attempts */
	WH_E_MANUAL_LIMIT,	/* 429 too_many_pending */
	WH_E_REPLAY_LIMIT,	/* 429 too_many_replays */
	WH_E_UNAVAILABLE,	/* 503 unavailable: database unreachable or failing */
	WH_E_NOMEM,		/* 503 unavailable: out of memory */
	WH_E__COUNT
};

/* HTTP status, stable code string and default sentence of an error. */
int		 err_status(enum wh_err);
const char	*err_code(enum wh_err);
const char	*err_detail(enum wh_err);

#endif
