/* SPDX-License-Identifier: MIT */
/* err.c: the table that maps each error to its status, code and sentence. */
#include "err.h"

static const struct {
	int		 status;
	const char	*code;
	const char	*detail;
} table[WH_E__COUNT] = {
	[WH_OK] = { 200, "ok", "OK." },
	[WH_E_NOT_FOUND] = { 404, "not_found", "Not found." },
	[WH_E_INVALID_PAGE] = { 404, "invalid_page", "Invalid page." },
	[WH_E_METHOD] = { 405, "method_not_allowed",
	    "Method not allowed." },
	[WH_E_NOT_AUTH] = { 401, "not_authenticated",
	    "Authentication credentials were not provided." },
	[WH_E_AUTH_FAILED] = { 401, "authentication_failed",
	    "Invalid token." },
	[WH_E_PERMISSION] = { 403, "permission_denied",
	    "You do not have permission to perform this action." },
	[WH_E_TOO_LARGE] = { 413, "too_large",
	    "Request body is too large." },
	[WH_E_MEDIA_TYPE] = { 415, "unsupported_media_type",
	    "Unsupported media type in request; use application/json." },
	[WH_E_PARSE] = { 400, "parse_error",
	    "Malformed request body: expected a JSON object." },
	[WH_E_INVALID] = { 400, "invalid", "Invalid input." },
	[WH_E_DUPLICATE] = { 409, "duplicate",
	    "A webhook for this API template already exists." },
	[WH_E_ATTEMPT_LIMIT] = { 409, "too_many_attempts",
	    "This delivery has had the most attempts a delivery may have." },
	[WH_E_MANUAL_LIMIT] = { 429, "too_many_pending",
	    "This webhook has the most pending test deliveries and "
	    "redeliveries it may have; try again when some have finished." },
	[WH_E_REPLAY_LIMIT] = { 429, "too_many_replays",
	    "This webhook may not start another replay yet." },
	[WH_E_UNAVAILABLE] = { 503, "unavailable",
	    "The service is temporarily unavailable; the request had no effect. Try again later." },
	[WH_E_NOMEM] = { 503, "unavailable",
	    "The service is temporarily unavailable; the request had no effect. Try again later." },
};

static enum wh_err
clamp(enum wh_err e)
{
	return (unsigned)e < WH_E__COUNT ? e : WH_E_UNAVAILABLE;
}

int
err_status(enum wh_err e)
{
	return table[clamp(e)].status;
}

const char *
err_code(enum wh_err e)
{
	return table[clamp(e)].code;
}

const char *
err_detail(enum wh_err e)
{
	return table[clamp(e)].detail;
}
