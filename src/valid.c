/* SPDX-License-Identifier: MIT */
/* valid.c: validators for ids, URLs, secrets and integers from requests. */
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <uuid/uuid.h>

#include "netaddr.h"
#include "valid.h"

#define MSG_BLANK	"This field may not be blank."
#define MSG_URL		"Enter a valid URL."

const char *
valid_uuid(const char *s, size_t len, char out[WH_UUID_LEN + 1])
{
	char	tmp[WH_UUID_LEN + 1];
	uuid_t	u;

	/* s need not be terminated (a path segment): parse a copy. */
	if (len != WH_UUID_LEN || memchr(s, '\0', len) != NULL)
		return "Must be a valid UUID.";
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (uuid_parse(tmp, u) != 0)
		return "Must be a valid UUID.";
	uuid_unparse_lower(u, out);
	return NULL;
}

static int
url_has_part(CURLU *u, CURLUPart part)
{
	char	*v = NULL;
	int	 has;

	has = curl_url_get(u, part, &v, 0) == CURLUE_OK && v != NULL;
	curl_free(v);
	return has;
}

/* Checks the parsed URL u; returns NULL or the message. */
static const char *
url_check_parts(CURLU *u, int allow_private)
{
	char		*scheme = NULL, *host = NULL;
	const char	*why = NULL;
	size_t		 n;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
		why = "URL scheme must be http or https.";
	else if (url_has_part(u, CURLUPART_USER) ||
	    url_has_part(u, CURLUPART_PASSWORD) ||
	    url_has_part(u, CURLUPART_OPTIONS))
		why = "URL must not contain credentials.";
	else if (url_has_part(u, CURLUPART_FRAGMENT))
		why = "URL must not contain a fragment.";
	else if (curl_url_get(u, CURLUPART_HOST, &host, CURLU_URLDECODE) !=
	    CURLUE_OK || host == NULL || *host == '\0')
		why = "URL must have a host.";
	else if (!allow_private) {
		char *h = host;
		n = strlen(h);
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h[n - 1] = '\0';
			h++;
		}
		if (url_has_part(u, CURLUPART_ZONEID) ||
		    netaddr_host_refused(h))
			why = "URL must not point to a loopback, private, "
			    "link-local, multicast or unspecified address.";
	}
	curl_free(scheme);
	curl_free(host);
	return why;
}

const char *
valid_endpoint_url(const char *s, size_t len, int allow_private)
{
	CURLU		*u;
	CURLUcode	 rc;
	const char	*why, *sep;
	char		 copy[WH_MAX_URL_LEN + 1];

	if (len == 0)
		return MSG_BLANK;
	if (len > WH_MAX_URL_LEN)
		return "Ensure this field has no more than 2048 characters.";
	/* s need not end at len: parse a terminated copy. */
	memcpy(copy, s, len);
	copy[len] = '\0';
	s = copy;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return MSG_URL;
	if (memchr(s, '#', len) != NULL)
		return "URL must not contain a fragment.";
	/* curl forgives "http:/host" and "http:///host"; we do not. */
	if ((sep = strstr(s, "://")) == NULL || sep == s ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789+.-") != (size_t)(sep - s))
		return MSG_URL;
	if (sep[3] == '/' || sep[3] == '?' || sep[3] == '\0')
		return "URL must have a host.";
	if ((u = curl_url()) == NULL)
		return MSG_URL;
	rc = curl_url_set(u, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME);
	if (rc == CURLUE_NO_HOST)
		why = "URL must have a host.";
	else if (rc != CURLUE_OK)
		why = MSG_URL;
	else
		why = url_check_parts(u, allow_private);
	curl_url_cleanup(u);
	return why;
}

const char *
valid_secret(const char *s, size_t len)
{
	size_t	cp = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return "Control characters are not allowed.";
		/* U+0080..U+009F are encoded as C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return "Control characters are not allowed.";
		if ((c & 0xc0) != 0x80)
			cp++;
	}
	if (cp < WH_MIN_SECRET_CP)
		return MSG_BLANK;
	if (cp > WH_MAX_SECRET_CP)
		return "Ensure this field has no more than 256 characters.";
	return NULL;
}

const char *
valid_status(const char *s, size_t len)
{
	if ((len == 7 && memcmp(s, "enabled", 7) == 0) ||
	    (len == 8 && memcmp(s, "disabled", 8) == 0))
		return NULL;
	return "Must be \"enabled\" or \"disabled\".";
}

enum valid_int
valid_positive_int(const char *s, long long max, long long *out)
{
	long long	v = 0;
	int		huge = 0;

	if (s == NULL || *s == '\0')
		return VALID_INT_BAD;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return VALID_INT_BAD;
		if (!huge && (*p - '0' > max || v > (max - (*p - '0')) / 10))
			huge = 1;
		else if (!huge)
			v = v * 10 + (*p - '0');
	}
	if (huge) {
		*out = max;
		return VALID_INT_HUGE;
	}
	if (v == 0)
		return VALID_INT_BAD;
	*out = v;
	return VALID_INT_OK;
}
