/* SPDX-License-Identifier: MIT */
/* log.c: leveled log lines on stderr, one write(2) per line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 cur_level = LOG_LVL_INFO;
static const char	*ident = "webhookd";
static const char *const names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level l)
{
	cur_level = l;
}

void
log_set_ident(const char *s)
{
	ident = s;
}

int
log_parse_level(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char		 line[2048];
	struct timespec	 ts;
	struct tm	 tm;
	va_list		 ap;
	int		 n, m;

	if (l < cur_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s: ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, ident,
	    (long)getpid(), names[l]);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	/* vsnprintf says how long the whole message would have been. */
	if ((size_t)m >= sizeof(line) - 1 - (size_t)n)
		n = (int)sizeof(line) - 2;
	else
		n += m;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
