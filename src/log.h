/* SPDX-License-Identifier: MIT */
/* log.h: leveled log lines on stderr. */
#ifndef WH_LOG_H
#define WH_LOG_H

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

void	log_set_level(enum log_level);
void	log_set_ident(const char *);	/* program name in each line */
/* Parses "debug", "info", "warn", "error"; returns 0 or -1. */
int	log_parse_level(const char *, enum log_level *);
void	log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)

#endif
